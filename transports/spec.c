/*
 * spec.c: the WinDbg transport-string grammar (see spec.h).
 *
 * Pure: no I/O and no global state.  A spec is parsed in two phases.  The
 * first is the same for both sides: split the parameters (on commas, and for
 * kdsrv outside matched braces), name every key, refuse duplicate, unknown
 * and foreign keys, and check every value.  The second checks the result
 * against one side's forms (doc/transports.md §2.2 server side, §2.3 client
 * side): keys of the other side, the clicon (reverse) rules, port ranges and
 * required keys.  GW_SPEC_EITHER runs the second phase for each side.
 *
 * Rules come from doc/transports.md and the choices in
 * doc/design.md; where both are silent the choice is written here.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "osdep/compat.h"
#include "osdep/net.h"
#include "transports/spec.h"
#include "transports/text.h"

#define SPEC_PRINTFLIKE(a, b) __attribute__((format(printf, a, b)))

/* Key tables and type tables are indexed by bits of a uint32_t mask. */
#define SPEC_MAX_NAMES	32

/* Where errors go: "PREFIX: message". */
struct spec_ctx {
	const char	*prefix;	/* NULL, "tcp", "kdsrv: in 'trans': com" */
	const char	*name;		/* the transport or connection type */
	const char	*hint;		/* appended to "does not apply" errors */
	char		**cause;	/* NULL: the caller wants no message */
};

/* One key of a key table. */
struct spec_key {
	const char	*name;		/* lower case */
	int		 flag;		/* a bare word, no value */
};

/* One transport (or kernel connection type) and the keys it takes. */
struct spec_type {
	const char	*name;
	uint32_t	 mask;		/* bits of the key table */
	const char	*hint;
};

#define KB(k)	(1U << (k))

/*
 * A key table is written once, as a list of X(ENUM, "name", flag) (flag: a
 * bare word, no value), and expanded twice: into the enum that indexes the
 * table and into the table itself, so that no index can lack its row.
 */
#define SPEC_KEY_ENUM(k, name, flag)	k,
#define SPEC_KEY_ROW(k, name, flag)	[k] = { name, flag },

/* Keys of the transport strings (doc/transports.md §3.1, §3.2 outer keys). */
#define SPEC_KEYS(X)							\
	X(K_PROTO,	"proto",	0)				\
	X(K_CERTUSER,	"certuser",	0)				\
	X(K_MACHUSER,	"machuser",	0)				\
	X(K_SERVER,	"server",	0)				\
	X(K_CLICON,	"clicon",	0)				\
	X(K_PORT,	"port",		0)				\
	X(K_PIPE,	"pipe",		0)				\
	X(K_BAUD,	"baud",		0)				\
	X(K_CHANNEL,	"channel",	0)				\
	X(K_HIDDEN,	"hidden",	1)				\
	X(K_PASSWORD,	"password",	0)				\
	X(K_IPVERSION,	"ipversion",	0)				\
	X(K_ICFENABLE,	"icfenable",	1)				\
	X(K_TRANS,	"trans",	0)

enum {
	SPEC_KEYS(SPEC_KEY_ENUM)
	K__COUNT
};

static const struct spec_key spec_keys[K__COUNT] = {
	SPEC_KEYS(SPEC_KEY_ROW)
};

/* Indexed by enum gw_spec_transport (doc/transports.md §2.2, §2.3, §2.5). */
static const struct spec_type spec_transports[] = {
	[GW_SPEC_TCP] = { "tcp",
	    KB(K_SERVER) | KB(K_CLICON) | KB(K_PORT) | KB(K_HIDDEN) |
	    KB(K_PASSWORD) | KB(K_IPVERSION) | KB(K_ICFENABLE), NULL },
	[GW_SPEC_NPIPE] = { "npipe",
	    KB(K_SERVER) | KB(K_PIPE) | KB(K_HIDDEN) | KB(K_PASSWORD) |
	    KB(K_ICFENABLE), NULL },
	[GW_SPEC_SSL] = { "ssl",
	    KB(K_PROTO) | KB(K_CERTUSER) | KB(K_MACHUSER) | KB(K_SERVER) |
	    KB(K_CLICON) | KB(K_PORT) | KB(K_HIDDEN) | KB(K_PASSWORD), NULL },
	[GW_SPEC_SPIPE] = { "spipe",
	    KB(K_PROTO) | KB(K_CERTUSER) | KB(K_MACHUSER) | KB(K_SERVER) |
	    KB(K_PIPE) | KB(K_HIDDEN) | KB(K_PASSWORD), NULL },
	[GW_SPEC_COM] = { "com",
	    KB(K_PORT) | KB(K_BAUD) | KB(K_CHANNEL) | KB(K_HIDDEN) |
	    KB(K_PASSWORD), NULL },
	[GW_SPEC_KDSRV] = { "kdsrv", KB(K_SERVER) | KB(K_TRANS),
	    "kdsrv takes only server=@{...} and trans=@{...}" },
};
#define SPEC_NTRANSPORTS (sizeof spec_transports / sizeof spec_transports[0])
#define SPEC_TRANSPORT_LIST "tcp:, npipe:, ssl:, spipe:, com: or kdsrv:"

/*
 * Keys of the kernel connection types inside trans=@{...} (doc/transports.md
 * §2.5, §3.2).
 */
#define SPEC_TRANS_KEYS(X)						\
	X(T_PIPE,	"pipe",		1)				\
	X(T_MODEM,	"modem",	1)				\
	X(T_PORT,	"port",		0)				\
	X(T_BAUD,	"baud",		0)				\
	X(T_RESETS,	"resets",	0)				\
	X(T_RECONNECT,	"reconnect",	1)				\
	X(T_TARGETNAME,	"targetname",	0)				\
	X(T_CHANNEL,	"channel",	0)				\
	X(T_SYMLINK,	"symlink",	0)				\
	X(T_KEY,	"key",		0)

enum {
	SPEC_TRANS_KEYS(SPEC_KEY_ENUM)
	T__COUNT
};

static const struct spec_key spec_trans_keys[T__COUNT] = {
	SPEC_TRANS_KEYS(SPEC_KEY_ROW)
};

enum {
	TT_COM,
	TT_USB2,
	TT_1394,
	TT_NET,
};

static const struct spec_type spec_trans_types[] = {
	[TT_COM] = { "com", KB(T_PIPE) | KB(T_MODEM) | KB(T_PORT) |
	    KB(T_BAUD) | KB(T_RESETS) | KB(T_RECONNECT), NULL },
	[TT_USB2] = { "usb2", KB(T_TARGETNAME), NULL },
	[TT_1394] = { "1394", KB(T_CHANNEL) | KB(T_SYMLINK), NULL },
	[TT_NET] = { "net", KB(T_PORT) | KB(T_KEY), NULL },
};
#define SPEC_NTRANS_TYPES (sizeof spec_trans_types / sizeof spec_trans_types[0])
#define SPEC_TRANS_LIST "com:, usb2:, 1394: or net:"

_Static_assert(K__COUNT <= SPEC_MAX_NAMES && T__COUNT <= SPEC_MAX_NAMES &&
    SPEC_NTRANSPORTS <= SPEC_MAX_NAMES && SPEC_NTRANS_TYPES <= SPEC_MAX_NAMES,
    "a table is larger than a mask");

