/*
 * control.c: the control socket and the `dbgbridge ctl` client.  See
 * control.h.  The daemon's side runs on the gateway's event loop; the
 * client is a short-lived command with plain blocking I/O.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/queue.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "osdep/net.h"
#include "config/config.h"
#include "gateway/control.h"
#include "gateway/gateway.h"
#include "gateway/json.h"
#include "gateway/log.h"
#include "gateway/relay.h"
#include "gateway/report.h"
#include "gateway/route.h"
#include "gateway/session.h"
#include "osdep/osdep.h"
#include "transports/transport.h"

struct control_conn {
	struct gw_control		*ctl;
	struct bufferevent		*bev;
	bool				 waiting;	/* a `wait` not answered yet */
	bool				 reloading;	/* a `reload` not answered yet */
	char				*wait_route;	/* NULL: every route */
	struct event			*timer;		/* the wait's --timeout */
	TAILQ_ENTRY(control_conn)	 entry;
};

struct gw_control {
	struct gw_gateway		*gw;
	void				*listener;	/* gw_npipe_listen's */
	TAILQ_HEAD(, control_conn)	 conns;
};


static void
conn_free(struct control_conn *c)
{
	struct gw_gateway	*gw = c->ctl->gw;

	TAILQ_REMOVE(&c->ctl->conns, c, entry);
	if (c->reloading)
		gw_gateway_reload_cancel(gw, c);
	if (c->timer != NULL)
		event_free(c->timer);
	bufferevent_free(c->bev);
	free(c->wait_route);
	free(c);
	gw_gateway_check_exit(gw);
}

/* The reply is complete: close once it is written. */
static void
conn_done(struct control_conn *c)
{
	c->waiting = false;
	bufferevent_disable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_free(c);
	/* else control_write frees it once the reply is out */
}

static void
conn_error(struct control_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
conn_error(struct control_conn *c, const char *fmt, ...)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	va_list		 ap;

	gw_buf_printf(out, "error ");
	va_start(ap, fmt);
	gw_buf_vprintf(out, fmt, ap);
	va_end(ap);
	evbuffer_add(out, "\n", 1);
	conn_done(c);
}

static struct gw_route *
control_route(struct gw_gateway *gw, const char *name)
{
	struct gw_route	*r;

	TAILQ_FOREACH(r, &gw->routes, entry) {
		if (r->state != GW_ROUTE_RETIRED &&
		    strcmp(r->conf->name, name) == 0)
			return (r);
	}
	return (NULL);
}

static struct gw_session *
control_session(struct gw_gateway *gw, const char *text)
{
	struct gw_route		*r;
	struct gw_session	*s;
	char			*end;
	unsigned long long	 id;

	errno = 0;
	id = strtoull(text, &end, 10);
	if (*text == '\0' || *end != '\0' || errno != 0)
		return (NULL);
	TAILQ_FOREACH(r, &gw->routes, entry) {
		TAILQ_FOREACH(s, &r->sessions, entry) {
			if (s->id == id)
				return (s);
		}
	}
	return (NULL);
}

/* Milliseconds from then to the loop's cached time; 0 when then is later. */
static uint64_t
control_ms_since(struct gw_gateway *gw, const struct timeval *then)
{
	struct timeval	now;

	event_base_gettimeofday_cached(gw->base, &now);
	return (gw_report_us_since(&now, then) / 1000);
}

static void
control_tls(const struct gw_link *l, char *buf, size_t size)
{
	snprintf(buf, size, "%s", l->tls_subject[0] != '\0' ? l->tls_subject :
	    l->tls_version[0] != '\0' ? l->tls_version : "-");
}

static void
control_list_json(struct control_conn *c)
{
	struct gw_gateway	*gw = c->ctl->gw;
	struct evbuffer		*out = bufferevent_get_output(c->bev);

	gw_buf_printf(out, "ok\n{\"routes\":");
	gw_report_routes_json(gw, out);
	gw_buf_printf(out, ",\"sessions\":");
	gw_report_sessions_json(gw, out);
	gw_buf_printf(out, "}\n");
	conn_done(c);
}

