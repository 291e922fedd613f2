/*
 * test_transport.c: the transport ops as compositions of an endpoint and a
 * stream, the defaults of the inline wrappers, and the slots that took over
 * what the core did by hand (transports/transport.h; doc/design.md "Adding a
 * transport"): the server's name before a connect, one session at a time,
 * the connect timeout's detail, abort with a reset; and the helpers the
 * endpoints share (a timer armed in ms, the backoff step, a connect outcome
 * passed on).
 */

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <event2/event.h>

#include "osdep/compat.h"
#include "osdep/net.h"
#include "osdep/osdep.h"
#include "transports/spec.h"
#include "transports/transport.h"

/* The compositions, as the core reaches them. */
#define OPS_TCP		gw_transport_ops(GW_SPEC_TCP)
#define OPS_SSL		gw_transport_ops(GW_SPEC_SSL)
#define OPS_NPIPE	gw_transport_ops(GW_SPEC_NPIPE)
#define OPS_SPIPE	gw_transport_ops(GW_SPEC_SPIPE)
#define OPS_COM		gw_transport_ops(GW_SPEC_COM)

/* The composition of a spec of transport t with clicon=. */
static const struct gw_transport_ops *
clicon_ops(enum gw_spec_transport t)
{
	struct gw_spec	spec;

	memset(&spec, 0, sizeof spec);
	spec.transport = t;
	spec.clicon = (char *)"lab7";
	return (gw_transport_ops_for(&spec));
}

static struct gw_spec *
parse(const char *text, enum gw_spec_side side)
{
	struct gw_spec	*spec = NULL;
	char		*cause = NULL;

	if (gw_spec_parse(text, side, &spec, &cause) != 0)
		fail_msg("%s: %s", text, cause != NULL ? cause : "?");
	return (spec);
}

/* The server's name a connecting session shows, by the spec's transport. */
static void
target_of(const char *text, const char *want)
{
	const struct gw_transport_ops	*ops;
	struct gw_spec			*spec;
	char				 buf[256];

	spec = parse(text, GW_SPEC_CLIENT);
	ops = gw_transport_ops_for(gw_transport_wire(spec));
	assert_non_null(ops);
	memset(buf, 'x', sizeof buf);
	gw_transport_target(ops, gw_transport_wire(spec), "/run/dbgb", buf,
	    sizeof buf);
	assert_string_equal(buf, want);
	gw_spec_free(spec);
}

static void
test_target(void **state)
{
	(void)state;
	target_of("tcp:server=lab7,port=5005", "lab7:5005");
	target_of("tcp:server=::1,port=5005", "[::1]:5005");
	target_of("ssl:server=127.0.0.1,port=5006,proto=tls1.2,machuser=m",
	    "127.0.0.1:5006");
	target_of("tcp:port=7000,clicon=lab7", "lab7");
#ifdef _WIN32
	/* A real named pipe (doc/design.md "Windows handles"). */
	target_of("npipe:server=.,pipe=dbg", "\\\\.\\pipe\\dbg");
	target_of("npipe:server=lab7,pipe=dbg", "\\\\lab7\\pipe\\dbg");
#else
	target_of("npipe:server=.,pipe=dbg", "/run/dbgb/dbg");
#endif
	target_of("com:port=com1,baud=115200,channel=0", "com1");
	target_of("kdsrv:server=@{tcp:server=k1,port=5007},"
	    "trans=@{com:port=com1,baud=115200}", "k1:5007");
}

/* The name a connecting spec's server must show, by the spec's transport. */
static void
peer_name_of(const char *text, const char *want)
{
	const struct gw_transport_ops	*ops;
	struct gw_spec			*spec;
	const char			*name;
	char				 buf[256];

	spec = parse(text, GW_SPEC_CLIENT);
	ops = gw_transport_ops_for(gw_transport_wire(spec));
	assert_non_null(ops);
	name = gw_transport_peer_name(ops, gw_transport_wire(spec), buf,
	    sizeof buf);
	if (want == NULL)
		assert_null(name);
	else
		assert_string_equal(name, want);
	gw_spec_free(spec);
}

