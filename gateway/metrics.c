/*
 * metrics.c: the routes' counts, their Prometheus exposition, and the HTTP
 * endpoint that serves them.  See metrics.h.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>
#include <sys/queue.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "osdep/net.h"
#include "osdep/compat.h"

#include "config/config.h"
#include "gateway/gateway.h"
#include "gateway/json.h"
#include "gateway/log.h"
#include "gateway/metrics.h"
#include "gateway/report.h"
#include "gateway/route.h"
#include "gateway/session.h"
#include "transports/spec.h"
#include "transports/transport.h"

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
	const char	*name;
	size_t		 len, i;

	if (reason == NULL)
		return (GW_CLOSE_OTHER);
	len = strcspn(reason, ":,");
	for (i = 0; i < GW_CLOSE_OTHER; i++) {
		name = gw_close_name((enum gw_close)i);
		if (strlen(name) == len && strncmp(name, reason, len) == 0)
			return (i);
	}
	return (GW_CLOSE_OTHER);
}

const char *
gw_metrics_reason_name(size_t cls)
{
	return (gw_close_name(cls < GW_ROUTE_NREASONS ? (enum gw_close)cls :
	    GW_CLOSE_OTHER));
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
	struct gw_route_stats	*st = &s->route->counters->stats;
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
gw_metrics_session_closed(struct gw_session *s, enum gw_close why)
{
	struct gw_route_stats	*st = &s->route->counters->stats;

	if ((int)why < 0 || (int)why >= GW_ROUTE_NREASONS)
		why = GW_CLOSE_OTHER;
	st->closed[why]++;
	if (s->state == GW_SESSION_CONNECTING && gw_close_dial(why))
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

	rc |= gw_buf_printf(out, "%s{route=\"", name) < 0;
	rc |= metrics_label(out, route);
	rc |= evbuffer_add(out, "\"", 1);
	return (rc != 0 ? -1 : 0);
}

/* } VALUE\n */
static int
metrics_end(struct evbuffer *out, uint64_t v)
{
	return (gw_buf_printf(out, "} %" PRIu64 "\n", v) < 0 ? -1 : 0);
}

