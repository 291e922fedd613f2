/*
 * test_core.c: the core (gateway, route, session, relay) in process, over
 * socket pairs and a fake transport (doc/design.md "The byte stream",
 * "Semantics"; dbgbridge(8) LOGGING).
 *
 * The fake transport is a gw_transport_ops table like tcp's (an endpoint and
 * a plain stream), but its endpoint's listen slot hands the core one end of a
 * socket pair when a test dials, and its connect slot gives the session one
 * end of a new pair (the test holds the other, as the process server), or
 * fails with a chosen errno, or never completes.  Routes are built from an INI
 * text as the daemon builds them (gw_gateway_new), then given the fake ops
 * before they start.  The loop runs until a condition holds, with a hard time
 * bound; a 2 ms tick keeps each turn short.  The session's one log line is read
 * back from stderr, captured in a file, and every case asserts its reason and
 * its bytes_up / bytes_down against what the peers actually received.
 *
 * Pairs are AF_UNIX socketpair(2)s, or TCP connections on 127.0.0.1 where a
 * case needs splice(2) or a reset that its peer can see: a Unix-domain socket
 * has no RST (SO_LINGER 0 changes nothing; its peer reads ECONNRESET only
 * when unread bytes were left behind: Linux's unix_release_sock, unix(7)).
 */
#include <sys/stat.h>
#include <sys/time.h>


#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "osdep/compat.h"
#include "osdep/net.h"
#include "config/config.h"
#include "gateway/gateway.h"
#include "gateway/log.h"
#include "gateway/relay.h"
#include "gateway/relay_accel.h"
#include "gateway/route.h"
#include "gateway/session.h"
#include "osdep/osdep.h"
#include "transports/transport.h"

/* Every case runs well within this (valgrind included); then it fails. */
#define BOUND_MS	5000
/*
 * How early a timer may fire by our clock (ms): libevent's monotonic clock
 * may be the kernel's coarse one (CLOCK_MONOTONIC_COARSE, one tick behind).
 */
#define EARLY_MS	10
/* The loop's tick: no turn of the loop waits longer (ms). */
#define TICK_MS		2

/* ------------------------------------------------------------ the clock */

static uint64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* ------------------------------------------------------ the fake transport */

enum pair_kind {
	PAIR_UNIX,	/* socketpair(AF_UNIX, SOCK_STREAM) */
	PAIR_TCP,	/* a TCP connection on 127.0.0.1 */
	PAIR_TCP_SPLICE, /* the same, the ops saying splice(2) may move
			    bytes (relay.h "Splice mode") */
};

enum connect_mode {
	CONNECT_OK,	/* a new pair; the test holds the server's end */
	CONNECT_FAIL,	/* fd -1 with fake.connect_err */
	CONNECT_NEVER,	/* no outcome until cancelled */
};

struct fake_listener {
	gw_endpoint_accept_cb	*accept;
	void		*arg;
	bool		 paused;
};

struct fake_attempt {
	struct gw_connect_outcome	*outcome;	/* NULL: never ends */
	gw_endpoint_connect_cb			*cb;
	void				*arg;
};

static struct {
	enum pair_kind		 kind;
	enum connect_mode	 mode;
	int			 connect_err;
	int			 server_fd;	/* the test's end of the last
						   server link, -1: none */
	struct fake_listener	*listener;	/* the one listening */
	unsigned		 listens, listen_frees, connects, cancels;
	unsigned		 delivered;
} fake;

static void
nonblock(int fd)
{
	int	fl = fcntl(fd, F_GETFL);

	assert_true(fl != -1);
	assert_int_equal(fcntl(fd, F_SETFL, fl | O_NONBLOCK), 0);
}

/* A connected pair of the current kind: *core for the gateway, *test ours. */
static void
make_pair(int *core, int *test)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			sv[2], l, one = 1;

	if (fake.kind == PAIR_UNIX) {
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC,
		    0, sv), 0);
	} else {
		memset(&sin, 0, sizeof sin);
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_true((l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC,
		    0)) != -1);
		assert_int_equal(bind(l, (struct sockaddr *)&sin, sizeof sin),
		    0);
		assert_int_equal(listen(l, 1), 0);
		assert_int_equal(getsockname(l, (struct sockaddr *)&sin, &len),
		    0);
		assert_true((sv[1] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC,
		    0)) != -1);
		assert_int_equal(connect(sv[1], (struct sockaddr *)&sin,
		    sizeof sin), 0);
		assert_true((sv[0] = accept4(l, NULL, NULL, SOCK_CLOEXEC)) !=
		    -1);
		close(l);
		setsockopt(sv[0], IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof one);
	}
	nonblock(sv[0]);
	nonblock(sv[1]);
	*core = sv[0];
	*test = sv[1];
}

static void *
fake_listen(struct event_base *base, const struct gw_listen_params *params,
    gw_endpoint_accept_cb *accept, void *arg, char **where, char **cause)
{
	struct fake_listener	*fl;

	(void)base;
	(void)params;
	if ((fl = calloc(1, sizeof *fl)) == NULL ||
	    (*where = strdup("fake")) == NULL) {
		free(fl);
		*cause = strdup("out of memory");
		return (NULL);
	}
	fl->accept = accept;
	fl->arg = arg;
	fake.listener = fl;
	fake.listens++;
	return (fl);
}

static void
fake_listen_pause(void *listener, bool pause)
{
	((struct fake_listener *)listener)->paused = pause;
}

static void
fake_listen_free(void *listener)
{
	if (listener == NULL)
		return;
	if (fake.listener == listener)
		fake.listener = NULL;
	fake.listen_frees++;
	free(listener);
}

