/*
 * pipe-win32.c: PLACEHOLDER until the Windows named-pipe code lands (issue
 * 13; another branch writes this file).  Every call fails with a cause that
 * says so, so that dbgbridge.exe links and runs without a control pipe.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "osdep/pipe-win32.h"

evutil_socket_t
gw_win_pipe_dial(const char *name, unsigned timeout_ms, char **cause)
{
	(void)name;
	(void)timeout_ms;
	*cause = strdup("the Windows control pipe is not built yet");
	errno = ENOSYS;
	return (-1);
}

struct gw_win_pipe_listener *
gw_win_pipe_listen(struct event_base *base, const char *name,
    void (*cb)(evutil_socket_t, void *), void *arg, char **cause)
{
	(void)base;
	(void)name;
	(void)cb;
	(void)arg;
	*cause = strdup("the Windows control pipe is not built yet");
	/*
	 * Said as "busy", so that a daemon without [gateway] control runs on
	 * without a control pipe (gateway.c, gateway_control), as it does when
	 * another daemon holds the default one.
	 */
	errno = EADDRINUSE;
	return (NULL);
}

void
gw_win_pipe_listen_free(struct gw_win_pipe_listener *l)
{
	(void)l;
}
