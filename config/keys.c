/*
 * keys.c: the one table of configuration keys (doc/design.md "Interfaces").
 *
 * The loader (config/), `dbgbridge -n`, reload's restart check (gateway.c)
 * and the man page's test (tests/unit/test_docs.c) all read this table: a
 * key, its type, range, default, help text, words, the field it fills and
 * whether a reload may change it are written here and nowhere else.  Defaults are written as they would appear in the file and go through
 * the same value parser as the file's values.
 */

#ifdef HAVE_CONFIG_H
/* <config.h>: from config/, "config.h" would find this module's header. */
#include <config.h>
#endif

#include <limits.h>
#include <stddef.h>

#include "config/config.h"

#ifndef GW_SYSCONFDIR
#define GW_SYSCONFDIR "/etc"
#endif

/* Field offsets: [gateway] and [tls] into struct gw_config, [route NAME] into
 * struct gw_config_route (config.h). */
#define GW(f)		offsetof(struct gw_config, f)
#define RT(f)		offsetof(struct gw_config_route, f)
#define NO		GW_CONFIG_NO_FIELD
#define WORDS(w)	(w), sizeof (w) / sizeof (w)[0]
#define NOWORDS		NULL, 0
/* needs_restart: a reload keeps the old value (dbgbridge(8) "SIGHUP"). */
#define RESTART		true
#define RELOAD		false

/* The enumerated types' words (dbgbridge.ini(5) "Value types"). */
static const struct gw_config_word gw_config_bool_words[] = {
	{ "yes", 1 }, { "no", 0 }, { "true", 1 }, { "false", 0 },
	{ "on", 1 }, { "off", 0 }, { "1", 1 }, { "0", 0 },
};

/* Most severe first (doc/design.md "Interfaces"). */
static const struct gw_config_word gw_config_level_words[] = {
	{ "error", GW_LOG_ERROR }, { "warn", GW_LOG_WARN },
	{ "info", GW_LOG_INFO }, { "debug", GW_LOG_DEBUG },
};

/*
 * gw_config.log holds the word itself, or the absolute path of a log file
 * (values.c; gateway/logfile.h).
 */
static const struct gw_config_word gw_config_log_words[] = {
	{ "stderr", 0 }, { "syslog", 1 }, { "eventlog", 2 },
};

static const struct gw_config_word gw_config_log_format_words[] = {
	{ "text", GW_LOG_TEXT }, { "json", GW_LOG_JSON },
};

/* RFC 5424 section 6.2.1; log.c maps them to syslog(3)'s LOG_*. */
static const struct gw_config_word gw_config_facility_words[] = {
	{ "daemon", GW_LOG_FACILITY_DAEMON }, { "user", GW_LOG_FACILITY_USER },
	{ "local0", GW_LOG_FACILITY_LOCAL0 }, { "local1", GW_LOG_FACILITY_LOCAL1 },
	{ "local2", GW_LOG_FACILITY_LOCAL2 }, { "local3", GW_LOG_FACILITY_LOCAL3 },
	{ "local4", GW_LOG_FACILITY_LOCAL4 }, { "local5", GW_LOG_FACILITY_LOCAL5 },
	{ "local6", GW_LOG_FACILITY_LOCAL6 }, { "local7", GW_LOG_FACILITY_LOCAL7 },
};

/* The enums are stored through an unsigned (build.c). */
_Static_assert(sizeof (enum gw_log_level) == sizeof (unsigned),
    "enum gw_log_level is stored as an unsigned");
_Static_assert(sizeof (enum gw_log_format) == sizeof (unsigned),
    "enum gw_log_format is stored as an unsigned");
_Static_assert(sizeof (enum gw_log_facility) == sizeof (unsigned),
    "enum gw_log_facility is stored as an unsigned");

/*
 * [tls] user_store's default: "$XDG_CONFIG_HOME" is expanded at load time, or
 * replaced by "$HOME/.config" when XDG_CONFIG_HOME is not set (values.c).
 */
