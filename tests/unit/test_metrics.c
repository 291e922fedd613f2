/*
 * test_metrics.c: the metrics' counting (reason classes, histogram buckets,
 * session hooks), their Prometheus exposition (exact lines, label escaping,
 * cumulative buckets), and the JSON reports (RFC 8259 escaping, the session
 * and route lists).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "osdep/compat.h"
#include "osdep/net.h"
#include "config/config.h"
#include "gateway/gateway.h"
#include "gateway/metrics.h"
#include "gateway/report.h"
#include "gateway/route.h"
#include "gateway/session.h"
#include "transports/spec.h"
#include "transports/transport.h"

/* The buffer's bytes as a NUL-terminated string (freed by the caller). */
static char *
drain(struct evbuffer *b)
{
	size_t	 n = evbuffer_get_length(b);
	char	*s = malloc(n + 1);

	assert_non_null(s);
	assert_int_equal(evbuffer_remove(b, s, n), (int)n);
	s[n] = '\0';
	return (s);
}

/* The class name of a reason. */
static const char *
cls(const char *reason)
{
	return (gw_metrics_reason_name(gw_metrics_reason_class(reason)));
}

static void
test_reason_class(void **state)
{
	(void)state;
	assert_string_equal(cls("client closed"), "client closed");
	assert_string_equal(cls("server closed"), "server closed");
	assert_string_equal(cls("handshake failed: certificate does not match "
	    "the pinned one"), "handshake failed");
	assert_string_equal(cls("client closed, then drain timeout"),
	    "client closed");
	assert_string_equal(cls("server unreachable: Connection timed out"),
	    "server unreachable");
	assert_string_equal(cls("server refused"), "server refused");
	assert_string_equal(cls("connect timeout"), "connect timeout");
	assert_string_equal(cls("serial port busy"), "serial port busy");
	assert_string_equal(cls("client error: Connection reset by peer"),
	    "client error");
	assert_string_equal(cls("route ended"), "route ended");
	assert_string_equal(cls("server reset"), "server reset");
	assert_string_equal(cls("client reset"), "client reset");
	assert_string_equal(cls("client reset, then drain timeout"),
	    "client reset");
	assert_string_equal(cls("stopped: deadline"), "stopped");
	assert_string_equal(cls("stopped: signal"), "stopped");
	assert_string_equal(cls("route ended by operator"),
	    "route ended by operator");
	assert_string_equal(cls("disconnected by operator"),
	    "disconnected by operator");
	/* Whole words only, exact case. */
	assert_string_equal(cls("client"), "other");
	assert_string_equal(cls("client closed now"), "other");
	assert_string_equal(cls("Client closed"), "other");
	assert_string_equal(cls(""), "other");
	assert_string_equal(cls(NULL), "other");
	assert_string_equal(cls("something new: x"), "other");
	assert_int_equal(gw_metrics_reason_class("other"), GW_ROUTE_NREASONS - 1);
	assert_string_equal(gw_metrics_reason_name(GW_ROUTE_NREASONS + 5),
	    "other");
}

static void
test_observe(void **state)
{
	struct gw_route_histogram	h;

	(void)state;
	memset(&h, 0, sizeof h);
	gw_metrics_observe(&h, 0);		/* le 0.001 */
	gw_metrics_observe(&h, 1000);		/* le 0.001: "less or equal" */
	gw_metrics_observe(&h, 1001);		/* le 0.002 */
	gw_metrics_observe(&h, 10000000);	/* le 10 */
	gw_metrics_observe(&h, 10000001);	/* +Inf */
	assert_int_equal(h.bucket[0], 2);
	assert_int_equal(h.bucket[1], 1);
	assert_int_equal(h.bucket[GW_ROUTE_NBUCKETS - 2], 1);
	assert_int_equal(h.bucket[GW_ROUTE_NBUCKETS - 1], 1);
	assert_int_equal(h.count, 5);
	assert_int_equal(h.sum_us, 20002002);
}

