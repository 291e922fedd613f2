/*
 * relay.h: the byte stream between the two links of a session (design.md "The
 * byte stream"): bytes forwarded unchanged and in order, both ways, with
 * backpressure and half-close.
 *
 * Backpressure (libevent's le-proxy sample): when the bytes waiting on one
 * link's output reach GW_RELAY_HIGH_WATERMARK, reading from the other link
 * stops until that output drains to GW_RELAY_LOW_WATERMARK, so a slow reader
 * never makes memory grow.  Half-close: the other side's EOF is passed on
 * (shutdown SHUT_WR, or TLS close_notify) only after every byte before it was
 * written; the session ends when both directions are done, or when
 * drain_timeout passes after the first EOF.
 */
#ifndef GW_RELAY_H
#define GW_RELAY_H

#include <stddef.h>

struct gw_session;

/* Bytes waiting on one link's output at which the other link stops reading. */
#define GW_RELAY_HIGH_WATERMARK	((size_t)1024 * 1024)
/* Bytes waiting at which reading resumes. */
#define GW_RELAY_LOW_WATERMARK	((size_t)256 * 1024)

/*
 * Start relaying: both links are up (connected, handshakes done).  Bytes the
 * client sent while the session was connecting go first.  Sets RELAYING.
 */
void	 gw_relay_start(struct gw_session *s);

/*
 * Wind a session down without losing bytes (design.md DisconnectProcessServer,
 * `ctl disconnect`, a route's end): as if the client had closed, the server
 * gets what was read from the client and then EOF; what it still sends
 * reaches the client, which then gets EOF.  Sets DRAINING: drain_timeout
 * (a time without progress) bounds the wait.  A session not yet relaying
 * closes at once.
 */
void	 gw_relay_drain(struct gw_session *s, const char *reason);

#endif /* GW_RELAY_H */
