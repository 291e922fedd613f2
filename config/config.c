/*
 * config.c: the INI file (inih) to an immutable struct gw_config.
 *
 * Loading runs in three steps.  Read: inih splits the file into sections,
 * keys and values; each key's text is stored, as written, in a slot of its
 * section (one slot per row of the key table, keys.c), continuation lines
 * joined.  Check: every slot is parsed by the generic parser of its type (a
 * key not in the file gets the table's default, through the same parser),
 * then the cross-checks run.  Build: only when no error was found, the parsed
 * values move into the struct.  Every error is collected on the way and
 * reported together, one per line, in file order.
 *
 * No I/O besides reading the INI file: files named by path keys are checked
 * by their users (tls/ checks certificates and CAs).
 */

#ifdef HAVE_CONFIG_H
/* <config.h>: from config/, "config.h" would find this module's header. */
#include <config.h>
#endif

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "config/config.h"
#include "transports/text.h"

/* A line inih did not understand; the packaged inih cuts lines at 200 bytes. */
#define CONFIG_SYNTAX "syntax error (lines are limited to 200 bytes; " \
	"continue a long value on an indented line)"

/* A route name: 1-64 letters, digits, '-', '_' or '.'. */
#define CONFIG_NAME_MAX 64

/* The sort key of an error that belongs to no line: after all others. */
#define CONFIG_NO_LINE INT_MAX

enum config_kind {
	CONFIG_GATEWAY,
	CONFIG_TLS,
	CONFIG_ROUTE,
};

static const char *config_kind_names[] = { "gateway", "tls", "route" };

/* A parsed value; which member is used follows the key's type. */
union config_value {
	char			*str;	/* STRING, PATH, LOG, HOSTPORT */
	bool			 flag;	/* BOOL */
	unsigned		 num;	/* UINT, DURATION (ms), LEVEL,
					   LOG_FORMAT, FACILITY */
	struct gw_spec		*spec;	/* SERVER_SPEC, CLIENT_SPEC */
	struct {
		struct gw_config_cidr	*list;
		size_t			 n;
	}			 cidr;	/* CIDR_LIST */
};

/* One key of one section. */
struct config_slot {
	char			*text;	/* as written, continuations joined */
	size_t			 len;	/* strlen(text), for the joins */
	size_t			 size;	/* bytes allocated at text */
	int			 line;	/* where it was given */
	bool			 given;	/* in the file or on the command line */
	bool			 broken; /* overlong line, already reported */
	bool			 valid;	/* value holds the parsed text */
	union config_value	 value;
};

/* One section: [gateway], [tls] or one [route NAME]. */
struct config_section {
	enum config_kind	 kind;
	char			*name;	/* route NAME as written, or NULL */
	char			*label;	/* "gateway", "tls" or "route NAME" */
	int			 line;
	struct config_slot	*slots;	/* one per key table row */
};

struct config_error {
	int			 line;	/* sort key */
	size_t			 seq;	/* sort key after line */
	bool			 syntax; /* a "line N: syntax error" */
	char			*msg;
};

/* What the line inih is about to handle is, decided as inih decides it. */
enum config_line {
	CONFIG_LINE_OTHER,	/* KEY = VALUE, or a syntax error */
	CONFIG_LINE_BLANK,	/* blank or comment */
	CONFIG_LINE_CONTINUE,	/* indented: continues the previous value */
	CONFIG_LINE_SECTION,	/* [section] */
};

struct config_parse {
	const struct gw_config_key *keys;
	size_t			 nkeys;

	/* Reading. */
	FILE			*f;
	int			 read_errno;
	int			 line;
	bool			 truncated;	/* longer than inih's buffer */
	enum config_line	 ltype;
	bool			 have_name;	/* inih has a key to continue */
	bool			 in_section;	/* a [section] line was read */
	struct config_section	*cur;		/* NULL: none, or a bad one */
	struct config_slot	*target;	/* to continue; NULL: ignore */

	struct config_section	 gateway;
	struct config_section	 tls;
	struct config_section	**routes;
	size_t			 nroutes;

	struct config_error	*errors;
	size_t			 nerrors;
	bool			 oom;
};

#define CONFIG_NITEMS(a) (sizeof (a) / sizeof (a)[0])

static const uint8_t config_v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