/* A growing string for the printers. */
struct spec_buf {
	char	*p;
	size_t	 len;
	size_t	 size;
	int	 failed;
	int	 nitems;	/* items since the transport name */
};

static char	*spec_asprintf(const char *, ...) SPEC_PRINTFLIKE(1, 2);
static int	 spec_fail(const struct spec_ctx *, const char *, ...)
		     SPEC_PRINTFLIKE(2, 3);
static void	 spec_buf_vadd(struct spec_buf *, const char *, va_list)
		     SPEC_PRINTFLIKE(2, 0);
static void	 spec_buf_add(struct spec_buf *, const char *, ...)
		     SPEC_PRINTFLIKE(2, 3);
static void	 spec_buf_item(struct spec_buf *, const char *, ...)
		     SPEC_PRINTFLIKE(2, 3);
static int	 spec_parse(const char *, enum gw_spec_side, struct gw_spec **,
		     char **);

static char *
spec_asprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n == -1)
		return (NULL);
	return (s);
}

/* Set *cause to "PREFIX: message" and return -1. */
static int
spec_fail(const struct spec_ctx *ctx, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;
	int	 n;

	if (ctx->cause == NULL)
		return (-1);
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n == -1) {
		*ctx->cause = strdup("out of memory");
		return (-1);
	}
	if (ctx->prefix == NULL)
		*ctx->cause = msg;
	else {
		*ctx->cause = spec_asprintf("%s: %s", ctx->prefix, msg);
		free(msg);
		if (*ctx->cause == NULL)
			*ctx->cause = strdup("out of memory");
	}
	return (-1);
}

/* Overwrite memory that may have held a password. */
static void
spec_wipe(void *p, size_t len)
{
	volatile unsigned char	*v = p;

	while (len-- > 0)
		*v++ = 0;
}

static char *
spec_dup(const struct spec_ctx *ctx, const char *s, size_t len)
{
	char	*d;

	if ((d = malloc(len + 1)) == NULL) {
		spec_fail(ctx, "out of memory");
		return (NULL);
	}
	memcpy(d, s, len);
	d[len] = '\0';
	return (d);
}

static int
spec_space(int c)
{
	return (c == ' ' || c == '\t');
}

/* ASCII only: the result must not depend on the locale. */
static int
spec_alnum(int c)
{
	return ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'));
}

