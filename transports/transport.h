/*
 * transport.h: the transport ops (an endpoint composed with a stream), the
 * connection the core gets, and the socket plumbing shared by the stream
 * transports.
 *
 * A transport builds and configures bufferevents (doc/design.md "Layout and
 * house style", "Adding a transport"); libevent does every byte of I/O.  Like
 * Redis' connection.h, each endpoint and stream is a small documented ops
 * struct behind inline wrappers; the core gets a struct gw_conn (a
 * bufferevent, the peer's name, the ops), never a descriptor, and never asks
 * which transport it holds.
 */
#ifndef GW_TRANSPORT_H
#define GW_TRANSPORT_H

#include <sys/types.h>
#include <sys/stat.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "osdep/compat.h"	/* uid_t */
#include "transports/spec.h"

struct gw_tls_ctx;

/*
 * What a serving transport needs to know beyond its spec.  Strings are
 * borrowed for the call.
 */
struct gw_listen_params {
	const struct gw_spec	*spec;		/* the route's serve spec */
	const char		*bind;		/* tcp/ssl: address, NULL: every one */
	const char		*pipe_dir;	/* npipe/spipe: where names live */
	const char		*pipe;		/* npipe/spipe: NAME as served
						   (pipe=, codes unexpanded) */
	unsigned		 pipe_mode;	/* npipe/spipe: socket file mode */
	const char		*pipe_group;	/* npipe/spipe: group, NULL: ours */
	uid_t			 pipe_uid;	/* npipe/spipe: an owner trusted
						   beside us and root (the user
						   [gateway] user names), 0: none */
	bool			 pipe_local;	/* npipe/spipe: local clients
						   only (Windows: the control
						   pipe; a Unix-domain socket
						   always is local) */
	struct evdns_base	*dns;		/* tcp/ssl with clicon=: resolver */
	const char		*name;		/* for log lines ("route NAME"), or NULL */
	unsigned		 standby;	/* tcp/ssl with clicon=: links dialled ahead */
};

/*
 * The endpoint's side of a new client link on a serving transport (inside
 * transports/ only: the core gets a struct gw_conn, gw_transport_listen).  fd:
 * nonblocking, owned by the callee from this call on.  peer: "ADDR:PORT", a
 * pipe name or a device path (borrowed).  sa: the peer's address for the allow
 * list, NULL when the transport has none (pipes, serial lines).
 */
typedef void gw_endpoint_accept_cb(evutil_socket_t fd, const char *peer,
	    const struct sockaddr *sa, void *arg);

/*
 * The endpoint's outcome of a connect (inside transports/ only: the core gets
 * a struct gw_conn, gw_transport_connect): fd >= 0 is a connected nonblocking
 * link now owned by the callback; fd == -1 is a failure with err (an errno
 * value: ECONNREFUSED when nothing serves there, EBUSY for a serial port in
 * use, 0 when the name did not resolve) and a short message why (valid during
 * the call only).
 */
typedef void gw_endpoint_connect_cb(evutil_socket_t fd, int err,
	    const char *why, void *arg);

struct gw_transport_ops;

/*
 * A connection, as the core gets it (Redis' connection.h): the link's
 * bufferevent, made by the transport however its platform needs (a socket, a
 * TLS filter over one, a serial line), the transport's ops and the peer's
 * name.  The struct and its strings are borrowed for the callback; bev is the
 * callee's from the call on (free it with bufferevent_free, which closes the
 * link).  When the transport could not make the bufferevent, bev is NULL, the
 * link is already closed and link_error says why (doc/dbgbridge.8 LOGGING:
 * "client link: ...", "server link: ...").  The fields after link_error are
 * the transport's own.
 */
struct gw_conn {
	struct bufferevent		*bev;
	const struct gw_transport_ops	*ops;
	const char			*peer;	/* "ADDR:PORT", a pipe, a device;
						   NULL: the name it was given */
	const struct sockaddr		*sa;	/* for the allow list, or NULL */
	char				*link_error;	/* bev NULL: why */

	evutil_socket_t			 link;	/* not yet opened, or -1 */
	void				*owner;	/* the listener that made it */
};

/*
 * A new client connection on a serving transport (gw_transport_listen).
 * conn: as struct gw_conn says, with conn->peer never NULL, and not yet
 * opened (conn->bev NULL): the callee first decides whether to take it, and
 * then opens it (gw_conn_open) or refuses it (gw_conn_close).  A connection
 * left neither way is closed when the callback returns.
 */
typedef void gw_accept_cb(struct gw_conn *conn, void *arg);

/*
 * Outcome of gw_transport_connect: conn non-NULL is a connected link (its
 * peer the address reached, or NULL for a pipe or a device, which keep the
 * name they were given: gw_transport_target); conn NULL is a failure with err
 * (an errno value, as gw_endpoint_connect_cb: ECONNREFUSED, EBUSY, 0 when the
 * name did not resolve; gateway/outcome.h gw_close_connect types it) and a
 * short message why (valid during the call only).
 */
typedef void gw_connect_cb(struct gw_conn *conn, int err, const char *why,
	    void *arg);

/*
 * Where a link comes from (doc/design.md "Adding a transport"): listening,
 * dialling, a clicon= dialler or pool, a local pipe, a serial line.  An
 * endpoint hands over descriptors (gw_endpoint_accept_cb,
 * gw_endpoint_connect_cb); what the bytes travel in is the stream's
 * (struct gw_stream_ops).  Optional slots may be NULL: the wrappers below
 * give their defaults.
 */
struct gw_endpoint_ops {
	/*
	 * What a session connecting by this endpoint does while CONNECTING,
	 * for the log and `ctl show`, followed by the server's name:
	 * "dialling" (tcp), "connecting to" (pipes), "opening" (com),
	 * "waiting for a process server to dial in from" (clicon=).  NULL:
	 * "connecting to".
	 */
	const char	*connect_verb;

	/*
	 * Why a smart client on another machine cannot reach what this
	 * endpoint serves here, in one sentence for `dbgbridge -n`, or NULL
	 * when it can.  Off Windows a pipe is a Unix-domain socket that only
	 * local programs reach (doc/dbgbridge.8 "-n").
	 */
	const char	*remote_note;

	/*
	 * True when splice(2) may move bytes between two plain links of this
	 * kind: TCP sockets.  Not Unix-domain sockets: on Linux 6.18 their
	 * splice read returned 0, which reads as EOF, with the peer still
	 * sending.
	 */
	bool		 splice;

	/*
	 * True when a connected link is named by its target (a pipe, a device:
	 * gw_transport_target), never by the address its socket reached: on
	 * Windows such a link is a loopback socket pair to a pump
	 * (doc/design.md "Windows handles"), whose address means nothing.
	 */
	bool		 named_by_target;

	/*
	 * True when a route serving by this endpoint carries one session at a
	 * time (a serial line, doc/design.md "com"): the core pauses the
	 * listener from an accept until that session ends.
	 */
	bool		 one_session;

	/*
	 * True when serving makes a socket in [gateway] pipe_dir, where a
	 * reload adds one and an exit removes it, so the user dbgbridge
	 * becomes must be able to write there (dbgbridge.ini(5) user): the
	 * pipe endpoint (doc/design.md "npipe off Windows").
	 */
	bool		 in_pipe_dir;

