/*
 * clicon.c: reverse links (clicon=) for tcp and ssl.  See transport.h.
 *
 * The rules: doc/transports.md §2.2 (tcp-reverse, ssl-reverse: the server
 * dials out to the client), §2.3 (tcp-accept, ssl-accept: the client waits, a
 * port range allowed), §3.1 (clicon=), §7 (reverse links for firewalls that
 * block inbound connections; the "Two Firewalls" chain) and doc/design.md
 * "clicon= on serve" and "clicon= on connect".
 *
 * Serve (the dialler).  The smart client waits on HOST:PORT; dbgbridge dials
 * it.  One link carries one session, as with dbgsrv, but a link is only
 * handed to the route once the client has sent its first byte (the remote
 * protocol starts with the client's hello, doc/transports.md §9; for ssl, its
 * ClientHello): until then it is a standby link, watched, costing nothing
 * upstream.  standby links wait at once.  A link handed over is replaced at
 * once, so a session that ends needs no redial of its own; a dial that fails,
 * or a standby link that the peer closes, is redialled after an exponential
 * backoff with jitter (gw_clicon_backoff), one dial in flight at a time.
 *
 * Connect (the pool).  dbgbridge waits on its port for the process server
 * (dbgsrv -t tcp:port=P,clicon=GATEWAY) to dial in, from the start of the
 * route: dbgsrv dials once and gives up when refused.  Peers at addresses
 * clicon= does not resolve to are refused and closed at once.  Each server
 * link waits, watched, until a session takes it; a session that comes first
 * waits for the next link to dial in, for as long as its connect_timeout.
 *
 * Every link, waiting or not, gets TCP keepalives: a standby link may sit
 * for hours behind a firewall that forgets idle connections, and a peer that
 * vanished must not hold a standby slot for ever.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/queue.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "osdep/net.h"
#include "gateway/log.h"
#include "osdep/osdep.h"
#include "transports/transport.h"

/*
 * After a handover, the replacement is dialled at once unless the previous
 * handover was this recent; then it waits this long.  A peer that speaks the
 * moment it is reached (or a route that refuses every link: max_sessions, a
 * dead process server) would otherwise have us dial, hand over and close in a
 * tight loop, two log lines a turn.
 */
#define CLICON_HANDOVER_EVERY_MS	250

/* Peers from unknown addresses held for one fresh resolution of clicon=. */
#define CLICON_CHECKS_MAX	8
/* ... and at most one such resolution per second. */
#define CLICON_RESOLVE_EVERY_MS	1000

/* ------------------------------------------------------------- backoff */

void
gw_clicon_backoff_range(unsigned n, unsigned *lo, unsigned *hi)
{
	unsigned	ceiling = 0;

	/* Stepping stops at the cap: a bounded loop, however large n is. */
	while (n-- > 0 && ceiling < GW_CLICON_BACKOFF_MAX_MS)
		ceiling = gw_backoff_next(ceiling, GW_CLICON_BACKOFF_FIRST_MS,
		    GW_CLICON_BACKOFF_MAX_MS);
	*lo = ceiling / 2;
	*hi = ceiling;
}

unsigned
gw_clicon_backoff(unsigned n, uint32_t (*rnd)(void *), void *arg)
{
	unsigned	lo, hi;
	uint32_t	r;

	gw_clicon_backoff_range(n, &lo, &hi);
	if (hi == lo)
		return (lo);
	if (rnd != NULL)
		r = rnd(arg);
	else
		evutil_secure_rng_get_bytes(&r, sizeof r);
	return (lo + (unsigned)(r % (uint32_t)(hi - lo + 1)));
}

/* ------------------------------------------------------------- shared */

/*
 * What a waiting link has to say, without taking it: 1 a byte is there, 0
 * the peer closed, -1 it failed (*err), 2 nothing yet.
 */
