/*
 * osdep.h: what the daemon asks of the operating system, behind one
 * interface (doc/design.md "Platforms"), as tmux keeps its osdep-*.c.
 *
 * Every function here is defined by the files configure chooses for the
 * host: osdep-win32.c on Windows (doc/design.md "Building for Windows"), or
 * osdep-posix.c and paths-posix.c on every Unix (users and the privilege
 * drop, signals, the descriptor limit, the runtime directory, service
 * notification, syslog, TCP keepalive, the reload thread, the control
 * socket, the configuration directories), plus osdep-linux.c on Linux or
 * osdep-unknown.c elsewhere (allocator tuning, the file-system gid, the
 * relay accelerator, what accepted sockets inherit), and service-posix.c
 * (no Windows services or event log there); on Windows osdep-win32.c and
 * service-win32.c (the service and the event log).  gateway/ and the
 * generic transport code include this header and no system header of their
 * own for these things; another platform is new files (doc/design.md "Adding
 * a platform").
 */
#ifndef GW_OSDEP_H
#define GW_OSDEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/util.h>

#include "config/config.h"	/* enum gw_log_level, enum gw_log_facility */

/* ------------------------------------------------------------ the process */

/*
 * Tune the C library's allocator for bulk relaying: keep freed memory for
 * reuse instead of handing it back at once (glibc: mallopt(3)
 * M_MMAP_THRESHOLD 1 MiB, M_TRIM_THRESHOLD 4 MiB).  Elsewhere nothing.  Call
 * once, first thing in main.  Never fails.
 */
void		 gw_os_tune_allocator(void);

/* What a signal (or the platform's own event) asks of the daemon. */
enum gw_os_signal {
	GW_OS_SIGNAL_STOP,	/* SIGTERM: stop (dbgbridge(8) "SIGNALS") */
	GW_OS_SIGNAL_INTERRUPT,	/* SIGINT: stop, the same way */
	GW_OS_SIGNAL_RELOAD,	/* SIGHUP: reload the configuration */
};

/*
 * The signal number libevent's evsignal_new watches for what, or -1 when
 * the platform has none for it (the caller then does without).
 */
int		 gw_os_signal_number(enum gw_os_signal what);

/* A signal number's name for the log ("Terminated"; strsignal(3)). */
const char	*gw_os_signal_name(int sig);

/*
 * Ignore what would kill the process on a write to a peer that reset
 * (SIGPIPE; the write fails with EPIPE instead, signal(7)).  Never fails.
 */
void		 gw_os_signals_init(void);

/* gw_os_fd_limit's answer when there is no limit or it cannot be read. */
#define GW_OS_FD_UNLIMITED	UINT64_MAX

/*
 * The descriptor limit: one more than the highest descriptor number the
 * process may open (RLIMIT_NOFILE's soft limit, getrlimit(2)), or
 * GW_OS_FD_UNLIMITED.
 */
uint64_t	 gw_os_fd_limit(void);

/* This process's id, for service notification (MAINPID, getpid(2)). */
long		 gw_os_pid(void);

/*
 * CLOCK_MONOTONIC now, in microseconds, into *usec (clock_gettime(2)).
 * Returns 0, or -1 when the clock cannot be read.
 */
int		 gw_os_monotonic_usec(uint64_t *usec);

/*
 * Does this network namespace hold a listening Unix-domain socket bound to
 * the file want (its device and inode)?  1 yes, 0 no, -1 cannot tell.  Asked
 * of the kernel's socket diagnostics on Linux (sock_diag(7), unix_diag),
 * never of /proc/net/unix, whose paths are printed as they are: a path with
 * a newline in it, which any user may bind, adds a line of its owner's
 * choosing.  The kernel gives the inode in 32 bits: a false match only makes
 * a stale socket look live, never the reverse.  Elsewhere -1 (the caller
 * then asks by connecting).  Used by npipe-unix.c's stale-socket check.
 */
struct stat;
int		 gw_os_unix_listening(const struct stat *want);

/* A thread started by gw_os_thread_start (opaque). */
struct gw_os_thread;

/*
 * Run fn(arg) on a thread of its own, with every signal blocked on it, so
 * that signals stay with the loop's thread (libevent's evsignal;
 * pthread_sigmask(3), pthread_create(3)).  *thread: to join.  Returns 0, or
 * an errno value (nothing started).
 */
