/*
 * test_pump.c: the pump and the named-pipe API on Windows (osdep/pump-win32.h,
 * osdep/pipe-win32.h; doc/design.md "Windows handles"), in process over real
 * named pipes, built with mingw-w64 and run under wine by tests/windows.
 *
 * What a pump must keep: bytes both ways; a pipe whose other end closes is
 * an end of stream on the core's socket after every byte; a zero-byte write
 * is no end (Win32 "ReadFile" on pipes); the core's half-close closes the
 * pipe once its bytes are read; a handle that fails resets the core's socket
 * (never an end of stream) and gw_win_pump_failure says why; the core's
 * reset closes the pipe at once.  And of the pipe API: a name served twice
 * is refused with EADDRINUSE; a dial reaches the listener's callback through
 * the loop; a missing pipe is ECONNREFUSED.  Every wait is bounded.
 */
#include <winsock2.h>
#include <windows.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <event2/event.h>

#include "osdep/pipe-win32.h"
#include "osdep/pump-win32.h"

/* The longest any step may take. */
#define WAIT_MS		10000

/* Set when running under wine (ntdll exports it there, never on Windows). */
static const char *(*wine_get_version)(void);

static unsigned	seq;

static void
pipe_name(char *buf, size_t size)
{
	snprintf(buf, size, "\\\\.\\pipe\\gw-test-pump-%lu-%u",
	    (unsigned long)GetCurrentProcessId(), seq++);
}

/* A connected pipe pair: *srv (for the pump) and *cli (the test's). */
static void
pipe_pair(HANDLE *srv, HANDLE *cli)
{
	char		name[128];
	OVERLAPPED	ov;
	DWORD		n;

	pipe_name(name, sizeof name);
	*srv = CreateNamedPipeA(name, PIPE_ACCESS_DUPLEX |
	    FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
	    PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT, 1, 65536, 65536,
	    0, NULL);
	assert_true(*srv != INVALID_HANDLE_VALUE);
	memset(&ov, 0, sizeof ov);
	ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
	if (!ConnectNamedPipe(*srv, &ov))
		assert_true(GetLastError() == ERROR_IO_PENDING ||
		    GetLastError() == ERROR_PIPE_CONNECTED);
	*cli = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, 0, NULL,
	    OPEN_EXISTING, FILE_FLAG_OVERLAPPED, NULL);
	assert_true(*cli != INVALID_HANDLE_VALUE);
	assert_int_equal(WaitForSingleObject(ov.hEvent, WAIT_MS),
	    WAIT_OBJECT_0);
	GetOverlappedResult(*srv, &ov, &n, FALSE);
	CloseHandle(ov.hEvent);
}

/* Overlapped I/O on the test's end, waited for with a bound. */
static BOOL
io(HANDLE h, bool wr, void *buf, DWORD len, DWORD *n, DWORD *err)
{
	OVERLAPPED	ov;
	BOOL		ok;

	memset(&ov, 0, sizeof ov);
	ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
	ok = wr ? WriteFile(h, buf, len, NULL, &ov) :
	    ReadFile(h, buf, len, NULL, &ov);
	if (!ok && GetLastError() != ERROR_IO_PENDING) {
		*err = GetLastError();
		CloseHandle(ov.hEvent);
		return (FALSE);
	}
	if (WaitForSingleObject(ov.hEvent, WAIT_MS) != WAIT_OBJECT_0) {
		CancelIoEx(h, &ov);
		GetOverlappedResult(h, &ov, n, TRUE);
		CloseHandle(ov.hEvent);
		*err = WAIT_TIMEOUT;
		return (FALSE);
	}
	ok = GetOverlappedResult(h, &ov, n, FALSE);
	*err = ok ? 0 : GetLastError();
	CloseHandle(ov.hEvent);
	return (ok);
}

static void
hwrite(HANDLE h, const char *s)
{
	DWORD	n, err;

	assert_true(io(h, true, (void *)s, (DWORD)strlen(s), &n, &err));
	assert_int_equal(n, strlen(s));
}

/* Read exactly strlen(want) bytes from h. */
static void
hexpect(HANDLE h, const char *want)
{
	char	buf[256];
	DWORD	n, err, got = 0, len = (DWORD)strlen(want);

	while (got < len) {
		assert_true(io(h, false, buf + got, len - got, &n, &err));
		got += n;
	}
	assert_memory_equal(buf, want, len);
}

