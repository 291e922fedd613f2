/*
 * session.c: a session's life from accept to its one log line.  See session.h.
 * The byte stream itself is relay.c.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "osdep/net.h"
#include "config/config.h"
#include "gateway/gateway.h"
#include "gateway/log.h"
#include "gateway/metrics.h"
#include "gateway/relay.h"
#include "gateway/report.h"
#include "gateway/route.h"
#include "gateway/session.h"
#include "tls/tls.h"
#include "transports/transport.h"

/*
 * Descriptors kept free beyond those the sessions need: splice pipes, a
 * control or metrics connection, the configuration file at a reload.
 */
#define SESSION_FD_SLACK	8

static const char *const session_state_names[] = {
	"accepted", "handshake", "connecting", "relaying", "draining", "closed",
};

const char *
gw_session_state_name(enum gw_session_state state)
{
	return (session_state_names[state]);
}

static void	session_timeout(evutil_socket_t, short, void *);
static void	session_start_connect(struct gw_session *);

static void
session_arm(struct gw_session *s, unsigned ms)
{
	evtimer_del(s->timer);
	if (ms != 0)
		gw_timer_add_ms(s->timer, ms);
}

/*
 * The route's timeout for a state (dbgbridge.ini(5) handshake_timeout,
 * connect_timeout, idle_timeout, drain_timeout), in ms; 0: none.
 */
static unsigned
session_state_timeout(const struct gw_config_route *conf,
    enum gw_session_state state)
{
	switch (state) {
	case GW_SESSION_HANDSHAKE:	return (conf->handshake_timeout_ms);
	case GW_SESSION_CONNECTING:	return (conf->connect_timeout_ms);
	case GW_SESSION_RELAYING:	return (conf->idle_timeout_ms);
	case GW_SESSION_DRAINING:	return (conf->drain_timeout_ms);
	default:			return (0);
	}
}

void
gw_session_set_state(struct gw_session *s, enum gw_session_state state)
{
	if (s->state == state || s->state == GW_SESSION_CLOSED)
		return;
	gw_log_debug("session %" PRIu64 " %s -> %s", s->id,
	    gw_session_state_name(s->state), gw_session_state_name(state));
	gw_metrics_session_state(s, state);
	s->state = state;
	session_arm(s, session_state_timeout(s->route->conf, state));
}

void
gw_session_reason(struct gw_session *s, enum gw_close why, const char *detail)
{
	if (s->ended)
		return;
	s->ended = true;
	s->why = why;
	s->reason = gw_close_text(why, detail);
}

const char *
gw_session_reason_text(const struct gw_session *s)
{
	if (!s->ended)
		return (NULL);
	return (s->reason != NULL ? s->reason : gw_close_name(s->why));
}

void
gw_session_cut(struct gw_session *s, enum gw_close why, const char *detail)
{
	char	*then, *reason;

	if (s->state == GW_SESSION_CLOSED)
		return;
	if (s->ended && !s->cut) {
		s->cut = true;
		s->then = why;
		if ((then = gw_close_text(why, detail)) != NULL &&
		    asprintf(&reason, "%s, then %s", gw_session_reason_text(s),
		    then) != -1) {
			free(s->reason);
			s->reason = reason;
		}
		free(then);
	}
	gw_session_close(s, why, detail);
}

static void
session_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct gw_session	*s = arg;
	struct timeval		 now;
	unsigned		 idle_ms, limit = s->route->conf->idle_timeout_ms;

	(void)fd;
	(void)what;
	event_base_gettimeofday_cached(s->route->gateway->base, &now);
	idle_ms = (unsigned)((now.tv_sec - s->active.tv_sec) * 1000 +
	    (now.tv_usec - s->active.tv_usec) / 1000);
	switch (s->state) {
	case GW_SESSION_HANDSHAKE:
		gw_session_close(s, GW_CLOSE_HANDSHAKE_TIMEOUT, NULL);
		break;
	case GW_SESSION_CONNECTING:
		/* clicon=: still waiting for a server link, not dialling one. */
		gw_session_close(s, GW_CLOSE_CONNECT_TIMEOUT,
		    s->connect != NULL ?
		    gw_transport_connect_timeout_why(s->server.ops) : NULL);
		break;
	case GW_SESSION_RELAYING:
		if (idle_ms + 1 < limit)
			session_arm(s, limit - idle_ms);
		else
			gw_session_close(s, GW_CLOSE_IDLE_TIMEOUT, NULL);
		break;
	case GW_SESSION_DRAINING:
		/*
		 * drain_timeout: a deadline from the first end of either
		 * direction, not extended by progress (dbgbridge.ini(5)).
		 */
		gw_session_cut(s, GW_CLOSE_DRAIN_TIMEOUT, NULL);
		break;
	default:
		break;
	}
}

