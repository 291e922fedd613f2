/*
 * route.c: a route's listener, its sessions and its end.  See route.h.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif


#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "osdep/net.h"
#include "config/config.h"
#include "gateway/gateway.h"
#include "gateway/log.h"
#include "gateway/relay.h"
#include "gateway/route.h"
#include "tls/tls.h"
#include "transports/transport.h"

static const char *const route_state_names[] = {
	"serving", "ending", "ended", "retired",
};

const char *
gw_route_state_name(enum gw_route_state state)
{
	return (route_state_names[state]);
}

/*
 * "FILE:LINE: route NAME.serve: why" (dbgbridge.ini(5) "ERRORS"): the line of
 * the serve or connect key the error is about.
 */
static int
route_cause(char **cause, const struct gw_route *route, const char *what,
    const char *why)
{
	const struct gw_config_route	*conf = route->conf;
	char				 where[PATH_MAX + 32];

	gw_config_where(route->config, strcmp(what, "serve") == 0 ?
	    conf->serve_line : conf->connect_line, where, sizeof where);
	if (asprintf(cause, "%sroute %s.%s: %s", where, conf->name, what,
	    why) == -1)
		*cause = NULL;
	return (-1);
}

/* The ops and, for ssl and spipe, the TLS context of one side of a route. */
static int
route_side(struct gw_route *route, const struct gw_spec *spec, bool serve,
    char **cause)
{
	const struct gw_config_route	*conf = route->conf;
	const struct gw_spec		*wire = gw_transport_wire(spec);
	const struct gw_transport_ops	*ops;
	const char			*what = serve ? "serve" : "connect";
	struct gw_tls_ctx		*tls = NULL;
	struct gw_tls_stores		 stores;
	char				*why = NULL, msg[320];

	/* With clicon=, tcp and ssl links are reached the other way round. */
	if ((ops = gw_transport_ops_for(wire)) == NULL) {
		snprintf(msg, sizeof msg, "the %s transport is not available "
		    "in this build yet", gw_spec_transport_name(wire->transport));
		return (route_cause(cause, route, what, msg));
	}
	/* What the grammar cannot say: a baud rate, a pipe this host has. */
	if (gw_transport_check(ops, wire, serve, route->gateway->pipe_dir,
	    &why) == -1) {
		route_cause(cause, route, what, why != NULL ? why :
		    "out of memory");
		free(why);
		return (-1);
	}
	if (gw_spec_is_tls(wire)) {
		/* The route's own configuration: a reload may change stores. */
		stores.user_store = route->config->user_store;
		stores.machine_store = route->config->machine_store;
		tls = serve ? gw_tls_server_new(wire, &stores, conf->client_ca,
		    &why) : gw_tls_client_new(wire, &stores, route->config->ca,
		    &why);
		if (tls == NULL) {
			route_cause(cause, route, what, why != NULL ? why :
			    "out of memory");
			free(why);
			return (-1);
		}
	}
	if (gw_tls_ctx_warning(tls) != NULL && asprintf(&why, "route %s.%s: %s",
	    conf->name, what, gw_tls_ctx_warning(tls)) != -1) {
		gw_route_warn(route, why);
		free(why);
	}
	if (serve) {
		route->serve_ops = ops;
		route->serve_tls = tls;
	} else {
		route->connect_ops = ops;
		route->connect_tls = tls;
	}
	return (0);
}

struct gw_route *
gw_route_new(struct gw_gateway *gw, struct gw_config *config,
    const struct gw_config_route *conf, char **cause)
{
	struct gw_route	*route;

	if ((route = calloc(1, sizeof *route)) == NULL) {
		*cause = strdup("out of memory");
		return (NULL);
	}
	route->gateway = gw;
	route->config = config;
	route->conf = conf;
	route->state = GW_ROUTE_SERVING;
	TAILQ_INIT(&route->sessions);
	if (route_side(route, conf->serve, true, cause) == -1 ||
	    route_side(route, conf->connect, false, cause) == -1) {
		gw_route_free(route);
		return (NULL);
	}
	if ((route->counters = gw_gateway_counters(gw, conf->name)) == NULL) {
		gw_route_free(route);
		*cause = strdup("out of memory");
		return (NULL);
	}
	return (route);
}

