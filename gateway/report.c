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
#include "gateway/report.h"
#include "gateway/route.h"
#include "gateway/session.h"
#include "transports/spec.h"
#include "transports/transport.h"

/*
 * The length of the well-formed UTF-8 sequence at s (RFC 3629 section 4), or
 * 0 when the bytes there are not one.
 */
static size_t
report_utf8_len(const unsigned char *s)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (s[0] == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;	/* overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else
		return (0);
	if (s[1] < lo || s[1] > hi)
		return (0);
	for (i = 2; i < n; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return (0);
	}
	return (n);
}

int
gw_report_json_string(struct evbuffer *out, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	const unsigned char	*run;
	char			 esc[8];
	const char		*e;
	size_t			 n;
	int			 rc = 0;

	if (s == NULL)
		return (evbuffer_add(out, "null", 4));
	rc |= evbuffer_add(out, "\"", 1);
	while (*p != '\0') {
		/* Copy a run of bytes that need nothing. */
		run = p;
		while (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
			p++;
		if (p != run)
			rc |= evbuffer_add(out, run, (size_t)(p - run));
		if (*p == '\0')
			break;
		e = NULL;
		switch (*p) {
		case '"':	e = "\\\"";	break;
		case '\\':	e = "\\\\";	break;
		case '\b':	e = "\\b";	break;
		case '\f':	e = "\\f";	break;
		case '\n':	e = "\\n";	break;
		case '\r':	e = "\\r";	break;
		case '\t':	e = "\\t";	break;
		default:
			break;
		}
		if (e != NULL) {
			rc |= evbuffer_add(out, e, strlen(e));
			p++;
		} else if (*p < 0x80) {
			/* Other control characters, and DEL. */
			snprintf(esc, sizeof esc, "\\u%04x", *p);
			rc |= evbuffer_add(out, esc, 6);
			p++;
		} else if ((n = report_utf8_len(p)) != 0) {
			rc |= evbuffer_add(out, p, n);
			p += n;
		} else {
			rc |= evbuffer_add(out, "\\ufffd", 6);
			p++;
		}
	}
	rc |= evbuffer_add(out, "\"", 1);
	return (rc != 0 ? -1 : 0);
}

void
gw_report_route_bytes(const struct gw_route *route, uint64_t *up,
    uint64_t *down)
{
	const struct gw_session	*s;

	*up = route->bytes_up;
	*down = route->bytes_down;
	TAILQ_FOREACH(s, &route->sessions, entry) {
		*up += s->client.bytes_read;
		*down += s->server.bytes_read;
	}
}

/* Milliseconds from then to now; 0 when the clock went back. */
static uint64_t
report_ms(const struct timeval *now, const struct timeval *then)
{
	struct timeval	d;

	if (timercmp(now, then, <))
		return (0);
	timersub(now, then, &d);
	return ((uint64_t)d.tv_sec * 1000 + (uint64_t)d.tv_usec / 1000);
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
	    ",\"idle_ms\":%" PRIu64 "}", s->client.bytes_read,
	    s->server.bytes_read, report_ms(&now, &s->started),
	    report_ms(&now, &s->active)) < 0;
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
		gw_report_route_bytes(route, &up, &down);
		rc |= evbuffer_add_printf(out, ",\"sessions_open\":%u"
		    ",\"sessions_total\":%" PRIu64 ",\"bytes_up\":%" PRIu64
		    ",\"bytes_down\":%" PRIu64 ",\"dial_failures\":%" PRIu64 "}",
		    route->nsessions, route->total_sessions, up, down,
		    route->stats.dial_failures) < 0;
	}
	rc |= evbuffer_add(out, first ? "]\n" : "\n]\n", first ? 2 : 3);
	return (rc != 0 ? -1 : 0);
}
