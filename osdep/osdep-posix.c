/*
 * osdep-posix.c: the part of osdep.h every Unix shares (POSIX calls, and the
 * BSD and Linux extensions they all have).  See osdep.h.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "osdep/osdep.h"
#include "transports/transport.h"

int
gw_os_signal_number(enum gw_os_signal what)
{
	switch (what) {
	case GW_OS_SIGNAL_STOP:
		return (SIGTERM);
	case GW_OS_SIGNAL_INTERRUPT:
		return (SIGINT);
	case GW_OS_SIGNAL_RELOAD:
		return (SIGHUP);
	}
	return (-1);
}

const char *
gw_os_signal_name(int sig)
{
	return (strsignal(sig));
}

void
gw_os_signals_init(void)
{
	signal(SIGPIPE, SIG_IGN);
}

uint64_t
gw_os_fd_limit(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY)
		return (GW_OS_FD_UNLIMITED);
	return ((uint64_t)rl.rlim_cur);
}

long
gw_os_pid(void)
{
	return ((long)getpid());
}

int
gw_os_monotonic_usec(uint64_t *usec)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return (-1);
	*usec = (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000ULL;
	return (0);
}

struct gw_os_thread {
	pthread_t	id;
};

int
gw_os_thread_start(struct gw_os_thread **thread, void *(*fn)(void *),
    void *arg)
{
	struct gw_os_thread	*t;
	sigset_t		 all, old;
	int			 err;

	if ((t = calloc(1, sizeof *t)) == NULL)
		return (ENOMEM);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&t->id, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		free(t);
		return (err);
	}
	*thread = t;
	return (0);
}

void
gw_os_thread_join(struct gw_os_thread *thread)
{
	pthread_join(thread->id, NULL);
	free(thread);
}

void
gw_os_thread_detach(struct gw_os_thread *thread)
{
	pthread_detach(thread->id);
	free(thread);
}

/* ------------------------------------------------------------ users */

bool
gw_os_user_exists(const char *user)
{
	return (getpwnam(user) != NULL);
}

int
gw_os_user_id(const char *user, unsigned long *uid)
{
	struct passwd	*pw;

	if ((pw = getpwnam(user)) == NULL)
		return (-1);
	*uid = (unsigned long)pw->pw_uid;
	return (0);
}

bool
gw_os_is_root(void)
{
	return (getuid() == 0 && geteuid() == 0);
}

unsigned long
gw_os_euid(void)
{
	return ((unsigned long)geteuid());
}