static void
route_accept(struct gw_conn *conn, void *arg)
{
	struct gw_route_door	*door = arg;
	struct gw_route		*route = door->route;

	/* A serial line carries one session at a time (doc/design.md "com"). */
	if (gw_transport_one_session(route->serve_ops))
		gw_transport_listen_pause(route->listener, true);
	if (gw_session_accept(route, conn) == -1 &&
	    gw_transport_one_session(route->serve_ops))
		gw_transport_listen_pause(route->listener, false);
}

static int
route_start(struct gw_route *route, bool prepare, bool listen, char **cause)
{
	const struct gw_config_route	*conf = route->conf;
	struct gw_gateway		*gw = route->gateway;
	const struct gw_spec		*wire = gw_transport_wire(conf->connect);
	struct gw_listen_params		 params;
	char				*why = NULL, *canon;

	/*
	 * The connect side first: a process server that dials in (clicon=)
	 * does so once, whenever it starts (doc/design.md "clicon= on
	 * connect").
	 */
	if (prepare && gw_transport_prepares(route->connect_ops)) {
		route->connect_state = gw_transport_connect_prepare(
		    route->connect_ops, gw->base, gw->dns, wire, conf->name,
		    &route->connect_where, &why);
		if (route->connect_state == NULL) {
			route_cause(cause, route, "connect", why != NULL ?
			    why : "out of memory");
			free(why);
			return (-1);
		}
		gw_log_info("route %s waiting for %s", conf->name,
		    route->connect_where);
	}

	if (!listen)
		return (0);
	if (route->door == NULL &&
	    (route->door = calloc(1, sizeof *route->door)) == NULL) {
		route_cause(cause, route, "serve", "out of memory");
		return (-1);
	}
	route->door->route = route;
	route->door->tls = route->serve_tls;
	memset(&params, 0, sizeof params);
	params.spec = conf->serve;
	params.bind = conf->bind;
	params.pipe_dir = gw->pipe_dir;
	params.pipe = conf->serve->pipe;
	params.pipe_mode = conf->pipe_mode;
	params.pipe_group = conf->pipe_group;
	params.pipe_uid = gw->pipe_uid;
	params.dns = gw->dns;
	params.name = conf->name;
	params.standby = conf->standby;
	route->listener = gw_transport_listen(route->serve_ops, gw->base,
	    &params, &route->door->tls, route_accept, route->door,
	    &route->where, &why);
	if (route->listener == NULL) {
		route_cause(cause, route, "serve", why != NULL ? why :
		    "out of memory");
		free(why);
		return (-1);
	}
	canon = gw_spec_canonical(conf->serve);
	gw_log_info("route %s serving %s%s%s", conf->name,
	    canon != NULL ? canon : "?",
	    gw_transport_where_join(route->serve_ops), route->where);
	free(canon);
	return (0);
}

int
gw_route_start(struct gw_route *route, char **cause)
{
	return (route_start(route, true, true, cause));
}

int
gw_route_start_missing(struct gw_route *route, char **cause)
{
	return (route_start(route, route->connect_state == NULL,
	    route->listener == NULL, cause));
}

/* Two strings equal, NULL equal only to NULL. */
static bool
route_same_str(const char *a, const char *b)
{
	return (a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0);
}

/* Two specs with the same canonical form. */
static bool
route_same_spec(const struct gw_spec *a, const struct gw_spec *b)
{
	char	*ca = gw_spec_canonical(a), *cb = gw_spec_canonical(b);
	bool	 same = ca != NULL && cb != NULL && strcmp(ca, cb) == 0;

	free(ca);
	free(cb);
	return (same);
}

/* The same allow list, entry by entry (an IPv4 entry uses 4 bytes). */
static bool
route_same_cidrs(const struct gw_config_route *a,
    const struct gw_config_route *b)
{
	const struct gw_config_cidr	*x, *y;
	size_t				 i;

	if (a->nallow != b->nallow)
		return (false);
	for (i = 0; i < a->nallow; i++) {
		x = &a->allow[i];
		y = &b->allow[i];
		if (x->family != y->family || x->prefix != y->prefix ||
		    memcmp(x->addr, y->addr, x->family == AF_INET ? 4 : 16) != 0)
			return (false);
	}
	return (true);
}

