/*
 * test_logfile.c: [gateway] log = FILE's rotation by size
 * (gateway/logfile.h; dbgbridge.ini(5) "log_max_size", "log_keep").  Built
 * for Linux and for Windows (run under wine by tests/windows/run.sh): the
 * rename-over-an-existing-file rule differs there, which is what the
 * rotation must get right.  Files are made in the current directory, named
 * after the process id, and removed at the end.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gateway/logfile.h"
#include "osdep/osdep.h"

static char	base[64];

/* "BASE" or "BASE.N" (n > 0). */
static const char *
name(unsigned n)
{
	static char	buf[80];

	if (n == 0)
		snprintf(buf, sizeof buf, "%s", base);
	else
		snprintf(buf, sizeof buf, "%s.%u", base, n);
	return (buf);
}

/* The whole of a file into buf (NUL-terminated); -1 when it is missing. */
static long
slurp(unsigned n, char *buf, size_t size)
{
	FILE	*f;
	size_t	 got;

	if ((f = fopen(name(n), "rb")) == NULL)
		return (-1);
	got = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[got] = '\0';
	return ((long)got);
}

static void
clean(void)
{
	unsigned	i;

	for (i = 0; i <= 8; i++)
		(void)remove(name(i));
}

static int
setup(void **state)
{
	(void)state;
	snprintf(base, sizeof base, "test_logfile.%ld.log", gw_os_pid());
	clean();
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	clean();
	return (0);
}

/* Line i: exactly 30 bytes with its newline ("line 07 ....\n"). */
static void
put(struct gw_logfile *lf, unsigned i)
{
	char	line[31];

	snprintf(line, sizeof line, "line %02u %021u\n", i, i);
	assert_int_equal(strlen(line), 30);
	assert_int_equal(gw_logfile_write(lf, line, 30), 0);
}

/* File n holds lines from..to exactly, in order. */
static void
holds(unsigned n, unsigned from, unsigned to)
{
	char		got[1024], want[1024], line[31];
	unsigned	i;

	want[0] = '\0';
	for (i = from; i <= to; i++) {
		snprintf(line, sizeof line, "line %02u %021u\n", i, i);
		strcat(want, line);
	}
	if (slurp(n, got, sizeof got) == -1)
		fail_msg("%s is missing", name(n));
	assert_string_equal(got, want);
}

static void
missing(unsigned n)
{
	char	got[16];

	if (slurp(n, got, sizeof got) != -1)
		fail_msg("%s exists", name(n));
}

/*
 * 100 bytes hold three 30-byte lines; the fourth begins a new file.  Ten
 * lines make four files' worth, of which keep = 2 leaves the newest three:
 * FILE (10), FILE.1 (7-9), FILE.2 (4-6); lines 1-3 are gone.
 */
static void
test_rotate_keep(void **state)
{
	struct gw_logfile	*lf;
	char			*cause;
	unsigned		 i;

	(void)state;
	assert_non_null(lf = gw_logfile_open(base, 100, 2, &cause));
	for (i = 1; i <= 10; i++)
		put(lf, i);
	holds(0, 10, 10);
	holds(1, 7, 9);
	holds(2, 4, 6);
	missing(3);
	/* Two more: FILE fills to three lines, nothing else moves. */
	put(lf, 11);
	put(lf, 12);
	holds(0, 10, 12);
	holds(1, 7, 9);
	gw_logfile_close(lf);
}

/* keep = 0: FILE is begun anew, no numbered file. */
static void
test_rotate_none(void **state)
{
	struct gw_logfile	*lf;
	char			*cause;
	unsigned		 i;

	(void)state;
	assert_non_null(lf = gw_logfile_open(base, 100, 0, &cause));
	for (i = 1; i <= 4; i++)
		put(lf, i);
	holds(0, 4, 4);
	missing(1);
	gw_logfile_close(lf);
}

/* max_size = 0: never rotated. */
static void
test_unlimited(void **state)
{
	struct gw_logfile	*lf;
	char			*cause;
	unsigned		 i;

	(void)state;
	assert_non_null(lf = gw_logfile_open(base, 0, 5, &cause));
	for (i = 1; i <= 20; i++)
		put(lf, i);
	holds(0, 1, 20);
	missing(1);
	gw_logfile_close(lf);
}

/*
 * An existing file is appended to and its size counts: two lines, closed,
 * reopened, two more: the third fills it, the fourth rotates.
 */
static void
test_reopen_counts(void **state)
{
	struct gw_logfile	*lf;
	char			*cause;

	(void)state;
	assert_non_null(lf = gw_logfile_open(base, 100, 3, &cause));
	put(lf, 1);
	put(lf, 2);
	gw_logfile_close(lf);
	assert_non_null(lf = gw_logfile_open(base, 100, 3, &cause));
	put(lf, 3);
	put(lf, 4);
	holds(0, 4, 4);
	holds(1, 1, 3);
	gw_logfile_close(lf);
}

/*
 * A line longer than max_size still goes whole into a file, alone: an
 * empty file is never rotated, so a long line cannot rotate for ever.
 * New limits take effect on the next line.
 */
static void
test_long_line_and_limits(void **state)
{
	struct gw_logfile	*lf;
	char			*cause;

	(void)state;
	assert_non_null(lf = gw_logfile_open(base, 20, 2, &cause));
	put(lf, 1);
	put(lf, 2);
	holds(0, 2, 2);
	holds(1, 1, 1);
	gw_logfile_limits(lf, 1000, 2);
	put(lf, 3);
	put(lf, 4);
	holds(0, 2, 4);
	gw_logfile_close(lf);
}

/* A file that cannot be made: NULL, and the cause names it. */
static void
test_open_fails(void **state)
{
	struct gw_logfile	*lf;
	char			*cause = NULL;

	(void)state;
	lf = gw_logfile_open("no-such-directory-here/x.log", 100, 2, &cause);
	assert_null(lf);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "no-such-directory-here/x.log"));
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rotate_keep, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rotate_none, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unlimited, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reopen_counts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_long_line_and_limits,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_fails, setup,
		    teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