/* One route, every family: the exposition line by line. */
static void
test_render_exact(void **state)
{
	static const char	 want[] =
	    "# HELP dbgbridge_sessions_open Sessions open now.\n"
	    "# TYPE dbgbridge_sessions_open gauge\n"
	    "dbgbridge_sessions_open{route=\"lab\"} 2\n"
	    "# HELP dbgbridge_sessions_accepted_total Sessions accepted (open "
	    "and ended).\n"
	    "# TYPE dbgbridge_sessions_accepted_total counter\n"
	    "dbgbridge_sessions_accepted_total{route=\"lab\"} 9\n"
	    "# HELP dbgbridge_sessions_total Sessions ended, by close reason "
	    "(up to its first ':' or ',').\n"
	    "# TYPE dbgbridge_sessions_total counter\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"client closed\"} "
	    "4\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"server closed\"} "
	    "0\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"client error\"} "
	    "0\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"server error\"} "
	    "0\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"client reset\"} "
	    "0\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"server reset\"} "
	    "0\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"client device "
	    "hung up\"} 0\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"server device "
	    "hung up\"} 0\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"client link\"} 0\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"server link\"} 0\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"handshake "
	    "failed\"} 1\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"handshake "
	    "timeout\"} 0\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"connect "
	    "timeout\"} 0\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"server refused\"} "
	    "2\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"server "
	    "unreachable\"} 0\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"serial port "
	    "busy\"} 0\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"idle timeout\"} "
	    "0\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"drain timeout\"} "
	    "0\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"access denied\"} "
	    "0\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"session limit\"} "
	    "0\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"descriptor "
	    "limit\"} 0\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"disconnected by "
	    "operator\"} 0\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"route ended\"} 0\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"route ended by "
	    "operator\"} 0\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"process server "
	    "ended\"} 0\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"stopped\"} 0\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"closed\"} 0\n"
	    "dbgbridge_sessions_total{route=\"lab\",reason=\"other\"} 0\n"
	    "# HELP dbgbridge_bytes_total Bytes relayed, open sessions "
	    "included; up is client to server.\n"
	    "# TYPE dbgbridge_bytes_total counter\n"
	    "dbgbridge_bytes_total{route=\"lab\",direction=\"up\"} 1234\n"
	    "dbgbridge_bytes_total{route=\"lab\",direction=\"down\"} 56789\n"
	    "# HELP dbgbridge_connect_seconds Time to reach the process "
	    "server, TLS handshake included.\n"
	    "# TYPE dbgbridge_connect_seconds histogram\n"
	    "dbgbridge_connect_seconds_bucket{route=\"lab\",le=\"0.001\"} 2\n"
	    "dbgbridge_connect_seconds_bucket{route=\"lab\",le=\"0.002\"} 3\n"
	    "dbgbridge_connect_seconds_bucket{route=\"lab\",le=\"0.005\"} 3\n"
	    "dbgbridge_connect_seconds_bucket{route=\"lab\",le=\"0.01\"} 4\n"
	    "dbgbridge_connect_seconds_bucket{route=\"lab\",le=\"0.025\"} 4\n"
	    "dbgbridge_connect_seconds_bucket{route=\"lab\",le=\"0.05\"} 4\n"
	    "dbgbridge_connect_seconds_bucket{route=\"lab\",le=\"0.1\"} 4\n"
	    "dbgbridge_connect_seconds_bucket{route=\"lab\",le=\"0.25\"} 4\n"
	    "dbgbridge_connect_seconds_bucket{route=\"lab\",le=\"0.5\"} 4\n"
	    "dbgbridge_connect_seconds_bucket{route=\"lab\",le=\"1\"} 4\n"
	    "dbgbridge_connect_seconds_bucket{route=\"lab\",le=\"2.5\"} 4\n"
	    "dbgbridge_connect_seconds_bucket{route=\"lab\",le=\"5\"} 4\n"
	    "dbgbridge_connect_seconds_bucket{route=\"lab\",le=\"10\"} 4\n"
	    "dbgbridge_connect_seconds_bucket{route=\"lab\",le=\"+Inf\"} 5\n"
	    "dbgbridge_connect_seconds_sum{route=\"lab\"} 20.009501\n"
	    "dbgbridge_connect_seconds_count{route=\"lab\"} 5\n"
	    "# HELP dbgbridge_dial_failures_total Connects to the process "
	    "server that failed: refused, unreachable, timeout, busy, TLS "
	    "handshake.\n"
	    "# TYPE dbgbridge_dial_failures_total counter\n"
	    "dbgbridge_dial_failures_total{route=\"lab\"} 2\n";
	struct gw_route_stats	 st;
	struct gw_metrics_route	 r;
	struct evbuffer		*b = evbuffer_new();
	char			*got;

	(void)state;
	memset(&st, 0, sizeof st);
	st.closed[gw_metrics_reason_class("client closed")] = 4;
	st.closed[gw_metrics_reason_class("server refused")] = 2;
	st.closed[gw_metrics_reason_class("handshake failed")] = 1;
	st.dial_failures = 2;
	gw_metrics_observe(&st.connect, 500);
	gw_metrics_observe(&st.connect, 1000);
	gw_metrics_observe(&st.connect, 1001);
	gw_metrics_observe(&st.connect, 7000);
	gw_metrics_observe(&st.connect, 20000000);
	memset(&r, 0, sizeof r);
	r.name = "lab";
	r.open = 2;
	r.accepted = 9;
	r.bytes_up = 1234;
	r.bytes_down = 56789;
	r.handshake = false;
	r.stats = &st;
	assert_int_equal(gw_metrics_render(b, &r, 1), 0);
	got = drain(b);
	assert_string_equal(got, want);
	free(got);
	evbuffer_free(b);
}

