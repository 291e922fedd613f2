/*
 * npipe-win32.c: the npipe transport's mechanism on Windows: real named
 * pipes (doc/design.md "Windows handles"; doc/transports.md §2.2
 * npipe-listen / spipe-listen, §2.3 npipe-connect / spipe-connect, §3.1
 * pipe=, server=).  The name's rules and the ops table are npipe.c's; this
 * file is the platform's part of them (doc/design.md "Platforms").
 *
 * A route serves \\.\pipe\NAME (NAME with its %d / %x codes expanded to the
 * process id, gw_npipe_name) and a client spec opens \\HOST\pipe\NAME, "."
 * being this machine.  Each pipe reaches the core as the socket of a pump
 * (osdep/pump-win32.h), so the stream is a plain socket stream and spipe is
 * the TLS stream over that socket, as ssl is over tcp.  pipe_dir, pipe_mode
 * and pipe_group, which place and protect a Unix-domain socket, have no
 * meaning here: the pipe's security descriptor admits this account,
 * Administrators and SYSTEM (osdep/pipe-win32.h).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <winsock2.h>
#include <windows.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "gateway/log.h"
#include "osdep/pipe-win32.h"
#include "transports/transport.h"

/* The whole name, \\HOST\pipe\NAME, at most (Win32 "Pipe Names"). */
#define NPIPE_PATH_MAX		256

/* pipe_mode's default (config/keys.c): another is a setting to warn of. */
#define NPIPE_MODE_DEFAULT	0600

/* How often a listener's thread is asked for warnings to log. */
#define NPIPE_WARN_MS		1000

/* server= as the host part of a pipe path: "." for this machine. */
static const char *
npipe_host(const char *server)
{
	if (server == NULL || strcmp(server, ".") == 0 ||
	    strcasecmp(server, "localhost") == 0)
		return (".");
	return (server);
}

/*
 * \\HOST\pipe\NAME into out (size bytes), NAME expanded on the serving side.
 * The pipe part may hold any character but '\' (Win32 "Pipe Names"); the
 * grammar already refuses '/', blanks and quotes.  Returns 0, or -1 with a
 * malloc'd *cause.
 */
static int
npipe_win_path(const char *host, const char *name, bool expand, char *out,
    size_t size, char **cause)
{
	char	expanded[GW_SPEC_PIPE_MAX + 16];
	int	n;

	if (gw_npipe_name(name, expand, expanded, sizeof expanded, cause) == -1)
		return (-1);
	if (strchr(expanded, '\\') != NULL) {
		if (asprintf(cause, "pipe name '%s' may not contain '\\'",
		    expanded) == -1)
			*cause = NULL;
		return (-1);
	}
	n = snprintf(out, size, "\\\\%s\\pipe\\%s", host, expanded);
	if (n < 0 || (size_t)n >= size || n > NPIPE_PATH_MAX) {
		if (asprintf(cause, "pipe path too long: \\\\%s\\pipe\\%s, at "
		    "most %d characters", host, expanded, NPIPE_PATH_MAX) == -1)
			*cause = NULL;
		return (-1);
	}
	return (0);
}

/* On Windows pipe_dir places nothing: the path is the pipe's own. */
int
gw_npipe_path(const char *dir, const char *name, bool expand, char *out,
    size_t size, char **cause)
{
	(void)dir;
	return (npipe_win_path(".", name, expand, out, size, cause));
}

/*
 * The check slot: the name's rule and the whole path's length; any host may
 * serve a pipe (a remote one is reached over SMB, as the debugger does).
 */
int
gw_npipe_check(const struct gw_spec *spec, bool serve, const char *pipe_dir,
    char **cause)
{
	char	path[NPIPE_PATH_MAX + 1];

	(void)pipe_dir;
	if (npipe_win_path(serve ? "." : npipe_host(spec->server), spec->pipe,
	    serve, path, sizeof path, cause) == -1) {
		if (*cause == NULL)
			*cause = strdup("out of memory");
		return (-1);
	}
	return (0);
}

/* The target slot: \\HOST\pipe\NAME as the client names it. */
void
gw_npipe_target(const struct gw_spec *spec, const char *pipe_dir, char *buf,
    size_t size)
{
	(void)pipe_dir;
	if (spec->pipe != NULL)
		snprintf(buf, size, "\\\\%s\\pipe\\%s",
		    npipe_host(spec->server), spec->pipe);
}

/* ---------------------------------------------------------------- listen */

struct npipe_listener {
	struct gw_win_pipe_listener	*wl;
	struct event			*warn;	/* timer: thread warnings */
	char				*path;
	gw_endpoint_accept_cb		*accept;
	void				*arg;
};

static void
npipe_accepted(evutil_socket_t fd, void *arg)
{
	struct npipe_listener	*l = arg;

	l->accept(fd, l->path, NULL, l->arg);
}

static void
npipe_warnings(evutil_socket_t fd, short what, void *arg)
{
	struct npipe_listener	*l = arg;
	char			*w;

	(void)fd;
	(void)what;
	if ((w = gw_win_pipe_listen_warning(l->wl)) != NULL) {
		gw_log_warn("%s", w);
		free(w);
	}
}

