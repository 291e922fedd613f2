/*
 * route.h: one serve spec and one connect spec (doc/design.md "Vocabulary").
 *
 * States (doc/design.md "Semantics"): SERVING -> ENDING -> ENDED.  A route
 * serves its serve spec (StartProcessServer / dbgsrv -t), opens a session per
 * smart client (ConnectProcessServer), and when ended stops accepting, drains
 * its sessions and closes (EndProcessServer / .endpsrv).
 */
#ifndef GW_ROUTE_H
#define GW_ROUTE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <event2/event.h>

#include "gateway/session.h"

struct gw_gateway;
struct gw_config_route;
struct gw_tls_ctx;

enum gw_route_state {
	GW_ROUTE_SERVING,
	GW_ROUTE_ENDING,
	GW_ROUTE_ENDED,
	GW_ROUTE_RETIRED,	/* replaced by a reload: its sessions go on */
};

/*
 * What a listener's accept callback holds: a reload hands a listener that
 * did not change to the route that replaces its owner by re-pointing this.
 */
struct gw_route_door {
	struct gw_route		*route;
	struct gw_tls_ctx	*tls;	/* the route's serve_tls, for new links */
};

/*
 * Latency histograms of the metrics (gateway/metrics.h): GW_ROUTE_NBUCKETS
 * upper bounds in ms, 1 2 5 10 25 50 100 250 500 1000 2500 5000 10000, and a
 * last bucket for everything above (+Inf).  Counts are per bucket here; the
 * exposition makes them cumulative (Prometheus exposition format 0.0.4).
 */
#define GW_ROUTE_NBUCKETS	14
/* Close reasons counted per route: one per enum gw_close, "other" last. */
#define GW_ROUTE_NREASONS	GW_CLOSE_NREASONS

struct gw_route_histogram {
	uint64_t	 bucket[GW_ROUTE_NBUCKETS];	/* not cumulative */
	uint64_t	 count;
	uint64_t	 sum_us;	/* microseconds */
};

/*
 * What a route counts for the metrics, kept by the runtime (session.c's hooks
 * into gateway/metrics.c), in its name's gw_route_counters.
 */
struct gw_route_stats {
	uint64_t			 closed[GW_ROUTE_NREASONS];	/* by class */
	uint64_t			 dial_failures;	/* connects that failed */
	struct gw_route_histogram	 connect;	/* CONNECTING to RELAYING */
	struct gw_route_histogram	 handshake;	/* accept to TLS done */
};

/*
 * A route name's counts since the daemon started (doc/dbgbridge.8
 * "STATISTICS"): owned by the gateway (gw_gateway_counters), shared by every
 * route object of that name.  A reload that replaces a route goes on counting
 * into the same totals, a session from before it counts into them when it
 * ends, and a route the reload removed keeps its counts until the daemon
 * exits, so a total never goes down.  Bytes of open sessions are summed when
 * read (gw_report_counters_bytes).
 */
struct gw_route_counters {
	char				*name;
	unsigned			 open;		/* sessions open now */
	uint64_t			 total_sessions; /* accepted */
	uint64_t			 bytes_up;	/* client to server, closed sessions */
	uint64_t			 bytes_down;
	bool				 handshake;	/* a serve of this name was TLS */
	bool				 committed;	/* a running route has used it */
	struct gw_route_stats		 stats;
	TAILQ_ENTRY(gw_route_counters)	 entry;
};

struct gw_route {
	struct gw_gateway			*gateway;
	const struct gw_config_route		*conf;	/* owned by the gateway's config */
	enum gw_route_state			 state;
	const struct gw_transport_ops		*serve_ops;
	const struct gw_transport_ops		*connect_ops;
	struct gw_tls_ctx			*serve_tls;	/* ssl serve */
	struct gw_tls_ctx			*connect_tls;	/* ssl connect */
	struct gw_transport_listener		*listener;
	struct gw_route_door			*door;	/* the listener's owner */
	struct gw_config			*config;	/* conf belongs to it */
	bool					 reaped;	/* retired and empty */
	char					*where;	/* what it serves: ADDR:PORT, path */
	void					*connect_state;	/* connect_ops' connect_prepare */
	char					*connect_where;	/* whom it waits for, where */
	TAILQ_HEAD(, gw_session)		 sessions;
	unsigned				 nsessions;	/* this route object's */
	struct gw_route_counters		*counters;	/* its name's, the gateway's */
	bool					 server_closed;	/* a server link ended */
	struct gw_errors			 warnings;	/* gw_route_warn's lines */
	TAILQ_ENTRY(gw_route)			 entry;
};