int
gw_os_become_user(const char *user, unsigned long *uid, unsigned long *gid,
    char **cause)
{
	struct passwd	*pw;

	if ((pw = getpwnam(user)) == NULL) {
		if (asprintf(cause, "no such user '%s'", user) == -1)
			*cause = NULL;
		return (-1);
	}
	if (setgid(pw->pw_gid) == -1 || initgroups(pw->pw_name,
	    pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1) {
		if (asprintf(cause, "cannot become '%s': %s", user,
		    strerror(errno)) == -1)
			*cause = NULL;
		return (-1);
	}
	if (pw->pw_uid != 0 && (setuid(0) != -1 || seteuid(0) != -1)) {
		if (asprintf(cause, "root could be regained after becoming "
		    "'%s'", user) == -1)
			*cause = NULL;
		return (-1);
	}
	*uid = (unsigned long)pw->pw_uid;
	*gid = (unsigned long)pw->pw_gid;
	return (0);
}

int
gw_os_user_can_read(const char *user, const char *const *paths,
    const bool *dirs, size_t n, int *errs, const char **cause)
{
	struct passwd	*pw;
	size_t		 i, got;
	ssize_t		 k;
	pid_t		 pid;
	int		 p[2], fd, err, status;

	if ((pw = getpwnam(user)) == NULL) {
		*cause = "no such user";
		return (-1);
	}
	if (pipe(p) == -1) {
		*cause = strerror(errno);
		return (-1);
	}
	fflush(NULL);
	if ((pid = fork()) == -1) {
		*cause = strerror(errno);
		close(p[0]);
		close(p[1]);
		return (-1);
	}
	if (pid == 0) {
		close(p[0]);
		if (setgid(pw->pw_gid) == -1 || initgroups(pw->pw_name,
		    pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1)
			_exit(1);
		for (i = 0; i < n; i++) {
			fd = open(paths[i], O_RDONLY | O_NOCTTY |
			    O_CLOEXEC | (dirs[i] ? O_DIRECTORY : 0));
			err = fd == -1 ? errno : 0;
			if (fd != -1)
				close(fd);
			if (write(p[1], &err, sizeof err) != sizeof err)
				_exit(1);
		}
		_exit(0);
	}
	close(p[1]);
	for (i = 0; i < n; i++) {
		for (got = 0; got < sizeof err; got += (size_t)k) {
			k = read(p[0], (char *)&err + got, sizeof err - got);
			if (k == -1 && errno == EINTR) {
				k = 0;
				continue;
			}
			if (k <= 0)
				break;
		}
		if (got != sizeof err)
			break;
		errs[i] = err;
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (i < n || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		*cause = "the check as that user failed";
		return (-1);
	}
	return (0);
}

int
gw_os_dir_writable(const char *dir)
{
	return (access(dir, W_OK | X_OK));
}

/* ------------------------------------------------------------ runtime dir */

char *
gw_os_runtime_dir(void)
{
	const char	*xdg = getenv("XDG_RUNTIME_DIR");
	const char	*sd = getenv("RUNTIME_DIRECTORY");
	char		*dir;

	/* systemd's RuntimeDirectory=: the first of its paths. */
	if (sd != NULL && sd[0] == '/')
		return (strndup(sd, strcspn(sd, ":")));
	if (getuid() == 0)
		return (strdup("/run/dbgbridge"));
	if (xdg != NULL && xdg[0] == '/')
		return (asprintf(&dir, "%s/dbgbridge", xdg) == -1 ? NULL : dir);
	return (asprintf(&dir, "/tmp/dbgbridge-%lu", (unsigned long)getuid()) ==
	    -1 ? NULL : dir);
}

int
gw_os_runtime_make(const char *dir, unsigned long uid, char **cause)
{
	int	 fd;

	if (mkdir(dir, 0755) == -1)
		return (0);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fchown(fd, (uid_t)uid, (gid_t)-1) == -1) {
		*cause = strdup(strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	close(fd);
	return (1);
}

/* ------------------------------------------------------------ notification */

int
gw_os_notify(const char *path, const char *state, char **cause)
{
	struct sockaddr_un	 sun;
	size_t			 len;
	socklen_t		 salen;
	ssize_t			 n;
	int			 fd, saved;

	*cause = NULL;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof sun.sun_path) {
		if (asprintf(cause, "NOTIFY_SOCKET '%.*s' is not a socket path "
		    "or an abstract name (@NAME) that fits %zu bytes",
		    (int)(len > 64 ? 64 : len), path, sizeof sun.sun_path - 1) ==
		    -1)
			*cause = NULL;
		return (-1);
	}
	memcpy(sun.sun_path, path, len);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';	/* abstract: no trailing NUL counted */
	else
		len++;			/* a path: with its NUL */
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);

	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		if (asprintf(cause, "socket: %s", strerror(errno)) == -1)
			*cause = NULL;
		return (-1);
	}
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, salen);
	saved = errno;
	close(fd);
	if (n == -1) {
		if (asprintf(cause, "%s: %s", path, strerror(saved)) == -1)
			*cause = NULL;
		return (-1);
	}
	return (0);
}

/* ------------------------------------------------------------ the log sink */

/* enum gw_log_facility to syslog(3)'s facilities, in the enum's order. */
static const int os_facilities[] = {
	LOG_DAEMON, LOG_USER, LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3,
	LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7,
};

/* enum gw_log_level to syslog(3)'s priorities, in the enum's order. */
static const int os_priorities[] = {
	LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG,
};

void
gw_os_syslog_open(enum gw_log_facility facility)
{
	size_t	f = (size_t)facility;

	openlog("dbgbridge", LOG_PID | LOG_NDELAY, f < sizeof os_facilities /
	    sizeof os_facilities[0] ? os_facilities[f] : LOG_DAEMON);
}

void
gw_os_syslog_close(void)
{
	closelog();
}

void
gw_os_syslog(enum gw_log_level level, const char *line)
{
	size_t	l = (size_t)level;

	syslog(l < sizeof os_priorities / sizeof os_priorities[0] ?
	    os_priorities[l] : LOG_INFO, "%s", line);
}

/* ------------------------------------------------------------ sockets */