/*
 * The listen slot: \\.\pipe\NAME, reachable from other machines as the
 * debugger's npipe is (params->pipe_local, the control pipe's, rejects remote
 * clients), with the default security descriptor (gw_win_pipe_listen).  A
 * name another process serves is refused with errno EADDRINUSE, as bind(2)'s
 * EADDRINUSE is on Unix (transport.h).
 */
void *
gw_npipe_listen(struct event_base *base, const struct gw_listen_params *params,
    gw_endpoint_accept_cb *accept, void *arg, char **where,
    char **cause)
{
	struct npipe_listener	*l;
	struct timeval		 tv = { 0, NPIPE_WARN_MS * 1000 };
	char			 path[NPIPE_PATH_MAX + 1];
	int			 err;

	*cause = NULL;
	if (npipe_win_path(".", params->pipe, true, path, sizeof path,
	    cause) == -1) {
		errno = 0;
		return (NULL);
	}
	if (params->pipe_group != NULL ||
	    (params->pipe_mode != 0 && params->pipe_mode != NPIPE_MODE_DEFAULT))
		gw_log_warn("%s: pipe_mode and pipe_group have no meaning on "
		    "Windows: the pipe admits this account, Administrators and "
		    "SYSTEM", path);
	if ((l = calloc(1, sizeof *l)) == NULL ||
	    (l->path = strdup(path)) == NULL ||
	    (*where = strdup(path)) == NULL) {
		if (l != NULL)
			free(l->path);
		free(l);
		*cause = strdup("out of memory");
		errno = 0;
		return (NULL);
	}
	l->accept = accept;
	l->arg = arg;
	if ((l->wl = gw_win_pipe_listen(base, path, NULL, !params->pipe_local,
	    npipe_accepted, l, cause)) == NULL) {
		err = errno;
		free(*where);
		*where = NULL;
		free(l->path);
		free(l);
		errno = err;
		return (NULL);
	}
	if ((l->warn = event_new(base, -1, EV_PERSIST, npipe_warnings, l)) ==
	    NULL || event_add(l->warn, &tv) == -1) {
		if (l->warn != NULL)
			event_free(l->warn);
		gw_win_pipe_listen_free(l->wl);
		free(*where);
		*where = NULL;
		free(l->path);
		free(l);
		*cause = strdup("out of memory");
		errno = 0;
		return (NULL);
	}
	return (l);
}

void
gw_npipe_listen_pause(void *listener, bool pause)
{
	struct npipe_listener	*l = listener;

	gw_win_pipe_listen_pause(l->wl, pause);
}

void
gw_npipe_listen_free(void *listener)
{
	struct npipe_listener	*l = listener;

	if (l == NULL)
		return;
	gw_win_pipe_listen_free(l->wl);
	event_free(l->warn);
	free(l->path);
	free(l);
}

/* ---------------------------------------------------------------- connect */

/* Freed as its outcome reaches the session (gw_connect_forward). */
struct npipe_attempt {
	struct gw_connect_to		 to;	/* first: gw_connect_forward */
	struct gw_win_pipe_dialer	*d;
	struct gw_connect_outcome	*o;	/* a failure known at once */
};

/*
 * The connect slot: \\HOST\pipe\NAME (NAME as given: the name the server
 * ended up with) opened on a thread (gw_win_pipe_dial_start): a busy pipe is
 * waited for until the session's connect_timeout cancels the attempt; a pipe
 * nobody serves is ECONNREFUSED ("server refused"), a descriptor that refuses
 * us EACCES, an unreachable host EHOSTUNREACH.  The outcome reaches cb from
 * the loop.  Returns the attempt, or NULL when out of memory.
 */
void *
gw_npipe_connect(struct event_base *base, struct evdns_base *dns,
    const struct gw_spec *spec, const char *pipe_dir, void *prepared,
    gw_endpoint_connect_cb *cb, void *arg)
{
	struct npipe_attempt	*a;
	char			 path[NPIPE_PATH_MAX + 1], *cause = NULL;

	(void)dns;
	(void)pipe_dir;
	(void)prepared;
	if ((a = calloc(1, sizeof *a)) == NULL)
		return (NULL);
	a->to.cb = cb;
	a->to.arg = arg;
	if (npipe_win_path(npipe_host(spec->server), spec->pipe, false, path,
	    sizeof path, &cause) == -1) {
		a->o = gw_connect_outcome(base, -1, EINVAL, cause != NULL ?
		    cause : "out of memory", gw_connect_forward, a);
		free(cause);
		if (a->o == NULL) {
			free(a);
			return (NULL);
		}
		return (a);
	}
	if ((a->d = gw_win_pipe_dial_start(base, path, gw_connect_forward,
	    a)) == NULL) {
		free(a);
		return (NULL);
	}
	return (a);
}

void
gw_npipe_connect_cancel(void *attempt)
{
	struct npipe_attempt	*a = attempt;

	if (a == NULL)
		return;
	if (a->d != NULL)
		gw_win_pipe_dial_cancel(a->d);
	if (a->o != NULL)
		gw_connect_outcome_cancel(a->o);
	free(a);
}

/*
 * A pipe served here is reachable from other machines: no note (an empty one,
 * gw_transport_remote_note).
 */
const char gw_npipe_remote_note[] = "";
