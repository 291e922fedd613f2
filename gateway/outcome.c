/*
 * outcome.c: the names of the close reasons.  See outcome.h.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/outcome.h"

#define OUTCOME_NITEMS(a) (sizeof (a) / sizeof (a)[0])

/* One row per reason, indexed by it. */
static const struct {
	const char	*name;
	bool		 dial;
} outcome_reasons[] = {
	[GW_CLOSE_CLIENT_CLOSED] =		{ "client closed", false },
	[GW_CLOSE_SERVER_CLOSED] =		{ "server closed", false },
	[GW_CLOSE_CLIENT_ERROR] =		{ "client error", false },
	[GW_CLOSE_SERVER_ERROR] =		{ "server error", false },
	[GW_CLOSE_CLIENT_RESET] =		{ "client reset", false },
	[GW_CLOSE_SERVER_RESET] =		{ "server reset", false },
	[GW_CLOSE_CLIENT_HUNG_UP] =		{ "client device hung up", false },
	[GW_CLOSE_SERVER_HUNG_UP] =		{ "server device hung up", false },
	[GW_CLOSE_CLIENT_LINK] =		{ "client link", false },
	[GW_CLOSE_SERVER_LINK] =		{ "server link", false },
	/* CONNECTING: the server's TLS; the client's fails in HANDSHAKE. */
	[GW_CLOSE_HANDSHAKE_FAILED] =		{ "handshake failed", true },
	[GW_CLOSE_HANDSHAKE_TIMEOUT] =		{ "handshake timeout", false },
	[GW_CLOSE_CONNECT_TIMEOUT] =		{ "connect timeout", true },
	[GW_CLOSE_SERVER_REFUSED] =		{ "server refused", true },
	[GW_CLOSE_SERVER_UNREACHABLE] =		{ "server unreachable", true },
	[GW_CLOSE_SERIAL_BUSY] =		{ "serial port busy", true },
	[GW_CLOSE_IDLE_TIMEOUT] =		{ "idle timeout", false },
	[GW_CLOSE_DRAIN_TIMEOUT] =		{ "drain timeout", false },
	[GW_CLOSE_ACCESS_DENIED] =		{ "access denied", false },
	[GW_CLOSE_SESSION_LIMIT] =		{ "session limit", false },
	[GW_CLOSE_DESCRIPTOR_LIMIT] =		{ "descriptor limit", false },
	[GW_CLOSE_OPERATOR] =			{ "disconnected by operator",
						  false },
	[GW_CLOSE_ROUTE_ENDED] =		{ "route ended", false },
	[GW_CLOSE_ROUTE_ENDED_OPERATOR] =	{ "route ended by operator",
						  false },
	[GW_CLOSE_SERVER_ENDED] =		{ "process server ended", false },
	[GW_CLOSE_STOPPED] =			{ "stopped", false },
	[GW_CLOSE_CLOSED] =			{ "closed", false },
	[GW_CLOSE_OTHER] =			{ "other", false },
};
_Static_assert(OUTCOME_NITEMS(outcome_reasons) == GW_CLOSE_NREASONS,
    "every enum gw_close value needs a row in outcome_reasons");

const char *
gw_close_name(enum gw_close why)
{
	if ((int)why < 0 || (int)why >= GW_CLOSE_NREASONS)
		why = GW_CLOSE_OTHER;
	return (outcome_reasons[why].name);
}

bool
gw_close_dial(enum gw_close why)
{
	if ((int)why < 0 || (int)why >= GW_CLOSE_NREASONS)
		return (false);
	return (outcome_reasons[why].dial);
}

enum gw_close
gw_close_connect(int err)
{
	switch (err) {
	case EBUSY:
		return (GW_CLOSE_SERIAL_BUSY);
	case ECONNREFUSED:
		return (GW_CLOSE_SERVER_REFUSED);
	default:
		return (GW_CLOSE_SERVER_UNREACHABLE);
	}
}

char *
gw_close_text(enum gw_close why, const char *detail)
{
	char	*text;

	if (detail == NULL)
		return (strdup(gw_close_name(why)));
	if (asprintf(&text, "%s: %s", gw_close_name(why), detail) == -1)
		return (NULL);
	return (text);
}
