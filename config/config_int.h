/*
 * config_int.h: what the files of config/ share (parse.c, values.c, check.c,
 * build.c, config.c); nothing outside config/ includes it.
 *
 * Loading runs in three steps.  Read (parse.c): inih splits the file into
 * sections, keys and values; each key's text is stored, as written, in a
 * slot of its section (one slot per row of the key table, keys.c),
 * continuation lines joined.  Check (check.c, with the value parsers of
 * values.c): every slot is parsed by the generic parser of its type (a key
 * not in the file gets the table's default, through the same parser), then
 * the cross-checks run.  Build (build.c): only when no error was found, the
 * parsed values move into the struct, each at its key's field.  Every error
 * is collected on the way and reported together, in file order (config.c).
 */
#ifndef GW_CONFIG_INT_H
#define GW_CONFIG_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "config/config.h"

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

extern const char *const gw_config_kind_names[3];	/* by enum config_kind */

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

/* How a type's value is held: the member of union config_value it uses. */
enum config_store {
	CONFIG_STORE_STR,	/* str: STRING, PATH, LOG, HOSTPORT */
	CONFIG_STORE_FLAG,	/* flag: BOOL */
	CONFIG_STORE_NUM,	/* num: UINT, MODE, DURATION, LEVEL, ... */
	CONFIG_STORE_SPEC,	/* spec: SERVER_SPEC, CLIENT_SPEC */
	CONFIG_STORE_CIDR,	/* cidr: CIDR_LIST */
};

/* The member of union config_value a key type uses. (values.c) */
enum config_store gw_config_store(enum gw_config_type type);

/*
 * A malloc'd printf(3) string, or NULL when out of memory. (parse.c)
 */
char	*gw_config_printf(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/*
 * Record one error of p at line (its sort key; CONFIG_NO_LINE: at the end, 0:
 * no place); out of memory sets p->oom. (parse.c)
 */
void	 gw_config_error(struct config_parse *p, int line, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * Record "syntax error" at line, once per line. (parse.c)
 */
void	 gw_config_syntax_error(struct config_parse *p, int line);

/*
 * strdup(3), setting p->oom when it fails. (parse.c)
 */
char	*gw_config_strdup(struct config_parse *p, const char *s);

/*
 * The slot of the table key name in sec; aborts for a name that is not in the
 * table (a build error). (parse.c)
 */
struct config_slot *gw_config_slot(struct config_parse *p,
	    struct config_section *sec, const char *name);

/*
 * Add an empty [route name] section at line; NULL when out of memory or a
 * duplicate (reported). (parse.c)
 */
struct config_section *gw_config_route_add(struct config_parse *p,
	    const char *name, int line);

/*
 * inih's reader (ini_reader) over p->f: tracks the line and what kind it is,
 * reports lines too long for inih. (parse.c)
 */
char	*gw_config_reader(char *buf, int size, void *arg);

/*
 * inih's handler (ini_handler): stores a KEY = VALUE line, or a continuation,
 * in its slot. (parse.c)
 */
int	 gw_config_handler(void *arg, const char *section, const char *name,
	    const char *value);

/*
 * Start an empty parse: the key table, [gateway] and [tls] sections.  Returns
 * 0 or -1 (p->oom). (parse.c)
 */
int	 gw_config_parse_init(struct config_parse *p);

/*
 * Free everything p holds (not p). (parse.c)
 */
void	 gw_config_parse_free(struct config_parse *p);

/*
 * The generic value parser: text (a value or a table default) to a value of
 * k's type.  Returns 0, or -1 with *why a malloc'd "what is wrong" (NULL: out
 * of memory). (values.c)
 */
int	 gw_config_parse_value(const struct gw_config_key *k, const char *text,
	    union config_value *v, char **why);

/*
 * A table default as it applies here ("$XDG_CONFIG_HOME" expanded); *text
 * NULL when it cannot be made.  Returns -1 only when out of memory. (values.c)
 */
int	 gw_config_default(const char *def, char **text);

/*
 * Parse every slot (or apply its default) and run the cross-checks, recording
 * every error in p. (check.c)
 */
void	 gw_config_check(struct config_parse *p);

/*
 * A config of p's valid values (their ownership moves); routes whose serve
 * and connect are valid only. NULL when out of memory. (build.c)
 */
struct gw_config *gw_config_build(struct config_parse *p, const char *path);

#endif /* GW_CONFIG_INT_H */
