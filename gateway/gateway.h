/*
 * gateway.h: the daemon: one libevent loop, its routes, and the signals that
 * steer it (dbgbridge(8) "SIGNALS": SIGTERM and SIGINT stop accepting, let
 * open sessions run to their own end up to [gateway] stop_timeout, reset
 * those still open then, and exit 0; a second signal resets them at once).
 */
#ifndef GW_GATEWAY_H
#define GW_GATEWAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/queue.h>
#include <sys/types.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "config/config.h"
#include "gateway/route.h"
#include "osdep/compat.h"	/* uid_t */
#include "osdep/osdep.h"
#include "tls/tls.h"

struct gw_control;
struct gw_gateway_reload;
struct gw_metrics_server;

struct gw_gateway {
	struct event_base		*base;
	struct evdns_base		*dns;
	struct gw_config		*config;	/* owned */
	char				*pipe_dir;	/* [gateway] pipe_dir or default */
	uid_t				 pipe_uid;	/* [gateway] user, 0: none */
	TAILQ_HEAD(gw_route_list, gw_route) routes;
	struct event			*sigterm;
	struct event			*sigint;
	struct event			*sighup;
	uint64_t			 next_session_id;
	bool				 stopping;	/* SIGTERM / SIGINT came */
	struct event			*stop_timer;	/* [gateway] stop_timeout */
	uint64_t			 stop_ended;	/* sessions that ended by
							   themselves while stopping */
	uint64_t			 stop_reset;	/* reset by the stop */
	uint64_t			 stop_unstarted; /* closed at the stop before
							   relaying began */
	TAILQ_HEAD(, gw_session)	 closed;	/* closed, to be freed */
	struct gw_control		*control;	/* NULL: none */
	struct gw_metrics_server	*metrics;	/* NULL: off (metrics.h) */
	bool				 exiting;	/* every route has ended */
	struct event			*exit_timer;	/* bounds the last replies */
	struct timeval			 started;
	struct event			*reap;		/* frees closed sessions */
	bool				 notified_stopping; /* STOPPING=1 sent */
	unsigned			 fd_pending;	/* sessions with a client
							   link waiting for their
							   server's descriptor */
	TAILQ_HEAD(, gw_route_counters)	 counters;	/* per route name,
							   till exit */
	uint64_t			 fd_limit;	/* at start (gw_os_fd_limit);
							   GW_OS_FD_UNLIMITED:
							   unknown */
	struct gw_gateway_reload	*reload;	/* NULL: none yet */
};

/*
 * Make a gateway for a configuration (ownership of config passes to it, also
 * on failure) and build every route without listening (gw_route_new).  Every
 * route's error is added to the list cause (config/errors.h), one entry
 * each, as is "gateway.user: no such user ...".  With [gateway] user,
 * started as root: every TLS file a reload reads again is opened as that
 * user (in a child process that becomes it), and one it cannot read becomes
 * a warning of its route (gw_route_warn; dbgbridge.ini(5) "user").  Returns
 * the gateway or NULL.
 */
struct gw_gateway *gw_gateway_new(struct gw_config *config,
	    struct gw_errors *cause);

/*
 * The counts of route name (route.h, struct gw_route_counters): the one the
 * gateway keeps for that name, made (all zero, not yet committed) when there
 * is none.  They live until gw_gateway_free, shared by every route of that
 * name, so reloads never reset them (doc/dbgbridge.8 "STATISTICS").  Returns
 * them (owned by the gateway), or NULL when out of memory.
 */
struct gw_route_counters *gw_gateway_counters(struct gw_gateway *gw,
	    const char *name);

/*
 * Print each route for `dbgbridge -n`: its canonical serve and connect specs
 * (passwords masked) and the string a smart client pastes to reach it, with
 * a line saying which certificate to import; then the host name an spipe
 * server=. is verified against with [tls] ca, and the route's warnings
 * (dbgbridge.8 "-n").
 */
void	 gw_gateway_print(struct gw_gateway *gw, FILE *out);

/*
 * Check a configuration in one pass (dbgbridge(8) "-n"): build every route
 * as gw_gateway_new does, but go on past a route that fails, and print
 * every route of config to out as gw_gateway_print does, a failed one with
 * its "error" lines; out may be NULL to only check.  config may be the
 * partial one gw_config_load_all made.  Ownership of config passes here
 * (freed before returning).  Returns 0, or -1 when it added errors to the
 * list cause, one entry each ("FILE:LINE: route s.serve: certuser ..." as
 * printed); entries cause held before are kept.
 */
int	 gw_gateway_check(struct gw_config *config, FILE *out,
	    struct gw_errors *cause);