/* Describe a TLS link once its handshake is done. */
static void
session_describe(struct gw_link *l)
{
	char	subject[sizeof l->tls_subject];

	if (!gw_transport_describe(l->ops, l->bev, l->tls_version,
	    sizeof l->tls_version, subject, sizeof subject))
		return;
	gw_log_escape(l->tls_subject, sizeof l->tls_subject, subject);
}

/* Why a link failed, as "client error: ..." / "handshake failed: ...". */
static void
session_link_failed(struct gw_link *l, enum gw_close reason, int err)
{
	char	*why = gw_transport_error(l->ops, l->bev);

	gw_session_close(l->session, reason, why != NULL ? why :
	    err != 0 ? evutil_socket_error_to_string(err) :
	    "connection closed");
	free(why);
}

/* Link events before relaying: handshakes and the wait for the server. */
static void
session_event(struct bufferevent *bev, short what, void *arg)
{
	struct gw_link		*l = arg;
	struct gw_session	*s = l->session;
	int			 err = EVUTIL_SOCKET_ERROR();

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		session_describe(l);
		if (l == &s->client)
			session_start_connect(s);
		else
			gw_relay_start(s);
		return;
	}
	if (s->state == GW_SESSION_HANDSHAKE ||
	    (l == &s->server && gw_transport_handshake(l->ops))) {
		session_link_failed(l, GW_CLOSE_HANDSHAKE_FAILED, err);
		return;
	}
	if (what & BEV_EVENT_EOF) {
		/* The client left while we were connecting. */
		l->eof = true;
		bufferevent_disable(l->bev, EV_READ);
		if (evbuffer_get_length(bufferevent_get_input(l->bev)) == 0)
			gw_session_close(s, GW_CLOSE_CLIENT_CLOSED, NULL);
		return;
	}
	session_link_failed(l, l == &s->client ? GW_CLOSE_CLIENT_ERROR :
	    GW_CLOSE_SERVER_ERROR, err);
}

/* The session has its server's descriptor, or will not need one. */
static void
session_fd_settled(struct gw_session *s)
{
	if (s->fd_pending) {
		s->fd_pending = false;
		s->route->gateway->fd_pending--;
	}
}

/*
 * Taking client fd would leave too few descriptors for the server links of
 * the sessions waiting for one (this one included) and the slack.  accept(2)
 * gives the lowest free descriptor, so none below fd is free and at most
 * limit - fd - 1 are above it.
 */
static bool
session_fd_short(const struct gw_gateway *gw, evutil_socket_t fd)
{
	if (fd < 0 || gw->fd_limit == GW_OS_FD_UNLIMITED)
		return (false);
	return ((uint64_t)fd + 1 + gw->fd_pending + 1 + SESSION_FD_SLACK >
	    gw->fd_limit);
}