/* Trim spaces and tabs in place; returns the new start. */
static char *
spec_trim(char *s)
{
	char	*e;

	while (spec_space((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && spec_space((unsigned char)e[-1]))
		e--;
	*e = '\0';
	return (s);
}

/* The key names of a table allowed by mask, for gw_text_nearest. */
static void
spec_key_names(const struct spec_key *keys, size_t nkeys, uint32_t mask,
    const char **names)
{
	size_t	i;

	for (i = 0; i < nkeys; i++)
		names[i] = (mask & KB(i)) ? keys[i].name : NULL;
}

/*
 * One parameter: "key=value" or a bare word.  Resolves the key against the
 * table and records the value (a pointer into the caller's buffer).
 */
static int
spec_item(const struct spec_ctx *ctx, char *item, const struct spec_key *keys,
    size_t nkeys, uint32_t mask, char **vals, uint32_t *present)
{
	const char	*names[SPEC_MAX_NAMES];
	const char	*closest;
	char		*key, *value, *eq;
	size_t		 i;

	item = spec_trim(item);
	if (*item == '\0')
		return (spec_fail(ctx, "empty parameter (stray ',')"));
	if ((eq = strchr(item, '=')) != NULL) {
		*eq = '\0';
		key = spec_trim(item);
		value = spec_trim(eq + 1);
	} else {
		key = item;
		value = NULL;
	}
	if (*key == '\0')
		return (spec_fail(ctx, "a parameter has no key before '='"));

	for (i = 0; i < nkeys; i++) {
		if (strcasecmp(key, keys[i].name) == 0)
			break;
	}
	if (i == nkeys) {
		spec_key_names(keys, nkeys, mask, names);
		closest = gw_text_nearest(key, names, nkeys);
		if (closest != NULL) {
			return (spec_fail(ctx,
			    "unknown key '%s'; did you mean '%s'?", key, closest));
		}
		return (spec_fail(ctx, "unknown key '%s'", key));
	}
	if (~mask & KB(i)) {
		if (ctx->hint != NULL) {
			return (spec_fail(ctx, "key '%s' does not apply to %s; %s",
			    keys[i].name, ctx->name, ctx->hint));
		}
		return (spec_fail(ctx, "key '%s' does not apply to %s",
		    keys[i].name, ctx->name));
	}
	if (*present & KB(i))
		return (spec_fail(ctx, "duplicate key '%s'", keys[i].name));
	if (keys[i].flag && value != NULL) {
		return (spec_fail(ctx, "'%s' is a flag and takes no value",
		    keys[i].name));
	}
	if (!keys[i].flag && (value == NULL || *value == '\0'))
		return (spec_fail(ctx, "'%s' needs a value", keys[i].name));

	*present |= KB(i);
	vals[i] = value;
	return (0);
}

/*
 * Split params in place on commas and collect every parameter into vals
 * (indexed by key).  With braces, commas inside {...} do not split and the
 * braces must match (doc/transports.md §2.5).
 */
static int
spec_collect(const struct spec_ctx *ctx, char *params, int braces,
    const struct spec_key *keys, size_t nkeys, uint32_t mask, char **vals,
    uint32_t *present)
{
	char	*p, *item;
	size_t	 i, depth;
	int	 last;

	*present = 0;
	for (i = 0; i < nkeys; i++)
		vals[i] = NULL;

	p = spec_trim(params);
	if (*p == '\0')
		return (0);
	for (;;) {
		item = p;
		depth = 0;
		for (; *p != '\0'; p++) {
			if (braces && *p == '{')
				depth++;
			else if (braces && *p == '}') {
				if (depth == 0) {
					return (spec_fail(ctx,
					    "unbalanced braces: '}' without '{'"));
				}
				depth--;
			} else if (*p == ',' && depth == 0)
				break;
		}
		if (depth != 0) {
			return (spec_fail(ctx,
			    "unbalanced braces: '{' without '}'"));
		}
		last = (*p == '\0');
		*p = '\0';
		if (spec_item(ctx, item, keys, nkeys, mask, vals, present) != 0)
			return (-1);
		if (last)
			break;
		p++;
	}
	return (0);
}

/*
 * The head of a spec: "NAME:" with NAME from types (case-insensitive).  On
 * success *type is the index and *params points after the colon.
 */
static int
spec_head(const struct spec_ctx *ctx, char *text, const struct spec_type *types,
    size_t ntypes, const char *kind, const char *list, int *type,
    char **params)
{
	const char	*names[SPEC_MAX_NAMES];
	const char	*closest;
	char		*colon, *name, *p;
	size_t		 i;

	text = spec_trim(text);
	if (*text == '\0')
		return (spec_fail(ctx, "empty spec: expected %s", list));

	colon = strchr(text, ':');
	if (colon != NULL)
		*colon = '\0';
	name = spec_trim(text);
	for (p = name; *p != '\0'; p++) {
		if (!spec_alnum((unsigned char)*p))
			break;
	}
	if (*name == '\0' || *p != '\0')
		return (spec_fail(ctx, "no %s: expected %s", kind, list));

	for (i = 0; i < ntypes; i++) {
		if (strcasecmp(name, types[i].name) == 0)
			break;
	}
	if (i == ntypes) {
		if (colon == NULL)
			return (spec_fail(ctx, "no %s: expected %s", kind, list));
		for (i = 0; i < ntypes; i++)
			names[i] = types[i].name;
		closest = gw_text_nearest(name, names, ntypes);
		if (closest != NULL) {
			return (spec_fail(ctx,
			    "unknown %s '%s'; did you mean '%s'?", kind, name,
			    closest));
		}
		return (spec_fail(ctx, "unknown %s '%s'; expected %s", kind,
		    name, list));
	}
	if (colon == NULL) {
		return (spec_fail(ctx, "%s: missing ':' after the %s",
		    types[i].name, kind));
	}
	*type = (int)i;
	*params = colon + 1;
	return (0);
}

/* port= of tcp and ssl: "N" or "A:B" (doc/transports.md §2.4). */
static int
spec_port(const struct spec_ctx *ctx, const char *value, uint16_t *lo,
    uint16_t *hi)
{
	const char	*colon;
	char		 first[8];
	unsigned long	 a, b;
	size_t		 len;

	if ((colon = strchr(value, ':')) == NULL) {
		if (gw_text_number(value, 65535, &a) != 0 || a == 0)
			goto bad;
		*lo = *hi = (uint16_t)a;
		return (0);
	}
	len = (size_t)(colon - value);
	if (len == 0 || len >= sizeof first)
		goto bad;
	memcpy(first, value, len);
	first[len] = '\0';
	if (gw_text_number(first, 65535, &a) != 0 || a == 0)
		goto bad;
	if (gw_text_number(colon + 1, 65535, &b) != 0 || b == 0)
		goto bad;
	if (a > b) {
		return (spec_fail(ctx,
		    "'port' range must be LOW:HIGH with LOW <= HIGH, got '%s'",
		    value));
	}
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return (0);

bad:
	return (spec_fail(ctx, "'port' must be 1-65535, got '%s'", value));
}

/*
 * A host name or IPv4 address by the one rule of gw_text_host_ok (text.h), or
 * "." for this machine (doc/transports.md §2.4 "name").
 */
static int
spec_host_name(const char *p, size_t len)
{
	if (len == 1 && p[0] == '.')
		return (1);
	return (gw_text_host_ok(p, len));
}

/* An IPv6 zone (RFC 4007 §11): 1-64 letters, digits, '-', '.' and '_'. */
static int
spec_zone(const char *p, size_t len)
{
	size_t	i;

	if (len == 0 || len > 64)
		return (0);
	for (i = 0; i < len; i++) {
		if (!((p[i] >= 'a' && p[i] <= 'z') ||
		    (p[i] >= 'A' && p[i] <= 'Z') ||
		    (p[i] >= '0' && p[i] <= '9') ||
		    p[i] == '-' || p[i] == '.' || p[i] == '_'))
			return (0);
	}
	return (1);
}

/*
 * An IPv6 literal (inet_pton(3), RFC 4291 §2.2), brackets already stripped,
 * with an optional "%ZONE" (spec_zone).
 */
static int
spec_host_ipv6(const char *p, size_t len)
{
	struct in6_addr	 a;
	char		 buf[INET6_ADDRSTRLEN + 1];
	const char	*zone = memchr(p, '%', len);
	size_t		 alen = zone != NULL ? (size_t)(zone - p) : len;

	if (alen == 0 || alen >= sizeof buf)
		return (0);
	memcpy(buf, p, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET6, buf, &a) != 1)
		return (0);
	return (zone == NULL || spec_zone(zone + 1, len - alen - 1));
}

/*
 * server= and clicon=: a host (doc/transports.md §2.4 host: a NetBIOS or DNS
 * name, an IPv4 or an IPv6 address).  A leading "\\" (doc/transports.md §2.4)
 * and the brackets of an IPv6 literal are stripped.  What is left is a host
 * name or IPv4 address (spec_host_name) or, when bracketed or holding a ':', an
 * IPv6 literal (spec_host_ipv6; doc/transports.md §2.4 leaves its form open,
 * and as ports have a key of their own a bare one is unambiguous).  Anything
 * else, such as "pa:password=s", is an error naming the key and the value (from
 * a "password" on, shown as "password=*").
 */
static int
spec_host(const struct spec_ctx *ctx, const char *key, const char *value,
    char **out)
{
	const char	*p = value, *pw;
	size_t		 len;
	int		 bracketed = 0, ok;

	if (p[0] == '\\' && p[1] == '\\')
		p += 2;
	len = strlen(p);
	if (len > 0 && (p[0] == '[' || p[len - 1] == ']')) {
		if (len < 3 || p[0] != '[' || p[len - 1] != ']')
			goto bad;
		p++;
		len -= 2;
		bracketed = 1;
	}
	if (bracketed || memchr(p, ':', len) != NULL)
		ok = spec_host_ipv6(p, len);
	else
		ok = spec_host_name(p, len);
	if (!ok)
		goto bad;
	if ((*out = spec_dup(ctx, p, len)) == NULL)
		return (-1);
	return (0);

bad:
	/* A password swallowed by a ':' typed for a ',': never echoed. */
	if ((pw = strcasestr(value, "password")) != NULL)
		return (spec_fail(ctx, "'%s' must be a host name or address, "
		    "got '%.*s%.8s=*'", key, (int)(pw - value), value, pw));
	return (spec_fail(ctx, "'%s' must be a host name or address, got '%s'",
	    key, value));
}

/* com port=: "comN", "N" (N 1-256) or a device path (doc/design.md "com"). */
static int
spec_com_port(const struct spec_ctx *ctx, const char *value, char **out)
{
	const char	*p = value;
	unsigned long	 n;

	if (p[0] == '/') {
		if (p[1] == '\0')
			goto bad;
	} else {
		if (strncasecmp(p, "com", 3) == 0)
			p += 3;
		if (gw_text_number(p, 256, &n) != 0 || n == 0)
			goto bad;
	}
	if ((*out = spec_dup(ctx, value, strlen(value))) == NULL)
		return (-1);
	return (0);

bad:
	return (spec_fail(ctx,
	    "'port' must be comN, N or a device path, got '%s'", value));
}

/* proto= (doc/design.md "proto="): only TLS 1.2 and newer. */
static int
spec_proto(const struct spec_ctx *ctx, const char *value,
    enum gw_spec_proto *proto)
{
	static const char *const refused[] = {
		"ssl2", "ssl3", "pct1", "tls1.0", "tls1.1"
	};
	size_t	i;

	if (strcasecmp(value, "tls1") == 0)
		*proto = GW_SPEC_PROTO_TLS1;
	else if (strcasecmp(value, "tls1.2") == 0)
		*proto = GW_SPEC_PROTO_TLS1_2;
	else if (strcasecmp(value, "tls1.3") == 0)
		*proto = GW_SPEC_PROTO_TLS1_3;
	else {
		for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
			if (strcasecmp(value, refused[i]) == 0) {
				return (spec_fail(ctx, "proto=%s is insecure and "
				    "refused; use proto=tls1 (TLS 1.2 or newer)",
				    refused[i]));
			}
		}
		return (spec_fail(ctx,
		    "'proto' must be tls1, tls1.2 or tls1.3, got '%s'", value));
	}
	return (0);
}

