/*
 * test_clicon.c: reverse links (clicon=, transports/clicon.c; doc/design.md
 * "clicon= on serve", "clicon= on connect").
 *
 * The redial backoff is a pure function of the failure count and a random
 * source (transport.h, gw_clicon_backoff): its ranges, its cap, its jitter
 * drawn from an injected source, and no overflow however long a streak.
 * Then, on loopback with a libevent base: the pool (connect_prepare /
 * connect / connect_cancel) takes a port from a range, pairs server links
 * with waiting sessions in both orders, gives back a link whose session gave
 * up, and refuses peers from addresses clicon= does not name; the dialler
 * (listen) keeps standby links, hands one over at the client's first byte,
 * replaces it, and redials a link the client closed.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
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

#include <event2/dns.h>
#include <event2/event.h>

#include "osdep/compat.h"
#include "osdep/net.h"
#include "transports/transport.h"

/* ---------------------------------------------------------------- backoff */

/* A random source that returns what it is told, in turn. */
struct script {
	const uint32_t	*v;
	size_t		 n, i;
};

static uint32_t
scripted(void *arg)
{
	struct script	*s = arg;

	return (s->v[s->i++ % s->n]);
}

/* xorshift32: a deterministic stand-in for a real source. */
static uint32_t
xorshift(void *arg)
{
	uint32_t	*x = arg;

	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return (*x);
}

static void
test_backoff_ranges(void **state)
{
	static const unsigned	want[][2] = {
		{ 0, 0 },		/* no failure: no wait */
		{ 250, 500 },
		{ 500, 1000 },
		{ 1000, 2000 },
		{ 2000, 4000 },
		{ 4000, 8000 },
		{ 8000, 16000 },
		{ 15000, 30000 },	/* 32 s would pass the cap */
		{ 15000, 30000 },
	};
	unsigned	n, lo, hi;

	(void)state;
	for (n = 0; n < sizeof want / sizeof want[0]; n++) {
		gw_clicon_backoff_range(n, &lo, &hi);
		assert_int_equal(lo, want[n][0]);
		assert_int_equal(hi, want[n][1]);
	}
	/* However long the streak: the cap, never an overflow. */
	for (n = 9; n < 200; n++) {
		gw_clicon_backoff_range(n, &lo, &hi);
		assert_int_equal(hi, GW_CLICON_BACKOFF_MAX_MS);
		assert_int_equal(lo, GW_CLICON_BACKOFF_MAX_MS / 2);
	}
	gw_clicon_backoff_range(UINT_MAX, &lo, &hi);
	assert_int_equal(hi, GW_CLICON_BACKOFF_MAX_MS);
	assert_int_equal(lo, GW_CLICON_BACKOFF_MAX_MS / 2);
}

static void
test_backoff_jitter(void **state)
{
	/* The draw is lo + r mod (hi - lo + 1): both ends are reachable. */
	static const uint32_t	v[] = { 0, 250, 251, 100, UINT32_MAX };
	struct script		s = { v, 5, 0 };

	(void)state;
	assert_int_equal(gw_clicon_backoff(1, scripted, &s), 250);
	assert_int_equal(gw_clicon_backoff(1, scripted, &s), 500);
	assert_int_equal(gw_clicon_backoff(1, scripted, &s), 250);
	assert_int_equal(gw_clicon_backoff(1, scripted, &s), 350);
	assert_int_equal(gw_clicon_backoff(1, scripted, &s),
	    250 + UINT32_MAX % 251);
	/* No failure: no wait, and the source is not even asked. */
	s.i = 0;
	assert_int_equal(gw_clicon_backoff(0, scripted, &s), 0);
	assert_int_equal(s.i, 0);
	/* At the cap: 15 to 30 s. */
	s.i = 0;
	assert_int_equal(gw_clicon_backoff(40, scripted, &s), 15000);
	assert_int_equal(gw_clicon_backoff(40, scripted, &s), 15250);
}