	/*
	 * The detail of a connect timeout while the attempt still waits
	 * (dbgbridge(8) LOGGING "connect timeout: ..."): "no process server
	 * has dialled in" for the clicon= pool.  NULL: none.
	 */
	const char	*connect_timeout_why;

	/*
	 * What joins the spec to listen's *where in the log line "route NAME
	 * serving SPEC ...": " on " before the address, path or device served,
	 * ", " for the clicon= dialler, which listens nowhere and whose *where
	 * says whom it dials ("dialling HOST:PORT (standby N)").  NULL: " on ".
	 */
	const char	*where_join;

	/*
	 * The server's name before a connect attempt, for the log line "open
	 * ... dialling TARGET" and for a session whose attempt fails
	 * (doc/design.md "Semantics"): "HOST:PORT" ("[V6]:PORT"), the clicon=
	 * host awaited, "PIPE_DIR/NAME", the port= given.  spec: the
	 * client-side wire spec; pipe_dir: where pipe names live.  buf: the
	 * caller's, size bytes, left as it is when the spec names none.  May be
	 * NULL: "-".
	 */
	void		 (*target)(const struct gw_spec *spec,
			    const char *pipe_dir, char *buf, size_t size);

	/*
	 * The name a connecting spec gives for SNI and checks the server's
	 * certificate against with [tls] ca (RFC 6125) when its server= does
	 * not say it itself: a pipe's "." (this machine, doc/transports.md
	 * §2.4; dbgbridge.ini(5) "[tls] ca") is this machine's host name, from
	 * gethostname(2), or "localhost" when it has none.  spec: the
	 * client-side wire spec.  buf: the caller's, size bytes.  Returns buf,
	 * or NULL when server= (or clicon=) is the name.  May be NULL: it
	 * always is.
	 */
	const char	*(*local_name)(const struct gw_spec *spec, char *buf,
			    size_t size);

	/*
	 * Check what the grammar cannot (doc/design.md "Interfaces", `dbgbridge
	 * -n`): a baud rate this platform supports, a device path's form, a
	 * pipe this platform can reach and whose name fits pipe_dir.  spec: the
	 * wire spec of one side of a route (serve: true for the serving side).
	 * Nothing is opened.  Returns 0, or -1 with a malloc'd *cause naming
	 * the key and value ("com: baud=12345 is not a rate this platform
	 * supports").  May be NULL: nothing more to check.
	 */
	int		 (*check)(const struct gw_spec *spec, bool serve,
			    const char *pipe_dir, char **cause);

	/*
	 * Start serving a server-side spec.  accept runs for every new client
	 * link.  *where receives a malloc'd description of what is served
	 * ("127.0.0.1:5005", "/run/dbgbridge/NAME", "/dev/ttyS0").  Returns
	 * an opaque listener, or NULL with a malloc'd *cause naming the
	 * address, path or device and the error.
	 */
	void		*(*listen)(struct event_base *base,
			    const struct gw_listen_params *params,
			    gw_endpoint_accept_cb *accept, void *arg,
			    char **where, char **cause);

	/*
	 * Stop accepting for a while (out of descriptors; a serial route busy
	 * with its one session) or accept again.  May be NULL: always on.
	 */
	void		 (*listen_pause)(void *listener, bool pause);

	/* Stop serving and free the listener (pipes: remove the name). */
	void		 (*listen_free)(void *listener);

	/*
	 * What the connect slot needs from the route's start on, before any
	 * session: a connect spec with clicon= listens on its port for the
	 * process server to dial in (doc/design.md "clicon= on connect"; dbgsrv
	 * dials once and gives up when refused).  spec: the route's connect
	 * spec (the inner one for kdsrv), borrowed for the call.  name: for log
	 * lines.  *where receives a malloc'd description of what it waits for,
	 * which ends the log line "route NAME waiting for ..." ("process
	 * servers from HOST on [::]:7000").  Returns an opaque handle, owned by the caller until
	 * connect_release, or NULL with a malloc'd *cause naming the address.
	 * May be NULL: nothing to prepare (connect then gets NULL).
	 */
	void		*(*connect_prepare)(struct event_base *base,
			    struct evdns_base *dns, const struct gw_spec *spec,
			    const char *name, char **where, char **cause);

	/*
	 * Free what connect_prepare made (links waiting in it are closed).
	 * Call only once every attempt made with it has finished or been
	 * cancelled.  NULL is a no-op.  May be NULL with connect_prepare.
	 */
	void		 (*connect_release)(void *prepared);

	/*
	 * Connect by a client-side spec (the inner spec for kdsrv).  The
	 * callback runs exactly once, never from inside this call, unless
	 * connect_cancel comes first.  pipe_dir: where pipe names live.
	 * prepared: the route's handle from connect_prepare (NULL when the
	 * endpoint has none).  Timeouts are the caller's.  Returns an opaque
	 * attempt, or NULL when out of memory.
	 */
	void		*(*connect)(struct event_base *base,
			    struct evdns_base *dns, const struct gw_spec *spec,
			    const char *pipe_dir, void *prepared,
			    gw_endpoint_connect_cb *cb, void *arg);

	/* Abandon an attempt: its callback will not run; its fd is closed. */
	void		 (*connect_cancel)(void *attempt);
};

/*
 * What a link carries (doc/design.md "Adding a transport"): the bytes as
 * they are on a socket, a pipe or a serial line, or TLS over a socket.
 * Optional slots may be NULL: the wrappers below give their defaults.
 */
struct gw_stream_ops {
	/*
	 * True when a new link must finish a handshake (BEV_EVENT_CONNECTED)
	 * before bytes may flow.
	 */
	bool		 handshake;

	/*
	 * True when the link has no end-of-stream of its own (a serial line,
	 * doc/design.md "com"): it is finished once the other side is.
	 */
	bool		 no_eof;

	/*
	 * True when a link is a plain socket bufferevent (no TLS, no filter)
	 * on a stream socket: the relay may write(2) to bufferevent_getfd()
	 * itself while the link's output buffer is empty (gateway/relay.c).
	 */
	bool		 plain;

	/*
	 * The most bytes a link made by the default link_new reads or writes
	 * per callback (doc/design.md "The byte stream": large for bulk
	 * transfers near line rate).  Unused with a link_new of its own.
	 */
	size_t		 max_io;

	/*
	 * Make a link's bufferevent over a connected (client side) or accepted
	 * (server side) link.  fd: nonblocking; owned by the bufferevent on
	 * success (closed on free), still the caller's on failure.  tls: the
	 * route's context for TLS streams (NULL otherwise).  host: the
	 * peer's name on the connecting side, NULL on the serving side.
	 * Returns the bufferevent, or NULL with a malloc'd *cause.  May be
	 * NULL: a socket bufferevent over fd, gw_stream_link_new with max_io.
	 */
	struct bufferevent *(*link_new)(struct event_base *base,
			    evutil_socket_t fd, struct gw_tls_ctx *tls,
			    const char *host, char **cause);

	/*
	 * Half-close the write direction (TCP shutdown(2) SHUT_WR, TLS
	 * close_notify; nothing for a serial line) once the output buffer is
	 * empty; reading goes on.  Returns 0 or -1 (the link then ends with
	 * its session).
	 */
	int		(*half_close)(struct bufferevent *bev);