/*
 * password=: 1-12 alphanumerics (doc/transports.md §2.4).  Never echoes the
 * value.
 */
static int
spec_password(const struct spec_ctx *ctx, const char *value, char **out)
{
	size_t	len = strlen(value), i;

	if (len > 12)
		goto bad;
	for (i = 0; i < len; i++) {
		if (!spec_alnum((unsigned char)value[i]))
			goto bad;
	}
	if ((*out = spec_dup(ctx, value, len)) == NULL)
		return (-1);
	return (0);

bad:
	return (spec_fail(ctx, "'password' must be 1-12 letters or digits"));
}

/* The width of a process id once %d or %x is expanded, at its widest. */
#define SPEC_PID_DEC	10
#define SPEC_PID_HEX	8

/*
 * pipe= (spec.h gw_spec_pipe_check): the rule; server: the '%' codes are
 * checked and counted at their widest.
 */
static int
spec_pipe_rule(const struct spec_ctx *ctx, const char *v, bool server)
{
	const char	*p;
	size_t		 len = 0;
	int		 codes = 0;

	if (*v == '\0')
		return (spec_fail(ctx, "'pipe' needs a value"));
	for (p = v; *p != '\0'; p++) {
		if (spec_space((unsigned char)*p) || *p == '"' || *p == ',') {
			return (spec_fail(ctx, "'pipe' may not contain "
			    "spaces or quotes, got '%s'", v));
		}
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			return (spec_fail(ctx, "'pipe' may not contain "
			    "control characters"));
		}
		if (*p == '/') {
			return (spec_fail(ctx, "'pipe' may not contain '/' "
			    "(it names one socket in pipe_dir), got '%s'", v));
		}
		if (!server || *p != '%') {
			len++;
			continue;
		}
		if (p[1] == '%')
			len++;
		else if (p[1] == 'd' || p[1] == 'x') {
			if (++codes > 2) {
				return (spec_fail(ctx, "'pipe' may hold at most "
				    "two %%d / %%x codes, got '%s'", v));
			}
			len += p[1] == 'd' ? SPEC_PID_DEC : SPEC_PID_HEX;
		} else {
			return (spec_fail(ctx, "'pipe': a '%%' must start %%d, "
			    "%%x or %%%% (a literal '%%'), got '%s'", v));
		}
		p++;
	}
	if (strcmp(v, ".") == 0 || strcmp(v, "..") == 0)
		return (spec_fail(ctx, "'pipe' may not be '.' or '..'"));
	if (len > GW_SPEC_PIPE_MAX) {
		return (spec_fail(ctx, "'pipe' is %zu bytes%s; at most %d fit "
		    "in a socket path", len, codes > 0 ? " with its %d / %x "
		    "codes at their widest" : "", GW_SPEC_PIPE_MAX));
	}
	return (0);
}

int
gw_spec_pipe_check(const char *name, enum gw_spec_side side, char **cause)
{
	struct spec_ctx	ctx;

	ctx.prefix = NULL;
	ctx.name = NULL;
	ctx.hint = NULL;
	ctx.cause = cause;
	if (name == NULL)
		name = "";
	return (spec_pipe_rule(&ctx, name, side == GW_SPEC_SERVER));
}

int
gw_spec_pipe_expand(const char *name, long pid, char *out, size_t size)
{
	const char	*p;
	size_t		 o = 0;
	int		 n;

	if (gw_spec_pipe_check(name, GW_SPEC_SERVER, NULL) != 0 || size == 0)
		return (-1);
	for (p = name; *p != '\0'; p++) {
		if (*p != '%') {
			if (o + 1 >= size)
				return (-1);
			out[o++] = *p;
			continue;
		}
		p++;
		if (*p == '%') {
			if (o + 1 >= size)
				return (-1);
			out[o++] = '%';
			continue;
		}
		n = snprintf(out + o, size - o, *p == 'd' ? "%ld" : "%lx", pid);
		if (n < 0 || (size_t)n >= size - o)
			return (-1);
		o += (size_t)n;
	}
	out[o] = '\0';
	return (0);
}

/* Phase one for tcp, npipe, ssl, spipe and com: every value. */
static int
spec_values(const struct spec_ctx *ctx, struct gw_spec *s, char **vals,
    uint32_t present)
{
	unsigned long	 n;
	const char	*v;

	if ((v = vals[K_PROTO]) != NULL && spec_proto(ctx, v, &s->proto) != 0)
		return (-1);
	if ((present & KB(K_CERTUSER)) && (present & KB(K_MACHUSER))) {
		return (spec_fail(ctx,
		    "needs exactly one of 'certuser' or 'machuser'"));
	}
	if ((v = vals[K_CERTUSER]) != NULL) {
		s->cert_store = GW_SPEC_CERT_USER;
		if ((s->cert = spec_dup(ctx, v, strlen(v))) == NULL)
			return (-1);
	}
	if ((v = vals[K_MACHUSER]) != NULL) {
		s->cert_store = GW_SPEC_CERT_MACHINE;
		if ((s->cert = spec_dup(ctx, v, strlen(v))) == NULL)
			return (-1);
	}
	if ((v = vals[K_SERVER]) != NULL &&
	    spec_host(ctx, "server", v, &s->server) != 0)
		return (-1);
	if ((v = vals[K_CLICON]) != NULL &&
	    spec_host(ctx, "clicon", v, &s->clicon) != 0)
		return (-1);
	if ((v = vals[K_PORT]) != NULL) {
		if (s->transport == GW_SPEC_COM) {
			if (spec_com_port(ctx, v, &s->com_port) != 0)
				return (-1);
		} else if (spec_port(ctx, v, &s->port_lo, &s->port_hi) != 0)
			return (-1);
	}
	if ((v = vals[K_PIPE]) != NULL) {
		/* The server-side '%' rule is phase two's (spec_check_side). */
		if (spec_pipe_rule(ctx, v, false) != 0)
			return (-1);
		if ((s->pipe = spec_dup(ctx, v, strlen(v))) == NULL)
			return (-1);
	}
	if ((v = vals[K_BAUD]) != NULL) {
		if (gw_text_number(v, UINT_MAX, &n) != 0 || n == 0) {
			return (spec_fail(ctx,
			    "'baud' must be a positive number, got '%s'", v));
		}
		s->baud = (unsigned)n;
	}
	if ((v = vals[K_CHANNEL]) != NULL) {
		if (gw_text_number(v, 254, &n) != 0)
			return (spec_fail(ctx,
			    "'channel' must be 0-254, got '%s'", v));
		s->channel = (unsigned)n;
	}
	s->hidden = (present & KB(K_HIDDEN)) != 0;
	if ((v = vals[K_PASSWORD]) != NULL &&
	    spec_password(ctx, v, &s->password) != 0)
		return (-1);
	if ((v = vals[K_IPVERSION]) != NULL) {
		if (strcmp(v, "6") != 0)
			return (spec_fail(ctx,
			    "'ipversion' must be 6, got '%s'", v));
		s->ipv6 = true;
	}
	s->icf_enable = (present & KB(K_ICFENABLE)) != 0;
	return (0);
}