static void
fake_delivered(evutil_socket_t fd, int err, const char *why, void *arg)
{
	struct fake_attempt	*a = arg;
	gw_endpoint_connect_cb		*cb = a->cb;
	void			*cbarg = a->arg;

	free(a);
	fake.delivered++;
	cb(fd, err, why, cbarg);
}

static void *
fake_connect(struct event_base *base, struct evdns_base *dns,
    const struct gw_spec *spec, const char *pipe_dir, void *prepared,
    gw_endpoint_connect_cb *cb, void *arg)
{
	struct fake_attempt	*a;
	int			 core = -1, test = -1;

	(void)dns;
	(void)spec;
	(void)pipe_dir;
	(void)prepared;
	fake.connects++;
	if ((a = calloc(1, sizeof *a)) == NULL)
		return (NULL);
	a->cb = cb;
	a->arg = arg;
	switch (fake.mode) {
	case CONNECT_OK:
		make_pair(&core, &test);
		a->outcome = gw_connect_outcome(base, core, 0, NULL,
		    fake_delivered, a);
		assert_non_null(a->outcome);
		fake.server_fd = test;
		break;
	case CONNECT_FAIL:
		a->outcome = gw_connect_outcome(base, -1, fake.connect_err,
		    strerror(fake.connect_err), fake_delivered, a);
		assert_non_null(a->outcome);
		break;
	case CONNECT_NEVER:
		break;
	}
	return (a);
}

static void
fake_connect_cancel(void *attempt)
{
	struct fake_attempt	*a = attempt;
	evutil_socket_t		 fd;

	if (a == NULL)
		return;
	fake.cancels++;
	if ((fd = gw_connect_outcome_cancel(a->outcome)) != -1)
		close(fd);
	free(a);
}

static struct bufferevent *
fake_link_new(struct event_base *base, evutil_socket_t fd,
    struct gw_tls_ctx *tls, const char *host, char **cause)
{
	(void)tls;
	(void)host;
	return (gw_stream_link_new(base, fd, 256 * 1024, cause));
}

/*
 * Plain, so the relay's direct writes and reads run as for tcp and npipe;
 * no splice, so the watermarks are the bufferevents' (relay.h).
 */
#define FAKE_ENDPOINT(splice_ok) {					\
	.connect_verb = "faking",					\
	.splice = (splice_ok),						\
	.listen = fake_listen,						\
	.listen_pause = fake_listen_pause,				\
	.listen_free = fake_listen_free,				\
	.connect = fake_connect,					\
	.connect_cancel = fake_connect_cancel,				\
}
static const struct gw_endpoint_ops fake_endpoint = FAKE_ENDPOINT(false);
/* For TCP pairs only: splice(2) reads 0 from a Unix-domain socket. */
static const struct gw_endpoint_ops fake_splice_endpoint = FAKE_ENDPOINT(true);
static const struct gw_stream_ops fake_stream = {
	.handshake = false,
	.no_eof = false,
	.plain = true,
	.link_new = fake_link_new,
	.half_close = gw_socket_half_close,
	.abort = gw_socket_abort,
};
static const struct gw_transport_ops fake_ops = {
	"fake", &fake_endpoint, &fake_stream
};
static const struct gw_transport_ops fake_splice_ops = {
	"fake", &fake_splice_endpoint, &fake_stream
};

/* ------------------------------------------------------------- the peers */

/*
 * One end a test holds: what it sends (a pattern, so order and content are
 * checked), what it has received, and how its stream ended.
 */
struct peer {
	int		 fd;
	uint8_t		 seed;		/* of what it sends */
	uint8_t		 expect;	/* seed of what it receives */
	bool		 reading;	/* read what arrives */
	size_t		 outlen;	/* bytes to send in all */
	size_t		 sent;
	bool		 shut_after;	/* shutdown(SHUT_WR) once all sent */
	bool		 shut;
	bool		 blocked;	/* the last write met EAGAIN */
	unsigned	 trickle_ms;	/* > 0: send 1 byte this often, for
					   ever (outlen ignored) */
	uint64_t	 next_trickle;
	size_t		 got;		/* bytes received, all checked */
	bool		 bad;		/* a byte out of order */
	bool		 eof;		/* read gave 0 before any reset */
	bool		 reset;		/* a read or write gave ECONNRESET */
	int		 err;		/* another error of a read or write */
};

static uint8_t
pattern(uint8_t seed, size_t i)
{
	return ((uint8_t)(seed + i * 131 + (i >> 9)));
}

static void
peer_init(struct peer *p, int fd, uint8_t seed, uint8_t expect)
{
	memset(p, 0, sizeof *p);
	p->fd = fd;
	p->seed = seed;
	p->expect = expect;
	p->reading = true;
}

static void
peer_error(struct peer *p, int err)
{
	if (err == ECONNRESET)
		p->reset = true;
	else if (p->err == 0)
		p->err = err;
}

