/*
 * metrics.c: the routes' counts, their Prometheus exposition, and the HTTP
 * endpoint that serves them.  See metrics.h.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "config/config.h"
#include "gateway/gateway.h"
#include "gateway/log.h"
#include "gateway/metrics.h"
#include "gateway/report.h"
#include "gateway/route.h"
#include "gateway/session.h"
#include "transports/spec.h"
#include "transports/transport.h"

#define METRICS_NITEMS(a) (sizeof (a) / sizeof (a)[0])

/*
 * Reason classes: every reason session.c, relay.c, route.c, gateway.c and
 * control.c give, up to its first ':' or ','.  dial: closing with this reason while CONNECTING means
 * the process server could not be reached.
 */
static const struct {
	const char	*name;
	bool		 dial;
} metrics_reasons[] = {
	{ "client closed", false },
	{ "server closed", false },
	{ "client error", false },
	{ "server error", false },
	{ "client reset", false },
	{ "server reset", false },
	{ "client device hung up", false },
	{ "server device hung up", false },
	{ "client link", false },
	{ "server link", false },
	{ "handshake failed", true },	/* CONNECTING: the server's TLS */
	{ "handshake timeout", false },
	{ "connect timeout", true },
	{ "server refused", true },
	{ "server unreachable", true },
	{ "serial port busy", true },
	{ "idle timeout", false },
	{ "drain timeout", false },
	{ "access denied", false },
	{ "session limit", false },
	{ "disconnected by operator", false },
	{ "route ended", false },
	{ "route ended by operator", false },
	{ "process server ended", false },
	{ "stopped", false },
	{ "closed", false },
	{ "other", false },		/* last: anything else */
};
_Static_assert(METRICS_NITEMS(metrics_reasons) == GW_ROUTE_NREASONS,
    "GW_ROUTE_NREASONS must match metrics_reasons");

/* Bucket upper bounds in microseconds, and as "le" label values (seconds). */
static const uint64_t metrics_bounds_us[GW_ROUTE_NBUCKETS - 1] = {
	1000, 2000, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000,
};
static const char *const metrics_le[GW_ROUTE_NBUCKETS] = {
	"0.001", "0.002", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
	"0.5", "1", "2.5", "5", "10", "+Inf",
};

/* ---------------------------------------------------------------- counting */

size_t
gw_metrics_reason_class(const char *reason)
{
	size_t	len, i;

	if (reason == NULL)
		return (GW_ROUTE_NREASONS - 1);
	len = strcspn(reason, ":,");
	for (i = 0; i < GW_ROUTE_NREASONS - 1; i++) {
		if (strlen(metrics_reasons[i].name) == len &&
		    strncmp(metrics_reasons[i].name, reason, len) == 0)
			return (i);
	}
	return (GW_ROUTE_NREASONS - 1);
}

const char *
gw_metrics_reason_name(size_t cls)
{
	if (cls >= GW_ROUTE_NREASONS)
		cls = GW_ROUTE_NREASONS - 1;
	return (metrics_reasons[cls].name);
}

void
gw_metrics_observe(struct gw_route_histogram *h, uint64_t us)
{
	size_t	i;

	for (i = 0; i < GW_ROUTE_NBUCKETS - 1; i++) {
		if (us <= metrics_bounds_us[i])
			break;
	}
	h->bucket[i]++;
	h->count++;
	h->sum_us += us;
}

void
gw_metrics_session_state(struct gw_session *s, enum gw_session_state to)
{
	struct gw_route_stats	*st = &s->route->stats;
	struct timespec		 ts;
	struct timeval		 now;

	/*
	 * The monotonic clock, read now: the loop's cached time would count a
	 * connect that completes within one loop iteration as 0, and a wall
	 * clock step would count as latency.
	 */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now.tv_sec = ts.tv_sec;
	now.tv_usec = ts.tv_nsec / 1000;
	if (s->state == GW_SESSION_HANDSHAKE && to == GW_SESSION_CONNECTING)
		gw_metrics_observe(&st->handshake, gw_report_us_since(&now, &s->since));
	else if (s->state == GW_SESSION_CONNECTING && to == GW_SESSION_RELAYING)
		gw_metrics_observe(&st->connect, gw_report_us_since(&now, &s->since));
	s->since = now;
}