/* server=. of a pipe is this machine: its name is the one verified. */
static void
test_peer_name(void **state)
{
	const struct gw_transport_ops	*ops;
	struct gw_spec			*spec;
	char				 buf[256], host[256];

	(void)state;
	assert_int_equal(gethostname(host, sizeof host), 0);
	host[sizeof host - 1] = '\0';
	if (host[0] == '\0')
		snprintf(host, sizeof host, "localhost");
	peer_name_of("spipe:server=.,pipe=p,proto=tls1.2,machuser=m", host);
	peer_name_of("npipe:server=.,pipe=p", host);
	peer_name_of("spipe:server=lab7,pipe=p,proto=tls1.2,machuser=m",
	    "lab7");
	/* Only a pipe's "." means this machine. */
	peer_name_of("ssl:server=.,port=5006,proto=tls1.2,machuser=m", ".");
	peer_name_of("ssl:port=5006,clicon=client7,proto=tls1.2,machuser=m",
	    "client7");

	/* The name is in the caller's buffer; -n says it only for a pipe. */
	spec = parse("npipe:server=.,pipe=p", GW_SPEC_CLIENT);
	ops = gw_transport_ops_for(spec);
	assert_ptr_equal(gw_transport_local_name(ops, spec, buf, sizeof buf),
	    buf);
	assert_null(gw_transport_local_name(ops, spec, buf, 0));
	gw_spec_free(spec);
	spec = parse("ssl:server=.,port=5006,proto=tls1.2,machuser=m",
	    GW_SPEC_CLIENT);
	ops = gw_transport_ops_for(spec);
	assert_null(gw_transport_local_name(ops, spec, buf, sizeof buf));
	gw_spec_free(spec);
}

/* ssl, spipe and clicon= are compositions, not tables of their own. */
static void
test_compositions(void **state)
{
	struct gw_spec	*spec;

	(void)state;
	assert_ptr_equal(OPS_SSL->endpoint, OPS_TCP->endpoint);
	assert_ptr_equal(OPS_SSL->stream, &gw_stream_tls);
	assert_ptr_equal(OPS_SPIPE->endpoint, OPS_NPIPE->endpoint);
	assert_ptr_equal(OPS_SPIPE->stream, &gw_stream_tls);
	assert_ptr_equal(clicon_ops(GW_SPEC_TCP)->endpoint,
	    &gw_endpoint_clicon);
	assert_ptr_equal(clicon_ops(GW_SPEC_TCP)->stream, &gw_stream_socket);
	assert_ptr_equal(clicon_ops(GW_SPEC_SSL)->endpoint,
	    &gw_endpoint_clicon);
	assert_ptr_equal(clicon_ops(GW_SPEC_SSL)->stream, &gw_stream_tls);

	/* Names as the log says them; kdsrv and no transport have none. */
	assert_string_equal(OPS_TCP->name, "tcp");
	assert_string_equal(OPS_SPIPE->name, "spipe");
	assert_string_equal(clicon_ops(GW_SPEC_TCP)->name, "tcp");
	assert_null(gw_transport_ops(GW_SPEC_KDSRV));
	assert_null(gw_transport_ops((enum gw_spec_transport)99));
	assert_null(clicon_ops((enum gw_spec_transport)99));

	spec = parse("ssl:port=7000,clicon=lab7,proto=tls1.2,machuser=m",
	    GW_SPEC_CLIENT);
	assert_ptr_equal(gw_transport_ops_for(spec), clicon_ops(GW_SPEC_SSL));
	assert_string_equal(gw_transport_ops_for(spec)->name, "ssl");
	gw_spec_free(spec);

	/* The flags the core reads, each from the half that owns it. */
	assert_true(gw_transport_splice(OPS_TCP));
	assert_true(gw_transport_splice(clicon_ops(GW_SPEC_TCP)));
	assert_false(gw_transport_splice(OPS_SSL));
	assert_false(gw_transport_splice(OPS_NPIPE));
	assert_true(gw_transport_plain(OPS_NPIPE));
	assert_false(gw_transport_plain(OPS_SPIPE));
	assert_true(gw_transport_handshake(OPS_SPIPE));
	assert_true(gw_transport_no_eof(OPS_COM));
	assert_true(gw_transport_one_session(OPS_COM));
	assert_false(gw_transport_one_session(OPS_TCP));
	assert_false(gw_transport_one_session(OPS_NPIPE));
	assert_string_equal(gw_transport_connect_timeout_why(
	    clicon_ops(GW_SPEC_TCP)), "no process server has dialled in");
	assert_null(gw_transport_connect_timeout_why(OPS_TCP));
	assert_string_equal(gw_transport_connect_verb(OPS_SSL),
	    "dialling");
	assert_string_equal(gw_transport_connect_verb(OPS_COM),
	    "opening");
#ifdef _WIN32
	/* Other machines reach a Windows pipe: no note. */
	assert_null(gw_transport_remote_note(OPS_SPIPE));
#else
	assert_non_null(gw_transport_remote_note(OPS_SPIPE));
#endif
	/* A pipe or a device is named by its target, never by an address. */
	assert_true(OPS_NPIPE->endpoint->named_by_target);
	assert_true(OPS_COM->endpoint->named_by_target);
	assert_false(OPS_TCP->endpoint->named_by_target);
	assert_null(gw_transport_remote_note(OPS_SSL));
	assert_null(gw_transport_remote_note(NULL));
}