/* Read what has arrived, then write what is due; never blocks. */
static void
peer_io(struct peer *p)
{
	uint8_t		 buf[65536];
	ssize_t		 r;
	size_t		 i, n;
	uint64_t	 t;

	if (p->fd == -1)
		return;
	while (p->reading && !p->eof && !p->reset) {
		if ((r = read(p->fd, buf, sizeof buf)) == 0) {
			p->eof = true;
			break;
		}
		if (r == -1) {
			if (errno != EAGAIN && errno != EINTR)
				peer_error(p, errno);
			break;
		}
		for (i = 0; i < (size_t)r; i++)
			if (buf[i] != pattern(p->expect, p->got + i))
				p->bad = true;
		p->got += (size_t)r;
	}
	if (p->shut || p->reset || p->err != 0)
		return;
	if (p->trickle_ms > 0) {
		if ((t = now_ms()) < p->next_trickle)
			return;
		buf[0] = pattern(p->seed, p->sent);
		if (write(p->fd, buf, 1) == 1)
			p->sent++;
		else if (errno != EAGAIN && errno != EINTR)
			peer_error(p, errno);
		p->next_trickle = t + p->trickle_ms;
		return;
	}
	p->blocked = false;
	while (p->sent < p->outlen) {
		n = p->outlen - p->sent;
		if (n > sizeof buf)
			n = sizeof buf;
		for (i = 0; i < n; i++)
			buf[i] = pattern(p->seed, p->sent + i);
		if ((r = write(p->fd, buf, n)) == -1) {
			if (errno == EAGAIN)
				p->blocked = true;
			else if (errno != EINTR)
				peer_error(p, errno);
			return;
		}
		p->sent += (size_t)r;
	}
	if (p->shut_after && !p->shut) {
		assert_int_equal(shutdown(p->fd, SHUT_WR), 0);
		p->shut = true;
	}
}

static void
peer_close(struct peer *p)
{
	if (p->fd != -1)
		close(p->fd);
	p->fd = -1;
}

/* ----------------------------------------------------------- the harness */

struct harness {
	char			 path[64];	/* the configuration file */
	struct gw_gateway	*gw;
	struct event		*tick;
	struct peer		 client, server;
	FILE			*capture;	/* stderr while a case runs */
	int			 saved_stderr;
};

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

/* Write text as the configuration file, load it; returns the config. */
/* The first error of a list, as a reader sees it (for fail_msg). */
static const char *
first_error(const struct gw_errors *e)
{
	static char	 line[1024];
	char		 buf[512];
	const char	*where, *text;

	if (gw_errors_count(e) == 0)
		return ("(no error)");
	text = gw_errors_line(e, 0, &where, buf, sizeof buf);
	snprintf(line, sizeof line, "%s%s", where, text);
	return (line);
}

static struct gw_config *
harness_load(struct harness *h, const char *text)
{
	struct gw_config	*c = NULL;
	struct gw_errors	 errors = GW_ERRORS_INIT;
	int			 fd;

	if (h->path[0] == '\0') {
		snprintf(h->path, sizeof h->path, "/tmp/test_core.XXXXXX");
		assert_true((fd = mkstemp(h->path)) != -1);
	} else
		assert_true((fd = open(h->path, O_WRONLY | O_TRUNC)) != -1);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	if (gw_config_load(h->path, &c, &errors) != 0)
		fail_msg("%s", first_error(&errors));
	return (c);
}

/* Every route of the gateway gets the fake ops for the pairs' kind. */
static void
harness_fake_routes(struct gw_gateway *gw)
{
	const struct gw_transport_ops	*ops = fake.kind == PAIR_TCP_SPLICE ?
					    &fake_splice_ops : &fake_ops;
	struct gw_route			*r;

	TAILQ_FOREACH(r, &gw->routes, entry) {
		r->serve_ops = ops;
		r->connect_ops = ops;
	}
}

/*
 * A gateway for one route from text (tcp specs, which the fake ops then
 * replace), serving on the fake listener, stderr captured.
 */
static struct harness *
harness_new(void **state, const char *route_keys, enum pair_kind kind)
{
	struct harness		*h;
	struct gw_route		*r;
	struct timeval		 tv = { 0, TICK_MS * 1000 };
	struct gw_errors	 errors = GW_ERRORS_INIT;
	char			 text[1024], *cause = NULL;

	memset(&fake, 0, sizeof fake);
	fake.kind = kind;
	fake.server_fd = -1;
	assert_non_null(h = calloc(1, sizeof *h));
	h->client.fd = h->server.fd = -1;
	h->saved_stderr = -1;
	*state = h;	/* the teardown frees it, whatever fails */

	fflush(stderr);
	assert_non_null(h->capture = tmpfile());
	assert_true((h->saved_stderr = dup(2)) != -1);
	assert_true(dup2(fileno(h->capture), 2) != -1);

	snprintf(text, sizeof text, "[gateway]\npipe_dir = /tmp\n"
	    "[route r]\nserve = tcp:port=5005\nbind = 127.0.0.1\n"
	    "connect = tcp:server=127.0.0.1,port=5006\n%s", route_keys);
	h->gw = gw_gateway_new(harness_load(h, text), &errors);
	if (h->gw == NULL)
		fail_msg("%s", first_error(&errors));
	gw_log_configure(h->gw->config);
	harness_fake_routes(h->gw);
	TAILQ_FOREACH(r, &h->gw->routes, entry) {
		if (gw_route_start(r, &cause) == -1)
			fail_msg("%s", cause);
	}
	assert_int_equal(fake.listens, 1);
	assert_non_null(fake.listener);
	assert_non_null(h->tick = event_new(h->gw->base, -1, EV_PERSIST,
	    tick_cb, NULL));
	assert_int_equal(event_add(h->tick, &tv), 0);
	return (h);
}

/* Stop capturing stderr; what was captured is copied to the real one. */
static void
harness_release_stderr(struct harness *h)
{
	char	buf[4096];
	ssize_t	n;
	off_t	off = 0;

	if (h->saved_stderr == -1)
		return;
	fflush(stderr);
	dup2(h->saved_stderr, 2);
	close(h->saved_stderr);
	h->saved_stderr = -1;
	while ((n = pread(fileno(h->capture), buf, sizeof buf, off)) > 0) {
		fwrite(buf, 1, (size_t)n, stderr);
		off += n;
	}
	fclose(h->capture);
	h->capture = NULL;
}

