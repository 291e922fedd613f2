/*
 * osdep-win32.c: osdep.h on Windows (mingw-w64; doc/design.md "Building for
 * Windows").  See osdep.h.
 *
 * What has no Windows meaning says so or does nothing: there are no users to
 * become ([gateway] user, pipe_group and pipe_mode: `dbgbridge -n` says they
 * have no meaning here), no SIGHUP (a reload is `dbgbridge ctl reload`), no
 * syslog (log = syslog goes to standard error; the Event Log is log =
 * eventlog), no allocator tuning and no relay accelerator.  The service
 * (the SCM's status in place of sd_notify, the event source) is
 * service-win32.c.
 * Winsock is started before main (WSAStartup, the Win32 docs).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <winsock2.h>
#include <ws2tcpip.h>
#include <mstcpip.h>
#include <windows.h>

#include <errno.h>
#include <io.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "osdep/compat.h"
#include "osdep/osdep.h"
#include "osdep/pipe-win32.h"
#include "osdep/service-win32.h"
#include "transports/transport.h"

/*
 * Winsock must be started before any socket call (the Win32 docs,
 * "WSAStartup"): in every program libgw.a is linked into (the daemon, the
 * unit tests), before main, once.  A failure leaves every later socket call
 * failing with WSANOTINITIALISED, which each caller reports.
 */
static void __attribute__((constructor))
os_winsock_start(void)
{
	WSADATA	wsa;

	(void)WSAStartup(MAKEWORD(2, 2), &wsa);
}

/* ------------------------------------------------------------ the process */

/* The C runtime's allocator (the process heap) keeps its defaults. */
void
gw_os_tune_allocator(void)
{
}

/*
 * The stop path (dbgbridge(8) "SIGNALS"): Ctrl-C is SIGINT, raised by the C
 * runtime; Ctrl-Break, closing the console, logoff and shutdown (the Win32
 * docs, "HandlerRoutine") are SIGTERM, raised by os_console_handler.  Both
 * reach the loop through libevent's evsignal, whose handler only writes to
 * its socket pair, so the hand-over from the console's thread is safe.  No
 * SIGHUP: reload is `dbgbridge ctl reload`.
 */
int
gw_os_signal_number(enum gw_os_signal what)
{
	switch (what) {
	case GW_OS_SIGNAL_STOP:
		return (SIGTERM);
	case GW_OS_SIGNAL_INTERRUPT:
		return (SIGINT);
	case GW_OS_SIGNAL_RELOAD:
		return (-1);
	}
	return (-1);
}

/* The names strsignal(3) gives on Linux, for the same log lines. */
const char *
gw_os_signal_name(int sig)
{
	switch (sig) {
	case SIGINT:
		return ("Interrupt");
	case SIGTERM:
		return ("Terminated");
	default:
		return ("Signal");
	}
}

/*
 * Runs on a thread the system starts for the event (the Win32 docs,
 * "HandlerRoutine").  Ctrl-C is left to the C runtime's handler (FALSE:
 * the next handler runs), which raises SIGINT.  The others raise SIGTERM
 * here: raise() calls libevent's handler on this thread, which writes to
 * the loop's socket pair.  For CTRL_CLOSE_EVENT the system ends the process
 * once this returns (after at most 5 s): wait that long for the loop to
 * stop, so that the sessions are reset and the log says why.
 */
static BOOL WINAPI
os_console_handler(DWORD event)
{
	switch (event) {
	case CTRL_C_EVENT:
		return (FALSE);
	case CTRL_LOGOFF_EVENT:
		/* A service outlives a user's logoff (the Win32 docs). */
		if (gw_win_service_active())
			return (TRUE);
		/* FALLTHROUGH */
	case CTRL_CLOSE_EVENT:
	case CTRL_SHUTDOWN_EVENT:
		raise(SIGTERM);
		Sleep(4000);
		return (TRUE);
	default:	/* CTRL_BREAK_EVENT */
		raise(SIGTERM);
		return (TRUE);
	}
}

/* No SIGPIPE on Windows; the console's events are the stop signals. */
void
gw_os_signals_init(void)
{
	SetConsoleCtrlHandler(os_console_handler, TRUE);
}

/*
 * Windows has no descriptor limit (sockets are limited by memory; the Win32
 * docs, "Maximum Number of Sockets Supported"), and libevent's win32 backend
 * grows its sets as needed.  16384 open sockets bound the daemon as a
 * generous RLIMIT_NOFILE does on Linux, so that the "descriptor limit"
 * refusal (dbgbridge(8)) still stops a flood before memory runs out.
 */
uint64_t
gw_os_fd_limit(void)
{
	return (16384);
}

long
gw_os_pid(void)
{
	return ((long)GetCurrentProcessId());
}

