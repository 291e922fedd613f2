/*
 * config.h: the INI file (inih) to an immutable configuration.  No sockets.
 *
 * Schema: doc/design.md "Interfaces" ([gateway], [tls], [route NAME]).
 * Every key is described once, in the table returned by gw_config_keys(); the
 * loader, `dbgbridge -n`, reload's restart check and the man page's test come
 * from that table.
 */
#ifndef GW_CONFIG_H
#define GW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/errors.h"
#include "transports/spec.h"

/*
 * Log levels, most severe first (doc/design.md "Interfaces": error | warn |
 * info | debug).
 */
enum gw_log_level {
	GW_LOG_ERROR,
	GW_LOG_WARN,
	GW_LOG_INFO,
	GW_LOG_DEBUG,
};

/* [gateway] log_format: "TIMESTAMP LEVEL message" lines, or JSON objects. */
enum gw_log_format {
	GW_LOG_TEXT,
	GW_LOG_JSON,
};

/*
 * [gateway] syslog_facility: the syslog(3) facilities a daemon may log under
 * (daemon, user, local0-local7; RFC 5424 section 6.2.1).  log.c maps them to
 * LOG_DAEMON, LOG_USER, LOG_LOCAL0..LOG_LOCAL7.
 */
enum gw_log_facility {
	GW_LOG_FACILITY_DAEMON,
	GW_LOG_FACILITY_USER,
	GW_LOG_FACILITY_LOCAL0,
	GW_LOG_FACILITY_LOCAL1,
	GW_LOG_FACILITY_LOCAL2,
	GW_LOG_FACILITY_LOCAL3,
	GW_LOG_FACILITY_LOCAL4,
	GW_LOG_FACILITY_LOCAL5,
	GW_LOG_FACILITY_LOCAL6,
	GW_LOG_FACILITY_LOCAL7,
};

/*
 * One network in an `allow` or `metrics_allow` list: family AF_INET or
 * AF_INET6, address bytes.
 */
struct gw_config_cidr {
	int		 family;
	uint8_t		 addr[16];	/* network byte order; 4 used for AF_INET */
	unsigned	 prefix;	/* 0..32 or 0..128 */
};

/* One [route NAME] section.  All strings owned by the config. */
struct gw_config_route {
	char			*name;
	char			*serve_text;	/* as written (may contain a password) */
	char			*connect_text;
	struct gw_spec		*serve;		/* server side, never NULL */
	struct gw_spec		*connect;	/* client side, never NULL */
	char			*bind;		/* NULL: every address */
	unsigned		 max_sessions;	/* 0: no limit */
	unsigned		 connect_timeout_ms;
	unsigned		 handshake_timeout_ms;
	unsigned		 idle_timeout_ms;	/* 0: never */
	unsigned		 drain_timeout_ms;
	struct gw_config_cidr	*allow;		/* NULL when absent: everyone */
	size_t			 nallow;
	char			*client_ca;	/* NULL: no client certificates */
	bool			 persist;
	unsigned		 standby;
	unsigned		 pipe_mode;	/* npipe/spipe serve: file mode */
	char			*pipe_group;	/* npipe/spipe serve: group name */
	int			 line;		/* of [route NAME]; 0: none */
	int			 serve_line;	/* of serve =; 0: none */
	int			 connect_line;	/* of connect =; 0: none */
};

/* The whole file.  Strings owned by the config; NULL means "not set". */
struct gw_config {
	char			*path;		/* the file loaded, NULL for -s/-c */
	char			*control;
	enum gw_log_level	 log_level;
	char			*log;		/* "stderr", "syslog", "eventlog"
						   or a file's absolute path */
	unsigned		 log_max_size;	/* bytes; 0: never rotate */
	unsigned		 log_keep;	/* rotated files kept */
	enum gw_log_format	 log_format;
	enum gw_log_facility	 syslog_facility;	/* with log = syslog */
	char			*metrics;	/* HOST:PORT */
	struct gw_config_cidr	*metrics_allow;	/* NULL when absent */
	size_t			 nmetrics_allow;
	unsigned		 metrics_max_connections;
	unsigned		 metrics_timeout_ms;	/* from accept */
	char			*pipe_dir;
	char			*user;
	unsigned		 max_sessions;	/* over every route; 0: no limit */
	unsigned		 stop_timeout_ms;	/* the stop deadline (SIGTERM) */
	char			*user_store;	/* [tls] user_store, default applied */
	char			*machine_store;	/* [tls] machine_store, default applied */
	char			*ca;
	struct gw_config_route	*routes;
	size_t			 nroutes;
	int			 user_line;	/* of [gateway] user =; 0: none */
};