/*
 * Phase two: the forms of one side (doc/transports.md §2.2 server, §2.3
 * client).  Checks keys of the other side, then the clicon rules, then required
 * keys in the documented order.
 */
static int
spec_check_side(const struct spec_ctx *ctx, const struct gw_spec *s,
    uint32_t present, enum gw_spec_side side)
{
	enum gw_spec_transport	 t = s->transport;
	int			 net, pipe, tls;

	net = (t == GW_SPEC_TCP || t == GW_SPEC_SSL);
	pipe = (t == GW_SPEC_NPIPE || t == GW_SPEC_SPIPE);
	tls = (t == GW_SPEC_SSL || t == GW_SPEC_SPIPE);

	if (side == GW_SPEC_SERVER) {
		if (present & KB(K_SERVER)) {
			return (spec_fail(ctx, "'server' is a client-side key; "
			    "a server-side spec listens on '%s'",
			    net ? "port" : "pipe"));
		}
		if (s->clicon != NULL && s->hidden) {
			return (spec_fail(ctx,
			    "'hidden' cannot be used with 'clicon'"));
		}
		if (s->clicon != NULL && s->icf_enable) {
			return (spec_fail(ctx,
			    "'icfenable' cannot be used with 'clicon'"));
		}
	} else {
		if (s->hidden) {
			return (spec_fail(ctx, "'hidden' is a server-side key; "
			    "a client-side spec cannot use it"));
		}
		if (s->icf_enable) {
			return (spec_fail(ctx, "'icfenable' is a server-side "
			    "key; a client-side spec cannot use it"));
		}
	}

	if (tls) {
		if (~present & KB(K_PROTO))
			return (spec_fail(ctx, "missing required key 'proto'"));
		if (s->cert_store == GW_SPEC_CERT_NONE) {
			return (spec_fail(ctx,
			    "needs exactly one of 'certuser' or 'machuser'"));
		}
	}
	if (side == GW_SPEC_CLIENT && (net || pipe)) {
		if (s->server != NULL && s->clicon != NULL) {
			return (spec_fail(ctx,
			    "'server' and 'clicon' cannot be used together"));
		}
		if (s->server == NULL && s->clicon == NULL) {
			return (spec_fail(ctx, net ?
			    "missing required key 'server' (or 'clicon')" :
			    "missing required key 'server'"));
		}
	}
	if (net) {
		if (~present & KB(K_PORT))
			return (spec_fail(ctx, "missing required key 'port'"));
		if (s->port_lo != s->port_hi) {
			if (side == GW_SPEC_SERVER && s->clicon != NULL) {
				return (spec_fail(ctx, "'port' must be a single "
				    "port with 'clicon', got '%u:%u'",
				    s->port_lo, s->port_hi));
			}
			if (side == GW_SPEC_CLIENT && s->server != NULL) {
				return (spec_fail(ctx, "'port' must be a single "
				    "port with 'server', got '%u:%u'",
				    s->port_lo, s->port_hi));
			}
		}
	}
	if (pipe && (~present & KB(K_PIPE)))
		return (spec_fail(ctx, "missing required key 'pipe'"));
	if (pipe && spec_pipe_rule(ctx, s->pipe, side == GW_SPEC_SERVER) != 0)
		return (-1);
	if (t == GW_SPEC_COM) {
		if (~present & KB(K_PORT))
			return (spec_fail(ctx, "missing required key 'port'"));
		if (~present & KB(K_BAUD))
			return (spec_fail(ctx, "missing required key 'baud'"));
		if (~present & KB(K_CHANNEL))
			return (spec_fail(ctx, "missing required key 'channel'"));
	}
	return (0);
}

/* A value "@{TEXT}" whose first brace matches the last; *inner is TEXT. */
static int
spec_braced(const struct spec_ctx *ctx, const char *key, const char *what,
    char *value, char **inner)
{
	size_t	len = strlen(value), i, depth = 0;

	if (len < 3 || value[0] != '@' || value[1] != '{' ||
	    value[len - 1] != '}')
		goto bad;
	for (i = 1; i < len; i++) {
		if (value[i] == '{')
			depth++;
		else if (value[i] == '}' && --depth == 0 && i != len - 1)
			goto bad;
	}
	value[len - 1] = '\0';
	*inner = spec_trim(value + 2);
	if (**inner == '\0')
		return (spec_fail(ctx, "'%s' needs a value", key));
	return (0);

bad:
	return (spec_fail(ctx, "'%s' must be @{%s}", key, what));
}

/* True when text names the kdsrv transport (to refuse nesting). */
static int
spec_is_kdsrv(const char *text)
{
	while (spec_space((unsigned char)*text))
		text++;
	if (strncasecmp(text, "kdsrv", 5) != 0)
		return (0);
	text += 5;
	while (spec_space((unsigned char)*text))
		text++;
	return (*text == ':' || *text == '\0');
}

/* Append to a buffer; on failure the buffer is marked failed. */
static void
spec_buf_vadd(struct spec_buf *b, const char *fmt, va_list ap)
{
	va_list	 aq;
	size_t	 need, size;
	char	*p;
	int	 n;

	if (b->failed)
		return;
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	need = b->len + (size_t)n + 1;
	if (need > b->size) {
		size = b->size == 0 ? 64 : b->size;
		while (size < need)
			size *= 2;
		if ((p = realloc(b->p, size)) == NULL) {
			b->failed = 1;
			return;
		}
		b->p = p;
		b->size = size;
	}
	vsnprintf(b->p + b->len, b->size - b->len, fmt, ap);
	b->len += (size_t)n;
}

static void
spec_buf_add(struct spec_buf *b, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	spec_buf_vadd(b, fmt, ap);
	va_end(ap);
}

/* One KEY[=VALUE] item, comma-separated from the previous one. */
static void
spec_buf_item(struct spec_buf *b, const char *fmt, ...)
{
	va_list	ap;

	if (b->nitems++ > 0)
		spec_buf_add(b, ",");
	va_start(ap, fmt);
	spec_buf_vadd(b, fmt, ap);
	va_end(ap);
}

/* The buffer's string (the caller owns it), or NULL if anything failed. */
static char *
spec_buf_done(struct spec_buf *b)
{
	if (b->failed || b->p == NULL) {
		free(b->p);
		return (NULL);
	}
	return (b->p);
}

/* trans= com: com:[port],[baud] | com:pipe,port=... | com:modem. */
static int
spec_trans_com(const struct spec_ctx *ctx, char **vals, uint32_t present,
    struct spec_buf *b)
{
	static const char *const bauds[] = {
		"9600", "19200", "38400", "57600", "115200"
	};
	const char	*v, *p;
	unsigned long	 n;
	size_t		 i;