static const struct gw_config_key gw_config_key_table[] = {
	/* [gateway] */
	{ "gateway", "control", GW_CONFIG_PATH, 0, 0, NULL, false,
	  "control socket for dbgbridge ctl",
	  GW(control), NO, NO, NOWORDS, RESTART },
	{ "gateway", "log_level", GW_CONFIG_LEVEL, 0, 0, "info", false,
	  "least severe level logged: error, warn, info or debug",
	  GW(log_level), NO, NO, WORDS(gw_config_level_words), RELOAD },
	{ "gateway", "log", GW_CONFIG_LOG, 0, 0, "stderr", false,
	  "where log lines go: stderr, syslog, eventlog (the Windows Event "
	  "Log) or the absolute path of a file, rotated by size",
	  GW(log), NO, NO, WORDS(gw_config_log_words), RELOAD },
	{ "gateway", "log_max_size", GW_CONFIG_UINT, 0, UINT_MAX, "10485760",
	  false, "with log = FILE: bytes before FILE is renamed FILE.1 and a "
	  "new one begun; 0 = never (an error without a log file)",
	  GW(log_max_size), NO, NO, NOWORDS, RELOAD },
	{ "gateway", "log_keep", GW_CONFIG_UINT, 0, 1000, "5", false,
	  "with log = FILE: rotated files kept, FILE.1 (newest) to FILE.N; "
	  "0 = none (an error without a log file)",
	  GW(log_keep), NO, NO, NOWORDS, RELOAD },
	{ "gateway", "log_format", GW_CONFIG_LOG_FORMAT, 0, 0, "text", false,
	  "text (\"TIMESTAMP LEVEL message\" lines) or json (one object per "
	  "line: ts, level, msg; session lines add their fields)",
	  GW(log_format), NO, NO, WORDS(gw_config_log_format_words), RELOAD },
	{ "gateway", "syslog_facility", GW_CONFIG_FACILITY, 0, 0, "daemon",
	  false, "facility of log = syslog: daemon, user or local0 to local7 "
	  "(an error without log = syslog)",
	  GW(syslog_facility), NO, NO, WORDS(gw_config_facility_words), RELOAD },
	{ "gateway", "metrics", GW_CONFIG_HOSTPORT, 0, 0, NULL, false,
	  "HOST:PORT serving Prometheus text at /metrics and sessions as JSON "
	  "at /sessions",
	  GW(metrics), NO, NO, NOWORDS, RESTART },
	{ "gateway", "metrics_allow", GW_CONFIG_CIDR_LIST, 0, 0, NULL, false,
	  "networks (CIDR or address, comma-separated) that may read metrics; "
	  "needed for a metrics address that is not loopback",
	  GW(metrics_allow), GW(nmetrics_allow), NO, NOWORDS, RESTART },
	{ "gateway", "metrics_max_connections", GW_CONFIG_UINT, 1, 1024, "16",
	  false, "metrics connections open at once; more are closed at "
	  "accept",
	  GW(metrics_max_connections), NO, NO, NOWORDS, RELOAD },
	{ "gateway", "metrics_timeout", GW_CONFIG_DURATION, 100, 3600000,
	  "10s", false, "how long a metrics connection may last from accept, "
	  "whatever its peer sends",
	  GW(metrics_timeout_ms), NO, NO, NOWORDS, RELOAD },
	{ "gateway", "pipe_dir", GW_CONFIG_PATH, 0, 0, NULL, false,
	  "directory where npipe and spipe names live",
	  GW(pipe_dir), NO, NO, NOWORDS, RESTART },
	{ "gateway", "user", GW_CONFIG_STRING, 0, 0, NULL, false,
	  "user to run as after binding",
	  GW(user), NO, GW(user_line), NOWORDS, RESTART },
	{ "gateway", "max_sessions", GW_CONFIG_UINT, 0, 1000000, "0", false,
	  "sessions open at once over every route; 0 = no limit",
	  GW(max_sessions), NO, NO, NOWORDS, RELOAD },
	{ "gateway", "stop_timeout", GW_CONFIG_DURATION, 0, UINT_MAX, "60s",
	  false, "after SIGTERM or SIGINT, how long open sessions may run to "
	  "their own end before the rest are reset; 0 = reset them at once",
	  GW(stop_timeout_ms), NO, NO, NOWORDS, RELOAD },

	/* [tls] */
	{ "tls", "user_store", GW_CONFIG_PATH, 0, 0,
	  "$XDG_CONFIG_HOME/dbgbridge/certs", false,
	  "directory where certuser= names are looked up",
	  GW(user_store), NO, NO, NOWORDS, RELOAD },
	{ "tls", "machine_store", GW_CONFIG_PATH, 0, 0,
	  GW_SYSCONFDIR "/dbgbridge/certs", false,
	  "directory where machuser= names are looked up",
	  GW(machine_store), NO, NO, NOWORDS, RELOAD },
	{ "tls", "ca", GW_CONFIG_PATH, 0, 0, NULL, false,
	  "CA file: verify peers' chains and host names instead of pinning",
	  GW(ca), NO, NO, NOWORDS, RELOAD },

	/* [route NAME] */
	{ "route", "serve", GW_CONFIG_SERVER_SPEC, 0, 0, NULL, true,
	  "server-side spec: where smart clients connect",
	  RT(serve), RT(serve_text), RT(serve_line), NOWORDS, RELOAD },
	{ "route", "connect", GW_CONFIG_CLIENT_SPEC, 0, 0, NULL, true,
	  "client-side spec: how to reach the process server",
	  RT(connect), RT(connect_text), RT(connect_line), NOWORDS, RELOAD },
	{ "route", "bind", GW_CONFIG_STRING, 0, 0, NULL, false,
	  "address serve listens on (default: every address)",
	  RT(bind), NO, NO, NOWORDS, RELOAD },
	{ "route", "max_sessions", GW_CONFIG_UINT, 0, 1000000, "0", false,
	  "sessions open at once; 0 = no limit",
	  RT(max_sessions), NO, NO, NOWORDS, RELOAD },
	{ "route", "connect_timeout", GW_CONFIG_DURATION, 1, UINT_MAX, "10s",
	  false, "how long to wait to reach the process server",
	  RT(connect_timeout_ms), NO, NO, NOWORDS, RELOAD },
	{ "route", "handshake_timeout", GW_CONFIG_DURATION, 1, UINT_MAX, "10s",
	  false, "TLS handshake limit, counted from accept",
	  RT(handshake_timeout_ms), NO, NO, NOWORDS, RELOAD },
	{ "route", "idle_timeout", GW_CONFIG_DURATION, 0, UINT_MAX, "0", false,
	  "close a session silent this long; 0 = never",
	  RT(idle_timeout_ms), NO, NO, NOWORDS, RELOAD },
	{ "route", "drain_timeout", GW_CONFIG_DURATION, 1, UINT_MAX, "30s",
	  false, "how long to flush the other side once one side closes",
	  RT(drain_timeout_ms), NO, NO, NOWORDS, RELOAD },
	{ "route", "allow", GW_CONFIG_CIDR_LIST, 0, 0, NULL, false,
	  "networks (CIDR or address, comma-separated) that may connect to "
	  "serve; default: everyone",
	  RT(allow), RT(nallow), NO, NOWORDS, RELOAD },
	{ "route", "client_ca", GW_CONFIG_PATH, 0, 0, NULL, false,
	  "ssl/spipe serve: require client certificates issued by this CA",
	  RT(client_ca), NO, NO, NOWORDS, RELOAD },
	{ "route", "persist", GW_CONFIG_BOOL, 0, 0, "yes", false,
	  "keep serving after the process server ends (dbengprx -p)",
	  RT(persist), NO, NO, WORDS(gw_config_bool_words), RELOAD },
	{ "route", "standby", GW_CONFIG_UINT, 1, 64, "1", false,
	  "serve with clicon=: links dialled ahead",
	  RT(standby), NO, NO, NOWORDS, RELOAD },
	{ "route", "pipe_mode", GW_CONFIG_MODE, 0, 0777, "0600", false,
	  "npipe/spipe serve: file mode of the socket (octal)",
	  RT(pipe_mode), NO, NO, NOWORDS, RELOAD },
	{ "route", "pipe_group", GW_CONFIG_STRING, 0, 0, NULL, false,
	  "npipe/spipe serve: group that owns the socket (with pipe_mode "
	  "0660, lets its members connect)",
	  RT(pipe_group), NO, NO, NOWORDS, RELOAD },
};

const struct gw_config_key *
gw_config_keys(size_t *n)
{
	*n = sizeof gw_config_key_table / sizeof gw_config_key_table[0];
	return (gw_config_key_table);
}
