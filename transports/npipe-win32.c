/*
 * npipe-win32.c: PLACEHOLDER until the Windows named-pipe backend lands
 * (issue 13; another branch replaces this file).  npipe and spipe fail with
 * a cause that says so, on serve and on connect.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "transports/transport.h"

#define NPIPE_NOT_BUILT	"npipe: Windows named pipes are not built yet"

const char gw_npipe_remote_note[] = "";

int
gw_npipe_check(const struct gw_spec *spec, bool serve, const char *pipe_dir,
    char **cause)
{
	(void)spec;
	(void)serve;
	(void)pipe_dir;
	*cause = strdup(NPIPE_NOT_BUILT);
	return (-1);
}

void *
gw_npipe_listen(struct event_base *base, const struct gw_listen_params *params,
    gw_endpoint_accept_cb *accept, void *arg, char **where, char **cause)
{
	(void)base;
	(void)params;
	(void)accept;
	(void)arg;
	(void)where;
	*cause = strdup(NPIPE_NOT_BUILT);
	errno = 0;
	return (NULL);
}

void
gw_npipe_listen_pause(void *listener, bool pause)
{
	(void)listener;
	(void)pause;
}

void
gw_npipe_listen_free(void *listener)
{
	(void)listener;
}

void *
gw_npipe_connect(struct event_base *base, struct evdns_base *dns,
    const struct gw_spec *spec, const char *pipe_dir, void *prepared,
    gw_endpoint_connect_cb *cb, void *arg)
{
	(void)dns;
	(void)spec;
	(void)pipe_dir;
	(void)prepared;
	return (gw_connect_outcome(base, -1, ENOSYS, NPIPE_NOT_BUILT, cb, arg));
}

void
gw_npipe_connect_cancel(void *attempt)
{
	if (attempt != NULL)
		(void)gw_connect_outcome_cancel(attempt);
}

struct bufferevent *
gw_npipe_link_new(struct event_base *base, evutil_socket_t fd,
    struct gw_tls_ctx *tls, const char *host, char **cause)
{
	(void)base;
	(void)fd;
	(void)tls;
	(void)host;
	*cause = strdup(NPIPE_NOT_BUILT);
	return (NULL);
}

int
gw_npipe_half_close(struct bufferevent *bev)
{
	(void)bev;
	errno = ENOSYS;
	return (-1);
}