/* Value types of the key table. */
enum gw_config_type {
	GW_CONFIG_STRING,
	GW_CONFIG_PATH,
	GW_CONFIG_BOOL,		/* yes/no, true/false, on/off, 1/0 */
	GW_CONFIG_UINT,		/* decimal, within [min, max] */
	GW_CONFIG_MODE,		/* octal file mode, within [min, max] */
	GW_CONFIG_DURATION,	/* 0, or a number with ms, s, m or h; stored in ms */
	GW_CONFIG_LEVEL,	/* error | warn | info | debug */
	GW_CONFIG_LOG,		/* stderr | syslog | eventlog | /FILE */
	GW_CONFIG_LOG_FORMAT,	/* text | json */
	GW_CONFIG_FACILITY,	/* daemon | user | local0 .. local7 */
	GW_CONFIG_HOSTPORT,	/* HOST:PORT or [V6]:PORT */
	GW_CONFIG_SERVER_SPEC,	/* a server-side transport string */
	GW_CONFIG_CLIENT_SPEC,	/* a client-side transport string */
	GW_CONFIG_CIDR_LIST,	/* comma-separated CIDRs or addresses */
};

/*
 * One word of an enumerated type (GW_CONFIG_BOOL, LEVEL, LOG, LOG_FORMAT,
 * FACILITY): the word as written in the file (matched case-insensitively)
 * and the value it stands for.
 */
struct gw_config_word {
	const char		*word;
	unsigned		 value;
};

/* A field offset that is not used (gw_config_key.aux, .line_at). */
#define GW_CONFIG_NO_FIELD	((size_t)-1)

/*
 * One row of the key table.  The fields at field, aux and line_at are in
 * struct gw_config for the sections "gateway" and "tls", in struct
 * gw_config_route for "route"; the C type at field follows the key's type:
 *   STRING, PATH, LOG, HOSTPORT	char * (NULL when unset)
 *   BOOL				bool
 *   UINT, MODE, DURATION		unsigned (DURATION in milliseconds)
 *   LEVEL, LOG_FORMAT, FACILITY	the enum (the size of an unsigned)
 *   SERVER_SPEC, CLIENT_SPEC		struct gw_spec *; aux: char * text
 *   CIDR_LIST				struct gw_config_cidr *; aux: size_t count
 */
struct gw_config_key {
	const char		*section;	/* "gateway", "tls" or "route" */
	const char		*name;
	enum gw_config_type	 type;
	unsigned long		 min;		/* GW_CONFIG_UINT / DURATION (ms) */
	unsigned long		 max;
	const char		*def;		/* default as written in the file; NULL: none */
	bool			 required;
	const char		*help;		/* one line */
	size_t			 field;		/* offsetof the value */
	size_t			 aux;		/* spec text, CIDR count; or
						   GW_CONFIG_NO_FIELD */
	size_t			 line_at;	/* offsetof an int receiving the
						   key's line (0: not given), or
						   GW_CONFIG_NO_FIELD */
	const struct gw_config_word *words;	/* enumerated types; else NULL */
	size_t			 nwords;
	bool			 needs_restart;	/* a reload keeps the old value
						   (dbgbridge(8) "SIGHUP") */
};

/*
 * The key table: *n receives the number of rows.  Static storage.
 */
const struct gw_config_key *gw_config_keys(size_t *n);

/*
 * Whether key k ([gateway] or [tls]) has the same value in a and b: strings
 * compared byte for byte (both NULL is the same), networks as lists, numbers
 * as numbers.  gateway.c's reload uses it for the keys marked needs_restart.
 * A [route] key is never the same (routes are compared by route.c).
 */
bool	 gw_config_same(const struct gw_config_key *k,
	    const struct gw_config *a, const struct gw_config *b);

