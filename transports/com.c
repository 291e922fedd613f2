/*
 * com.c: the com transport, what every platform shares (doc/design.md "com";
 * doc/transports.md §3.1 port=, baud=, channel=): the port number's form, the
 * check slot and the ops table.  The mechanism is the platform's
 * (doc/design.md "Platforms"): com-termios.c, a serial line under termios.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "transports/transport.h"

int
gw_com_port_number(const char *port, unsigned long *n)
{
	const char	*p = port;
	char		*end;

	if (strncasecmp(p, "com", 3) == 0)
		p += 3;
	if (*p < '0' || *p > '9')
		return (-1);
	errno = 0;
	*n = strtoul(p, &end, 10);
	if (errno != 0 || *end != '\0' || *n < 1 || *n > 256)
		return (-1);
	return (0);
}

/*
 * The check slot: baud= a rate this platform has and port= a form
 * gw_com_device maps.  Nothing is opened: whether the device exists is the
 * business of listen and connect.
 */
int
gw_com_check(const struct gw_spec *spec, char **cause)
{
	char	path[PATH_MAX];

	if (!gw_com_baud_ok(spec->baud)) {
		if (asprintf(cause, "com: baud=%u is not a rate this platform "
		    "supports", spec->baud) == -1)
			*cause = NULL;
		return (-1);
	}
	if (spec->com_port == NULL ||
	    gw_com_device(spec->com_port, path, sizeof path) == -1) {
		if (asprintf(cause, "com: port=%s must be comN or N (1-256) or "
		    "a device path starting with '/'", spec->com_port != NULL ?
		    spec->com_port : "") == -1)
			*cause = NULL;
		return (-1);
	}
	return (0);
}

/* The port= given: the device a session opens. */
static void
com_target(const struct gw_spec *spec, const char *pipe_dir, char *buf,
    size_t size)
{
	(void)pipe_dir;
	if (spec->com_port != NULL)
		snprintf(buf, size, "%s", spec->com_port);
}

/* The check slot: the same on both sides of a route. */
static int
com_check(const struct gw_spec *spec, bool serve, const char *pipe_dir,
    char **cause)
{
	(void)serve;
	(void)pipe_dir;
	return (gw_com_check(spec, cause));
}

/* A serial line: the endpoint of com, one session at a time. */
const struct gw_endpoint_ops gw_endpoint_com = {
	.connect_verb = "opening",
	.named_by_target = true,
	.one_session = true,
	.target = com_target,
	.check = com_check,
	.listen = gw_com_listen,
	.listen_pause = gw_com_listen_pause,
	.listen_free = gw_com_listen_free,
	.connect = gw_com_connect,
	.connect_cancel = gw_com_connect_cancel,
};

/* What a serial line carries: bytes with no end of stream. */
const struct gw_stream_ops gw_stream_serial = {
	.no_eof = true,
	.link_new = gw_com_link_new,
	.half_close = gw_com_half_close,
	.after_eof = gw_com_after_eof,
	.error = gw_com_error,
};