static int
harness_teardown(void **state)
{
	struct harness	*h = *state;

	if (h == NULL)
		return (0);
	harness_release_stderr(h);
	peer_close(&h->client);
	peer_close(&h->server);
	if (fake.server_fd != -1)
		close(fake.server_fd);
	fake.server_fd = -1;
	if (h->tick != NULL)
		event_free(h->tick);
	gw_gateway_free(h->gw);
	if (h->path[0] != '\0')
		unlink(h->path);
	free(h);
	*state = NULL;
	return (0);
}

/* One turn of the loop (at most TICK_MS), then both peers' I/O. */
static void
step(struct harness *h)
{
	event_base_loop(h->gw->base, EVLOOP_ONCE);
	peer_io(&h->client);
	peer_io(&h->server);
}

/* Run the loop until cond holds; fail after ms milliseconds. */
#define RUN_UNTIL(h, cond, ms) do {					\
	uint64_t	_end = now_ms() + (ms);				\
									\
	for (;;) {							\
		peer_io(&(h)->client);					\
		peer_io(&(h)->server);					\
		if (cond)						\
			break;						\
		if (now_ms() > _end)					\
			fail_msg("line %d: not within %d ms: %s",	\
			    __LINE__, (int)(ms), #cond);		\
		step(h);						\
	}								\
} while (0)

/* Run the loop for ms milliseconds. */
static void
run_for(struct harness *h, unsigned ms)
{
	uint64_t	end = now_ms() + ms;

	while (now_ms() < end)
		step(h);
}

/* The session with this id on any route, NULL once closed. */
static struct gw_session *
session_find(struct harness *h, uint64_t id)
{
	struct gw_route		*r;
	struct gw_session	*s;

	TAILQ_FOREACH(r, &h->gw->routes, entry) {
		TAILQ_FOREACH(s, &r->sessions, entry) {
			if (s->id == id)
				return (s);
		}
	}
	return (NULL);
}

/*
 * A client dials the fake listener: the route accepts one end of a new pair
 * (from the loop's point of view, as an accept callback).  The test holds
 * the other as h->client.  Returns the new session's id.
 */
static uint64_t
dial(struct harness *h)
{
	int	core, test;

	assert_non_null(fake.listener);
	assert_false(fake.listener->paused);
	make_pair(&core, &test);
	peer_init(&h->client, test, 0x11, 0x22);
	fake.listener->accept(core, "fake-client", NULL, fake.listener->arg);
	return (h->gw->next_session_id);
}

/* Wait for the session's server link; the test holds its other end. */
static void
take_server(struct harness *h)
{
	RUN_UNTIL(h, fake.server_fd != -1, BOUND_MS);
	peer_init(&h->server, fake.server_fd, 0x22, 0x11);
	fake.server_fd = -1;
}

struct logline {
	unsigned long long	 up, down;
	char			 reason[256];
};

/*
 * The session's one closing line in what stderr got so far: returns how
 * many there are (0 while it is open), the first parsed into *ll.
 */
static int
log_find(struct harness *h, uint64_t id, struct logline *ll)
{
	struct stat	 st;
	char		*text, key[64], *p, *q, *e;
	int		 n = 0;

	if (fstat(fileno(h->capture), &st) == -1 || st.st_size == 0)
		return (0);
	assert_non_null(text = malloc((size_t)st.st_size + 1));
	assert_int_equal(pread(fileno(h->capture), text, (size_t)st.st_size, 0),
	    st.st_size);
	text[st.st_size] = '\0';
	snprintf(key, sizeof key, " session %llu route=",
	    (unsigned long long)id);
	for (p = strstr(text, key); p != NULL; p = strstr(p + 1, key)) {
		if (n++ > 0)
			continue;
		e = strchr(p, '\n');
		if (e != NULL)
			*e = '\0';
		memset(ll, 0, sizeof *ll);
		if ((q = strstr(p, " bytes_up=")) == NULL ||
		    sscanf(q, " bytes_up=%llu bytes_down=%llu", &ll->up,
		    &ll->down) != 2 || (q = strstr(p, " reason=\"")) == NULL)
			fail_msg("a session line without its fields: %s", p);
		q += strlen(" reason=\"");
		snprintf(ll->reason, sizeof ll->reason, "%.*s",
		    (int)strcspn(q, "\""), q);
		if (e != NULL)
			*e = '\n';
	}
	free(text);
	return (n);
}

/* Wait for the session's line and check it is the only one. */
static void
wait_closed(struct harness *h, uint64_t id, struct logline *ll,
    unsigned bound_ms)
{
	RUN_UNTIL(h, log_find(h, id, ll) > 0, bound_ms);
	assert_int_equal(log_find(h, id, ll), 1);
	assert_null(session_find(h, id));
}

#define ROUTE_KEYS \
	"connect_timeout = 60ms\ndrain_timeout = 2s\n"

/* -------------------------------------------------------------- the cases */

/*
 * The client half-closes first: the server still gets every byte and then
 * EOF, its answer reaches the client whole, then the client reads EOF; both
 * ends see a clean end, no reset.  reason "client closed".
 */