static int
clicon_peek(evutil_socket_t fd, int *err)
{
	char	c;
	int	n, e;

	/* The link is non-blocking (gw_os_stream_socket), MSG_DONTWAIT or not. */
	n = (int)recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n > 0)
		return (1);
	if (n == 0)
		return (0);
	e = gw_os_socket_errno(EVUTIL_SOCKET_ERROR());
	if (e == EAGAIN || e == EWOULDBLOCK || e == EINTR)
		return (2);
	*err = e;
	return (-1);
}

/* "route NAME" for log lines, or the transport's word. */
static char *
clicon_label(const char *name)
{
	char	*label;

	if (name == NULL)
		return (strdup("clicon"));
	if (asprintf(&label, "route %s", name) == -1)
		return (NULL);
	return (label);
}

/* ------------------------------------------------------------- serve */

struct clicon_dialler;

/* A connected link waiting for the client's first byte. */
struct clicon_link {
	struct clicon_dialler		*d;
	evutil_socket_t			 fd;
	struct event			*watch;	/* EV_READ: the first byte */
	struct timeval			 since;	/* connected */
	struct sockaddr_storage		 ss;	/* the client's address */
	char				 peer[128];
	TAILQ_ENTRY(clicon_link)	 entry;
};

struct clicon_dialler {
	struct event_base		*base;
	struct evdns_base		*dns;
	char				*label;	/* "route NAME" */
	char				*host;	/* clicon= */
	struct gw_dial_params		 target;	/* for gw_tcp_dial */
	char				 hostport[128];
	unsigned			 standby;
	unsigned			 failures;	/* in a row */
	bool				 failing;	/* the last dial failed */
	bool				 paused;	/* by the owner */
	void				*attempt;	/* the dial in flight */
	struct event			*timer;	/* the next dial */
	TAILQ_HEAD(, clicon_link)	 waiting;
	unsigned			 nwaiting;
	struct timeval			 handover;	/* the last one */
	gw_endpoint_accept_cb			*accept;
	void				*arg;
};

static void	clicon_fill(struct clicon_dialler *);

static void
clicon_link_free(struct clicon_link *l)
{
	struct clicon_dialler	*d = l->d;

	TAILQ_REMOVE(&d->waiting, l, entry);
	d->nwaiting--;
	if (l->watch != NULL)
		event_free(l->watch);
	if (l->fd != -1)
		evutil_closesocket(l->fd);
	free(l);
}

/*
 * A dial failed, or a standby link ended before its first byte: dial again
 * after the backoff.  Logged: the first failure of a streak as a warning,
 * then each one up to the tenth and every tenth after (at the cap, one line
 * every few minutes).
 */
static void
clicon_retry(struct clicon_dialler *d, const char *why)
{
	unsigned	ms;

	d->failing = true;
	d->failures++;
	ms = gw_clicon_backoff(d->failures, NULL, NULL);
	if (d->failures == 1)
		gw_log_warn("%s: %s; redial in %u ms (backing off up to %u s)",
		    d->label, why, ms, GW_CLICON_BACKOFF_MAX_MS / 1000);
	else if (d->failures <= 10 || d->failures % 10 == 0)
		gw_log_info("%s: %s; redial in %u ms (%u failures in a row)",
		    d->label, why, ms, d->failures);
	gw_timer_add_ms(d->timer, ms);
}

