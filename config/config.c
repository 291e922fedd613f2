/*
 * config.c: the INI file (inih) to an immutable struct gw_config: loading,
 * and the errors in file order (config_int.h describes the steps).
 *
 * No I/O besides reading the INI file: files named by path keys are checked
 * by their users (tls/ checks certificates and CAs).
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

#include <ini.h>

#include "osdep/net.h"
#include "config/config_int.h"
#include "transports/text.h"

static int
config_error_cmp(const void *a, const void *b)
{
	const struct config_error	*ea = a, *eb = b;

	if (ea->line != eb->line)
		return (ea->line < eb->line ? -1 : 1);
	if (ea->seq != eb->seq)
		return (ea->seq < eb->seq ? -1 : 1);
	return (0);
}

/* "FILE:LINE: ", "FILE: " (no line) or "" (no file, or line 0). */
static void
config_where(const char *path, int line, char *buf, size_t size)
{
	if (path == NULL || line == 0)
		buf[0] = '\0';
	else if (line == CONFIG_NO_LINE)
		snprintf(buf, size, "%s: ", path);
	else
		snprintf(buf, size, "%s:%d: ", path, line);
}

char *
gw_config_where(const struct gw_config *c, int line, char *buf, size_t size)
{
	config_where(c != NULL ? c->path : NULL, line == 0 ? CONFIG_NO_LINE :
	    line, buf, size);
	return (buf);
}

/* Every error, in file order, each with where it is, added to errors. */
static void
config_cause(struct config_parse *p, const char *path,
    struct gw_errors *errors)
{
	struct config_error	*e;
	size_t			 i;

	if (p->oom) {
		errors->oom = true;
		return;
	}
	qsort(p->errors, p->nerrors, sizeof *p->errors, config_error_cmp);
	for (i = 0; i < p->nerrors; i++) {
		e = &p->errors[i];
		if (path == NULL || e->line == 0)
			gw_errors_add(errors, NULL, 0, "%s", e->msg);
		else
			gw_errors_add(errors, path, e->line == CONFIG_NO_LINE ?
			    0 : e->line, "%s", e->msg);
	}
}

/*
 * Check what was read and build the config, or report every error; with
 * partial, a config of what is valid is built all the same (*out, may be
 * NULL) for the checks that come after the file's (gw_config_load_all).
 */
static int
config_finish(struct config_parse *p, const char *path, struct gw_config **out,
    struct gw_errors *errors, bool partial)
{
	struct gw_config	*c = NULL;

	*out = NULL;
	if (!p->oom)
		gw_config_check(p);
	if (!p->oom && (p->nerrors == 0 || partial) &&
	    (c = gw_config_build(p, path)) == NULL)
		p->oom = true;
	if (p->oom || p->nerrors != 0) {
		if (errors != NULL)
			config_cause(p, path, errors);
		gw_config_parse_free(p);
		*out = p->oom ? NULL : c;
		if (p->oom)
			gw_config_free(c);
		return (-1);
	}
	gw_config_parse_free(p);
	*out = c;
	return (0);
}

static int
config_load(const char *path, struct gw_config **out,
    struct gw_errors *errors, bool partial)
{
	struct config_parse	 p;
	int			 rc;

	*out = NULL;
	if (gw_config_parse_init(&p) != 0)
		return (config_finish(&p, path, out, errors, false));

	if ((p.f = fopen(path, "r")) == NULL) {
		gw_config_error(&p, 0, "cannot open %s: %s", path,
		    strerror(errno));
		if (errors != NULL)
			config_cause(&p, path, errors);
		gw_config_parse_free(&p);
		return (-1);
	}
	rc = ini_parse_stream(gw_config_reader, &p, gw_config_handler, &p);
	fclose(p.f);
	p.f = NULL;

	if (p.read_errno != 0) {
		gw_config_error(&p, 0, "cannot read %s: %s", path,
		    strerror(p.read_errno));
		if (errors != NULL)
			config_cause(&p, path, errors);
		gw_config_parse_free(&p);
		return (-1);
	}
	if (rc == -2)
		p.oom = true;
	else if (rc > 0)
		gw_config_syntax_error(&p, rc);
	if (p.nroutes == 0) {
		gw_config_error(&p, CONFIG_NO_LINE, "no route: a configuration "
		    "needs at least one [route NAME] with serve and connect");
	}
	return (config_finish(&p, path, out, errors, partial));
}

int
gw_config_load(const char *path, struct gw_config **out,
    struct gw_errors *errors)
{
	return (config_load(path, out, errors, false));
}

int
gw_config_load_all(const char *path, struct gw_config **out,
    struct gw_errors *errors)
{
	return (config_load(path, out, errors, true));
}

int
gw_config_from_args(const char *serve, const char *connect, bool persist,
    struct gw_config **out, struct gw_errors *errors)
{
	struct config_parse	 p;
	struct config_section	*sec;
	struct config_slot	*slot;

	if (gw_config_parse_init(&p) != 0 ||
	    (sec = gw_config_route_add(&p, "cli", 0)) == NULL)
		return (config_finish(&p, NULL, out, errors, false));
	if (serve != NULL) {
		slot = gw_config_slot(&p, sec, "serve");
		slot->given = true;
		slot->text = gw_config_strdup(&p, serve);
	}
	if (connect != NULL) {
		slot = gw_config_slot(&p, sec, "connect");
		slot->given = true;
		slot->text = gw_config_strdup(&p, connect);
	}
	slot = gw_config_slot(&p, sec, "persist");
	slot->given = true;
	slot->text = gw_config_strdup(&p, persist ? "yes" : "no");
	return (config_finish(&p, NULL, out, errors, false));
}