static void
test_client_half_close(void **state)
{
	struct harness	*h = harness_new(state, ROUTE_KEYS, PAIR_UNIX);
	struct logline	 ll;
	struct gw_route_counters *c;
	uint64_t	 id;

	id = dial(h);
	take_server(h);
	h->server.reading = true;
	h->client.outlen = 300000;
	h->client.shut_after = true;
	RUN_UNTIL(h, h->server.eof, BOUND_MS);
	assert_int_equal(h->server.got, 300000);
	/* The client's end is half-closed: the session still relays down. */
	assert_non_null(session_find(h, id));
	assert_int_equal(session_find(h, id)->state, GW_SESSION_DRAINING);
	h->server.outlen = 70000;
	h->server.shut_after = true;
	RUN_UNTIL(h, h->client.eof, BOUND_MS);
	wait_closed(h, id, &ll, BOUND_MS);

	assert_string_equal(ll.reason, "client closed");
	assert_int_equal(ll.up, 300000);
	assert_int_equal(ll.down, 70000);
	assert_int_equal(h->client.got, 70000);
	assert_false(h->client.bad || h->server.bad);
	assert_false(h->client.reset || h->server.reset);
	assert_int_equal(h->client.err, 0);
	assert_int_equal(h->server.err, 0);
	/* The route's totals count the closed session's bytes. */
	c = TAILQ_FIRST(&h->gw->routes)->counters;
	assert_int_equal(c->bytes_up, 300000);
	assert_int_equal(c->bytes_down, 70000);
}

/*
 * The mirror: the server answers and half-closes first; the client reads it
 * all and EOF, then still sends, and the server gets that too.  reason
 * "server closed".
 */
static void
test_server_half_close(void **state)
{
	struct harness	*h = harness_new(state, ROUTE_KEYS, PAIR_UNIX);
	struct logline	 ll;
	uint64_t	 id;

	id = dial(h);
	take_server(h);
	h->server.outlen = 200000;
	h->server.shut_after = true;
	RUN_UNTIL(h, h->client.eof, BOUND_MS);
	assert_int_equal(h->client.got, 200000);
	assert_non_null(session_find(h, id));
	h->client.outlen = 123457;
	h->client.shut_after = true;
	RUN_UNTIL(h, h->server.eof, BOUND_MS);
	wait_closed(h, id, &ll, BOUND_MS);

	assert_string_equal(ll.reason, "server closed");
	assert_int_equal(ll.up, 123457);
	assert_int_equal(ll.down, 200000);
	assert_int_equal(h->server.got, 123457);
	assert_false(h->client.bad || h->server.bad);
	assert_false(h->client.reset || h->server.reset);
}

/*
 * Backpressure: the server does not read while the client writes 4 MiB.
 * Once the server link's output holds the high watermark the relay stops
 * reading the client, so the client's writes meet EAGAIN with a bounded
 * amount held in the gateway; once the server reads, everything arrives in
 * order.  reason "client closed", bytes_up 4 MiB.
 */
static void
test_backpressure(void **state)
{
	struct harness		*h = harness_new(state, ROUTE_KEYS, PAIR_UNIX);
	struct gw_session	*s;
	struct logline		 ll;
	const size_t		 total = 4 * 1024 * 1024;
	size_t			 sent, held, out;
	uint64_t		 id;

	id = dial(h);
	take_server(h);
	assert_non_null(s = session_find(h, id));
	h->server.reading = false;
	h->client.outlen = total;
	RUN_UNTIL(h, s->client.paused && h->client.blocked, BOUND_MS);
	/* Settled: nothing more is taken from the client. */
	run_for(h, 30);
	sent = h->client.sent;
	out = evbuffer_get_length(bufferevent_get_output(s->server.bev));
	held = out + evbuffer_get_length(bufferevent_get_input(s->client.bev));
	run_for(h, 30);
	assert_true(h->client.blocked);
	assert_int_equal(h->client.sent, sent);
	assert_int_equal(evbuffer_get_length(bufferevent_get_output(
	    s->server.bev)), out);
	assert_true(s->client.paused);
	assert_false(bufferevent_get_enabled(s->client.bev) & EV_READ);
	assert_true(sent < total);
	/*
	 * At the high watermark, and above it by at most what one read of the
	 * relay takes (relay.c: 256 KiB, plus a 64 KiB chunk and libevent's
	 * 4 KiB); the rest of the 4 MiB waits in the client's kernel.
	 */
	assert_true(out >= GW_RELAY_HIGH_WATERMARK);
	assert_true(held <= GW_RELAY_HIGH_WATERMARK + 512 * 1024);
	assert_int_equal(h->server.got, 0);

	/* The server reads: reading resumes, everything arrives. */
	h->server.reading = true;
	h->client.shut_after = true;
	RUN_UNTIL(h, h->server.eof, BOUND_MS);
	assert_int_equal(h->server.got, total);
	assert_false(h->server.bad);
	h->server.outlen = 2;
	h->server.shut_after = true;
	RUN_UNTIL(h, h->client.eof, BOUND_MS);
	wait_closed(h, id, &ll, BOUND_MS);
	assert_string_equal(ll.reason, "client closed");
	assert_int_equal(ll.up, total);
	assert_int_equal(ll.down, 2);
	assert_int_equal(h->client.got, 2);
	assert_false(h->client.reset || h->server.reset);
}

/*
 * The server fails while the client still sends: it resets its link
 * (SO_LINGER 0, TCP).  The client gets what the server sent before, then a
 * reset, never a clean end.  reason "server reset"; bytes_down exactly what
 * the client received, bytes_up at least what the server read.
 */