/* A standby link is readable: the client's first byte, or its end. */
static void
clicon_ready(evutil_socket_t fd, short what, void *arg)
{
	struct clicon_link	*l = arg;
	struct clicon_dialler	*d = l->d;
	struct sockaddr_storage	 ss;
	struct timeval		 now, lived, since;
	char			 peer[sizeof l->peer], why[400];
	int			 err = 0;

	(void)what;
	event_base_gettimeofday_cached(d->base, &now);
	switch (clicon_peek(fd, &err)) {
	case 2:
		return;
	case 1:
		/*
		 * The client spoke: the link is the route's from here (the
		 * byte stays queued for the session to read).  Its replacement
		 * is dialled first; accept may not be followed by anything
		 * that touches d.
		 */
		memcpy(&ss, &l->ss, sizeof ss);
		memcpy(peer, l->peer, sizeof peer);
		l->fd = -1;
		clicon_link_free(l);
		d->failures = 0;
		d->failing = false;
		gw_log_debug("%s: the client spoke on the link to %s: a "
		    "session starts", d->label, peer);
		evutil_timersub(&now, &d->handover, &since);
		d->handover = now;
		if (since.tv_sec == 0 &&
		    since.tv_usec < CLICON_HANDOVER_EVERY_MS * 1000)
			gw_timer_add_ms(d->timer, CLICON_HANDOVER_EVERY_MS);
		else
			clicon_fill(d);
		d->accept(fd, peer, (struct sockaddr *)&ss, d->arg);
		return;
	default:
		break;
	}
	/* Closed or failed before the first byte. */
	evutil_timersub(&now, &l->since, &lived);
	if (lived.tv_sec >= GW_CLICON_BACKOFF_MAX_MS / 1000) {
		/* It stood long enough: this is a new streak. */
		d->failures = 0;
	}
	if (err == 0)
		snprintf(why, sizeof why, "%s closed a standby link after %lld "
		    "s", d->hostport, (long long)lived.tv_sec);
	else
		snprintf(why, sizeof why, "standby link to %s failed: %s",
		    d->hostport, evutil_socket_error_to_string(err));
	clicon_link_free(l);
	clicon_retry(d, why);
}

static void
clicon_dialled(evutil_socket_t fd, int err, const char *why, void *arg)
{
	struct clicon_dialler	*d = arg;
	struct clicon_link	*l;
	socklen_t		 len;
	char			 msg[400], local[64];
	struct sockaddr_storage	 me;

	(void)err;
	d->attempt = NULL;
	if (fd == -1) {
		snprintf(msg, sizeof msg, "cannot reach %s: %s", d->hostport,
		    why);
		clicon_retry(d, msg);
		return;
	}
	if ((l = calloc(1, sizeof *l)) == NULL ||
	    (l->watch = event_new(d->base, fd, EV_READ | EV_PERSIST,
	    clicon_ready, l)) == NULL) {
		free(l);
		evutil_closesocket(fd);
		clicon_retry(d, "out of memory for a standby link");
		return;
	}
	l->d = d;
	l->fd = fd;
	event_base_gettimeofday_cached(d->base, &l->since);
	len = sizeof l->ss;
	if (getpeername(fd, (struct sockaddr *)&l->ss, &len) == 0)
		gw_transport_sockaddr((struct sockaddr *)&l->ss, l->peer,
		    sizeof l->peer);
	else
		snprintf(l->peer, sizeof l->peer, "%s", d->hostport);
	len = sizeof me;
	if (getsockname(fd, (struct sockaddr *)&me, &len) == 0)
		gw_transport_sockaddr((struct sockaddr *)&me, local,
		    sizeof local);
	else
		snprintf(local, sizeof local, "?");
	gw_tcp_tune(fd);	/* keepalive finds a peer that vanished */
	TAILQ_INSERT_TAIL(&d->waiting, l, entry);
	d->nwaiting++;
	if (!d->paused)
		event_add(l->watch, NULL);
	if (d->failing)
		gw_log_info("%s: reached %s again after %u failure%s",
		    d->label, l->peer, d->failures, d->failures == 1 ? "" :
		    "s");
	d->failing = false;
	gw_log_info("%s: standby link %s -> %s up (%u of %u waiting for the "
	    "client)", d->label, local, l->peer, d->nwaiting, d->standby);
	clicon_fill(d);
}

/* Dial one more link if fewer than standby wait and nothing else is due. */
static void
clicon_fill(struct clicon_dialler *d)
{
	if (d->paused || d->attempt != NULL || d->nwaiting >= d->standby ||
	    evtimer_pending(d->timer, NULL))
		return;
	d->attempt = gw_tcp_dial(d->base, d->dns, &d->target, clicon_dialled,
	    d);
	if (d->attempt == NULL)
		clicon_retry(d, "out of memory for a dial");
}

static void
clicon_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	clicon_fill(arg);
}