static void
test_backoff_deterministic(void **state)
{
	uint32_t	a = 2463534242u, b = 2463534242u;
	unsigned	n, i, x, y, lo, hi;

	(void)state;
	/* The same source gives the same waits; every one in its range. */
	for (i = 0; i < 2000; i++) {
		n = i % 12;
		x = gw_clicon_backoff(n, xorshift, &a);
		y = gw_clicon_backoff(n, xorshift, &b);
		assert_int_equal(x, y);
		gw_clicon_backoff_range(n, &lo, &hi);
		assert_in_range(x, lo, hi);
		assert_true(x <= GW_CLICON_BACKOFF_MAX_MS);
	}
}

static void
test_backoff_system_random(void **state)
{
	unsigned	n, i, x, lo, hi, seen_lo = UINT_MAX, seen_hi = 0;

	(void)state;
	/* libevent's generator: within range, and not a constant. */
	n = 3;
	gw_clicon_backoff_range(n, &lo, &hi);
	for (i = 0; i < 1000; i++) {
		x = gw_clicon_backoff(n, NULL, NULL);
		assert_in_range(x, lo, hi);
		seen_lo = x < seen_lo ? x : seen_lo;
		seen_hi = x > seen_hi ? x : seen_hi;
	}
	assert_true(seen_hi - seen_lo > (hi - lo) / 2);
}

/* ---------------------------------------------------------------- helpers */