/* Is line (without its newline) one whole line of text? */
static bool
has_line(const char *text, const char *line)
{
	size_t		 n = strlen(line);
	const char	*p;

	for (p = text; (p = strstr(p, line)) != NULL; p++) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return (true);
	}
	return (false);
}

static size_t
count_lines(const char *text, const char *prefix)
{
	const char	*p;
	size_t		 n = 0, len = strlen(prefix);

	for (p = text; *p != '\0'; p = strchr(p, '\n') + 1) {
		if (strncmp(p, prefix, len) == 0)
			n++;
		if (strchr(p, '\n') == NULL)
			break;
	}
	return (n);
}

/* Two routes: families grouped, label escaping, the handshake histogram. */
static void
test_render_two_routes(void **state)
{
	struct gw_route_stats	 st[2];
	struct gw_metrics_route	 r[2];
	struct evbuffer		*b = evbuffer_new();
	char			*got;

	(void)state;
	memset(st, 0, sizeof st);
	memset(r, 0, sizeof r);
	gw_metrics_observe(&st[0].handshake, 3000);	/* le 0.005 */
	gw_metrics_observe(&st[0].handshake, 60000);	/* le 0.1 */
	st[1].closed[GW_ROUTE_NREASONS - 1] = 3;
	r[0].name = "tls";
	r[0].handshake = true;
	r[0].stats = &st[0];
	r[1].name = "a\\b\"c\nd";
	r[1].stats = &st[1];
	assert_int_equal(gw_metrics_render(b, r, 2), 0);
	got = drain(b);

	/* Each family once, both routes' samples after it. */
	assert_int_equal(count_lines(got, "# TYPE "), 7);
	assert_int_equal(count_lines(got, "# HELP "), 7);
	assert_true(has_line(got, "# TYPE dbgbridge_handshake_seconds "
	    "histogram"));
	assert_true(has_line(got, "dbgbridge_sessions_open{route=\"tls\"} 0"));
	assert_true(has_line(got,
	    "dbgbridge_sessions_open{route=\"a\\\\b\\\"c\\nd\"} 0"));
	assert_true(has_line(got, "dbgbridge_sessions_total{route="
	    "\"a\\\\b\\\"c\\nd\",reason=\"other\"} 3"));
	assert_int_equal(count_lines(got, "dbgbridge_sessions_total{"),
	    2 * GW_ROUTE_NREASONS);
	/* The handshake histogram: only the TLS route, cumulative. */
	assert_int_equal(count_lines(got, "dbgbridge_handshake_seconds_bucket"),
	    GW_ROUTE_NBUCKETS);
	assert_true(has_line(got, "dbgbridge_handshake_seconds_bucket{route="
	    "\"tls\",le=\"0.002\"} 0"));
	assert_true(has_line(got, "dbgbridge_handshake_seconds_bucket{route="
	    "\"tls\",le=\"0.005\"} 1"));
	assert_true(has_line(got, "dbgbridge_handshake_seconds_bucket{route="
	    "\"tls\",le=\"0.05\"} 1"));
	assert_true(has_line(got, "dbgbridge_handshake_seconds_bucket{route="
	    "\"tls\",le=\"0.1\"} 2"));
	assert_true(has_line(got, "dbgbridge_handshake_seconds_bucket{route="
	    "\"tls\",le=\"+Inf\"} 2"));
	assert_true(has_line(got, "dbgbridge_handshake_seconds_sum{route="
	    "\"tls\"} 0.063000"));
	assert_true(has_line(got, "dbgbridge_handshake_seconds_count{route="
	    "\"tls\"} 2"));
	assert_int_equal(count_lines(got, "dbgbridge_connect_seconds_bucket"),
	    2 * GW_ROUTE_NBUCKETS);
	/* No raw newline inside a sample: every line is a comment or a sample. */
	assert_int_equal(count_lines(got, "#") + count_lines(got, "dbgbridge_"),
	    count_lines(got, ""));
	free(got);
	evbuffer_free(b);
}