int
gw_route_conf_diff(const struct gw_config_route *a,
    const struct gw_config_route *b, char *buf, size_t size)
{
	struct {
		const char	*key;
		bool		 same;
	} k[] = {
		/* As written: a kdsrv key prints masked in canonical form. */
		{ "serve", route_same_str(a->serve_text, b->serve_text) },
		{ "connect", route_same_str(a->connect_text, b->connect_text) },
		{ "bind", route_same_str(a->bind, b->bind) },
		{ "max_sessions", a->max_sessions == b->max_sessions },
		{ "connect_timeout", a->connect_timeout_ms ==
		    b->connect_timeout_ms },
		{ "handshake_timeout", a->handshake_timeout_ms ==
		    b->handshake_timeout_ms },
		{ "idle_timeout", a->idle_timeout_ms == b->idle_timeout_ms },
		{ "drain_timeout", a->drain_timeout_ms == b->drain_timeout_ms },
		{ "allow", route_same_cidrs(a, b) },
		{ "client_ca", route_same_str(a->client_ca, b->client_ca) },
		{ "persist", a->persist == b->persist },
		{ "standby", a->standby == b->standby },
		{ "pipe_mode", a->pipe_mode == b->pipe_mode },
		{ "pipe_group", route_same_str(a->pipe_group, b->pipe_group) },
	};
	size_t	 i, o = 0;
	int	 n = 0;

	if (size > 0)
		buf[0] = '\0';
	for (i = 0; i < sizeof k / sizeof k[0]; i++) {
		if (k[i].same)
			continue;
		if (size > o)
			o += (size_t)snprintf(buf + o, size - o, "%s%s",
			    n > 0 ? ", " : "", k[i].key);
		n++;
	}
	return (n);
}

bool
gw_route_same_listen(const struct gw_route *a, const struct gw_route *b)
{
	return (route_same_spec(a->conf->serve, b->conf->serve) &&
	    route_same_str(a->conf->bind, b->conf->bind) &&
	    a->conf->pipe_mode == b->conf->pipe_mode &&
	    route_same_str(a->conf->pipe_group, b->conf->pipe_group) &&
	    a->conf->standby == b->conf->standby);
}

bool
gw_route_same_prepare(const struct gw_route *a, const struct gw_route *b)
{
	return (gw_transport_prepares(a->connect_ops) &&
	    route_same_spec(a->conf->connect, b->conf->connect));
}

void
gw_route_take(struct gw_route *route, struct gw_route *old, bool listen,
    bool prepare)
{
	if (listen && old->listener != NULL) {
		route->listener = old->listener;
		route->door = old->door;
		route->door->route = route;
		route->door->tls = route->serve_tls;
		route->where = old->where;
		old->listener = NULL;
		old->door = NULL;
		old->where = NULL;
	}
	if (prepare && old->connect_state != NULL) {
		route->connect_state = old->connect_state;
		route->connect_where = old->connect_where;
		old->connect_state = NULL;
		old->connect_where = NULL;
	}
}

void
gw_route_retire(struct gw_route *route)
{
	if (route->state != GW_ROUTE_SERVING)
		return;
	route->state = GW_ROUTE_RETIRED;
	if (route->listener != NULL) {
		gw_transport_listen_free(route->listener);
		route->listener = NULL;
	}
	/* The reload's own summary says what changed; this, who goes on. */
	gw_log(route->nsessions > 0 ? GW_LOG_INFO : GW_LOG_DEBUG, "route %s: "
	    "retired by the reload; %u open session%s on with the old settings",
	    route->conf->name, route->nsessions, route->nsessions == 1 ?
	    " goes" : "s go");
	if (route->nsessions == 0)
		route->reaped = true;
}