	/*
	 * Abort: make the link's close a reset, never an orderly end (TCP:
	 * SO_LINGER {1, 0}, socket(7), so close sends RST), for a peer whose
	 * stream was cut (doc/design.md "The byte stream").  Call it just
	 * before the bufferevent is freed.  May be NULL: the link has no reset
	 * (a Unix-domain socket, doc/design.md "npipe off Windows"; a serial
	 * line), and it closes as it closes.
	 */
	void		(*abort)(struct bufferevent *bev);

	/*
	 * Called after BEV_EVENT_EOF so the link can keep writing what is
	 * still owed to its peer (a half-closed peer still reads).  May be
	 * NULL.
	 */
	void		(*after_eof)(struct bufferevent *bev);

	/*
	 * Describe a TLS link: negotiated version and peer subject into the
	 * caller's buffers (sizes in bytes).  NULL for plain streams.
	 */
	void		(*describe)(struct bufferevent *bev, char *version,
			    size_t vsize, char *subject, size_t ssize);

	/*
	 * Why a link failed (BEV_EVENT_ERROR): a malloc'd string.  NULL for
	 * streams whose failures are the socket error alone.
	 */
	char		*(*error)(struct bufferevent *bev);
};

/*
 * A transport as the core holds it: a name ("tcp", "ssl", ... for log lines)
 * and an endpoint composed with a stream (HAProxy's split of protocol from
 * transport): ssl is the tcp endpoint with the TLS stream, spipe the pipe
 * endpoint with it, and a spec with clicon= the clicon endpoint with either.
 * The relay never asks which transport it holds; the core reaches the
 * slots through the wrappers below, never directly.
 */
struct gw_transport_ops {
	const char			*name;
	const struct gw_endpoint_ops	*endpoint;
	const struct gw_stream_ops	*stream;
};

/*
 * Inline wrappers (Redis' connection.h, curl's cfilters.h): each calls the
 * slot, or does its documented default when the endpoint or stream leaves
 * it NULL, so no caller checks a slot for NULL.  ops: a table from
 * gw_transport_ops_for (never NULL; gw_transport_remote_note takes NULL for
 * kdsrv).  Each takes and returns what its slot's contract above says.
 */

/* The stream's handshake flag. */
static inline bool
gw_transport_handshake(const struct gw_transport_ops *ops)
{
	return (ops->stream->handshake);
}

/* The stream's no_eof flag: the link has no end of stream of its own. */
static inline bool
gw_transport_no_eof(const struct gw_transport_ops *ops)
{
	return (ops->stream->no_eof);
}

/* The stream's plain flag. */
static inline bool
gw_transport_plain(const struct gw_transport_ops *ops)
{
	return (ops->stream->plain);
}

/* splice(2) may join two such links: a plain stream on a splice endpoint. */
static inline bool
gw_transport_splice(const struct gw_transport_ops *ops)
{
	return (ops->stream->plain && ops->endpoint->splice);
}

/* The endpoint's one_session flag: one session at a time. */
static inline bool
gw_transport_one_session(const struct gw_transport_ops *ops)
{
	return (ops->endpoint->one_session);
}

/* The endpoint's in_pipe_dir flag: serving makes a socket in pipe_dir. */
static inline bool
gw_transport_in_pipe_dir(const struct gw_transport_ops *ops)
{
	return (ops->endpoint->in_pipe_dir);
}

/* connect_timeout_why: NULL by default. */
static inline const char *
gw_transport_connect_timeout_why(const struct gw_transport_ops *ops)
{
	return (ops->endpoint->connect_timeout_why);
}

/* target: buf is "-" by default, or when the spec names nothing. */
static inline void
gw_transport_target(const struct gw_transport_ops *ops,
    const struct gw_spec *spec, const char *pipe_dir, char *buf, size_t size)
{
	if (size > 1) {
		buf[0] = '-';
		buf[1] = '\0';
	}
	if (ops->endpoint->target != NULL)
		ops->endpoint->target(spec, pipe_dir, buf, size);
}

/*
 * local_name: NULL by default (server= is the name the server's certificate
 * must show), or for size 0.
 */
static inline const char *
gw_transport_local_name(const struct gw_transport_ops *ops,
    const struct gw_spec *spec, char *buf, size_t size)
{
	if (ops->endpoint->local_name == NULL || size == 0)
		return (NULL);
	return (ops->endpoint->local_name(spec, buf, size));
}

/*
 * The name a connecting spec gives for SNI and checks the server's
 * certificate against with [tls] ca (RFC 6125): local_name's, else server=,
 * else clicon=.  Returns buf, a string of spec, or NULL when the spec names
 * no host.
 */
static inline const char *
gw_transport_peer_name(const struct gw_transport_ops *ops,
    const struct gw_spec *spec, char *buf, size_t size)
{
	const char	*name;

	if ((name = gw_transport_local_name(ops, spec, buf, size)) != NULL)
		return (name);
	return (spec->server != NULL ? spec->server : spec->clicon);
}

/* abort: nothing by default (the link has no reset). */
static inline void
gw_transport_abort(const struct gw_transport_ops *ops,
    struct bufferevent *bev)
{
	if (ops->stream->abort != NULL)
		ops->stream->abort(bev);
}

/* check: nothing more to check by default (returns 0). */
static inline int
gw_transport_check(const struct gw_transport_ops *ops,
    const struct gw_spec *spec, bool serve, const char *pipe_dir,
    char **cause)
{
	return (ops->endpoint->check != NULL ?
	    ops->endpoint->check(spec, serve, pipe_dir, cause) : 0);
}

/*
 * Whether the connect side prepares anything at the route's start
 * (connect_prepare): a prepared handle outlives a reload that keeps the
 * connect spec (gw_route_same_prepare).
 */
static inline bool
gw_transport_prepares(const struct gw_transport_ops *ops)
{
	return (ops->endpoint->connect_prepare != NULL);
}

/*
 * connect_prepare: NULL with *where and *cause left alone when there is
 * nothing to prepare (check gw_transport_prepares first: NULL is otherwise
 * a failure).
 */
static inline void *
gw_transport_connect_prepare(const struct gw_transport_ops *ops,
    struct event_base *base, struct evdns_base *dns,
    const struct gw_spec *spec, const char *name, char **where, char **cause)
{
	if (ops->endpoint->connect_prepare == NULL)
		return (NULL);
	return (ops->endpoint->connect_prepare(base, dns, spec, name, where,
	    cause));
}

/* connect_release: nothing to release by default; NULL is a no-op. */
static inline void
gw_transport_connect_release(const struct gw_transport_ops *ops,
    void *prepared)
{
	if (ops->endpoint->connect_release != NULL && prepared != NULL)
		ops->endpoint->connect_release(prepared);
}

/* half_close (required of every stream). */
static inline int
gw_transport_half_close(const struct gw_transport_ops *ops,
    struct bufferevent *bev)
{
	return (ops->stream->half_close(bev));
}

/* after_eof: nothing to resume by default. */
static inline void
gw_transport_after_eof(const struct gw_transport_ops *ops,
    struct bufferevent *bev)
{
	if (ops->stream->after_eof != NULL)
		ops->stream->after_eof(bev);
}

/*
 * describe: a plain link leaves both buffers as they are (empty strings in
 * a fresh link).  Returns true when the slot ran.
 */
static inline bool
gw_transport_describe(const struct gw_transport_ops *ops,
    struct bufferevent *bev, char *version, size_t vsize, char *subject,
    size_t ssize)
{
	if (ops->stream->describe == NULL)
		return (false);
	ops->stream->describe(bev, version, vsize, subject, ssize);
	return (true);
}