static void
test_server_reset(void **state)
{
	struct harness	*h = harness_new(state, ROUTE_KEYS, PAIR_TCP);
	struct linger	 rst = { 1, 0 };
	struct logline	 ll;
	uint64_t	 id;

	id = dial(h);
	take_server(h);
	h->client.outlen = 1000;
	RUN_UNTIL(h, h->server.got == 1000, BOUND_MS);
	h->server.outlen = 500;
	RUN_UNTIL(h, h->client.got == 500, BOUND_MS);

	/* The client keeps sending; the server stops reading and resets. */
	h->server.reading = false;
	h->client.outlen = 16 * 1024 * 1024;
	run_for(h, 10);
	assert_int_equal(setsockopt(h->server.fd, SOL_SOCKET, SO_LINGER, &rst,
	    sizeof rst), 0);
	peer_close(&h->server);
	RUN_UNTIL(h, h->client.reset || h->client.eof || h->client.err != 0,
	    BOUND_MS);
	wait_closed(h, id, &ll, BOUND_MS);

	assert_string_equal(ll.reason, "server reset");
	assert_true(h->client.reset);
	assert_false(h->client.eof);	/* a cut stream never looks complete */
	assert_int_equal(h->client.got, 500);
	assert_int_equal(ll.down, h->client.got);
	assert_true(ll.up >= 1000 && ll.up <= h->client.sent);
	assert_false(h->client.bad);
}

/*
 * The server fails while the client waits for its answer (sends nothing,
 * so no unread byte forces a reset by itself): the client must still read a
 * reset after the answer's first part, never a clean end.  reason "server
 * reset", bytes exact both ways.
 */
static void
test_server_reset_idle_client(void **state)
{
	struct harness	*h = harness_new(state, ROUTE_KEYS, PAIR_TCP);
	struct linger	 rst = { 1, 0 };
	struct logline	 ll;
	uint64_t	 id;

	id = dial(h);
	take_server(h);
	h->client.outlen = 1000;
	RUN_UNTIL(h, h->server.got == 1000, BOUND_MS);
	h->server.outlen = 700;
	RUN_UNTIL(h, h->server.sent == 700, BOUND_MS);
	assert_int_equal(setsockopt(h->server.fd, SOL_SOCKET, SO_LINGER, &rst,
	    sizeof rst), 0);
	peer_close(&h->server);
	RUN_UNTIL(h, h->client.reset || h->client.eof || h->client.err != 0,
	    BOUND_MS);
	wait_closed(h, id, &ll, BOUND_MS);

	assert_string_equal(ll.reason, "server reset");
	assert_true(h->client.reset);
	assert_false(h->client.eof);
	assert_int_equal(h->client.got, 700);
	assert_int_equal(ll.down, 700);
	assert_int_equal(ll.up, 1000);
	assert_false(h->client.bad);
}

/*
 * The mirror: the client resets while the server still sends.  The server
 * reads a reset; reason "client reset"; bytes_up exactly what the server
 * received, bytes_down at least what the client read.
 */
static void
test_client_reset(void **state)
{
	struct harness	*h = harness_new(state, ROUTE_KEYS, PAIR_TCP);
	struct linger	 rst = { 1, 0 };
	struct logline	 ll;
	uint64_t	 id;

	id = dial(h);
	take_server(h);
	h->client.outlen = 800;
	RUN_UNTIL(h, h->server.got == 800, BOUND_MS);
	h->server.outlen = 16 * 1024 * 1024;
	RUN_UNTIL(h, h->client.got >= 100000, BOUND_MS);
	h->client.reading = false;
	run_for(h, 10);
	assert_int_equal(setsockopt(h->client.fd, SOL_SOCKET, SO_LINGER, &rst,
	    sizeof rst), 0);
	peer_close(&h->client);
	RUN_UNTIL(h, h->server.reset || h->server.eof || h->server.err != 0,
	    BOUND_MS);
	wait_closed(h, id, &ll, BOUND_MS);

	assert_string_equal(ll.reason, "client reset");
	assert_true(h->server.reset);
	assert_false(h->server.eof);
	assert_int_equal(h->server.got, 800);
	assert_int_equal(ll.up, 800);
	assert_true(ll.down >= h->client.got && ll.down <= h->server.sent);
	assert_false(h->server.bad);
}

/*
 * drain_timeout: after the client's half-close the server trickles a byte
 * every 10 ms and never ends.  The drain clock is a deadline from the first
 * end, not extended by progress: the session ends drain_timeout after the
 * client's EOF, reason "client closed, then drain timeout", and both peers
 * see the cut as a reset.  bytes_down is what the client received.
 */
static void
test_drain_timeout(void **state)
{
	struct harness	*h = harness_new(state, "drain_timeout = 150ms\n",
			    PAIR_TCP);
	struct logline	 ll;
	uint64_t	 id, t0, dt;

	id = dial(h);
	take_server(h);
	h->client.outlen = 1000;
	h->client.shut_after = true;
	RUN_UNTIL(h, h->client.shut, BOUND_MS);
	t0 = now_ms();
	RUN_UNTIL(h, h->server.eof, BOUND_MS);
	h->server.trickle_ms = 10;
	wait_closed(h, id, &ll, BOUND_MS);
	dt = now_ms() - t0;
	RUN_UNTIL(h, h->client.reset || h->client.eof, BOUND_MS);
	RUN_UNTIL(h, h->server.reset || h->server.err != 0, BOUND_MS);

	assert_string_equal(ll.reason, "client closed, then drain timeout");
	if (dt + EARLY_MS < 150 || dt > 150 + 1000)
		fail_msg("drain timeout after %llu ms, not 150",
		    (unsigned long long)dt);
	assert_true(h->server.sent >= 3);	/* it did trickle meanwhile */
	assert_int_equal(ll.up, 1000);
	assert_int_equal(h->server.got, 1000);
	assert_true(h->client.reset);
	assert_false(h->client.eof);
	assert_int_equal(ll.down, h->client.got);
	assert_true(h->client.got >= 1 && h->client.got <= h->server.sent);
	assert_false(h->client.bad);
}