static void
control_list(struct control_conn *c)
{
	struct gw_gateway	*gw = c->ctl->gw;
	struct evbuffer		*out = bufferevent_get_output(c->bev);
	struct gw_route		*r;
	struct gw_session	*s;
	char			*serve, tls[300], transports[32];
	uint64_t		 up, down;

	gw_buf_printf(out, "ok\n%-16s %-8s %8s %8s %12s %12s  %s\n",
	    "ROUTE", "STATE", "SESSIONS", "TOTAL", "BYTES_UP", "BYTES_DOWN",
	    "SERVE");
	TAILQ_FOREACH(r, &gw->routes, entry) {
		gw_report_counters_bytes(gw, r->counters, &up, &down);
		serve = gw_spec_canonical(r->conf->serve);
		gw_buf_printf(out, "%-16s %-8s %8u %8" PRIu64 " %12" PRIu64
		    " %12" PRIu64 "  %s%s%s%s\n", r->conf->name,
		    gw_route_state_name(r->state), r->nsessions,
		    r->counters->total_sessions, up, down, serve != NULL ? serve : "?",
		    r->where != NULL ? " (" : "", r->where != NULL ? r->where :
		    "", r->where != NULL ? ")" : "");
		free(serve);
	}
	gw_buf_printf(out, "\n%-6s %-16s %-10s %-22s %-22s %-12s %10s %10s "
	    "%8s %8s  %s\n", "ID", "ROUTE", "STATE", "CLIENT", "SERVER",
	    "TRANSPORTS", "BYTES_UP", "BYTES_DOWN", "AGE_S", "IDLE_S",
	    "TLS_PEER");
	TAILQ_FOREACH(r, &gw->routes, entry) {
		TAILQ_FOREACH(s, &r->sessions, entry) {
			snprintf(transports, sizeof transports, "%s>%s",
			    s->client.ops->name, s->server.ops->name);
			control_tls(s->server.tls_version[0] != '\0' ?
			    &s->server : &s->client, tls, sizeof tls);
			gw_buf_printf(out, "%-6" PRIu64 " %-16s %-10s "
			    "%-22s %-22s %-12s %10" PRIu64 " %10" PRIu64
			    " %8" PRIu64 " %8" PRIu64 "  %s\n", s->id,
			    r->conf->name, gw_session_state_name(s->state),
			    s->client.peer, s->server.peer, transports,
			    gw_relay_delivered(&s->server),
			    gw_relay_delivered(&s->client), control_ms_since(gw, &s->started) / 1000,
			    control_ms_since(gw, &s->active) / 1000, tls);
		}
	}
	conn_done(c);
}

static void
control_show(struct control_conn *c, const struct gw_control_req *req)
{
	struct gw_gateway	*gw = c->ctl->gw;
	struct evbuffer		*out = bufferevent_get_output(c->bev);
	struct gw_session	*s;
	struct gw_link		*l[2];
	int			 i;

	if (req->arg == NULL || (s = control_session(gw, req->arg)) == NULL) {
		conn_error(c, "no such session '%s'", req->arg != NULL ?
		    req->arg : "");
		return;
	}
	if (req->json) {
		gw_buf_printf(out, "ok\n");
		gw_report_session_json(gw, s, out);
		gw_buf_printf(out, "\n");
		conn_done(c);
		return;
	}
	l[0] = &s->client;
	l[1] = &s->server;
	gw_buf_printf(out, "ok\nid: %" PRIu64 "\nroute: %s\nstate: %s\n"
	    "age_ms: %" PRIu64 "\nidle_ms: %" PRIu64 "\n", s->id,
	    s->route->conf->name, gw_session_state_name(s->state),
	    control_ms_since(gw, &s->started),
	    control_ms_since(gw, &s->active));
	/* The figures under the names the log line gives them. */
	gw_buf_printf(out, "bytes_up: %" PRIu64 "\nbytes_down: %" PRIu64
	    "\n", gw_relay_delivered(&s->server),
	    gw_relay_delivered(&s->client));
	for (i = 0; i < 2; i++) {
		gw_buf_printf(out, "%s: %s\n%s_transport: %s\n",
		    l[i]->side, l[i]->peer, l[i]->side, l[i]->ops->name);
		if (l[i]->tls_version[0] != '\0')
			gw_buf_printf(out, "%s_tls: %s\n%s_tls_peer: %s\n",
			    l[i]->side, l[i]->tls_version, l[i]->side,
			    l[i]->tls_subject);
	}
	if (s->state == GW_SESSION_CONNECTING)
		gw_buf_printf(out, "connecting: %s %s\n",
		    gw_session_connect_verb(s), s->server.peer);
	if (gw_session_reason_text(s) != NULL)
		gw_buf_printf(out, "ending: %s\n",
		    gw_session_reason_text(s));
	conn_done(c);
}