/* error: NULL (the socket error alone says why) by default. */
static inline char *
gw_transport_error(const struct gw_transport_ops *ops,
    struct bufferevent *bev)
{
	return (ops->stream->error != NULL ? ops->stream->error(bev) : NULL);
}

/* where_join: " on " by default. */
static inline const char *
gw_transport_where_join(const struct gw_transport_ops *ops)
{
	return (ops->endpoint->where_join != NULL ?
	    ops->endpoint->where_join : " on ");
}

/* connect_verb: "connecting to" by default. */
static inline const char *
gw_transport_connect_verb(const struct gw_transport_ops *ops)
{
	return (ops->endpoint->connect_verb != NULL ?
	    ops->endpoint->connect_verb : "connecting to");
}

/*
 * remote_note: NULL (a remote client can reach it) by default, for an empty
 * note (a slot filled by a platform whose pipes other machines reach), and
 * for ops NULL (kdsrv, which serves nothing).
 */
static inline const char *
gw_transport_remote_note(const struct gw_transport_ops *ops)
{
	if (ops == NULL || ops->endpoint->remote_note == NULL ||
	    ops->endpoint->remote_note[0] == '\0')
		return (NULL);
	return (ops->endpoint->remote_note);
}

/*
 * Open an accepted connection: its bufferevent, from the transport's link_new
 * with the listener's TLS context (gw_transport_listen), into conn->bev.
 * Returns 0, or -1 with the link closed and conn->link_error saying why
 * (owned by conn, freed after the accept callback).  Call it once.
 */
int	 gw_conn_open(struct gw_conn *conn);

/*
 * Refuse an accepted connection that is not yet opened: its link closes at
 * once, saying nothing on it (as close(2) of a socket: no TLS alert).
 * Cannot fail.
 */
void	 gw_conn_close(struct gw_conn *conn);

/*
 * The descriptor number an accepted, unopened connection holds, for the
 * descriptor limit (dbgbridge(8) "descriptor limit": accept(2) gives the
 * lowest free number), or -1 where the platform's links are not numbered.
 */
evutil_socket_t gw_conn_descriptor(const struct gw_conn *conn);

/*
 * Serve by ops, delivering connections (struct gw_conn) rather than
 * descriptors: ops->listen runs with params, and each link it accepts gets
 * its bufferevent from ops->link_new with the TLS context *tls holds at that
 * moment (tls may be NULL: none; a reload may change *tls, doc/design.md
 * "Reload"), before accept runs.  *where and *cause as ops->listen.  Returns
 * the listener, to be paused and freed with gw_transport_listen_pause and
 * gw_transport_listen_free, or NULL with a malloc'd *cause.
 */
struct gw_transport_listener;
struct gw_transport_listener *gw_transport_listen(
	    const struct gw_transport_ops *ops, struct event_base *base,
	    const struct gw_listen_params *params,
	    struct gw_tls_ctx *const *tls, gw_accept_cb *accept, void *arg,
	    char **where, char **cause);

/* Pause or resume a listener (ops->listen_pause; always on by default). */
void	 gw_transport_listen_pause(struct gw_transport_listener *tl,
	    bool pause);

/* Stop serving and free the listener (ops->listen_free).  NULL is a no-op. */
void	 gw_transport_listen_free(struct gw_transport_listener *tl);

/*
 * Connect by ops (ops->connect with base, dns, spec, pipe_dir and
 * prepared), delivering a connection: once connected, the link's bufferevent
 * comes from ops->link_new with tls (borrowed until the callback) and host
 * (the name a TLS peer must prove, copied; NULL: none), and its peer name is
 * the address reached (a TCP link; getpeername(2)), or NULL for an endpoint
 * named_by_target (a pipe, a device).  cb runs exactly once,
 * from the loop, unless gw_transport_connect_cancel comes first.  Returns the
 * attempt, or NULL when out of memory.
 */
struct gw_transport_attempt;
struct gw_transport_attempt *gw_transport_connect(
	    const struct gw_transport_ops *ops, struct event_base *base,
	    struct evdns_base *dns, const struct gw_spec *spec,
	    const char *pipe_dir, void *prepared, struct gw_tls_ctx *tls,
	    const char *host, gw_connect_cb *cb, void *arg);

/*
 * Abandon an attempt: its callback will not run; a link made for it is
 * closed (ops->connect_cancel).  NULL is a no-op.
 */
void	 gw_transport_connect_cancel(struct gw_transport_attempt *ta);

/*
 * The endpoints and streams (doc/transports.md §2.2, §2.3; doc/design.md
 * "Layout and house style"): the tcp endpoint (tcp.c: listen, dial), the
 * clicon= endpoint (clicon.c: its listen slots dial out to a waiting smart
 * client, its connect slots keep a pool of process servers that dialled in),
 * the pipe endpoint and stream (npipe.c over the platform's npipe-*.c), the
 * serial line's endpoint and stream (com.c over com-*.c), the plain socket
 * stream (tcp.c) and the TLS stream (tls.c).  Static and immutable.
 */
extern const struct gw_endpoint_ops gw_endpoint_tcp;
extern const struct gw_endpoint_ops gw_endpoint_clicon;
extern const struct gw_endpoint_ops gw_endpoint_npipe;
extern const struct gw_endpoint_ops gw_endpoint_com;
extern const struct gw_stream_ops gw_stream_socket;
extern const struct gw_stream_ops gw_stream_npipe;
extern const struct gw_stream_ops gw_stream_serial;
extern const struct gw_stream_ops gw_stream_tls;

/*
 * The ops for a transport (doc/transports.md §2.2, §2.3), each an endpoint
 * and a stream (transport.c's table): tcp, ssl (tcp + TLS), npipe, spipe
 * (npipe + TLS), com.  Returns a pointer to a static, immutable table, never
 * to be freed, or NULL for kdsrv, which is no wire transport of its own
 * (doc/transports.md §2.5: pass the inner spec's transport,
 * gw_transport_wire), and for a value that is no transport.
 */
const struct gw_transport_ops *gw_transport_ops(enum gw_spec_transport t);

/*
 * The ops for one side of a route: gw_transport_ops of the spec's transport,
 * except that a tcp or ssl spec with clicon= gets the clicon= endpoint with
 * that transport's stream (doc/transports.md §2.2 tcp-reverse / ssl-reverse,
 * §2.3 tcp-accept / ssl-accept; clicon.c: its listen slot dials out, its
 * connect slot waits for the process server to dial in).  spec: the wire spec
 * (gw_transport_wire), borrowed for the call.  Returns a static table, or NULL
 * for kdsrv.
 */
const struct gw_transport_ops *gw_transport_ops_for(const struct gw_spec *spec);

/*
 * The spec that says how bytes travel: spec->inner for kdsrv (doc/transports.md
 * §2.5, the client spec inside server=@{...}), else spec itself.  Returns a
 * pointer into spec (borrowed: it lives as long as spec).  Never NULL for a
 * parsed spec.
 */
const struct gw_spec *gw_transport_wire(const struct gw_spec *spec);

/*
 * A socket address as text for log lines and peers: "ADDR:PORT" for IPv4,
 * "[ADDR]:PORT" for IPv6 (the bracketed form of RFC 3986 §3.2.2), an
 * IPv4-mapped IPv6 address as IPv4, and "local" for any other family (Unix
 * sockets).  sa: borrowed.  buf: the caller's, size bytes; the text is
 * truncated to fit (64 bytes hold any of them).  Returns buf.  Cannot fail.
 */
