/*
 * test_log.c: log lines (gateway/log.h): the text form, JSON lines (one
 * object per line, RFC 8259 escaping of whatever the message holds, members
 * after msg), the threshold, switching format on a new configuration as a
 * reload does, gw_log_escape, and rate-limited lines (gw_log_limited).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <regex.h>
#include <unistd.h>

#include <cmocka.h>

#include <event2/event.h>

#include "config/config.h"
#include "gateway/log.h"

static int	saved_stderr = -1;
static FILE	*capture;

/* Send fd 2 to a temporary file until captured() is called. */
static void
capture_start(void)
{
	fflush(stderr);
	capture = tmpfile();
	assert_non_null(capture);
	saved_stderr = dup(2);
	assert_true(saved_stderr != -1);
	assert_true(dup2(fileno(capture), 2) != -1);
}

/* Everything written to stderr since capture_start (freed by the caller). */
static char *
captured(void)
{
	long	 n;
	char	*s;

	fflush(stderr);
	assert_true(dup2(saved_stderr, 2) != -1);
	close(saved_stderr);
	n = ftell(capture);
	assert_true(n >= 0);
	s = calloc(1, (size_t)n + 1);
	assert_non_null(s);
	rewind(capture);
	assert_int_equal(fread(s, 1, (size_t)n, capture), (size_t)n);
	fclose(capture);
	return (s);
}

static void
configure(enum gw_log_level level, enum gw_log_format format)
{
	struct gw_config	c;
	char			log[] = "stderr";

	memset(&c, 0, sizeof c);
	c.log_level = level;
	c.log = log;
	c.log_format = format;
	c.syslog_facility = GW_LOG_FACILITY_DAEMON;
	gw_log_configure(&c);
}

/* s matches the extended regular expression re in full. */
static void
assert_matches(const char *s, const char *re)
{
	regex_t	r;
	int	rc;

	assert_int_equal(regcomp(&r, re, REG_EXTENDED | REG_NOSUB), 0);
	rc = regexec(&r, s, 0, NULL, 0);
	regfree(&r);
	if (rc != 0)
		fail_msg("'%s' does not match /%s/", s, re);
}

#define TS "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"

static void
test_text(void **state)
{
	char	*out;

	(void)state;
	configure(GW_LOG_INFO, GW_LOG_TEXT);
	assert_false(gw_log_json());
	capture_start();
	gw_log_info("route %s serving", "lab");
	gw_log_debug("not written");
	gw_log_fields(GW_LOG_WARN, "\"k\":1", "fields %d", 2);
	out = captured();
	assert_matches(out, "^" TS " info route lab serving\n"
	    TS " warn fields 2\n$");
	free(out);
}

static void
test_json(void **state)
{
	char	*out;

	(void)state;
	configure(GW_LOG_DEBUG, GW_LOG_JSON);
	assert_true(gw_log_json());
	capture_start();
	gw_log_error("plain");
	/* Quotes, a backslash, control bytes, DEL, bad UTF-8, good UTF-8. */
	gw_log_info("a \"q\" \\ \n\r\t\x01\x7f \xff \xc3\xa9 end");
	gw_log_fields(GW_LOG_DEBUG, "\"session\":3,\"route\":\"lab\"",
	    "session %d", 3);
	gw_log_fields(GW_LOG_WARN, NULL, "no members");
	gw_log_fields(GW_LOG_WARN, "", "empty members");
	out = captured();
	assert_matches(out,
	    "^\\{\"ts\":\"" TS "\",\"level\":\"error\",\"msg\":\"plain\"\\}\n"
	    "\\{\"ts\":\"" TS "\",\"level\":\"info\",\"msg\":"
	    "\"a \\\\\"q\\\\\" \\\\\\\\ \\\\n\\\\r\\\\t\\\\u0001\\\\u007f "
	    "\\\\ufffd \xc3\xa9 end\"\\}\n"
	    "\\{\"ts\":\"" TS "\",\"level\":\"debug\",\"msg\":\"session 3\","
	    "\"session\":3,\"route\":\"lab\"\\}\n"
	    "\\{\"ts\":\"" TS "\",\"level\":\"warn\",\"msg\":\"no members\"\\}\n"
	    "\\{\"ts\":\"" TS "\",\"level\":\"warn\",\"msg\":\"empty members\""
	    "\\}\n$");
	free(out);
}

