/*
 * service-win32.h: what the rest of osdep on Windows asks of the service
 * (osdep/service-win32.c; doc/design.md "The Windows service").
 */
#ifndef GW_SERVICE_WIN32_H
#define GW_SERVICE_WIN32_H

#include <stdbool.h>

/*
 * The instance name given with --name to `dbgbridge service run` (or to
 * `service install`, which writes it into the service's command line), or
 * NULL for the default instance "dbgbridge".  Its control pipe is
 * \\.\pipe\dbgbridge-NAME-control (osdep.h gw_os_control_pipe).  Static
 * storage; set once before the daemon starts.
 */
const char	*gw_win_service_instance(void);

/*
 * True while this process runs as a service (the Service Control Manager
 * started it and its ServiceMain runs): there is no console, and a logoff
 * is not a stop (the Win32 docs, "HandlerRoutine": a service ignores
 * CTRL_LOGOFF_EVENT).
 */
bool		 gw_win_service_active(void);

#endif /* GW_SERVICE_WIN32_H */
