/*
 * check.c: parse every key of every section, then the cross-checks between
 * keys and routes (config.h gw_config_load lists them).
 */

#ifdef HAVE_CONFIG_H
/* <config.h>: from config/, "config.h" would find this module's header. */
#include <config.h>
#endif

#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "osdep/net.h"
#include "config/config_int.h"
#include "osdep/osdep.h"
#include "transports/text.h"

/* ---------------------------------------------------------------- checks */

/* Parse every key of a section, or apply its default. */
static void
config_check_section(struct config_parse *p, struct config_section *sec)
{
	const struct gw_config_key	*k;
	struct config_slot		*slot;
	char				*why;
	size_t				 i;
	int				 line;

	for (i = 0; i < p->nkeys; i++) {
		k = &p->keys[i];
		slot = &sec->slots[i];
		if (strcmp(k->section, gw_config_kind_names[sec->kind]) != 0 ||
		    slot->broken)
			continue;
		if (!slot->given) {
			if (k->def == NULL) {
				if (k->required) {
					gw_config_error(p, sec->line, "%s.%s: "
					    "required key is missing (%s)",
					    sec->label, k->name, k->help);
				}
				continue;
			}
			if (gw_config_default(k->def, &slot->text) != 0) {
				p->oom = true;
				continue;
			}
			if (slot->text == NULL)
				continue;
		}
		if (slot->text == NULL) {
			p->oom = true;
			continue;
		}
		line = slot->given ? slot->line : sec->line;
		if (gw_config_parse_value(k, slot->text, &slot->value,
		    &why) != 0) {
			if (why == NULL)
				p->oom = true;
			else {
				gw_config_error(p, line, "%s.%s: %s", sec->label,
				    k->name, why);
				free(why);
			}
			continue;
		}
		slot->valid = true;
	}
}

static bool
config_listens_tcp(const struct gw_spec *spec)
{
	return ((spec->transport == GW_SPEC_TCP ||
	    spec->transport == GW_SPEC_SSL) && spec->clicon == NULL);
}

/* Cross-checks of one route's keys, on the values that parsed. */
static void
config_check_route(struct config_parse *p, struct config_section *sec)
{
	struct config_slot	*serve, *bind, *ca, *standby, *allow;
	const struct gw_spec	*spec;

	serve = gw_config_slot(p, sec, "serve");
	spec = serve->valid ? serve->value.spec : NULL;

	ca = gw_config_slot(p, sec, "client_ca");
	if (ca->given && ca->valid && spec != NULL && !gw_spec_is_tls(spec)) {
		gw_config_error(p, ca->line, "%s.client_ca: needs an ssl or spipe "
		    "serve (client certificates are part of the TLS handshake)",
		    sec->label);
	}

	bind = gw_config_slot(p, sec, "bind");
	if (bind->given && bind->valid) {
		if (!gw_text_address_ok(bind->value.str)) {
			gw_config_error(p, bind->line, "%s.bind: must be an "
			    "IPv4 or IPv6 address (without brackets) or a host "
			    "name, got '%s'", sec->label, bind->value.str);
		} else if (spec != NULL && spec->transport != GW_SPEC_TCP &&
		    spec->transport != GW_SPEC_SSL) {
			gw_config_error(p, bind->line, "%s.bind: only a tcp or "
			    "ssl serve listens on an address", sec->label);
		} else if (spec != NULL && spec->clicon != NULL) {
			gw_config_error(p, bind->line, "%s.bind: this serve has "
			    "clicon= and dials out; bind applies to a serve "
			    "that listens", sec->label);
		}
	}

	allow = gw_config_slot(p, sec, "allow");
	if (allow->given && allow->valid && spec != NULL &&
	    spec->transport != GW_SPEC_TCP && spec->transport != GW_SPEC_SSL) {
		gw_config_error(p, allow->line, "%s.allow: only a tcp or ssl serve "
		    "has peer addresses to check; a pipe's file mode "
		    "(pipe_mode, pipe_group) or a serial port's device decides "
		    "who may connect", sec->label);
	}

	standby = gw_config_slot(p, sec, "standby");
	if (standby->given && standby->valid && spec != NULL &&
	    spec->clicon == NULL) {
		gw_config_error(p, standby->line, "%s.standby: only a serve with "
		    "clicon= dials links ahead", sec->label);
	}
}