static int
metrics_family(struct evbuffer *out, const char *name, const char *type,
    const char *help)
{
	return (gw_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name,
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
		rc |= gw_buf_printf(out, ",le=\"%s\"", metrics_le[i]) < 0;
		rc |= metrics_end(out, cum);
	}
	snprintf(series, sizeof series, "%s_sum", name);
	rc |= metrics_series(out, series, route);
	rc |= gw_buf_printf(out, "} %" PRIu64 ".%06" PRIu64 "\n",
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
			rc |= metrics_label(out,
			    gw_close_name((enum gw_close)j));
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
	struct gw_metrics_route		*routes;
	const struct gw_route_counters	*c;
	size_t				 n = 0;
	int				 rc;

	/*
	 * One series per route name, from the counts the gateway keeps for
	 * it: a reload neither resets them nor, for a route it removed,
	 * drops them (Prometheus counters only go up while the process
	 * lives).
	 */
	TAILQ_FOREACH(c, &gw->counters, entry)
		n++;
	if ((routes = calloc(n != 0 ? n : 1, sizeof *routes)) == NULL)
		return (-1);
	n = 0;
	TAILQ_FOREACH(c, &gw->counters, entry) {
		if (!c->committed)
			continue;
		routes[n].name = c->name;
		routes[n].open = c->open;
		routes[n].accepted = c->total_sessions;
		gw_report_counters_bytes(gw, c, &routes[n].bytes_up,
		    &routes[n].bytes_down);
		routes[n].handshake = c->handshake;
		routes[n].stats = &c->stats;
		n++;
	}
	rc = gw_metrics_render(out, routes, n);
	free(routes);
	return (rc);
}

/* ---------------------------------------------------------------- HTTP */

/*
 * The endpoint is a small HTTP/1.1 server of its own on an evconnlistener and
 * bufferevents: libevent 2.1's evhttp hands a connection to its parser inside
 * its own accept callback, with no hook to refuse a peer, count connections
 * or bound a connection's life before a request is complete.  One request per
 * connection ("Connection: close", RFC 9112 section 9.6): the answer, then a
 * half-close, then the connection goes once its peer has closed, or at the
 * deadline.
 */
#define METRICS_MAX_HEAD	8192	/* request line and header fields, bytes */
#define METRICS_FD_RESERVE	16	/* descriptors kept for sessions, at least */

struct metrics_conn;

struct gw_metrics_server {
	struct gw_gateway		*gw;
	struct evconnlistener		*evl;
	struct event			*resume;	/* accepting paused: EMFILE */
	TAILQ_HEAD(, metrics_conn)	 conns;
	unsigned			 nconns;
	struct gw_log_limit		 refused;	/* outside metrics_allow */
	struct gw_log_limit		 busy;		/* over the cap */
	struct gw_log_limit		 short_fds;	/* kept for sessions */
	struct gw_log_limit		 accept_err;	/* accept(2) failed */
};

struct metrics_conn {
	struct gw_metrics_server	*srv;
	struct bufferevent		*bev;
	struct event			*deadline;
	char				 peer[64];	/* ADDR:PORT */
	char				*line;		/* the request line */
	size_t				 head;		/* bytes of it read */
	unsigned			 timeout_ms;	/* from accept */
	bool				 replied;	/* answer queued */
	bool				 shut;		/* answer sent, SHUT_WR */
	bool				 eof;		/* the peer closed */
	TAILQ_ENTRY(metrics_conn)	 entry;
};

/* True when [gateway] metrics_allow is unset or holds the peer's address. */
static bool
metrics_allowed(const struct gw_config *c, const struct sockaddr *sa)
{
	const struct sockaddr_in6	*sin6;

	if (c->nmetrics_allow == 0)
		return (true);
	if (sa->sa_family == AF_INET)
		return (gw_config_cidr_match(c->metrics_allow,
		    c->nmetrics_allow, AF_INET,
		    &((const struct sockaddr_in *)sa)->sin_addr));
	if (sa->sa_family != AF_INET6)
		return (false);
	sin6 = (const struct sockaddr_in6 *)sa;
	if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
		return (gw_config_cidr_match(c->metrics_allow,
		    c->nmetrics_allow, AF_INET, &sin6->sin6_addr.s6_addr[12]));
	return (gw_config_cidr_match(c->metrics_allow, c->nmetrics_allow,
	    AF_INET6, &sin6->sin6_addr));
}

static void
metrics_conn_free(struct metrics_conn *c)
{
	struct gw_metrics_server	*srv = c->srv;

	TAILQ_REMOVE(&srv->conns, c, entry);
	srv->nconns--;
	if (c->deadline != NULL)
		event_free(c->deadline);
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	free(c->line);
	free(c);
}

/* The reply: status line, headers, and (but for HEAD) the body. */
static void
metrics_reply(struct metrics_conn *c, bool head, int code, const char *reason,
    const char *type, const char *extra, struct evbuffer *body)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	char		 date[64];
	struct tm	 tm;
	time_t		 now = time(NULL);

	/* RFC 9110 section 6.6.1: an origin server with a clock sends Date. */
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
		date[0] = '\0';
	gw_buf_printf(out, "HTTP/1.1 %d %s\r\n", code, reason);
	if (date[0] != '\0')
		gw_buf_printf(out, "Date: %s\r\n", date);
	gw_buf_printf(out, "Content-Type: %s\r\nContent-Length: %zu\r\n"
	    "%sConnection: close\r\n\r\n", type, evbuffer_get_length(body),
	    extra != NULL ? extra : "");
	/* HEAD: the headers a GET gets, no body (RFC 9110 section 9.3.2). */
	if (!head)
		evbuffer_add_buffer(out, body);
	c->replied = true;
	bufferevent_enable(c->bev, EV_WRITE);
}

/* A short plain-text answer: errors, and what a 404 could have asked for. */
static void
metrics_reply_text(struct metrics_conn *c, bool head, int code,
    const char *reason, const char *extra, const char *text)
{
	struct evbuffer	*body = evbuffer_new();

	if (body != NULL)
		gw_buf_printf(body, "%d %s: %s\n", code, reason, text);
	if (body == NULL) {
		/* Out of memory: nothing sensible to say; close. */
		metrics_conn_free(c);
		return;
	}
	metrics_reply(c, head, code, reason, "text/plain; charset=utf-8", extra,
	    body);
	evbuffer_free(body);
}