/* QueryPerformanceCounter: monotonic, below a microsecond (the Win32 docs). */
int
gw_os_monotonic_usec(uint64_t *usec)
{
	LARGE_INTEGER	freq, now;

	if (!QueryPerformanceFrequency(&freq) || freq.QuadPart <= 0 ||
	    !QueryPerformanceCounter(&now))
		return (-1);
	*usec = (uint64_t)(now.QuadPart / freq.QuadPart) * 1000000ULL +
	    (uint64_t)(now.QuadPart % freq.QuadPart) * 1000000ULL /
	    (uint64_t)freq.QuadPart;
	return (0);
}

/* No gw_os_unix_listening on Windows: the caller connects to ask. */
int
gw_os_unix_listening(const struct stat *want)
{
	(void)want;
	return (-1);
}

struct gw_os_thread {
	HANDLE	  handle;
	void	*(*fn)(void *);
	void	 *arg;
};

static DWORD WINAPI
os_thread_main(LPVOID p)
{
	struct gw_os_thread	*t = p;

	t->fn(t->arg);
	return (0);
}

/* CreateThread (the Win32 docs); signals are the loop's (see above). */
int
gw_os_thread_start(struct gw_os_thread **thread, void *(*fn)(void *),
    void *arg)
{
	struct gw_os_thread	*t;

	if ((t = calloc(1, sizeof *t)) == NULL)
		return (ENOMEM);
	t->fn = fn;
	t->arg = arg;
	if ((t->handle = CreateThread(NULL, 0, os_thread_main, t, 0,
	    NULL)) == NULL) {
		free(t);
		return (EAGAIN);
	}
	*thread = t;
	return (0);
}

void
gw_os_thread_join(struct gw_os_thread *thread)
{
	WaitForSingleObject(thread->handle, INFINITE);
	CloseHandle(thread->handle);
	free(thread);
}

/*
 * The thread may still run and read its struct: leave that allocated (one
 * small block at exit, the only caller).
 */
void
gw_os_thread_detach(struct gw_os_thread *thread)
{
	CloseHandle(thread->handle);
	thread->handle = NULL;
}

/* ------------------------------------------------------------ users */

/*
 * No accounts to become on Windows: the configuration check refuses
 * [gateway] user (gw_os_platform_lacks_users), so these only say no.
 */
bool
gw_os_user_exists(const char *user)
{
	(void)user;
	return (false);
}

int
gw_os_user_id(const char *user, unsigned long *uid)
{
	(void)user;
	(void)uid;
	return (-1);
}

bool
gw_os_is_root(void)
{
	return (false);
}

unsigned long
gw_os_euid(void)
{
	return (0);
}

int
gw_os_become_user(const char *user, unsigned long *uid, unsigned long *gid,
    char **cause)
{
	(void)uid;
	(void)gid;
	if (asprintf(cause, "user '%s': has no meaning on Windows", user) == -1)
		*cause = NULL;
	return (-1);
}

int
gw_os_user_can_read(const char *user, const char *const *paths,
    const bool *dirs, size_t n, int *errs, const char **cause)
{
	(void)user;
	(void)paths;
	(void)dirs;
	(void)n;
	(void)errs;
	*cause = "users have no meaning on Windows";
	return (-1);
}

int
gw_os_fsgid(unsigned long gid)
{
	(void)gid;
	return (-1);
}

/* _access with mode 2, write (the C runtime's docs, "_access"). */
int
gw_os_dir_writable(const char *dir)
{
	return (_access(dir, 2));
}

/* ------------------------------------------------------------ runtime dir */

/* %ProgramData%\dbgbridge, else C:\ProgramData\dbgbridge. */
char *
gw_os_machine_dir(void)
{
	const char	*env = getenv("ProgramData");
	char		*dir;

	if (env == NULL || *env == '\0')
		env = "C:\\ProgramData";
	return (asprintf(&dir, "%s\\dbgbridge", env) == -1 ? NULL : dir);
}

/* %APPDATA% (the roaming profile), or none. */
char *
gw_os_user_config_dir(void)
{
	const char	*env = getenv("APPDATA");

	return (env != NULL && *env != '\0' ? strdup(env) : NULL);
}

/* The runtime directory is the machine directory: nothing lives there yet. */
char *
gw_os_runtime_dir(void)
{
	return (gw_os_machine_dir());
}

int
gw_os_runtime_make(const char *dir, unsigned long uid, char **cause)
{
	(void)uid;
	(void)cause;
	return (CreateDirectoryA(dir, NULL) ? 1 : 0);
}

/* ------------------------------------------------------------ notification */

/* gw_os_notify and gw_os_notify_address: the service's (service-win32.c). */

/* ------------------------------------------------------------ the log sink */