	if (present & KB(T_PIPE)) {
		if (present & KB(T_MODEM)) {
			return (spec_fail(ctx,
			    "'modem' cannot be used with 'pipe'"));
		}
		if (present & KB(T_BAUD)) {
			return (spec_fail(ctx,
			    "'baud' cannot be used with 'pipe'"));
		}
		if ((v = vals[T_PORT]) == NULL)
			return (spec_fail(ctx, "missing required key 'port'"));
		/* \\HOST\pipe\NAME */
		if (v[0] != '\\' || v[1] != '\\')
			goto badpipe;
		p = v + 2;
		i = strcspn(p, "\\");
		if (i == 0 || p[i] == '\0' || strncasecmp(p + i, "\\pipe\\",
		    6) != 0 || p[i + 6] == '\0')
			goto badpipe;
		if ((v = vals[T_RESETS]) != NULL && strcmp(v, "0") != 0)
			return (spec_fail(ctx, "'resets' must be 0, got '%s'", v));
		spec_buf_item(b, "pipe");
		spec_buf_item(b, "port=%s", vals[T_PORT]);
		if (present & KB(T_RESETS))
			spec_buf_item(b, "resets=0");
		if (present & KB(T_RECONNECT))
			spec_buf_item(b, "reconnect");
		return (0);
	}
	if (present & KB(T_MODEM)) {
		for (i = 0; i < T__COUNT; i++) {
			if (i != T_MODEM && (present & KB(i))) {
				return (spec_fail(ctx,
				    "'%s' cannot be used with 'modem'",
				    spec_trans_keys[i].name));
			}
		}
		spec_buf_item(b, "modem");
		return (0);
	}
	if (present & KB(T_RESETS))
		return (spec_fail(ctx, "'resets' needs 'pipe'"));
	if (present & KB(T_RECONNECT))
		return (spec_fail(ctx, "'reconnect' needs 'pipe'"));
	if ((v = vals[T_PORT]) != NULL) {
		p = v;
		if (strncmp(p, "\\\\.\\", 4) == 0)
			p += 4;
		if (strncasecmp(p, "com", 3) != 0 ||
		    gw_text_number(p + 3, 256, &n) != 0 || n == 0) {
			return (spec_fail(ctx,
			    "'port' must be comN or \\\\.\\comN, got '%s'", v));
		}
		spec_buf_item(b, "port=%s", v);
	}
	if ((v = vals[T_BAUD]) != NULL) {
		for (i = 0; i < sizeof bauds / sizeof bauds[0]; i++) {
			if (strcmp(v, bauds[i]) == 0)
				break;
		}
		if (i == sizeof bauds / sizeof bauds[0]) {
			return (spec_fail(ctx, "'baud' must be 9600, 19200, "
			    "38400, 57600 or 115200, got '%s'", v));
		}
		spec_buf_item(b, "baud=%s", v);
	}
	return (0);

badpipe:
	return (spec_fail(ctx,
	    "'port' must be \\\\HOST\\pipe\\NAME, got '%s'", vals[T_PORT]));
}

/*
 * A required number of trans=@{...}: vals[k] (key k of spec_trans_keys) from
 * lo to hi.  Returns 0 with *n, or -1 with "missing required key 'NAME'" or
 * "'NAME' must be LO-HI, got 'VALUE'" (spec_fail).
 */
static int
spec_trans_number(const struct spec_ctx *ctx, char *const *vals, int k,
    unsigned long lo, unsigned long hi, unsigned long *n)
{
	const char	*name = spec_trans_keys[k].name, *v = vals[k];

	if (v == NULL)
		return (spec_fail(ctx, "missing required key '%s'", name));
	if (gw_text_number(v, hi, n) != 0 || *n < lo)
		return (spec_fail(ctx, "'%s' must be %lu-%lu, got '%s'", name,
		    lo, hi, v));
	return (0);
}

/*
 * trans=@{CONNECT-TYPE} (doc/transports.md §2.5, §3.2): validate and print it
 * in canonical form into *out.
 */
static int
spec_parse_trans(const struct spec_ctx *outer, char *text, char **out)
{
	struct spec_ctx	 ctx;
	struct spec_buf	 b;
	char		 prefix[64];
	char		*vals[T__COUNT], *params;
	const char	*v;
	uint32_t	 present;
	unsigned long	 n;
	int		 type;

	snprintf(prefix, sizeof prefix, "%s: in 'trans'", outer->prefix);
	ctx.prefix = prefix;
	ctx.name = NULL;
	ctx.hint = NULL;
	ctx.cause = outer->cause;
	if (spec_head(&ctx, text, spec_trans_types, SPEC_NTRANS_TYPES,
	    "connection type", SPEC_TRANS_LIST, &type, &params) != 0)
		return (-1);

	snprintf(prefix, sizeof prefix, "%s: in 'trans': %s", outer->prefix,
	    spec_trans_types[type].name);
	ctx.name = spec_trans_types[type].name;
	if (spec_collect(&ctx, params, 0, spec_trans_keys, T__COUNT,
	    spec_trans_types[type].mask, vals, &present) != 0)
		return (-1);

	memset(&b, 0, sizeof b);
	spec_buf_add(&b, "%s:", spec_trans_types[type].name);
	switch (type) {
	case TT_COM:
		if (spec_trans_com(&ctx, vals, present, &b) != 0)
			goto fail;
		break;
	case TT_USB2:
		if ((v = vals[T_TARGETNAME]) != NULL)
			spec_buf_item(&b, "targetname=%s", v);
		break;
	case TT_1394:
		if (spec_trans_number(&ctx, vals, T_CHANNEL, 0, 62, &n) != 0)
			goto fail;
		spec_buf_item(&b, "channel=%lu", n);
		if ((v = vals[T_SYMLINK]) != NULL)
			spec_buf_item(&b, "symlink=%s", v);
		break;
	case TT_NET:
		if (spec_trans_number(&ctx, vals, T_PORT, 1, 65535, &n) != 0)
			goto fail;
		if (vals[T_KEY] == NULL) {
			spec_fail(&ctx, "missing required key 'key'");
			goto fail;
		}
		spec_buf_item(&b, "port=%lu", n);
		/*
		 * KDNET's key is a secret like password= (doc/transports.md
		 * §3.2): never kept or printed; nothing in dbgbridge needs it.
		 */
		spec_buf_item(&b, "key=*");
		break;
	}
	if ((*out = spec_buf_done(&b)) == NULL)
		return (spec_fail(&ctx, "out of memory"));
	return (0);

fail:
	free(b.p);
	return (-1);
}

/*
 * kdsrv:server=@{CLIENT-SPEC},trans=@{CONNECT-TYPE} (doc/transports.md §2.5).
 */