static void
control_disconnect(struct control_conn *c, const struct gw_control_req *req)
{
	struct gw_session	*s;
	uint64_t		 id;

	if (req->arg == NULL ||
	    (s = control_session(c->ctl->gw, req->arg)) == NULL) {
		conn_error(c, "no such session '%s'", req->arg != NULL ?
		    req->arg : "");
		return;
	}
	id = s->id;
	gw_buf_printf(bufferevent_get_output(c->bev),
	    "ok\nsession %" PRIu64 " disconnecting\n", id);
	gw_log_info("control: disconnect session %" PRIu64, id);
	conn_done(c);
	gw_relay_drain(s, GW_CLOSE_OPERATOR);
}

static void
control_end(struct control_conn *c, const struct gw_control_req *req)
{
	struct gw_gateway	*gw = c->ctl->gw;
	struct evbuffer		*out = bufferevent_get_output(c->bev);
	struct gw_route		*r, *next;

	if (req->arg != NULL && (r = control_route(gw, req->arg)) == NULL) {
		conn_error(c, "no such route '%s'", req->arg);
		return;
	}
	gw_buf_printf(out, "ok\n");
	TAILQ_FOREACH(r, &gw->routes, entry) {
		if (req->arg == NULL || strcmp(r->conf->name, req->arg) == 0)
			gw_buf_printf(out, "route %s %s\n", r->conf->name,
			    r->state == GW_ROUTE_SERVING ? "ending" :
			    gw_route_state_name(r->state));
	}
	conn_done(c);
	/* Ending may end the loop: the reply is flushed at exit. */
	for (r = TAILQ_FIRST(&gw->routes); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		if (req->arg == NULL || strcmp(r->conf->name, req->arg) == 0)
			gw_route_end(r, GW_CLOSE_ROUTE_ENDED_OPERATOR);
	}
}

/* Has what `wait` waits for happened? */
static bool
control_ended(struct gw_gateway *gw, const char *route)
{
	struct gw_route	*r;

	TAILQ_FOREACH(r, &gw->routes, entry) {
		if (r->state == GW_ROUTE_RETIRED || r->reaped)
			continue;
		if ((route == NULL || strcmp(r->conf->name, route) == 0) &&
		    r->state != GW_ROUTE_ENDED)
			return (false);
	}
	return (true);
}

static void
control_wait_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct control_conn	*c = arg;

	(void)fd;
	(void)what;
	gw_buf_printf(bufferevent_get_output(c->bev), "ok\ntimeout\n");
	conn_done(c);
}

static void
control_wait(struct control_conn *c, const struct gw_control_req *req)
{
	struct gw_gateway	*gw = c->ctl->gw;

	if (req->arg != NULL && control_route(gw, req->arg) == NULL) {
		conn_error(c, "no such route '%s'", req->arg);
		return;
	}
	if (control_ended(gw, req->arg)) {
		gw_buf_printf(bufferevent_get_output(c->bev),
		    "ok\nended\n");
		conn_done(c);
		return;
	}
	if (req->arg != NULL && (c->wait_route = strdup(req->arg)) == NULL) {
		conn_error(c, "out of memory");
		return;
	}
	c->waiting = true;
	/*
	 * Read on while waiting, only for EOF: a client that gives up (^C,
	 * timeout(1)) is then freed at once rather than holding its
	 * descriptor until the route ends.
	 */
	bufferevent_enable(c->bev, EV_READ);
	if (req->timeout_ms >= 0) {
		if ((c->timer = evtimer_new(gw->base, control_wait_timeout,
		    c)) == NULL) {
			conn_error(c, "out of memory");
			return;
		}
		gw_timer_add_ms(c->timer, (unsigned)req->timeout_ms);
	}
}