/* No syslog: log = syslog writes to standard error, one line at a time. */
void
gw_os_syslog_open(enum gw_log_facility facility)
{
	(void)facility;
}

void
gw_os_syslog_close(void)
{
}

void
gw_os_syslog(enum gw_log_level level, const char *line)
{
	(void)level;
	fprintf(stderr, "dbgbridge: %s\n", line);
	fflush(stderr);
}

/* ------------------------------------------------------------ sockets */

const struct gw_relay_accel *
gw_os_relay_accel(void)
{
	return (NULL);
}

/*
 * SIO_KEEPALIVE_VALS (the Win32 docs): idle time and interval in
 * milliseconds; the probe count is the system's (10 since Windows Vista),
 * so cnt is not used.
 */
int
gw_os_tcp_keepalive(evutil_socket_t fd, int idle, int intvl, int cnt)
{
	struct tcp_keepalive	ka;
	DWORD			got = 0;

	(void)cnt;
	ka.onoff = 1;
	ka.keepalivetime = (ULONG)idle * 1000;
	ka.keepaliveinterval = (ULONG)intvl * 1000;
	if (WSAIoctl((SOCKET)fd, SIO_KEEPALIVE_VALS, &ka, sizeof ka, NULL, 0,
	    &got, NULL, NULL) == SOCKET_ERROR)
		return (-1);
	return (0);
}

/* An accepted socket is tuned on its own (transports/transport.c). */
bool
gw_os_accept_inherits(void)
{
	return (false);
}

/*
 * socket(), not inherited by child processes (SetHandleInformation; the
 * Win32 docs, "socket": sockets are inheritable by default), non-blocking
 * (ioctlsocket FIONBIO, through libevent).
 */
evutil_socket_t
gw_os_stream_socket(int family)
{
	SOCKET	s;
	int	err;

	if ((s = socket(family, SOCK_STREAM, IPPROTO_TCP)) == INVALID_SOCKET)
		return (-1);
	(void)SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
	if (evutil_make_socket_nonblocking((evutil_socket_t)s) == -1) {
		err = WSAGetLastError();
		closesocket(s);
		WSASetLastError(err);
		return (-1);
	}
	return ((evutil_socket_t)s);
}

/* The Win32 docs, "Windows Sockets Error Codes": WSAE* to errno. */
int
gw_os_socket_errno(int err)
{
	static const struct {
		int	wsa;
		int	e;
	} map[] = {
		{ WSAEWOULDBLOCK, EAGAIN },
		{ WSAEINPROGRESS, EINPROGRESS },
		{ WSAEALREADY, EALREADY },
		{ WSAEINTR, EINTR },
		{ WSAEBADF, EBADF },
		{ WSAEACCES, EACCES },
		{ WSAEFAULT, EFAULT },
		{ WSAEINVAL, EINVAL },
		{ WSAEMFILE, EMFILE },
		{ WSAENOTSOCK, ENOTSOCK },
		{ WSAEMSGSIZE, EMSGSIZE },
		{ WSAEAFNOSUPPORT, EAFNOSUPPORT },
		{ WSAEPFNOSUPPORT, EAFNOSUPPORT },
		{ WSAEADDRINUSE, EADDRINUSE },
		{ WSAEADDRNOTAVAIL, EADDRNOTAVAIL },
		{ WSAENETDOWN, ENETDOWN },
		{ WSAENETUNREACH, ENETUNREACH },
		{ WSAENETRESET, ENETRESET },
		{ WSAECONNABORTED, ECONNABORTED },
		{ WSAECONNRESET, ECONNRESET },
		{ WSAENOBUFS, ENOBUFS },
		{ WSAEISCONN, EISCONN },
		{ WSAENOTCONN, ENOTCONN },
		{ WSAESHUTDOWN, EPIPE },
		{ WSAETIMEDOUT, ETIMEDOUT },
		{ WSAECONNREFUSED, ECONNREFUSED },
		{ WSAEHOSTUNREACH, EHOSTUNREACH },
	};
	size_t	i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++) {
		if (map[i].wsa == err)
			return (map[i].e);
	}
	return (err);
}

/* A non-blocking connect reports WSAEWOULDBLOCK (the Win32 docs, "connect"). */
bool
gw_os_connect_pending(int err)
{
	return (err == WSAEWOULDBLOCK || err == WSAEINPROGRESS);
}

void
gw_os_socket_abort(evutil_socket_t fd)
{
	struct linger	rst = { 1, 0 };

	(void)setsockopt((SOCKET)fd, SOL_SOCKET, SO_LINGER, (const char *)&rst,
	    sizeof rst);
}

/* ------------------------------------------------------------ control */