/* A complete request head: its line is c->line.  Answer it. */
static void
metrics_request(struct metrics_conn *c)
{
	struct gw_gateway	*gw = c->srv->gw;
	struct evhttp_uri	*uri = NULL;
	struct evbuffer		*body;
	char			*method, *target, *version, *save = NULL;
	char			 escaped[128], verb[32];
	const char		*path = NULL, *type;
	bool			 head;
	int			 rc;

	method = strtok_r(c->line, " ", &save);
	target = method != NULL ? strtok_r(NULL, " ", &save) : NULL;
	version = target != NULL ? strtok_r(NULL, " ", &save) : NULL;
	if (version == NULL || strtok_r(NULL, " ", &save) != NULL ||
	    strncmp(version, "HTTP/", 5) != 0) {
		metrics_reply_text(c, false, 400, "Bad Request", NULL,
		    "not an HTTP/1.1 request line");
		return;
	}
	if (strcmp(version, "HTTP/1.0") != 0 && strcmp(version, "HTTP/1.1") != 0) {
		metrics_reply_text(c, false, 505, "HTTP Version Not Supported",
		    NULL, "HTTP/1.0 and HTTP/1.1 only");
		return;
	}
	head = strcmp(method, "HEAD") == 0;
	/*
	 * origin-form or absolute-form (RFC 9112 section 3.2).  A target the
	 * parser refuses is the client's error (RFC 9112 section 3: 400); and
	 * evhttp_uri_free(3) must never see the NULL it then returns.
	 */
	if ((uri = evhttp_uri_parse_with_flags(target, 0)) == NULL) {
		metrics_reply_text(c, false, 400, "Bad Request", NULL,
		    "not a valid request target");
		return;
	}
	if ((path = evhttp_uri_get_path(uri)) == NULL)
		path = "";
	if (gw_log_enabled(GW_LOG_DEBUG)) {
		/* The path is the peer's: escaped before it reaches a line. */
		gw_log_escape(escaped, sizeof escaped, path);
		gw_log_debug("metrics: %s %s from %s", gw_log_escape(verb,
		    sizeof verb, method), escaped, c->peer);
	}
	if (strcmp(path, "/metrics") == 0)
		type = "text/plain; version=0.0.4; charset=utf-8";
	else if (strcmp(path, "/sessions") == 0)
		type = "application/json";
	else {
		evhttp_uri_free(uri);
		metrics_reply_text(c, head, 404, "Not Found", NULL,
		    "try /metrics or /sessions");
		return;
	}
	if (!head && strcmp(method, "GET") != 0) {
		evhttp_uri_free(uri);
		metrics_reply_text(c, false, 405, "Method Not Allowed",
		    "Allow: GET, HEAD\r\n", "only GET and HEAD");
		return;
	}
	if ((body = evbuffer_new()) == NULL) {
		evhttp_uri_free(uri);
		metrics_reply_text(c, head, 500, "Internal Server Error", NULL,
		    "out of memory");
		return;
	}
	if (path[1] == 'm')
		rc = gw_metrics_render_gateway(gw, body);
	else
		rc = gw_report_sessions_json(gw, body);
	evhttp_uri_free(uri);
	if (rc != 0) {
		evbuffer_free(body);
		metrics_reply_text(c, head, 500, "Internal Server Error", NULL,
		    "out of memory");
		return;
	}
	metrics_reply(c, head, 200, "OK", type, "Cache-Control: no-store\r\n",
	    body);
	evbuffer_free(body);
}

static void
metrics_read(struct bufferevent *bev, void *arg)
{
	struct metrics_conn	*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	char			*line;
	size_t			 n;

	if (c->replied) {
		/* One request per connection: the rest is not read. */
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	while ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF)) != NULL) {
		c->head += n + 2;
		if (c->head > METRICS_MAX_HEAD) {
			free(line);
			break;
		}
		if (c->line == NULL) {
			/* Empty lines before the request line are ignored
			 * (RFC 9112 section 2.2). */
			if (n != 0)
				c->line = line;
			else
				free(line);
			continue;
		}
		free(line);
		if (n == 0) {
			evbuffer_drain(in, evbuffer_get_length(in));
			metrics_request(c);
			return;
		}
	}
	if (c->head + evbuffer_get_length(in) > METRICS_MAX_HEAD) {
		evbuffer_drain(in, evbuffer_get_length(in));
		metrics_reply_text(c, false, 431,
		    "Request Header Fields Too Large", NULL,
		    "the request head is limited to 8192 bytes");
	}
}

/* The answer is out: half-close, and go once the peer has closed. */
static void
metrics_written(struct bufferevent *bev, void *arg)
{
	struct metrics_conn	*c = arg;

	if (!c->replied || c->shut)
		return;
	if (c->eof) {
		metrics_conn_free(c);
		return;
	}
	c->shut = true;
	shutdown(bufferevent_getfd(bev), SHUT_WR);
}

