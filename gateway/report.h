/*
 * report.h: the gateway's routes and open sessions as JSON (RFC 8259), for
 * the metrics endpoint's /sessions and `dbgbridge ctl list --json`.
 *
 * Field names follow the session log line (doc/design.md "Semantics": id,
 * route, both peers, transports, TLS version and peer subject, bytes each way),
 * so a tool reads the same names in both.  Every string goes through
 * gw_report_json_string: peers and TLS subjects are peer-controlled.
 */
#ifndef GW_REPORT_H
#define GW_REPORT_H

#include <stdint.h>

struct evbuffer;
struct gw_gateway;
struct gw_route;
struct timeval;

/*
 * Microseconds from then to now, 0 when then is later (a clock that went
 * back); divide by 1000 for milliseconds (rounded down).  now and then must
 * come from one clock: the loop's cached wall time
 * (event_base_gettimeofday_cached) for ages, idle times and uptime (here,
 * control.c), CLOCK_MONOTONIC for latencies (metrics.c).  Pure.
 */
uint64_t gw_report_us_since(const struct timeval *now,
	    const struct timeval *then);

/*
 * Append s to out as a JSON string: gw_json_string (json.h), the one JSON
 * escaper the reports and the JSON log lines share.  Returns 0, or -1 when
 * out of memory.
 */
int	 gw_report_json_string(struct evbuffer *out, const char *s);

/*
 * Bytes a route name has relayed since the daemon started (route.h, struct
 * gw_route_counters): its closed sessions (c->bytes_up, bytes_down) and the
 * open ones of every route object of that name, a route a reload retired
 * included (gw_relay_delivered: what each link's kernel has sent, so the
 * figure never goes down when a reset throws unsent bytes away): *up client
 * to server, *down server to client, in bytes.
 */
struct gw_route_counters;
void	 gw_report_counters_bytes(const struct gw_gateway *gw,
	    const struct gw_route_counters *c, uint64_t *up, uint64_t *down);

/*
 * Append one session as a JSON object, the fields of gw_report_sessions_json
 * below, without a trailing newline.  Returns 0, or -1 when out of memory.
 */
struct gw_session;
int	 gw_report_session_json(struct gw_gateway *gw,
	    const struct gw_session *s, struct evbuffer *out);

/*
 * Append the fields of a session's closing log line as JSON object members,
 * without braces, for log_format = json (log.h, gw_log_fields):
 *   "session":3,"route":"lab","client":...,"client_tls_peer":...,
 *   "server":...,"server_tls_peer":...,"bytes_up":5123,"bytes_down":88210,
 *   "duration_ms":41234,"reason":"client closed"
 * The link fields are those of gw_report_sessions_json below; reason is as
 * the text line shows it (escaped by gw_log_escape), then JSON-escaped, as
 * the peer subjects are.  Returns 0, or -1 when out of memory.
 */
int	 gw_report_session_log_fields(const struct gw_session *s,
	    uint64_t duration_ms, const char *reason, struct evbuffer *out);

/*
 * Append a JSON array of every open session of every route, in route order
 * then session order, one object per line:
 *   {"id":3,"route":"lab","state":"relaying",
 *    "client":"127.0.0.1:40176","client_transport":"tcp",
 *    "client_tls":null,"client_tls_peer":null,
 *    "server":"10.0.0.7:6000","server_transport":"ssl",
 *    "server_tls":"TLSv1.3","server_tls_peer":"CN=lab-gateway",
 *    "bytes_up":5123,"bytes_down":88210,"age_ms":41234,"idle_ms":12}
 * TLS fields are null on a link without TLS, and the peer subject is shown
 * as the log line shows it (escaped by gw_log_escape), then JSON-escaped.
 * age_ms counts from accept, idle_ms from the last byte relayed (the loop's
 * cached time).  Returns 0, or -1 when out of memory (out then holds a part).
 */
int	 gw_report_sessions_json(struct gw_gateway *gw, struct evbuffer *out);

/*
 * Append a JSON array of every route, one object per line:
 *   {"name":"lab","state":"serving","serve":"tcp:port=5005",
 *    "connect":"tcp:server=lab7,port=5005","where":"127.0.0.1:5005",
 *    "sessions_open":1,"sessions_total":5,"bytes_up":5123,
 *    "bytes_down":88210,"dial_failures":0}
 * Specs in canonical form (passwords masked, gw_spec_canonical); "where" is
 * null before the route listens.  sessions_open is this route object's (a
 * route a reload retired lists its own); sessions_total, bytes (open
 * sessions included) and dial_failures are its name's since the daemon
 * started, reloads included (gw_report_counters_bytes; doc/dbgbridge.8
 * "STATISTICS").  Returns 0, or -1 when out of memory.
 */
int	 gw_report_routes_json(struct gw_gateway *gw, struct evbuffer *out);

#endif /* GW_REPORT_H */