void *
gw_clicon_listen(struct event_base *base,
    const struct gw_listen_params *params, gw_endpoint_accept_cb *accept,
    void *arg, char **where, char **cause)
{
	const struct gw_spec	*spec = params->spec;
	struct clicon_dialler	*d;
	bool			 v6;

	if (spec->clicon == NULL) {
		*cause = strdup("no clicon= host to dial");
		return (NULL);
	}
	if ((d = calloc(1, sizeof *d)) == NULL ||
	    (d->host = strdup(spec->clicon)) == NULL ||
	    (d->label = clicon_label(params->name)) == NULL ||
	    (d->timer = evtimer_new(base, clicon_timer, d)) == NULL) {
		if (d != NULL) {
			free(d->host);
			free(d->label);
		}
		free(d);
		*cause = strdup("out of memory");
		return (NULL);
	}
	d->base = base;
	d->dns = params->dns;
	d->standby = params->standby != 0 ? params->standby : 1;
	d->accept = accept;
	d->arg = arg;
	TAILQ_INIT(&d->waiting);
	d->target.host = d->host;
	d->target.port = spec->port_lo;
	d->target.ipv6 = spec->ipv6;
	v6 = strchr(d->host, ':') != NULL;
	snprintf(d->hostport, sizeof d->hostport, "%s%s%s:%u", v6 ? "[" : "",
	    d->host, v6 ? "]" : "", spec->port_lo);
	if (asprintf(where, "dialling %s (standby %u)", d->hostport,
	    d->standby) == -1) {
		*where = NULL;
		gw_clicon_listen_free(d);
		*cause = strdup("out of memory");
		return (NULL);
	}
	/* The first dial: its outcome reaches us from the loop. */
	clicon_fill(d);
	return (d);
}

void
gw_clicon_listen_pause(void *listener, bool pause)
{
	struct clicon_dialler	*d = listener;
	struct clicon_link	*l;

	d->paused = pause;
	TAILQ_FOREACH(l, &d->waiting, entry) {
		if (pause)
			event_del(l->watch);
		else
			event_add(l->watch, NULL);
	}
	if (pause)
		evtimer_del(d->timer);
	else
		clicon_fill(d);
}

void
gw_clicon_listen_free(void *listener)
{
	struct clicon_dialler	*d = listener;

	if (d == NULL)
		return;
	if (d->attempt != NULL)
		gw_tcp_connect_cancel(d->attempt);
	while (!TAILQ_EMPTY(&d->waiting))
		clicon_link_free(TAILQ_FIRST(&d->waiting));
	event_free(d->timer);
	free(d->host);
	free(d->label);
	free(d);
}

/* ------------------------------------------------------------- connect */

struct clicon_pool;

/* A process server's link waiting for a session. */
struct clicon_server {
	struct clicon_pool		*p;
	evutil_socket_t			 fd;
	struct event			*watch;	/* EV_READ: its end */
	char				 peer[128];
	TAILQ_ENTRY(clicon_server)	 entry;
};

/*
 * A session waiting for a server link (the connect slot's attempt), freed
 * as the link reaches the session (gw_connect_forward).
 */
struct clicon_wait {
	struct gw_connect_to		 to;	/* first: gw_connect_forward */
	struct clicon_pool		*p;
	struct gw_connect_outcome	*taken;	/* a link, to deliver; or NULL */
	char				 peer[128];	/* the taken link's */
	bool				 queued;
	TAILQ_ENTRY(clicon_wait)	 entry;
};

/* A peer from an unknown address, held for a fresh resolution. */
struct clicon_check {
	evutil_socket_t			 fd;
	char				 peer[128];
	struct sockaddr_storage		 ss;
	TAILQ_ENTRY(clicon_check)	 entry;
};

/* A resolution in flight; p is NULL once the pool is gone. */
struct clicon_resolve {
	struct clicon_pool			*p;
	struct evdns_getaddrinfo_request	*req;
};

