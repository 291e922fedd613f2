/* transport.c: the ops table and shared helpers.  See transport.h. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

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
 * Where a link comes from, composed with what it carries, by the spec's
 * transport.  kdsrv has no row: it is no wire transport of its own.
 */
static const struct gw_transport_ops transport_table[] = {
	[GW_SPEC_TCP] = { "tcp", &gw_endpoint_tcp, &gw_stream_socket },
	[GW_SPEC_SSL] = { "ssl", &gw_endpoint_tcp, &gw_stream_tls },
	[GW_SPEC_NPIPE] = { "npipe", &gw_endpoint_npipe, &gw_stream_npipe },
	[GW_SPEC_SPIPE] = { "spipe", &gw_endpoint_npipe, &gw_stream_tls },
	[GW_SPEC_COM] = { "com", &gw_endpoint_com, &gw_stream_serial },
};

/*
 * clicon=: the same links, reached the other way round.  TLS roles follow the
 * spec's side, not who dials: a serve spec dials out and is the TLS server, a
 * connect spec accepts and is the TLS client (link_new takes the role from
 * the route's context).
 */
static const struct gw_transport_ops transport_clicon_table[] = {
	[GW_SPEC_TCP] = { "tcp", &gw_endpoint_clicon, &gw_stream_socket },
	[GW_SPEC_SSL] = { "ssl", &gw_endpoint_clicon, &gw_stream_tls },
};

/* The row for t in table (n rows), or NULL where it has none. */
static const struct gw_transport_ops *
transport_row(const struct gw_transport_ops *table, size_t n,
    enum gw_spec_transport t)
{
	if ((size_t)t >= n || table[t].name == NULL)
		return (NULL);
	return (&table[t]);
}

const struct gw_transport_ops *
gw_transport_ops(enum gw_spec_transport t)
{
	return (transport_row(transport_table, sizeof transport_table /
	    sizeof transport_table[0], t));
}

const struct gw_transport_ops *
gw_transport_ops_for(const struct gw_spec *spec)
{
	const struct gw_transport_ops	*ops = NULL;

	if (spec->clicon != NULL)
		ops = transport_row(transport_clicon_table,
		    sizeof transport_clicon_table /
		    sizeof transport_clicon_table[0], spec->transport);
	return (ops != NULL ? ops : gw_transport_ops(spec->transport));
}

/* ------------------------------------------------------- connections */

struct gw_transport_listener {
	const struct gw_transport_ops	*ops;
	struct event_base		*base;
	void				*inner;		/* ops->listen's */
	struct gw_tls_ctx *const	*tls;
	gw_accept_cb			*accept;
	void				*arg;
};

struct bufferevent *
gw_transport_link_new(const struct gw_transport_ops *ops,
    struct event_base *base, evutil_socket_t fd, struct gw_tls_ctx *tls,
    const char *host, char **cause)
{
	if (ops->stream->link_new != NULL)
		return (ops->stream->link_new(base, fd, tls, host, cause));
	return (gw_stream_link_new(base, fd, ops->stream->max_io, cause));
}

/*
 * A link's bufferevent (gw_transport_link_new) into conn->bev.  On failure
 * fd is closed and conn->link_error says why.  Returns 0 or -1.
 */
static int
transport_link_new(const struct gw_transport_ops *ops,
    struct event_base *base, evutil_socket_t fd, struct gw_tls_ctx *tls,
    const char *host, struct gw_conn *conn)
{
	conn->bev = gw_transport_link_new(ops, base, fd, tls, host,
	    &conn->link_error);
	if (conn->bev != NULL)
		return (0);
	evutil_closesocket(fd);
	if (conn->link_error == NULL)
		conn->link_error = strdup("out of memory");
	return (-1);
}

int
gw_conn_open(struct gw_conn *conn)
{
	struct gw_transport_listener	*tl = conn->owner;
	evutil_socket_t			 fd = conn->link;

	if (fd == -1)
		return (conn->bev != NULL ? 0 : -1);
	conn->link = -1;
	return (transport_link_new(tl->ops, tl->base, fd, tl->tls != NULL ?
	    *tl->tls : NULL, NULL, conn));
}

void
gw_conn_close(struct gw_conn *conn)
{
	if (conn->link != -1)
		evutil_closesocket(conn->link);
	conn->link = -1;
}