/*
 * The pipe endpoint's check (doc/design.md "npipe off Windows"): what route.c
 * used to ask by transport, now the endpoint's own slot.
 */
static void
test_npipe_check(void **state)
{
	struct gw_spec	*spec;
	char		*cause = NULL, dir[200];

	(void)state;
#ifdef _WIN32
	/*
	 * The rule below is npipe-unix.c's (a Unix-domain socket does not
	 * cross machines); on Windows server= names a machine whose pipe
	 * \\HOST\pipe\NAME is opened (transports/npipe-win32.c).
	 */
	skip();
#endif
	spec = parse("npipe:server=lab7,pipe=dbg", GW_SPEC_CLIENT);
	assert_int_equal(gw_transport_check(OPS_NPIPE, spec, false,
	    "/tmp", &cause), -1);
	assert_string_equal(cause, "npipe: server 'lab7' is another host; off "
	    "Windows a pipe is a local socket: reach a remote process server "
	    "with tcp or ssl");
	free(cause);
	cause = NULL;
	gw_spec_free(spec);

	spec = parse("spipe:server=localhost,pipe=dbg,proto=tls1.2,"
	    "machuser=m", GW_SPEC_CLIENT);
	assert_int_equal(gw_transport_check(OPS_SPIPE, spec, false,
	    "/tmp", &cause), 0);
	memset(dir, 'd', sizeof dir);
	dir[0] = '/';
	dir[sizeof dir - 1] = '\0';
	assert_int_equal(gw_transport_check(OPS_SPIPE, spec, false,
	    dir, &cause), -1);
	assert_non_null(strstr(cause, "socket path too long: "));
	free(cause);
	gw_spec_free(spec);
}

static int
bare_half_close(struct bufferevent *bev)
{
	(void)bev;
	return (0);
}