/*
 * idle_timeout: a relaying session silent both ways for that long ends,
 * reason "idle timeout"; neither stream had ended, so both peers read a
 * reset.  Bytes exact both ways.
 */
static void
test_idle_timeout(void **state)
{
	struct harness	*h = harness_new(state, "idle_timeout = 80ms\n",
			    PAIR_TCP);
	struct logline	 ll;
	uint64_t	 id, t0, dt;

	id = dial(h);
	take_server(h);
	h->client.outlen = 10;
	h->server.outlen = 20;
	RUN_UNTIL(h, h->server.got == 10 && h->client.got == 20, BOUND_MS);
	t0 = now_ms();
	wait_closed(h, id, &ll, BOUND_MS);
	dt = now_ms() - t0;
	RUN_UNTIL(h, (h->client.reset || h->client.eof) &&
	    (h->server.reset || h->server.eof), BOUND_MS);

	assert_string_equal(ll.reason, "idle timeout");
	if (dt + EARLY_MS < 80 || dt > 80 + 1000)
		fail_msg("idle timeout after %llu ms, not 80",
		    (unsigned long long)dt);
	assert_int_equal(ll.up, 10);
	assert_int_equal(ll.down, 20);
	assert_true(h->client.reset);
	assert_true(h->server.reset);
}

/* Records that the session has been seen in splice mode; true. */
static bool
seen_spliced(struct harness *h, uint64_t id, bool *seen)
{
	struct gw_session	*s = session_find(h, id);

	if (s != NULL && s->spliced)
		*seen = true;
	return (true);
}

/*
 * Bulk between two TCP links moves to splice mode (relay.h) and keeps the
 * stream's order, its half-close and its counts: 4 MiB up, then EOF, then
 * 1 MiB down.  reason "client closed".
 */
static void
test_splice_bulk(void **state)
{
	struct harness	*h = harness_new(state, ROUTE_KEYS, PAIR_TCP_SPLICE);
	struct logline	 ll;
	const size_t	 up = 4 * 1024 * 1024, down = 1024 * 1024;
	uint64_t	 id;
	bool		 seen = false;

	id = dial(h);
	take_server(h);
	h->client.outlen = up;
	h->client.shut_after = true;
	RUN_UNTIL(h, seen_spliced(h, id, &seen) && h->server.eof, BOUND_MS);
	assert_int_equal(h->server.got, up);
	h->server.outlen = down;
	h->server.shut_after = true;
	RUN_UNTIL(h, h->client.eof, BOUND_MS);
	wait_closed(h, id, &ll, BOUND_MS);

	/* Where the platform's relay accelerator splices (Linux). */
	if (gw_os_relay_accel() != NULL &&
	    gw_os_relay_accel()->splice_begin != NULL)
		assert_true(seen);
	assert_string_equal(ll.reason, "client closed");
	assert_int_equal(ll.up, up);
	assert_int_equal(ll.down, down);
	assert_int_equal(h->client.got, down);
	assert_false(h->client.bad || h->server.bad);
	assert_false(h->client.reset || h->server.reset);
}

/*
 * The server refuses (ECONNREFUSED): reason "server refused", nothing either
 * way, the client reads EOF.
 */
static void
test_connect_refused(void **state)
{
	struct harness	*h = harness_new(state, ROUTE_KEYS, PAIR_UNIX);
	struct logline	 ll;
	uint64_t	 id;

	fake.mode = CONNECT_FAIL;
	fake.connect_err = ECONNREFUSED;
	id = dial(h);
	wait_closed(h, id, &ll, BOUND_MS);
	RUN_UNTIL(h, h->client.eof || h->client.reset, BOUND_MS);

	assert_string_equal(ll.reason, "server refused");
	assert_int_equal(ll.up, 0);
	assert_int_equal(ll.down, 0);
	assert_int_equal(h->client.got, 0);
	assert_true(h->client.eof);
	assert_int_equal(fake.connects, 1);
	assert_int_equal(fake.delivered, 1);
	assert_int_equal(fake.cancels, 0);
}

/*
 * The connect never completes: the session ends at connect_timeout with
 * reason "connect timeout", its attempt cancelled, nothing either way.
 */
static void
test_connect_timeout(void **state)
{
	struct harness	*h = harness_new(state, ROUTE_KEYS, PAIR_UNIX);
	struct logline	 ll;
	uint64_t	 id, t0, dt;

	fake.mode = CONNECT_NEVER;
	t0 = now_ms();
	id = dial(h);
	wait_closed(h, id, &ll, BOUND_MS);
	dt = now_ms() - t0;
	RUN_UNTIL(h, h->client.eof || h->client.reset, BOUND_MS);

	assert_string_equal(ll.reason, "connect timeout");
	if (dt + EARLY_MS < 60 || dt > 60 + 1000)
		fail_msg("connect timeout after %llu ms, not 60",
		    (unsigned long long)dt);
	assert_int_equal(ll.up, 0);
	assert_int_equal(ll.down, 0);
	assert_true(h->client.eof);
	assert_int_equal(fake.connects, 1);
	assert_int_equal(fake.cancels, 1);
	assert_int_equal(fake.delivered, 0);
}

/* ----------------------------------------------------------- reload */

struct reload_wait {
	struct harness	*h;
	bool		 done;
	int		 rc;
	char		 cause[512];
};