static void
loop_exit(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

/* Run the loop until *flag or ms pass. */
static void
run_until(struct event_base *base, const bool *flag, int ms)
{
	struct event	*t;
	struct timeval	 step = { 0, 10000 };
	int		 waited;

	t = evtimer_new(base, loop_exit, base);
	assert_non_null(t);
	for (waited = 0; !*flag && waited < ms; waited += 10) {
		evtimer_add(t, &step);
		event_base_dispatch(base);
	}
	event_free(t);
}

static void
run_for(struct event_base *base, int ms)
{
	bool	never = false;

	run_until(base, &never, ms);
}

static struct gw_spec *
parse(enum gw_spec_side side, const char *fmt, ...)
{
	struct gw_spec	*spec = NULL;
	char		 text[256], *cause = NULL;
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (gw_spec_parse(text, side, &spec, &cause) != 0)
		fail_msg("%s: %s", text, cause);
	return (spec);
}

/* A blocking TCP connection to 127.0.0.1:port, or -1. */
static int
dial(unsigned port)
{
	struct sockaddr_in	sin;
	int			fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (-1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* The port after the last ':' of "ADDR:PORT" (or "[ADDR]:PORT"). */
static unsigned
port_of(const char *where)
{
	const char	*colon = strrchr(where, ':');

	assert_non_null(colon);
	return ((unsigned)strtoul(colon + 1, NULL, 10));
}

/* True when fd has been closed by its peer (EOF) within ms. */
static bool
peer_closed(int fd, int ms)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	char		c;

	if (poll(&pfd, 1, ms) != 1)
		return (false);
	return (recv(fd, &c, 1, MSG_DONTWAIT) == 0);
}

struct outcome {
	bool		 done;
	evutil_socket_t	 fd;
	int		 err;
};

static void
connected(evutil_socket_t fd, int err, const char *why, void *arg)
{
	struct outcome	*o = arg;

	(void)why;
	assert_false(o->done);
	o->done = true;
	o->fd = fd;
	o->err = err;
}

/* A port of 127.0.0.1 that is free now: what bind(0) picked. */
static unsigned
some_port(int *keep)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd, on = 1;

	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	if (keep != NULL) {
		assert_int_equal(listen(fd, 16), 0);
		*keep = fd;
	} else
		close(fd);
	return (ntohs(sin.sin_port));
}

/* ---------------------------------------------------------------- pool */

static void
test_pool_pairs(void **state)
{
	struct event_base	*base;
	struct gw_spec		*spec;
	struct outcome		 o1, o2, o3;
	void			*pool, *a1, *a2, *a3;
	char			*where = NULL, *cause = NULL, buf[8];
	unsigned		 busy_port, port;
	int			 busy, s1, s2, s3;

	(void)state;
	assert_non_null(base = event_base_new());
	/* A range whose first port is taken: the next one is used. */
	busy_port = some_port(&busy);
	spec = parse(GW_SPEC_CLIENT, "tcp:clicon=127.0.0.1,port=%u:%u",
	    busy_port, busy_port + 20);
	pool = gw_clicon_prepare(base, NULL, spec, "t", &where, &cause);
	if (pool == NULL)
		fail_msg("prepare: %s", cause);
	port = port_of(where);
	assert_true(port > busy_port && port <= busy_port + 20);

	/* A server link first: it waits; a session then takes it. */
	assert_true((s1 = dial(port)) != -1);
	run_for(base, 50);
	memset(&o1, 0, sizeof o1);
	a1 = gw_clicon_connect(base, NULL, spec, NULL, pool, connected, &o1);
	assert_non_null(a1);
	assert_false(o1.done);		/* never from inside the call */
	run_until(base, &o1.done, 1000);
	assert_true(o1.done);
	assert_true(o1.fd >= 0);
	assert_int_equal(write(s1, "x", 1), 1);
	assert_int_equal(read(o1.fd, buf, 1), 1);
	close(o1.fd);
	close(s1);

	/* A session first: it waits for the next server link. */
	memset(&o2, 0, sizeof o2);
	a2 = gw_clicon_connect(base, NULL, spec, NULL, pool, connected, &o2);
	assert_non_null(a2);
	run_for(base, 100);
	assert_false(o2.done);
	assert_true((s2 = dial(port)) != -1);
	run_until(base, &o2.done, 1000);
	assert_true(o2.done);
	assert_true(o2.fd >= 0);
	assert_int_equal(write(o2.fd, "y", 1), 1);
	assert_int_equal(read(s2, buf, 1), 1);
	close(o2.fd);
	close(s2);

	/* A session that gives up: its callback never runs. */
	memset(&o3, 0, sizeof o3);
	a3 = gw_clicon_connect(base, NULL, spec, NULL, pool, connected, &o3);
	gw_clicon_connect_cancel(a3);
	/* A link taken but not yet delivered goes back to the pool. */
	assert_true((s3 = dial(port)) != -1);
	run_for(base, 50);
	a3 = gw_clicon_connect(base, NULL, spec, NULL, pool, connected, &o3);
	gw_clicon_connect_cancel(a3);
	run_for(base, 50);
	assert_false(o3.done);
	assert_false(peer_closed(s3, 50));
	a3 = gw_clicon_connect(base, NULL, spec, NULL, pool, connected, &o3);
	run_until(base, &o3.done, 1000);
	assert_true(o3.done);
	close(o3.fd);

	/* A waiting link the server closes is dropped, not handed out. */
	close(s3);
	assert_true((s3 = dial(port)) != -1);
	run_for(base, 50);
	close(s3);
	run_for(base, 50);
	memset(&o3, 0, sizeof o3);
	a3 = gw_clicon_connect(base, NULL, spec, NULL, pool, connected, &o3);
	run_for(base, 100);
	assert_false(o3.done);
	gw_clicon_connect_cancel(a3);

	/* Release closes what still waits. */
	assert_true((s3 = dial(port)) != -1);
	run_for(base, 50);
	gw_clicon_release(pool);
	assert_true(peer_closed(s3, 1000));
	close(s3);
	close(busy);
	free(where);
	gw_spec_free(spec);
	event_base_free(base);
}

static void
test_pool_refuses(void **state)
{
	struct event_base	*base;
	struct gw_spec		*spec;
	struct outcome		 o;
	void			*pool, *a;
	char			*where = NULL, *cause = NULL;
	unsigned		 port;
	int			 s;

	(void)state;
	assert_non_null(base = event_base_new());
	port = some_port(NULL);
	/* We dial from 127.0.0.1: not what clicon= names. */
	spec = parse(GW_SPEC_CLIENT, "tcp:clicon=127.0.0.2,port=%u", port);
	pool = gw_clicon_prepare(base, NULL, spec, "t", &where, &cause);
	if (pool == NULL)
		fail_msg("prepare: %s", cause);
	memset(&o, 0, sizeof o);
	a = gw_clicon_connect(base, NULL, spec, NULL, pool, connected, &o);
	assert_true((s = dial(port)) != -1);
	run_for(base, 100);
	assert_true(peer_closed(s, 1000));
	assert_false(o.done);
	close(s);
	gw_clicon_connect_cancel(a);
	gw_clicon_release(pool);
	free(where);
	gw_spec_free(spec);
	event_base_free(base);
}

/* ---------------------------------------------------------------- dialler */

struct handed {
	bool		 done;
	evutil_socket_t	 fd;
	char		 peer[128];
};

static void
on_accept(evutil_socket_t fd, const char *peer, const struct sockaddr *sa,
    void *arg)
{
	struct handed	*h = arg;

	assert_non_null(sa);
	assert_false(h->done);
	h->done = true;
	h->fd = fd;
	snprintf(h->peer, sizeof h->peer, "%s", peer);
}

/* Accept one connection on the listening fd within ms, or -1. */
static int
take(struct event_base *base, int lfd, int ms)
{
	struct pollfd	pfd = { lfd, POLLIN, 0 };
	int		waited;

	for (waited = 0; waited < ms; waited += 10) {
		run_for(base, 10);
		if (poll(&pfd, 1, 0) == 1)
			return (accept(lfd, NULL, NULL));
	}
	return (-1);
}

static void
test_dialler(void **state)
{
	struct event_base	*base;
	struct evdns_base	*dns;
	struct gw_listen_params	 params;
	struct gw_spec		*spec;
	struct handed		 h;
	void			*l;
	char			*where = NULL, *cause = NULL, want[64];
	char			 buf[2];
	unsigned		 port;
	int			 lfd, c1, c2, c3, c4;

	(void)state;
	assert_non_null(base = event_base_new());
	/* No name servers: clicon= here is an address, resolved inline. */
	assert_non_null(dns = evdns_base_new(base, 0));
	/* The smart client, waiting. */
	port = some_port(&lfd);
	spec = parse(GW_SPEC_SERVER, "tcp:port=%u,clicon=127.0.0.1", port);
	memset(&params, 0, sizeof params);
	params.spec = spec;
	params.name = "t";
	params.standby = 2;
	params.dns = dns;
	memset(&h, 0, sizeof h);
	l = gw_clicon_listen(base, &params, on_accept, &h, &where, &cause);
	if (l == NULL)
		fail_msg("listen: %s", cause);
	snprintf(want, sizeof want, "dialling 127.0.0.1:%u (standby 2)", port);
	assert_string_equal(where, want);

	/* Two standby links, and no third while both wait. */
	assert_true((c1 = take(base, lfd, 2000)) != -1);
	assert_true((c2 = take(base, lfd, 2000)) != -1);
	assert_int_equal(take(base, lfd, 200), -1);
	assert_false(h.done);

	/* The client speaks on one: it is handed over and replaced. */
	assert_int_equal(write(c1, "h", 1), 1);
	run_until(base, &h.done, 1000);
	assert_true(h.done);
	snprintf(want, sizeof want, "127.0.0.1:%u", port);
	assert_string_equal(h.peer, want);
	/* The first byte is still there for the session. */
	assert_int_equal(read(h.fd, buf, 1), 1);
	assert_int_equal(buf[0], 'h');
	assert_true((c3 = take(base, lfd, 2000)) != -1);

	/* The client closes a waiting link: redialled after the backoff. */
	close(c2);
	assert_true((c4 = take(base, lfd, 2000)) != -1);

	/* Paused: nothing is handed over. */
	gw_clicon_listen_pause(l, true);
	memset(&h, 0, sizeof h);
	assert_int_equal(write(c3, "h", 1), 1);
	run_for(base, 100);
	assert_false(h.done);
	gw_clicon_listen_pause(l, false);
	run_until(base, &h.done, 1000);
	assert_true(h.done);
	close(h.fd);

	/* Freed: the waiting links are closed. */
	run_for(base, 50);
	gw_clicon_listen_free(l);
	assert_true(peer_closed(c4, 1000));
	close(c1);
	close(c3);
	close(c4);
	close(lfd);
	free(where);
	gw_spec_free(spec);
	evdns_base_free(dns, 0);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_ranges),
		cmocka_unit_test(test_backoff_jitter),
		cmocka_unit_test(test_backoff_deterministic),
		cmocka_unit_test(test_backoff_system_random),
		cmocka_unit_test(test_pool_pairs),
		cmocka_unit_test(test_pool_refuses),
		cmocka_unit_test(test_dialler),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