static void
session_connected(struct gw_conn *conn, int err, const char *why, void *arg)
{
	struct gw_session	*s = arg;
	struct gw_route		*route = s->route;
	enum gw_close		 reason;

	s->connect = NULL;
	session_fd_settled(s);
	if (conn == NULL) {
		/* Typed by the transport: EBUSY, ECONNREFUSED, ... */
		reason = gw_close_connect(err);
		gw_session_close(s, reason, reason ==
		    GW_CLOSE_SERVER_UNREACHABLE ? why : NULL);
		if (reason == GW_CLOSE_SERVER_REFUSED)
			gw_route_server_refused(route);
		return;
	}
	/* A pipe or a device keeps the name it was given before the attempt. */
	if (conn->peer != NULL)
		snprintf(s->server.peer, sizeof s->server.peer, "%s",
		    conn->peer);
	if ((s->server.bev = conn->bev) == NULL) {
		gw_session_close(s, GW_CLOSE_SERVER_LINK, conn->link_error);
		return;
	}
	bufferevent_setcb(s->server.bev, NULL, NULL, session_event, &s->server);
	if (gw_transport_handshake(route->connect_ops))
		bufferevent_enable(s->server.bev, EV_READ | EV_WRITE);
	else
		gw_relay_start(s);
}

const char *
gw_session_connect_verb(const struct gw_session *s)
{
	return (gw_transport_connect_verb(s->server.ops));
}

static void
session_start_connect(struct gw_session *s)
{
	struct gw_route		*route = s->route;
	const struct gw_spec	*wire = gw_transport_wire(route->conf->connect);
	char			 host[256];

	gw_session_set_state(s, GW_SESSION_CONNECTING);
	/* Named before the attempt, so a failed one still says where. */
	gw_transport_target(route->connect_ops, wire, route->gateway->pipe_dir,
	    s->server.peer, sizeof s->server.peer);
	/* An operator watching the log sees a debugger arrive. */
	gw_log_info("session %" PRIu64 " open route=%s client=%s "
	    "client_transport=%s%s%s: %s %s", s->id, route->conf->name,
	    s->client.peer, s->client.ops->name,
	    s->client.tls_version[0] != '\0' ? " client_tls=" : "",
	    s->client.tls_version, gw_session_connect_verb(s),
	    s->server.peer);
	s->connect = gw_transport_connect(route->connect_ops,
	    route->gateway->base, route->gateway->dns, wire,
	    route->gateway->pipe_dir, route->connect_state, route->connect_tls,
	    gw_transport_peer_name(route->connect_ops, wire, host, sizeof host),
	    session_connected, s);
	if (s->connect == NULL)
		gw_session_close(s, GW_CLOSE_SERVER_UNREACHABLE,
		    "out of memory");
}

static bool
session_allowed(const struct gw_config_route *conf, const struct sockaddr *sa)
{
	const void	*addr;

	if (conf->nallow == 0)
		return (true);
	if (sa->sa_family == AF_INET)
		addr = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		addr = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	else
		return (false);
	return (gw_config_cidr_match(conf->allow, conf->nallow, sa->sa_family,
	    addr));
}

