/*
 * tls.c: the ssl and spipe transports, TLS over a tcp or a Unix-domain socket
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

const struct gw_transport_ops gw_transport_ssl = {
	.name = "ssl",
	.connect_verb = "dialling",
	.handshake = true,
	.no_eof = false,
	.listen = gw_tcp_listen,
	.listen_pause = gw_stream_listen_pause,
	.listen_free = gw_stream_listen_free,
	.connect_prepare = NULL,
	.connect_release = NULL,
	.connect = gw_tcp_connect,
	.connect_cancel = gw_tcp_connect_cancel,
	.link_new = ssl_link_new,
	.half_close = gw_tls_half_close,
	.after_eof = gw_tls_resume_writing,
	.describe = gw_tls_describe,
	.error = gw_tls_error,
};

/*
 * ssl with clicon= (clicon.c).  TLS roles follow the spec's side, not who
 * dials: a serve spec dials out and is the TLS server, a connect spec accepts
 * and is the TLS client (link_new takes the role from the route's context).
 */
const struct gw_transport_ops gw_transport_ssl_clicon = {
	.name = "ssl",
	.connect_verb = "waiting for a process server to dial in from",
	.handshake = true,
	.no_eof = false,
	.listen = gw_clicon_listen,
	.listen_pause = gw_clicon_listen_pause,
	.listen_free = gw_clicon_listen_free,
	.connect_prepare = gw_clicon_prepare,
	.connect_release = gw_clicon_release,
	.connect = gw_clicon_connect,
	.connect_cancel = gw_clicon_connect_cancel,
	.link_new = ssl_link_new,
	.half_close = gw_tls_half_close,
	.after_eof = gw_tls_resume_writing,
	.describe = gw_tls_describe,
	.error = gw_tls_error,
};

const struct gw_transport_ops gw_transport_spipe = {
	.name = "spipe",
	.connect_verb = "connecting to",
	.handshake = true,
	.no_eof = false,
	.remote_note = gw_npipe_remote_note,
	.listen = gw_npipe_listen,
	.listen_pause = gw_npipe_listen_pause,
	.listen_free = gw_npipe_listen_free,
	.connect = gw_npipe_connect,
	.connect_cancel = gw_npipe_connect_cancel,
	.link_new = ssl_link_new,
	.half_close = gw_tls_half_close,
	.after_eof = gw_tls_resume_writing,
	.describe = gw_tls_describe,
	.error = gw_tls_error,
};