int
gw_os_tcp_keepalive(evutil_socket_t fd, int idle, int intvl, int cnt)
{
	int	rc = 0;

#ifdef TCP_KEEPIDLE
	rc |= setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
	rc |= setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
	rc |= setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
#else
	(void)fd;
	(void)idle;
	(void)intvl;
	(void)cnt;
#endif
	return (rc != 0 ? -1 : 0);
}

evutil_socket_t
gw_os_stream_socket(int family)
{
	return (socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
}

int
gw_os_socket_errno(int err)
{
	return (err);
}

void
gw_os_socket_abort(evutil_socket_t fd)
{
	struct linger	rst = { 1, 0 };

	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof rst);
}

/* ------------------------------------------------------------ control */

/* The control socket is a pipe of our own: DIR/NAME (osdep.h). */
char *
gw_os_control_pipe(const char *path, const char **dir, const char **name,
    char **cause)
{
	char	*store, *slash;

	*cause = NULL;
	if ((store = strdup(path)) == NULL) {
		*cause = strdup("out of memory");
		return (NULL);
	}
	if ((slash = strrchr(store, '/')) == NULL || slash[1] == '\0') {
		if (asprintf(cause, "%s: needs a directory and a name", path) ==
		    -1)
			*cause = NULL;
		free(store);
		return (NULL);
	}
	*slash = '\0';
	*dir = store[0] != '\0' ? store : "/";
	*name = slash + 1;
	return (store);
}

/*
 * Talk only to a socket that no other user could have put there
 * (dbgbridge(8) "dbgbridge ctl"): its directory passes gw_npipe_dir_open
 * (placed: a directory root gave to a service's user, as systemd's
 * RuntimeDirectory= is, is accepted), the socket gw_npipe_sock_check;
 * *dst: the directory's fstat, for gw_npipe_peer_check once connected.
 * Returns 0, or -1 with a malloc'd *cause.
 */
static int
os_control_trust(const char *path, struct stat *dst, char **cause)
{
	struct stat	 st;
	char		*dir, *slash, *why = NULL;
	const char	*name;
	int		 dirfd, r = -1;

	*cause = NULL;
	if ((dir = strdup(path)) == NULL)
		return (-1);
	if ((slash = strrchr(dir, '/')) == NULL) {
		name = path;
		free(dir);
		dir = strdup(".");
	} else {
		name = path + (slash - dir) + 1;
		*(slash == dir ? slash + 1 : slash) = '\0';
	}
	if (dir == NULL)
		return (-1);
	dirfd = gw_npipe_dir_open(dir, 0, true, dst, &why);
	if (dirfd == -1 && errno == ENOENT) {
		if (asprintf(cause, "no daemon at %s: %s", path,
		    strerror(ENOENT)) == -1)
			*cause = NULL;
	} else if (dirfd == -1) {
		*cause = why;
		why = NULL;
	} else if ((r = gw_npipe_sock_check(dirfd, dst, path, name, 0, &st,
	    &why)) == 0) {
		if (asprintf(cause, "no daemon at %s: %s", path,
		    strerror(ENOENT)) == -1)
			*cause = NULL;
	} else if (r == -1) {
		*cause = why;
		why = NULL;
	}
	if (dirfd != -1)
		close(dirfd);
	free(why);
	free(dir);
	return (r == 1 ? 0 : -1);
}

evutil_socket_t
gw_os_control_dial(const char *path, char **cause)
{
	struct sockaddr_un	 sun;
	struct stat		 dst;
	int			 fd;

	*cause = NULL;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		if (asprintf(cause, "%s: path too long", path) == -1)
			*cause = NULL;
		return (-1);
	}
	strcpy(sun.sun_path, path);
	if (os_control_trust(path, &dst, cause) == -1)
		return (-1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		if (asprintf(cause, "no daemon at %s: %s", path,
		    strerror(errno)) == -1)
			*cause = NULL;
		if (fd != -1)
			close(fd);
		return (-1);
	}
	if (gw_npipe_peer_check(fd, &dst, path, 0, cause) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

const char *
gw_os_platform_lacks_users(void)
{
	return (NULL);
}

bool
gw_os_connect_pending(int err)
{
	return (err == EINPROGRESS);
}

int
gw_os_file_shared(const char *path, unsigned *mode)
{
	struct stat	st;

	if (stat(path, &st) == -1)
		return (0);
	*mode = (unsigned)(st.st_mode & 07777);
	return ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0);
}