void
gw_metrics_session_closed(struct gw_session *s, const char *reason)
{
	struct gw_route_stats	*st = &s->route->stats;
	size_t			 cls = gw_metrics_reason_class(reason);

	st->closed[cls]++;
	if (s->state == GW_SESSION_CONNECTING && metrics_reasons[cls].dial)
		st->dial_failures++;
}

/* ---------------------------------------------------------------- exposition */

/* A label value, escaped as the exposition format asks: \\, \", \n. */
static int
metrics_label(struct evbuffer *out, const char *v)
{
	const char	*run;
	int		 rc = 0;

	while (*v != '\0') {
		run = v;
		v += strcspn(v, "\\\"\n");
		if (v != run)
			rc |= evbuffer_add(out, run, (size_t)(v - run));
		if (*v == '\0')
			break;
		rc |= evbuffer_add(out, *v == '\n' ? "\\n" : *v == '"' ?
		    "\\\"" : "\\\\", 2);
		v++;
	}
	return (rc != 0 ? -1 : 0);
}

/* NAME{route="ROUTE" then the caller's labels; see metrics_end. */
static int
metrics_series(struct evbuffer *out, const char *name, const char *route)
{
	int	rc = 0;

	rc |= evbuffer_add_printf(out, "%s{route=\"", name) < 0;
	rc |= metrics_label(out, route);
	rc |= evbuffer_add(out, "\"", 1);
	return (rc != 0 ? -1 : 0);
}

/* } VALUE\n */
static int
metrics_end(struct evbuffer *out, uint64_t v)
{
	return (evbuffer_add_printf(out, "} %" PRIu64 "\n", v) < 0 ? -1 : 0);
}

static int
metrics_family(struct evbuffer *out, const char *name, const char *type,
    const char *help)
{
	return (evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name,
	    help, name, type) < 0 ? -1 : 0);
}

/* One sample with only the route label. */
static int
metrics_sample(struct evbuffer *out, const char *name, const char *route,
    uint64_t v)
{
	int	rc = 0;

	rc |= metrics_series(out, name, route);
	rc |= metrics_end(out, v);
	return (rc != 0 ? -1 : 0);
}

static int
metrics_histogram(struct evbuffer *out, const char *name, const char *route,
    const struct gw_route_histogram *h)
{
	char		 series[64];
	uint64_t	 cum = 0;
	size_t		 i;
	int		 rc = 0;

	snprintf(series, sizeof series, "%s_bucket", name);
	for (i = 0; i < GW_ROUTE_NBUCKETS; i++) {
		cum += h->bucket[i];
		rc |= metrics_series(out, series, route);
		rc |= evbuffer_add_printf(out, ",le=\"%s\"", metrics_le[i]) < 0;
		rc |= metrics_end(out, cum);
	}
	snprintf(series, sizeof series, "%s_sum", name);
	rc |= metrics_series(out, series, route);
	rc |= evbuffer_add_printf(out, "} %" PRIu64 ".%06" PRIu64 "\n",
	    h->sum_us / 1000000, h->sum_us % 1000000) < 0;
	snprintf(series, sizeof series, "%s_count", name);
	rc |= metrics_sample(out, series, route, h->count);
	return (rc != 0 ? -1 : 0);
}

