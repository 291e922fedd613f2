/*
 * relay.h: the byte stream between the two links of a session (doc/design.md
 * "The byte stream"): bytes forwarded unchanged and in order, both ways, with
 * backpressure and half-close.
 *
 * Backpressure (libevent's le-proxy sample): when the bytes waiting on one
 * link's output reach GW_RELAY_HIGH_WATERMARK, reading from the other link
 * stops until that output drains to GW_RELAY_LOW_WATERMARK, so a slow reader
 * never makes memory grow.  Half-close: the other side's EOF is passed on
 * (shutdown SHUT_WR, or TLS close_notify) only after every byte before it was
 * written; the session ends when both directions are done, or at the
 * drain_timeout deadline, counted from the first end of either direction
 * (dbgbridge.ini(5) drain_timeout).
 *
 * A cut stream never looks complete (dbgbridge(8) "LOGGING"): when a link
 * fails (a reset, a socket or TLS error), the session's reason is "client
 * reset" / "server reset" (ECONNRESET, EPIPE, ECONNABORTED) or "client
 * error: ..." / "server error: ...", nothing more is read from the other
 * link, and once the bytes the failed link sent before it failed have been
 * handed to the other link's socket and sent by its kernel, the other link
 * is reset (SO_LINGER 0, no FIN, no close_notify).
 *
 * Splice mode (Linux, splice(2); the relay accelerator of relay_accel.h,
 * relay-linux.c): a session between two TCP sockets that turns out to carry
 * bulk (256 KiB from one side) moves its bytes through a pipe per direction
 * inside the kernel; the pipe's capacity (256 KiB asked) is then the
 * watermark.  Same order, same half-close.
 */
#ifndef GW_RELAY_H
#define GW_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include <event2/util.h>

#include "gateway/outcome.h"

struct gw_link;
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
 * Wind a session down without losing bytes (doc/design.md "Semantics",
 * DisconnectProcessServer, `ctl disconnect`, a route's end): as if the client
 * had closed, the server gets what was read from the client and then EOF; what
 * it still sends reaches the client, which then gets EOF.  Sets DRAINING: the
 * drain_timeout deadline bounds the wait.  A session not yet relaying closes at
 * once.  why: the session's reason, unless one is recorded already
 * (GW_CLOSE_OPERATOR, GW_CLOSE_ROUTE_ENDED, ...).
 */
void	 gw_relay_drain(struct gw_session *s, enum gw_close why);

/*
 * Bytes owed to link dst: read from the other link and not yet written to
 * dst (its output buffer, and in splice mode the other link's pipe).
 */
size_t	 gw_relay_owed(struct gw_link *dst);

/*
 * Bytes the kernel holds for link l's peer and has not yet sent (SIOCOUTQNSD,
 * tcp(7), through the relay accelerator's unsent slot): a reset throws them
 * away.  0 where the socket cannot say (not TCP, no accelerator).  For a TLS link they are bytes of TLS records.
 */
size_t	 gw_relay_unsent(const struct gw_link *l);

/*
 * Bytes link l's peer has been sent (bytes): what was handed to its socket
 * (or to TLS), less what its kernel still holds unsent (gw_relay_unsent, plain
 * links).  The figure of the session line, and of an open session in the
 * counters, so that a reset, which throws the unsent bytes away, never makes
 * a counter go down (dbgbridge(8) "STATISTICS").  Never decreases.
 */
uint64_t gw_relay_delivered(const struct gw_link *l);

/*
 * The session's flush timer (session.c makes it with this callback, arg the
 * session): after a link failed, poll until the other link's bytes are sent.
 */
void	 gw_relay_flush_timeout(evutil_socket_t fd, short what, void *arg);

/*
 * Release what splice mode holds (two pipes, four events); the session is
 * closing.  Bytes still in a pipe are lost: gw_session_close has already
 * reset the link they were owed to (gw_relay_owed).  Idempotent; nothing to
 * do for a session that never spliced.
 */
void	 gw_relay_stop(struct gw_session *s);

#endif /* GW_RELAY_H */