static char	*config_printf(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
static struct config_error *config_verror(struct config_parse *, int,
		    const char *, va_list)
		    __attribute__((format(printf, 3, 0)));
static struct config_error *config_add(struct config_parse *, int,
		    const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	 config_error(struct config_parse *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* ---------------------------------------------------------------- helpers */

static char *
config_printf(const char *fmt, ...)
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

static void
config_error(struct config_parse *p, int line, const char *fmt, ...)
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
static void
config_syntax_error(struct config_parse *p, int line)
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

static char *
config_strdup(struct config_parse *p, const char *s)
{
	char	*copy;

	if ((copy = strdup(s)) == NULL)
		p->oom = true;
	return (copy);
}

/* "0", or the largest unit that gives a whole number: 90s, 5m, 250ms. */
static void
config_format_duration(unsigned long ms, char *buf, size_t len)
{
	if (ms == 0)
		snprintf(buf, len, "0");
	else if (ms % 3600000 == 0)
		snprintf(buf, len, "%luh", ms / 3600000);
	else if (ms % 60000 == 0)
		snprintf(buf, len, "%lum", ms / 60000);
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%lus", ms / 1000);
	else
		snprintf(buf, len, "%lums", ms);
}

/* ---------------------------------------------------------------- key table */

static int
config_key_find(struct config_parse *p, enum config_kind kind,
    const char *name)
{
	size_t	i;

	for (i = 0; i < p->nkeys; i++) {
		if (strcmp(p->keys[i].section, config_kind_names[kind]) == 0 &&
		    strcasecmp(p->keys[i].name, name) == 0)
			return ((int)i);
	}
	return (-1);
}

/* The slot of a key of this section; every caller names a table key. */
static struct config_slot *
config_slot(struct config_parse *p, struct config_section *sec,
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
		sec->label = config_printf("route %s", name);
	} else
		sec->label = strdup(config_kind_names[kind]);
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
	switch (k->type) {
	case GW_CONFIG_STRING:
	case GW_CONFIG_PATH:
	case GW_CONFIG_LOG:
	case GW_CONFIG_HOSTPORT:
		free(v->str);
		break;
	case GW_CONFIG_SERVER_SPEC:
	case GW_CONFIG_CLIENT_SPEC:
		gw_spec_free(v->spec);
		break;
	case GW_CONFIG_CIDR_LIST:
		free(v->cidr.list);
		break;
	case GW_CONFIG_BOOL:
	case GW_CONFIG_UINT:
	case GW_CONFIG_MODE:
	case GW_CONFIG_DURATION:
	case GW_CONFIG_LEVEL:
	case GW_CONFIG_LOG_FORMAT:
	case GW_CONFIG_FACILITY:
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

static struct config_section *
config_route_add(struct config_parse *p, const char *name, int line)
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
	const char		*near;

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
		config_error(p, p->line, "empty section name []");
		goto out;
	}
	for (i = 0; i < CONFIG_NITEMS(config_kind_names); i++) {
		if (strcasecmp(word, config_kind_names[i]) == 0)
			found = (int)i;
	}
	if (found == -1) {
		near = gw_text_nearest(word, config_kind_names,
		    CONFIG_NITEMS(config_kind_names));
		for (i = 0; near != NULL &&
		    i < CONFIG_NITEMS(config_kind_names); i++) {
			if (near == config_kind_names[i])
				found = (int)i;
		}
		if (found == CONFIG_ROUTE) {
			config_error(p, p->line, "%s%s%s: unknown section; "
			    "did you mean [route %s]?", word, *rest ? " " : "",
			    rest, *rest ? rest : "NAME");
		} else if (found != -1) {
			config_error(p, p->line, "%s%s%s: unknown section; "
			    "did you mean [%s]?", word, *rest ? " " : "", rest,
			    config_kind_names[found]);
		} else {
			config_error(p, p->line, "%s%s%s: unknown section; "
			    "sections are [gateway], [tls] and [route NAME]",
			    word, *rest ? " " : "", rest);
		}
		goto out;
	}
	kind = (enum config_kind)found;

	if (kind != CONFIG_ROUTE) {
		if (*rest != '\0') {
			config_error(p, p->line, "%s %s: [%s] takes no name",
			    config_kind_names[kind], rest,
			    config_kind_names[kind]);
			goto out;
		}
		p->cur = kind == CONFIG_GATEWAY ? &p->gateway : &p->tls;
		if (p->cur->line == 0)
			p->cur->line = p->line;
		goto out;
	}

	if (*rest == '\0') {
		config_error(p, p->line, "route: a route needs a name: "
		    "[route NAME]");
		goto out;
	}
	if (!config_route_name_ok(rest)) {
		config_error(p, p->line, "route %s: a route name is 1-%d "
		    "letters, digits, '-', '_' or '.'", rest, CONFIG_NAME_MAX);
		goto out;
	}
	for (i = 0; i < p->nroutes; i++) {
		sec = p->routes[i];
		if (strcasecmp(sec->name, rest) == 0) {
			config_error(p, p->line, "route %s: duplicate route; "
			    "[route %s] is on line %d", rest, sec->name,
			    sec->line);
			goto out;
		}
	}
	p->cur = config_route_add(p, rest, p->line);

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
static char *
config_reader(char *buf, int size, void *arg)
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
		config_syntax_error(p, p->line);
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
		if (strcmp(k->section, config_kind_names[p->cur->kind]) == 0)
			names[i] = k->name;
	}
	best = gw_text_nearest(name, names, p->nkeys);
	free(names);
	if (best != NULL) {
		config_error(p, p->line, "%s.%s: unknown key; did you mean "
		    "'%s'?", label, name, best);
		return;
	}
	for (i = 0; i < p->nkeys; i++) {
		k = &p->keys[i];
		if (strcasecmp(k->name, name) == 0) {
			config_error(p, p->line, "%s.%s: unknown key; '%s' "
			    "belongs in [%s%s]", label, name, k->name,
			    k->section, strcmp(k->section, "route") == 0 ?
			    " NAME" : "");
			return;
		}
	}
	config_error(p, p->line, "%s.%s: unknown key", label, name);
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

static int
config_handler(void *arg, const char *section, const char *name,
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
		config_syntax_error(p, p->line);
		return (1);
	}
	if (!p->in_section) {
		config_error(p, p->line, "'%s' is outside any section; put "
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
		config_error(p, p->line, "%s.%s: duplicate key; first given on "
		    "line %d", p->cur->label, p->keys[i].name, slot->line);
		return (1);
	}
	slot->given = true;
	slot->line = p->line;
	slot->broken = p->truncated;
	slot->text = config_strdup(p, value);
	slot->len = slot->text != NULL ? strlen(slot->text) : 0;
	slot->size = slot->text != NULL ? slot->len + 1 : 0;
	p->target = slot;
	return (1);
}

/* ---------------------------------------------------------------- values */

/* "a or b", or "one of a, b, c". */
static char *
config_words_must(const struct gw_config_word *words, size_t n, const char *got)
{
	char	*list = NULL, *next;
	size_t	 i;

	if (n == 2) {
		return (config_printf("must be %s or %s, got '%s'",
		    words[0].word, words[1].word, got));
	}
	for (i = 0; i < n; i++) {
		next = config_printf("%s%s%s", list == NULL ? "" : list,
		    list == NULL ? "" : ", ", words[i].word);
		free(list);
		if ((list = next) == NULL)
			return (NULL);
	}
	next = config_printf("must be one of %s, got '%s'", list, got);
	free(list);
	return (next);
}

/* The index of text among the key's words, or -1. */
static int
config_parse_word(const struct gw_config_key *k, const char *text)
{
	size_t	i;

	for (i = 0; i < k->nwords; i++) {
		if (strcasecmp(text, k->words[i].word) == 0)
			return ((int)i);
	}
	return (-1);
}

/* HOST:PORT or [IPV6]:PORT.  Returns 0, or -1 with *why (NULL: no memory). */
static int
config_parse_hostport(const char *text, char **why)
{
	const char	*port, *close;
	char		*host;
	unsigned long	 n;
	bool		 ok;
	struct in6_addr	 a6;

	if (*text == '[') {
		if ((close = strchr(text, ']')) == NULL || close[1] != ':')
			goto bad;
		host = strndup(text + 1, (size_t)(close - text - 1));
		if (host == NULL)
			return (-1);
		ok = inet_pton(AF_INET6, host, &a6) == 1;
		port = close + 2;
	} else {
		if ((port = strrchr(text, ':')) == NULL)
			goto bad;
		if ((host = strndup(text, (size_t)(port - text))) == NULL)
			return (-1);
		if (strchr(host, ':') != NULL) {
			free(host);
			*why = config_printf("must be HOST:PORT or [IPV6]:PORT "
			    "(an IPv6 address goes in brackets), got '%s'",
			    text);
			return (-1);
		}
		ok = gw_text_address_ok(host);
		port++;
	}
	free(host);
	if (!ok)
		goto bad;
	if (gw_text_number(port, 65535, &n) != 0 || n == 0) {
		*why = config_printf("port must be 1-65535, got '%s'", port);
		return (-1);
	}
	return (0);

bad:
	*why = config_printf("must be HOST:PORT or [IPV6]:PORT, got '%s'",
	    text);
	return (-1);
}

static bool
config_spec_has_password(const struct gw_spec *spec)
{
	for (; spec != NULL; spec = spec->inner) {
		if (spec->password != NULL)
			return (true);
	}
	return (false);
}

static int
config_parse_spec(const struct gw_config_key *k, const char *text,
    struct gw_spec **out, char **why)
{
	struct gw_spec		*spec;
	enum gw_spec_side	 side, other;
	char			*cause = NULL, *cause2 = NULL;

	if (k->type == GW_CONFIG_SERVER_SPEC) {
		side = GW_SPEC_SERVER;
		other = GW_SPEC_CLIENT;
	} else {
		side = GW_SPEC_CLIENT;
		other = GW_SPEC_SERVER;
	}
	errno = 0;
	if (gw_spec_parse(text, side, &spec, &cause) != 0) {
		if (errno == ENOMEM) {
			free(cause);
			return (-1);	/* not a reason to try the other side */
		}
		errno = 0;
		if (gw_spec_parse(text, other, &spec, &cause2) == 0) {
			gw_spec_free(spec);
			free(cause);
			if (side == GW_SPEC_SERVER) {
				*why = config_printf("this is a client-side "
				    "spec; %s needs a server-side spec (where "
				    "smart clients connect), such as "
				    "tcp:port=5005", k->name);
			} else {
				*why = config_printf("this is a server-side "
				    "spec; %s needs a client-side spec (how to "
				    "reach the process server), such as "
				    "tcp:server=HOST,port=5005", k->name);
			}
			return (-1);
		}
		free(cause2);
		if (errno == ENOMEM) {
			free(cause);
			return (-1);
		}
		*why = cause;
		return (-1);
	}
	if (config_spec_has_password(spec)) {
		gw_spec_free(spec);
		*why = config_printf("a route spec may not hold 'password'; "
		    "the debugging server checks it and dbgbridge forwards it "
		    "untouched");
		return (-1);
	}
	*out = spec;
	return (0);
}

/* One network or address.  Returns 0, or -1 with *why (NULL: no memory). */
static int
config_parse_cidr(const char *item, struct gw_config_cidr *c, char **why)
{
	const char	*slash;
	char		 addr[INET6_ADDRSTRLEN + 1];
	unsigned long	 prefix, max;
	size_t		 len, i;

	memset(c, 0, sizeof *c);
	slash = strchr(item, '/');
	len = slash != NULL ? (size_t)(slash - item) : strlen(item);
	if (len >= sizeof addr)
		goto bad;
	memcpy(addr, item, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET, addr, c->addr) == 1) {
		c->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, c->addr) == 1) {
		c->family = AF_INET6;
		max = 128;
	} else
		goto bad;
	prefix = max;
	if (slash != NULL &&
	    gw_text_number(slash + 1, max, &prefix) != 0) {
		*why = config_printf("'%s': prefix must be 0-%lu", item, max);
		return (-1);
	}
	c->prefix = (unsigned)prefix;

	/* Keep the network: clear the host bits. */
	for (i = 0; i < max / 8; i++) {
		if (i * 8 >= prefix)
			c->addr[i] = 0;
		else if (i * 8 + 8 > prefix)
			c->addr[i] &= (uint8_t)(0xff << (8 - (prefix - i * 8)));
	}
	return (0);

bad:
	*why = config_printf("'%s' is not an IPv4 or IPv6 address or network",
	    item);
	return (-1);
}

