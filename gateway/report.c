/*
 * report.c: routes and open sessions as JSON.  See report.h.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "gateway/gateway.h"
#include "gateway/json.h"
#include "gateway/relay.h"
#include "gateway/report.h"
#include "gateway/route.h"
#include "gateway/session.h"
#include "transports/spec.h"
#include "transports/transport.h"

int
gw_report_json_string(struct evbuffer *out, const char *s)
{
	return (gw_json_string(out, s));
}

void
gw_report_counters_bytes(const struct gw_gateway *gw,
    const struct gw_route_counters *c, uint64_t *up, uint64_t *down)
{
	const struct gw_route	*route;
	const struct gw_session	*s;

	*up = c->bytes_up;
	*down = c->bytes_down;
	TAILQ_FOREACH(route, &gw->routes, entry) {
		if (route->counters != c)
			continue;
		TAILQ_FOREACH(s, &route->sessions, entry) {
			*up += gw_relay_delivered(&s->server);
			*down += gw_relay_delivered(&s->client);
		}
	}
}

uint64_t
gw_report_us_since(const struct timeval *now, const struct timeval *then)
{
	struct timeval	d;

	if (timercmp(now, then, <))
		return (0);
	evutil_timersub(now, then, &d);
	return ((uint64_t)d.tv_sec * 1000000 + (uint64_t)d.tv_usec);
}

/* ,"SIDE":"peer","SIDE_transport":"tcp","SIDE_tls":...,"SIDE_tls_peer":... */
static int
report_link(struct evbuffer *out, const struct gw_link *l)
{
	int	rc = 0;

	rc |= evbuffer_add_printf(out, ",\"%s\":", l->side) < 0;
	rc |= gw_report_json_string(out, l->peer);
	rc |= evbuffer_add_printf(out, ",\"%s_transport\":", l->side) < 0;
	rc |= gw_report_json_string(out, l->ops->name);
	rc |= evbuffer_add_printf(out, ",\"%s_tls\":", l->side) < 0;
	rc |= gw_report_json_string(out, l->tls_version[0] != '\0' ?
	    l->tls_version : NULL);
	rc |= evbuffer_add_printf(out, ",\"%s_tls_peer\":", l->side) < 0;
	rc |= gw_report_json_string(out, l->tls_subject[0] != '\0' ?
	    l->tls_subject : NULL);
	return (rc != 0 ? -1 : 0);
}

int
gw_report_session_log_fields(const struct gw_session *s, uint64_t duration_ms,
    const char *reason, struct evbuffer *out)
{
	int	rc = 0;

	rc |= evbuffer_add_printf(out, "\"session\":%" PRIu64 ",\"route\":",
	    s->id) < 0;
	rc |= gw_json_string(out, s->route->conf->name);
	rc |= report_link(out, &s->client);
	rc |= report_link(out, &s->server);
	rc |= evbuffer_add_printf(out, ",\"bytes_up\":%" PRIu64
	    ",\"bytes_down\":%" PRIu64 ",\"duration_ms\":%" PRIu64
	    ",\"reason\":", s->server.bytes_written, s->client.bytes_written,
	    duration_ms) < 0;
	rc |= gw_json_string(out, reason);
	return (rc != 0 ? -1 : 0);
}

int
gw_report_session_json(struct gw_gateway *gw, const struct gw_session *s,
    struct evbuffer *out)
{
	struct timeval	now;
	int		rc = 0;

	event_base_gettimeofday_cached(gw->base, &now);
	rc |= evbuffer_add_printf(out, "{\"id\":%" PRIu64 ",\"route\":",
	    s->id) < 0;
	rc |= gw_report_json_string(out, s->route->conf->name);
	rc |= evbuffer_add_printf(out, ",\"state\":\"%s\"",
	    gw_session_state_name(s->state)) < 0;
	rc |= report_link(out, &s->client);
	rc |= report_link(out, &s->server);
	rc |= evbuffer_add_printf(out, ",\"bytes_up\":%" PRIu64
	    ",\"bytes_down\":%" PRIu64 ",\"age_ms\":%" PRIu64
	    ",\"idle_ms\":%" PRIu64 "}", gw_relay_delivered(&s->server),
	    gw_relay_delivered(&s->client),
	    gw_report_us_since(&now, &s->started) / 1000,
	    gw_report_us_since(&now, &s->active) / 1000) < 0;
	return (rc != 0 ? -1 : 0);
}

int
gw_report_sessions_json(struct gw_gateway *gw, struct evbuffer *out)
{
	const struct gw_route	*route;
	const struct gw_session	*s;
	bool			 first = true;
	int			 rc = 0;

	rc |= evbuffer_add(out, "[", 1);
	TAILQ_FOREACH(route, &gw->routes, entry) {
		TAILQ_FOREACH(s, &route->sessions, entry) {
			rc |= evbuffer_add_printf(out, "%s\n", first ? "" :
			    ",") < 0;
			first = false;
			rc |= gw_report_session_json(gw, s, out);
		}
	}
	rc |= evbuffer_add(out, first ? "]\n" : "\n]\n", first ? 2 : 3);
	return (rc != 0 ? -1 : 0);
}

/* ,"KEY":"canonical spec" (passwords masked). */
static int
report_spec(struct evbuffer *out, const char *key, const struct gw_spec *spec)
{
	char	*canon;
	int	 rc = 0;

	if ((canon = gw_spec_canonical(spec)) == NULL)
		return (-1);
	rc |= evbuffer_add_printf(out, ",\"%s\":", key) < 0;
	rc |= gw_report_json_string(out, canon);
	free(canon);
	return (rc != 0 ? -1 : 0);
}

int
gw_report_routes_json(struct gw_gateway *gw, struct evbuffer *out)
{
	const struct gw_route	*route;
	uint64_t		 up, down;
	bool			 first = true;
	int			 rc = 0;

	rc |= evbuffer_add(out, "[", 1);
	TAILQ_FOREACH(route, &gw->routes, entry) {
		rc |= evbuffer_add_printf(out, "%s\n{\"name\":",
		    first ? "" : ",") < 0;
		first = false;
		rc |= gw_report_json_string(out, route->conf->name);
		rc |= evbuffer_add_printf(out, ",\"state\":\"%s\"",
		    gw_route_state_name(route->state)) < 0;
		rc |= report_spec(out, "serve", route->conf->serve);
		rc |= report_spec(out, "connect", route->conf->connect);
		rc |= evbuffer_add(out, ",\"where\":", 9);
		rc |= gw_report_json_string(out, route->where);
		gw_report_counters_bytes(gw, route->counters, &up, &down);
		rc |= evbuffer_add_printf(out, ",\"sessions_open\":%u"
		    ",\"sessions_total\":%" PRIu64 ",\"bytes_up\":%" PRIu64
		    ",\"bytes_down\":%" PRIu64 ",\"dial_failures\":%" PRIu64 "}",
		    route->nsessions, route->counters->total_sessions, up, down,
		    route->counters->stats.dial_failures) < 0;
	}
	rc |= evbuffer_add(out, first ? "]\n" : "\n]\n", first ? 2 : 3);
	return (rc != 0 ? -1 : 0);
}
