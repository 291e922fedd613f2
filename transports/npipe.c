/*
 * npipe.c: the npipe transport off Windows, and the socket plumbing spipe
 * shares (design.md "npipe off Windows": a Unix-domain stream socket named
 * pipe_dir/NAME; WT §3.1 "pipe=": the first format code becomes the process
 * id, a second the thread id).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "gateway/log.h"
#include "transports/transport.h"

#define NPIPE_MAX_SINGLE_IO	(256 * 1024)

/*
 * dir/NAME into out (size bytes), NAME's first two %d / %x codes expanded to
 * the process id (the main thread's id is the process id on Linux), "%%" to
 * "%".  Returns 0, or -1 with a malloc'd *cause.
 */
static int
npipe_path(const char *dir, const char *name, bool expand, char *out,
    size_t size, char **cause)
{
	struct sockaddr_un	 sun;
	char			 expanded[sizeof sun.sun_path * 2];
	size_t			 o = 0;
	int			 codes = 0, n;
	const char		*p;

	if (strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0) {
		if (asprintf(cause, "pipe name '%s' may not contain '/' or be "
		    "'.' or '..'", name) == -1)
			*cause = NULL;
		return (-1);
	}
	for (p = name; *p != '\0' && o + 1 < sizeof expanded; p++) {
		if (!expand || *p != '%') {
			expanded[o++] = *p;
			continue;
		}
		if (p[1] == '%') {
			expanded[o++] = '%';
			p++;
		} else if ((p[1] == 'd' || p[1] == 'x') && codes < 2) {
			n = snprintf(expanded + o, sizeof expanded - o,
			    p[1] == 'd' ? "%ld" : "%lx", (long)getpid());
			o += n > 0 ? (size_t)n : 0;
			codes++;
			p++;
		} else {
			if (asprintf(cause, "pipe name '%s': only %%d, %%x (at "
			    "most two) and %%%% are expanded", name) == -1)
				*cause = NULL;
			return (-1);
		}
		if (o >= sizeof expanded)
			o = sizeof expanded - 1;
	}
	expanded[o] = '\0';
	n = snprintf(out, size, "%s/%s", dir, expanded);
	if (n < 0 || (size_t)n >= sizeof sun.sun_path || (size_t)n >= size) {
		if (asprintf(cause, "socket path too long: %s/%s is %d bytes, "
		    "at most %zu fit (set a shorter [gateway] pipe_dir)", dir,
		    expanded, n, sizeof sun.sun_path - 1) == -1)
			*cause = NULL;
		return (-1);
	}
	return (0);
}

static void
npipe_sockaddr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	snprintf(sun->sun_path, sizeof sun->sun_path, "%s", path);
}

/* ---------------------------------------------------------------- listen */

struct npipe_listener {
	struct gw_stream_listener	*sl;
	char				*path;
	dev_t				 dev;	/* the socket we made, to remove */
	ino_t				 ino;
};

static int
npipe_fail(char **cause, const char *path, const char *what, int err)
{
	if (asprintf(cause, "%s: %s%s%s", path, what, err != 0 ? ": " : "",
	    err != 0 ? strerror(err) : "") == -1)
		*cause = NULL;
	return (-1);
}

/*
 * Is a process listening on the socket at path?  1 yes, 0 no, -1 unknown.
 * Linux lists every bound Unix socket in /proc/net/unix (proc(5)), with
 * __SO_ACCEPTCON (0x10000) in Flags while it listens: asking there never
 * connects, and a connection would be a session to the process that serves
 * it (gdbserver --multi even exits when one closes before its first packet).
 */
