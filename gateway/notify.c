/*
 * notify.c: the sd_notify(3) datagram protocol.  See notify.h.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "gateway/log.h"
#include "gateway/notify.h"
#include "osdep/osdep.h"

int
gw_notify(const char *state)
{
	const char	*path = gw_os_notify_address();
	char		*cause;

	if (path == NULL || *path == '\0')
		return (0);
	if (gw_os_notify(path, state, &cause) == -1) {
		gw_log_warn("notify: %s", cause != NULL ? cause :
		    "out of memory");
		free(cause);
		return (-1);
	}
	return (1);
}

int
gw_notify_ready(size_t nroutes)
{
	char	msg[128];

	snprintf(msg, sizeof msg, "READY=1\nSTATUS=serving %zu route%s\n"
	    "MAINPID=%ld", nroutes, nroutes == 1 ? "" : "s", gw_os_pid());
	return (gw_notify(msg));
}

int
gw_notify_reloading(void)
{
	uint64_t	usec;
	char		msg[96];

	if (gw_os_monotonic_usec(&usec) == -1)
		return (gw_notify("RELOADING=1"));
	snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)usec);
	return (gw_notify(msg));
}

int
gw_notify_reloaded(size_t nroutes, bool failed)
{
	char	msg[160];

	snprintf(msg, sizeof msg, "READY=1\nSTATUS=serving %zu route%s%s",
	    nroutes, nroutes == 1 ? "" : "s", failed ? "; reload failed, "
	    "configuration unchanged" : "");
	return (gw_notify(msg));
}

int
gw_notify_stopping(size_t nsessions)
{
	char	msg[96];

	snprintf(msg, sizeof msg, "STOPPING=1\nSTATUS=stopping: draining %zu "
	    "session%s", nsessions, nsessions == 1 ? "" : "s");
	return (gw_notify(msg));
}
