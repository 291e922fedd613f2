/*
 * tls.c: the TLS stream of ssl and spipe, over a tcp or a Unix-domain socket
 * (doc/transports.md §2.2, §2.3; doc/design.md "proto=", "certuser= /
 * machuser=", "npipe off Windows").  The TLS work itself is in tls/.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "tls/tls.h"
#include "transports/transport.h"

#define SSL_MAX_SINGLE_IO	(256 * 1024)

static struct bufferevent *
ssl_link_new(struct event_base *base, evutil_socket_t fd,
    struct gw_tls_ctx *tls, const char *host, char **cause)
{
	struct bufferevent	*bev;

	if ((bev = gw_tls_bufferevent_new(tls, base, fd, host, cause)) == NULL)
		return (NULL);
	bufferevent_set_max_single_read(bev, SSL_MAX_SINGLE_IO);
	bufferevent_set_max_single_write(bev, SSL_MAX_SINGLE_IO);
	return (bev);
}

/* TLS over a socket: ssl, spipe and ssl with clicon= (transport.c). */
const struct gw_stream_ops gw_stream_tls = {
	.handshake = true,
	.link_new = ssl_link_new,
	.half_close = gw_tls_half_close,
	.abort = gw_socket_abort,
	.after_eof = gw_tls_resume_writing,
	.describe = gw_tls_describe,
	.error = gw_tls_error,
};
