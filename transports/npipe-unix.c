/*
 * npipe-unix.c: the npipe transport's mechanism on Unix, and the socket
 * plumbing spipe shares (doc/design.md "npipe off Windows": a Unix-domain
 * stream socket named pipe_dir/NAME).  The name's rules and the ops table
 * are npipe.c's; this file is the platform's part of them (doc/design.md
 * "Platforms").
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include <event2/event.h>

#include "gateway/log.h"
#include "osdep/osdep.h"
#include "transports/transport.h"

int
gw_npipe_path(const char *dir, const char *name, bool expand, char *out,
    size_t size, char **cause)
{
	struct sockaddr_un	 sun;
	char			 expanded[GW_SPEC_PIPE_MAX + 1];
	int			 n;

	if (gw_npipe_name(name, expand, expanded, sizeof expanded, cause) == -1)
		return (-1);
	n = snprintf(out, size, "%s/%s", dir, expanded);
	if (n < 0 || (size_t)n >= sizeof sun.sun_path || (size_t)n >= size) {
		if (asprintf(cause, "socket path too long: %s/%s is %d bytes, "
		    "at most %zu fit (set a shorter [gateway] pipe_dir)",
		    dir, expanded, n, sizeof sun.sun_path - 1) == -1)
			*cause = NULL;
		return (-1);
	}
	return (0);
}


/* The grammar's longest name fits sun_path (transports/spec.h). */
_Static_assert(GW_SPEC_PIPE_MAX + 2 ==
    sizeof ((struct sockaddr_un *)0)->sun_path,
    "GW_SPEC_PIPE_MAX: \"/\" + NAME + NUL fill sun_path");

/* server=: ".", "localhost" or this host's name. */
static bool
npipe_local_host(const char *host)
{
	char	name[256];

	if (host == NULL || strcmp(host, ".") == 0 ||
	    strcasecmp(host, "localhost") == 0)
		return (true);
	if (gethostname(name, sizeof name) != 0)
		return (false);
	name[sizeof name - 1] = '\0';
	return (strcasecmp(host, name) == 0);
}