char	*gw_transport_sockaddr(const struct sockaddr *sa, char *buf, size_t size);

/*
 * A connect outcome delivered from the loop.  The connect slot's callback
 * must never run from inside the connect call (gw_endpoint_ops.connect); a
 * transport that knows the outcome at once (com, npipe: open(2) and connect(2)
 * on a local name do not wait; clicon: a server link already waiting) hands
 * it over through a zero timeout on base instead.  fd, err and why are as
 * gw_endpoint_connect_cb takes them: fd >= 0 a connected nonblocking link, or
 * -1 with err an errno value; why is copied (NULL is "").  cb(fd, err, why,
 * arg) runs once, on the next turn of the loop; the fd is then the callback's,
 * and the outcome is freed when the callback returns (do not cancel it from
 * there).  Returns the pending outcome, or NULL when out of memory (nothing is
 * scheduled; fd is still the caller's).
 */
struct gw_connect_outcome;
struct gw_connect_outcome *gw_connect_outcome(struct event_base *base,
	    evutil_socket_t fd, int err, const char *why,
	    gw_endpoint_connect_cb *cb, void *arg);

/*
 * Cancel an outcome not yet delivered (a connect_cancel slot): the callback
 * will not run and the outcome is freed.  Returns the fd it held (-1 for a
 * failure), now the caller's to close or keep.  NULL is a no-op returning -1.
 */
evutil_socket_t gw_connect_outcome_cancel(struct gw_connect_outcome *o);

/*
 * An attempt whose outcome comes from another piece (a gw_connect_outcome,
 * a dial on a thread) and is passed on unchanged: the connect slot's
 * callback and its argument, as the first member of the endpoint's
 * malloc'd attempt record (clicon's waiting session, a Windows pipe dial).
 * gw_connect_forward is a gw_endpoint_connect_cb for such a record (arg):
 * it frees the record, then calls the callback with fd, err (0 when fd is a
 * link) and why.  The record is gone before the callback runs, so the
 * callback may free whatever the attempt belonged to.  Cannot fail.
 */
struct gw_connect_to {
	gw_endpoint_connect_cb		*cb;
	void				*arg;
};
void	 gw_connect_forward(evutil_socket_t fd, int err, const char *why,
	    void *arg);

/*
 * Arm a timer to fire in ms milliseconds: evtimer_add (libevent's event.h)
 * with ms as a struct timeval, for every delay kept in milliseconds (the
 * *_timeout keys of dbgbridge.ini(5), backoffs, pauses).  ev: a timer
 * (evtimer_new, or event_new with fd -1), borrowed; one already pending is
 * moved to the new time.  Returns 0, or -1 as evtimer_add fails.
 */
struct event;
int	 gw_timer_add_ms(struct event *ev, unsigned ms);

/*
 * Bounded exponential backoff, one step: the delay after prev_ms (ms), that
 * is first_ms after none (prev_ms 0), then each time twice the last, at most
 * max_ms; first_ms <= max_ms.  No overflow, however often it is called.
 * Pure.  The clicon dialler's redial (gw_clicon_backoff_range), com's reopen
 * of a serving device and the relay's poll of unsent bytes grow by it
 * (doc/design.md "clicon= on serve", "com").
 */
unsigned gw_backoff_next(unsigned prev_ms, unsigned first_ms, unsigned max_ms);

/*
 * Socket options every TCP link gets: TCP_NODELAY (doc/design.md "The byte
 * stream": latency over batching), and keepalive probes (tcp(7)) after
 * GW_TCP_KEEPIDLE_S seconds of silence, every GW_TCP_KEEPINTVL_S seconds,
 * GW_TCP_KEEPCNT times: a dead peer is found in about two minutes, while a
 * broken-in target that stays silent for hours keeps its session (its
 * kernel answers the probes).  fd: a TCP socket, still the caller's.
 * Returns 0, or -1 with errno when an option could not be set (setsockopt(2);
 * the others still are).
 */
#define GW_TCP_KEEPIDLE_S	60
#define GW_TCP_KEEPINTVL_S	10
#define GW_TCP_KEEPCNT		6
int	 gw_tcp_tune(evutil_socket_t fd);

/*
 * The link_new of plain stream links (the default of gw_stream_ops.link_new,
 * as tcp's; npipe and com call it from their own): a socket bufferevent over
 * fd (nonblocking; a socket or a terminal) that closes fd when freed,
 * reading and writing at most max_io bytes per callback (the transport's
 * choice: large for bulk transfers near line rate, doc/design.md "The byte
 * stream").  Socket options such as gw_tcp_tune are the caller's.  fd is the
 * bufferevent's on success and still the caller's on failure.  Returns the
 * bufferevent, or NULL with a malloc'd *cause.
 */
struct bufferevent *gw_stream_link_new(struct event_base *base,
	    evutil_socket_t fd, size_t max_io, char **cause);

/*
 * link_new: the stream's slot, or by default gw_stream_link_new with the
 * stream's max_io.  Takes and returns what the slot's contract says.
 */
struct bufferevent *gw_transport_link_new(const struct gw_transport_ops *ops,
	    struct event_base *base, evutil_socket_t fd, struct gw_tls_ctx *tls,
	    const char *host, char **cause);

/*
 * The half_close slot of plain stream sockets (tcp, npipe): shutdown(2)
 * SHUT_WR on bev's fd, so the peer reads end of stream while this side goes
 * on reading (doc/design.md "The byte stream": half-close).  The caller flushes
 * the output buffer first.  bev: borrowed.  Returns 0, or -1 with errno as
 * shutdown(2) sets it (ENOTCONN when the peer is already gone).
 */
int	 gw_socket_half_close(struct bufferevent *bev);

/*
 * The abort slot of streams over a TCP socket (tcp, ssl): SO_LINGER {1, 0}
 * on bev's fd (socket(7)), so that freeing it sends a reset.  bev: borrowed.
 * Errors are ignored (the close that follows still ends the link).
 */
void	 gw_socket_abort(struct bufferevent *bev);

/*
 * The target slot of the tcp endpoint: "HOST:PORT", "[V6]:PORT" for a name
 * with ':' (RFC 3986 §3.2.2), from spec->server and spec->port_lo.
 */
void	 gw_tcp_target(const struct gw_spec *spec, const char *pipe_dir,
	    char *buf, size_t size);

/*
 * A listening stream socket (tcp, ssl, npipe, spipe) on libevent's
 * evconnlistener, which drains the accept backlog on each wake-up.  When
 * accept(2) fails for want of descriptors or memory, accepting pauses for
 * GW_LISTEN_PAUSE_MS and resumes by itself; open sessions go on.  The
 * warning "NAME: accept: ERROR" is rate-limited (log.h, gw_log_limited): one
 * line per GW_LOG_LIMIT_MS with a count of the repeats held back.
 * fd: bound and listening, nonblocking; owned by the listener from this call
 * on (closed on failure too).  tcp: accepted sockets are tuned (gw_tcp_tune;
 * on Linux by tuning the listener, whose options they inherit) and their
 * addresses reported; otherwise peer is `name`.  name: for log lines and
 * the peer of pipe links (copied).  Returns the listener, or NULL with a
 * malloc'd *cause.
 */