int
gw_metrics_render(struct evbuffer *out, const struct gw_metrics_route *routes,
    size_t n)
{
	const struct gw_metrics_route	*r;
	size_t				 i, j;
	bool				 any;
	int				 rc = 0;

	rc |= metrics_family(out, "dbgbridge_sessions_open", "gauge",
	    "Sessions open now.");
	for (i = 0; i < n; i++)
		rc |= metrics_sample(out, "dbgbridge_sessions_open",
		    routes[i].name, routes[i].open);

	rc |= metrics_family(out, "dbgbridge_sessions_accepted_total",
	    "counter", "Sessions accepted (open and ended).");
	for (i = 0; i < n; i++)
		rc |= metrics_sample(out, "dbgbridge_sessions_accepted_total",
		    routes[i].name, routes[i].accepted);

	rc |= metrics_family(out, "dbgbridge_sessions_total", "counter",
	    "Sessions ended, by close reason (up to its first ':' or ',').");
	for (i = 0; i < n; i++) {
		for (j = 0; j < GW_ROUTE_NREASONS; j++) {
			rc |= metrics_series(out, "dbgbridge_sessions_total",
			    routes[i].name);
			rc |= evbuffer_add(out, ",reason=\"", 9);
			rc |= metrics_label(out, metrics_reasons[j].name);
			rc |= evbuffer_add(out, "\"", 1);
			rc |= metrics_end(out, routes[i].stats->closed[j]);
		}
	}

	rc |= metrics_family(out, "dbgbridge_bytes_total", "counter",
	    "Bytes relayed, open sessions included; up is client to server.");
	for (i = 0; i < n; i++) {
		r = &routes[i];
		rc |= metrics_series(out, "dbgbridge_bytes_total", r->name);
		rc |= evbuffer_add(out, ",direction=\"up\"", 15);
		rc |= metrics_end(out, r->bytes_up);
		rc |= metrics_series(out, "dbgbridge_bytes_total", r->name);
		rc |= evbuffer_add(out, ",direction=\"down\"", 17);
		rc |= metrics_end(out, r->bytes_down);
	}

	rc |= metrics_family(out, "dbgbridge_connect_seconds", "histogram",
	    "Time to reach the process server, TLS handshake included.");
	for (i = 0; i < n; i++)
		rc |= metrics_histogram(out, "dbgbridge_connect_seconds",
		    routes[i].name, &routes[i].stats->connect);

	for (i = 0, any = false; i < n; i++)
		any |= routes[i].handshake;
	if (any) {
		rc |= metrics_family(out, "dbgbridge_handshake_seconds",
		    "histogram", "Time from accept to a client's TLS "
		    "handshake done (ssl and spipe serve).");
	}
	for (i = 0; i < n; i++) {
		if (routes[i].handshake)
			rc |= metrics_histogram(out,
			    "dbgbridge_handshake_seconds", routes[i].name,
			    &routes[i].stats->handshake);
	}

	rc |= metrics_family(out, "dbgbridge_dial_failures_total", "counter",
	    "Connects to the process server that failed: refused, "
	    "unreachable, timeout, busy, TLS handshake.");
	for (i = 0; i < n; i++)
		rc |= metrics_sample(out, "dbgbridge_dial_failures_total",
		    routes[i].name, routes[i].stats->dial_failures);
	return (rc != 0 ? -1 : 0);
}

int
gw_metrics_render_gateway(struct gw_gateway *gw, struct evbuffer *out)
{
	struct gw_metrics_route	*routes;
	const struct gw_route	*route;
	size_t			 n = 0;
	int			 rc;

	/* A retired route shares its name with its successor: one series. */
	TAILQ_FOREACH(route, &gw->routes, entry)
		n++;
	if ((routes = calloc(n != 0 ? n : 1, sizeof *routes)) == NULL)
		return (-1);
	n = 0;
	TAILQ_FOREACH(route, &gw->routes, entry) {
		if (route->state == GW_ROUTE_RETIRED)
			continue;
		routes[n].name = route->conf->name;
		routes[n].open = route->nsessions;
		routes[n].accepted = route->total_sessions;
		gw_report_route_bytes(route, &routes[n].bytes_up,
		    &routes[n].bytes_down);
		routes[n].handshake = gw_spec_is_tls(route->conf->serve);
		routes[n].stats = &route->stats;
		n++;
	}
	rc = gw_metrics_render(out, routes, n);
	free(routes);
	return (rc);
}

/* ---------------------------------------------------------------- HTTP */

/* True when [gateway] metrics_allow is unset or holds the peer's address. */
static bool
metrics_allowed(const struct gw_config *c, const char *peer)
{
	char		 host[INET6_ADDRSTRLEN + 16];
	uint8_t		 addr[16];

	if (c->nmetrics_allow == 0)
		return (true);
	if (peer == NULL)
		return (false);
	snprintf(host, sizeof host, "%s", peer);
	host[strcspn(host, "%")] = '\0';	/* an IPv6 scope */
	if (inet_pton(AF_INET, host, addr) == 1)
		return (gw_config_cidr_match(c->metrics_allow,
		    c->nmetrics_allow, AF_INET, addr));
	if (inet_pton(AF_INET6, host, addr) == 1)
		return (gw_config_cidr_match(c->metrics_allow,
		    c->nmetrics_allow, AF_INET6, addr));
	return (false);
}