evutil_socket_t
gw_conn_descriptor(const struct gw_conn *conn)
{
	return (conn->link);
}

static void
transport_accepted(evutil_socket_t fd, const char *peer,
    const struct sockaddr *sa, void *arg)
{
	struct gw_transport_listener	*tl = arg;
	struct gw_conn			 conn;

	memset(&conn, 0, sizeof conn);
	conn.ops = tl->ops;
	conn.peer = peer;
	conn.sa = sa;
	conn.link = fd;
	conn.owner = tl;
	tl->accept(&conn, tl->arg);
	gw_conn_close(&conn);
	free(conn.link_error);
}

struct gw_transport_listener *
gw_transport_listen(const struct gw_transport_ops *ops,
    struct event_base *base, const struct gw_listen_params *params,
    struct gw_tls_ctx *const *tls, gw_accept_cb *accept, void *arg,
    char **where, char **cause)
{
	struct gw_transport_listener	*tl;
	int				 saved;

	if ((tl = calloc(1, sizeof *tl)) == NULL) {
		*cause = strdup("out of memory");
		return (NULL);
	}
	tl->ops = ops;
	tl->base = base;
	tl->tls = tls;
	tl->accept = accept;
	tl->arg = arg;
	if ((tl->inner = ops->endpoint->listen(base, params,
	    transport_accepted, tl, where, cause)) == NULL) {
		saved = errno;	/* EADDRINUSE: a live process has the name */
		free(tl);
		errno = saved;
		return (NULL);
	}
	return (tl);
}

void
gw_transport_listen_pause(struct gw_transport_listener *tl, bool pause)
{
	if (tl != NULL && tl->ops->endpoint->listen_pause != NULL)
		tl->ops->endpoint->listen_pause(tl->inner, pause);
}

void
gw_transport_listen_free(struct gw_transport_listener *tl)
{
	if (tl == NULL)
		return;
	tl->ops->endpoint->listen_free(tl->inner);
	free(tl);
}

struct gw_transport_attempt {
	const struct gw_transport_ops	*ops;
	struct event_base		*base;
	void				*inner;		/* ops->connect's */
	struct gw_tls_ctx		*tls;
	char				*host;
	gw_connect_cb			*cb;
	void				*arg;
};

static void
transport_connected(evutil_socket_t fd, int err, const char *why, void *arg)
{
	struct gw_transport_attempt	*ta = arg;
	struct gw_conn			 conn;
	struct sockaddr_storage		 ss;
	socklen_t			 len = sizeof ss;
	char				 peer[64];

	ta->inner = NULL;
	if (fd == -1) {
		ta->cb(NULL, err, why, ta->arg);
		goto out;
	}
	memset(&conn, 0, sizeof conn);
	conn.ops = ta->ops;
	conn.link = -1;
	/*
	 * A pipe or a device keeps the name it was given before the attempt,
	 * also where its link is a socket pair to a pump (Windows).
	 */
	if (!ta->ops->endpoint->named_by_target &&
	    getpeername(fd, (struct sockaddr *)&ss, &len) == 0 &&
	    (ss.ss_family == AF_INET || ss.ss_family == AF_INET6))
		conn.peer = gw_transport_sockaddr((struct sockaddr *)&ss, peer,
		    sizeof peer);
	(void)transport_link_new(ta->ops, ta->base, fd, ta->tls, ta->host,
	    &conn);
	ta->cb(&conn, 0, NULL, ta->arg);
	free(conn.link_error);
out:
	free(ta->host);
	free(ta);
}

struct gw_transport_attempt *
gw_transport_connect(const struct gw_transport_ops *ops,
    struct event_base *base, struct evdns_base *dns,
    const struct gw_spec *spec, const char *pipe_dir, void *prepared,
    struct gw_tls_ctx *tls, const char *host, gw_connect_cb *cb, void *arg)
{
	struct gw_transport_attempt	*ta;

	if ((ta = calloc(1, sizeof *ta)) == NULL)
		return (NULL);
	ta->ops = ops;
	ta->base = base;
	ta->tls = tls;
	ta->cb = cb;
	ta->arg = arg;
	if ((host != NULL && (ta->host = strdup(host)) == NULL) ||
	    (ta->inner = ops->endpoint->connect(base, dns, spec, pipe_dir,
	    prepared, transport_connected, ta)) == NULL) {
		gw_transport_connect_cancel(ta);	/* nothing in flight */
		return (NULL);
	}
	return (ta);
}