struct clicon_pool {
	struct event_base		*base;
	struct evdns_base		*dns;
	char				*label;	/* "route NAME" */
	char				*host;	/* clicon= */
	bool				 numeric;	/* host is an address */
	struct in6_addr			*addrs;	/* IPv4 as v4-mapped */
	size_t				 naddrs;
	void				*listener;
	TAILQ_HEAD(, clicon_server)	 idle;
	unsigned			 nidle;
	TAILQ_HEAD(, clicon_wait)	 waiters;
	TAILQ_HEAD(, clicon_check)	 checks;
	unsigned			 nchecks;
	struct clicon_resolve		*resolve;
	struct timeval			 resolved;	/* the last resolution */
};

/* An IPv4 or IPv6 socket address as an IPv6 one.  False for others. */
static bool
clicon_addr(const struct sockaddr *sa, struct in6_addr *out)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6	*sin6 = (const struct sockaddr_in6 *)sa;

	memset(out, 0, sizeof *out);
	if (sa->sa_family == AF_INET) {
		out->s6_addr[10] = out->s6_addr[11] = 0xff;
		memcpy(&out->s6_addr[12], &sin->sin_addr, 4);
		return (true);
	}
	if (sa->sa_family == AF_INET6) {
		*out = sin6->sin6_addr;
		return (true);
	}
	return (false);
}

static bool
clicon_known(struct clicon_pool *p, const struct sockaddr *sa)
{
	struct in6_addr	a;
	size_t		i;

	if (sa == NULL || !clicon_addr(sa, &a))
		return (false);
	for (i = 0; i < p->naddrs; i++) {
		if (memcmp(&p->addrs[i], &a, sizeof a) == 0)
			return (true);
	}
	return (false);
}

/* Replace the known addresses with a resolver's answer.  Returns 0 or -1. */
static int
clicon_set_addrs(struct clicon_pool *p, const struct evutil_addrinfo *ai)
{
	const struct evutil_addrinfo	*a;
	struct in6_addr			*addrs;
	size_t				 n = 0;

	for (a = ai; a != NULL; a = a->ai_next)
		n++;
	if ((addrs = calloc(n != 0 ? n : 1, sizeof *addrs)) == NULL)
		return (-1);
	n = 0;
	for (a = ai; a != NULL; a = a->ai_next) {
		if (clicon_addr(a->ai_addr, &addrs[n]))
			n++;
	}
	free(p->addrs);
	p->addrs = addrs;
	p->naddrs = n;
	return (0);
}

static void
clicon_refuse(struct clicon_pool *p, evutil_socket_t fd, const char *peer,
    const char *why)
{
	gw_log_warn("%s: refused a process server link from %s: %s", p->label,
	    peer, why);
	evutil_closesocket(fd);
}

static void
clicon_server_free(struct clicon_server *s)
{
	struct clicon_pool	*p = s->p;

	TAILQ_REMOVE(&p->idle, s, entry);
	p->nidle--;
	event_free(s->watch);
	if (s->fd != -1)
		evutil_closesocket(s->fd);
	free(s);
}

/* A waiting server link is readable: its end, or it spoke first. */
static void
clicon_server_ready(evutil_socket_t fd, short what, void *arg)
{
	struct clicon_server	*s = arg;
	struct clicon_pool	*p = s->p;
	int			 err = 0;

	(void)what;
	switch (clicon_peek(fd, &err)) {
	case 2:
		return;
	case 1:
		/*
		 * The server spoke before any client: its bytes wait in the
		 * socket for the session.  Stop watching, or this would spin.
		 */
		gw_log_debug("%s: process server %s sent bytes before a client "
		    "came; kept for the next session", p->label, s->peer);
		event_del(s->watch);
		return;
	case 0:
		gw_log_info("%s: process server %s closed its link while "
		    "waiting for a client", p->label, s->peer);
		break;
	default:
		gw_log_info("%s: process server %s: its link failed while "
		    "waiting for a client: %s", p->label, s->peer,
		    evutil_socket_error_to_string(err));
		break;
	}
	clicon_server_free(s);
}

/*
 * Keep a server link until a session takes it.  fd: ours from here on.
 * Returns false when it was refused (and closed) instead.
 */