static void
metrics_event(struct bufferevent *bev, short what, void *arg)
{
	struct metrics_conn	*c = arg;

	/* The peer closed after its request: the answer still goes out. */
	if ((what & BEV_EVENT_EOF) && c->replied && !c->shut &&
	    evbuffer_get_length(bufferevent_get_output(bev)) != 0) {
		c->eof = true;
		bufferevent_disable(bev, EV_READ);
		return;
	}
	metrics_conn_free(c);
}

/* metrics_timeout after accept, whatever the peer did meanwhile. */
static void
metrics_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct metrics_conn	*c = arg;

	(void)fd;
	(void)what;
	gw_log_debug("metrics: %s: closed %u ms after accept "
	    "(gateway.metrics_timeout)", c->peer, c->timeout_ms);
	metrics_conn_free(c);
}

/*
 * Descriptors kept for sessions: a quarter of RLIMIT_NOFILE, at least
 * METRICS_FD_RESERVE, plus one for each session waiting for its server's
 * descriptor.  accept(2) gives the lowest free descriptor, so none below fd
 * is free and at most limit - fd - 1 are above it; when those are fewer
 * than the reserve, metrics gives this one back (doc/dbgbridge.8
 * "STATISTICS").
 */
static bool
metrics_fd_short(const struct gw_gateway *gw, evutil_socket_t fd,
    uint64_t *keep)
{
	uint64_t	reserve;

	*keep = 0;
	if (gw->fd_limit == GW_OS_FD_UNLIMITED)
		return (false);
	reserve = gw->fd_limit / 4;
	if (reserve < METRICS_FD_RESERVE)
		reserve = METRICS_FD_RESERVE;
	*keep = reserve + gw->fd_pending;
	return ((uint64_t)fd + 1 + *keep > gw->fd_limit);
}