int
gw_npipe_check(const struct gw_spec *spec, bool serve, const char *pipe_dir,
    char **cause)
{
	struct sockaddr_un	sun;
	char			path[sizeof sun.sun_path];

	if (!serve && !npipe_local_host(spec->server)) {
		if (asprintf(cause, "%s: server '%s' is another host; off "
		    "Windows a pipe is a local socket: reach a remote process "
		    "server with tcp or ssl", gw_spec_transport_name(
		    spec->transport), spec->server) == -1)
			*cause = NULL;
		return (-1);
	}
	/* The socket path must fit with this pipe_dir: -n says so too. */
	if (gw_npipe_path(pipe_dir, spec->pipe, serve, path, sizeof path,
	    cause) == -1) {
		if (*cause == NULL)
			*cause = strdup("out of memory");
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

static int
npipe_fail(char **cause, const char *path, const char *what, int err)
{
	if (asprintf(cause, "%s: %s%s%s", path, what, err != 0 ? ": " : "",
	    err != 0 ? strerror(err) : "") == -1)
		*cause = NULL;
	return (-1);
}

/* ---------------------------------------------------------------- trust */

/* "NAME (uid N)" for a uid into out. */
static void
npipe_who(uid_t uid, char *out, size_t size)
{
	struct passwd	*pw;

	if ((pw = getpwuid(uid)) != NULL)
		snprintf(out, size, "%s (uid %lu)", pw->pw_name,
		    (unsigned long)uid);
	else
		snprintf(out, size, "uid %lu", (unsigned long)uid);
}

/* Who may own what we trust, for messages: "root", "root or NAME", ... */
static void
npipe_me(uid_t also, char *out, size_t size)
{
	char	a[64], b[64];

	npipe_who(geteuid(), a, sizeof a);
	npipe_who(also, b, sizeof b);
	if (geteuid() == 0 && (also == 0 || also == (uid_t)-1))
		snprintf(out, size, "root");
	else if (geteuid() == 0 || also == 0 || also == (uid_t)-1 ||
	    also == geteuid())
		snprintf(out, size, "root or %s", geteuid() == 0 ? b : a);
	else
		snprintf(out, size, "root, %s or %s", a, b);
}

/* May a directory or socket owned by uid be trusted: us, root or also? */
static bool
npipe_trusted_uid(uid_t uid, uid_t also)
{
	return (uid == geteuid() || uid == 0 || uid == also);
}

/*
 * Can anyone but its owner put a name in a directory?  Only a sticky
 * root-owned one is let through with that (gw_npipe_dir_open).
 */
static bool
npipe_shared(const struct stat *st)
{
	return ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0);
}

/* The trust rule for one directory (gw_npipe_dir_open); placed: see there. */
static int
npipe_dir_rule(const char *dir, const struct stat *st, uid_t also,
    bool placed, char **cause)
{
	char	owner[128], me[256];

	if (!S_ISDIR(st->st_mode)) {
		if (asprintf(cause, "%s: not a directory", dir) == -1)
			*cause = NULL;
		errno = ENOTDIR;
		return (-1);
	}
	if ((npipe_trusted_uid(st->st_uid, also) || placed) &&
	    (!npipe_shared(st) || ((st->st_mode & S_ISVTX) &&
	    st->st_uid == 0)))
		return (0);
	npipe_who(st->st_uid, owner, sizeof owner);
	npipe_me(also, me, sizeof me);
	if (asprintf(cause, "%s: owned by %s, mode %04o: refused: a pipe "
	    "directory and the directories above it must be owned by %s, and "
	    "writable by no one else unless sticky and owned by root (as /tmp "
	    "is)", dir, owner, (unsigned)(st->st_mode & 07777), me) == -1)
		*cause = NULL;
	errno = EPERM;
	return (-1);
}

int
gw_npipe_dir_open(const char *dir, uid_t also, bool placed, struct stat *st,
    char **cause)
{
	struct stat	 ast, pst;
	char		*up, *slash;
	int		 fd, err, parent_ok = 1;

	*cause = NULL;
	if ((up = strdup(dir)) == NULL) {
		*cause = strdup("out of memory");
		errno = ENOMEM;
		return (-1);
	}
	/* The directories above, each as the path reaches it. */
	for (slash = strchr(up + 1, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (up[0] != '\0' && stat(up, &ast) == 0 &&
		    npipe_dir_rule(up, &ast, also, false, cause) == -1) {
			free(up);
			return (-1);
		}
		*slash = '/';
	}
	/* placed: the parent must be ours or root's and shared with no one. */
	if (placed) {
		if ((slash = strrchr(up, '/')) != NULL)
			*(slash == up ? slash + 1 : slash) = '\0';
		parent_ok = slash != NULL && stat(up, &pst) == 0 &&
		    S_ISDIR(pst.st_mode) && npipe_trusted_uid(pst.st_uid, 0) &&
		    !npipe_shared(&pst);
	}
	free(up);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		err = errno;
		if (err == ELOOP || (err == ENOTDIR && lstat(dir, &ast) == 0 &&
		    S_ISLNK(ast.st_mode))) {
			if (asprintf(cause, "%s: a symbolic link: refused: a "
			    "pipe directory must be a directory itself", dir) ==
			    -1)
				*cause = NULL;
			err = ELOOP;
		} else
			npipe_fail(cause, dir, "cannot open the directory",
			    err);
		errno = err;
		return (-1);
	}
	if (fstat(fd, st) == -1) {
		err = errno;
		npipe_fail(cause, dir, "fstat", err);
		close(fd);
		errno = err;
		return (-1);
	}
	if (npipe_dir_rule(dir, st, also, placed && parent_ok, cause) == -1) {
		err = errno;
		close(fd);
		errno = err;
		return (-1);
	}
	return (fd);
}

int
gw_npipe_sock_check(int dirfd, const struct stat *dst, const char *path,
    const char *name, uid_t also, struct stat *st, char **cause)
{
	char	owner[128], me[256];

	*cause = NULL;
	if (fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return (0);
		return (npipe_fail(cause, path, "cannot inspect", errno));
	}
	if (!S_ISSOCK(st->st_mode)) {
		errno = EEXIST;
		return (npipe_fail(cause, path, "exists and is not a socket", 0));
	}
	/* In a directory others can write, anyone could have put it there. */
	if (npipe_shared(dst) && !npipe_trusted_uid(st->st_uid, also)) {
		npipe_who(st->st_uid, owner, sizeof owner);
		npipe_me(also, me, sizeof me);
		if (asprintf(cause, "%s: owned by %s: refused: in a directory "
		    "others can write, a socket must be owned by %s", path,
		    owner, me) == -1)
			*cause = NULL;
		errno = EPERM;
		return (-1);
	}
	return (1);
}

int
gw_npipe_peer_check(int fd, const struct stat *dst, const char *path,
    uid_t also, char **cause)
{
	struct ucred	cred;
	socklen_t	len = sizeof cred;
	char		who[128], me[256];

	*cause = NULL;
	if (!npipe_shared(dst))
		return (0);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return (npipe_fail(cause, path, "SO_PEERCRED", errno));
	if (npipe_trusted_uid(cred.uid, also))
		return (0);
	npipe_who(cred.uid, who, sizeof who);
	npipe_me(also, me, sizeof me);
	if (asprintf(cause, "%s: served by %s (pid %ld): refused: in a "
	    "directory others can write, a socket must be served by %s", path,
	    who, (long)cred.pid, me) == -1)
		*cause = NULL;
	errno = EPERM;
	return (-1);
}

/* ---------------------------------------------------------------- listen */

struct npipe_listener {
	struct gw_stream_listener	*sl;
	char				*path;
	char				*name;	/* in dirfd */
	int				 dirfd;
	dev_t				 dev;	/* the socket we made, to remove */
	ino_t				 ino;
};

/*
 * Is a process listening on the socket st (at path)?  1 yes, 0 no (a
 * connection is refused: stale), -1 cannot tell (errno).  First the kernel's
 * list of this network namespace's listening sockets (gw_os_unix_listening):
 * asking there never connects, and a connection would be a session to the
 * process that serves it (gdbserver --multi even exits when one closes
 * before its first packet).  That list is per network namespace, so what
 * it does not show is asked by a connect(2): refused means stale, anything
 * else live.
 */
static int
npipe_live(const char *path, const struct stat *want)
{
	struct sockaddr_un	 sun;
	int			 fd, r, err;

	if (gw_os_unix_listening(want) == 1)
		return (1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return (-1);
	npipe_sockaddr(path, &sun);
	r = connect(fd, (struct sockaddr *)&sun, sizeof sun);
	err = errno;
	close(fd);
	if (r == 0 || err == EAGAIN || err == EINPROGRESS)
		return (1);
	if (err == ECONNREFUSED || err == ENOENT)
		return (0);
	errno = err;
	return (-1);
}

/*
 * Clear the way for a new socket at name in dirfd (path): remove a stale one
 * left by a dead process, never one that a live process still serves (then
 * *live is set).
 */
static int
npipe_clear(int dirfd, const struct stat *dst, const char *path,
    const char *name, uid_t also, bool *live, char **cause)
{
	struct stat	st, again;
	int		r;

	if ((r = gw_npipe_sock_check(dirfd, dst, path, name, also, &st,
	    cause)) <= 0)
		return (r);
	if ((r = npipe_live(path, &st)) == -1)
		return (npipe_fail(cause, path, "cannot tell whether a process "
		    "serves this pipe", errno));
	if (r == 1) {
		*live = true;
		return (npipe_fail(cause, path, "another live process serves "
		    "this pipe", 0));
	}
	/* Still the socket we asked about. */
	if (fstatat(dirfd, name, &again, AT_SYMLINK_NOFOLLOW) == 0 &&
	    (again.st_dev != st.st_dev || again.st_ino != st.st_ino))
		return (npipe_fail(cause, path, "replaced while being checked",
		    0));
	if (unlinkat(dirfd, name, 0) == -1 && errno != ENOENT)
		return (npipe_fail(cause, path, "cannot remove the stale socket",
		    errno));
	gw_log_info("%s: removed a stale socket left by a process that ended",
	    path);
	return (0);
}

/*
 * Bind fd at name in dirfd (path) with exactly mode and group gid ((gid_t)-1:
 * ours), set before anyone can connect: the mode on the descriptor before
 * bind(2) (unix(7): the new file takes the socket's mode less the umask,
 * here 0), the group by the file-system gid at bind(2) when we may take it
 * (gw_os_fsgid, setfsgid(2)), else by fchownat(2) without following a
 * link before listen(2).  *st: the bound socket.  *live is set when the
 * name was taken.
 */
static int
npipe_bind(int fd, int dirfd, const char *path, const char *name,
    unsigned mode, gid_t gid, struct stat *st, bool *live, char **cause)
{
	struct sockaddr_un	 sun;
	mode_t			 mask;
	int			 r, err, fsgid = -1;

	if (fchmod(fd, mode) == -1)
		return (npipe_fail(cause, path, "fchmod", errno));
	if (gid != (gid_t)-1 && geteuid() == 0)
		fsgid = gw_os_fsgid((unsigned long)gid);
	npipe_sockaddr(path, &sun);
	mask = umask(0);
	r = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	err = errno;
	umask(mask);
	if (fsgid != -1)
		gw_os_fsgid((unsigned long)fsgid);
	/* The name was free a moment ago: another process took it since. */
	if (r == -1 && err == EADDRINUSE) {
		*live = true;
		return (npipe_fail(cause, path, "another live process serves "
		    "this pipe (it took the name while this one was made)", 0));
	}
	if (r == -1)
		return (npipe_fail(cause, path, "bind", err));
	if (fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISSOCK(st->st_mode)) {
		st->st_ino = 0;
		return (npipe_fail(cause, path, "replaced by something else "
		    "while being made", 0));
	}
	if (gid != (gid_t)-1 && st->st_gid != gid) {
		if (fchownat(dirfd, name, (uid_t)-1, gid,
		    AT_SYMLINK_NOFOLLOW) == -1)
			return (npipe_fail(cause, path, "fchownat", errno));
		if (fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISSOCK(st->st_mode) || st->st_gid != gid) {
			st->st_ino = 0;
			return (npipe_fail(cause, path, "replaced by something "
			    "else while being made", 0));
		}
	}
	if ((st->st_mode & 07777) != mode) {
		if (asprintf(cause, "%s: the socket was made with mode %04o, "
		    "not pipe_mode %04o", path, (unsigned)(st->st_mode & 07777),
		    mode) == -1)
			*cause = NULL;
		return (-1);
	}
	return (0);
}

static void *
npipe_listen(struct event_base *base, const struct gw_listen_params *params,
    gw_endpoint_accept_cb *accept, void *arg, char **where, bool *live,
    char **cause)
{
	struct npipe_listener	*l = NULL;
	struct sockaddr_un	 sun;
	struct stat		 st, dst;
	struct group		*gr;
	char			 path[sizeof sun.sun_path];
	const char		*name;
	gid_t			 gid = (gid_t)-1;
	int			 fd = -1, dirfd;

	if (gw_npipe_path(params->pipe_dir, params->pipe, true, path,
	    sizeof path, cause) == -1)
		return (NULL);
	name = strrchr(path, '/') + 1;
	if (params->pipe_group != NULL) {
		if ((gr = getgrnam(params->pipe_group)) == NULL) {
			if (asprintf(cause, "%s: pipe_group '%s': no such group",
			    path, params->pipe_group) == -1)
				*cause = NULL;
			return (NULL);
		}
		gid = gr->gr_gid;
	}
	if (mkdir(params->pipe_dir, 0755) == -1 && errno != EEXIST) {
		npipe_fail(cause, params->pipe_dir, "cannot make the pipe "
		    "directory", errno);
		return (NULL);
	}
	if ((dirfd = gw_npipe_dir_open(params->pipe_dir, params->pipe_uid,
	    false, &dst, cause)) == -1)
		return (NULL);
	st.st_ino = 0;
	if (npipe_clear(dirfd, &dst, path, name, params->pipe_uid, live,
	    cause) == -1)
		goto fail;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		npipe_fail(cause, path, "socket", errno);
		goto fail;
	}
	if (npipe_bind(fd, dirfd, path, name, params->pipe_mode, gid, &st,
	    live, cause) == -1)
		goto fail;
	if (listen(fd, 511) == -1) {
		npipe_fail(cause, path, "listen", errno);
		goto fail;
	}
	if ((l = calloc(1, sizeof *l)) == NULL ||
	    (l->path = strdup(path)) == NULL ||
	    (*where = strdup(path)) == NULL) {
		*cause = strdup("out of memory");
		goto fail;
	}
	l->name = l->path + (name - path);
	l->dirfd = dirfd;
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	if ((l->sl = gw_stream_listen(base, fd, false, path, accept, arg,
	    cause)) == NULL) {
		free(*where);
		*where = NULL;
		fd = -1;	/* closed by gw_stream_listen */
		goto fail;
	}
	return (l);
fail:
	if (fd != -1)
		close(fd);
	/* Remove what we bound, and nothing else. */
	if (st.st_ino != 0 && fstatat(dirfd, name, &dst,
	    AT_SYMLINK_NOFOLLOW) == 0 && dst.st_dev == st.st_dev &&
	    dst.st_ino == st.st_ino)
		unlinkat(dirfd, name, 0);
	close(dirfd);
	if (l != NULL)
		free(l->path);
	free(l);
	return (NULL);
}

void *
gw_npipe_listen(struct event_base *base, const struct gw_listen_params *params,
    gw_endpoint_accept_cb *accept, void *arg, char **where,
    char **cause)
{
	void	*l;
	bool	 live = false;

	l = npipe_listen(base, params, accept, arg, where, &live, cause);
	/* The one refusal a caller tells apart: the name is taken. */
	if (l == NULL)
		errno = live ? EADDRINUSE : 0;
	return (l);
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
	if (fstatat(l->dirfd, l->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_dev == l->dev && st.st_ino == l->ino &&
	    unlinkat(l->dirfd, l->name, 0) == -1)
		gw_log_warn("%s: cannot remove the socket: %s; the next start "
		    "removes it as stale", l->path, strerror(errno));
	close(l->dirfd);
	free(l->path);
	free(l);
}

/* ---------------------------------------------------------------- connect */

void *
gw_npipe_connect(struct event_base *base, struct evdns_base *dns,
    const struct gw_spec *spec, const char *pipe_dir, void *prepared,
    gw_endpoint_connect_cb *cb, void *arg)
{
	struct gw_connect_outcome	*o;
	struct sockaddr_un		 sun;
	struct stat			 dst, st;
	char				 path[sizeof sun.sun_path], *cause = NULL;
	char				 why[512] = "";
	evutil_socket_t			 fd = -1;
	int				 err = 0, dirfd = -1, r;

	(void)dns;
	(void)prepared;
	if (gw_npipe_path(pipe_dir, spec->pipe, false, path, sizeof path,
	    &cause) == -1) {
		err = EINVAL;
		snprintf(why, sizeof why, "%s", cause != NULL ? cause :
		    "out of memory");
	} else if ((dirfd = gw_npipe_dir_open(pipe_dir, 0, false, &dst,
	    &cause)) == -1) {
		/* No directory: nothing serves the pipe. */
		err = errno == ENOENT ? ECONNREFUSED : EPERM;
		snprintf(why, sizeof why, "%s", cause != NULL ? cause :
		    "out of memory");
	} else if ((r = gw_npipe_sock_check(dirfd, &dst, path,
	    strrchr(path, '/') + 1, 0, &st, &cause)) <= 0) {
		/* No socket there: nothing serves the pipe. */
		err = r == 0 ? ECONNREFUSED : EPERM;
		snprintf(why, sizeof why, "%s%s", r == 0 ? path : cause !=
		    NULL ? cause : "out of memory", r == 0 ?
		    ": No such file or directory" : "");
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
		} else if (gw_npipe_peer_check(fd, &dst, path, 0,
		    &cause) == -1) {
			/* Put there after the look above. */
			err = EPERM;
			snprintf(why, sizeof why, "%s", cause != NULL ? cause :
			    "out of memory");
			close(fd);
			fd = -1;
		}
	}
	free(cause);
	if (dirfd != -1)
		close(dirfd);
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

const char gw_npipe_remote_note[] = "a pipe served here is a Unix-domain "
    "socket in pipe_dir that only programs on this machine reach; no Windows "
    "smart client can use it: serve tcp or ssl for one";

/* pipe_dir/NAME: the pipe a session connects to, before the attempt. */
void
gw_npipe_target(const struct gw_spec *spec, const char *pipe_dir, char *buf,
    size_t size)
{
	if (spec->pipe != NULL)
		snprintf(buf, size, "%s/%s", pipe_dir, spec->pipe);
}