/* A gateway with one route and no loop running: enough for the hooks. */
struct fixture {
	struct gw_gateway	gw;
	struct gw_config_route	conf;
	struct gw_route		route;
	struct gw_route_counters counters;
	struct gw_session	s;
};

static int
fixture_setup(void **state)
{
	struct fixture	*f = calloc(1, sizeof *f);
	char		*cause = NULL;

	assert_non_null(f);
	assert_non_null(f->gw.base = event_base_new());
	TAILQ_INIT(&f->gw.routes);
	TAILQ_INIT(&f->gw.closed);
	TAILQ_INIT(&f->gw.counters);
	f->conf.name = "lab";
	f->counters.name = "lab";
	f->counters.committed = true;
	TAILQ_INSERT_TAIL(&f->gw.counters, &f->counters, entry);
	assert_int_equal(gw_spec_parse("tcp:port=5005", GW_SPEC_SERVER,
	    &f->conf.serve, &cause), 0);
	assert_int_equal(gw_spec_parse("tcp:server=127.0.0.1,port=5006",
	    GW_SPEC_CLIENT, &f->conf.connect, &cause), 0);
	f->route.gateway = &f->gw;
	f->route.conf = &f->conf;
	f->route.counters = &f->counters;
	f->route.serve_ops = gw_transport_ops(GW_SPEC_TCP);
	f->route.connect_ops = gw_transport_ops(GW_SPEC_TCP);
	TAILQ_INIT(&f->route.sessions);
	TAILQ_INSERT_TAIL(&f->gw.routes, &f->route, entry);
	f->s.route = &f->route;
	f->s.client.session = f->s.server.session = &f->s;
	f->s.client.side = "client";
	f->s.server.side = "server";
	f->s.client.ops = f->route.serve_ops;
	f->s.server.ops = f->route.connect_ops;
	*state = f;
	return (0);
}