/* Something a route listens on: a tcp or ssl port, or a pipe name. */
struct config_listener {
	struct config_section	*sec;
	const char		*key;
	int			 line;
	const struct gw_spec	*spec;
	const char		*bind;		/* NULL: every address */
	bool			 pipe;
};

static bool
config_bind_overlap(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (true);
	if (strcmp(a, "0.0.0.0") == 0 || strcmp(a, "::") == 0 ||
	    strcmp(b, "0.0.0.0") == 0 || strcmp(b, "::") == 0)
		return (true);
	return (strcasecmp(a, b) == 0);
}

static void
config_format_port(const struct gw_spec *spec, char *buf, size_t len)
{
	if (spec->port_lo == spec->port_hi)
		snprintf(buf, len, "%u", spec->port_lo);
	else
		snprintf(buf, len, "%u:%u", spec->port_lo, spec->port_hi);
}

/*
 * No two listeners may share a port on an address (a missing bind is every
 * address, which overlaps any) or a pipe name.  A port range overlapping
 * another counts.  A connect spec with clicon= listens on its port for the
 * process server, on every address.
 */
static void
config_check_listeners(struct config_parse *p)
{
	struct config_listener	*l, *a, *b;
	struct config_section	*sec;
	struct config_slot	*serve, *connect, *bind;
	size_t			 i, j, n = 0;
	char			 pa[16], pb[16];

	if ((l = calloc(p->nroutes * 2 + 1, sizeof *l)) == NULL) {
		p->oom = true;
		return;
	}
	for (i = 0; i < p->nroutes; i++) {
		sec = p->routes[i];
		serve = gw_config_slot(p, sec, "serve");
		connect = gw_config_slot(p, sec, "connect");
		bind = gw_config_slot(p, sec, "bind");
		if (serve->valid && (config_listens_tcp(serve->value.spec) ||
		    serve->value.spec->transport == GW_SPEC_NPIPE ||
		    serve->value.spec->transport == GW_SPEC_SPIPE)) {
			l[n].sec = sec;
			l[n].key = "serve";
			l[n].line = serve->line;
			l[n].spec = serve->value.spec;
			l[n].bind = bind->valid ? bind->value.str : NULL;
			l[n].pipe = !config_listens_tcp(serve->value.spec);
			n++;
		}
		if (connect->valid && connect->value.spec->clicon != NULL &&
		    connect->value.spec->port_lo != 0 &&
		    (connect->value.spec->transport == GW_SPEC_TCP ||
		    connect->value.spec->transport == GW_SPEC_SSL)) {
			l[n].sec = sec;
			l[n].key = "connect";
			l[n].line = connect->line;
			l[n].spec = connect->value.spec;
			l[n].bind = NULL;
			l[n].pipe = false;
			n++;
		}
	}

	for (j = 1; j < n; j++) {
		b = &l[j];
		for (i = 0; i < j; i++) {
			a = &l[i];
			if (a->pipe != b->pipe)
				continue;
			if (b->pipe) {
				if (a->spec->pipe == NULL ||
				    b->spec->pipe == NULL ||
				    strcasecmp(a->spec->pipe,
				    b->spec->pipe) != 0)
					continue;
				gw_config_error(p, b->line, "%s.%s: pipe '%s' is "
				    "also served by %s.%s", b->sec->label,
				    b->key, b->spec->pipe, a->sec->label,
				    a->key);
				break;
			}
			if (!config_bind_overlap(a->bind, b->bind) ||
			    a->spec->port_lo > b->spec->port_hi ||
			    b->spec->port_lo > a->spec->port_hi)
				continue;
			config_format_port(a->spec, pa, sizeof pa);
			config_format_port(b->spec, pb, sizeof pb);
			gw_config_error(p, b->line, "%s.%s: port %s overlaps "
			    "%s.%s (port %s) on the same address",
			    b->sec->label, b->key, pb, a->sec->label, a->key,
			    pa);
			break;
		}
	}
	free(l);
}

