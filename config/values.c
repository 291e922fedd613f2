/*
 * values.c: the value parsers of the key table's types (config_int.h
 * "Check"): words, numbers, durations, HOST:PORT, specs, networks.
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
#include "osdep/osdep.h"
#include "osdep/compat.h"

#include "config/config_int.h"
#include "transports/text.h"

static const uint8_t config_v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

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

/* ---------------------------------------------------------------- values */

enum config_store
gw_config_store(enum gw_config_type type)
{
	switch (type) {
	case GW_CONFIG_STRING:
	case GW_CONFIG_PATH:
	case GW_CONFIG_LOG:
	case GW_CONFIG_HOSTPORT:
		return (CONFIG_STORE_STR);
	case GW_CONFIG_BOOL:
		return (CONFIG_STORE_FLAG);
	case GW_CONFIG_SERVER_SPEC:
	case GW_CONFIG_CLIENT_SPEC:
		return (CONFIG_STORE_SPEC);
	case GW_CONFIG_CIDR_LIST:
		return (CONFIG_STORE_CIDR);
	case GW_CONFIG_UINT:
	case GW_CONFIG_MODE:
	case GW_CONFIG_DURATION:
	case GW_CONFIG_LEVEL:
	case GW_CONFIG_LOG_FORMAT:
	case GW_CONFIG_FACILITY:
		break;
	}
	return (CONFIG_STORE_NUM);
}

/* "a or b", or "one of a, b, c". */
static char *
config_words_must(const struct gw_config_word *words, size_t n, const char *got)
{
	char	*list = NULL, *next;
	size_t	 i;

	if (n == 2) {
		return (gw_config_printf("must be %s or %s, got '%s'",
		    words[0].word, words[1].word, got));
	}
	for (i = 0; i < n; i++) {
		next = gw_config_printf("%s%s%s", list == NULL ? "" : list,
		    list == NULL ? "" : ", ", words[i].word);
		free(list);
		if ((list = next) == NULL)
			return (NULL);
	}
	next = gw_config_printf("must be one of %s, got '%s'", list, got);
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

/*
 * An absolute path: "/..." on Unix; on Windows also "X:\..." or "X:/..."
 * and "\\server\share" (the Win32 docs, "Naming Files, Paths, and
 * Namespaces").  Which form the platform's C library opens is for its
 * fopen to say.
 */
static bool
config_absolute(const char *text)
{
	if (text[0] == '/' || (text[0] == '\\' && text[1] == '\\'))
		return (true);
	return (((text[0] >= 'A' && text[0] <= 'Z') || (text[0] >= 'a' &&
	    text[0] <= 'z')) && text[1] == ':' && (text[2] == '\\' ||
	    text[2] == '/'));
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
			*why = gw_config_printf("must be HOST:PORT or [IPV6]:PORT "
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
		*why = gw_config_printf("port must be 1-65535, got '%s'", port);
		return (-1);
	}
	return (0);

bad:
	*why = gw_config_printf("must be HOST:PORT or [IPV6]:PORT, got '%s'",
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
				*why = gw_config_printf("this is a client-side "
				    "spec; %s needs a server-side spec (where "
				    "smart clients connect), such as "
				    "tcp:port=5005", k->name);
			} else {
				*why = gw_config_printf("this is a server-side "
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
		*why = gw_config_printf("a route spec may not hold 'password'; "
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
		*why = gw_config_printf("'%s': prefix must be 0-%lu", item, max);
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
	*why = gw_config_printf("'%s' is not an IPv4 or IPv6 address or network",
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
			*why = gw_config_printf("empty entry in '%s'", text);
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
int
gw_config_parse_value(const struct gw_config_key *k, const char *text,
    union config_value *v, char **why)
{
	unsigned long	 n;
	unsigned	 u;
	int		 w;
	char		 lo[32], hi[32], *end;

	*why = NULL;
	memset(v, 0, sizeof *v);
	if (*text == '\0') {
		*why = gw_config_printf("needs a value");
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
			*why = gw_config_printf("must be yes or no (or "
			    "true/false, on/off, 1/0), got '%s'", text);
			return (-1);
		}
		v->flag = k->words[w].value != 0;
		return (0);
	case GW_CONFIG_UINT:
		if (gw_text_number(text, ULONG_MAX, &n) != 0 ||
		    n < k->min || n > k->max) {
			*why = gw_config_printf("must be %lu-%lu, got '%s'",
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
			*why = gw_config_printf("must be an octal mode %04lo-%04lo, "
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
				*why = gw_config_printf("must be at least %s, got "
				    "'%s'", lo, text);
			} else {
				*why = gw_config_printf("must be %s-%s, got '%s'",
				    lo, hi, text);
			}
			return (-1);
		}
		v->num = u;
		return (0);
	case GW_CONFIG_LOG:
		/* A word, or a file (logfile.h): absolute, as a service's
		 * working directory is not the administrator's. */
		if (config_parse_word(k, text) == -1 && config_absolute(text)) {
			if ((v->str = strdup(text)) == NULL)
				return (-1);
			return (0);
		}
		if (config_parse_word(k, text) == -1) {
			*why = gw_config_printf("must be %s, or the absolute "
			    "path of a file, got '%s'", "stderr, syslog or "
			    "eventlog", text);
			return (-1);
		}
		/* FALLTHROUGH */
	case GW_CONFIG_LEVEL:
	case GW_CONFIG_LOG_FORMAT:
	case GW_CONFIG_FACILITY:
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
	*why = gw_config_printf("unknown type");
	return (-1);
}

/*
 * A table default as it applies here: "$XDG_CONFIG_HOME" is the per-user
 * configuration directory, SYSCONFDIR/dbgbridge the machine's (osdep.h
 * gw_os_user_config_dir, gw_os_machine_dir: on Unix $XDG_CONFIG_HOME or
 * $HOME/.config, and SYSCONFDIR/dbgbridge; on Windows %APPDATA% and
 * %ProgramData%\dbgbridge).  *text is NULL when the default cannot be made
 * (no such directory).  Returns -1 only when out of memory.
 */
int
gw_config_default(const char *def, char **text)
{
	static const char	 xdg[] = "$XDG_CONFIG_HOME";
	static const char	 etc[] = GW_SYSCONFDIR "/dbgbridge";
	char			*dir;

	*text = NULL;
	if (strncmp(def, xdg, sizeof xdg - 1) == 0) {
		def += sizeof xdg - 1;
		dir = gw_os_user_config_dir();
	} else if (strncmp(def, etc, sizeof etc - 1) == 0) {
		def += sizeof etc - 1;
		dir = gw_os_machine_dir();
	} else {
		*text = strdup(def);
		return (*text == NULL ? -1 : 0);
	}
	if (dir == NULL)
		return (0);
	*text = gw_config_printf("%s%s", dir, def);
	free(dir);
	return (*text == NULL ? -1 : 0);
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
			*cause = gw_config_printf("'%s' needs a unit: ms, s, m "
			    "or h", text);
		}
		return (-1);
	}
	for (i = 0; i < CONFIG_NITEMS(units); i++) {
		if (strcmp(s, units[i].unit) != 0)
			continue;
		if (big || n > UINT_MAX / units[i].ms) {
			if (cause != NULL) {
				*cause = gw_config_printf("'%s' is too long (at "
				    "most %ums, about 1193h)", text, UINT_MAX);
			}
			return (-1);
		}
		*ms = (unsigned)(n * units[i].ms);
		return (0);
	}

bad:
	if (cause != NULL) {
		*cause = gw_config_printf("'%s' is not a duration: use 0 or a "
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