/* A new configuration (a reload) changes the format from the next line. */
static void
test_reconfigure(void **state)
{
	char	*out;

	(void)state;
	configure(GW_LOG_INFO, GW_LOG_JSON);
	capture_start();
	gw_log_info("one");
	configure(GW_LOG_WARN, GW_LOG_TEXT);
	gw_log_info("dropped");
	gw_log_warn("two");
	gw_log_init(GW_LOG_INFO, false);
	assert_false(gw_log_json());
	gw_log_info("three");
	out = captured();
	assert_matches(out, "^\\{\"ts\":\"" TS "\",\"level\":\"info\","
	    "\"msg\":\"one\"\\}\n" TS " warn two\n" TS " info three\n$");
	free(out);
}

static void
test_escape(void **state)
{
	char	buf[16];

	(void)state;
	assert_string_equal(gw_log_escape(buf, sizeof buf, "CN=a\"b\n"),
	    "CN=a\\\"b\\x0a");
	assert_string_equal(gw_log_escape(buf, sizeof buf, "\\\xff"),
	    "\\\\\\xff");
	/* Truncated whole: never half an escape. */
	assert_string_equal(gw_log_escape(buf, 6, "ab\ncd"), "ab");
	assert_string_equal(gw_log_escape(buf, sizeof buf, ""), "");
}

/*
 * gw_log_limited: the first line at once, the repeats counted, one summary
 * when the interval ends (its timer, fired by hand), a quiet interval ends
 * the hold; below the threshold nothing is counted; free writes what is
 * pending.
 */
static void
test_limited(void **state)
{
	struct event_base	*base = event_base_new();
	struct gw_log_limit	 l;
	char			*out;
	int			 i;

	(void)state;
	assert_non_null(base);
	configure(GW_LOG_INFO, GW_LOG_TEXT);
	assert_int_equal(gw_log_limit_init(&l, base), 0);
	capture_start();
	for (i = 1; i <= 5; i++)
		gw_log_limited(&l, GW_LOG_WARN, "accept: Too many open files "
		    "#%d", i);
	gw_log_limited(&l, GW_LOG_DEBUG, "not counted");
	/* The interval ends: one line for the 4 held back, the last one's. */
	event_active(l.timer, EV_TIMEOUT, 1);
	event_base_loop(base, EVLOOP_NONBLOCK);
	gw_log_limited(&l, GW_LOG_WARN, "again #6");	/* still held */
	event_active(l.timer, EV_TIMEOUT, 1);
	event_base_loop(base, EVLOOP_NONBLOCK);
	/* A quiet interval: the next line is written at once. */
	event_active(l.timer, EV_TIMEOUT, 1);
	event_base_loop(base, EVLOOP_NONBLOCK);
	gw_log_limited(&l, GW_LOG_WARN, "after a quiet interval");
	gw_log_limited(&l, GW_LOG_WARN, "pending at free");
	gw_log_limit_free(&l);
	out = captured();
	assert_matches(out, "^"
	    TS " warn accept: Too many open files #1\n"
	    TS " warn accept: Too many open files #5 \\(4 more in the last 5 s\\)\n"
	    TS " warn again #6 \\(1 more in the last 5 s\\)\n"
	    TS " warn after a quiet interval\n"
	    TS " warn pending at free \\(1 more in the last 5 s\\)\n$");
	free(out);
	gw_log_limit_free(&l);		/* twice: a no-op */
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_reconfigure),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_limited),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