static int
spec_parse_kdsrv(const struct spec_ctx *ctx, char *params, struct gw_spec **out)
{
	struct gw_spec	*s;
	char		*vals[K__COUNT], *inner, *trans, *icause = NULL;
	uint32_t	 present;

	if (spec_collect(ctx, params, 1, spec_keys, K__COUNT,
	    spec_transports[GW_SPEC_KDSRV].mask, vals, &present) != 0)
		return (-1);
	if (~present & KB(K_SERVER))
		return (spec_fail(ctx, "missing required key 'server'"));
	if (~present & KB(K_TRANS))
		return (spec_fail(ctx, "missing required key 'trans'"));
	if (spec_braced(ctx, "server", "CLIENT-SPEC", vals[K_SERVER],
	    &inner) != 0)
		return (-1);
	if (spec_braced(ctx, "trans", "CONNECT-TYPE", vals[K_TRANS],
	    &trans) != 0)
		return (-1);
	if (spec_is_kdsrv(inner)) {
		return (spec_fail(ctx,
		    "'server' must hold a client spec, not another kdsrv spec"));
	}

	if ((s = calloc(1, sizeof *s)) == NULL)
		return (spec_fail(ctx, "out of memory"));
	s->transport = GW_SPEC_KDSRV;
	s->side = GW_SPEC_CLIENT;
	if (spec_parse(inner, GW_SPEC_CLIENT, &s->inner,
	    ctx->cause != NULL ? &icause : NULL) != 0) {
		spec_fail(ctx, "in 'server': %s",
		    icause != NULL ? icause : "out of memory");
		free(icause);
		gw_spec_free(s);
		return (-1);
	}
	if (spec_parse_trans(ctx, trans, &s->trans) != 0) {
		gw_spec_free(s);
		return (-1);
	}
	*out = s;
	return (0);
}

/* tcp, npipe, ssl, spipe, com: both phases. */
static int
spec_parse_plain(const struct spec_ctx *ctx, enum gw_spec_transport t,
    char *params, enum gw_spec_side side, struct gw_spec **out)
{
	struct spec_ctx	 sctx, cctx;
	struct gw_spec	*s;
	char		*vals[K__COUNT], *scause = NULL, *ccause = NULL;
	uint32_t	 present;

	if (spec_collect(ctx, params, 0, spec_keys, K__COUNT,
	    spec_transports[t].mask, vals, &present) != 0)
		return (-1);
	if ((s = calloc(1, sizeof *s)) == NULL)
		return (spec_fail(ctx, "out of memory"));
	s->transport = t;
	if (spec_values(ctx, s, vals, present) != 0)
		goto fail;

	if (side != GW_SPEC_EITHER) {
		if (spec_check_side(ctx, s, present, side) != 0)
			goto fail;
		s->side = side;
		*out = s;
		return (0);
	}

	/* Either side: the server-side reading wins when both are valid. */
	sctx = cctx = *ctx;
	sctx.cause = ctx->cause != NULL ? &scause : NULL;
	cctx.cause = ctx->cause != NULL ? &ccause : NULL;
	if (spec_check_side(&sctx, s, present, GW_SPEC_SERVER) == 0) {
		s->side = GW_SPEC_SERVER;
		*out = s;
		return (0);
	}
	if (spec_check_side(&cctx, s, present, GW_SPEC_CLIENT) == 0) {
		free(scause);
		s->side = GW_SPEC_CLIENT;
		*out = s;
		return (0);
	}
	/* Neither: report the side that looks intended. */
	if (ctx->cause != NULL) {
		if (present & KB(K_SERVER)) {
			*ctx->cause = ccause;
			free(scause);
		} else {
			*ctx->cause = scause;
			free(ccause);
		}
	}

fail:
	gw_spec_free(s);
	return (-1);
}

static int
spec_parse(const char *text, enum gw_spec_side side, struct gw_spec **out,
    char **cause)
{
	struct spec_ctx	 ctx;
	struct gw_spec	*s = NULL;
	char		*copy, *params;
	size_t		 len, i;
	int		 t, r;

	ctx.prefix = NULL;
	ctx.name = NULL;
	ctx.hint = NULL;
	ctx.cause = cause;

	if (out == NULL)
		return (spec_fail(&ctx, "no place for the result"));
	if (side != GW_SPEC_SERVER && side != GW_SPEC_CLIENT &&
	    side != GW_SPEC_EITHER)
		return (spec_fail(&ctx, "invalid side"));
	if (text == NULL)
		text = "";
	len = strlen(text);
	for (i = 0; i < len; i++) {
		if (((unsigned char)text[i] < 0x20 && text[i] != '\t') ||
		    text[i] == 0x7f) {
			return (spec_fail(&ctx,
			    "control character at offset %zu", i));
		}
	}
	if ((copy = strdup(text)) == NULL)
		return (spec_fail(&ctx, "out of memory"));

	r = spec_head(&ctx, copy, spec_transports, SPEC_NTRANSPORTS,
	    "transport", SPEC_TRANSPORT_LIST, &t, &params);
	if (r == 0) {
		ctx.prefix = ctx.name = spec_transports[t].name;
		ctx.hint = spec_transports[t].hint;
		if (t != GW_SPEC_KDSRV)
			r = spec_parse_plain(&ctx, t, params, side, &s);
		else if (side == GW_SPEC_SERVER) {
			r = spec_fail(&ctx, "client-side only; a server-side "
			    "spec cannot use kdsrv");
		} else
			r = spec_parse_kdsrv(&ctx, params, &s);
	}

	spec_wipe(copy, len);
	free(copy);
	if (r != 0)
		return (-1);
	*out = s;
	return (0);
}

int
gw_spec_parse(const char *text, enum gw_spec_side side, struct gw_spec **out,
    char **cause)
{
	return (spec_parse(text, side, out, cause));
}

void
gw_spec_free(struct gw_spec *spec)
{
	if (spec == NULL)
		return;
	free(spec->server);
	free(spec->clicon);
	free(spec->pipe);
	free(spec->com_port);
	free(spec->cert);
	if (spec->password != NULL) {
		spec_wipe(spec->password, strlen(spec->password));
		free(spec->password);
	}
	gw_spec_free(spec->inner);
	free(spec->trans);
	free(spec);
}

const char *
gw_spec_transport_name(enum gw_spec_transport transport)
{
	if ((size_t)transport >= SPEC_NTRANSPORTS)
		return ("unknown");
	return (spec_transports[transport].name);
}

bool
gw_spec_is_tls(const struct gw_spec *spec)
{
	if (spec == NULL)
		return (false);
	if (spec->transport == GW_SPEC_KDSRV)
		return (gw_spec_is_tls(spec->inner));
	return (spec->transport == GW_SPEC_SSL ||
	    spec->transport == GW_SPEC_SPIPE);
}

static const char *
spec_proto_name(enum gw_spec_proto proto)
{
	switch (proto) {
	case GW_SPEC_PROTO_TLS1:
		return ("tls1");
	case GW_SPEC_PROTO_TLS1_2:
		return ("tls1.2");
	case GW_SPEC_PROTO_TLS1_3:
		return ("tls1.3");
	case GW_SPEC_PROTO_NONE:
		break;
	}
	return ("tls1");
}

/* proto= and certuser= / machuser= of ssl and spipe. */
static void
spec_buf_tls(struct spec_buf *b, const struct gw_spec *s)
{
	spec_buf_item(b, "proto=%s", spec_proto_name(s->proto));
	if (s->cert != NULL) {
		spec_buf_item(b, "%s=%s", s->cert_store ==
		    GW_SPEC_CERT_MACHINE ? "machuser" : "certuser", s->cert);
	}
}