/* A transport that fills no optional slot: every wrapper's default. */
static void
test_defaults(void **state)
{
	static const struct gw_endpoint_ops	 endpoint = {
		.splice = true,
	};
	static const struct gw_stream_ops	 stream = {
		.half_close = bare_half_close,
	};
	static const struct gw_transport_ops	 bare = {
		"bare", &endpoint, &stream
	};
	struct gw_spec				*spec;
	char					*cause = NULL, buf[8];
	char					 v[8] = "", subj[8] = "";

	(void)state;
	spec = parse("tcp:server=h,port=1", GW_SPEC_CLIENT);
	assert_int_equal(gw_transport_check(&bare, spec, false, "/d", &cause),
	    0);
	assert_null(cause);
	gw_transport_target(&bare, spec, "/d", buf, sizeof buf);
	assert_string_equal(buf, "-");
	assert_false(gw_transport_prepares(&bare));
	assert_null(gw_transport_connect_prepare(&bare, NULL, NULL, spec, "r",
	    NULL, &cause));
	assert_null(cause);
	gw_transport_connect_release(&bare, NULL);
	assert_string_equal(gw_transport_connect_verb(&bare), "connecting to");
	assert_null(gw_transport_remote_note(&bare));
	assert_null(gw_transport_connect_timeout_why(&bare));
	assert_false(gw_transport_one_session(&bare));
	/* Not plain: no splice whatever the endpoint says. */
	assert_false(gw_transport_splice(&bare));
	assert_null(gw_transport_error(&bare, NULL));
	assert_false(gw_transport_describe(&bare, NULL, v, sizeof v, subj,
	    sizeof subj));
	assert_string_equal(v, "");
	gw_transport_after_eof(&bare, NULL);
	gw_transport_abort(&bare, NULL);
	assert_int_equal(gw_transport_half_close(&bare, NULL), 0);
	gw_spec_free(spec);
}

/*
 * The abort slot of a TCP stream: freeing the link then resets it, and the
 * peer reads ECONNRESET, not an end of stream (socket(7) SO_LINGER).
 */