static void
metrics_accept(struct evconnlistener *evl, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct gw_metrics_server	*srv = arg;
	struct gw_gateway		*gw = srv->gw;
	const struct gw_config		*conf = gw->config;
	struct metrics_conn		*c;
	char				 peer[64], addr[64];
	uint64_t			 keep;

	(void)evl;
	(void)salen;
	gw_transport_sockaddr(sa, peer, sizeof peer);
	/* The address alone, as metrics_allow names it. */
	snprintf(addr, sizeof addr, "%s", peer[0] == '[' ? peer + 1 : peer);
	addr[strcspn(addr, peer[0] == '[' ? "]" : ":")] = '\0';
	if (!metrics_allowed(conf, sa)) {
		evutil_closesocket(fd);
		gw_log_limited(&srv->refused, GW_LOG_INFO, "metrics: refused %s "
		    "(not in gateway.metrics_allow)", addr);
		return;
	}
	if (srv->nconns >= conf->metrics_max_connections) {
		evutil_closesocket(fd);
		gw_log_limited(&srv->busy, GW_LOG_WARN, "metrics: refused %s: "
		    "%u connections open (gateway.metrics_max_connections)",
		    peer, srv->nconns);
		return;
	}
	if (metrics_fd_short(gw, fd, &keep)) {
		evutil_closesocket(fd);
		gw_log_limited(&srv->short_fds, GW_LOG_WARN, "metrics: refused "
		    "%s: descriptor %d of %llu; the last %llu are kept for "
		    "sessions", peer, (int)fd, (unsigned long long)gw->fd_limit,
		    (unsigned long long)keep);
		return;
	}
	if ((c = calloc(1, sizeof *c)) == NULL) {
		evutil_closesocket(fd);
		gw_log_limited(&srv->busy, GW_LOG_WARN, "metrics: refused %s: "
		    "out of memory", peer);
		return;
	}
	c->srv = srv;
	snprintf(c->peer, sizeof c->peer, "%s", peer);
	TAILQ_INSERT_TAIL(&srv->conns, c, entry);
	srv->nconns++;
	c->bev = bufferevent_socket_new(gw->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->deadline = evtimer_new(gw->base, metrics_deadline, c);
	if (c->bev == NULL || c->deadline == NULL) {
		if (c->bev == NULL)
			evutil_closesocket(fd);
		metrics_conn_free(c);
		gw_log_limited(&srv->busy, GW_LOG_WARN, "metrics: refused %s: "
		    "out of memory", peer);
		return;
	}
	c->timeout_ms = conf->metrics_timeout_ms;
	gw_timer_add_ms(c->deadline, c->timeout_ms);
	/* Read no more than a request head may be, and one byte. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, METRICS_MAX_HEAD + 1);
	bufferevent_setcb(c->bev, metrics_read, metrics_written, metrics_event,
	    c);
	bufferevent_enable(c->bev, EV_READ);
}

static void
metrics_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	struct gw_metrics_server	*srv = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(srv->evl);
}

/*
 * accept(2) failed.  Out of descriptors, the listener stays readable: pause
 * as transport.c's stream listeners do (GW_LISTEN_PAUSE_MS), and say so at
 * most once per GW_LOG_LIMIT_MS (gw_log_limited).
 */
static void
metrics_accept_error(struct evconnlistener *evl, void *arg)
{
	struct gw_metrics_server	*srv = arg;
	int				 err = EVUTIL_SOCKET_ERROR();

	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
		return;
	gw_log_limited(&srv->accept_err, GW_LOG_WARN, "metrics: accept: %s; "
	    "pausing %d ms", evutil_socket_error_to_string(err),
	    GW_LISTEN_PAUSE_MS);
	evconnlistener_disable(evl);
	if (gw_timer_add_ms(srv->resume, GW_LISTEN_PAUSE_MS) == -1)
		evconnlistener_enable(evl);
}

int
gw_metrics_start(struct gw_gateway *gw, char **cause)
{
	const char			*text = gw->config->metrics, *colon;
	char				*host, service[8];
	unsigned long			 port;
	struct gw_metrics_server	*srv;
	struct evutil_addrinfo		 hints, *ai = NULL;
	int				 err, r;

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
	if (host == NULL || (srv = calloc(1, sizeof *srv)) == NULL) {
		free(host);
		*cause = strdup("gateway.metrics: out of memory");
		return (-1);
	}
	srv->gw = gw;
	TAILQ_INIT(&srv->conns);
	gw->metrics = srv;
	if ((srv->resume = evtimer_new(gw->base, metrics_accept_resume,
	    srv)) == NULL || gw_log_limit_init(&srv->refused, gw->base) == -1 ||
	    gw_log_limit_init(&srv->busy, gw->base) == -1 ||
	    gw_log_limit_init(&srv->short_fds, gw->base) == -1 ||
	    gw_log_limit_init(&srv->accept_err, gw->base) == -1) {
		free(host);
		gw_metrics_stop(gw);
		*cause = strdup("gateway.metrics: out of memory");
		return (-1);
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = EVUTIL_AI_PASSIVE;
	snprintf(service, sizeof service, "%lu", port);
	if ((r = evutil_getaddrinfo(host, service, &hints, &ai)) != 0) {
		if (asprintf(cause, "gateway.metrics: cannot listen on %s: %s",
		    text, evutil_gai_strerror(r)) == -1)
			*cause = NULL;
		free(host);
		gw_metrics_stop(gw);
		return (-1);
	}
	free(host);
	errno = 0;
	srv->evl = evconnlistener_new_bind(gw->base, metrics_accept, srv,
	    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
	    -1, ai->ai_addr, (int)ai->ai_addrlen);
	err = errno;
	evutil_freeaddrinfo(ai);
	if (srv->evl == NULL) {
		if (asprintf(cause, "gateway.metrics: cannot listen on %s: %s",
		    text, err != 0 ? evutil_socket_error_to_string(err) :
		    "out of memory") == -1)
			*cause = NULL;
		gw_metrics_stop(gw);
		return (-1);
	}
	evconnlistener_set_error_cb(srv->evl, metrics_accept_error);
	gw_log_info("metrics serving /metrics and /sessions on %s", text);
	return (0);
}

void
gw_metrics_stop(struct gw_gateway *gw)
{
	struct gw_metrics_server	*srv = gw->metrics;

	if (srv == NULL)
		return;
	while (!TAILQ_EMPTY(&srv->conns))
		metrics_conn_free(TAILQ_FIRST(&srv->conns));
	if (srv->evl != NULL)
		evconnlistener_free(srv->evl);
	if (srv->resume != NULL)
		event_free(srv->resume);
	gw_log_limit_free(&srv->refused);
	gw_log_limit_free(&srv->busy);
	gw_log_limit_free(&srv->short_fds);
	gw_log_limit_free(&srv->accept_err);
	free(srv);
	gw->metrics = NULL;
}
