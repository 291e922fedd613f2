/*
 * service-posix.c: osdep.h's services and event log on Unix, where neither
 * exists: a Unix daemon is run by its service manager (systemd:
 * contrib/dbgbridge.service, told through $NOTIFY_SOCKET) and logs to
 * syslog(3) (doc/design.md "The Windows service").
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>

#include "osdep/osdep.h"

/* `dbgbridge service ...` is Windows only: say what to use instead. */
int
gw_os_service_main(int argc, char **argv, int (*daemon)(int, char **))
{
	(void)argc;
	(void)argv;
	(void)daemon;
	fprintf(stderr, "dbgbridge: service: Windows services only; here, "
	    "let the service manager run dbgbridge (systemd: "
	    "contrib/dbgbridge.service)\n");
	return (2);
}

/* sd_notify(3): the service manager's socket, when it gave one. */
const char *
gw_os_notify_address(void)
{
	return (getenv("NOTIFY_SOCKET"));
}

bool
gw_os_has_eventlog(void)
{
	return (false);
}

int
gw_os_eventlog_open(char **cause)
{
	*cause = NULL;
	return (-1);
}

void
gw_os_eventlog_close(void)
{
}

void
gw_os_eventlog(enum gw_log_level level, const char *line)
{
	(void)level;
	(void)line;
}