#define GW_LISTEN_PAUSE_MS	250
struct gw_stream_listener;
struct gw_stream_listener *gw_stream_listen(struct event_base *base,
	    evutil_socket_t fd, bool tcp, const char *name,
	    gw_endpoint_accept_cb *accept, void *arg, char **cause);

/*
 * The listen_pause slot of stream listeners: pause true stops accepting
 * (clients wait in the kernel's backlog, listen(2)) until pause false
 * accepts again; the timed pause after an accept(2) failure never ends this
 * one.  listener: a gw_stream_listener.  Cannot fail.
 */
void	 gw_stream_listen_pause(void *listener, bool pause);

/*
 * The listen_free slot of stream listeners: close the listening socket and
 * free the listener.  Accepted links are not the listener's and go on.  NULL
 * is a no-op.
 */
void	 gw_stream_listen_free(void *listener);

/*
 * tcp.c, shared with ssl.  gw_tcp_listen is the listen slot (doc/transports.md
 * §2.2 tcp-listen / ssl-listen, §2.4 port-range, §3.1 port=; doc/design.md
 * "A port range"): on params->bind (a numeric address or a name resolved once,
 * blocking, at start-up) or, when it is NULL, on every address (dual-stack
 * [::], falling back to 0.0.0.0 where IPv6 is absent; ipversion=6 makes it
 * IPv6 only); a port range A:B takes the first free port, which *where
 * shows (malloc'd, "127.0.0.1:5005").  params: borrowed for the call.
 * Returns a gw_stream_listener, or NULL with a malloc'd *cause naming the
 * address: "127.0.0.1:5005: Address already in use", "... to port B: no free
 * port: ...".
 */
void	*gw_tcp_listen(struct event_base *base,
	    const struct gw_listen_params *params,
	    gw_endpoint_accept_cb *accept, void *arg, char **where,
	    char **cause);

/*
 * Where to dial: a host name or numeric address (borrowed), a port, and
 * whether to use IPv6 only (ipversion=6).
 */
struct gw_dial_params {
	const char	*host;
	unsigned	 port;
	bool		 ipv6;
};

/*
 * Dial params->host:params->port as gw_tcp_connect does (every address the
 * name resolves to in turn; each socket tuned), for an endpoint that dials
 * without a client spec of its own (the clicon= dialler).  params: borrowed
 * for the call.  cb runs once, from the loop, as gw_tcp_connect's.  Returns
 * the attempt (cancel it with gw_tcp_connect_cancel), or NULL when out of
 * memory.
 */
void	*gw_tcp_dial(struct event_base *base, struct evdns_base *dns,
	    const struct gw_dial_params *params, gw_endpoint_connect_cb *cb,
	    void *arg);

/*
 * The connect slot of tcp and ssl (doc/transports.md §2.3 tcp-connect /
 * ssl-connect, §3.1 server=, port=): spec->server:spec->port_lo, trying every
 * address the name resolves to (through dns, evdns_getaddrinfo) in turn, IPv6
 * only with ipversion=6 (doc/design.md "hidden, IcfEnable, ipversion=6").  Each
 * socket is tuned (gw_tcp_tune).  spec: borrowed for the call.  pipe_dir and
 * prepared are unused.  cb runs once, from the loop (gw_endpoint_ops.connect),
 * with the connected fd, or with -1 and the last address's errno (ECONNREFUSED,
 * ETIMEDOUT, ...) or err 0 and "cannot resolve: ..." when the name did not
 * resolve.  Timeouts are the caller's.  Returns the attempt, or NULL when out
 * of memory.
 */
void	*gw_tcp_connect(struct event_base *base, struct evdns_base *dns,
	    const struct gw_spec *spec, const char *pipe_dir, void *prepared,
	    gw_endpoint_connect_cb *cb, void *arg);

/*
 * The connect_cancel slot of tcp and ssl: the callback will not run; a
 * socket in progress is closed and a resolution in flight cancelled (the
 * attempt is freed when the resolver calls back).  NULL is a no-op.
 */
void	 gw_tcp_connect_cancel(void *attempt);

/*
 * The remote_note of npipe and spipe served here (the platform's file): off
 * Windows the pipe is a local socket, out of reach of a Windows smart client
 * on another machine; on Windows a real named pipe, which other machines
 * reach: "" (none, gw_transport_remote_note).
 */
extern const char gw_npipe_remote_note[];

/*
 * The target slot of npipe and spipe (the platform's file): the pipe a
 * session connects to, before the attempt: "PIPE_DIR/NAME" off Windows,
 * "\\HOST\pipe\NAME" on Windows.  spec: the client-side spec.
 */
void	 gw_npipe_target(const struct gw_spec *spec, const char *pipe_dir,
	    char *buf, size_t size);

/*
 * npipe-unix.c, shared with spipe (doc/design.md "npipe off Windows";
 * doc/transports.md §2.2 npipe-listen / spipe-listen, §2.3 npipe-connect /
 * spipe-connect, §3.1 pipe=): a Unix-domain stream socket (unix(7)) named
 * pipe_dir/NAME.
 *
 * gw_npipe_listen is the listen slot: params->pipe_dir/NAME (NAME is
 * params->pipe; params->spec is unused, so the control socket needs none), the
 * first two %d / %x of NAME replaced by the process id and "%%" by "%"
 * (doc/transports.md §3.1: the first code is the process id, a second the
 * thread id, which is the process id of our main thread).  The directory is
 * made (0755) when missing and must pass gw_npipe_dir_open (params->pipe_uid
 * trusted too); a socket already there must pass gw_npipe_sock_check, and is
 * removed when a connect(2) to it is refused (stale), never when a process
 * serves it (live: listed as listening in the kernel's socket diagnostics,
 * sock_diag(7), or a connect that is not refused, which also finds a process in
 * another network namespace).  The socket is made with exactly
 * params->pipe_mode and params->pipe_group before it listens, never by a path
 * that could be swapped (dbgbridge.ini(5) pipe_mode, pipe_group).
 * *where: the socket path (malloc'd).  Returns the listener, or NULL with a
 * malloc'd *cause naming the path ("PATH: another live process serves this
 * pipe", "socket path too long: ...", "pipe name 'NAME' may not contain '/'
 * ...", gw_npipe_dir_open's and gw_npipe_sock_check's refusals) and errno
 * EADDRINUSE when the refusal is that another live process serves the pipe
 * (as bind(2) says of a name taken; gw_control_start runs without a control
 * socket then), 0 for any other.
 */
void	*gw_npipe_listen(struct event_base *base,
	    const struct gw_listen_params *params,
	    gw_endpoint_accept_cb *accept, void *arg, char **where,
	    char **cause);

/*
 * The check slot of npipe and spipe (the platform's file; doc/design.md
 * "npipe off Windows"): on Unix, a client spec's server= must be ".",
 * "localhost" or this host's name, since a Unix-domain socket does not cross
 * machines ("npipe: server 'lab7' is another host; off Windows a pipe is a
 * local socket: reach a remote process server with tcp or ssl"), and the
 * socket path must fit with pipe_dir (gw_npipe_path, expanded on the serving
 * side).  Returns 0, or -1 with a malloc'd *cause.
 */
int	 gw_npipe_check(const struct gw_spec *spec, bool serve,
	    const char *pipe_dir, char **cause);