int		 gw_os_thread_start(struct gw_os_thread **thread,
		    void *(*fn)(void *), void *arg);

/* Wait for the thread to return, and free it (pthread_join(3)). */
void		 gw_os_thread_join(struct gw_os_thread *thread);

/*
 * Let the thread run on by itself and free its handle: its resources go when
 * it returns (pthread_detach(3)).  For a thread that may never return (a
 * read that blocks for ever), at exit.
 */
void		 gw_os_thread_detach(struct gw_os_thread *thread);

/* ------------------------------------------------------------ users */

/* True when the user account exists (getpwnam(3)). */
bool		 gw_os_user_exists(const char *user);

/*
 * The numeric user id of the account into *uid.  Returns 0, or -1 when
 * there is no such user.
 */
int		 gw_os_user_id(const char *user, unsigned long *uid);

/* True when the process runs as root (real and effective uid 0). */
bool		 gw_os_is_root(void);

/* The effective user id (geteuid(2)), for messages and comparisons. */
unsigned long	 gw_os_euid(void);

/*
 * Become the user for good (dbgbridge.ini(5) "user"): setgid, initgroups,
 * setuid, in that order (setuid(2), initgroups(3)), then check that root
 * cannot be had back.  Needs root.  On success *uid and *gid hold the ids
 * now in force.  Returns 0, or -1 with *cause (malloc'd) saying why: no such
 * user, a failed call (its errno), or root regained.
 */
int		 gw_os_become_user(const char *user, unsigned long *uid,
		    unsigned long *gid, char **cause);

/*
 * Still root: whether the user could open each of n paths for reading
 * (dirs[i] true: as a directory).  A child process becomes the user and
 * opens each path; errs[i] gets 0 or the errno of its open(2).  Returns 0,
 * or -1 with *cause (static text or an strerror) when the check itself
 * could not run.
 */
int		 gw_os_user_can_read(const char *user, const char *const *paths,
		    const bool *dirs, size_t n, int *errs, const char **cause);

/*
 * Set the file-system group id, the group a file made from now on gets
 * (setfsgid(2), Linux), to gid.  Returns the one in force before, to give
 * back with another call, or -1 where the platform has no such id (the
 * caller then changes the group of what it made afterwards).
 */
int		 gw_os_fsgid(unsigned long gid);

/*
 * Whether this process may make and remove entries in directory dir
 * (access(2) W_OK | X_OK).  Returns 0, or -1 with errno set.
 */
int		 gw_os_dir_writable(const char *dir);

/* ------------------------------------------------------------ runtime dir */

/*
 * The directory for sockets made at run time (dbgbridge(8) "FILES"): the
 * first of systemd's $RUNTIME_DIRECTORY, /run/dbgbridge for root,
 * $XDG_RUNTIME_DIR/dbgbridge, else /tmp/dbgbridge-UID.  Returns a malloc'd
 * path, or NULL when out of memory.
 */
char		*gw_os_runtime_dir(void);

/*
 * Make directory dir (mode 0755) and give it to user id uid (fchown(2) of the
 * directory just made, opened without following a link).  Returns 1 when it
 * was made and given, 0 when it could not be made (it exists, or its parent
 * is missing: left to the listeners' checks), -1 with *cause (malloc'd) when
 * it was made but could not be given.
 */
int		 gw_os_runtime_make(const char *dir, unsigned long uid,
		    char **cause);

/* ------------------------------------------------------------ notification */

/*
 * Send state (newline-separated VARIABLE=VALUE assignments) to the service
 * manager at address path, as one datagram (sd_notify(3) "Notes": a '/'
 * path, or '@' for a name in the Linux abstract namespace) on a fresh
 * blocking socket closed before returning.  Returns 0, or -1 with *cause
 * (malloc'd): the address does not fit or is not one of those forms, or a
 * failed socket(2) or sendto(2).
 */
int		 gw_os_notify(const char *path, const char *state,
		    char **cause);

/* ------------------------------------------------------------ the log sink */

/*
 * Open the system log (syslog(3), ident "dbgbridge", LOG_PID | LOG_NDELAY)
 * with the facility (LOG_DAEMON, LOG_USER, LOG_LOCAL0..7), or reopen it with
 * another.  Never fails.
 */
void		 gw_os_syslog_open(enum gw_log_facility facility);

/* Close the system log. */
void		 gw_os_syslog_close(void);

