/*
 * notify.h: tell the service manager what the daemon is doing, with the
 * sd_notify(3) datagram protocol spoken directly (no libsystemd).
 *
 * The protocol (sd_notify(3), "Notes"): one AF_UNIX SOCK_DGRAM datagram to
 * the address in $NOTIFY_SOCKET, holding newline-separated VARIABLE=VALUE
 * assignments.  An address starting with '/' is a path; one starting with
 * '@' is a name in the Linux abstract namespace (the '@' becomes a NUL byte,
 * and the address length covers the name only).  Without NOTIFY_SOCKET
 * every call here does nothing, so the daemon runs the same outside systemd.
 * The variable is left set (sd_notify's unset_environment is false): nothing
 * dbgbridge starts inherits it, and a reload notifies through it again.
 *
 * What dbgbridge sends, for contrib/dbgbridge.service (Type=notify):
 *   READY=1, STATUS=serving N routes, MAINPID=PID
 *               once every route serves, the control socket and metrics are
 *               up and privileges are dropped (gw_gateway_run);
 *   RELOADING=1, MONOTONIC_USEC=T
 *               as a reload (SIGHUP or `ctl reload`) starts; T is
 *               CLOCK_MONOTONIC in microseconds, which systemd 253 and later
 *               ask for with Type=notify-reload and older ones ignore;
 *   READY=1, STATUS=...
 *               when the reload is over, whether it succeeded or not (a
 *               failed one keeps the old configuration, and STATUS says so);
 *   STOPPING=1, STATUS=...
 *               when the shutdown starts (SIGTERM, SIGINT, `ctl end` of the
 *               last route): sessions then drain before the daemon exits.
 *
 * The address comes from osdep (gw_os_notify_address): $NOTIFY_SOCKET on
 * Unix; on Windows, in a service, the Service Control Manager, where
 * gw_os_notify makes READY=1 SERVICE_RUNNING and STOPPING=1
 * SERVICE_STOP_PENDING (doc/design.md "The Windows service").
 */
#ifndef GW_NOTIFY_H
#define GW_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Send one datagram of assignments (state: "READY=1\nSTATUS=...", no
 * trailing newline needed) to $NOTIFY_SOCKET, with sendto(2) and
 * MSG_NOSIGNAL on a fresh socket closed again before returning (a blocking
 * socket, as libsystemd's: a datagram is not dropped because the service
 * manager is slow to read; systemd's queue is deep).  Returns 1
 * when sent, 0 when NOTIFY_SOCKET is unset or empty (nothing to do), -1 when
 * it could not be sent: an address that is neither a path nor an abstract
 * name, too long for sun_path (108 bytes), or a failed socket or sendto (the
 * failure is logged as a warning; the daemon goes on).
 */
int	 gw_notify(const char *state);

/* READY=1 with STATUS=serving N route(s) and MAINPID (getpid()). */
int	 gw_notify_ready(size_t nroutes);

/* RELOADING=1 with MONOTONIC_USEC (clock_gettime(CLOCK_MONOTONIC)). */
int	 gw_notify_reloading(void);

/*
 * READY=1 after a reload: STATUS=serving N route(s), or with failed true
 * STATUS=serving N route(s); reload failed, configuration unchanged.
 */
int	 gw_notify_reloaded(size_t nroutes, bool failed);

/* STOPPING=1 with STATUS=stopping: draining N session(s). */
int	 gw_notify_stopping(size_t nsessions);

#endif /* GW_NOTIFY_H */