static int
npipe_listening(const char *path)
{
	FILE		*f;
	char		 line[512 + sizeof ((struct sockaddr_un *)0)->sun_path];
	char		 name[sizeof ((struct sockaddr_un *)0)->sun_path + 1];
	unsigned long	 flags;
	struct stat	 want, st;
	int		 found = 0;

	if (stat(path, &want) == -1 ||
	    (f = fopen("/proc/net/unix", "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof line, f) != NULL) {
		/* Num RefCount Protocol Flags Type St Inode Path */
		if (sscanf(line, "%*s %*s %*s %lx %*s %*s %*s %108s", &flags,
		    name) != 2 || (flags & 0x10000) == 0)
			continue;
		/* The same file, however its path was spelt at bind(2). */
		if (strcmp(name, path) == 0 || (stat(name, &st) == 0 &&
		    st.st_dev == want.st_dev && st.st_ino == want.st_ino)) {
			found = 1;
			break;
		}
	}
	fclose(f);
	return (found);
}

/*
 * Clear the way for a new socket at path: remove a stale one left by a dead
 * process, never one that a live process still serves.
 */
static int
npipe_clear(const char *path, char **cause)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	int			 fd, r, err, live;

	if (lstat(path, &st) == -1)
		return (errno == ENOENT ? 0 : npipe_fail(cause, path,
		    "cannot inspect", errno));
	if (!S_ISSOCK(st.st_mode))
		return (npipe_fail(cause, path, "exists and is not a socket", 0));
	if ((live = npipe_listening(path)) == -1) {
		/* No /proc: ask the socket itself. */
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
			return (npipe_fail(cause, path, "socket", errno));
		npipe_sockaddr(path, &sun);
		r = connect(fd, (struct sockaddr *)&sun, sizeof sun);
		err = errno;
		close(fd);
		if (r == -1 && err != EAGAIN && err != ECONNREFUSED)
			return (npipe_fail(cause, path, "cannot tell whether a "
			    "process serves this pipe", err));
		live = r == 0 || err == EAGAIN;
	}
	if (live)
		return (npipe_fail(cause, path, "another live process serves "
		    "this pipe", 0));
	if (unlink(path) == -1)
		return (npipe_fail(cause, path, "cannot remove the stale socket",
		    errno));
	gw_log_info("%s: removed a stale socket left by a process that ended",
	    path);
	return (0);
}

void *
gw_npipe_listen(struct event_base *base, const struct gw_listen_params *params,
    gw_accept_cb *accept, void *arg, char **where, char **cause)
{
	struct npipe_listener	*l;
	struct sockaddr_un	 sun;
	struct stat		 st;
	struct group		*gr;
	char			 path[sizeof sun.sun_path];
	int			 fd;

	if (npipe_path(params->pipe_dir, params->spec->pipe, true, path,
	    sizeof path, cause) == -1)
		return (NULL);
	if (mkdir(params->pipe_dir, 0755) == -1 && errno != EEXIST) {
		npipe_fail(cause, params->pipe_dir, "cannot make the pipe "
		    "directory", errno);
		return (NULL);
	}
	/* In a shared place such as /tmp, the directory must be ours. */
	if (lstat(params->pipe_dir, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    (st.st_uid != getuid() && st.st_uid != 0) ||
	    (st.st_mode & S_IWOTH)) {
		npipe_fail(cause, params->pipe_dir, "the pipe directory must be "
		    "a directory owned by this user or root and not writable by "
		    "others", 0);
		return (NULL);
	}
	if (npipe_clear(path, cause) == -1)
		return (NULL);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		npipe_fail(cause, path, "socket", errno);
		return (NULL);
	}
	npipe_sockaddr(path, &sun);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		npipe_fail(cause, path, "bind", errno);
		close(fd);
		return (NULL);
	}
	if (chmod(path, params->pipe_mode) == -1) {
		npipe_fail(cause, path, "chmod", errno);
		goto fail;
	}
	if (params->pipe_group != NULL) {
		if ((gr = getgrnam(params->pipe_group)) == NULL) {
			if (asprintf(cause, "%s: pipe_group '%s': no such group",
			    path, params->pipe_group) == -1)
				*cause = NULL;
			goto fail;
		}
		if (chown(path, (uid_t)-1, gr->gr_gid) == -1) {
			npipe_fail(cause, path, "chown", errno);
			goto fail;
		}
	}
	if (listen(fd, 511) == -1 || stat(path, &st) == -1) {
		npipe_fail(cause, path, "listen", errno);
		goto fail;
	}
	if ((l = calloc(1, sizeof *l)) == NULL ||
	    (l->path = strdup(path)) == NULL ||
	    (*where = strdup(path)) == NULL) {
		if (l != NULL)
			free(l->path);
		free(l);
		*cause = strdup("out of memory");
		goto fail;
	}
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	if ((l->sl = gw_stream_listen(base, fd, false, path, accept, arg,
	    cause)) == NULL) {
		unlink(path);
		free(*where);
		free(l->path);
		free(l);
		return (NULL);
	}
	return (l);
fail:
	close(fd);
	unlink(path);
	return (NULL);
}

