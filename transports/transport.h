/*
 * transport.h: the transport ops table and the socket plumbing shared by the
 * stream transports.
 *
 * A transport builds and configures bufferevents (design.md "Layout and house
 * style"); libevent does every byte of I/O.  Like Redis' connection.h, each
 * transport is a small documented ops struct; the relay never asks which
 * transport it holds.
 */
#ifndef GW_TRANSPORT_H
#define GW_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "transports/spec.h"

struct gw_tls_ctx;

struct gw_transport_ops {
	const char	*name;		/* "tcp", "ssl", ... */

	/*
	 * True when a new link must finish a handshake (BEV_EVENT_CONNECTED)
	 * before bytes may flow.
	 */
	bool		 handshake;

	/*
	 * Make a link's bufferevent over a connected (client side) or accepted
	 * (server side) socket.  fd: nonblocking stream socket; owned by the
	 * bufferevent on success (closed on free), still the caller's on
	 * failure.  tls: the route's context for TLS transports (NULL
	 * otherwise).  host: the peer's name on the connecting side, NULL on
	 * the serving side.  Returns the bufferevent, or NULL with a malloc'd
	 * *cause.
	 */
	struct bufferevent *(*link_new)(struct event_base *base,
			    evutil_socket_t fd, struct gw_tls_ctx *tls,
			    const char *host, char **cause);

	/*
	 * Half-close the write direction (TCP shutdown(2) SHUT_WR, TLS
	 * close_notify) once the output buffer is empty; reading goes on.
	 * Returns 0 or -1 (the link then ends with its session).
	 */
	int		(*half_close)(struct bufferevent *bev);

	/*
	 * Called after BEV_EVENT_EOF so the link can keep writing what is
	 * still owed to its peer (a half-closed peer still reads).  May be
	 * NULL.
	 */
	void		(*after_eof)(struct bufferevent *bev);

	/*
	 * Describe a TLS link: negotiated version and peer subject into the
	 * caller's buffers (sizes in bytes).  NULL for plain transports.
	 */
	void		(*describe)(struct bufferevent *bev, char *version,
			    size_t vsize, char *subject, size_t ssize);

	/*
	 * Why a link failed (BEV_EVENT_ERROR): a malloc'd string.  NULL for
	 * transports whose failures are the socket error alone.
	 */
	char		*(*error)(struct bufferevent *bev);
};

/*
 * The ops for a transport, or NULL when this build cannot carry it yet
 * (npipe, spipe, com).  For kdsrv, pass the inner spec's transport.
 */
const struct gw_transport_ops *gw_transport_ops(enum gw_spec_transport t);

/* The spec that says how bytes travel: the inner spec for kdsrv, else spec. */
const struct gw_spec *gw_transport_wire(const struct gw_spec *spec);

/*
 * "ADDR:PORT" (IPv6 as "[ADDR]:PORT", IPv4-mapped IPv6 as IPv4) into buf of
 * size bytes.  Returns buf.
 */
char	*gw_transport_sockaddr(const struct sockaddr *sa, char *buf, size_t size);

/*
 * Socket options every TCP link gets: TCP_NODELAY (design.md "The byte
 * stream": latency over batching).  Returns 0 or -1 with errno.
 */
int	 gw_tcp_tune(evutil_socket_t fd);

/*
 * Listen for a tcp / ssl server-side spec (WT §2.2, design.md): on bind (a
 * numeric address or a name resolved once, blocking, at start-up) or, when
 * bind is NULL, on every address (dual-stack [::], falling back to 0.0.0.0
 * where IPv6 is absent; ipversion=6 makes it IPv6 only).  A port range takes
 * the first free port.  cb gets each accepted nonblocking socket.
 * *port receives the port taken.  Returns a listener owned by the caller
 * (evconnlistener_free closes it), or NULL with a malloc'd *cause naming the
 * address and the error ("127.0.0.1:5005: Address already in use").
 */
struct evconnlistener *gw_tcp_listen(struct event_base *base,
	    const char *bind, const struct gw_spec *spec,
	    evconnlistener_cb cb, void *arg, uint16_t *port, char **cause);

/*
 * Outcome of a connect: fd >= 0 is a connected, tuned, nonblocking socket now
 * owned by the callback; fd == -1 is a failure with err (an errno value, or 0
 * when the name did not resolve) and a short static-or-transient message why
 * (valid during the call only).
 */
typedef void gw_tcp_connect_cb(evutil_socket_t fd, int err, const char *why,
	    void *arg);

struct gw_tcp_connect;

/*
 * Connect to host:port, trying every address the name resolves to (through
 * evdns) in turn, IPv6 only with ipv6only.  The callback runs exactly once,
 * never from inside this call, unless gw_tcp_connect_cancel comes first.
 * Timeouts are the caller's.  Returns the attempt, or NULL when out of memory.
 */
struct gw_tcp_connect *gw_tcp_connect_start(struct event_base *base,
	    struct evdns_base *dns, const char *host, uint16_t port,
	    bool ipv6only, gw_tcp_connect_cb *cb, void *arg);

/* Abandon an attempt: its callback will not run; its socket is closed. */
void	 gw_tcp_connect_cancel(struct gw_tcp_connect *c);

#endif /* GW_TRANSPORT_H */