/*
 * The socket path of pipe NAME in dir (dbgbridge.ini(5) "pipe="): the
 * one place that decides it, used by gw_npipe_listen, gw_npipe_connect and
 * the configuration check (gw_route_new, so `dbgbridge -n` too).  name must
 * pass the grammar's rule (gw_spec_pipe_check; server side when expand is
 * true); with expand, its %d / %x codes become the process id
 * (gw_spec_pipe_expand).  dir/NAME must fit sockaddr_un's sun_path with its
 * NUL (unix(7)).  out: a buffer of size bytes.  Returns 0, or -1 with a
 * malloc'd *cause ("socket path too long: DIR/NAME is N bytes, at most 107
 * fit (set a shorter [gateway] pipe_dir)", or the grammar's
 * message).
 */
int	 gw_npipe_path(const char *dir, const char *name, bool expand,
	    char *out, size_t size, char **cause);

/*
 * npipe.c, on every platform: pipe NAME as the platform's mechanism names it
 * (doc/transports.md §3.1 "pipe="), before any directory is put in front.
 * name must pass the grammar's rule (gw_spec_pipe_check; server side when
 * expand is true); with expand, its %d / %x codes become the process id
 * (gw_spec_pipe_expand, gw_os_pid).  out: a buffer of size bytes.  Returns
 * 0, or -1 with a malloc'd *cause (the grammar's message, or "pipe name
 * 'NAME' does not expand").
 */
int	 gw_npipe_name(const char *name, bool expand, char *out, size_t size,
	    char **cause);

/*
 * The listen_pause slot of npipe and spipe: as gw_stream_listen_pause.
 * listener: from gw_npipe_listen.  Cannot fail.
 */
void	 gw_npipe_listen_pause(void *listener, bool pause);

/*
 * The listen_free slot of npipe and spipe: stop serving, remove the socket
 * name if it is still the one we made (not one another process has put
 * there since; a warning when the directory no longer lets us), free.  NULL
 * is a no-op.
 */
void	 gw_npipe_listen_free(void *listener);

/*
 * The connect slot of npipe and spipe: connect(2) to pipe_dir/spec->pipe
 * (NAME as given: the client names the pipe the server ended up with,
 * doc/transports.md §3.1), inside the call (a local connect does not wait),
 * once pipe_dir has passed gw_npipe_dir_open and the socket gw_npipe_sock_check
 * (as this user: a socket another user could have put there is never talked
 * to).  The outcome reaches cb from the loop (gw_connect_outcome): the
 * connected fd, or -1 with ECONNREFUSED when nothing serves the pipe (no
 * directory, no socket there, or none listening), EINVAL for a bad name, EPERM
 * for a directory or socket refused by those checks (the message names its
 * path, owner and mode), or another errno, and a message naming the path.
 * spec: borrowed for the call; dns and prepared are unused.  Returns the
 * attempt, or NULL when out of memory.
 */
void	*gw_npipe_connect(struct event_base *base, struct evdns_base *dns,
	    const struct gw_spec *spec, const char *pipe_dir, void *prepared,
	    gw_endpoint_connect_cb *cb, void *arg);

/*
 * The trust rule for a directory that holds Unix-domain sockets (pipe_dir,
 * the runtime directory, a control socket's; dbgbridge.ini(5) pipe_dir,
 * dbgbridge(8) "dbgbridge ctl"): opens dir with O_DIRECTORY | O_NOFOLLOW (a
 * symbolic link is refused) and checks its fstat(2), and the stat(2) of each
 * directory above it: each must be owned by this process's effective user,
 * root or also, and if its group or others may write it, it must be sticky
 * and owned by root (as /tmp is).  placed: a directory owned by another user
 * is accepted too when its parent is owned by us or root and writable by no
 * one else, so that only those could have made it and chosen its owner (how
 * systemd's RuntimeDirectory= is given to a service's User=).  *st: the
 * directory's fstat.  Returns the open descriptor (close it), or -1 with
 * errno (ENOENT: it does not exist; ELOOP: a symbolic link; EPERM: refused)
 * and a malloc'd *cause naming the path, its owner (user name and uid) and
 * its mode.
 */
int	 gw_npipe_dir_open(const char *dir, uid_t also, bool placed,
	    struct stat *st, char **cause);

/*
 * The socket at name in a directory that passed gw_npipe_dir_open (dirfd,
 * its fstat dst), path for messages: looked at with fstatat(2) without
 * following a link.  It must be a socket, and in a directory that others
 * can write (a sticky one), owned by this process's effective user, root or
 * also.  *st: its lstat.  Returns 1 when it is there and passes, 0 when
 * nothing is there, -1 with a malloc'd *cause naming the path (and the
 * owner) when it is refused or cannot be looked at.
 */
int	 gw_npipe_sock_check(int dirfd, const struct stat *dst,
	    const char *path, const char *name, uid_t also, struct stat *st,
	    char **cause);

/*
 * After connect(2) to a socket in a directory that passed
 * gw_npipe_dir_open (its fstat dst; path for messages): in a directory
 * others can write, the process serving it (SO_PEERCRED, unix(7): its
 * credentials when it called listen(2)) must be this process's effective
 * user, root or also, since the name could have been taken between
 * gw_npipe_sock_check and the connect.  Returns 0, or -1 with a malloc'd
 * *cause naming the path and that user.
 */
int	 gw_npipe_peer_check(int fd, const struct stat *dst, const char *path,
	    uid_t also, char **cause);

/*
 * The connect_cancel slot of npipe and spipe: the callback will not run; a
 * connected socket not yet delivered is closed.  NULL is a no-op.
 */
void	 gw_npipe_connect_cancel(void *attempt);

/*
 * clicon.c: reverse links for tcp and ssl (doc/transports.md §2.2 tcp-reverse
 * / ssl-reverse, §2.3 tcp-accept / ssl-accept, §3.1 clicon=, §7;
 * doc/design.md "clicon= on serve", "clicon= on connect").
 *
 * gw_clicon_listen is the listen slot of a serve spec with clicon=: it dials
 * spec->clicon:spec->port_lo (the smart client waits there with -premote
 * tcp:clicon=...) and keeps params->standby connected links waiting for the
 * client's first byte.  A link on which that byte arrives is handed to accept
 * (peer: "ADDR:PORT" dialled, sa: its address) and a replacement is dialled at
 * once, or 250 ms later when the previous handover was less than 250 ms ago
 * (a peer that speaks at once, or a route refusing every link, must not make
 * a tight dial loop); a failed dial, or a waiting link that the peer closes, is dialled
 * again after gw_clicon_backoff.  One dial is in flight at a time.  *where is
 * "dialling HOST:PORT (standby N)" (malloc'd).  params: borrowed for the
 * call.  Returns the dialler, or NULL with a malloc'd *cause: out of memory
 * only (an unreachable client is retried, not an error).
 */
void	*gw_clicon_listen(struct event_base *base,
	    const struct gw_listen_params *params,
	    gw_endpoint_accept_cb *accept, void *arg, char **where,
	    char **cause);

/*
 * The listen_pause slot of the dialler: pause true stops dialling and stops
 * handing links over (waiting links stay connected, unwatched), false goes
 * on.  Cannot fail.
 */
void	 gw_clicon_listen_pause(void *listener, bool pause);

/*
 * The listen_free slot of the dialler: cancel the dial in flight, close the
 * waiting links, free.  Links already handed over are not its own.  NULL is
 * a no-op.
 */
void	 gw_clicon_listen_free(void *listener);