int
gw_session_accept(struct gw_route *route, struct gw_conn *conn)
{
	struct gw_gateway		*gw = route->gateway;
	const struct gw_config_route	*conf = route->conf;
	struct gw_session		*s;

	if ((s = calloc(1, sizeof *s)) == NULL ||
	    (s->timer = evtimer_new(gw->base, session_timeout, s)) == NULL ||
	    (s->flush = evtimer_new(gw->base, gw_relay_flush_timeout, s)) ==
	    NULL) {
		if (s != NULL && s->timer != NULL)
			event_free(s->timer);
		free(s);
		gw_conn_close(conn);
		gw_log_error("route %s: out of memory for a session",
		    conf->name);
		return (-1);
	}
	s->id = ++gw->next_session_id;
	s->route = route;
	s->state = GW_SESSION_ACCEPTED;
	event_base_gettimeofday_cached(gw->base, &s->started);
	s->active = s->started;
	s->client.session = s->server.session = s;
	s->client.side = "client";
	s->server.side = "server";
	s->client.ops = route->serve_ops;
	s->server.ops = route->connect_ops;
	snprintf(s->client.peer, sizeof s->client.peer, "%s", conn->peer);
	snprintf(s->server.peer, sizeof s->server.peer, "-");
	TAILQ_INSERT_TAIL(&route->sessions, s, entry);
	route->nsessions++;
	route->counters->open++;
	route->counters->total_sessions++;

	if (conn->sa != NULL && !session_allowed(conf, conn->sa)) {
		gw_conn_close(conn);
		gw_session_close(s, GW_CLOSE_ACCESS_DENIED, NULL);
		return (0);
	}
	if ((conf->max_sessions != 0 && route->nsessions > conf->max_sessions) ||
	    (gw->config->max_sessions != 0 &&
	    gw_gateway_nsessions(gw) > gw->config->max_sessions)) {
		gw_conn_close(conn);
		gw_session_close(s, GW_CLOSE_SESSION_LIMIT, NULL);
		return (0);
	}
	/*
	 * Out of descriptors but for a few: refuse at once, saying why, rather
	 * than take clients whose server links then find none (EMFILE), which
	 * under a burst refused every client, even those there was room for.
	 */
	if (session_fd_short(gw, gw_conn_descriptor(conn))) {
		gw_conn_close(conn);
		gw_session_close(s, GW_CLOSE_DESCRIPTOR_LIMIT,
		    "Too many open files");
		return (0);
	}
	s->fd_pending = true;
	gw->fd_pending++;
	if (gw_conn_open(conn) == -1) {
		gw_session_close(s, GW_CLOSE_CLIENT_LINK, conn->link_error);
		return (0);
	}
	s->client.bev = conn->bev;
	/* Until relaying, hold at most a high watermark of early bytes. */
	bufferevent_setwatermark(s->client.bev, EV_READ, 0,
	    GW_RELAY_HIGH_WATERMARK);
	bufferevent_setcb(s->client.bev, NULL, NULL, session_event, &s->client);
	bufferevent_enable(s->client.bev, EV_READ | EV_WRITE);
	if (gw_transport_handshake(route->serve_ops))
		gw_session_set_state(s, GW_SESSION_HANDSHAKE);
	else
		session_start_connect(s);
	return (0);
}

/*
 * The session's one line (doc/design.md "Semantics").  With log_format = json
 * its fields also go in as members of the line's object.
 */
static void
session_log(struct gw_session *s)
{
	struct timeval	 now, d;
	char		 reason[512], tls[2][320], *members = NULL;
	struct gw_link	*l[2] = { &s->client, &s->server };
	struct evbuffer	*fields = NULL;
	uint64_t	 ms;
	int		 i;

	event_base_gettimeofday_cached(s->route->gateway->base, &now);
	evutil_timersub(&now, &s->started, &d);
	for (i = 0; i < 2; i++) {
		tls[i][0] = '\0';
		if (l[i]->tls_version[0] == '\0')
			continue;
		snprintf(tls[i], sizeof tls[i], " %s_tls=%s%s%s%s%s",
		    l[i]->side, l[i]->tls_version,
		    l[i]->tls_subject[0] != '\0' ? " " : "",
		    l[i]->tls_subject[0] != '\0' ? l[i]->side : "",
		    l[i]->tls_subject[0] != '\0' ? "_tls_peer=\"" : "",
		    l[i]->tls_subject);
		if (l[i]->tls_subject[0] != '\0')
			strncat(tls[i], "\"", sizeof tls[i] - strlen(tls[i]) - 1);
	}
	ms = d.tv_sec < 0 ? 0 :
	    (uint64_t)d.tv_sec * 1000 + (uint64_t)d.tv_usec / 1000;
	gw_log_escape(reason, sizeof reason, gw_session_reason_text(s));
	if (gw_log_json() && gw_log_enabled(GW_LOG_INFO))
		fields = evbuffer_new();
	if (fields != NULL &&
	    gw_report_session_log_fields(s, ms, reason, fields) == 0 &&
	    evbuffer_add(fields, "", 1) == 0)
		members = (char *)evbuffer_pullup(fields, -1);
	gw_log_fields(GW_LOG_INFO, members, "session %" PRIu64 " route=%s "
	    "client=%s client_transport=%s%s server=%s server_transport=%s%s "
	    "bytes_up=%" PRIu64 " bytes_down=%" PRIu64 " duration_ms=%" PRIu64
	    " reason=\"%s\"", s->id, s->route->conf->name, s->client.peer,
	    s->client.ops->name, tls[0], s->server.peer, s->server.ops->name,
	    tls[1], s->server.bytes_written, s->client.bytes_written, ms,
	    reason);
	if (fields != NULL)
		evbuffer_free(fields);
}