/* The request method's name, for the log. */
static const char *
metrics_method(enum evhttp_cmd_type cmd)
{
	static const struct {
		enum evhttp_cmd_type	 cmd;
		const char		*name;
	} m[] = {
		{ EVHTTP_REQ_GET, "GET" }, { EVHTTP_REQ_POST, "POST" },
		{ EVHTTP_REQ_HEAD, "HEAD" }, { EVHTTP_REQ_PUT, "PUT" },
		{ EVHTTP_REQ_DELETE, "DELETE" }, { EVHTTP_REQ_OPTIONS, "OPTIONS" },
		{ EVHTTP_REQ_TRACE, "TRACE" }, { EVHTTP_REQ_CONNECT, "CONNECT" },
		{ EVHTTP_REQ_PATCH, "PATCH" },
	};
	size_t	i;

	for (i = 0; i < METRICS_NITEMS(m); i++) {
		if (m[i].cmd == cmd)
			return (m[i].name);
	}
	return ("?");
}

/* A short plain-text answer: errors, and what a 404 could have asked for. */
static void
metrics_reply_text(struct evhttp_request *req, int code, const char *reason,
    const char *text)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct evbuffer		*body = evbuffer_new();

	evhttp_add_header(h, "Content-Type", "text/plain; charset=utf-8");
	if (body != NULL)
		evbuffer_add_printf(body, "%d %s: %s\n", code, reason, text);
	evhttp_send_reply(req, code, reason, body);
	if (body != NULL)
		evbuffer_free(body);
}

static void
metrics_request(struct evhttp_request *req, void *arg)
{
	struct gw_gateway		*gw = arg;
	struct evhttp_connection	*conn = evhttp_request_get_connection(req);
	const struct evhttp_uri		*uri = evhttp_request_get_evhttp_uri(req);
	enum evhttp_cmd_type		 cmd = evhttp_request_get_command(req);
	struct evkeyvalq		*h = evhttp_request_get_output_headers(req);
	struct evbuffer			*body;
	const char			*path = NULL, *type;
	char				*peer = NULL, length[32], escaped[128];
	ev_uint16_t			 port = 0;
	int				 rc;

	if (conn != NULL)
		evhttp_connection_get_peer(conn, &peer, &port);
	if (!metrics_allowed(gw->config, peer)) {
		gw_log_info("metrics: refused %s (not in gateway.metrics_allow)",
		    peer != NULL ? peer : "an unknown peer");
		metrics_reply_text(req, 403, "Forbidden",
		    "not in gateway.metrics_allow");
		return;
	}
	if (uri != NULL)
		path = evhttp_uri_get_path(uri);
	if (path == NULL)
		path = "";
	if (gw_log_enabled(GW_LOG_DEBUG)) {
		/* The path is the peer's: escaped before it reaches a line. */
		gw_log_escape(escaped, sizeof escaped, path);
		gw_log_debug("metrics: %s %s from %s", metrics_method(cmd),
		    escaped, peer != NULL ? peer : "?");
	}
	if (strcmp(path, "/metrics") == 0)
		type = "text/plain; version=0.0.4; charset=utf-8";
	else if (strcmp(path, "/sessions") == 0)
		type = "application/json";
	else {
		metrics_reply_text(req, 404, "Not Found",
		    "try /metrics or /sessions");
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(h, "Allow", "GET, HEAD");
		metrics_reply_text(req, 405, "Method Not Allowed",
		    "only GET and HEAD");
		return;
	}
	if ((body = evbuffer_new()) == NULL) {
		metrics_reply_text(req, 500, "Internal Server Error",
		    "out of memory");
		return;
	}
	if (path[1] == 'm')
		rc = gw_metrics_render_gateway(gw, body);
	else
		rc = gw_report_sessions_json(gw, body);
	if (rc != 0) {
		evbuffer_free(body);
		metrics_reply_text(req, 500, "Internal Server Error",
		    "out of memory");
		return;
	}
	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	if (cmd == EVHTTP_REQ_HEAD) {
		/*
		 * evhttp would send a HEAD reply's body: send the headers a
		 * GET gets, and no body (RFC 9110 section 9.3.2).
		 */
		snprintf(length, sizeof length, "%zu",
		    evbuffer_get_length(body));
		evhttp_add_header(h, "Content-Length", length);
		evbuffer_drain(body, evbuffer_get_length(body));
	}
	evhttp_send_reply(req, 200, "OK", body);
	evbuffer_free(body);
}

