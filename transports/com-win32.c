/*
 * com-win32.c: PLACEHOLDER until the Windows serial-port backend lands
 * (issue 13; another branch replaces this file).  com fails with a cause
 * that says so, on serve and on connect.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transports/transport.h"

#define COM_NOT_BUILT	"com: Windows serial ports are not built yet"

bool
gw_com_baud_ok(unsigned baud)
{
	return (baud > 0);
}

int
gw_com_device(const char *port, char *buf, size_t size)
{
	unsigned long	n;

	if (gw_com_port_number(port, &n) == -1)
		return (-1);
	return (snprintf(buf, size, "\\\\.\\COM%lu", n) >= (int)size ? -1 : 0);
}

void *
gw_com_listen(struct event_base *base, const struct gw_listen_params *params,
    gw_endpoint_accept_cb *accept, void *arg, char **where, char **cause)
{
	(void)base;
	(void)params;
	(void)accept;
	(void)arg;
	(void)where;
	*cause = strdup(COM_NOT_BUILT);
	return (NULL);
}

void
gw_com_listen_pause(void *listener, bool pause)
{
	(void)listener;
	(void)pause;
}

void
gw_com_listen_free(void *listener)
{
	(void)listener;
}

void *
gw_com_connect(struct event_base *base, struct evdns_base *dns,
    const struct gw_spec *spec, const char *pipe_dir, void *prepared,
    gw_endpoint_connect_cb *cb, void *arg)
{
	(void)dns;
	(void)spec;
	(void)pipe_dir;
	(void)prepared;
	return (gw_connect_outcome(base, -1, ENOSYS, COM_NOT_BUILT, cb, arg));
}

void
gw_com_connect_cancel(void *attempt)
{
	if (attempt != NULL)
		(void)gw_connect_outcome_cancel(attempt);
}

struct bufferevent *
gw_com_link_new(struct event_base *base, evutil_socket_t fd,
    struct gw_tls_ctx *tls, const char *host, char **cause)
{
	(void)base;
	(void)fd;
	(void)tls;
	(void)host;
	*cause = strdup(COM_NOT_BUILT);
	return (NULL);
}

int
gw_com_half_close(struct bufferevent *bev)
{
	(void)bev;
	return (0);
}

void
gw_com_after_eof(struct bufferevent *bev)
{
	(void)bev;
}

char *
gw_com_error(struct bufferevent *bev)
{
	(void)bev;
	return (NULL);
}
