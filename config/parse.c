/*
 * parse.c: reading the INI file (inih) into the slots of its sections, and
 * recording errors (config_int.h "Read").
 *
 * No I/O besides reading the INI file.
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
#include "osdep/compat.h"

#include "config/config_int.h"
#include "transports/text.h"

static struct config_error *config_verror(struct config_parse *, int,
		    const char *, va_list)
		    __attribute__((format(printf, 3, 0)));
static struct config_error *config_add(struct config_parse *, int,
		    const char *, ...)
		    __attribute__((format(printf, 3, 4)));

const char *const gw_config_kind_names[3] = { "gateway", "tls", "route" };
/* ---------------------------------------------------------------- helpers */

char *
gw_config_printf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		s = NULL;
	va_end(ap);
	return (s);
}

/* Record one error; line is its sort key (CONFIG_NO_LINE: at the end). */
static struct config_error *
config_verror(struct config_parse *p, int line, const char *fmt, va_list ap)
{
	struct config_error	*e;
	char			*msg;

	if (vasprintf(&msg, fmt, ap) == -1) {
		p->oom = true;
		return (NULL);
	}
	e = reallocarray(p->errors, p->nerrors + 1, sizeof *p->errors);
	if (e == NULL) {
		free(msg);
		p->oom = true;
		return (NULL);
	}
	p->errors = e;
	e = &p->errors[p->nerrors];
	e->line = line;
	e->seq = p->nerrors;
	e->syntax = false;
	e->msg = msg;
	p->nerrors++;
	return (e);
}

void
gw_config_error(struct config_parse *p, int line, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	config_verror(p, line, fmt, ap);
	va_end(ap);
}

static struct config_error *
config_add(struct config_parse *p, int line, const char *fmt, ...)
{
	struct config_error	*e;
	va_list			 ap;

	va_start(ap, fmt);
	e = config_verror(p, line, fmt, ap);
	va_end(ap);
	return (e);
}

/* "line N: syntax error", once per line. */
void
gw_config_syntax_error(struct config_parse *p, int line)
{
	struct config_error	*e;
	size_t			 i;

	for (i = 0; i < p->nerrors; i++) {
		if (p->errors[i].syntax && p->errors[i].line == line)
			return;
	}
	e = config_add(p, line, "%s", CONFIG_SYNTAX);
	if (e != NULL)
		e->syntax = true;
}

char *
gw_config_strdup(struct config_parse *p, const char *s)
{
	char	*copy;

	if ((copy = strdup(s)) == NULL)
		p->oom = true;
	return (copy);
}

/* ---------------------------------------------------------------- key table */

static int
config_key_find(struct config_parse *p, enum config_kind kind,
    const char *name)
{
	size_t	i;

	for (i = 0; i < p->nkeys; i++) {
		if (strcmp(p->keys[i].section, gw_config_kind_names[kind]) == 0 &&
		    strcasecmp(p->keys[i].name, name) == 0)
			return ((int)i);
	}
	return (-1);
}

/* The slot of a key of this section; every caller names a table key. */
struct config_slot *
gw_config_slot(struct config_parse *p, struct config_section *sec,
    const char *name)
{
	int	i;

	i = config_key_find(p, sec->kind, name);
	if (i == -1)
		abort();	/* a key missing from keys.c: a build error */
	return (&sec->slots[i]);
}

/* ---------------------------------------------------------------- sections */

static int
config_section_init(struct config_parse *p, struct config_section *sec,
    enum config_kind kind, const char *name, int line)
{
	memset(sec, 0, sizeof *sec);
	sec->kind = kind;
	sec->line = line;
	if (name != NULL) {
		sec->name = strdup(name);
		sec->label = gw_config_printf("route %s", name);
	} else
		sec->label = strdup(gw_config_kind_names[kind]);
	sec->slots = calloc(p->nkeys, sizeof *sec->slots);
	if ((name != NULL && sec->name == NULL) || sec->label == NULL ||
	    sec->slots == NULL) {
		p->oom = true;
		return (-1);
	}
	return (0);
}

static void
config_value_free(const struct gw_config_key *k, union config_value *v)
{
	switch (gw_config_store(k->type)) {
	case CONFIG_STORE_STR:
		free(v->str);
		break;
	case CONFIG_STORE_SPEC:
		gw_spec_free(v->spec);
		break;
	case CONFIG_STORE_CIDR:
		free(v->cidr.list);
		break;
	case CONFIG_STORE_FLAG:
	case CONFIG_STORE_NUM:
		break;
	}
	memset(v, 0, sizeof *v);
}