static int
fixture_teardown(void **state)
{
	struct fixture	*f = *state;

	gw_spec_free(f->conf.serve);
	gw_spec_free(f->conf.connect);
	event_base_free(f->gw.base);
	free(f);
	return (0);
}

/* now - ms, as the hooks' clock (no loop runs: the real time) sees it. */
static struct timeval
ago(struct fixture *f, unsigned ms)
{
	struct timeval	now, d = { ms / 1000, (ms % 1000) * 1000 }, t;

	event_base_gettimeofday_cached(f->gw.base, &now);
	evutil_timersub(&now, &d, &t);
	return (t);
}

/* now - ms on the monotonic clock, as the state hook reads it. */
static struct timeval
mono_ago(unsigned ms)
{
	struct timespec	ts;
	struct timeval	now, d = { ms / 1000, (ms % 1000) * 1000 }, t;

	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	now.tv_sec = ts.tv_sec;
	now.tv_usec = ts.tv_nsec / 1000;
	evutil_timersub(&now, &d, &t);
	return (t);
}

static void
test_hooks(void **state)
{
	struct fixture		*f = *state;
	struct gw_session	*s = &f->s;
	struct gw_route_stats	*st = &f->counters.stats;
	struct timeval		 now, then;
	size_t			 refused, failed, closed;

	/* accept -> HANDSHAKE: the clock starts, nothing observed. */
	s->state = GW_SESSION_ACCEPTED;
	gw_metrics_session_state(s, GW_SESSION_HANDSHAKE);
	assert_int_equal(st->handshake.count, 0);
	assert_int_equal(st->connect.count, 0);
	now = mono_ago(0);
	then = mono_ago(1000);
	assert_true(!timercmp(&s->since, &now, >));
	assert_true(timercmp(&s->since, &then, >));

	/* HANDSHAKE -> CONNECTING: the handshake latency. */
	s->state = GW_SESSION_HANDSHAKE;
	s->since = mono_ago(30);
	gw_metrics_session_state(s, GW_SESSION_CONNECTING);
	assert_int_equal(st->handshake.count, 1);
	assert_int_equal(st->handshake.bucket[5], 1);	/* le 0.05 */
	assert_true(st->handshake.sum_us >= 30000);
	assert_true(st->handshake.sum_us < 50000);

	/* CONNECTING -> RELAYING: connect latency from entering CONNECTING. */
	s->state = GW_SESSION_CONNECTING;
	s->since = mono_ago(7);
	gw_metrics_session_state(s, GW_SESSION_RELAYING);
	assert_int_equal(st->connect.count, 1);
	assert_int_equal(st->connect.bucket[3], 1);	/* le 0.01 */
	assert_int_equal(st->handshake.count, 1);

	/* A start later than now is clamped, never negative. */
	s->state = GW_SESSION_CONNECTING;
	s->since = mono_ago(0);
	s->since.tv_sec += 3600;
	gw_metrics_session_state(s, GW_SESSION_RELAYING);
	assert_int_equal(st->connect.count, 2);
	assert_int_equal(st->connect.bucket[0], 1);

	/* Closing: reason classes, and dial failures only while CONNECTING. */
	refused = gw_metrics_reason_class("server refused");
	failed = gw_metrics_reason_class("handshake failed");
	closed = gw_metrics_reason_class("client closed");
	s->state = GW_SESSION_CONNECTING;
	gw_metrics_session_closed(s, GW_CLOSE_SERVER_REFUSED);
	gw_metrics_session_closed(s, GW_CLOSE_CONNECT_TIMEOUT);
	gw_metrics_session_closed(s, GW_CLOSE_SERVER_UNREACHABLE);
	gw_metrics_session_closed(s, GW_CLOSE_SERIAL_BUSY);
	gw_metrics_session_closed(s, GW_CLOSE_HANDSHAKE_FAILED);
	assert_int_equal(st->dial_failures, 5);
	/* client gave up */
	gw_metrics_session_closed(s, GW_CLOSE_CLIENT_CLOSED);
	gw_metrics_session_closed(s, GW_CLOSE_ROUTE_ENDED);
	assert_int_equal(st->dial_failures, 5);
	s->state = GW_SESSION_HANDSHAKE;	/* the client's TLS failed */
	gw_metrics_session_closed(s, GW_CLOSE_HANDSHAKE_FAILED);
	s->state = GW_SESSION_RELAYING;
	/* "client closed, then drain timeout": the first reason counts */
	gw_metrics_session_closed(s, GW_CLOSE_CLIENT_CLOSED);
	assert_int_equal(st->dial_failures, 5);
	assert_int_equal(st->closed[refused], 1);
	assert_int_equal(st->closed[failed], 2);
	assert_int_equal(st->closed[closed], 2);
	assert_int_equal(st->closed[GW_ROUTE_NREASONS - 1], 0);
}