static bool
clicon_idle_add(struct clicon_pool *p, evutil_socket_t fd, const char *peer)
{
	struct clicon_server	*s;

	if (p->nidle >= GW_CLICON_IDLE_MAX) {
		clicon_refuse(p, fd, peer, "too many links wait already");
		return (false);
	}
	if ((s = calloc(1, sizeof *s)) == NULL ||
	    (s->watch = event_new(p->base, fd, EV_READ | EV_PERSIST,
	    clicon_server_ready, s)) == NULL || event_add(s->watch, NULL) ==
	    -1) {
		if (s != NULL && s->watch != NULL)
			event_free(s->watch);
		free(s);
		clicon_refuse(p, fd, peer, "out of memory");
		return (false);
	}
	s->p = p;
	s->fd = fd;
	snprintf(s->peer, sizeof s->peer, "%s", peer);
	TAILQ_INSERT_TAIL(&p->idle, s, entry);
	p->nidle++;
	return (true);
}

/* A server link from a known address: to a waiting session, or kept. */
static void
clicon_admit(struct clicon_pool *p, evutil_socket_t fd, const char *peer)
{
	struct clicon_wait	*w;

	gw_tcp_tune(fd);	/* keepalive finds a peer that vanished */
	if ((w = TAILQ_FIRST(&p->waiters)) == NULL) {
		if (clicon_idle_add(p, fd, peer))
			gw_log_info("%s: process server %s dialled in; "
			    "waiting for a client (%u waiting)", p->label,
			    peer, p->nidle);
		return;
	}
	gw_log_info("%s: process server %s dialled in; a waiting client takes "
	    "it", p->label, peer);
	TAILQ_REMOVE(&p->waiters, w, entry);
	gw_connect_forward(fd, 0, "", w);
}

static void
clicon_resolved(int result, struct evutil_addrinfo *ai, void *arg)
{
	struct clicon_resolve	*r = arg;
	struct clicon_pool	*p = r->p;
	struct clicon_check	*c;

	free(r);
	if (p == NULL) {
		/* The pool went away (cancelled). */
		if (ai != NULL)
			evutil_freeaddrinfo(ai);
		return;
	}
	p->resolve = NULL;
	event_base_gettimeofday_cached(p->base, &p->resolved);
	if (result == 0) {
		if (clicon_set_addrs(p, ai) == -1)
			gw_log_warn("%s: out of memory for clicon=%s's "
			    "addresses", p->label, p->host);
		else
			gw_log_debug("%s: clicon=%s resolved again: %zu "
			    "address%s", p->label, p->host, p->naddrs,
			    p->naddrs == 1 ? "" : "es");
	} else
		gw_log_warn("%s: cannot resolve clicon=%s: %s", p->label,
		    p->host, evutil_gai_strerror(result));
	if (ai != NULL)
		evutil_freeaddrinfo(ai);
	while ((c = TAILQ_FIRST(&p->checks)) != NULL) {
		TAILQ_REMOVE(&p->checks, c, entry);
		p->nchecks--;
		if (clicon_known(p, (struct sockaddr *)&c->ss))
			clicon_admit(p, c->fd, c->peer);
		else
			clicon_refuse(p, c->fd, c->peer, "not an address "
			    "clicon= resolves to");
		free(c);
	}
}

/* Resolve clicon= again, unless that was done in the last second. */
static bool
clicon_reresolve(struct clicon_pool *p)
{
	struct evutil_addrinfo			 hints;
	struct evdns_getaddrinfo_request	*req;
	struct clicon_resolve			*r;
	struct timeval				 now, d;

	if (p->resolve != NULL)
		return (true);
	event_base_gettimeofday_cached(p->base, &now);
	evutil_timersub(&now, &p->resolved, &d);
	if (p->resolved.tv_sec != 0 &&
	    d.tv_sec * 1000 + d.tv_usec / 1000 < CLICON_RESOLVE_EVERY_MS)
		return (false);
	if ((r = calloc(1, sizeof *r)) == NULL)
		return (false);
	r->p = p;
	p->resolve = r;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	req = evdns_getaddrinfo(p->dns, p->host, NULL, &hints,
	    clicon_resolved, r);
	/* The answer may come inside the call (hosts file): r is gone then. */
	if (p->resolve == r)
		r->req = req;
	return (true);
}