/*
 * Load and check an INI file.
 *
 * path:  the file (read with inih's ini_parse).
 * out:    on success a new config owned by the caller (gw_config_free).
 * errors: NULL, or a list (errors.h) that on failure receives every error
 *         found, in file order, each at FILE:LINE and reading "SECTION.KEY:
 *         what is wrong" (dbgbridge.ini(5) "ERRORS"; at FILE alone, line 0,
 *         for what has no line, such as a missing route; at no place for a
 *         file that cannot be read; only the out-of-memory mark when memory
 *         ran out), so that the lines read, e.g.
 *          /etc/d.ini:3: gateway.log_level: must be one of error, warn, info,
 *            debug, got 'loud'
 *          /etc/d.ini:9: route lab.connect: tcp: 'port' must be 1-65535, got
 *            '70000'
 *          /etc/d.ini:12: syntax error (lines are limited to 200 bytes;
 *            continue a long value on an indented line)
 * Unknown sections and keys, duplicate keys and routes, a missing serve or
 * connect, and a file with no route are errors.  A value continued on indented
 * lines (inih multi-line) is joined without separator.  Cross-checks: serve
 * must be server side and connect client side (a spec valid only for the
 * other side says so); client_ca only with an ssl or spipe serve; bind only on
 * a tcp or ssl serve without clicon=; standby only with a clicon= serve; two
 * routes may not listen on overlapping tcp ports on overlapping addresses (no
 * bind, 0.0.0.0 and :: overlap every address; a connect with clicon= listens
 * too), nor serve the same pipe name (case-insensitively); gateway.metrics
 * on an address that is not loopback (127.0.0.0/8, ::1, localhost) needs
 * gateway.metrics_allow, and metrics_allow needs metrics; syslog_facility
 * needs log = syslog (it would have no effect).
 * Returns 0 or -1.
 */
int	 gw_config_load(const char *path, struct gw_config **out,
	    struct gw_errors *errors);

/*
 * gw_config_load for a check that reports every error in one pass
 * (`dbgbridge -n` and the start, dbgbridge(8)): the same, except that on
 * failure *out may still receive a config (owned by the caller) holding the
 * routes whose serve and connect specs are valid, and the [gateway] and [tls]
 * values that are, so that the certificates and users they name can be
 * checked too.  *out is NULL when nothing could be read.
 */
int	 gw_config_load_all(const char *path, struct gw_config **out,
	    struct gw_errors *errors);

/*
 * Where a configuration line is, as errors name it: "FILE:LINE: ", "FILE: "
 * when line is 0, "" for a configuration from the command line (no file).
 * Written NUL-terminated into buf of size bytes; returns buf.
 */
char	*gw_config_where(const struct gw_config *config, int line, char *buf,
	    size_t size);

/*
 * One route from the command line (dbengprx -s SPEC -c SPEC [-p]), named
 * "cli", with every other key at its default.  Same errors as gw_config_load,
 * reported against "route cli.serve" / "route cli.connect".
 */
int	 gw_config_from_args(const char *serve, const char *connect,
	    bool persist, struct gw_config **out, struct gw_errors *errors);

/* Free a config (NULL is a no-op). */
void	 gw_config_free(struct gw_config *config);

/*
 * Parse a duration: "0", or digits followed by ms, s, m or h.  *ms receives
 * milliseconds.  Returns 0, or -1 with a malloc'd *cause
 * ("'10' needs a unit: ms, s, m or h").
 */
int	 gw_config_parse_duration(const char *text, unsigned *ms, char **cause);

/*
 * True when the address (family AF_INET/AF_INET6, bytes in network order)
 * falls in one of the networks (dbgbridge.ini(5) "networks").  An IPv4
 * address, or an IPv4-mapped IPv6 one (::ffff:a.b.c.d, how a dual-stack
 * listener sees an IPv4 peer), is an IPv4 peer: it matches IPv4 networks and
 * IPv6 networks inside ::ffff:0:0/96 only, so ::/0 holds IPv6 peers alone.
 * An empty list (n == 0) matches everything.
 */
bool	 gw_config_cidr_match(const struct gw_config_cidr *list, size_t n,
	    int family, const void *addr);

#endif /* GW_CONFIG_H */