/*
 * Log every route's warnings, start every route and run the loop until
 * every route has ended (after SIGTERM / SIGINT, or non-persistent routes
 * whose server ended).  After a stop it logs "stop: N sessions ended by
 * themselves, M reset".  Returns the process exit status: 0, or 1 when a
 * route could not start (logged).
 */
int	 gw_gateway_run(struct gw_gateway *gw);

/* A route has reached ENDED; the loop ends once every route has. */
void	 gw_gateway_route_ended(struct gw_gateway *gw, struct gw_route *route);

/*
 * Once every route has ended, end the loop as soon as the control socket's
 * replies are written (so `ctl end` hears its answer), at most
 * GW_GATEWAY_EXIT_FLUSH_MS later.  Called again by the control socket as
 * its connections finish.
 */
#define GW_GATEWAY_EXIT_FLUSH_MS	1000
void	 gw_gateway_check_exit(struct gw_gateway *gw);

/*
 * The directory for this user's sockets (pipes, the control socket): a place
 * the user running dbgbridge can write: $RUNTIME_DIRECTORY when it is set
 * (systemd sets it for RuntimeDirectory=, systemd.exec(5); the first path of
 * a ':'-separated list; /run/dbgbridge in contrib/dbgbridge.service),
 * /run/dbgbridge for root, $XDG_RUNTIME_DIR/dbgbridge (pam_systemd's per-user
 * runtime directory), else /tmp/dbgbridge-UID.  Nothing here checks it: the
 * listeners and `ctl` refuse one another user owns or others can write
 * (gw_npipe_dir_open; dbgbridge(8) ENVIRONMENT), since anyone may make
 * /tmp/dbgbridge-UID first.  Returns a malloc'd path, or NULL when out of
 * memory.
 */
char	*gw_gateway_runtime_dir(void);

/*
 * A reload's outcome (gw_gateway_reload), from the loop: rc 0 and a summary
 * of what changed, one entry per line ("3 routes: 1 unchanged, ...", then
 * "route gdb: changed (idle_timeout)" ...), or rc -1 and every error, one
 * entry each; outcome is borrowed for the call.  arg: as given to
 * gw_gateway_reload.
 */
typedef void gw_gateway_reload_cb(int rc, const struct gw_errors *outcome,
	    void *arg);

/*
 * Reload the configuration file (SIGHUP, `ctl reload`; issue "Reload"):
 * parse, check and build everything new first, and bind every listener that
 * is new; on any error keep the old configuration.  Then new routes serve;
 * routes that are gone or changed are retired (their open sessions go on
 * with their old settings until they end); a listener, or a clicon pool,
 * whose spec did not change passes to the new route without closing, so no
 * connect is refused during the reload.  [gateway] control, metrics,
 * metrics_allow, pipe_dir and user need a restart: a change to them is an
 * error.  log_level, log, log_format and syslog_facility take effect
 * (gw_log_configure).  The service manager hears RELOADING=1 before and
 * READY=1 after, either way (notify.h).  Once the daemon is stopping
 * (SIGTERM), nothing is reloaded: -1.
 *
 * The file is read and checked in a thread of its own (gw_config_load,
 * linear in the file's size), so a large file never stalls the loop
 * (dbgbridge.8 "SIGHUP"); building and binding the routes runs in the loop.
 * A reload asked for while one runs gets a run of its own after it, which
 * reads the file as it is then.
 *
 * cb(rc, cause, arg) runs once, later, from the loop, unless cancelled
 * (gw_gateway_reload_cancel) or the gateway is freed first.  Returns 0, or
 * -1 with the reason added to the list cause when no reload could start (no
 * file: a route from -s/-c; out of memory; no thread), and then cb never
 * runs.
 */
int	 gw_gateway_reload(struct gw_gateway *gw, gw_gateway_reload_cb *cb,
	    void *arg, struct gw_errors *cause);

/* Forget every waiter with this arg: its callback will not run. */
void	 gw_gateway_reload_cancel(struct gw_gateway *gw, void *arg);

/*
 * Once no route serves any more (each has ended or is ending, after SIGTERM,
 * SIGINT, `ctl end` or a route without persist whose server ended), tell the
 * service manager the daemon is stopping: STOPPING=1 (notify.h), once.
 * Called by gw_route_end.
 */
void	 gw_gateway_check_stopping(struct gw_gateway *gw);

/*
 * Sessions open over every route, retired ones too: what [gateway]
 * max_sessions counts (dbgbridge.ini(5)) and the stop reports
 * (dbgbridge(8) "SIGNALS").
 */
unsigned gw_gateway_nsessions(const struct gw_gateway *gw);

/* Free the gateway, its routes and its configuration (NULL is a no-op). */
void	 gw_gateway_free(struct gw_gateway *gw);

#endif /* GW_GATEWAY_H */