/* The pool's listener: a process server dialled in. */
static void
clicon_pool_accept(evutil_socket_t fd, const char *peer,
    const struct sockaddr *sa, void *arg)
{
	struct clicon_pool	*p = arg;
	struct clicon_check	*c;

	if (clicon_known(p, sa)) {
		clicon_admit(p, fd, peer);
		return;
	}
	if (p->numeric || sa == NULL || p->nchecks >= CLICON_CHECKS_MAX ||
	    (c = calloc(1, sizeof *c)) == NULL) {
		clicon_refuse(p, fd, peer, "not an address clicon= resolves "
		    "to");
		return;
	}
	/* A name whose addresses may have changed: ask again, then judge. */
	c->fd = fd;
	snprintf(c->peer, sizeof c->peer, "%s", peer);
	memcpy(&c->ss, sa, sa->sa_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	TAILQ_INSERT_TAIL(&p->checks, c, entry);
	p->nchecks++;
	if (!clicon_reresolve(p)) {
		TAILQ_REMOVE(&p->checks, c, entry);
		p->nchecks--;
		free(c);
		clicon_refuse(p, fd, peer, "not an address clicon= resolves "
		    "to");
	}
}

void *
gw_clicon_prepare(struct event_base *base, struct evdns_base *dns,
    const struct gw_spec *spec, const char *name, char **where, char **cause)
{
	struct gw_listen_params	 params;
	struct clicon_pool	*p;
	struct evutil_addrinfo	 hints, *ai = NULL;
	unsigned char		 buf[sizeof(struct in6_addr)];
	char			*addr;
	int			 r;

	if (spec->clicon == NULL) {
		*cause = strdup("no clicon= host to wait for");
		return (NULL);
	}
	if ((p = calloc(1, sizeof *p)) == NULL ||
	    (p->host = strdup(spec->clicon)) == NULL ||
	    (p->label = clicon_label(name)) == NULL) {
		if (p != NULL) {
			free(p->host);
			free(p->label);
		}
		free(p);
		*cause = strdup("out of memory");
		return (NULL);
	}
	p->base = base;
	p->dns = dns;
	TAILQ_INIT(&p->idle);
	TAILQ_INIT(&p->waiters);
	TAILQ_INIT(&p->checks);
	p->numeric = evutil_inet_pton(AF_INET, p->host, buf) == 1 ||
	    evutil_inet_pton(AF_INET6, p->host, buf) == 1;

	/* Resolved once now, blocking, as bind is (gw_tcp_listen). */
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((r = evutil_getaddrinfo(p->host, NULL, &hints, &ai)) != 0) {
		if (p->numeric) {
			if (asprintf(cause, "clicon=%s: %s", p->host,
			    evutil_gai_strerror(r)) == -1)
				*cause = NULL;
			gw_clicon_release(p);
			return (NULL);
		}
		gw_log_warn("%s: clicon=%s does not resolve yet (%s); process "
		    "servers are refused until it does", p->label, p->host,
		    evutil_gai_strerror(r));
	} else {
		r = clicon_set_addrs(p, ai);
		evutil_freeaddrinfo(ai);
		if (r == -1) {
			*cause = strdup("out of memory");
			gw_clicon_release(p);
			return (NULL);
		}
	}
	event_base_gettimeofday_cached(base, &p->resolved);

	memset(&params, 0, sizeof params);
	params.spec = spec;
	params.name = name;
	p->listener = gw_tcp_listen(base, &params, clicon_pool_accept, p,
	    &addr, cause);
	if (p->listener == NULL) {
		gw_clicon_release(p);
		return (NULL);
	}
	if (asprintf(where, "process servers from %s on %s", p->host,
	    addr) == -1) {
		*where = NULL;
		*cause = strdup("out of memory");
		free(addr);
		gw_clicon_release(p);
		return (NULL);
	}
	free(addr);
	return (p);
}

void
gw_clicon_release(void *prepared)
{
	struct clicon_pool	*p = prepared;
	struct clicon_check	*c;
	struct clicon_resolve	*r;

	if (p == NULL)
		return;
	if (p->listener != NULL)
		gw_stream_listen_free(p->listener);
	while (!TAILQ_EMPTY(&p->idle))
		clicon_server_free(TAILQ_FIRST(&p->idle));
	while ((c = TAILQ_FIRST(&p->checks)) != NULL) {
		TAILQ_REMOVE(&p->checks, c, entry);
		evutil_closesocket(c->fd);
		free(c);
	}
	if ((r = p->resolve) != NULL) {
		/* Its callback frees it, now or later, and finds no pool. */
		r->p = NULL;
		p->resolve = NULL;
		if (r->req != NULL)
			evdns_getaddrinfo_cancel(r->req);
	}
	free(p->addrs);
	free(p->host);
	free(p->label);
	free(p);
}

void *
gw_clicon_connect(struct event_base *base, struct evdns_base *dns,
    const struct gw_spec *spec, const char *pipe_dir, void *prepared,
    gw_endpoint_connect_cb *cb, void *arg)
{
	struct clicon_pool		*p = prepared;
	struct clicon_server		*s;
	struct clicon_wait		*w;
	int				 err = 0;

	(void)dns;
	(void)spec;
	(void)pipe_dir;
	if (p == NULL || (w = calloc(1, sizeof *w)) == NULL)
		return (NULL);
	w->to.cb = cb;
	w->to.arg = arg;
	w->p = p;
	/* The oldest server link still there; dead ones are dropped. */
	while ((s = TAILQ_FIRST(&p->idle)) != NULL) {
		if (clicon_peek(s->fd, &err) == 0 || err != 0) {
			gw_log_info("%s: process server %s closed its link "
			    "while waiting for a client", p->label, s->peer);
			clicon_server_free(s);
			continue;
		}
		/* Handed to the session from the loop. */
		w->taken = gw_connect_outcome(base, s->fd, 0, "",
		    gw_connect_forward, w);
		if (w->taken == NULL) {
			free(w);
			return (NULL);
		}
		snprintf(w->peer, sizeof w->peer, "%s", s->peer);
		s->fd = -1;
		clicon_server_free(s);
		return (w);
	}
	w->queued = true;
	TAILQ_INSERT_TAIL(&p->waiters, w, entry);
	/* An operator watching the log sees why the client hears nothing. */
	gw_log_info("%s: no process server from %s has dialled in; a client "
	    "waits for one", p->label, p->host);
	return (w);
}

void
gw_clicon_connect_cancel(void *attempt)
{
	struct clicon_wait	*w = attempt;

	if (w == NULL)
		return;
	if (w->queued)
		TAILQ_REMOVE(&w->p->waiters, w, entry);
	/* A link taken but not delivered goes back for the next session. */
	if (w->taken != NULL)
		clicon_idle_add(w->p, gw_connect_outcome_cancel(w->taken),
		    w->peer);
	free(w);
}

/* The host awaited; the link, once there, names its address and port. */
static void
clicon_target(const struct gw_spec *spec, const char *pipe_dir, char *buf,
    size_t size)
{
	gw_tcp_target(spec, pipe_dir, buf, size);
	if (spec->clicon != NULL)
		snprintf(buf, size, "%s", spec->clicon);
}

/*
 * The clicon= endpoint of tcp and ssl (transport.c composes it with the
 * plain or the TLS stream): serving dials out (the dialler), connecting
 * waits for a process server that dialled in (the pool).
 */
const struct gw_endpoint_ops gw_endpoint_clicon = {
	.connect_verb = "waiting for a process server to dial in from",
	.connect_timeout_why = "no process server has dialled in",
	.where_join = ", ",
	.splice = true,
	.target = clicon_target,
	.listen = gw_clicon_listen,
	.listen_pause = gw_clicon_listen_pause,
	.listen_free = gw_clicon_listen_free,
	.connect_prepare = gw_clicon_prepare,
	.connect_release = gw_clicon_release,
	.connect = gw_clicon_connect,
	.connect_cancel = gw_clicon_connect_cancel,
};