/*
 * recv on the core's socket with a bound: returns the count, 0 for an end of
 * stream, -1 with *err the socket error.
 */
static int
srecv(evutil_socket_t s, char *buf, int len, int *err)
{
	fd_set		rfds;
	struct timeval	tv = { WAIT_MS / 1000, 0 };
	int		r;

	FD_ZERO(&rfds);
	FD_SET(s, &rfds);
	if (select(0, &rfds, NULL, NULL, &tv) != 1) {
		*err = WSAETIMEDOUT;
		return (-1);
	}
	r = recv(s, buf, len, 0);
	*err = r == -1 ? WSAGetLastError() : 0;
	return (r);
}

static void
sexpect(evutil_socket_t s, const char *want)
{
	char	buf[256];
	int	len = (int)strlen(want), got = 0, r, err;

	while (got < len) {
		r = srecv(s, buf + got, len - got, &err);
		if (r <= 0)
			fail_msg("recv: %d, error %d", r, err);
		got += r;
	}
	assert_memory_equal(buf, want, len);
}

static void
ssend(evutil_socket_t s, const char *str)
{
	assert_int_equal(send(s, str, (int)strlen(str), 0), strlen(str));
}

static evutil_socket_t
pump(HANDLE srv)
{
	evutil_socket_t	 s;
	char		*cause = NULL;

	s = gw_win_pump_start(srv, NULL, GW_WIN_PUMP_PIPE_SERVER, "test pipe",
	    &cause);
	if (s == -1)
		fail_msg("gw_win_pump_start: %s", cause);
	return (s);
}

/* ---------------------------------------------------------------- tests */

/* Bytes both ways; a zero-byte write is no end of stream. */
static void
test_bytes(void **state)
{
	HANDLE		srv, cli;
	evutil_socket_t	s;
	DWORD		n, err;

	(void)state;
	pipe_pair(&srv, &cli);
	s = pump(srv);
	hwrite(cli, "hello");
	sexpect(s, "hello");
	ssend(s, "world");
	hexpect(cli, "world");
	/* Win32 "ReadFile": zero bytes on a pipe is a zero-byte write. */
	assert_true(io(cli, true, "", 0, &n, &err));
	hwrite(cli, "more");
	sexpect(s, "more");
	ssend(s, "again");
	hexpect(cli, "again");
	CloseHandle(cli);
	evutil_closesocket(s);
}

/* The client closes: every byte, then an end of stream (not a reset). */
static void
test_clean_end(void **state)
{
	HANDLE		srv, cli;
	evutil_socket_t	s;
	char		buf[16];
	int		err;

	(void)state;
	pipe_pair(&srv, &cli);
	s = pump(srv);
	hwrite(cli, "last words");
	CloseHandle(cli);
	sexpect(s, "last words");
	assert_int_equal(srecv(s, buf, sizeof buf, &err), 0);
	assert_false(gw_win_pump_failure(s, buf, sizeof buf));
	evutil_closesocket(s);
}

/*
 * The core half-closes: the client reads every byte, then an end of stream
 * (the pipe is closed: ERROR_BROKEN_PIPE); the core then reads one too.
 */
static void
test_core_half_close(void **state)
{
	HANDLE		srv, cli;
	evutil_socket_t	s;
	char		buf[16];
	DWORD		n, herr;
	int		err;

	(void)state;
	pipe_pair(&srv, &cli);
	s = pump(srv);
	ssend(s, "goodbye");
	shutdown(s, SD_SEND);
	hexpect(cli, "goodbye");
	assert_false(io(cli, false, buf, sizeof buf, &n, &herr));
	assert_true(herr == ERROR_BROKEN_PIPE ||
	    herr == ERROR_PIPE_NOT_CONNECTED);
	assert_int_equal(srecv(s, buf, sizeof buf, &err), 0);
	CloseHandle(cli);
	evutil_closesocket(s);
}

/*
 * A handle that fails (a write to a pipe whose reader is gone) resets the
 * core's socket: after the clean end of the read side, the core's next bytes
 * cannot be written and its socket is reset, never ended a second time, and
 * gw_win_pump_failure names the handle.
 */
