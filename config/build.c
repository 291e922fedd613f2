/*
 * build.c: the checked values into struct gw_config, each at the field the
 * key table names (keys.c), and what reads a config by the table.
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
#include "transports/text.h"

/* ---------------------------------------------------------------- building */

/*
 * Move a section's valid values into the struct at base (struct gw_config or
 * struct gw_config_route), each at its key's field (keys.c).
 */
static void
config_build_section(struct config_parse *p, struct config_section *sec,
    void *base)
{
	const struct gw_config_key	*k;
	struct config_slot		*slot;
	char				*at;
	size_t				 i;

	for (i = 0; i < p->nkeys; i++) {
		k = &p->keys[i];
		slot = &sec->slots[i];
		if (strcmp(k->section, gw_config_kind_names[sec->kind]) != 0)
			continue;
		if (k->line_at != GW_CONFIG_NO_FIELD)
			memcpy((char *)base + k->line_at, &slot->line,
			    sizeof slot->line);
		if (!slot->valid)
			continue;
		at = (char *)base + k->field;
		switch (gw_config_store(k->type)) {
		case CONFIG_STORE_STR:
			memcpy(at, &slot->value.str, sizeof slot->value.str);
			slot->value.str = NULL;
			break;
		case CONFIG_STORE_FLAG:
			memcpy(at, &slot->value.flag, sizeof slot->value.flag);
			break;
		case CONFIG_STORE_NUM:
			memcpy(at, &slot->value.num, sizeof slot->value.num);
			break;
		case CONFIG_STORE_SPEC:
			memcpy(at, &slot->value.spec, sizeof slot->value.spec);
			slot->value.spec = NULL;
			memcpy((char *)base + k->aux, &slot->text,
			    sizeof slot->text);
			slot->text = NULL;
			break;
		case CONFIG_STORE_CIDR:
			memcpy(at, &slot->value.cidr.list,
			    sizeof slot->value.cidr.list);
			memcpy((char *)base + k->aux, &slot->value.cidr.n,
			    sizeof slot->value.cidr.n);
			slot->value.cidr.list = NULL;
			break;
		}

	}
}

struct gw_config *
gw_config_build(struct config_parse *p, const char *path)
{
	struct gw_config	*c;
	struct gw_config_route	*r;
	size_t			 i;

	if ((c = calloc(1, sizeof *c)) == NULL)
		return (NULL);
	if (path != NULL && (c->path = strdup(path)) == NULL) {
		free(c);
		return (NULL);
	}
	if ((c->routes = calloc(p->nroutes + 1, sizeof *c->routes)) == NULL) {
		free(c->path);
		free(c);
		return (NULL);
	}
	config_build_section(p, &p->gateway, c);
	config_build_section(p, &p->tls, c);
	/* Routes whose specs are valid (all of them, unless partial). */
	for (i = 0; i < p->nroutes; i++) {
		if (!gw_config_slot(p, p->routes[i], "serve")->valid ||
		    !gw_config_slot(p, p->routes[i], "connect")->valid)
			continue;
		r = &c->routes[c->nroutes++];
		r->name = p->routes[i]->name;
		p->routes[i]->name = NULL;
		r->line = p->routes[i]->line;
		config_build_section(p, p->routes[i], r);
	}
	return (c);
}

bool
gw_config_same(const struct gw_config_key *k, const struct gw_config *a,
    const struct gw_config *b)
{
	const char	*fa = (const char *)a + k->field;
	const char	*fb = (const char *)b + k->field;
	const void	*la, *lb;
	const char	*sa, *sb;
	size_t		 na, nb;

	if (strcmp(k->section, "route") == 0)
		return (false);
	switch (gw_config_store(k->type)) {
	case CONFIG_STORE_STR:
		memcpy(&sa, fa, sizeof sa);
		memcpy(&sb, fb, sizeof sb);
		return (sa == NULL ? sb == NULL : sb != NULL &&
		    strcmp(sa, sb) == 0);
	case CONFIG_STORE_FLAG:
		return (memcmp(fa, fb, sizeof (bool)) == 0);
	case CONFIG_STORE_NUM:
		return (memcmp(fa, fb, sizeof (unsigned)) == 0);
	case CONFIG_STORE_CIDR:
		memcpy(&la, fa, sizeof la);
		memcpy(&lb, fb, sizeof lb);
		memcpy(&na, (const char *)a + k->aux, sizeof na);
		memcpy(&nb, (const char *)b + k->aux, sizeof nb);
		return (na == nb && (na == 0 || memcmp(la, lb, na *
		    sizeof (struct gw_config_cidr)) == 0));
	case CONFIG_STORE_SPEC:
		break;
	}
	return (false);
}

void
gw_config_free(struct gw_config *c)
{
	struct gw_config_route	*r;
	size_t			 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nroutes; i++) {
		r = &c->routes[i];
		free(r->name);
		free(r->serve_text);
		free(r->connect_text);
		gw_spec_free(r->serve);
		gw_spec_free(r->connect);
		free(r->bind);
		free(r->allow);
		free(r->client_ca);
		free(r->pipe_group);
	}
	free(c->routes);
	free(c->path);
	free(c->control);
	free(c->log);
	free(c->metrics);
	free(c->metrics_allow);
	free(c->pipe_dir);
	free(c->user);
	free(c->user_store);
	free(c->machine_store);
	free(c->ca);
	free(c);
}