/*
 * The control pipe's name: dbgbridge-NAME, or dbgbridge-INSTANCE-control
 * (osdep.h gw_os_control_pipe).  Returns a malloc'd name or NULL.
 */
static char *
os_control_name(const char *path)
{
	const char	*name = path, *p;
	char		*pipe;

	for (p = path; *p != '\0'; p++) {
		if (*p == '/' || *p == '\\' || *p == ':')
			name = p + 1;
	}
	if (*name == '\0')
		name = "control";
	if (strcmp(name, "control") == 0 && gw_win_service_instance() != NULL)
		return (asprintf(&pipe, "dbgbridge-%s-control",
		    gw_win_service_instance()) == -1 ? NULL : pipe);
	return (asprintf(&pipe, "dbgbridge-%s", name) == -1 ? NULL : pipe);
}

/* No directory on Windows: the name is the pipe's (osdep.h). */
char *
gw_os_control_pipe(const char *path, const char **dir, const char **name,
    char **cause)
{
	char	*pipe;

	*cause = NULL;
	if ((pipe = os_control_name(path)) == NULL) {
		*cause = strdup("out of memory");
		return (NULL);
	}
	*dir = NULL;
	*name = pipe;
	return (pipe);
}

/*
 * Up to 5 s for a busy pipe: the daemon serves one client at a time.  The
 * pipe's path is the npipe endpoint's (gw_npipe_path), as served.
 */
evutil_socket_t
gw_os_control_dial(const char *path, char **cause)
{
	evutil_socket_t	 fd;
	char		 pipe[GW_SPEC_PIPE_MAX + 64], *name, *why = NULL;

	*cause = NULL;
	if ((name = os_control_name(path)) == NULL)
		return (-1);
	if (gw_npipe_path(NULL, name, false, pipe, sizeof pipe, cause) == -1) {
		free(name);
		return (-1);
	}
	free(name);
	if ((fd = gw_win_pipe_dial(pipe, 5000, &why)) == -1) {
		if (asprintf(cause, "no daemon at %s: %s", pipe, why != NULL ?
		    why : "out of memory") == -1)
			*cause = NULL;
	} else {
		/* Blocking, as osdep.h says: the pump's socket is not. */
		u_long	off = 0;

		ioctlsocket(fd, FIONBIO, &off);
	}
	free(why);
	return (fd);
}

/* The file's ACL decides, which stat does not show: see osdep.h. */
int
gw_os_file_shared(const char *path, unsigned *mode)
{
	(void)path;
	*mode = 0;
	return (0);
}

const char *
gw_os_platform_lacks_users(void)
{
	return ("Windows");
}

/* ------------------------------------------------------------ compat.h */

char *
strndup(const char *s, size_t n)
{
	size_t	 len = strnlen(s, n);
	char	*p;

	if ((p = malloc(len + 1)) == NULL)
		return (NULL);
	memcpy(p, s, len);
	p[len] = '\0';
	return (p);
}

void *
reallocarray(void *p, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size) {
		errno = ENOMEM;
		return (NULL);
	}
	return (realloc(p, nmemb * size));
}

char *
strsep(char **sp, const char *delim)
{
	char	*s = *sp, *end;

	if (s == NULL)
		return (NULL);
	end = s + strcspn(s, delim);
	if (*end != '\0')
		*end++ = '\0';
	else
		end = NULL;
	*sp = end;
	return (s);
}

char *
strcasestr(const char *hay, const char *needle)
{
	size_t	n = strlen(needle);

	for (; *hay != '\0'; hay++) {
		if (strncasecmp(hay, needle, n) == 0)
			return ((char *)hay);
	}
	return (n == 0 ? (char *)hay : NULL);
}

int
setenv(const char *name, const char *value, int overwrite)
{
	if (!overwrite && getenv(name) != NULL)
		return (0);
	return (_putenv_s(name, value) == 0 ? 0 : -1);
}

/* An empty value removes the variable (the C runtime's docs, "_putenv_s"). */
int
unsetenv(const char *name)
{
	return (_putenv_s(name, "") == 0 ? 0 : -1);
}

char *
mkdtemp(char *template)
{
	size_t	n = strlen(template);
	int	i;

	/* Bounded: _mktemp_s has 26 names per template and process. */
	for (i = 0; i < 26; i++) {
		if (n < 6 || _mktemp_s(template, n + 1) != 0)
			return (NULL);
		if (CreateDirectoryA(template, NULL))
			return (template);
		if (GetLastError() != ERROR_ALREADY_EXISTS)
			return (NULL);
		memset(template + n - 6, 'X', 6);
	}
	errno = EEXIST;
	return (NULL);
}

/* SecureZeroMemory is never optimised away (the Win32 docs). */
void
explicit_bzero(void *p, size_t n)
{
	SecureZeroMemory(p, n);
}