static void
test_failure_resets(void **state)
{
	HANDLE		srv, cli;
	evutil_socket_t	s;
	char		buf[256];
	int		r, err, i;

	(void)state;
	pipe_pair(&srv, &cli);
	s = pump(srv);
	CloseHandle(cli);
	assert_int_equal(srecv(s, buf, sizeof buf, &err), 0);
	ssend(s, "into the void");
	/* The reset arrives within the bound: as a recv or a send error. */
	for (i = 0; i < WAIT_MS / 10; i++) {
		r = send(s, "x", 1, 0);
		if (r == -1)
			break;
		Sleep(10);
	}
	assert_int_equal(r, -1);
	err = WSAGetLastError();
	assert_true(err == WSAECONNRESET || err == WSAECONNABORTED);
	assert_true(gw_win_pump_failure(s, buf, sizeof buf));
	assert_non_null(strstr(buf, "test pipe: device failed: "));
	evutil_closesocket(s);
}

/*
 * A handle that fails with the core's socket still open both ways: the core
 * reads a reset, never an end of stream.  A serial port's pump takes any
 * read error for a failure (it has no end of stream), so a pipe pumped as
 * one, whose client goes away, is a device that fails.  Wine 8.0 differs
 * from the Win32 docs here: closesocket after SO_LINGER {1, 0} sends a FIN,
 * not a reset (tests/unit/test_transport.c test_abort_resets says so too),
 * so under wine the core reads an end of stream; the test then checks that
 * gw_win_pump_failure still tells the failure, which is what com's error
 * and after_eof slots report.
 */
static void
test_failure_is_no_end(void **state)
{
	HANDLE		 srv, cli;
	evutil_socket_t	 s;
	char		 buf[256], *cause = NULL;
	int		 r, err;

	(void)state;
	pipe_pair(&srv, &cli);
	s = gw_win_pump_start(srv, NULL, GW_WIN_PUMP_COM, "test device",
	    &cause);
	if (s == -1)
		fail_msg("gw_win_pump_start: %s", cause);
	hwrite(cli, "before");
	sexpect(s, "before");
	CloseHandle(cli);
	r = srecv(s, buf, sizeof buf, &err);
	if (r == 0 && wine_get_version != NULL)
		print_message("wine: the failed device's socket ended with a "
		    "FIN, not a reset (wine differs from the Win32 docs)\n");
	else {
		assert_int_equal(r, -1);
		assert_true(err == WSAECONNRESET || err == WSAECONNABORTED);
	}
	assert_true(gw_win_pump_failure(s, buf, sizeof buf));
	assert_non_null(strstr(buf, "test device: device failed: "));
	evutil_closesocket(s);
}

/* The core resets its socket: the pipe is closed at once. */
static void
test_core_reset(void **state)
{
	HANDLE		 srv, cli;
	evutil_socket_t	 s;
	struct linger	 lg = { 1, 0 };
	char		 buf[16];
	DWORD		 n, herr;

	(void)state;
	pipe_pair(&srv, &cli);
	s = pump(srv);
	setsockopt(s, SOL_SOCKET, SO_LINGER, (const char *)&lg, sizeof lg);
	evutil_closesocket(s);
	assert_false(io(cli, false, buf, sizeof buf, &n, &herr));
	assert_true(herr == ERROR_BROKEN_PIPE ||
	    herr == ERROR_PIPE_NOT_CONNECTED);
	CloseHandle(cli);
}

/* ------------------------------------------------------------ pipe API */

struct accepted {
	evutil_socket_t	fd;
	int		n;
};

static void
on_accept(evutil_socket_t fd, void *arg)
{
	struct accepted	*a = arg;

	a->fd = fd;
	a->n++;
}

/* Run the loop until *flag is set, for at most WAIT_MS. */
static void
loop_until(struct event_base *base, int *flag)
{
	ULONGLONG	end = GetTickCount64() + WAIT_MS;

	while (*flag == 0 && GetTickCount64() < end)
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), Sleep(5);
	assert_int_not_equal(*flag, 0);
}