static void
test_abort_resets(void **state)
{
	struct event_base	*base;
	struct bufferevent	*bev;
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	evutil_socket_t		 lfd, cfd, afd;
	int			 on = 1;
	char			*cause = NULL, c;
	ssize_t			 n;

	(void)state;
	assert_non_null(base = event_base_new());
	assert_true((lfd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	(void)setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, (void *)&on, sizeof on);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	assert_true((cfd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(connect(cfd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_true((afd = accept(lfd, NULL, NULL)) != -1);
	assert_int_equal(evutil_make_socket_nonblocking(afd), 0);
	bev = gw_transport_link_new(OPS_TCP, base, afd, NULL, NULL,
	    &cause);
	assert_non_null(bev);
	/* tcp's link is the default link_new's, with tcp's max_io. */
	assert_int_equal(bufferevent_get_max_single_read(bev),
	    OPS_TCP->stream->max_io);
	assert_int_equal(bufferevent_get_max_single_write(bev), 256 * 1024);
	gw_transport_abort(OPS_TCP, bev);
	bufferevent_free(bev);
	/* bufferevent_free closes from the loop (libevent's finalizers). */
	(void)event_base_loop(base, EVLOOP_NONBLOCK);
#ifdef _WIN32
	/*
	 * Wine differs from the Win32 docs here: "closesocket" says SO_LINGER
	 * on with a zero timeout is an abortive close (a reset), but wine 8
	 * closes gracefully (the peer reads an end of stream; seen with a
	 * five-line Winsock program too).  The code keeps the documented
	 * call; under wine this check cannot pass.
	 */
	if (GetProcAddress(GetModuleHandleA("ntdll.dll"),
	    "wine_get_version") != NULL) {
		evutil_closesocket(cfd);
		evutil_closesocket(lfd);
		event_base_free(base);
		skip();
	}
#endif
	n = recv(cfd, &c, 1, 0);
	assert_int_equal(n, -1);
	assert_int_equal(gw_os_socket_errno(EVUTIL_SOCKET_ERROR()), ECONNRESET);
	evutil_closesocket(cfd);
	evutil_closesocket(lfd);
	event_base_free(base);
}

/*
 * gw_backoff_next: first after none, doubling, at the cap for good, and no
 * overflow near UINT_MAX (transport.h).
 */
static void
test_backoff_next(void **state)
{
	unsigned	ms = 0, i;

	(void)state;
	ms = gw_backoff_next(ms, 250, 8000);
	assert_int_equal(ms, 250);
	ms = gw_backoff_next(ms, 250, 8000);
	assert_int_equal(ms, 500);
	for (i = 0; i < 100; i++)
		ms = gw_backoff_next(ms, 250, 8000);
	assert_int_equal(ms, 8000);
	/* A cap that is no power of two of first: reached, not passed. */
	assert_int_equal(gw_backoff_next(4, 5, 7), 7);
	assert_int_equal(gw_backoff_next(3, 5, 7), 6);
	assert_int_equal(gw_backoff_next(UINT_MAX / 2, 1, UINT_MAX),
	    UINT_MAX - 1);
	assert_int_equal(gw_backoff_next(UINT_MAX / 2 + 1, 1, UINT_MAX),
	    UINT_MAX);
}

static void
timer_fired(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(*(int *)arg)++;
}

/*
 * gw_timer_add_ms: the timer is due ms from now, seconds and microseconds
 * apart (event_pending's expiry, to the millisecond), and fires; zero fires
 * on the next turn.
 */
static void
test_timer_add_ms(void **state)
{
	struct event_base	*base;
	struct event		*ev;
	struct timeval		 now, when, d;
	long			 ms;
	int			 fired = 0;

	(void)state;
	assert_non_null(base = event_base_new());
	assert_non_null(ev = evtimer_new(base, timer_fired, &fired));
	assert_int_equal(gw_timer_add_ms(ev, 2750), 0);
	assert_true(evtimer_pending(ev, &when));
	assert_int_equal(event_base_gettimeofday_cached(base, &now), 0);
	evutil_timersub(&when, &now, &d);
	/* libevent maps its monotonic expiry to the wall clock: round to ms. */
	ms = (long)d.tv_sec * 1000 + d.tv_usec / 1000;
	assert_true(ms >= 2500 && ms <= 2800);
	/* Armed again: moved, not added twice. */
	assert_int_equal(gw_timer_add_ms(ev, 30), 0);
	assert_int_not_equal(event_base_dispatch(base), -1);
	assert_int_equal(fired, 1);
	assert_int_equal(gw_timer_add_ms(ev, 0), 0);
	assert_int_not_equal(event_base_loop(base, EVLOOP_ONCE), -1);
	assert_int_equal(fired, 2);
	event_free(ev);
	event_base_free(base);
}

struct forward_record {
	struct gw_connect_to	to;
	int			other;
};

struct forward_seen {
	evutil_socket_t	fd;
	int		err;
	char		why[32];
	int		calls;
};

static void
forward_cb(evutil_socket_t fd, int err, const char *why, void *arg)
{
	struct forward_seen	*seen = arg;

	seen->fd = fd;
	seen->err = err;
	snprintf(seen->why, sizeof seen->why, "%s", why);
	seen->calls++;
}

/*
 * gw_connect_forward: the record's callback gets the outcome, err 0 with a
 * link, and the record is freed (a leak would show under valgrind).
 */
static void
test_connect_forward(void **state)
{
	struct forward_record	*r;
	struct forward_seen	 seen;

	(void)state;
	memset(&seen, 0, sizeof seen);
	assert_non_null(r = calloc(1, sizeof *r));
	r->to.cb = forward_cb;
	r->to.arg = &seen;
	gw_connect_forward(-1, ECONNREFUSED, "refused", r);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.fd, -1);
	assert_int_equal(seen.err, ECONNREFUSED);
	assert_string_equal(seen.why, "refused");
	assert_non_null(r = calloc(1, sizeof *r));
	r->to.cb = forward_cb;
	r->to.arg = &seen;
	gw_connect_forward(7, EIO, "", r);
	assert_int_equal(seen.calls, 2);
	assert_int_equal(seen.fd, 7);
	assert_int_equal(seen.err, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_target),
		cmocka_unit_test(test_peer_name),
		cmocka_unit_test(test_compositions),
		cmocka_unit_test(test_npipe_check),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_abort_resets),
		cmocka_unit_test(test_backoff_next),
		cmocka_unit_test(test_timer_add_ms),
		cmocka_unit_test(test_connect_forward),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