/*
 * A HOST:PORT or [V6]:PORT whose host is loopback: 127.0.0.0/8, ::1 (or
 * ::ffff:127.0.0.0/104) or "localhost" (RFC 6761 section 6.3).
 */
static bool
config_loopback(const char *hostport)
{
	char		 host[256];
	const char	*colon = strrchr(hostport, ':');
	size_t		 len;
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (colon == NULL)
		return (false);
	len = (size_t)(colon - hostport);
	if (hostport[0] == '[' && len >= 2) {
		hostport++;
		len -= 2;
	}
	if (len >= sizeof host)
		return (false);
	memcpy(host, hostport, len);
	host[len] = '\0';
	if (strcasecmp(host, "localhost") == 0 ||
	    strcasecmp(host, "localhost.") == 0)
		return (true);
	if (inet_pton(AF_INET, host, &a4) == 1)
		return ((ntohl(a4.s_addr) >> 24) == 127);
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return (IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127));
	return (false);
}

/* A log file's key (log_max_size, log_keep) given without log = FILE. */
static void
config_check_log_file(struct config_parse *p, struct config_slot *log,
    const char *key)
{
	struct config_slot	*slot = gw_config_slot(p, &p->gateway, key);
	const char		*to = "stderr";

	if (!slot->given || !slot->valid)
		return;
	if (log->given && log->valid)
		to = log->value.str;
	if (strcmp(to, "stderr") == 0 || strcmp(to, "syslog") == 0 ||
	    strcmp(to, "eventlog") == 0)
		gw_config_error(p, slot->line, "gateway.%s: only applies with "
		    "gateway.log = FILE, a log file (log is %s)", key, to);
}

/*
 * Metrics show every peer and route: served beyond this host only to the
 * networks metrics_allow names.  A syslog facility without log = syslog
 * would do nothing: an error, as metrics_allow without metrics is.
 */
static void
config_check_gateway(struct config_parse *p)
{
	struct config_slot	*metrics, *allow, *log, *facility;

	metrics = gw_config_slot(p, &p->gateway, "metrics");
	allow = gw_config_slot(p, &p->gateway, "metrics_allow");
	if (metrics->given && metrics->valid && !allow->given &&
	    !config_loopback(metrics->value.str)) {
		gw_config_error(p, metrics->line, "gateway.metrics: %s is not a "
		    "loopback address; set gateway.metrics_allow to say who "
		    "may read it", metrics->value.str);
	}
	if (allow->given && allow->valid && !metrics->given) {
		gw_config_error(p, allow->line, "gateway.metrics_allow: needs "
		    "gateway.metrics (the address metrics are served on)");
	}

	/* A facility only means something to syslog: say so, not ignore it. */
	log = gw_config_slot(p, &p->gateway, "log");
	facility = gw_config_slot(p, &p->gateway, "syslog_facility");
	if (facility->given && facility->valid && log->valid &&
	    strcmp(log->value.str, "syslog") != 0) {
		gw_config_error(p, facility->line, "gateway.syslog_facility: only "
		    "applies with gateway.log = syslog (log is %s)",
		    log->value.str);
	}
	/* The Event Log is Windows': elsewhere the value is an error. */
	if (log->given && log->valid && strcmp(log->value.str, "eventlog") ==
	    0 && !gw_os_has_eventlog()) {
		gw_config_error(p, log->line, "gateway.log: eventlog: the "
		    "Windows Event Log; this platform has none (use syslog)");
	}
	/* Rotation only means something to a log file. */
	config_check_log_file(p, log, "log_max_size");
	config_check_log_file(p, log, "log_keep");
}

void
gw_config_check(struct config_parse *p)
{
	size_t	i;

	config_check_section(p, &p->gateway);
	config_check_section(p, &p->tls);
	config_check_gateway(p);
	for (i = 0; i < p->nroutes; i++) {
		config_check_section(p, p->routes[i]);
		config_check_route(p, p->routes[i]);
	}
	config_check_listeners(p);
}