static void
test_listen_dial(void **state)
{
	struct event_base		*base;
	struct gw_win_pipe_listener	*l, *l2;
	struct accepted			 a = { -1, 0 };
	evutil_socket_t			 c;
	char				 name[128], missing[160], *cause = NULL;

	(void)state;
	assert_non_null(base = event_base_new());
	pipe_name(name, sizeof name);
	l = gw_win_pipe_listen(base, name, NULL, true, on_accept, &a, &cause);
	if (l == NULL)
		fail_msg("listen: %s", cause);

	/* Served twice: refused, and the message says so. */
	l2 = gw_win_pipe_listen(base, name, NULL, true, on_accept, &a, &cause);
	assert_null(l2);
	assert_int_equal(errno, EADDRINUSE);
	assert_non_null(strstr(cause, "another process serves this pipe"));
	free(cause);
	cause = NULL;

	c = gw_win_pipe_dial(name, WAIT_MS, &cause);
	if (c == -1)
		fail_msg("dial: %s", cause);
	loop_until(base, &a.n);
	assert_int_equal(a.n, 1);
	ssend(c, "ping");
	sexpect(a.fd, "ping");
	ssend(a.fd, "pong");
	sexpect(c, "pong");

	/* A second client gets its own instance at once. */
	a.n = 0;
	evutil_closesocket(a.fd);
	evutil_closesocket(c);
	c = gw_win_pipe_dial(name, WAIT_MS, &cause);
	if (c == -1)
		fail_msg("second dial: %s", cause);
	loop_until(base, &a.n);
	evutil_closesocket(a.fd);
	evutil_closesocket(c);

	/* Nothing serves this one. */
	snprintf(missing, sizeof missing, "%s-missing", name);
	assert_int_equal(gw_win_pipe_dial(missing, 1000, &cause), -1);
	assert_int_equal(errno, ECONNREFUSED);
	assert_non_null(strstr(cause, "no process serves this pipe"));
	free(cause);

	gw_win_pipe_listen_free(l);
	/* The name is gone with the listener. */
	assert_int_equal(gw_win_pipe_dial(name, 1000, &cause), -1);
	assert_int_equal(errno, ECONNREFUSED);
	free(cause);
	event_base_free(base);
}

struct dialled {
	evutil_socket_t	fd;
	int		err;
	int		n;
};

static void
on_dialled(evutil_socket_t fd, int err, const char *why, void *arg)
{
	struct dialled	*d = arg;

	(void)why;
	d->fd = fd;
	d->err = err;
	d->n++;
}

/* The loop's dial: the outcome arrives from the loop; cancel is clean. */
static void
test_dial_async(void **state)
{
	struct event_base		*base;
	struct gw_win_pipe_listener	*l;
	struct gw_win_pipe_dialer	*d;
	struct accepted			 a = { -1, 0 };
	struct dialled			 r = { -1, 0, 0 };
	char				 name[128], *cause = NULL;

	(void)state;
	assert_non_null(base = event_base_new());
	pipe_name(name, sizeof name);
	assert_non_null(d = gw_win_pipe_dial_start(base, name, on_dialled,
	    &r));
	loop_until(base, &r.n);
	assert_int_equal(r.fd, -1);
	assert_int_equal(r.err, ECONNREFUSED);

	l = gw_win_pipe_listen(base, name, NULL, true, on_accept, &a, &cause);
	if (l == NULL)
		fail_msg("listen: %s", cause);
	r.n = 0;
	assert_non_null(d = gw_win_pipe_dial_start(base, name, on_dialled,
	    &r));
	loop_until(base, &r.n);
	assert_true(r.fd != -1);
	loop_until(base, &a.n);
	ssend(r.fd, "async");
	sexpect(a.fd, "async");
	evutil_closesocket(r.fd);
	evutil_closesocket(a.fd);

	/* Cancelled at once: the callback never runs. */
	r.n = 0;
	assert_non_null(d = gw_win_pipe_dial_start(base, name, on_dialled,
	    &r));
	gw_win_pipe_dial_cancel(d);
	event_base_loop(base, EVLOOP_NONBLOCK);
	Sleep(200);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(r.n, 0);
	gw_win_pipe_listen_free(l);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_clean_end),
		cmocka_unit_test(test_core_half_close),
		cmocka_unit_test(test_failure_resets),
		cmocka_unit_test(test_failure_is_no_end),
		cmocka_unit_test(test_core_reset),
		cmocka_unit_test(test_listen_dial),
		cmocka_unit_test(test_dial_async),
	};
	WSADATA	wsa;

	WSAStartup(MAKEWORD(2, 2), &wsa);
	wine_get_version = (const char *(*)(void))(void (*)(void))
	    GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "wine_get_version");
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