void
gw_session_close(struct gw_session *s, enum gw_close why, const char *detail)
{
	struct gw_route		*route = s->route;
	struct gw_gateway	*gw = route->gateway;
	struct gw_link		*l[2] = { &s->client, &s->server };
	bool			 cut;
	int			 i;

	if (s->state == GW_SESSION_CLOSED)
		return;
	/* Relaying had begun: a link not finished both ways is cut. */
	cut = s->state >= GW_SESSION_RELAYING;
	gw_session_reason(s, why, detail);
	gw_metrics_session_closed(s, s->why);
	s->state = GW_SESSION_CLOSED;
	session_fd_settled(s);
	evtimer_del(s->timer);
	evtimer_del(s->flush);
	if (s->connect != NULL)
		gw_transport_connect_cancel(s->connect);
	s->connect = NULL;
	for (i = 0; i < 2; i++) {
		if (l[i]->bev == NULL)
			continue;
		bufferevent_setcb(l[i]->bev, NULL, NULL, NULL, NULL);
		bufferevent_disable(l[i]->bev, EV_READ | EV_WRITE);
		if (gw_transport_no_eof(l[i]->ops)) {
			/*
			 * A serial line has no FIN nor RST to give: its
			 * half_close sends nothing and gives up the device's
			 * exclusivity (com-termios.c).  Skipped, TIOCEXCL outlives the
			 * fd on a pseudo-terminal and keeps a non-root daemon
			 * from opening it again ("serial port busy").
			 */
			if (!l[i]->shut)
				gw_transport_half_close(l[i]->ops, l[i]->bev);
			continue;
		}
		/*
		 * A failed link's stream was cut too: its peer may still be
		 * there (a TLS protocol error, a write that failed for another
		 * cause than its reset) and must not read an end of stream.
		 */
		if (l[i]->dead || gw_relay_owed(l[i]) != 0 || (cut &&
		    (s->failed || !l[i]->shut || !l[i]->eof))) {
			/*
			 * This peer's stream was cut: bytes owed to it are
			 * lost, or what it still sends can go nowhere (the
			 * other link failed, a deadline passed).  Say so with a
			 * reset, never with FIN or close_notify, which read as
			 * a complete stream.  What its kernel had not sent yet
			 * goes with the reset: not counted as delivered (plain
			 * links; a TLS link's figure is what TLS was handed).
			 */
			l[i]->bytes_written = gw_relay_delivered(l[i]);
			gw_transport_abort(l[i]->ops, l[i]->bev);
		} else if (!l[i]->shut) {
			/*
			 * Say goodbye properly where we have not yet: libevent
			 * frees a TLS link without close_notify, which its peer
			 * would read as a truncation rather than an end.
			 */
			gw_transport_half_close(l[i]->ops, l[i]->bev);
		}
	}
	gw_relay_stop(s);
	session_log(s);
	if (gw->stopping) {
		if (!s->stop_closed)
			gw->stop_ended++;
		else if (cut)
			gw->stop_reset++;
		else
			gw->stop_unstarted++;
	}
	TAILQ_REMOVE(&route->sessions, s, entry);
	TAILQ_INSERT_TAIL(&gw->closed, s, entry);
	event_active(gw->reap, EV_TIMEOUT, 0);
	gw_route_session_closed(route, s);
}

void
gw_session_reap(struct gw_gateway *gw)
{
	struct gw_session	*s;

	while ((s = TAILQ_FIRST(&gw->closed)) != NULL) {
		TAILQ_REMOVE(&gw->closed, s, entry);
		if (s->client.bev != NULL)
			bufferevent_free(s->client.bev);
		if (s->server.bev != NULL)
			bufferevent_free(s->server.bev);
		event_free(s->timer);
		event_free(s->flush);
		free(s->client.fail_why);
		free(s->server.fail_why);
		free(s->reason);
		free(s);
	}
}
