/*
 * tcp.c: the tcp transport, and the listen / connect plumbing that ssl shares
 * (doc/transports.md §2.2, §2.3, §3.1; doc/design.md "Choices where the
 * debugger docs are silent").
 */
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

/* listen(2) backlog; Linux caps it at net.core.somaxconn (4096 by default). */
#define GW_TCP_BACKLOG		4096

/* Large reads and writes per callback: bulk transfers near line rate. */
#define TCP_MAX_SINGLE_IO	(256 * 1024)

int
gw_tcp_tune(evutil_socket_t fd)
{
	int	on = 1, rc = 0;

	rc |= setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, (void *)&on, sizeof on);
	rc |= setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, (void *)&on, sizeof on);
	rc |= gw_os_tcp_keepalive(fd, GW_TCP_KEEPIDLE_S, GW_TCP_KEEPINTVL_S,
	    GW_TCP_KEEPCNT);
	return (rc != 0 ? -1 : 0);
}

int
gw_socket_half_close(struct bufferevent *bev)
{
	return (shutdown(bufferevent_getfd(bev), SHUT_WR));
}

void
gw_socket_abort(struct bufferevent *bev)
{
	gw_os_socket_abort(bufferevent_getfd(bev));
}

void
gw_tcp_target(const struct gw_spec *spec, const char *pipe_dir, char *buf,
    size_t size)
{
	bool	v6;

	(void)pipe_dir;
	v6 = spec->server != NULL && strchr(spec->server, ':') != NULL;
	if (spec->server != NULL)
		snprintf(buf, size, "%s%s%s:%u", v6 ? "[" : "", spec->server,
		    v6 ? "]" : "", spec->port_lo);
}

/* Listening and dialling: the tcp endpoint of tcp and ssl. */
const struct gw_endpoint_ops gw_endpoint_tcp = {
	.connect_verb = "dialling",
	.splice = true,
	.target = gw_tcp_target,
	.listen = gw_tcp_listen,
	.listen_pause = gw_stream_listen_pause,
	.listen_free = gw_stream_listen_free,
	.connect = gw_tcp_connect,
	.connect_cancel = gw_tcp_connect_cancel,
};

/* The bytes as they are on a socket: tcp, and a tcp spec with clicon=. */
const struct gw_stream_ops gw_stream_socket = {
	.plain = true,
	.max_io = TCP_MAX_SINGLE_IO,
	.half_close = gw_socket_half_close,
	.abort = gw_socket_abort,
};

/* ---------------------------------------------------------------- listen */

static evutil_socket_t
tcp_bind_one(const struct sockaddr *sa, socklen_t salen, bool v6only, int *err)
{
	evutil_socket_t	fd;
	int		on = 1, off = 0;

	if ((fd = gw_os_stream_socket(sa->sa_family)) == -1) {
		*err = EVUTIL_SOCKET_ERROR();
		return (-1);
	}
	evutil_make_listen_socket_reuseable(fd);
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
		    (void *)(v6only ? &on : &off), sizeof on);
	/*
	 * The largest accept queue the kernel grants (net.core.somaxconn):
	 * with 511, a burst of clients connecting at once overflows it, and
	 * the SYN cookies that follow reset some of them and leave others
	 * half-open until keepalive finds them (tests/e2e/flood.sh).
	 */
	if (bind(fd, sa, salen) == -1 || listen(fd, GW_TCP_BACKLOG) == -1) {
		*err = EVUTIL_SOCKET_ERROR();
		evutil_closesocket(fd);
		return (-1);
	}
	return (fd);
}

static void
tcp_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