static void
spec_buf_port(struct spec_buf *b, const struct gw_spec *s)
{
	if (s->port_lo != s->port_hi)
		spec_buf_item(b, "port=%u:%u", s->port_lo, s->port_hi);
	else
		spec_buf_item(b, "port=%u", s->port_lo);
}

/*
 * The canonical form (spec.h), key order of doc/transports.md §2.2 / §2.3 /
 * §2.5.
 */
static int
spec_canon(struct spec_buf *b, const struct gw_spec *s)
{
	char	*inner;
	int	 server = (s->side == GW_SPEC_SERVER);

	spec_buf_add(b, "%s:", gw_spec_transport_name(s->transport));
	b->nitems = 0;
	switch (s->transport) {
	case GW_SPEC_TCP:
	case GW_SPEC_SSL:
		if (s->transport == GW_SPEC_SSL)
			spec_buf_tls(b, s);
		if (!server) {
			if (s->server != NULL)
				spec_buf_item(b, "server=%s", s->server);
			else if (s->clicon != NULL)
				spec_buf_item(b, "clicon=%s", s->clicon);
		}
		spec_buf_port(b, s);
		if (server && s->clicon != NULL)
			spec_buf_item(b, "clicon=%s", s->clicon);
		if (server && s->hidden)
			spec_buf_item(b, "hidden");
		if (s->password != NULL)
			spec_buf_item(b, "password=*");
		if (s->ipv6)
			spec_buf_item(b, "ipversion=6");
		if (server && s->icf_enable)
			spec_buf_item(b, "icfenable");
		break;
	case GW_SPEC_NPIPE:
	case GW_SPEC_SPIPE:
		if (s->transport == GW_SPEC_SPIPE)
			spec_buf_tls(b, s);
		if (!server && s->server != NULL)
			spec_buf_item(b, "server=%s", s->server);
		if (s->pipe != NULL)
			spec_buf_item(b, "pipe=%s", s->pipe);
		if (server && s->hidden)
			spec_buf_item(b, "hidden");
		if (s->password != NULL)
			spec_buf_item(b, "password=*");
		if (server && s->icf_enable)
			spec_buf_item(b, "icfenable");
		break;
	case GW_SPEC_COM:
		if (s->com_port != NULL)
			spec_buf_item(b, "port=%s", s->com_port);
		spec_buf_item(b, "baud=%u", s->baud);
		spec_buf_item(b, "channel=%u", s->channel);
		if (server && s->hidden)
			spec_buf_item(b, "hidden");
		if (s->password != NULL)
			spec_buf_item(b, "password=*");
		break;
	case GW_SPEC_KDSRV:
		if (s->inner == NULL || s->trans == NULL)
			return (-1);
		if ((inner = gw_spec_canonical(s->inner)) == NULL)
			return (-1);
		spec_buf_item(b, "server=@{%s}", inner);
		spec_buf_item(b, "trans=@{%s}", s->trans);
		free(inner);
		break;
	default:
		return (-1);
	}
	return (0);
}

char *
gw_spec_canonical(const struct gw_spec *spec)
{
	struct spec_buf	b;

	if (spec == NULL)
		return (NULL);
	memset(&b, 0, sizeof b);
	if (spec_canon(&b, spec) != 0) {
		free(b.p);
		return (NULL);
	}
	return (spec_buf_done(&b));
}

/*
 * The client-side spec that reaches serve at host: the server-side key set
 * turned round (doc/transports.md §2.3), without the password.
 */
/*
 * proto= and the certificate as a smart client writes them: the debugger
 * documents proto=tls1 only (doc/transports.md §2.4), so the route's own
 * minimum stays its own; cert, when given, replaces the route's certificate
 * name (a path means nothing to a Windows client).
 */
static void
spec_buf_client_tls(struct spec_buf *b, const struct gw_spec *s,
    const char *cert)
{
	spec_buf_item(b, "proto=tls1");
	if (cert == NULL)
		cert = s->cert;
	if (cert != NULL) {
		spec_buf_item(b, "%s=%s", s->cert_store ==
		    GW_SPEC_CERT_MACHINE ? "machuser" : "certuser", cert);
	}
}

static int
spec_client_form(struct spec_buf *b, const struct gw_spec *s, const char *host,
    const char *cert)
{
	spec_buf_add(b, "%s:", gw_spec_transport_name(s->transport));
	b->nitems = 0;
	switch (s->transport) {
	case GW_SPEC_TCP:
	case GW_SPEC_SSL:
		if (s->transport == GW_SPEC_SSL)
			spec_buf_client_tls(b, s, cert);
		spec_buf_item(b, "%s=%s", s->clicon != NULL ? "clicon" :
		    "server", host);
		spec_buf_item(b, "port=%u", s->port_lo);
		if (s->ipv6)
			spec_buf_item(b, "ipversion=6");
		break;
	case GW_SPEC_NPIPE:
	case GW_SPEC_SPIPE:
		if (s->transport == GW_SPEC_SPIPE)
			spec_buf_client_tls(b, s, cert);
		spec_buf_item(b, "server=%s", host);
		spec_buf_item(b, "pipe=%s", s->pipe != NULL ? s->pipe : "");
		break;
	case GW_SPEC_COM:
		spec_buf_item(b, "port=%s", s->com_port != NULL ?
		    s->com_port : "");
		spec_buf_item(b, "baud=%u", s->baud);
		spec_buf_item(b, "channel=%u", s->channel);
		break;
	default:
		return (-1);
	}
	return (0);
}

char *
gw_spec_client_string(const struct gw_spec *serve,
    const struct gw_spec *connect, const char *host, const char *cert)
{
	struct spec_buf	 b;
	const char	*sw = "-premote", *q;
	char		*form, *kd, *out;

	if (serve == NULL)
		return (NULL);
	if (host == NULL)
		host = "localhost";

	memset(&b, 0, sizeof b);
	if (serve->transport == GW_SPEC_KDSRV) {
		/* Not a serve spec, but already a client string. */
		sw = "-k";
		if (spec_canon(&b, serve) != 0) {
			free(b.p);
			return (NULL);
		}
	} else if (spec_client_form(&b, serve, host, cert) != 0) {
		free(b.p);
		return (NULL);
	}
	if ((form = spec_buf_done(&b)) == NULL)
		return (NULL);

	/*
	 * A kdsrv connect spec: the smart client is a kernel one
	 * (doc/transports.md §2.5).
	 */
	if (serve->transport != GW_SPEC_KDSRV && connect != NULL &&
	    connect->transport == GW_SPEC_KDSRV && connect->trans != NULL) {
		sw = "-k";
		kd = spec_asprintf("kdsrv:server=@{%s},trans=@{%s}", form,
		    connect->trans);
		free(form);
		if ((form = kd) == NULL)
			return (NULL);
	}

	/* A value with a space (a thumbprint) needs one quoted argument. */
	q = strpbrk(form, " \t") != NULL ? "\"" : "";
	out = spec_asprintf("%s %s%s%s", sw, q, form, q);
	free(form);
	return (out);
}
