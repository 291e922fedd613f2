/*
 * outcome.h: why a session ended, as a type.
 *
 * Every session ends with one reason (doc/design.md "Sessions", the table of
 * reasons; doc/dbgbridge.8 "LOGGING"): a value of enum gw_close, plus an
 * optional detail ("handshake failed: bad certificate", "server unreachable:
 * No route to host").  Each value has one stable name, the text the session
 * log line and the metrics' reason label have always used; the metrics count
 * closed sessions by the value itself (gateway/metrics.c), never by parsing
 * text.
 */
#ifndef GW_OUTCOME_H
#define GW_OUTCOME_H

#include <stdbool.h>

/*
 * The reasons, in the order /metrics shows their series.  A new reason goes
 * before GW_CLOSE_OTHER, with its name and dial flag in outcome.c's table.
 */
enum gw_close {
	GW_CLOSE_CLIENT_CLOSED,		/* "client closed": it ended its stream */
	GW_CLOSE_SERVER_CLOSED,		/* "server closed" */
	GW_CLOSE_CLIENT_ERROR,		/* "client error: ...": its link failed */
	GW_CLOSE_SERVER_ERROR,		/* "server error: ..." */
	GW_CLOSE_CLIENT_RESET,		/* "client reset": it reset the link */
	GW_CLOSE_SERVER_RESET,		/* "server reset" */
	GW_CLOSE_CLIENT_HUNG_UP,	/* "client device hung up": serial EOF */
	GW_CLOSE_SERVER_HUNG_UP,	/* "server device hung up" */
	GW_CLOSE_CLIENT_LINK,		/* "client link: ...": no bufferevent */
	GW_CLOSE_SERVER_LINK,		/* "server link: ..." */
	GW_CLOSE_HANDSHAKE_FAILED,	/* "handshake failed: ...": TLS */
	GW_CLOSE_HANDSHAKE_TIMEOUT,	/* "handshake timeout" */
	GW_CLOSE_CONNECT_TIMEOUT,	/* "connect timeout" */
	GW_CLOSE_SERVER_REFUSED,	/* "server refused" */
	GW_CLOSE_SERVER_UNREACHABLE,	/* "server unreachable: ..." */
	GW_CLOSE_SERIAL_BUSY,		/* "serial port busy" */
	GW_CLOSE_IDLE_TIMEOUT,		/* "idle timeout" */
	GW_CLOSE_DRAIN_TIMEOUT,		/* "drain timeout" */
	GW_CLOSE_ACCESS_DENIED,		/* "access denied": allow list */
	GW_CLOSE_SESSION_LIMIT,		/* "session limit": max_sessions */
	GW_CLOSE_DESCRIPTOR_LIMIT,	/* "descriptor limit: ...": RLIMIT_NOFILE */
	GW_CLOSE_OPERATOR,		/* "disconnected by operator" */
	GW_CLOSE_ROUTE_ENDED,		/* "route ended": SIGTERM, SIGINT */
	GW_CLOSE_ROUTE_ENDED_OPERATOR,	/* "route ended by operator": ctl end */
	GW_CLOSE_SERVER_ENDED,		/* "process server ended": no persist */
	GW_CLOSE_STOPPED,		/* "stopped: deadline", "stopped: signal" */
	GW_CLOSE_CLOSED,		/* "closed": both ends done, no cause */
	GW_CLOSE_OTHER,			/* "other": never given by the daemon; its
					   metrics series stays for dashboards */
};
#define GW_CLOSE_NREASONS	((int)GW_CLOSE_OTHER + 1)

/*
 * The stable name of a reason ("client closed", "descriptor limit"): what the
 * log line's reason= starts with and the metrics' reason label value.  A
 * value out of range is "other".  Static storage.
 */
const char	*gw_close_name(enum gw_close why);

/*
 * True when the reason says the process server could not be reached
 * (refused, unreachable, connect timeout, serial port busy, a TLS handshake
 * failed): a session that ends with it while CONNECTING counts as a dial
 * failure (dbgbridge_dial_failures_total, gateway/metrics.h).
 */
bool		 gw_close_dial(enum gw_close why);

/*
 * The reason for a connect that failed with err (gw_connect_cb's errno
 * value, transports/transport.h): EBUSY is "serial port busy", ECONNREFUSED
 * "server refused", anything else "server unreachable" (whose detail is the
 * transport's message).
 */
enum gw_close	 gw_close_connect(int err);

/*
 * The reason as the log line spells it: "NAME", or "NAME: DETAIL" when
 * detail is not NULL.  Returns a malloc'd string, or NULL when
 * out of memory.
 */
char		*gw_close_text(enum gw_close why, const char *detail);

#endif /* GW_OUTCOME_H */