/* A comma-separated list.  Returns 0, or -1 with *why (NULL: no memory). */
static int
config_parse_cidrs(const char *text, struct gw_config_cidr **out, size_t *nout,
    char **why)
{
	struct gw_config_cidr	*list;
	char			*copy, *p, *item, *end;
	size_t			 n = 1, i = 0;
	const char		*s;

	for (s = text; *s != '\0'; s++)
		n += *s == ',';
	if ((copy = strdup(text)) == NULL)
		return (-1);
	if ((list = calloc(n, sizeof *list)) == NULL) {
		free(copy);
		return (-1);
	}
	p = copy;
	while ((item = strsep(&p, ",")) != NULL) {
		while (isspace((u_char)*item))
			item++;
		end = item + strlen(item);
		while (end > item && isspace((u_char)end[-1]))
			*--end = '\0';
		if (*item == '\0') {
			*why = config_printf("empty entry in '%s'", text);
			goto fail;
		}
		if (config_parse_cidr(item, &list[i], why) != 0)
			goto fail;
		i++;
	}
	free(copy);
	*out = list;
	*nout = i;
	return (0);

fail:
	free(list);
	free(copy);
	return (-1);
}

/*
 * The generic value parser: text (a value from the file, or a default from
 * the table) to a value of the key's type.  Returns 0, or -1 with *why set to
 * a malloc'd "what is wrong" (NULL when out of memory).
 */