void *
gw_tcp_listen(struct event_base *base, const struct gw_listen_params *params,
    gw_endpoint_accept_cb *accept, void *arg, char **where_out,
    char **cause)
{
	const char		*bind_to = params->bind;
	const struct gw_spec	*spec = params->spec;
	struct sockaddr_storage	 ss;
	socklen_t		 salen;
	struct evutil_addrinfo	 hints, *ai = NULL;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct gw_stream_listener *l;
	evutil_socket_t		 fd = -1;
	unsigned		 p;
	int			 err = 0, r;
	char			 where[96];

	memset(&ss, 0, sizeof ss);
	if (bind_to != NULL) {
		memset(&hints, 0, sizeof hints);
		hints.ai_family = spec->ipv6 ? AF_INET6 : AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = EVUTIL_AI_PASSIVE;
		if ((r = evutil_getaddrinfo(bind_to, NULL, &hints, &ai)) != 0) {
			if (asprintf(cause, "bind %s: %s", bind_to,
			    evutil_gai_strerror(r)) == -1)
				*cause = NULL;
			return (NULL);
		}
		memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
		salen = ai->ai_addrlen;
		evutil_freeaddrinfo(ai);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_any;
		salen = sizeof *sin6;
	}
	for (p = spec->port_lo; p <= spec->port_hi; p++) {
		tcp_set_port(&ss, (uint16_t)p);
		fd = tcp_bind_one((struct sockaddr *)&ss, salen, spec->ipv6,
		    &err);
		if (fd == -1 && bind_to == NULL && !spec->ipv6 &&
		    gw_os_socket_errno(err) == EAFNOSUPPORT) {
			/* No IPv6 here: listen on every IPv4 address. */
			memset(&ss, 0, sizeof ss);
			sin->sin_family = AF_INET;
			sin->sin_addr.s_addr = htonl(INADDR_ANY);
			salen = sizeof *sin;
			p--;
			continue;
		}
		if (fd != -1 || gw_os_socket_errno(err) != EADDRINUSE)
			break;
	}
	if (fd == -1) {
		tcp_set_port(&ss, spec->port_lo);
		gw_transport_sockaddr((struct sockaddr *)&ss, where, sizeof where);
		r = spec->port_hi != spec->port_lo ?
		    asprintf(cause, "cannot listen on %s to port %u: no free "
		    "port: %s", where, spec->port_hi,
		    evutil_socket_error_to_string(err)) :
		    asprintf(cause, "cannot listen on %s: %s%s", where,
		    evutil_socket_error_to_string(err),
		    gw_os_socket_errno(err) == EADDRINUSE ?
		    " (another program listens there)" : "");
		if (r == -1)
			*cause = NULL;
		return (NULL);
	}
	gw_transport_sockaddr((struct sockaddr *)&ss, where, sizeof where);
	if ((l = gw_stream_listen(base, fd, true, where, accept, arg,
	    cause)) == NULL)
		return (NULL);
	if ((*where_out = strdup(where)) == NULL) {
		gw_stream_listen_free(l);
		*cause = strdup("out of memory");
		return (NULL);
	}
	return (l);
}

/* ---------------------------------------------------------------- connect */

struct gw_tcp_connect {
	struct event_base		*base;
	struct evdns_getaddrinfo_request *req;
	struct evutil_addrinfo		*ai_list;
	struct evutil_addrinfo		*ai_next;
	struct event			*ev;	/* the deferred step, then EV_WRITE */
	evutil_socket_t			 fd;
	int				 last_err;
	char				 why[160];
	bool				 resolved;
	bool				 cancelled;
	gw_endpoint_connect_cb			*cb;
	void				*arg;
};

static void	tcp_connect_step(evutil_socket_t, short, void *);

static void
tcp_connect_free(struct gw_tcp_connect *c)
{
	if (c->ev != NULL)
		event_free(c->ev);
	if (c->fd != -1)
		evutil_closesocket(c->fd);
	if (c->ai_list != NULL)
		evutil_freeaddrinfo(c->ai_list);
	free(c);
}

static void
tcp_connect_done(struct gw_tcp_connect *c, evutil_socket_t fd)
{
	gw_endpoint_connect_cb		*cb = c->cb;
	void			*arg = c->arg;
	int			 err = c->last_err;
	char			 why[sizeof c->why];

	memcpy(why, c->why, sizeof why);
	c->fd = -1;
	tcp_connect_free(c);
	cb(fd, fd == -1 ? err : 0, fd == -1 ? why : "", arg);
}

/* Defer the next step to the loop so callbacks never run re-entrantly. */
static void
tcp_connect_defer(struct gw_tcp_connect *c)
{
	static const struct timeval	now = { 0, 0 };

	if (c->ev != NULL)
		event_free(c->ev);
	c->ev = evtimer_new(c->base, tcp_connect_step, c);
	if (c->ev == NULL || evtimer_add(c->ev, &now) == -1) {
		snprintf(c->why, sizeof c->why, "out of memory");
		c->last_err = ENOMEM;
		tcp_connect_done(c, -1);
	}
}