/* A spec's text may hold a password: it is wiped before it is freed. */
static bool
config_is_spec(const struct gw_config_key *k)
{
	return (k->type == GW_CONFIG_SERVER_SPEC ||
	    k->type == GW_CONFIG_CLIENT_SPEC);
}

static void
config_section_clear(struct config_parse *p, struct config_section *sec)
{
	char	*text;
	size_t	 i;

	if (sec->slots != NULL) {
		for (i = 0; i < p->nkeys; i++) {
			text = sec->slots[i].text;
			if (text != NULL && config_is_spec(&p->keys[i]))
				explicit_bzero(text, strlen(text));
			free(text);
			if (sec->slots[i].valid)
				config_value_free(&p->keys[i],
				    &sec->slots[i].value);
		}
	}
	free(sec->slots);
	free(sec->name);
	free(sec->label);
	memset(sec, 0, sizeof *sec);
}

struct config_section *
gw_config_route_add(struct config_parse *p, const char *name, int line)
{
	struct config_section	**routes, *sec;

	routes = reallocarray(p->routes, p->nroutes + 1, sizeof *p->routes);
	if (routes == NULL) {
		p->oom = true;
		return (NULL);
	}
	p->routes = routes;
	if ((sec = malloc(sizeof *sec)) == NULL) {
		p->oom = true;
		return (NULL);
	}
	if (config_section_init(p, sec, CONFIG_ROUTE, name, line) != 0) {
		config_section_clear(p, sec);
		free(sec);
		return (NULL);
	}
	p->routes[p->nroutes++] = sec;
	return (sec);
}

static bool
config_route_name_ok(const char *name)
{
	size_t	len = strlen(name), i;

	if (len == 0 || len > CONFIG_NAME_MAX)
		return (false);
	for (i = 0; i < len; i++) {
		if (!isalnum((u_char)name[i]) && strchr("-_.", name[i]) == NULL)
			return (false);
	}
	return (true);
}

/* A [section] line: text is what stands between the brackets. */
static void
config_section_open(struct config_parse *p, const char *text, size_t len)
{
	struct config_section	*sec;
	char			*copy, *word, *rest, *end;
	size_t			 i;
	enum config_kind	 kind;
	int			 found = -1;
	const char		*closest;

	p->in_section = true;
	p->cur = NULL;
	p->target = NULL;

	if ((copy = strndup(text, len)) == NULL) {
		p->oom = true;
		return;
	}
	word = copy;
	while (isspace((u_char)*word))
		word++;
	end = word + strlen(word);
	while (end > word && isspace((u_char)end[-1]))
		*--end = '\0';
	rest = word;
	while (*rest != '\0' && !isspace((u_char)*rest))
		rest++;
	if (*rest != '\0') {
		*rest++ = '\0';
		while (isspace((u_char)*rest))
			rest++;
	}

	if (*word == '\0') {
		gw_config_error(p, p->line, "empty section name []");
		goto out;
	}
	for (i = 0; i < CONFIG_NITEMS(gw_config_kind_names); i++) {
		if (strcasecmp(word, gw_config_kind_names[i]) == 0)
			found = (int)i;
	}
	if (found == -1) {
		closest = gw_text_nearest(word, gw_config_kind_names,
		    CONFIG_NITEMS(gw_config_kind_names));
		for (i = 0; closest != NULL &&
		    i < CONFIG_NITEMS(gw_config_kind_names); i++) {
			if (closest == gw_config_kind_names[i])
				found = (int)i;
		}
		if (found == CONFIG_ROUTE) {
			gw_config_error(p, p->line, "%s%s%s: unknown section; "
			    "did you mean [route %s]?", word, *rest ? " " : "",
			    rest, *rest ? rest : "NAME");
		} else if (found != -1) {
			gw_config_error(p, p->line, "%s%s%s: unknown section; "
			    "did you mean [%s]?", word, *rest ? " " : "", rest,
			    gw_config_kind_names[found]);
		} else {
			gw_config_error(p, p->line, "%s%s%s: unknown section; "
			    "sections are [gateway], [tls] and [route NAME]",
			    word, *rest ? " " : "", rest);
		}
		goto out;
	}
	kind = (enum config_kind)found;

	if (kind != CONFIG_ROUTE) {
		if (*rest != '\0') {
			gw_config_error(p, p->line, "%s %s: [%s] takes no name",
			    gw_config_kind_names[kind], rest,
			    gw_config_kind_names[kind]);
			goto out;
		}
		p->cur = kind == CONFIG_GATEWAY ? &p->gateway : &p->tls;
		if (p->cur->line == 0)
			p->cur->line = p->line;
		goto out;
	}

	if (*rest == '\0') {
		gw_config_error(p, p->line, "route: a route needs a name: "
		    "[route NAME]");
		goto out;
	}
	if (!config_route_name_ok(rest)) {
		gw_config_error(p, p->line, "route %s: a route name is 1-%d "
		    "letters, digits, '-', '_' or '.'", rest, CONFIG_NAME_MAX);
		goto out;
	}
	for (i = 0; i < p->nroutes; i++) {
		sec = p->routes[i];
		if (strcasecmp(sec->name, rest) == 0) {
			gw_config_error(p, p->line, "route %s: duplicate route; "
			    "[route %s] is on line %d", rest, sec->name,
			    sec->line);
			goto out;
		}
	}
	p->cur = gw_config_route_add(p, rest, p->line);

out:
	free(copy);
}