static int
config_parse_value(const struct gw_config_key *k, const char *text,
    union config_value *v, char **why)
{
	unsigned long	 n;
	unsigned	 u;
	int		 w;
	char		 lo[32], hi[32], *end;

	*why = NULL;
	memset(v, 0, sizeof *v);
	if (*text == '\0') {
		*why = config_printf("needs a value");
		return (-1);
	}

	switch (k->type) {
	case GW_CONFIG_STRING:
	case GW_CONFIG_PATH:
		if ((v->str = strdup(text)) == NULL)
			return (-1);
		return (0);
	case GW_CONFIG_BOOL:
		if ((w = config_parse_word(k, text)) == -1) {
			*why = config_printf("must be yes or no (or "
			    "true/false, on/off, 1/0), got '%s'", text);
			return (-1);
		}
		v->flag = k->words[w].value != 0;
		return (0);
	case GW_CONFIG_UINT:
		if (gw_text_number(text, ULONG_MAX, &n) != 0 ||
		    n < k->min || n > k->max) {
			*why = config_printf("must be %lu-%lu, got '%s'",
			    k->min, k->max, text);
			return (-1);
		}
		v->num = (unsigned)n;
		return (0);
	case GW_CONFIG_MODE:
		/* An octal mode as chmod(1) takes it: 0600 or 600. */
		errno = 0;
		n = strtoul(text, &end, 8);
		if (text[0] < '0' || text[0] > '7' || *end != '\0' ||
		    errno != 0 || n < k->min || n > k->max) {
			*why = config_printf("must be an octal mode %04lo-%04lo, "
			    "got '%s'", k->min, k->max, text);
			return (-1);
		}
		v->num = (unsigned)n;
		return (0);
	case GW_CONFIG_DURATION:
		if (gw_config_parse_duration(text, &u, why) != 0)
			return (-1);
		if (u < k->min || u > k->max) {
			config_format_duration(k->min, lo, sizeof lo);
			config_format_duration(k->max, hi, sizeof hi);
			if (k->max >= UINT_MAX) {
				*why = config_printf("must be at least %s, got "
				    "'%s'", lo, text);
			} else {
				*why = config_printf("must be %s-%s, got '%s'",
				    lo, hi, text);
			}
			return (-1);
		}
		v->num = u;
		return (0);
	case GW_CONFIG_LEVEL:
	case GW_CONFIG_LOG_FORMAT:
	case GW_CONFIG_FACILITY:
	case GW_CONFIG_LOG:
		if ((w = config_parse_word(k, text)) == -1) {
			*why = config_words_must(k->words, k->nwords, text);
			return (-1);
		}
		if (k->type != GW_CONFIG_LOG)
			v->num = k->words[w].value;
		else if ((v->str = strdup(k->words[w].word)) == NULL)
			return (-1);
		return (0);
	case GW_CONFIG_HOSTPORT:
		if (config_parse_hostport(text, why) != 0)
			return (-1);
		if ((v->str = strdup(text)) == NULL)
			return (-1);
		return (0);
	case GW_CONFIG_SERVER_SPEC:
	case GW_CONFIG_CLIENT_SPEC:
		return (config_parse_spec(k, text, &v->spec, why));
	case GW_CONFIG_CIDR_LIST:
		return (config_parse_cidrs(text, &v->cidr.list, &v->cidr.n,
		    why));
	}
	*why = config_printf("unknown type");
	return (-1);
}

