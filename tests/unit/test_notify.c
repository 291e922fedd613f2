/*
 * test_notify.c: the sd_notify(3) datagrams (gateway/notify.h): nothing
 * without NOTIFY_SOCKET, the exact assignments each call sends, to a path
 * and to an abstract name, NOTIFY_SOCKET left set, and addresses that cannot
 * be used refused with -1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "gateway/notify.h"

/* A datagram socket bound to NOTIFY_SOCKET's address (path or @abstract). */
static int
listener(const char *addr)
{
	struct sockaddr_un	sun;
	socklen_t		len;
	int			fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	assert_true(strlen(addr) < sizeof sun.sun_path);
	memcpy(sun.sun_path, addr, strlen(addr));
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(addr));
	if (addr[0] == '@')
		sun.sun_path[0] = '\0';
	else
		len++;
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(fd != -1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, len), 0);
	return (fd);
}

/* The next datagram, NUL-terminated; fails the test after 2 s. */
static void
next(int fd, char *buf, size_t size)
{
	struct timeval	tv = { 2, 0 };
	ssize_t		n;

	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof tv), 0);
	n = recv(fd, buf, size - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
}

static void
test_unset(void **state)
{
	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(gw_notify("READY=1"), 0);
	assert_int_equal(gw_notify_ready(1), 0);
	setenv("NOTIFY_SOCKET", "", 1);
	assert_int_equal(gw_notify_stopping(0), 0);
	unsetenv("NOTIFY_SOCKET");
}

static void
test_path(void **state)
{
	char	dir[] = "/tmp/dbgbridge-notify.XXXXXX", path[128], buf[512];
	char	want[128];
	int	fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/notify", dir);
	fd = listener(path);
	setenv("NOTIFY_SOCKET", path, 1);

	assert_int_equal(gw_notify_ready(2), 1);
	next(fd, buf, sizeof buf);
	snprintf(want, sizeof want, "READY=1\nSTATUS=serving 2 routes\n"
	    "MAINPID=%ld", (long)getpid());
	assert_string_equal(buf, want);

	assert_int_equal(gw_notify_ready(1), 1);
	next(fd, buf, sizeof buf);
	snprintf(want, sizeof want, "READY=1\nSTATUS=serving 1 route\n"
	    "MAINPID=%ld", (long)getpid());
	assert_string_equal(buf, want);

	assert_int_equal(gw_notify_reloaded(3, false), 1);
	next(fd, buf, sizeof buf);
	assert_string_equal(buf, "READY=1\nSTATUS=serving 3 routes");

	assert_int_equal(gw_notify_reloaded(1, true), 1);
	next(fd, buf, sizeof buf);
	assert_string_equal(buf, "READY=1\nSTATUS=serving 1 route; reload "
	    "failed, configuration unchanged");

	assert_int_equal(gw_notify_stopping(1), 1);
	next(fd, buf, sizeof buf);
	assert_string_equal(buf, "STOPPING=1\nSTATUS=stopping: draining 1 "
	    "session");

	/* sd_notify's unset_environment is false: the variable stays. */
	assert_string_equal(getenv("NOTIFY_SOCKET"), path);

	close(fd);
	unlink(path);
	rmdir(dir);
	/* Nobody listens any more: -1, and the caller goes on. */
	assert_int_equal(gw_notify("READY=1"), -1);
	unsetenv("NOTIFY_SOCKET");
}

static void
test_abstract(void **state)
{
	struct timespec	 ts;
	char		 name[64], buf[512], *end;
	unsigned long long now, sent;
	int		 fd;

	(void)state;
	snprintf(name, sizeof name, "@dbgbridge-test-notify-%ld",
	    (long)getpid());
	fd = listener(name);
	setenv("NOTIFY_SOCKET", name, 1);

	assert_int_equal(gw_notify_reloading(), 1);
	next(fd, buf, sizeof buf);
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	now = (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL;
	assert_memory_equal(buf, "RELOADING=1\nMONOTONIC_USEC=", 27);
	sent = strtoull(buf + 27, &end, 10);
	assert_true(*end == '\0' && end != buf + 27);
	/* CLOCK_MONOTONIC in microseconds: just before now. */
	assert_true(sent <= now && now - sent < 2000000ULL);

	close(fd);
	unsetenv("NOTIFY_SOCKET");
}

static void
test_bad_address(void **state)
{
	char	longpath[200];

	(void)state;
	setenv("NOTIFY_SOCKET", "relative/notify", 1);
	assert_int_equal(gw_notify("READY=1"), -1);
	/* systemd 254's vsock: addresses are not spoken here. */
	setenv("NOTIFY_SOCKET", "vsock:2:1234", 1);
	assert_int_equal(gw_notify("READY=1"), -1);
	memset(longpath, 'a', sizeof longpath - 1);
	longpath[0] = '/';
	longpath[sizeof longpath - 1] = '\0';
	setenv("NOTIFY_SOCKET", longpath, 1);
	assert_int_equal(gw_notify("READY=1"), -1);
	unsetenv("NOTIFY_SOCKET");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unset),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_abstract),
		cmocka_unit_test(test_bad_address),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