static void
tcp_connect_resolved(int result, struct evutil_addrinfo *ai, void *arg)
{
	struct gw_tcp_connect	*c = arg;

	c->req = NULL;
	if (c->cancelled) {
		if (ai != NULL)
			evutil_freeaddrinfo(ai);
		tcp_connect_free(c);
		return;
	}
	c->resolved = true;
	if (result != 0) {
		snprintf(c->why, sizeof c->why, "cannot resolve: %s",
		    evutil_gai_strerror(result));
		c->last_err = 0;
	}
	c->ai_list = c->ai_next = ai;
	tcp_connect_defer(c);
}

static void
tcp_connect_step(evutil_socket_t fd, short what, void *arg)
{
	struct gw_tcp_connect	*c = arg;
	struct evutil_addrinfo	*ai;
	socklen_t		 len = sizeof c->last_err;
	int			 err = 0;

	if (what & EV_WRITE) {
		/* A connect in progress finished. */
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, (void *)&err,
		    &len) == -1)
			err = EVUTIL_SOCKET_ERROR();
		if (err == 0) {
			tcp_connect_done(c, fd);
			return;
		}
		c->last_err = gw_os_socket_errno(err);
		snprintf(c->why, sizeof c->why, "%s",
		    evutil_socket_error_to_string(err));
		evutil_closesocket(c->fd);
		c->fd = -1;
	}
	while ((ai = c->ai_next) != NULL) {
		c->ai_next = ai->ai_next;
		c->fd = gw_os_stream_socket(ai->ai_family);
		if (c->fd == -1) {
			err = EVUTIL_SOCKET_ERROR();
			c->last_err = gw_os_socket_errno(err);
			snprintf(c->why, sizeof c->why, "%s",
			    evutil_socket_error_to_string(err));
			continue;
		}
		if (gw_tcp_tune(c->fd) == -1)
			gw_log_debug("tcp: socket options: %s",
			    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			tcp_connect_done(c, c->fd);
			return;
		}
		err = EVUTIL_SOCKET_ERROR();
		if (gw_os_connect_pending(err)) {
			event_free(c->ev);
			c->ev = event_new(c->base, c->fd, EV_WRITE,
			    tcp_connect_step, c);
			if (c->ev != NULL && event_add(c->ev, NULL) == 0)
				return;
			c->last_err = ENOMEM;
			snprintf(c->why, sizeof c->why, "%s", strerror(ENOMEM));
		} else {
			c->last_err = gw_os_socket_errno(err);
			snprintf(c->why, sizeof c->why, "%s",
			    evutil_socket_error_to_string(err));
		}
		evutil_closesocket(c->fd);
		c->fd = -1;
	}
	if (c->why[0] == '\0')
		snprintf(c->why, sizeof c->why, "no address to connect to");
	tcp_connect_done(c, -1);
}

void *
gw_tcp_connect(struct event_base *base, struct evdns_base *dns,
    const struct gw_spec *spec, const char *pipe_dir, void *prepared,
    gw_endpoint_connect_cb *cb, void *arg)
{
	struct gw_dial_params	params;

	(void)pipe_dir;
	(void)prepared;
	params.host = spec->server;
	params.port = spec->port_lo;
	params.ipv6 = spec->ipv6;
	return (gw_tcp_dial(base, dns, &params, cb, arg));
}

void *
gw_tcp_dial(struct event_base *base, struct evdns_base *dns,
    const struct gw_dial_params *params, gw_endpoint_connect_cb *cb,
    void *arg)
{
	struct gw_tcp_connect	*c;
	struct evutil_addrinfo	 hints;
	struct evdns_getaddrinfo_request *req;
	char			 service[8];

	if ((c = calloc(1, sizeof *c)) == NULL)
		return (NULL);
	c->base = base;
	c->fd = -1;
	c->cb = cb;
	c->arg = arg;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = params->ipv6 ? AF_INET6 : AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	snprintf(service, sizeof service, "%u", params->port);
	req = evdns_getaddrinfo(dns, params->host, service, &hints,
	    tcp_connect_resolved, c);
	/* A numeric host resolves inside the call: req is then NULL. */
	if (!c->resolved)
		c->req = req;
	return (c);
}

void
gw_tcp_connect_cancel(void *attempt)
{
	struct gw_tcp_connect	*c = attempt;

	if (c == NULL)
		return;
	if (c->req != NULL) {
		/* The resolver calls back with EVUTIL_EAI_CANCEL and we free. */
		c->cancelled = true;
		evdns_getaddrinfo_cancel(c->req);
		return;
	}
	tcp_connect_free(c);
}