/*
 * A table default as it applies here: "$XDG_CONFIG_HOME" is the environment
 * variable, or "$HOME/.config" when it is not set (XDG Base Directory).
 * *text is NULL when the default cannot be made (no XDG_CONFIG_HOME or HOME).
 * Returns -1 only when out of memory.
 */
static int
config_default(const char *def, char **text)
{
	static const char	 xdg[] = "$XDG_CONFIG_HOME";
	const char		*env;

	*text = NULL;
	if (strncmp(def, xdg, sizeof xdg - 1) != 0) {
		*text = strdup(def);
		return (*text == NULL ? -1 : 0);
	}
	def += sizeof xdg - 1;
	if ((env = getenv("XDG_CONFIG_HOME")) != NULL && *env == '/')
		*text = config_printf("%s%s", env, def);
	else if ((env = getenv("HOME")) != NULL && *env != '\0')
		*text = config_printf("%s/.config%s", env, def);
	else
		return (0);
	return (*text == NULL ? -1 : 0);
}

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
		if (strcmp(k->section, config_kind_names[sec->kind]) != 0 ||
		    slot->broken)
			continue;
		if (!slot->given) {
			if (k->def == NULL) {
				if (k->required) {
					config_error(p, sec->line, "%s.%s: "
					    "required key is missing (%s)",
					    sec->label, k->name, k->help);
				}
				continue;
			}
			if (config_default(k->def, &slot->text) != 0) {
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
		if (config_parse_value(k, slot->text, &slot->value,
		    &why) != 0) {
			if (why == NULL)
				p->oom = true;
			else {
				config_error(p, line, "%s.%s: %s", sec->label,
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

	serve = config_slot(p, sec, "serve");
	spec = serve->valid ? serve->value.spec : NULL;

	ca = config_slot(p, sec, "client_ca");
	if (ca->given && ca->valid && spec != NULL && !gw_spec_is_tls(spec)) {
		config_error(p, ca->line, "%s.client_ca: needs an ssl or spipe "
		    "serve (client certificates are part of the TLS handshake)",
		    sec->label);
	}

	bind = config_slot(p, sec, "bind");
	if (bind->given && bind->valid) {
		if (!gw_text_address_ok(bind->value.str)) {
			config_error(p, bind->line, "%s.bind: must be an "
			    "IPv4 or IPv6 address (without brackets) or a host "
			    "name, got '%s'", sec->label, bind->value.str);
		} else if (spec != NULL && spec->transport != GW_SPEC_TCP &&
		    spec->transport != GW_SPEC_SSL) {
			config_error(p, bind->line, "%s.bind: only a tcp or "
			    "ssl serve listens on an address", sec->label);
		} else if (spec != NULL && spec->clicon != NULL) {
			config_error(p, bind->line, "%s.bind: this serve has "
			    "clicon= and dials out; bind applies to a serve "
			    "that listens", sec->label);
		}
	}

	allow = config_slot(p, sec, "allow");
	if (allow->given && allow->valid && spec != NULL &&
	    spec->transport != GW_SPEC_TCP && spec->transport != GW_SPEC_SSL) {
		config_error(p, allow->line, "%s.allow: only a tcp or ssl serve "
		    "has peer addresses to check; a pipe's file mode "
		    "(pipe_mode, pipe_group) or a serial port's device decides "
		    "who may connect", sec->label);
	}

	standby = config_slot(p, sec, "standby");
	if (standby->given && standby->valid && spec != NULL &&
	    spec->clicon == NULL) {
		config_error(p, standby->line, "%s.standby: only a serve with "
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
		serve = config_slot(p, sec, "serve");
		connect = config_slot(p, sec, "connect");
		bind = config_slot(p, sec, "bind");
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
				config_error(p, b->line, "%s.%s: pipe '%s' is "
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
			config_error(p, b->line, "%s.%s: port %s overlaps "
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

/*
 * Metrics show every peer and route: served beyond this host only to the
 * networks metrics_allow names.  A syslog facility without log = syslog
 * would do nothing: an error, as metrics_allow without metrics is.
 */
static void
config_check_gateway(struct config_parse *p)
{
	struct config_slot	*metrics, *allow, *log, *facility;

	metrics = config_slot(p, &p->gateway, "metrics");
	allow = config_slot(p, &p->gateway, "metrics_allow");
	if (metrics->given && metrics->valid && !allow->given &&
	    !config_loopback(metrics->value.str)) {
		config_error(p, metrics->line, "gateway.metrics: %s is not a "
		    "loopback address; set gateway.metrics_allow to say who "
		    "may read it", metrics->value.str);
	}
	if (allow->given && allow->valid && !metrics->given) {
		config_error(p, allow->line, "gateway.metrics_allow: needs "
		    "gateway.metrics (the address metrics are served on)");
	}

	/* A facility only means something to syslog: say so, not ignore it. */
	log = config_slot(p, &p->gateway, "log");
	facility = config_slot(p, &p->gateway, "syslog_facility");
	if (facility->given && facility->valid && log->valid &&
	    strcmp(log->value.str, "syslog") != 0) {
		config_error(p, facility->line, "gateway.syslog_facility: only "
		    "applies with gateway.log = syslog (log is %s)",
		    log->value.str);
	}
}

static void
config_check(struct config_parse *p)
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
		if (strcmp(k->section, config_kind_names[sec->kind]) != 0)
			continue;
		if (k->line_at != GW_CONFIG_NO_FIELD)
			memcpy((char *)base + k->line_at, &slot->line,
			    sizeof slot->line);
		if (!slot->valid)
			continue;
		at = (char *)base + k->field;
		switch (k->type) {
		case GW_CONFIG_STRING:
		case GW_CONFIG_PATH:
		case GW_CONFIG_LOG:
		case GW_CONFIG_HOSTPORT:
			memcpy(at, &slot->value.str, sizeof slot->value.str);
			slot->value.str = NULL;
			break;
		case GW_CONFIG_BOOL:
			memcpy(at, &slot->value.flag, sizeof slot->value.flag);
			break;
		case GW_CONFIG_UINT:
		case GW_CONFIG_MODE:
		case GW_CONFIG_DURATION:
		case GW_CONFIG_LEVEL:
		case GW_CONFIG_LOG_FORMAT:
		case GW_CONFIG_FACILITY:
			memcpy(at, &slot->value.num, sizeof slot->value.num);
			break;
		case GW_CONFIG_SERVER_SPEC:
		case GW_CONFIG_CLIENT_SPEC:
			memcpy(at, &slot->value.spec, sizeof slot->value.spec);
			slot->value.spec = NULL;
			memcpy((char *)base + k->aux, &slot->text,
			    sizeof slot->text);
			slot->text = NULL;
			break;
		case GW_CONFIG_CIDR_LIST:
			memcpy(at, &slot->value.cidr.list,
			    sizeof slot->value.cidr.list);
			memcpy((char *)base + k->aux, &slot->value.cidr.n,
			    sizeof slot->value.cidr.n);
			slot->value.cidr.list = NULL;
			break;
		}
	}
}

static struct gw_config *
config_build(struct config_parse *p, const char *path)
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
		if (!config_slot(p, p->routes[i], "serve")->valid ||
		    !config_slot(p, p->routes[i], "connect")->valid)
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
	switch (k->type) {
	case GW_CONFIG_STRING:
	case GW_CONFIG_PATH:
	case GW_CONFIG_LOG:
	case GW_CONFIG_HOSTPORT:
		memcpy(&sa, fa, sizeof sa);
		memcpy(&sb, fb, sizeof sb);
		return (sa == NULL ? sb == NULL : sb != NULL &&
		    strcmp(sa, sb) == 0);
	case GW_CONFIG_BOOL:
		return (memcmp(fa, fb, sizeof (bool)) == 0);
	case GW_CONFIG_UINT:
	case GW_CONFIG_MODE:
	case GW_CONFIG_DURATION:
	case GW_CONFIG_LEVEL:
	case GW_CONFIG_LOG_FORMAT:
	case GW_CONFIG_FACILITY:
		return (memcmp(fa, fb, sizeof (unsigned)) == 0);
	case GW_CONFIG_CIDR_LIST:
		memcpy(&la, fa, sizeof la);
		memcpy(&lb, fb, sizeof lb);
		memcpy(&na, (const char *)a + k->aux, sizeof na);
		memcpy(&nb, (const char *)b + k->aux, sizeof nb);
		return (na == nb && (na == 0 || memcmp(la, lb, na *
		    sizeof (struct gw_config_cidr)) == 0));
	case GW_CONFIG_SERVER_SPEC:
	case GW_CONFIG_CLIENT_SPEC:
		break;
	}
	return (false);
}

/* ---------------------------------------------------------------- loading */

static int
config_parse_init(struct config_parse *p)
{
	memset(p, 0, sizeof *p);
	p->keys = gw_config_keys(&p->nkeys);
	if (config_section_init(p, &p->gateway, CONFIG_GATEWAY, NULL, 0) != 0 ||
	    config_section_init(p, &p->tls, CONFIG_TLS, NULL, 0) != 0)
		return (-1);
	return (0);
}

static void
config_parse_free(struct config_parse *p)
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
		config_check(p);
	if (!p->oom && (p->nerrors == 0 || partial) &&
	    (c = config_build(p, path)) == NULL)
		p->oom = true;
	if (p->oom || p->nerrors != 0) {
		if (errors != NULL)
			config_cause(p, path, errors);
		config_parse_free(p);
		*out = p->oom ? NULL : c;
		if (p->oom)
			gw_config_free(c);
		return (-1);
	}
	config_parse_free(p);
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
	if (config_parse_init(&p) != 0)
		return (config_finish(&p, path, out, errors, false));

	if ((p.f = fopen(path, "r")) == NULL) {
		config_error(&p, 0, "cannot open %s: %s", path,
		    strerror(errno));
		if (errors != NULL)
			config_cause(&p, path, errors);
		config_parse_free(&p);
		return (-1);
	}
	rc = ini_parse_stream(config_reader, &p, config_handler, &p);
	fclose(p.f);
	p.f = NULL;

	if (p.read_errno != 0) {
		config_error(&p, 0, "cannot read %s: %s", path,
		    strerror(p.read_errno));
		if (errors != NULL)
			config_cause(&p, path, errors);
		config_parse_free(&p);
		return (-1);
	}
	if (rc == -2)
		p.oom = true;
	else if (rc > 0)
		config_syntax_error(&p, rc);
	if (p.nroutes == 0) {
		config_error(&p, CONFIG_NO_LINE, "no route: a configuration "
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

	if (config_parse_init(&p) != 0 ||
	    (sec = config_route_add(&p, "cli", 0)) == NULL)
		return (config_finish(&p, NULL, out, errors, false));
	if (serve != NULL) {
		slot = config_slot(&p, sec, "serve");
		slot->given = true;
		slot->text = config_strdup(&p, serve);
	}
	if (connect != NULL) {
		slot = config_slot(&p, sec, "connect");
		slot->given = true;
		slot->text = config_strdup(&p, connect);
	}
	slot = config_slot(&p, sec, "persist");
	slot->given = true;
	slot->text = config_strdup(&p, persist ? "yes" : "no");
	return (config_finish(&p, NULL, out, errors, false));
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

int
gw_config_parse_duration(const char *text, unsigned *ms, char **cause)
{
	static const struct {
		const char	*unit;
		unsigned long	 ms;
	} units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	};
	const char		*s = text;
	unsigned long long	 n = 0;
	bool			 big = false;
	size_t		 i;

	if (!isdigit((u_char)*s))
		goto bad;
	for (; isdigit((u_char)*s); s++) {
		if (n > UINT_MAX)
			big = true;
		else
			n = n * 10 + (unsigned long long)(*s - '0');
	}
	if (*s == '\0') {
		if (n == 0 && !big) {
			*ms = 0;
			return (0);
		}
		if (cause != NULL) {
			*cause = config_printf("'%s' needs a unit: ms, s, m "
			    "or h", text);
		}
		return (-1);
	}
	for (i = 0; i < CONFIG_NITEMS(units); i++) {
		if (strcmp(s, units[i].unit) != 0)
			continue;
		if (big || n > UINT_MAX / units[i].ms) {
			if (cause != NULL) {
				*cause = config_printf("'%s' is too long (at "
				    "most %ums, about 1193h)", text, UINT_MAX);
			}
			return (-1);
		}
		*ms = (unsigned)(n * units[i].ms);
		return (0);
	}

bad:
	if (cause != NULL) {
		*cause = config_printf("'%s' is not a duration: use 0 or a "
		    "number followed by ms, s, m or h", text);
	}
	return (-1);
}

static bool
config_prefix_match(const uint8_t *net, const uint8_t *addr, unsigned prefix)
{
	unsigned	bytes = prefix / 8, bits = prefix % 8;
	uint8_t		mask;

	if (memcmp(net, addr, bytes) != 0)
		return (false);
	if (bits == 0)
		return (true);
	mask = (uint8_t)(0xff << (8 - bits));
	return ((net[bytes] & mask) == (addr[bytes] & mask));
}

bool
gw_config_cidr_match(const struct gw_config_cidr *list, size_t n, int family,
    const void *addr)
{
	const uint8_t	*a = addr;
	uint8_t		 mapped[16];
	bool		 v4;
	size_t		 i;

	if (n == 0)
		return (true);
	if (family != AF_INET && family != AF_INET6)
		return (false);
	/*
	 * An IPv4 peer, or one seen as ::ffff:a.b.c.d on a dual-stack
	 * listener, is an IPv4 peer: it matches IPv4 networks, and an IPv6
	 * network only inside ::ffff:0:0/96 (written as IPv4-mapped on
	 * purpose).  ::/0 and other IPv6 networks hold IPv6 peers only.
	 */
	v4 = family == AF_INET || memcmp(a, config_v4mapped,
	    sizeof config_v4mapped) == 0;
	if (family == AF_INET) {
		memcpy(mapped, config_v4mapped, sizeof config_v4mapped);
		memcpy(mapped + 12, a, 4);
	} else
		memcpy(mapped, a, sizeof mapped);

	for (i = 0; i < n; i++) {
		if (list[i].family == AF_INET) {
			if (v4 && config_prefix_match(list[i].addr,
			    mapped + 12, list[i].prefix))
				return (true);
			continue;
		}
		if (list[i].family != AF_INET6)
			continue;
		if (!v4) {
			if (config_prefix_match(list[i].addr, a,
			    list[i].prefix))
				return (true);
		} else if (list[i].prefix >= 96 &&
		    memcmp(list[i].addr, config_v4mapped,
		    sizeof config_v4mapped) == 0 &&
		    config_prefix_match(list[i].addr, mapped, list[i].prefix))
			return (true);
	}
	return (false);
}