void
gw_npipe_listen_pause(void *listener, bool pause)
{
	struct npipe_listener	*l = listener;

	gw_stream_listen_pause(l->sl, pause);
}

void
gw_npipe_listen_free(void *listener)
{
	struct npipe_listener	*l = listener;
	struct stat		 st;

	if (l == NULL)
		return;
	gw_stream_listen_free(l->sl);
	/* Remove our socket, not one another process has put there since. */
	if (stat(l->path, &st) == 0 && st.st_dev == l->dev &&
	    st.st_ino == l->ino)
		unlink(l->path);
	free(l->path);
	free(l);
}

/* ---------------------------------------------------------------- connect */

void *
gw_npipe_connect(struct event_base *base, struct evdns_base *dns,
    const struct gw_spec *spec, const char *pipe_dir, void *prepared,
    gw_connect_cb *cb, void *arg)
{
	struct gw_connect_outcome	*o;
	struct sockaddr_un		 sun;
	char				 path[sizeof sun.sun_path], *cause = NULL;
	char				 why[160] = "";
	evutil_socket_t			 fd = -1;
	int				 err = 0;

	(void)dns;
	(void)prepared;
	if (npipe_path(pipe_dir, spec->pipe, false, path, sizeof path,
	    &cause) == -1) {
		err = EINVAL;
		snprintf(why, sizeof why, "%s", cause != NULL ? cause :
		    "out of memory");
		free(cause);
	} else if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		err = errno;
		snprintf(why, sizeof why, "%s", strerror(errno));
	} else {
		npipe_sockaddr(path, &sun);
		if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
			/* No socket there: nothing serves the pipe. */
			err = errno == ENOENT ? ECONNREFUSED : errno;
			snprintf(why, sizeof why, "%s: %s", path,
			    strerror(errno));
			close(fd);
			fd = -1;
		}
	}
	/* The outcome reaches the caller from the loop, never from here. */
	if ((o = gw_connect_outcome(base, fd, err, why, cb, arg)) == NULL &&
	    fd != -1)
		close(fd);
	return (o);
}

void
gw_npipe_connect_cancel(void *attempt)
{
	evutil_socket_t	fd;

	if ((fd = gw_connect_outcome_cancel(attempt)) != -1)
		close(fd);
}

/* ---------------------------------------------------------------- links */

static struct bufferevent *
npipe_link_new(struct event_base *base, evutil_socket_t fd,
    struct gw_tls_ctx *tls, const char *host, char **cause)
{
	(void)tls;
	(void)host;
	return (gw_stream_link_new(base, fd, NPIPE_MAX_SINGLE_IO, cause));
}

const char gw_npipe_remote_note[] = "a pipe served here is a Unix-domain "
    "socket in pipe_dir that only programs on this machine reach; no Windows "
    "smart client can use it: serve tcp or ssl for one";

const struct gw_transport_ops gw_transport_npipe = {
	.name = "npipe",
	.connect_verb = "connecting to",
	.handshake = false,
	.no_eof = false,
	.plain = true,
	.remote_note = gw_npipe_remote_note,
	.listen = gw_npipe_listen,
	.listen_pause = gw_npipe_listen_pause,
	.listen_free = gw_npipe_listen_free,
	.connect = gw_npipe_connect,
	.connect_cancel = gw_npipe_connect_cancel,
	.link_new = npipe_link_new,
	.half_close = gw_socket_half_close,
	.after_eof = NULL,
	.describe = NULL,
	.error = NULL,
};