static void
control_stats(struct control_conn *c, bool json)
{
	struct gw_gateway	*gw = c->ctl->gw;
	struct gw_route			*r;
	struct gw_route_counters	*k;
	uint64_t			 up = 0, down = 0, total = 0, rup, rdown;
	unsigned			 open = 0, routes = 0;

	/* Totals since start: every route name's, reloads included. */
	TAILQ_FOREACH(r, &gw->routes, entry) {
		routes++;
		open += r->nsessions;
	}
	TAILQ_FOREACH(k, &gw->counters, entry) {
		total += k->total_sessions;
		gw_report_counters_bytes(gw, k, &rup, &rdown);
		up += rup;
		down += rdown;
	}
	gw_buf_printf(bufferevent_get_output(c->bev), json ?
	    "ok\n{\"routes\":%u,\"sessions_open\":%u,\"sessions_total\":%"
	    PRIu64 ",\"bytes_up\":%" PRIu64 ",\"bytes_down\":%" PRIu64
	    ",\"uptime_ms\":%" PRIu64 "}\n" : "ok\nroutes: %u\n"
	    "sessions_open: %u\nsessions_total: %" PRIu64 "\nbytes_up: %"
	    PRIu64 "\nbytes_down: %" PRIu64 "\nuptime_ms: %" PRIu64 "\n",
	    routes, open, total, up, down,
	    control_ms_since(gw, &gw->started));
	conn_done(c);
}

/* The reload has ended: the reply (control.h "reload"). */
static void
control_reloaded(int rc, const struct gw_errors *outcome, void *arg)
{
	struct control_conn	*c = arg;
	struct evbuffer		*out = bufferevent_get_output(c->bev);
	const char		*text, *where;
	char			 buf[PATH_MAX + 32];
	size_t			 i, n = gw_errors_count(outcome);

	c->reloading = false;
	/* Each line of the outcome is a line of the log. */
	for (i = 0; i < n; i++) {
		text = gw_errors_line(outcome, i, &where, buf, sizeof buf);
		gw_log(rc == 0 ? GW_LOG_INFO : GW_LOG_ERROR, "control: reload: "
		    "%s%s", where, text);
	}
	if (rc == 0) {
		gw_buf_printf(out, "ok\n");
		for (i = 0; i < n; i++) {
			text = gw_errors_line(outcome, i, &where, buf,
			    sizeof buf);
			gw_buf_printf(out, "%s%s\n", where, text);
		}
		if (n == 0)
			gw_buf_printf(out, "reloaded\n");
		conn_done(c);
		return;
	}
	/* One error line for the status; all of them in the log. */
	text = n > 0 ? gw_errors_line(outcome, 0, &where, buf, sizeof buf) :
	    (where = "", "out of memory");
	conn_error(c, "reload failed, the configuration is unchanged: %s%s",
	    where, text);
}

static void
control_reload(struct control_conn *c)
{
	struct gw_errors	errors = GW_ERRORS_INIT;

	gw_log_info("control: reload");
	if (gw_gateway_reload(c->ctl->gw, control_reloaded, c, &errors) ==
	    -1) {
		control_reloaded(-1, &errors, c);
		gw_errors_free(&errors);
		return;
	}
	/* The reply comes when it ends; read on only to see the client leave. */
	c->reloading = true;
	bufferevent_enable(c->bev, EV_READ);
}

int
gw_control_parse_timeout(const char *text, long *ms)
{
	unsigned	 u;
	char		*end;
	long		 n;

	if (text == NULL || *text == '\0')
		return (-1);
	errno = 0;
	n = strtol(text, &end, 10);
	if (*end == '\0')
		goto done;
	/* With a unit, as the configuration writes durations. */
	if (gw_config_parse_duration(text, &u, NULL) == -1)
		return (-1);
	n = (long)u;
done:
	if (errno != 0 || !isdigit((unsigned char)*text) || n < 0 ||
	    n > INT_MAX)
		return (-1);
	*ms = n;
	return (0);
}

