/*
 * keys.c: the one table of configuration keys (doc/design.md "Interfaces").
 *
 * The loader (config.c), `dbgbridge -n` and the man page all read this table:
 * a key, its type, range, default or help text is written here and nowhere
 * else.  Defaults are written as they would appear in the file and go through
 * the same value parser as the file's values.
 */

#ifdef HAVE_CONFIG_H
/* <config.h>: from config/, "config.h" would find this module's header. */
#include <config.h>
#endif

#include <limits.h>

#include "config/config.h"

#ifndef GW_SYSCONFDIR
#define GW_SYSCONFDIR "/etc"
#endif

/*
 * [tls] user_store's default: "$XDG_CONFIG_HOME" is expanded at load time, or
 * replaced by "$HOME/.config" when XDG_CONFIG_HOME is not set (config.c).
 */
static const struct gw_config_key gw_config_key_table[] = {
	/* [gateway] */
	{ "gateway", "control", GW_CONFIG_PATH, 0, 0, NULL, false,
	  "control socket for dbgbridge ctl" },
	{ "gateway", "log_level", GW_CONFIG_LEVEL, 0, 0, "info", false,
	  "least severe level logged: error, warn, info or debug" },
	{ "gateway", "log", GW_CONFIG_LOG, 0, 0, "stderr", false,
	  "where log lines go: stderr or syslog" },
	{ "gateway", "log_format", GW_CONFIG_LOG_FORMAT, 0, 0, "text", false,
	  "text (\"TIMESTAMP LEVEL message\" lines) or json (one object per "
	  "line: ts, level, msg; session lines add their fields)" },
	{ "gateway", "syslog_facility", GW_CONFIG_FACILITY, 0, 0, "daemon",
	  false, "facility of log = syslog: daemon, user or local0 to local7 "
	  "(an error without log = syslog)" },
	{ "gateway", "metrics", GW_CONFIG_HOSTPORT, 0, 0, NULL, false,
	  "HOST:PORT serving Prometheus text at /metrics and sessions as JSON "
	  "at /sessions" },
	{ "gateway", "metrics_allow", GW_CONFIG_CIDR_LIST, 0, 0, NULL, false,
	  "networks (CIDR or address, comma-separated) that may read metrics; "
	  "needed for a metrics address that is not loopback" },
	{ "gateway", "metrics_max_connections", GW_CONFIG_UINT, 1, 1024, "16",
	  false, "metrics connections open at once; more are closed at "
	  "accept" },
	{ "gateway", "metrics_timeout", GW_CONFIG_DURATION, 100, 3600000,
	  "10s", false, "how long a metrics connection may last from accept, "
	  "whatever its peer sends" },
	{ "gateway", "pipe_dir", GW_CONFIG_PATH, 0, 0, NULL, false,
	  "directory where npipe and spipe names live" },
	{ "gateway", "user", GW_CONFIG_STRING, 0, 0, NULL, false,
	  "user to run as after binding" },
	{ "gateway", "max_sessions", GW_CONFIG_UINT, 0, 1000000, "0", false,
	  "sessions open at once over every route; 0 = no limit" },
	{ "gateway", "stop_timeout", GW_CONFIG_DURATION, 0, UINT_MAX, "60s",
	  false, "after SIGTERM or SIGINT, how long open sessions may run to "
	  "their own end before the rest are reset; 0 = reset them at once" },

	/* [tls] */
	{ "tls", "user_store", GW_CONFIG_PATH, 0, 0,
	  "$XDG_CONFIG_HOME/dbgbridge/certs", false,
	  "directory where certuser= names are looked up" },
	{ "tls", "machine_store", GW_CONFIG_PATH, 0, 0,
	  GW_SYSCONFDIR "/dbgbridge/certs", false,
	  "directory where machuser= names are looked up" },
	{ "tls", "ca", GW_CONFIG_PATH, 0, 0, NULL, false,
	  "CA file: verify peers' chains and host names instead of pinning" },

	/* [route NAME] */
	{ "route", "serve", GW_CONFIG_SERVER_SPEC, 0, 0, NULL, true,
	  "server-side spec: where smart clients connect" },
	{ "route", "connect", GW_CONFIG_CLIENT_SPEC, 0, 0, NULL, true,
	  "client-side spec: how to reach the process server" },
	{ "route", "bind", GW_CONFIG_STRING, 0, 0, NULL, false,
	  "address serve listens on (default: every address)" },
	{ "route", "max_sessions", GW_CONFIG_UINT, 0, 1000000, "0", false,
	  "sessions open at once; 0 = no limit" },
	{ "route", "connect_timeout", GW_CONFIG_DURATION, 1, UINT_MAX, "10s",
	  false, "how long to wait to reach the process server" },
	{ "route", "handshake_timeout", GW_CONFIG_DURATION, 1, UINT_MAX, "10s",
	  false, "TLS handshake limit, counted from accept" },
	{ "route", "idle_timeout", GW_CONFIG_DURATION, 0, UINT_MAX, "0", false,
	  "close a session silent this long; 0 = never" },
	{ "route", "drain_timeout", GW_CONFIG_DURATION, 1, UINT_MAX, "30s",
	  false, "how long to flush the other side once one side closes" },
	{ "route", "allow", GW_CONFIG_CIDR_LIST, 0, 0, NULL, false,
	  "networks (CIDR or address, comma-separated) that may connect to "
	  "serve; default: everyone" },
	{ "route", "client_ca", GW_CONFIG_PATH, 0, 0, NULL, false,
	  "ssl/spipe serve: require client certificates issued by this CA" },
	{ "route", "persist", GW_CONFIG_BOOL, 0, 0, "yes", false,
	  "keep serving after the process server ends (dbengprx -p)" },
	{ "route", "standby", GW_CONFIG_UINT, 1, 64, "1", false,
	  "serve with clicon=: links dialled ahead" },
	{ "route", "pipe_mode", GW_CONFIG_MODE, 0, 0777, "0600", false,
	  "npipe/spipe serve: file mode of the socket (octal)" },
	{ "route", "pipe_group", GW_CONFIG_STRING, 0, 0, NULL, false,
	  "npipe/spipe serve: group that owns the socket (with pipe_mode "
	  "0660, lets its members connect)" },
};

const struct gw_config_key *
gw_config_keys(size_t *n)
{
	*n = sizeof gw_config_key_table / sizeof gw_config_key_table[0];
	return (gw_config_key_table);
}