static void
metrics_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	evconnlistener_enable(arg);
}

/*
 * accept(2) failed.  evhttp sets no error callback, and libevent's default
 * leaves a listener that stays readable enabled: out of descriptors, the loop
 * would spin on it and print "Error from accept() call" without end.  Pause
 * as transport.c's stream listeners do (GW_LISTEN_PAUSE_MS).  The one-shot
 * timer needs no owner: the listener is freed only by gw_metrics_stop, after
 * the loop has ended.
 */
static void
metrics_accept_error(struct evconnlistener *evl, void *arg)
{
	struct timeval	tv = { 0, GW_LISTEN_PAUSE_MS * 1000 };
	int		err = EVUTIL_SOCKET_ERROR();

	(void)arg;
	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
		return;
	gw_log_warn("metrics: accept: %s; pausing %d ms",
	    evutil_socket_error_to_string(err), GW_LISTEN_PAUSE_MS);
	evconnlistener_disable(evl);
	if (event_base_once(evconnlistener_get_base(evl), -1, EV_TIMEOUT,
	    metrics_accept_resume, evl, &tv) == -1)
		evconnlistener_enable(evl);
}

int
gw_metrics_start(struct gw_gateway *gw, char **cause)
{
	const char		*text = gw->config->metrics, *colon;
	char			*host, service[8];
	unsigned long		 port;
	struct evhttp		*http;
	struct evconnlistener	*evl;
	struct evutil_addrinfo	 hints, *ai = NULL;
	int			 err, r;

	*cause = NULL;
	if (text == NULL)
		return (0);
	/* HOST:PORT or [V6]:PORT, as config.c checked it. */
	colon = strrchr(text, ':');
	if (text[0] == '[')
		host = strndup(text + 1, (size_t)(colon - text - 2));
	else
		host = strndup(text, (size_t)(colon - text));
	port = strtoul(colon + 1, NULL, 10);
	if (host == NULL || (http = evhttp_new(gw->base)) == NULL) {
		free(host);
		*cause = strdup("gateway.metrics: out of memory");
		return (-1);
	}
	/* Every method reaches metrics_request, which answers 405 itself. */
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_timeout(http, 10);
	evhttp_set_max_headers_size(http, 8192);
	evhttp_set_max_body_size(http, 8192);
	evhttp_set_gencb(http, metrics_request, gw);
	/* Our own listener, to give it an error callback (see above). */
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = EVUTIL_AI_PASSIVE;
	snprintf(service, sizeof service, "%lu", port);
	if ((r = evutil_getaddrinfo(host, service, &hints, &ai)) != 0) {
		if (asprintf(cause, "gateway.metrics: cannot listen on %s: %s",
		    text, evutil_gai_strerror(r)) == -1)
			*cause = NULL;
		evhttp_free(http);
		free(host);
		return (-1);
	}
	free(host);
	errno = 0;
	evl = evconnlistener_new_bind(gw->base, NULL, NULL, LEV_OPT_REUSEABLE |
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, ai->ai_addr,
	    (int)ai->ai_addrlen);
	err = errno;
	evutil_freeaddrinfo(ai);
	if (evl == NULL || evhttp_bind_listener(http, evl) == NULL) {
		if (evl != NULL)
			evconnlistener_free(evl);
		if (asprintf(cause, "gateway.metrics: cannot listen on %s: %s",
		    text, err != 0 ? strerror(err) : "out of memory") == -1)
			*cause = NULL;
		evhttp_free(http);
		return (-1);
	}
	evconnlistener_set_error_cb(evl, metrics_accept_error);
	gw->metrics = http;
	gw_log_info("metrics serving /metrics and /sessions on %s", text);
	return (0);
}

void
gw_metrics_stop(struct gw_gateway *gw)
{
	if (gw->metrics == NULL)
		return;
	evhttp_free(gw->metrics);
	gw->metrics = NULL;
}