int
gw_control_parse(char *line, struct gw_control_req *req, const char **why)
{
	char	*word, *save = NULL;

	memset(req, 0, sizeof *req);
	req->timeout_ms = -1;
	for (word = strtok_r(line, " \t\r", &save); word != NULL;
	    word = strtok_r(NULL, " \t\r", &save)) {
		if (strcmp(word, "--json") == 0)
			req->json = true;
		else if (strcmp(word, "--timeout") == 0 ||
		    strncmp(word, "--timeout=", 10) == 0) {
			word = word[9] == '=' ? word + 10 :
			    strtok_r(NULL, " \t\r", &save);
			if (gw_control_parse_timeout(word, &req->timeout_ms) ==
			    -1) {
				*why = "--timeout takes milliseconds or a "
				    "duration such as 10s";
				return (-1);
			}
		} else if (req->cmd == NULL)
			req->cmd = word;
		else if (req->arg == NULL)
			req->arg = word;
		else {
			*why = "too many arguments";
			return (-1);
		}
	}
	if (req->cmd == NULL) {
		*why = "empty request";
		return (-1);
	}
	return (0);
}

static void
control_read(struct bufferevent *bev, void *arg)
{
	struct control_conn	*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct gw_control_req	 req;
	const char		*why = NULL;
	char			*line;
	size_t			 n;

	if (c->waiting || c->reloading) {
		/* Nothing more is asked: read only to see the client leave. */
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	if ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF)) == NULL) {
		if (evbuffer_get_length(in) > GW_CONTROL_MAX_LINE)
			conn_error(c, "request longer than %d bytes",
			    GW_CONTROL_MAX_LINE);
		return;
	}
	bufferevent_disable(bev, EV_READ);
	if (n > GW_CONTROL_MAX_LINE)
		conn_error(c, "request longer than %d bytes", GW_CONTROL_MAX_LINE);
	else if (gw_control_parse(line, &req, &why) == -1)
		conn_error(c, "%s", why);
	else if (req.json && strcmp(req.cmd, "list") != 0 &&
	    strcmp(req.cmd, "show") != 0 && strcmp(req.cmd, "stats") != 0)
		conn_error(c, "--json goes with list, show and stats");
	else if (strcmp(req.cmd, "list") == 0 && req.json)
		control_list_json(c);
	else if (strcmp(req.cmd, "list") == 0)
		control_list(c);
	else if (strcmp(req.cmd, "show") == 0)
		control_show(c, &req);
	else if (strcmp(req.cmd, "disconnect") == 0)
		control_disconnect(c, &req);
	else if (strcmp(req.cmd, "end") == 0)
		control_end(c, &req);
	else if (strcmp(req.cmd, "wait") == 0)
		control_wait(c, &req);
	else if (strcmp(req.cmd, "stats") == 0)
		control_stats(c, req.json);
	else if (strcmp(req.cmd, "reload") == 0)
		control_reload(c);
	else
		conn_error(c, "unknown command '%.64s'; try list, show ID, "
		    "disconnect ID, end [ROUTE], wait [ROUTE], stats, reload",
		    req.cmd);
	free(line);
}

static void
control_write(struct bufferevent *bev, void *arg)
{
	struct control_conn	*c = arg;

	if (!c->waiting && !c->reloading &&
	    !(bufferevent_get_enabled(bev) & EV_READ) &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		conn_free(c);
}

static void
control_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_free(arg);
}