/* ---------------------------------------------------------------- reading */

/*
 * The first c (0: none) or inline comment in s, or its end: inih's rule, a
 * ';' after a blank starts a comment.
 */
static const char *
config_find(const char *s, int c)
{
	bool	was_space = false;

	while (*s != '\0' && (c == 0 || *s != c) && !(was_space && *s == ';')) {
		was_space = isspace((u_char)*s);
		s++;
	}
	return (s);
}

/*
 * Decide what the line is, as inih (multi-line on, ';' and '#' comments)
 * will, before it sees the line: this tracks sections inih does not report
 * (one with no keys) or truncates (inih keeps 49 bytes of a section name),
 * and tells a continuation from a repeated key.
 */
static void
config_classify(struct config_parse *p, const char *buf)
{
	const char	*s = buf, *end;

	if (p->line == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	while (isspace((u_char)*s))
		s++;
	if (*s == '\0' || *s == ';' || *s == '#') {
		p->ltype = CONFIG_LINE_BLANK;
		return;
	}
	if (p->have_name && s > buf) {
		p->ltype = CONFIG_LINE_CONTINUE;
		return;
	}
	if (*s == '[') {
		end = config_find(s + 1, ']');
		if (*end == ']') {
			p->ltype = CONFIG_LINE_SECTION;
			p->have_name = false;
			config_section_open(p, s + 1, (size_t)(end - s - 1));
			return;
		}
	}
	p->ltype = CONFIG_LINE_OTHER;
}

/*
 * inih's reader: fgets, but a line that does not fit inih's buffer with its
 * newline is reported with its true number and the rest of it skipped (the
 * packaged inih would read the rest as a line of its own).  inih then gets
 * the part that fits, ended with a newline, so that no version of it reads
 * on for the rest.
 */
char *
gw_config_reader(char *buf, int size, void *arg)
{
	struct config_parse	*p = arg;
	size_t			 len;
	int			 ch;

	if (fgets(buf, size, p->f) == NULL) {
		if (ferror(p->f))
			p->read_errno = errno;
		return (NULL);
	}
	p->line++;
	p->truncated = false;
	len = strlen(buf);
	if (size > 2 && len == (size_t)size - 1 && buf[len - 1] != '\n' &&
	    (ch = getc(p->f)) != EOF) {
		p->truncated = true;
		while (ch != EOF && ch != '\n')
			ch = getc(p->f);
		buf[size - 2] = '\n';
		gw_config_syntax_error(p, p->line);
	}
	config_classify(p, buf);
	return (buf);
}

static void
config_unknown_key(struct config_parse *p, const char *name)
{
	const struct gw_config_key	*k;
	const char			*best, *label = p->cur->label;
	const char			**names;
	size_t				 i;

	if ((names = calloc(p->nkeys, sizeof *names)) == NULL) {
		p->oom = true;
		return;
	}
	for (i = 0; i < p->nkeys; i++) {
		k = &p->keys[i];
		if (strcmp(k->section, gw_config_kind_names[p->cur->kind]) == 0)
			names[i] = k->name;
	}
	best = gw_text_nearest(name, names, p->nkeys);
	free(names);
	if (best != NULL) {
		gw_config_error(p, p->line, "%s.%s: unknown key; did you mean "
		    "'%s'?", label, name, best);
		return;
	}
	for (i = 0; i < p->nkeys; i++) {
		k = &p->keys[i];
		if (strcasecmp(k->name, name) == 0) {
			gw_config_error(p, p->line, "%s.%s: unknown key; '%s' "
			    "belongs in [%s%s]", label, name, k->name,
			    k->section, strcmp(k->section, "route") == 0 ?
			    " NAME" : "");
			return;
		}
	}
	gw_config_error(p, p->line, "%s.%s: unknown key", label, name);
}

/*
 * Append len bytes of s to a slot's text.  The buffer at least doubles when
 * it grows, so joining N continuation lines costs O(total bytes), not
 * O(N * total); the old buffer is wiped before it is freed, as it may hold a
 * secret.  Returns 0, or -1 when out of memory (the text is unchanged).
 */
static int
config_slot_append(struct config_slot *slot, const char *s, size_t len)
{
	char	*text;
	size_t	 size;

	if (slot->len + len + 1 > slot->size) {
		size = slot->size < 64 ? 64 : slot->size;
		while (size < slot->len + len + 1) {
			if (size > SIZE_MAX / 2)
				return (-1);
			size *= 2;
		}
		if ((text = malloc(size)) == NULL)
			return (-1);
		memcpy(text, slot->text, slot->len);
		explicit_bzero(slot->text, slot->size);
		free(slot->text);
		slot->text = text;
		slot->size = size;
	}
	memcpy(slot->text + slot->len, s, len);
	slot->len += len;
	slot->text[slot->len] = '\0';
	return (0);
}

int
gw_config_handler(void *arg, const char *section, const char *name,
    const char *value)
{
	struct config_parse	*p = arg;
	struct config_slot	*slot;
	size_t			 len;
	int			 i;

	(void)section;	/* config_classify keeps the untruncated name */

	if (p->ltype == CONFIG_LINE_CONTINUE) {
		slot = p->target;
		if (slot == NULL || slot->broken || slot->text == NULL)
			return (1);
		if (p->truncated) {
			slot->broken = true;
			return (1);
		}
		/* The packaged inih leaves inline comments on these lines. */
		len = (size_t)(config_find(value, 0) - value);
		while (len > 0 && isspace((u_char)value[len - 1]))
			len--;
		if (config_slot_append(slot, value, len) == -1)
			p->oom = true;
		return (1);
	}

	p->have_name = *name != '\0';
	p->target = NULL;
	if (*name == '\0') {
		gw_config_syntax_error(p, p->line);
		return (1);
	}
	if (!p->in_section) {
		gw_config_error(p, p->line, "'%s' is outside any section; put "
		    "it under [gateway], [tls] or [route NAME]", name);
		return (1);
	}
	if (p->cur == NULL)
		return (1);	/* in a bad section, already reported */

	if ((i = config_key_find(p, p->cur->kind, name)) == -1) {
		config_unknown_key(p, name);
		return (1);
	}
	slot = &p->cur->slots[i];
	if (slot->given) {
		gw_config_error(p, p->line, "%s.%s: duplicate key; first given on "
		    "line %d", p->cur->label, p->keys[i].name, slot->line);
		return (1);
	}
	slot->given = true;
	slot->line = p->line;
	slot->broken = p->truncated;
	slot->text = gw_config_strdup(p, value);
	slot->len = slot->text != NULL ? strlen(slot->text) : 0;
	slot->size = slot->text != NULL ? slot->len + 1 : 0;
	p->target = slot;
	return (1);
}

/* ---------------------------------------------------------------- loading */

int
gw_config_parse_init(struct config_parse *p)
{
	memset(p, 0, sizeof *p);
	p->keys = gw_config_keys(&p->nkeys);
	if (config_section_init(p, &p->gateway, CONFIG_GATEWAY, NULL, 0) != 0 ||
	    config_section_init(p, &p->tls, CONFIG_TLS, NULL, 0) != 0)
		return (-1);
	return (0);
}

void
gw_config_parse_free(struct config_parse *p)
{
	size_t	i;

	config_section_clear(p, &p->gateway);
	config_section_clear(p, &p->tls);
	for (i = 0; i < p->nroutes; i++) {
		config_section_clear(p, p->routes[i]);
		free(p->routes[i]);
	}
	free(p->routes);
	for (i = 0; i < p->nerrors; i++)
		free(p->errors[i].msg);
	free(p->errors);
}