static void
reload_cb(int rc, const struct gw_errors *outcome, void *arg)
{
	struct reload_wait	*w = arg;

	w->done = true;
	w->rc = rc;
	snprintf(w->cause, sizeof w->cause, "%s", outcome != NULL ?
	    first_error(outcome) : "");
	/*
	 * The reload built its routes with the transports of their specs;
	 * before the loop turns again they get the fake ops, as harness_new
	 * gave the first ones.  Routes kept from before already have them.
	 */
	harness_fake_routes(w->h->gw);
}

/*
 * A reload with the route unchanged hands its listener over without
 * closing it: a session open across it goes on and ends with every byte
 * counted, before and after; a new client reaches the new route through the
 * same listener; the old route is retired and freed once its session ends.
 */
static void
test_reload_handover(void **state)
{
	struct harness		*h = harness_new(state, ROUTE_KEYS, PAIR_UNIX);
	struct reload_wait	 w;
	struct gw_route		*old, *fresh;
	struct fake_listener	*listener;
	struct gw_transport_listener *held;
	struct peer		 c1, s1;
	struct logline		 ll;
	struct gw_errors	 errors = GW_ERRORS_INIT;
	uint64_t		 id1, id2;

	old = TAILQ_FIRST(&h->gw->routes);
	listener = fake.listener;
	held = old->listener;
	id1 = dial(h);
	take_server(h);
	h->client.outlen = 1000;
	h->server.outlen = 2000;
	RUN_UNTIL(h, h->server.got == 1000 && h->client.got == 2000, BOUND_MS);

	memset(&w, 0, sizeof w);
	w.h = h;
	if (gw_gateway_reload(h->gw, reload_cb, &w, &errors) != 0)
		fail_msg("%s", first_error(&errors));
	RUN_UNTIL(h, w.done, BOUND_MS);
	if (w.rc != 0)
		fail_msg("reload: %s", w.cause);

	/* The listener was handed over, never closed nor made anew. */
	assert_int_equal(fake.listens, 1);
	assert_int_equal(fake.listen_frees, 0);
	assert_ptr_equal(fake.listener, listener);
	fresh = TAILQ_FIRST(&h->gw->routes);
	assert_ptr_not_equal(fresh, old);
	assert_ptr_equal(fresh->listener, held);
	assert_null(old->listener);
	assert_int_equal(old->state, GW_ROUTE_RETIRED);
	assert_int_equal(old->nsessions, 1);
	assert_ptr_equal(fresh->counters, old->counters);

	/* The open session goes on. */
	h->client.outlen = 1500;
	h->server.outlen = 2500;
	RUN_UNTIL(h, h->server.got == 1500 && h->client.got == 2500, BOUND_MS);

	/* A new client reaches the new route through the same listener. */
	c1 = h->client;
	s1 = h->server;
	id2 = dial(h);
	take_server(h);
	assert_ptr_equal(session_find(h, id2)->route, fresh);
	assert_ptr_equal(session_find(h, id1)->route, old);
	h->client.outlen = 10;
	h->client.shut_after = true;
	h->server.outlen = 20;
	h->server.shut_after = true;
	RUN_UNTIL(h, h->client.eof && h->server.eof, BOUND_MS);
	wait_closed(h, id2, &ll, BOUND_MS);
	assert_string_equal(ll.reason, "client closed");
	assert_int_equal(ll.up, 10);
	assert_int_equal(ll.down, 20);
	assert_int_equal(h->server.got, 10);
	assert_int_equal(h->client.got, 20);
	peer_close(&h->client);
	peer_close(&h->server);

	/* The session from before the reload ends by itself, all counted. */
	h->client = c1;
	h->server = s1;
	h->client.shut_after = true;
	h->server.shut_after = true;
	RUN_UNTIL(h, h->client.eof && h->server.eof, BOUND_MS);
	wait_closed(h, id1, &ll, BOUND_MS);
	assert_string_equal(ll.reason, "client closed");
	assert_int_equal(ll.up, 1500);
	assert_int_equal(ll.down, 2500);
	assert_int_equal(h->server.got, 1500);
	assert_int_equal(h->client.got, 2500);
	assert_false(h->client.bad || h->server.bad);

	/* The retired route is freed from the loop; the counts are one. */
	RUN_UNTIL(h, TAILQ_FIRST(&h->gw->routes) == fresh &&
	    TAILQ_NEXT(fresh, entry) == NULL, BOUND_MS);
	assert_int_equal(fresh->counters->bytes_up, 1500 + 10);
	assert_int_equal(fresh->counters->bytes_down, 2500 + 20);
	assert_int_equal(fresh->counters->total_sessions, 2);
	assert_int_equal(fake.listen_frees, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_client_half_close,
		    harness_teardown),
		cmocka_unit_test_teardown(test_server_half_close,
		    harness_teardown),
		cmocka_unit_test_teardown(test_backpressure, harness_teardown),
		cmocka_unit_test_teardown(test_server_reset, harness_teardown),
		cmocka_unit_test_teardown(test_server_reset_idle_client,
		    harness_teardown),
		cmocka_unit_test_teardown(test_client_reset, harness_teardown),
		cmocka_unit_test_teardown(test_drain_timeout, harness_teardown),
		cmocka_unit_test_teardown(test_idle_timeout, harness_teardown),
		cmocka_unit_test_teardown(test_splice_bulk, harness_teardown),
		cmocka_unit_test_teardown(test_connect_refused,
		    harness_teardown),
		cmocka_unit_test_teardown(test_connect_timeout,
		    harness_teardown),
		cmocka_unit_test_teardown(test_reload_handover,
		    harness_teardown),
	};

	/* As the daemon does (gw_gateway_run): a write to a reset peer. */
	signal(SIGPIPE, SIG_IGN);
	unsetenv("NOTIFY_SOCKET");
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
