/*
 * session.h: one smart-client link paired with one process-server link.
 *
 * States (doc/design.md "Semantics"): ACCEPTED -> HANDSHAKE (TLS only) ->
 * CONNECTING -> RELAYING -> DRAINING -> CLOSED.  One function sets the state,
 * one function closes, with one reason and one log line; the session is freed
 * from the event loop, never inside the callback that closed it (relayd's
 * relay_close, a session of two halves).
 */
#ifndef GW_SESSION_H
#define GW_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/time.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "gateway/outcome.h"

struct gw_conn;
struct gw_route;
struct gw_transport_attempt;
struct gw_session;

enum gw_session_state {
	GW_SESSION_ACCEPTED,
	GW_SESSION_HANDSHAKE,
	GW_SESSION_CONNECTING,
	GW_SESSION_RELAYING,
	GW_SESSION_DRAINING,
	GW_SESSION_CLOSED,
};

/* One endpoint of a session. */
struct gw_link {
	struct gw_session			*session;
	const struct gw_transport_ops		*ops;
	struct bufferevent			*bev;	/* NULL until made */
	const char				*side;	/* "client" / "server" */
	char					 peer[128];	/* ADDR:PORT, socket path, device */
	char					 tls_version[16];
	char					 tls_subject[256];	/* escaped */
	uint64_t				 bytes_read;	/* from this link */
	uint64_t				 bytes_written;	/* to this link's peer:
							   handed to the kernel
							   or to TLS */
	bool					 eof;	/* the peer sent its last byte */
	bool					 shut;	/* we half-closed our writing */
	bool					 dead;	/* failed: no more I/O */
	bool					 paused;	/* reading stopped: backpressure */
	int					 write_err;	/* a write to this link
							   failed (errno) */
	bool					 drop_pending;	/* TLS: its write failed;
							   what it still owes is
							   dropped from the loop */
	bool					 dropping;	/* relay.c drops its
							   output: not written */
	bool					 reading_rest;	/* TLS: its write failed;
							   reading what its peer
							   sent before (relay.c) */
	bool					 fail_pending;	/* TLS: its read failed;
							   handled from the loop */
	int					 fail_err;	/* its errno */
	char					*fail_why;	/* its description */
	/* splice mode (relay-linux.c): the session moves bytes in the kernel */
	int					 pipe[2];	/* read from here, owed to the other link */
	size_t					 piped;		/* bytes in pipe */
	size_t					 pipe_size;	/* its capacity */
	size_t					 rest_got;	/* failed: bytes of its
							   rest read (relay.c) */
	bool					 rest_more;	/* failed: its socket may
							   hold more than its
							   pipe took */
	struct event				*rd, *wr;	/* readiness of our socket */
};

struct gw_session {
	uint64_t			 id;
	struct gw_route			*route;
	enum gw_session_state		 state;
	struct gw_link			 client;
	struct gw_link			 server;
	bool				 spliced;	/* relay.c: splice mode */
	bool				 splice_off;	/* never splice (it failed) */
	bool				 fd_pending;	/* counted in gw->fd_pending */
	struct gw_transport_attempt	*connect;	/* connect_ops' */
	struct event			*timer;	/* the current state's timeout */
	struct event			*flush;	/* relay.c: waits for the kernel
						   to send what a link is owed
						   before its reset */
	unsigned			 flush_ms;	/* its current period */
	bool				 failed;	/* a link failed: the other
						   gets what it is owed, then
						   a reset (relay.c) */
	bool				 stop_closed;	/* closed by the stop
						   (gateway.c), not by itself */
	struct timeval			 started;
	struct timeval			 active;	/* last byte relayed */
	struct timeval			 since;	/* entered this state (monotonic) */
	bool				 ended;		/* why is recorded */
	enum gw_close			 why;		/* why it ended (first cause) */
	bool				 cut;		/* then a deadline cut it */
	enum gw_close			 then;		/* that deadline */
	char				*reason;	/* all that as the log line
							   spells it; NULL when out
							   of memory */
	TAILQ_ENTRY(gw_session)		 entry;
};