/*
 * Build a route from its configuration (conf, one of config's routes; config
 * gives the [tls] stores and ca, and must outlive the route) without listening: transports looked
 * up, TLS contexts made (certificates load, keys match).  This is everything
 * `dbgbridge -n` checks.  Returns the route (owned by the caller,
 * gw_route_free), or NULL with a malloc'd *cause ("route lab: ...").
 */
struct gw_route *gw_route_new(struct gw_gateway *gw,
	    struct gw_config *config, const struct gw_config_route *conf,
	    char **cause);

/*
 * Add one line to the list route->warnings: what is not an error but will surprise
 * (an expired pinned certificate, a key the [gateway] user cannot read),
 * logged when the route starts serving and printed by `dbgbridge -n`
 * (dbgbridge.8 "-n").  text: "route NAME.KEY: ..." by convention; copied.
 * Out of memory loses the line (returns -1), else returns 0.
 */
int	 gw_route_warn(struct gw_route *route, const char *text);

/*
 * Which keys of route b differ from route a (a reload's report, dbgbridge(8)
 * "SIGHUP"): their names, comma-separated, into buf of size bytes ("" when
 * none; cut to fit).  serve and connect compare as written.  Returns how
 * many differ.
 */
int	 gw_route_conf_diff(const struct gw_config_route *a,
	    const struct gw_config_route *b, char *buf, size_t size);

/*
 * Listeners (and clicon pools) a reload may keep: two routes listen alike
 * when their serve spec (canonical), bind, pipe_mode, pipe_group and standby
 * are the same; they wait for dialling servers alike when their connect
 * spec is the same and has clicon=.
 */
bool	 gw_route_same_listen(const struct gw_route *a, const struct gw_route *b);
bool	 gw_route_same_prepare(const struct gw_route *a,
	    const struct gw_route *b);

/*
 * Take over what a reload keeps from an old route (issue: listening sockets
 * whose spec did not change stay open): its listener when listen is true,
 * its clicon pool when prepare is true.  The old route no longer has them.
 */
void	 gw_route_take(struct gw_route *route, struct gw_route *old, bool listen,
	    bool prepare);

/*
 * Retire a route a reload replaced or removed (RETIRED): stop accepting if
 * it still listens; its open sessions go on with its old settings; it is
 * marked reaped, for the gateway to free, once the last one ends.
 */
void	 gw_route_retire(struct gw_route *route);

/*
 * Start serving (SERVING): prepare the connect side where its transport needs
 * it from the start (a connect spec with clicon= listens for the process
 * server to dial in, logged as "route NAME waiting for process servers from
 * HOST on WHERE"), then listen on the serve spec (with clicon=: dial out) and
 * log "route NAME serving SPEC on WHERE" (ADDR:PORT, a pipe path or a device;
 * "dialling HOST:PORT (standby N)").  Returns 0, or -1 with *cause.
 */
int	 gw_route_start(struct gw_route *route, char **cause);

/*
 * As gw_route_start, for a reload: only what gw_route_take did not hand
 * over (listen when the route has no listener, prepare when it needs a
 * clicon pool and has none).
 */
int	 gw_route_start_missing(struct gw_route *route, char **cause);

/*
 * End the route (ENDING): stop accepting (and stop waiting for process
 * servers to dial in), drain every session with reason why (also logged:
 * "route NAME ending: WHY"); ENDED once the last one is gone, which the
 * gateway hears through gw_gateway_route_ended.  Safe to call again.
 */
void	 gw_route_end(struct gw_route *route, enum gw_close why);

/*
 * As gw_route_end, for the daemon's stop (SIGTERM, SIGINT: dbgbridge(8)
 * "SIGNALS"): stop accepting; a session not yet relaying closes at once with
 * reason (its stop_closed set); relaying sessions are left to end by
 * themselves (the gateway resets those still open at the stop deadline).
 * Safe to call again.
 */
void	 gw_route_stop(struct gw_route *route, enum gw_close why);

/* A session of this route has closed: totals, and ENDED when it was the last. */
void	 gw_route_session_closed(struct gw_route *route, struct gw_session *s);

/*
 * A fresh connect to the process server was refused.  Without persist, once a
 * server link had ended before, the process server has ended and so does the
 * route (doc/design.md "Semantics": dbengprx without -p).
 */
void	 gw_route_server_refused(struct gw_route *route);

/* Free a route that has no sessions (NULL is a no-op). */
void	 gw_route_free(struct gw_route *route);

/* The route's state name ("serving"). */
const char *gw_route_state_name(enum gw_route_state state);

#endif /* GW_ROUTE_H */
