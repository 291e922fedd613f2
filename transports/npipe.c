/*
 * npipe.c: the npipe transport, what every platform shares: the pipe name's
 * rules (doc/transports.md §3.1 "pipe=": the first format code becomes the
 * process id, a second the thread id) and the ops table.  The mechanism is
 * the platform's (doc/design.md "Platforms"): npipe-unix.c, a Unix-domain
 * stream socket named pipe_dir/NAME (doc/design.md "npipe off Windows"), or
 * npipe-win32.c, a real named pipe (doc/design.md "Windows handles").
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "osdep/osdep.h"
#include "transports/transport.h"

/* Per read and write callback of a link: a local pipe runs fast. */
#define NPIPE_MAX_SINGLE_IO	(256 * 1024)

/* server=. is this machine: its host name is what a certificate shows. */
static const char *
npipe_local_name(const struct gw_spec *spec, char *buf, size_t size)
{
	if (spec->server == NULL || strcmp(spec->server, ".") != 0)
		return (NULL);
	if (gethostname(buf, size) != 0 || buf[0] == '\0')
		snprintf(buf, size, "localhost");
	buf[size - 1] = '\0';
	return (buf);
}

int
gw_npipe_name(const char *name, bool expand, char *out, size_t size,
    char **cause)
{
	/* The grammar's rule (spec.h): what -n and `spec` refuse, we refuse. */
	if (gw_spec_pipe_check(name, expand ? GW_SPEC_SERVER : GW_SPEC_CLIENT,
	    cause) == -1) {
		if (*cause == NULL)
			*cause = strdup("out of memory");
		return (-1);
	}
	if (!expand)
		snprintf(out, size, "%s", name);
	else if (gw_spec_pipe_expand(name, gw_os_pid(), out, size) == -1) {
		if (asprintf(cause, "pipe name '%s' does not expand", name) == -1)
			*cause = NULL;
		return (-1);
	}
	return (0);
}

/* A local pipe: the endpoint of npipe and spipe. */
const struct gw_endpoint_ops gw_endpoint_npipe = {
	.connect_verb = "connecting to",
	.remote_note = gw_npipe_remote_note,
	.named_by_target = true,
	.target = gw_npipe_target,
	.check = gw_npipe_check,
	.listen = gw_npipe_listen,
	.listen_pause = gw_npipe_listen_pause,
	.listen_free = gw_npipe_listen_free,
	.connect = gw_npipe_connect,
	.connect_cancel = gw_npipe_connect_cancel,
	.in_pipe_dir = true,
	.local_name = npipe_local_name,
};

/*
 * The bytes as they are on a pipe: npipe.  No abort: off Windows a pipe is a
 * Unix-domain socket, which has no reset (doc/design.md "npipe off Windows"),
 * and a Windows pipe has none either (doc/design.md "Windows handles").  On
 * every platform the link is a socket (on Windows a pump's,
 * osdep/pump-win32.h), so the default link_new and gw_socket_half_close
 * serve: on Windows the pump reads the half-close as the session's end,
 * writes what it took, waits for the other end to read it and closes the
 * pipe.
 */
const struct gw_stream_ops gw_stream_npipe = {
	.plain = true,
	.max_io = NPIPE_MAX_SINGLE_IO,
	.half_close = gw_socket_half_close,
};