/*
 * The connect_prepare slot of a connect spec with clicon=: listen on every
 * address on spec's port (a range takes the first free port) for process
 * servers dialling in (dbgsrv -t tcp:port=P,clicon=GATEWAY).  Only peers at an
 * address spec->clicon resolves to are kept: the name is resolved here
 * (blocking, as bind is), and again (through dns) when a peer from another
 * address dials in; other peers are refused with a warning and closed at
 * once.  A kept link waits, watched, until a session takes it: one server
 * link per session; one the server closes while waiting is dropped.  At most
 * GW_CLICON_IDLE_MAX wait at once.  spec: borrowed; name: for log lines
 * ("route NAME"), may be NULL.  *where: whom it waits for, where (malloc'd,
 * "process servers from HOST on [::]:7000").  Returns the pool, owned by the caller until
 * gw_clicon_release, or NULL with a malloc'd *cause: no clicon=, a numeric
 * clicon= that getaddrinfo(3) refuses ("clicon=ADDR: ..."), gw_tcp_listen's
 * errors, out of memory.  A name that does not resolve yet is a warning, not
 * an error: process servers are refused until it does.
 */
#define GW_CLICON_IDLE_MAX	64
void	*gw_clicon_prepare(struct event_base *base, struct evdns_base *dns,
	    const struct gw_spec *spec, const char *name, char **where,
	    char **cause);

/*
 * The connect_release slot: stop listening, close the server links still
 * waiting and the peers still being checked, cancel a resolution in flight,
 * free the pool.  Call it once every attempt of gw_clicon_connect on it has
 * been delivered or cancelled.  NULL is a no-op.
 */
void	 gw_clicon_release(void *prepared);

/*
 * The connect slot: the oldest waiting server link (links found closed are
 * dropped), or the next one to dial in.  It waits for as long as the caller
 * lets it (a session's connect_timeout); the callback runs from the loop with
 * the link's fd and never reports a failure.  prepared: the pool from
 * gw_clicon_prepare; spec, dns and pipe_dir are unused.  Returns the attempt,
 * or NULL when prepared is NULL or out of memory.
 */
void	*gw_clicon_connect(struct event_base *base, struct evdns_base *dns,
	    const struct gw_spec *spec, const char *pipe_dir, void *prepared,
	    gw_endpoint_connect_cb *cb, void *arg);

/*
 * The connect_cancel slot: the callback will not run; the attempt leaves the
 * queue, and a server link taken but not yet delivered goes back to the pool
 * for the next session.  NULL is a no-op.
 */
void	 gw_clicon_connect_cancel(void *attempt);

/*
 * Redial backoff: exponential with "equal jitter".  After the n-th failure in
 * a row (n >= 1) the ceiling is GW_CLICON_BACKOFF_FIRST_MS doubled n - 1
 * times, at most GW_CLICON_BACKOFF_MAX_MS, and the wait is drawn uniformly
 * from [ceiling / 2, ceiling]: it grows, it is bounded, and gateways cut off
 * together do not redial in step.  n == 0 (no failure) is no wait.
 * gw_clicon_backoff_range stores the range in *lo and *hi (ms).
 * gw_clicon_backoff draws from it with rnd (uniform 32-bit values; arg is
 * passed through), or with libevent's secure generator when rnd is NULL.
 * Returns ms.  Pure apart from rnd.  Cannot fail.  (doc/design.md "clicon= on
 * serve": dbgbridge dials again with backoff.)
 */
#define GW_CLICON_BACKOFF_FIRST_MS	500
#define GW_CLICON_BACKOFF_MAX_MS	30000
void	 gw_clicon_backoff_range(unsigned n, unsigned *lo, unsigned *hi);
unsigned gw_clicon_backoff(unsigned n, uint32_t (*rnd)(void *), void *arg);

/*
 * com (doc/design.md "com"; doc/transports.md §3.1 port=, baud=, channel=):
 * com.c holds what every platform shares (the check, serving one session at
 * a time and reopening with backoff, connecting), com-termios.c the mechanism
 * on Unix (a serial line under termios, opened exclusively with TIOCEXCL and
 * flock(2), raw 8N1; see that file's opening comment) and com-win32.c the
 * one on Windows.
 */

/*
 * "comN" or "N" ("com" in any case) into *n, N 1-256 (doc/transports.md
 * §3.1 port=).  Returns 0, or -1 when port has neither form.
 */
int	 gw_com_port_number(const char *port, unsigned long *n);

/*
 * The check slot of com: baud= a rate this platform has (gw_com_baud_ok)
 * and port= a form gw_com_device maps; nothing is opened.  Returns 0, or -1
 * with a malloc'd *cause ("com: baud=N is not a rate this platform
 * supports", "com: port=P must be comN or N (1-256) or a device path
 * starting with '/'").
 */
int	 gw_com_check(const struct gw_spec *spec, char **cause);

/*
 * The platform's file: whether baud (bits per second) is a rate the
 * platform can set (termios: the Bxxx constants, B50 to B4000000 on Linux).
 */
bool	 gw_com_baud_ok(unsigned baud);

/*
 * The platform's file: port= as a device path in buf (size bytes): on Unix
 * "comN" or "N" is /dev/ttyS(N-1) and a path starting with '/' is used as
 * is.  Returns 0, or -1 when port has none of these forms or the path does
 * not fit.
 */
int	 gw_com_device(const char *port, char *buf, size_t size);

/*
 * The platform's file: the form of a device path gw_com_device takes as is,
 * for the error that names port= (Unix: "a device path starting with '/'";
 * Windows: one starting with \\.\).
 */
extern const char gw_com_path_form[];

/*
 * The platform's file: open the device path at baud exclusively, configured
 * raw 8N1 with no flow control, its input flushed (doc/design.md "com").
 * Returns a nonblocking fd the loop can watch for EV_READ (termios: the
 * device's own; Windows: a pump's socket), owned by the caller and given
 * back with gw_com_close, or -1 with *err (an errno value: EBUSY when
 * another holder has the port, "serial port busy: DEVICE") and a message
 * naming the device in why (size bytes).
 */
evutil_socket_t gw_com_open(const char *path, unsigned baud, int *err,
	    char *why, size_t size);

/* The platform's file: close an fd from gw_com_open, ending the hold. */
void	 gw_com_close(evutil_socket_t fd);

/*
 * The platform's file: what a watched fd from gw_com_open that became
 * readable has: 1 a byte, left in place for the session; 0 nothing after
 * all; -1 the device hung up or failed, with a message naming path ("PATH:
 * the device hung up") in why (size bytes).
 */
int	 gw_com_probe(evutil_socket_t fd, const char *path, char *why,
	    size_t size);

/*
 * The platform's file: how many times a serving reopen may find the device
 * busy right after a session before that is worth a warning (0 where a
 * device is closed when the session's fd is, as on Unix; Windows closes it
 * on a pump's thread, a moment later).
 */
extern const unsigned gw_com_quiet_busy;

/*
 * The platform's file: com's slots of struct gw_stream_ops, each as that
 * slot's contract above says.  half_close sends nothing (a line has no end of
 * stream) and ends the exclusive hold; after_eof logs that the device hung
 * up; error names a failed device ("DEVICE: device failed: ERROR") or
 * returns NULL.
 */
int	 gw_com_half_close(struct bufferevent *bev);
void	 gw_com_after_eof(struct bufferevent *bev);
char	*gw_com_error(struct bufferevent *bev);

#endif /* GW_TRANSPORT_H */