/*
 * Open a session for a connection accepted on the route's serve spec
 * (transports/transport.h struct gw_conn, not yet opened): the session
 * checks the allow list, the session limits and the descriptor limit, then
 * refuses it (gw_conn_close) or opens it (gw_conn_open; a link the transport
 * cannot make closes the session with "client link: ...") and owns its
 * bufferevent.  conn->peer: the client's address, pipe
 * name or device (copied).  conn->sa: its socket address for the allow list,
 * NULL where the transport has none (the allow list then does not apply).
 * Returns 0, or -1 when the session could not even be made (logged, the link
 * closed).  The session then runs by itself and removes itself from the
 * route when it ends.
 */
int	 gw_session_accept(struct gw_route *route, struct gw_conn *conn);

/*
 * What the session does while CONNECTING, to be followed by its server's name
 * (s->server.peer): the connect transport's verb ("dialling", "waiting for a
 * process server to dial in from", ...).  Static storage.
 */
const char *gw_session_connect_verb(const struct gw_session *s);

/* The state's name ("relaying"). */
const char *gw_session_state_name(enum gw_session_state state);

/*
 * Enter a state and arm its timeout: HANDSHAKE handshake_timeout (counted from
 * accept), CONNECTING connect_timeout, RELAYING idle_timeout (0: none),
 * DRAINING drain_timeout (ms, from the route): a deadline from the first end
 * of either direction, armed once, not extended by progress
 * (dbgbridge.ini(5) drain_timeout).
 */
void	 gw_session_set_state(struct gw_session *s, enum gw_session_state state);

/*
 * Keep the first reason given (a later one is ignored): why, and detail, the
 * text after its name, or NULL ("handshake failed: " and OpenSSL's reason;
 * gateway/outcome.h).  detail is copied.
 */
void	 gw_session_reason(struct gw_session *s, enum gw_close why,
	    const char *detail);

/*
 * The recorded reason as the log line spells it ("client closed", "handshake
 * failed: ...", "client closed, then drain timeout"), or NULL when none is
 * recorded yet.  Borrowed: valid until the session is freed or its reason
 * changes (gw_session_cut).
 */
const char *gw_session_reason_text(const struct gw_session *s);

/*
 * End the session now: record the reason (unless one is already recorded),
 * stop both links, write the one log line (doc/design.md "Sessions": id, route,
 * both peers, transports, TLS version and peer subject, bytes each way,
 * duration, reason; bytes_up / bytes_down are the bytes handed to each peer's
 * socket or TLS, dbgbridge(8) LOGGING), unlink it from its route, and free it
 * from the event loop.  A link whose stream was cut (relaying had begun and it
 * had not finished both ways: we half-closed it and it sent its end; or a
 * link of the session failed; or bytes were still owed to it) is reset
 * (SO_LINGER 0), never given FIN or close_notify, and what its kernel had
 * not sent is not counted as delivered (plain links); callers that must not
 * lose bytes drain first (gw_relay_drain).  why and detail: as
 * gw_session_reason.  Safe to call once; later calls are no-ops.
 */
void	 gw_session_close(struct gw_session *s, enum gw_close why,
	    const char *detail);

/*
 * End the session now at a deadline (drain_timeout, the stop deadline): as
 * gw_session_close, and when a reason is already recorded (the session was
 * ending) why becomes its "then" and the text "REASON, then WHY[: DETAIL]"
 * ("client closed, then drain timeout", "server reset, then stopped:
 * deadline"; doc/dbgbridge.8 "SIGNALS").  The metrics count the first
 * reason.  detail is copied.
 */
void	 gw_session_cut(struct gw_session *s, enum gw_close why,
	    const char *detail);

/*
 * Free every closed session waiting on the gateway (called from the gateway's
 * reap event, and at exit).  Never call from a session's own callback.
 */
struct gw_gateway;
void	 gw_session_reap(struct gw_gateway *gw);

#endif /* GW_SESSION_H */