static void
json(const char *in, const char *want)
{
	struct evbuffer	*b = evbuffer_new();
	char		*got;

	assert_int_equal(gw_report_json_string(b, in), 0);
	got = drain(b);
	assert_string_equal(got, want);
	free(got);
	evbuffer_free(b);
}

static void
test_json_string(void **state)
{
	(void)state;
	json(NULL, "null");
	json("", "\"\"");
	json("127.0.0.1:40176", "\"127.0.0.1:40176\"");
	json("CN=a\"b\\c", "\"CN=a\\\"b\\\\c\"");
	json("a\nb\tc\rd\be\ff", "\"a\\nb\\tc\\rd\\be\\ff\"");
	json("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
	json("/", "\"/\"");
	/* Well-formed UTF-8 passes; anything else becomes U+FFFD. */
	json("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92",
	    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92\"");
	json("\xff", "\"\\ufffd\"");
	json("\xc0\x80", "\"\\ufffd\\ufffd\"");		/* overlong NUL */
	json("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");	/* surrogate */
	json("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	json("\xe2\x82", "\"\\ufffd\\ufffd\"");		/* cut short */
	json("\xe2\x82x", "\"\\ufffd\\ufffdx\"");
}

static void
test_sessions_json(void **state)
{
	struct fixture		*f = *state;
	struct gw_session	*s = &f->s, s2;
	struct evbuffer		*b = evbuffer_new();
	char			*got;

	/* No session. */
	assert_int_equal(gw_report_sessions_json(&f->gw, b), 0);
	got = drain(b);
	assert_string_equal(got, "[]\n");
	free(got);

	/* Ages: started in the future reads 0 (clamped), so they are exact. */
	s->id = 3;
	s->state = GW_SESSION_RELAYING;
	s->started = ago(f, 0);
	s->started.tv_sec += 3600;
	s->active = s->started;
	snprintf(s->client.peer, sizeof s->client.peer, "127.0.0.1:40176");
	snprintf(s->server.peer, sizeof s->server.peer, "x\"y\\\n");
	snprintf(s->server.tls_version, sizeof s->server.tls_version,
	    "TLSv1.3");
	snprintf(s->server.tls_subject, sizeof s->server.tls_subject,
	    "CN=lab\\x0a\\\"gw");
	s->server.bytes_written = 5123;	/* up: handed to the server */
	s->client.bytes_written = 88210;
	TAILQ_INSERT_TAIL(&f->route.sessions, s, entry);
	memset(&s2, 0, sizeof s2);
	s2 = *s;
	s2.id = 4;
	s2.state = GW_SESSION_CONNECTING;
	s2.server.tls_version[0] = s2.server.tls_subject[0] = '\0';
	s2.client.bytes_written = s2.server.bytes_written = 0;
	TAILQ_INSERT_TAIL(&f->route.sessions, &s2, entry);
	f->route.nsessions = 2;

	assert_int_equal(gw_report_sessions_json(&f->gw, b), 0);
	got = drain(b);
	assert_string_equal(got, "[\n"
	    "{\"id\":3,\"route\":\"lab\",\"state\":\"relaying\","
	    "\"client\":\"127.0.0.1:40176\",\"client_transport\":\"tcp\","
	    "\"client_tls\":null,\"client_tls_peer\":null,"
	    "\"server\":\"x\\\"y\\\\\\n\",\"server_transport\":\"tcp\","
	    "\"server_tls\":\"TLSv1.3\","
	    "\"server_tls_peer\":\"CN=lab\\\\x0a\\\\\\\"gw\","
	    "\"bytes_up\":5123,\"bytes_down\":88210,\"age_ms\":0,"
	    "\"idle_ms\":0},\n"
	    "{\"id\":4,\"route\":\"lab\",\"state\":\"connecting\","
	    "\"client\":\"127.0.0.1:40176\",\"client_transport\":\"tcp\","
	    "\"client_tls\":null,\"client_tls_peer\":null,"
	    "\"server\":\"x\\\"y\\\\\\n\",\"server_transport\":\"tcp\","
	    "\"server_tls\":null,\"server_tls_peer\":null,"
	    "\"bytes_up\":0,\"bytes_down\":0,\"age_ms\":0,\"idle_ms\":0}\n"
	    "]\n");
	free(got);

	/* An age from the past. */
	s2.started = ago(f, 1500);
	TAILQ_REMOVE(&f->route.sessions, s, entry);
	assert_int_equal(gw_report_sessions_json(&f->gw, b), 0);
	got = drain(b);
	assert_non_null(strstr(got, "\"age_ms\":15"));
	free(got);

	/* The route list: bytes of open sessions included. */
	TAILQ_INSERT_HEAD(&f->route.sessions, s, entry);
	f->counters.total_sessions = 7;
	f->counters.bytes_up = 100;
	f->counters.bytes_down = 200;
	f->counters.stats.dial_failures = 1;
	f->route.where = "127.0.0.1:5005";
	assert_int_equal(gw_report_routes_json(&f->gw, b), 0);
	got = drain(b);
	assert_string_equal(got, "[\n"
	    "{\"name\":\"lab\",\"state\":\"serving\",\"serve\":"
	    "\"tcp:port=5005\",\"connect\":\"tcp:server=127.0.0.1,port=5006\","
	    "\"where\":\"127.0.0.1:5005\",\"sessions_open\":2,"
	    "\"sessions_total\":7,\"bytes_up\":5223,\"bytes_down\":88410,"
	    "\"dial_failures\":1}\n"
	    "]\n");
	free(got);
	f->route.where = NULL;
	evbuffer_free(b);
}

/* Rendering a gateway: snapshots of its routes, open sessions' bytes in. */
static void
test_render_gateway(void **state)
{
	struct fixture		*f = *state;
	struct gw_session	*s = &f->s;
	struct evbuffer		*b = evbuffer_new();
	char			*got;

	s->server.bytes_written = 10;	/* up */
	s->client.bytes_written = 20;	/* down */
	TAILQ_INSERT_TAIL(&f->route.sessions, s, entry);
	f->route.nsessions = 1;
	f->counters.open = 1;
	f->counters.total_sessions = 4;
	f->counters.bytes_up = 1000;
	f->counters.bytes_down = 2000;
	f->counters.stats.closed[0] = 3;
	assert_int_equal(gw_metrics_render_gateway(&f->gw, b), 0);
	got = drain(b);
	assert_true(has_line(got, "dbgbridge_sessions_open{route=\"lab\"} 1"));
	assert_true(has_line(got,
	    "dbgbridge_sessions_accepted_total{route=\"lab\"} 4"));
	assert_true(has_line(got, "dbgbridge_sessions_total{route=\"lab\","
	    "reason=\"client closed\"} 3"));
	assert_true(has_line(got,
	    "dbgbridge_bytes_total{route=\"lab\",direction=\"up\"} 1010"));
	assert_true(has_line(got,
	    "dbgbridge_bytes_total{route=\"lab\",direction=\"down\"} 2020"));
	/* A tcp serve has no handshake histogram. */
	assert_null(strstr(got, "handshake_seconds"));
	free(got);
	evbuffer_free(b);
}

/*
 * After a reload: the retired route keeps an open session, its successor of
 * the same name serves another, and a removed route's name keeps its
 * counts.  One series per name, open and bytes over both route objects.
 */
static void
test_render_reloaded(void **state)
{
	struct fixture			*f = *state;
	struct gw_route			 fresh = f->route;
	struct gw_session		 s2 = f->s;
	struct gw_route_counters	 gone;
	struct evbuffer			*b = evbuffer_new();
	char				*got;

	f->route.state = GW_ROUTE_RETIRED;
	f->s.server.bytes_written = 10;	/* up: what reached the server */
	f->s.client.bytes_written = 20;
	TAILQ_INSERT_TAIL(&f->route.sessions, &f->s, entry);
	f->route.nsessions = 1;
	TAILQ_INIT(&fresh.sessions);
	s2.route = &fresh;
	s2.server.bytes_written = 1;
	s2.client.bytes_written = 2;
	TAILQ_INSERT_TAIL(&fresh.sessions, &s2, entry);
	fresh.nsessions = 1;
	TAILQ_INSERT_HEAD(&f->gw.routes, &fresh, entry);
	f->counters.open = 2;
	f->counters.total_sessions = 5;
	f->counters.bytes_up = 100;
	f->counters.bytes_down = 200;
	memset(&gone, 0, sizeof gone);
	gone.name = "gone";
	gone.committed = true;
	gone.total_sessions = 3;
	gone.bytes_up = 7;
	TAILQ_INSERT_TAIL(&f->gw.counters, &gone, entry);

	assert_int_equal(gw_metrics_render_gateway(&f->gw, b), 0);
	got = drain(b);
	assert_int_equal(count_lines(got, "dbgbridge_sessions_open{"), 2);
	assert_true(has_line(got, "dbgbridge_sessions_open{route=\"lab\"} 2"));
	assert_true(has_line(got,
	    "dbgbridge_sessions_accepted_total{route=\"lab\"} 5"));
	assert_true(has_line(got,
	    "dbgbridge_bytes_total{route=\"lab\",direction=\"up\"} 111"));
	assert_true(has_line(got,
	    "dbgbridge_bytes_total{route=\"lab\",direction=\"down\"} 222"));
	assert_true(has_line(got, "dbgbridge_sessions_open{route=\"gone\"} 0"));
	assert_true(has_line(got,
	    "dbgbridge_sessions_accepted_total{route=\"gone\"} 3"));
	assert_true(has_line(got,
	    "dbgbridge_bytes_total{route=\"gone\",direction=\"up\"} 7"));
	free(got);

	/* The route list: each object's open sessions, its name's totals. */
	assert_int_equal(gw_report_routes_json(&f->gw, b), 0);
	got = drain(b);
	assert_non_null(strstr(got, "\"state\":\"retired\""));
	assert_int_equal(count_lines(got, "{\"name\":\"lab\""), 2);
	assert_int_equal(count_lines(got, "{\"name\""), 2);
	assert_non_null(strstr(got, "\"sessions_open\":1,\"sessions_total\":5,"
	    "\"bytes_up\":111,\"bytes_down\":222"));
	free(got);
	TAILQ_REMOVE(&f->gw.routes, &fresh, entry);
	evbuffer_free(b);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_reason_class),
		cmocka_unit_test(test_observe),
		cmocka_unit_test(test_render_exact),
		cmocka_unit_test(test_render_two_routes),
		cmocka_unit_test_setup_teardown(test_hooks, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test(test_json_string),
		cmocka_unit_test_setup_teardown(test_sessions_json,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_render_gateway,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_render_reloaded,
		    fixture_setup, fixture_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
