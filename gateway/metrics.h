/*
 * metrics.h: what the routes count, and [gateway] metrics: an HTTP endpoint
 * (a small HTTP/1.1 server on the gateway's loop) serving the counts as
 * Prometheus text at /metrics and the open sessions as JSON at /sessions
 * (doc/design.md "Interfaces").  Off unless [gateway] metrics is set.
 *
 * The counts are kept by the runtime, never parsed from log lines: session.c
 * calls gw_metrics_session_state() from its one state setter and
 * gw_metrics_session_closed() from its one close function.  Both are a few
 * additions on a session's way through its states, allocation-free; the
 * relay's per-byte path is untouched (bytes of open sessions are summed when
 * /metrics is read).
 *
 * Metrics (Prometheus exposition format 0.0.4, "text/plain; version=0.0.4";
 * https://prometheus.io/docs/instrumenting/exposition_formats/; latencies in
 * seconds, counters with _total, as https://prometheus.io/docs/practices/naming/
 * asks):
 *
 *   dbgbridge_sessions_open{route}                  gauge
 *   dbgbridge_sessions_accepted_total{route}        counter
 *   dbgbridge_sessions_total{route,reason}          counter: sessions ended,
 *       by reason (enum gw_close, labelled with its name: the reason up to
 *       its first ':' or ',')
 *   dbgbridge_bytes_total{route,direction}          counter: "up" is client
 *       to server, "down" server to client; open sessions included
 *   dbgbridge_connect_seconds{route}                histogram: CONNECTING to
 *       RELAYING (reaching the process server, TLS handshake included)
 *   dbgbridge_handshake_seconds{route}              histogram: accept to the
 *       client's TLS handshake done; only routes whose serve is ssl or spipe
 *   dbgbridge_dial_failures_total{route}            counter: connects to the
 *       process server that failed (refused, unreachable, timeout, busy,
 *       TLS handshake failed)
 */
#ifndef GW_METRICS_H
#define GW_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/route.h"
#include "gateway/session.h"

struct evbuffer;
struct gw_gateway;

/*
 * Hook of gw_session_set_state, called before the session enters state to.
 * Leaving HANDSHAKE for CONNECTING observes the handshake latency; leaving
 * CONNECTING for RELAYING observes the connect latency; each counts from
 * s->since, when the session entered the state it leaves (HANDSHAKE is
 * entered in the accept callback, so the handshake counts from accept).
 * Sets s->since to now, on CLOCK_MONOTONIC (clock_gettime(2)).  Never fails,
 * never allocates.
 */
void	 gw_metrics_session_state(struct gw_session *s,
	    enum gw_session_state to);

/*
 * Hook of gw_session_close, called once, with the session's recorded reason
 * (its first cause, gateway/outcome.h) and before its state becomes CLOSED:
 * counts the reason (closed[why]; a value out of range counts as "other"),
 * and a dial failure when the session was CONNECTING and the reason says the
 * process server could not be reached (gw_close_dial).  Never fails, never
 * allocates.
 */
void	 gw_metrics_session_closed(struct gw_session *s, enum gw_close why);

/*
 * The class of a close reason read back from its text (a log line's
 * reason=): the text up to the first ':' or ',' matched exactly against the
 * names of enum gw_close (gw_close_name), e.g. "handshake failed: bad
 * certificate" is GW_CLOSE_HANDSHAKE_FAILED and "client closed, then drain
 * timeout" GW_CLOSE_CLIENT_CLOSED.  The daemon counts by the enum itself; this
 * is for tools and tests.  Returns an index below GW_ROUTE_NREASONS; text
 * that names no reason, and NULL, are GW_CLOSE_OTHER.
 */
size_t	 gw_metrics_reason_class(const char *reason);

/*
 * The name of a reason class ("client closed"): gw_close_name, and "other"
 * for an index out of range.  Static storage.
 */
const char *gw_metrics_reason_name(size_t cls);

/*
 * Count one observation of us microseconds in h: the first bucket whose upper
 * bound is at or above it (Prometheus "le", less or equal), count and sum.
 */
void	 gw_metrics_observe(struct gw_route_histogram *h, uint64_t us);

/* One route as /metrics shows it: a snapshot the renderer only reads. */
struct gw_metrics_route {
	const char			*name;
	unsigned			 open;
	uint64_t			 accepted;
	uint64_t			 bytes_up;	/* open sessions included */
	uint64_t			 bytes_down;
	bool				 handshake;	/* serve is ssl or spipe */
	const struct gw_route_stats	*stats;
};

/*
 * Append the exposition of n routes to out: for each metric family one
 * "# HELP" and one "# TYPE" line, then a sample per route (per route and
 * reason class, direction or bucket); every known reason class is shown, 0
 * included, so a series never appears out of nothing.  Histogram buckets are
 * cumulative and end with le="+Inf"; _sum is in seconds, _count equals the
 * +Inf bucket.  Label values are escaped as the format asks: '\\' as "\\\\",
 * '"' as "\\\"", newline as "\\n".  Lines end with '\n'.
 * Returns 0, or -1 when out is out of memory (out then holds a part).
 */
int	 gw_metrics_render(struct evbuffer *out,
	    const struct gw_metrics_route *routes, size_t n);

/*
 * gw_metrics_render for every route name the gateway has counted since it
 * started (gw->counters: a route a reload replaced or removed included, so
 * no counter goes down; doc/dbgbridge.8 "STATISTICS"), open sessions and
 * their bytes over every route object of the name.  Returns 0 or -1 (out of
 * memory).
 */
int	 gw_metrics_render_gateway(struct gw_gateway *gw, struct evbuffer *out);

/*
 * Serve [gateway] metrics (HOST:PORT or [V6]:PORT, checked by config.c: a
 * non-loopback address needs metrics_allow) on the gateway's loop:
 *   GET /metrics   200, Prometheus text (gw_metrics_render_gateway)
 *   GET /sessions  200, JSON (RFC 8259) array of the open sessions
 *                  (gw_report_sessions_json)
 *   HEAD           the same headers without a body
 *   another path   404; another method on these paths 405 with
 *                  "Allow: GET, HEAD"
 * One request per connection ("Connection: close"; RFC 9112 section 9.6);
 * a request head of more than 8192 bytes gets 431.  Limits (doc/dbgbridge.8
 * "STATISTICS"), each checked at accept, where a refused connection is
 * closed at once and logged through gw_log_limited (rate-limited):
 *   a peer outside [gateway] metrics_allow, when set;
 *   more than [gateway] metrics_max_connections open at once;
 *   a descriptor that would leave fewer than a quarter of RLIMIT_NOFILE (at
 *   least 16), plus one per session waiting for its server's descriptor
 *   (gw->fd_pending), free for sessions.
 * A connection lasts at most [gateway] metrics_timeout (milliseconds) from
 * accept, whatever its peer does.  Both keys are read at each accept, so a
 * reload applies them to later connections.
 * Logs "metrics serving /metrics and /sessions on HOST:PORT".  Does nothing
 * and returns 0 when metrics is not set.  Returns 0, or -1 with a malloc'd
 * *cause ("gateway.metrics: cannot listen on 127.0.0.1:9190: Address already
 * in use").  Stop with gw_metrics_stop.
 */
int	 gw_metrics_start(struct gw_gateway *gw, char **cause);

/* Stop serving and free the endpoint (none running is a no-op). */
void	 gw_metrics_stop(struct gw_gateway *gw);

#endif /* GW_METRICS_H */