/* Write one line to the system log at the level (LOG_ERR .. LOG_DEBUG). */
void		 gw_os_syslog(enum gw_log_level level, const char *line);

/* ------------------------------------------------------------ sockets */

struct gw_relay_accel;

/*
 * The relay accelerator of this platform (gateway/relay_accel.h: Linux's is
 * gateway/relay-linux.c, splice(2) and readv(2)), or NULL when there is
 * none and the relay uses libevent's bufferevents alone.  Static; never
 * freed.
 */
const struct gw_relay_accel *gw_os_relay_accel(void);

/*
 * Keepalive timing on TCP socket fd: idle seconds before the first probe,
 * seconds between probes, probes unanswered before the connection is dead
 * (tcp(7) TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT).  Where the platform
 * cannot set them, its defaults stay and this returns 0.  Returns 0, or -1
 * with the socket error set.
 */
int		 gw_os_tcp_keepalive(evutil_socket_t fd, int idle, int intvl,
		    int cnt);

/*
 * True when a socket accepted from a TCP listener inherits the listener's
 * TCP_NODELAY and SO_KEEPALIVE settings (Linux, tcp(7)), so that it needs no
 * tuning of its own.
 */
bool		 gw_os_accept_inherits(void);

/*
 * A new TCP (SOCK_STREAM) socket of the family (AF_INET, AF_INET6),
 * non-blocking and not inherited by child processes (socket(2)
 * SOCK_NONBLOCK | SOCK_CLOEXEC; on Windows socket() and ioctlsocket
 * FIONBIO).  Returns the socket, or -1 with the socket error set
 * (EVUTIL_SOCKET_ERROR).
 */
evutil_socket_t	 gw_os_stream_socket(int family);

/*
 * A socket error (EVUTIL_SOCKET_ERROR, SO_ERROR) as the errno value the core
 * classifies (ECONNREFUSED, EADDRINUSE, ETIMEDOUT, ...; gateway/outcome.c):
 * on Unix the same number, on Windows the WSAE* code's E* twin (the Win32
 * docs, "Windows Sockets Error Codes").  A code with no twin is returned as
 * it is.  Pure.
 */
int		 gw_os_socket_errno(int err);

/*
 * Whether a connect(2) on a non-blocking socket that failed with socket
 * error err is still in progress (EINPROGRESS; on Windows WSAEWOULDBLOCK,
 * the Win32 docs, "connect"): its outcome comes when the socket is writable.
 */
bool		 gw_os_connect_pending(int err);

/*
 * Make the next close of socket fd send a reset, not a FIN: SO_LINGER on,
 * zero seconds (socket(7); the Win32 docs, "Graceful Shutdown, Linger
 * Options, and Socket Closure").  For a link the session aborts.  Errors are
 * ignored: the close that follows still closes.
 */
void		 gw_os_socket_abort(evutil_socket_t fd);

/* ------------------------------------------------------------ control */

/*
 * The control channel of `dbgbridge ctl` (gateway/control.h; doc/design.md
 * "Platforms") is served by the npipe endpoint, as a route's pipe is
 * (gateway/control.c, transports/transport.h gw_npipe_listen): on Unix a
 * Unix-domain socket at a path, mode 0600, in a directory no other user
 * could have made (transports/npipe-unix.c's rules); on Windows the named
 * pipe \\.\pipe\dbgbridge-NAME, local clients only.  The platform says
 * which pipe a path names, and dials it for the client.
 */

/*
 * The pipe that serves the control channel at path, as gw_npipe_listen
 * takes it (struct gw_listen_params pipe_dir and pipe): on Unix *dir is
 * path's directory ("/" for a path at the root) and *name its last
 * component; on Windows *dir is NULL and *name dbgbridge-NAME, NAME the
 * path's last component ("control" when it has none), or
 * dbgbridge-INSTANCE-control for the default path of service instance
 * INSTANCE (osdep/service-win32.h gw_win_service_instance), so that
 * instances side by side each have their own (`dbgbridge ctl -S
 * INSTANCE-control` reaches it).  Both point into the returned storage
 * (malloc'd: free it once done with them).  Returns NULL with a malloc'd
 * *cause ("PATH: needs a directory and a name", "out of memory"; NULL when
 * out of memory for that too).
 */
char		*gw_os_control_pipe(const char *path, const char **dir,
		    const char **name, char **cause);