/* A client of the control pipe: peer and sa name nothing worth keeping. */
static void
control_accept(evutil_socket_t fd, const char *peer,
    const struct sockaddr *sa, void *arg)
{
	struct gw_control	*ctl = arg;
	struct control_conn	*c;

	(void)peer;
	(void)sa;
	if ((c = calloc(1, sizeof *c)) == NULL ||
	    (c->bev = bufferevent_socket_new(ctl->gw->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		free(c);
		evutil_closesocket(fd);
		return;
	}
	c->ctl = ctl;
	TAILQ_INSERT_TAIL(&ctl->conns, c, entry);
	bufferevent_setcb(c->bev, control_read, control_write, control_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

struct gw_control *
gw_control_start(struct gw_gateway *gw, const char *path, bool *busy,
    char **cause)
{
	struct gw_control	*ctl;
	struct gw_listen_params	 params;
	char			*store, *where = NULL;

	*busy = false;
	if ((ctl = calloc(1, sizeof *ctl)) == NULL) {
		*cause = strdup("out of memory");
		return (NULL);
	}
	ctl->gw = gw;
	TAILQ_INIT(&ctl->conns);
	/*
	 * A pipe of our own, served as a route's is: named by the platform
	 * (osdep.h gw_os_control_pipe), mode 0600, the [gateway] user trusted
	 * too, no client from another machine.
	 */
	memset(&params, 0, sizeof params);
	if ((store = gw_os_control_pipe(path, &params.pipe_dir, &params.pipe,
	    cause)) == NULL) {
		free(ctl);
		return (NULL);
	}
	params.pipe_mode = 0600;
	params.pipe_uid = gw->pipe_uid;
	params.pipe_local = true;
	ctl->listener = gw_npipe_listen(gw->base, &params, control_accept, ctl,
	    &where, cause);
	/* Typed by the endpoint: another live process serves the name. */
	*busy = ctl->listener == NULL && errno == EADDRINUSE;
	free(where);
	free(store);
	if (ctl->listener == NULL) {
		free(ctl);
		return (NULL);
	}
	return (ctl);
}

void
gw_control_route_ended(struct gw_control *ctl)
{
	struct control_conn	*c, *next;

	if (ctl == NULL)
		return;
	for (c = TAILQ_FIRST(&ctl->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (!c->waiting || !control_ended(ctl->gw, c->wait_route))
			continue;
		if (c->timer != NULL)
			evtimer_del(c->timer);
		gw_buf_printf(bufferevent_get_output(c->bev), "ok\nended\n");
		conn_done(c);
	}
}

bool
gw_control_pending(struct gw_control *ctl)
{
	struct control_conn	*c;

	if (ctl == NULL)
		return (false);
	TAILQ_FOREACH(c, &ctl->conns, entry) {
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)
			return (true);
	}
	return (false);
}

void
gw_control_free(struct gw_control *ctl)
{
	struct control_conn	*c;

	if (ctl == NULL)
		return;
	while ((c = TAILQ_FIRST(&ctl->conns)) != NULL) {
		TAILQ_REMOVE(&ctl->conns, c, entry);
		if (c->timer != NULL)
			event_free(c->timer);
		bufferevent_free(c->bev);
		free(c->wait_route);
		free(c);
	}
	gw_npipe_listen_free(ctl->listener);
	free(ctl);
}

char *
gw_control_default_path(void)
{
	char	*dir, *path;

	if ((dir = gw_gateway_runtime_dir()) == NULL)
		return (NULL);
	if (asprintf(&path, "%s/control", dir) == -1)
		path = NULL;
	free(dir);
	return (path);
}

/* ---------------------------------------------------------------- client */

static void
ctl_usage(void)
{
	fprintf(stderr, "usage: dbgbridge ctl [-S SOCKET | -f FILE] "
	    "list|show ID|disconnect ID|end [ROUTE]|\n"
	    "                     wait [ROUTE] [--timeout MS|DURATION]|stats|"
	    "reload [--json]\n");
}

/*
 * The control socket a configuration names ([gateway] control), or NULL
 * when it names none; -1 when the file does not load (errors printed).
 */
static int
ctl_socket_of(const char *file, char **path)
{
	struct gw_config	*config;
	struct gw_errors	 errors = GW_ERRORS_INIT;
	const char		*text, *where;
	char			 buf[PATH_MAX + 32];
	size_t			 i;

	*path = NULL;
	if (gw_config_load(file, &config, &errors) == -1) {
		/* The first line after "ctl: FILE: ", the others as they are. */
		for (i = 0; i < gw_errors_count(&errors); i++) {
			text = gw_errors_line(&errors, i, &where, buf,
			    sizeof buf);
			fprintf(stderr, "%s%s%s%s%s\n", i == 0 ?
			    "dbgbridge: ctl: " : "", i == 0 ? file : "",
			    i == 0 ? ": " : "", where, text);
		}
		gw_errors_free(&errors);
		return (-1);
	}
	if (config->control != NULL && (*path = strdup(config->control)) ==
	    NULL) {
		gw_config_free(config);
		return (-1);
	}
	gw_config_free(config);
	return (0);
}

/* Append to the request line; *o past size - 2 marks it too long. */
static void __attribute__((format(printf, 4, 5)))
ctl_append(char *line, size_t size, size_t *o, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (*o >= size - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line + *o, size - *o, fmt, ap);
	va_end(ap);
	*o = n < 0 || (size_t)n >= size - *o - 1 ? size - 1 : *o + (size_t)n;
}

int
gw_ctl_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 'S' },
		{ "file", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char		*file = NULL;
	char			*path = NULL, *owned = NULL, *cause = NULL;
	char			 line[GW_CONTROL_MAX_LINE + 2];
	char			 buf[4096], *body;
	size_t			 o = 0, have = 0, cap = 0;
	ssize_t			 n;
	long			 timeout_ms = -1;
	int			 fd, i, rc, ch;
	bool			 is_wait = false, json = false;
	char			*reply = NULL, *grown;

	/* Options in any position (getopt_long(3) permutes them first). */
	optind = 1;
	opterr = 1;
	while ((ch = getopt_long(argc, argv, "S:f:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'S':
			path = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 't':
			if (gw_control_parse_timeout(optarg, &timeout_ms) ==
			    -1) {
				fprintf(stderr, "dbgbridge: ctl: --timeout "
				    "takes milliseconds or a duration such as "
				    "10s, got '%s'\n", optarg);
				return (2);
			}
			break;
		case 'h':
			ctl_usage();
			return (0);
		default:
			ctl_usage();
			return (2);
		}
	}
	i = optind;
	if (i >= argc || (path != NULL && file != NULL)) {
		ctl_usage();
		return (2);
	}
	if (file != NULL) {
		if (ctl_socket_of(file, &owned) == -1)
			return (2);
		path = owned;
	}
	is_wait = strcmp(argv[i], "wait") == 0;
	line[0] = '\0';
	for (; i < argc; i++)
		ctl_append(line, sizeof line, &o, "%s%s", o ? " " : "",
		    argv[i]);
	if (json)
		ctl_append(line, sizeof line, &o, " --json");
	if (timeout_ms >= 0)
		ctl_append(line, sizeof line, &o, " --timeout %ld", timeout_ms);
	if (o >= sizeof line - 1) {
		fprintf(stderr, "dbgbridge: ctl: request too long\n");
		free(owned);
		return (2);
	}
	line[o++] = '\n';
	if (path == NULL && (path = owned = gw_control_default_path()) == NULL)
		return (2);
	if ((fd = gw_os_control_dial(path, &cause)) == -1) {
		fprintf(stderr, "dbgbridge: ctl: %s\n", cause != NULL ? cause :
		    "out of memory");
		free(cause);
		rc = 2;
		goto out;
	}
	/* A request line is short: one send(2) takes it all on a stream. */
	if ((size_t)(n = send(fd, line, o, 0)) != o) {
		fprintf(stderr, "dbgbridge: ctl: %s: %s\n", path,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		evutil_closesocket(fd);
		rc = 2;
		goto out;
	}
	while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
		if (have + (size_t)n + 1 > cap) {
			cap = (have + (size_t)n + 1) * 2;
			if ((grown = realloc(reply, cap)) == NULL) {
				evutil_closesocket(fd);
				rc = 2;
				goto out;
			}
			reply = grown;
		}
		memcpy(reply + have, buf, (size_t)n);
		have += (size_t)n;
	}
	evutil_closesocket(fd);
	if (reply == NULL || n < 0) {
		fprintf(stderr, "dbgbridge: ctl: %s: the daemon closed without "
		    "a reply\n", path);
		rc = 2;
		goto out;
	}
	reply[have] = '\0';
	body = strchr(reply, '\n');
	body = body != NULL ? body + 1 : reply + have;
	if (strncmp(reply, "ok\n", 3) == 0) {
		fputs(body, stdout);
		rc = is_wait && strcmp(body, "timeout\n") == 0 ? 1 : 0;
	} else {
		fprintf(stderr, "dbgbridge: ctl: %.*s\n", (int)strcspn(reply,
		    "\n") - (strncmp(reply, "error ", 6) == 0 ? 6 : 0),
		    reply + (strncmp(reply, "error ", 6) == 0 ? 6 : 0));
		rc = 2;
	}
out:
	free(reply);
	free(owned);
	return (rc);
}
