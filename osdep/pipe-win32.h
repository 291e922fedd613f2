/*
 * pipe-win32.h: Windows named pipes, served and dialled, handed to the loop
 * as sockets through a pump (osdep/pump-win32.h; doc/design.md "Windows
 * handles").  Used by the npipe transport (transports/npipe-win32.c) and the
 * control channel (\\.\pipe\dbgbridge-control).
 *
 * Every pipe is a byte-mode, full-duplex pipe with overlapped I/O (Win32
 * "CreateNamedPipe", "Named Pipe Type, Read, and Wait Modes").  Names are
 * UTF-8 here and wide (UTF-16) towards Windows.
 */
#ifndef GW_PIPE_WIN32_H
#define GW_PIPE_WIN32_H

#include <stdbool.h>

#include <event2/event.h>
#include <event2/util.h>

/*
 * A new client of a served pipe: fd is the core's end of its pump, connected
 * and nonblocking, the callee's from the call on (evutil_closesocket).
 */
typedef void gw_win_pipe_accept_cb(evutil_socket_t fd, void *arg);

struct gw_win_pipe_listener;

/*
 * Serve the pipe path ("\\.\pipe\NAME", UTF-8).  The first instance is made
 * here with FILE_FLAG_FIRST_PIPE_INSTANCE, so a name another process already
 * serves is refused; afterwards a thread keeps one instance waiting in an
 * overlapped ConnectNamedPipe at all times (PIPE_UNLIMITED_INSTANCES: one per
 * client, the next made as soon as one connects) and hands every connected
 * instance, through a pump, to the loop, where cb runs with its socket (a
 * notification socket pair wakes the loop: libevent needs no thread support).
 *
 * sddl: the pipe's security descriptor in SDDL (Win32 "Security Descriptor
 * String Format"), or NULL for the default: full access for this process's
 * user, the Administrators group and SYSTEM, nobody else, not inherited
 * ("D:P(A;;GA;;;USER-SID)(A;;GA;;;BA)(A;;GA;;;SY)").  remote: false adds
 * PIPE_REJECT_REMOTE_CLIENTS (the control channel); true admits clients on
 * other machines (the debugger's npipe is reachable remotely,
 * doc/transports.md §2.2 npipe).
 *
 * At most GW_WIN_PIPE_QUEUE connected clients wait for the loop (while it is
 * paused, gw_win_pipe_listen_pause); beyond that new clients wait in
 * WaitNamedPipe as they would for a busy server.  Returns the listener, or
 * NULL with a malloc'd *cause naming the pipe and errno EADDRINUSE when
 * another process serves the name ("PATH: another process serves this pipe"),
 * 0 for any other failure.
 */
#define GW_WIN_PIPE_QUEUE	64
struct gw_win_pipe_listener *gw_win_pipe_listen(struct event_base *base,
	    const char *path, const char *sddl, bool remote,
	    gw_win_pipe_accept_cb *cb, void *arg, char **cause);

/*
 * Pause true: connected clients are no longer handed to cb (they wait, up to
 * GW_WIN_PIPE_QUEUE of them); false: hand them over again.  From the loop's
 * thread.  Cannot fail.
 */
void	 gw_win_pipe_listen_pause(struct gw_win_pipe_listener *l, bool pause);

/*
 * Stop serving: the waiting instance is closed (the name goes when the last
 * instance does), clients not yet handed over are closed, the thread is
 * joined.  Pipes already handed over go on.  NULL is a no-op.
 */
void	 gw_win_pipe_listen_free(struct gw_win_pipe_listener *l);

/*
 * A warning the listener's thread met since the last call (a failed
 * CreateNamedPipe of the next instance, which it retries every second; a
 * pump it could not start), malloc'd, or NULL.  For the loop to log.
 */
char	*gw_win_pipe_listen_warning(struct gw_win_pipe_listener *l);

/*
 * Open the pipe path ("\\.\pipe\NAME", "\\HOST\pipe\NAME", UTF-8) as a client
 * (CreateFile, OPEN_EXISTING, FILE_FLAG_OVERLAPPED, identification-level
 * impersonation only: the server learns who we are but cannot act as us,
 * Win32 "Impersonation Levels").  A pipe whose instances are all busy is
 * waited for (WaitNamedPipe) for up to timeout_ms milliseconds.  Blocks the
 * calling thread.  Returns the core's end of a pump over the pipe, connected
 * and nonblocking, or -1 with errno and a malloc'd *cause naming the path:
 * ECONNREFUSED when nothing serves the name (ERROR_FILE_NOT_FOUND), ETIMEDOUT
 * when it stayed busy, EACCES when its security descriptor refuses us,
 * EHOSTUNREACH when the host cannot be reached, EIO for anything else.
 */
evutil_socket_t gw_win_pipe_dial(const char *path, unsigned timeout_ms,
	    char **cause);

/*
 * gw_win_pipe_dial on a thread of its own, for the loop, which must not
 * wait: cb(fd, err, why, arg) runs once, from the loop, with the socket or
 * -1, an errno value as gw_win_pipe_dial sets it and a message (valid during
 * the call), unless gw_win_pipe_dial_cancel comes first.  A busy pipe is
 * waited for until the attempt is cancelled (the caller's connect_timeout)
 * or for at most GW_WIN_PIPE_DIAL_MAX_MS.  Returns the attempt, or NULL when
 * out of memory or out of threads.
 */
#define GW_WIN_PIPE_DIAL_MAX_MS	(10 * 60 * 1000)
struct gw_win_pipe_dialer;
struct gw_win_pipe_dialer *gw_win_pipe_dial_start(struct event_base *base,
	    const char *path, void (*cb)(evutil_socket_t, int, const char *,
	    void *), void *arg);

/*
 * Abandon an attempt from the loop: cb will not run, a pipe opened for it is
 * closed.  The thread notices within a quarter of a second when it waits for
 * a busy pipe; an open of a remote pipe is left to finish by itself.  Not
 * from inside cb.  NULL is a no-op.
 */
void	 gw_win_pipe_dial_cancel(struct gw_win_pipe_dialer *d);

#endif /* GW_PIPE_WIN32_H */