/*
 * Connect to the control channel at path, as `dbgbridge ctl` does: on Unix
 * only once the socket's directory and the socket pass the trust rules and
 * the peer is a trusted user (dbgbridge(8) "dbgbridge ctl"); on Windows to
 * the pipe gw_os_control_pipe names (gw_npipe_path's \\.\pipe\NAME), up to
 * 5 s while every instance is busy.  Returns a connected blocking socket
 * (close it with evutil_closesocket), or -1 with a malloc'd *cause ("no
 * daemon at PATH: ...", or the refusal).
 */
evutil_socket_t	 gw_os_control_dial(const char *path, char **cause);

/* ------------------------------------------------------------ paths */

/*
 * Whether the file at path (a private key) may be read by users other than
 * its owner: on Unix its mode gives group or others any right (stat(2);
 * *mode: its permission bits, for the message).  On Windows 0: who may read
 * a file is its access control list, which the C runtime's stat does not
 * show (it reports every file as readable by all; the Win32 docs, "_stat").
 * Returns 1 yes, 0 no (or it cannot be looked at: opening it says why).
 */
int		 gw_os_file_shared(const char *path, unsigned *mode);

/*
 * The machine-wide configuration directory: SYSCONFDIR/dbgbridge on Unix,
 * %ProgramData%\dbgbridge on Windows (doc/design.md "Building for
 * Windows").  Holds dbgbridge.ini and the machine certificate store
 * (certs).  Returns a malloc'd path, or NULL when out of memory.
 */
char		*gw_os_machine_dir(void);

/*
 * The per-user configuration directory: $XDG_CONFIG_HOME, else
 * $HOME/.config (XDG Base Directory) on Unix, %APPDATA% on Windows.  Returns
 * a malloc'd path, or NULL when there is none (or out of memory).
 */
char		*gw_os_user_config_dir(void);

/*
 * The platform's name, for messages that say a setting has no meaning
 * here ("Windows"), or NULL on Unix, where every setting has one.
 */
const char	*gw_os_platform_lacks_users(void);

/* ------------------------------------------------------------ services */

/*
 * `dbgbridge service ...` (dbgbridge(8) "WINDOWS SERVICE"; doc/design.md
 * "The Windows service"): argv[0] is "service", then install [-f FILE]
 * [--name NAME] [--demand], remove [--name NAME] or run [--name NAME]
 * [-f FILE].  run is what the Service Control Manager starts: it hands the
 * daemon to the service dispatcher, which calls daemon(dargc, dargv) with
 * "-f FILE" on the service's own thread and reports its states; started
 * from a console it calls daemon in the foreground.  Returns the exit
 * status (0, 1 failed, 2 usage).  Where the platform has no such services
 * (Unix: systemd's unit is contrib/dbgbridge.service) it says so on stderr
 * and returns 2.
 */
int		 gw_os_service_main(int argc, char **argv,
		    int (*daemon)(int dargc, char **dargv));

/*
 * Where gw_os_notify sends the daemon's state (gateway/notify.c): systemd's
 * $NOTIFY_SOCKET on Unix; on Windows, while this process is a service,
 * "scm" (the Service Control Manager: READY=1 reports SERVICE_RUNNING,
 * STOPPING=1 SERVICE_STOP_PENDING).  NULL or "": nobody listens.
 */
const char	*gw_os_notify_address(void);

/* ------------------------------------------------------------ event log */

/*
 * Whether the platform has the Windows Event Log ([gateway] log = eventlog;
 * dbgbridge.ini(5) "log").  false on Unix, where log = eventlog is an error
 * of the configuration.
 */
bool		 gw_os_has_eventlog(void);

/*
 * Open the event source named after the service instance ("dbgbridge", or
 * the NAME of `service install --name NAME`; RegisterEventSource, the Win32
 * docs).  Returns 0, or -1 with *cause (malloc'd) saying why; on Unix
 * always -1.
 */
int		 gw_os_eventlog_open(char **cause);

/* Close the event source (DeregisterEventSource).  Never fails. */
void		 gw_os_eventlog_close(void);

/*
 * Write one line as an event of the level's type (error, warning,
 * information; debug is information) with the line as its only string
 * (ReportEvent).  Errors are ignored: the log has nowhere else to say so.
 */
void		 gw_os_eventlog(enum gw_log_level level, const char *line);

#endif /* GW_OSDEP_H */