void
gw_transport_connect_cancel(struct gw_transport_attempt *ta)
{
	if (ta == NULL)
		return;
	if (ta->inner != NULL)
		ta->ops->endpoint->connect_cancel(ta->inner);
	free(ta->host);
	free(ta);
}

/* ---------------------------------------------------------------- listen */

struct gw_stream_listener {
	struct evconnlistener	*evl;
	struct event		*resume;	/* accepting paused: EMFILE */
	struct gw_log_limit	 warn;		/* accept(2) failures */
	bool			 tcp;
	bool			 paused;	/* by the owner */
	char			*name;
	gw_endpoint_accept_cb		*accept;
	void			*arg;
};

static void
stream_accept(struct evconnlistener *evl, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct gw_stream_listener	*l = arg;
	char				 peer[64];

	(void)evl;
	(void)salen;
	if (!l->tcp) {
		l->accept(fd, l->name, NULL, l->arg);
		return;
	}
	/* Linux: inherited from the listener (gw_stream_listen). */
	if (!gw_os_accept_inherits() && gw_tcp_tune(fd) == -1)
		gw_log_debug("%s: socket options: %s", l->name,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	l->accept(fd, gw_transport_sockaddr(sa, peer, sizeof peer), sa, l->arg);
}

static void
stream_resume(evutil_socket_t fd, short what, void *arg)
{
	struct gw_stream_listener	*l = arg;

	(void)fd;
	(void)what;
	if (!l->paused)
		evconnlistener_enable(l->evl);
}

/*
 * accept(2) failed.  Out of descriptors or memory: pause rather than spin on
 * a listener that stays readable.  The warning comes back with every pause
 * while the shortage lasts: rate-limited (gw_log_limited), once per
 * GW_LOG_LIMIT_MS with a count of the ones held back.
 */
static void
stream_accept_error(struct evconnlistener *evl, void *arg)
{
	struct gw_stream_listener	*l = arg;
	int				 err = EVUTIL_SOCKET_ERROR();

	gw_log_limited(&l->warn, GW_LOG_WARN, "%s: accept: %s", l->name,
	    evutil_socket_error_to_string(err));
	err = gw_os_socket_errno(err);	/* WSAEMFILE is EMFILE, ... */
	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
		return;
	evconnlistener_disable(evl);
	gw_timer_add_ms(l->resume, GW_LISTEN_PAUSE_MS);
}

struct gw_stream_listener *
gw_stream_listen(struct event_base *base, evutil_socket_t fd, bool tcp,
    const char *name, gw_endpoint_accept_cb *accept, void *arg, char **cause)
{
	struct gw_stream_listener	*l;

	if ((l = calloc(1, sizeof *l)) == NULL ||
	    (l->name = strdup(name)) == NULL ||
	    (l->resume = evtimer_new(base, stream_resume, l)) == NULL ||
	    gw_log_limit_init(&l->warn, base) == -1) {
		if (l != NULL) {
			if (l->resume != NULL)
				event_free(l->resume);
			free(l->name);
		}
		free(l);
		evutil_closesocket(fd);
		*cause = strdup("out of memory");
		return (NULL);
	}
	/*
	 * On Linux an accepted socket is a clone of its listener and keeps
	 * these options (net/ipv4/inet_connection_sock.c, inet_csk_clone_lock;
	 * tests/e2e/keepalive.sh checks it): five system calls fewer for each
	 * session.  Elsewhere stream_accept sets them on every socket.
	 */
	if (tcp && gw_tcp_tune(fd) == -1)
		gw_log_debug("%s: socket options: %s", name,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	l->tcp = tcp;
	l->accept = accept;
	l->arg = arg;
	l->evl = evconnlistener_new(base, stream_accept, l,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (l->evl == NULL) {
		evutil_closesocket(fd);
		gw_log_limit_free(&l->warn);
		event_free(l->resume);
		free(l->name);
		free(l);
		*cause = strdup("cannot make a listener");
		return (NULL);
	}
	evconnlistener_set_error_cb(l->evl, stream_accept_error);
	return (l);
}

void
gw_stream_listen_pause(void *listener, bool pause)
{
	struct gw_stream_listener	*l = listener;

	l->paused = pause;
	if (pause)
		evconnlistener_disable(l->evl);
	else
		evconnlistener_enable(l->evl);
}

void
gw_stream_listen_free(void *listener)
{
	struct gw_stream_listener	*l = listener;

	if (l == NULL)
		return;
	evconnlistener_free(l->evl);
	event_free(l->resume);
	gw_log_limit_free(&l->warn);
	free(l->name);
	free(l);
}

/* ---------------------------------------------------------------- links */

struct bufferevent *
gw_stream_link_new(struct event_base *base, evutil_socket_t fd,
    size_t max_io, char **cause)
{
	struct bufferevent	*bev;

	if ((bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE)) ==
	    NULL) {
		*cause = strdup("cannot make a bufferevent");
		return (NULL);
	}
	bufferevent_set_max_single_read(bev, max_io);
	bufferevent_set_max_single_write(bev, max_io);
	return (bev);
}

/* ---------------------------------------------------------------- connect */

struct gw_connect_outcome {
	struct event	*ev;
	evutil_socket_t	 fd;
	int		 err;
	gw_endpoint_connect_cb	*cb;
	void		*arg;
	char		 why[];
};

static void
connect_outcome_deliver(evutil_socket_t fd, short what, void *arg)
{
	struct gw_connect_outcome	*o = arg;

	(void)fd;
	(void)what;
	event_free(o->ev);
	o->cb(o->fd, o->err, o->why, o->arg);
	free(o);
}

struct gw_connect_outcome *
gw_connect_outcome(struct event_base *base, evutil_socket_t fd, int err,
    const char *why, gw_endpoint_connect_cb *cb, void *arg)
{
	static const struct timeval	 now = { 0, 0 };
	struct gw_connect_outcome	*o;
	size_t				 len;

	if (why == NULL)
		why = "";
	len = strlen(why) + 1;
	if ((o = calloc(1, sizeof *o + len)) == NULL)
		return (NULL);
	o->fd = fd;
	o->err = err;
	o->cb = cb;
	o->arg = arg;
	memcpy(o->why, why, len);
	if ((o->ev = evtimer_new(base, connect_outcome_deliver, o)) == NULL ||
	    evtimer_add(o->ev, &now) == -1) {
		if (o->ev != NULL)
			event_free(o->ev);
		free(o);
		return (NULL);
	}
	return (o);
}

evutil_socket_t
gw_connect_outcome_cancel(struct gw_connect_outcome *o)
{
	evutil_socket_t	fd;

	if (o == NULL)
		return (-1);
	fd = o->fd;
	event_free(o->ev);
	free(o);
	return (fd);
}

void
gw_connect_forward(evutil_socket_t fd, int err, const char *why, void *arg)
{
	struct gw_connect_to	 to = *(struct gw_connect_to *)arg;

	free(arg);
	to.cb(fd, fd == -1 ? err : 0, why, to.arg);
}

/* ---------------------------------------------------------------- timers */

int
gw_timer_add_ms(struct event *ev, unsigned ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return (evtimer_add(ev, &tv));
}

unsigned
gw_backoff_next(unsigned prev_ms, unsigned first_ms, unsigned max_ms)
{
	if (prev_ms == 0)
		return (first_ms);
	return (prev_ms > max_ms / 2 ? max_ms : prev_ms * 2);
}

const struct gw_spec *
gw_transport_wire(const struct gw_spec *spec)
{
	return (spec->transport == GW_SPEC_KDSRV ? spec->inner : spec);
}

char *
gw_transport_sockaddr(const struct sockaddr *sa, char *buf, size_t size)
{
	const struct sockaddr_in6	*sin6;
	const struct sockaddr_in	*sin;
	char				 a[64];

	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)sa;
		evutil_inet_ntop(AF_INET, &sin->sin_addr, a, sizeof a);
		snprintf(buf, size, "%s:%u", a, ntohs(sin->sin_port));
		break;
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			evutil_inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12],
			    a, sizeof a);
			snprintf(buf, size, "%s:%u", a, ntohs(sin6->sin6_port));
		} else {
			evutil_inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof a);
			snprintf(buf, size, "[%s]:%u", a,
			    ntohs(sin6->sin6_port));
		}
		break;
	default:
		snprintf(buf, size, "local");
		break;
	}
	return (buf);
}
