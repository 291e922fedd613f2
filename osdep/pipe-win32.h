/*
 * pipe-win32.h: the control channel's named pipe on Windows
 * (\\.\pipe\NAME; the Win32 docs, "Named Pipes"), used by
 * osdep/osdep-win32.c for gw_os_control_listen and gw_os_control_dial
 * (doc/design.md "Building for Windows").
 */
#ifndef GW_OSDEP_PIPE_WIN32_H
#define GW_OSDEP_PIPE_WIN32_H

#include <event2/util.h>

struct event_base;
struct gw_win_pipe_listener;

/*
 * Connect to the pipe name (the full "\\.\pipe\NAME"), waiting up to
 * timeout_ms for a busy pipe (WaitNamedPipe).  Returns a connected socket
 * that carries the pipe's bytes both ways (close it with
 * evutil_closesocket), or -1 with a malloc'd *cause naming the pipe and errno
 * ECONNREFUSED when nothing serves it.
 */
evutil_socket_t	 gw_win_pipe_dial(const char *name, unsigned timeout_ms,
		    char **cause);

/*
 * Serve the pipe name: cb(fd, arg) runs from base's loop once per client,
 * with a socket that carries that client's bytes (owned by the callee).
 * Returns the listener, or NULL with a malloc'd *cause and errno EADDRINUSE
 * when another process serves the name (FILE_FLAG_FIRST_PIPE_INSTANCE).
 */
struct gw_win_pipe_listener *gw_win_pipe_listen(struct event_base *base,
		    const char *name, void (*cb)(evutil_socket_t fd, void *arg),
		    void *arg, char **cause);

/* Stop serving and free.  NULL is a no-op. */
void		 gw_win_pipe_listen_free(struct gw_win_pipe_listener *l);

#endif /* GW_OSDEP_PIPE_WIN32_H */