static void
route_check_ended(struct gw_route *route)
{
	if (route->state == GW_ROUTE_RETIRED && route->nsessions == 0) {
		/* Freed by the gateway from the loop, not inside a close. */
		route->reaped = true;
		gw_gateway_route_ended(route->gateway, route);
		return;
	}
	if (route->state != GW_ROUTE_ENDING || route->nsessions != 0)
		return;
	route->state = GW_ROUTE_ENDED;
	gw_log_info("route %s ended (%llu sessions)", route->conf->name,
	    (unsigned long long)route->counters->total_sessions);
	gw_gateway_route_ended(route->gateway, route);
}

/*
 * End the route; drain: wind relaying sessions down now (gw_relay_drain),
 * else leave them to end by themselves.
 */
static void
route_end(struct gw_route *route, enum gw_close why, bool drain)
{
	struct gw_session	*s, *next;

	if (route->state != GW_ROUTE_SERVING &&
	    route->state != GW_ROUTE_RETIRED)
		return;
	route->state = GW_ROUTE_ENDING;
	gw_log_info("route %s ending: %s", route->conf->name,
	    gw_close_name(why));
	if (route->listener != NULL) {
		gw_transport_listen_free(route->listener);
		route->listener = NULL;
	}
	/* A session that is not relaying yet closes (and unlinks) at once. */
	for (s = TAILQ_FIRST(&route->sessions); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (drain)
			gw_relay_drain(s, why);
		else if (s->state < GW_SESSION_RELAYING) {
			s->stop_closed = true;
			gw_session_close(s, why, NULL);
		}
	}
	/* No session waits in connect now: stop waiting for servers. */
	if (route->connect_state != NULL) {
		gw_transport_connect_release(route->connect_ops,
		    route->connect_state);
		route->connect_state = NULL;
	}
	route_check_ended(route);
	gw_gateway_check_stopping(route->gateway);
}

void
gw_route_end(struct gw_route *route, enum gw_close why)
{
	route_end(route, why, true);
}

void
gw_route_stop(struct gw_route *route, enum gw_close why)
{
	route_end(route, why, false);
}

/*
 * The listener a session of route was accepted on: the route's own, or, when
 * a reload handed it over (gw_route_take), the one of the serving route that
 * took it.  NULL when none listens any more.
 */
static struct gw_route *
route_listener_owner(struct gw_route *route)
{
	struct gw_route	*r;

	if (route->listener != NULL)
		return (route);
	if (route->state != GW_ROUTE_RETIRED)
		return (NULL);
	TAILQ_FOREACH(r, &route->gateway->routes, entry) {
		if (r != route && r->state == GW_ROUTE_SERVING &&
		    r->listener != NULL && r->serve_ops == route->serve_ops &&
		    gw_route_same_listen(r, route))
			return (r);
	}
	return (NULL);
}

void
gw_route_session_closed(struct gw_route *route, struct gw_session *s)
{
	struct gw_route	*owner;

	route->nsessions--;
	route->counters->open--;
	route->counters->bytes_up += s->server.bytes_written;
	route->counters->bytes_down += s->client.bytes_written;
	/*
	 * A serial line's one session has ended: its listener, paused by
	 * route_accept, watches again, also when a reload has moved it to
	 * the route that replaced this one.
	 */
	if (gw_transport_one_session(route->serve_ops) &&
	    (owner = route_listener_owner(route)) != NULL)
		gw_transport_listen_pause(owner->listener, false);
	route_check_ended(route);
}

void
gw_route_server_refused(struct gw_route *route)
{
	if (!route->conf->persist && route->server_closed)
		gw_route_end(route, GW_CLOSE_SERVER_ENDED);
}

void
gw_route_free(struct gw_route *route)
{
	if (route == NULL)
		return;
	if (route->listener != NULL)
		gw_transport_listen_free(route->listener);
	if (route->connect_state != NULL)
		gw_transport_connect_release(route->connect_ops,
		    route->connect_state);
	free(route->door);
	free(route->where);
	free(route->connect_where);
	gw_tls_ctx_free(route->serve_tls);
	gw_tls_ctx_free(route->connect_tls);
	gw_errors_free(&route->warnings);
	free(route);
}

int
gw_route_warn(struct gw_route *route, const char *text)
{
	return (gw_errors_add(&route->warnings, NULL, 0, "%s", text));
}
