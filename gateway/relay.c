/*
 * relay.c: bytes between a session's two links, unchanged and in order, with
 * backpressure and half-close.  See relay.h.
 *
 * Each link's input moves to the other link's output without copying
 * (evbuffer_add_buffer); with the platform's relay accelerator
 * (relay_accel.h, gw_os_relay_accel), to a plain socket with nothing queued
 * ahead it is written at once, and a plain socket is read in large pieces.
 * A link is finished when it has sent its last byte (eof) and we have
 * half-closed our writing to it (shut), or when it failed (dead); the
 * session closes when both links are finished.
 *
 * Splice mode (Linux, relay-linux.c): when both links are TCP sockets and one
 * of them has sent RELAY_SPLICE_AFTER bytes (a session that carries bulk, not
 * one that sits idle), the accelerator takes the session's I/O over from its
 * bufferevents (gw_link's pipe, rd and wr); the steps below (relay_link_*,
 * relay_check_*) stay the same in both modes.
 *
 * A link that fails (a reset, an error) cuts the stream both ways: nothing
 * more is read from the other link, which gets the bytes the failed link sent
 * before it failed and then a reset, never a FIN (relay_link_failed).
 * Each link counts the bytes handed to its socket (or to TLS) for it:
 * bytes_written, the figures of the session's log line.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "gateway/gateway.h"
#include "gateway/log.h"
#include "gateway/relay.h"
#include "gateway/relay_accel.h"
#include "gateway/route.h"
#include "gateway/session.h"
#include "osdep/osdep.h"
#include "transports/transport.h"

/* A link that has sent this many bytes carries bulk: splice from then on. */
#define RELAY_SPLICE_AFTER	((uint64_t)256 * 1024)
/* What libevent 2.1 reads from a socket at most per callback (bytes). */
#define RELAY_LIBEVENT_READ	4096
/* Our own reads from a plain socket, beyond that: bytes per readv, in all. */
#define RELAY_READ_CHUNK	((size_t)64 * 1024)
#define RELAY_READ_MAX		((size_t)256 * 1024)
/* Polling the kernel's send queue before a reset (ms): first, and at most. */
#define RELAY_FLUSH_POLL_MS	5
#define RELAY_FLUSH_POLL_MAX_MS	200
/* A failed link's leftovers read at most (bytes). */
#define RELAY_REST_MAX		((size_t)16 * 1024 * 1024)

static void	relay_move(struct gw_link *);
static void	relay_link_failed(struct gw_link *, int, char *);

static struct gw_link *
relay_other(struct gw_link *l)
{
	struct gw_session	*s = l->session;

	return (l == &s->client ? &s->server : &s->client);
}

static void
relay_touch(struct gw_session *s)
{
	event_base_gettimeofday_cached(s->route->gateway->base, &s->active);
}

size_t
gw_relay_owed(struct gw_link *dst)
{
	size_t	n = evbuffer_get_length(bufferevent_get_output(dst->bev));

	return (n + (dst->session->spliced ? relay_other(dst)->piped : 0));
}

/* Start or stop reading from a link, in either mode. */
static void
relay_reading(struct gw_link *l, bool on)
{
	if (l->session->spliced) {
		if (on)
			event_add(l->rd, NULL);
		else
			event_del(l->rd);
	} else if (on)
		bufferevent_enable(l->bev, EV_READ);
	else
		bufferevent_disable(l->bev, EV_READ);
}

size_t
gw_relay_unsent(const struct gw_link *l)
{
	const struct gw_relay_accel	*accel = gw_os_relay_accel();

	if (l->bev == NULL || accel == NULL || accel->unsent == NULL)
		return (0);
	return (accel->unsent(bufferevent_getfd(l->bev)));
}

uint64_t
gw_relay_delivered(const struct gw_link *l)
{
	size_t	unsent = l->ops != NULL && gw_transport_plain(l->ops) ?
	    gw_relay_unsent(l) : 0;

	return (l->bytes_written - (unsent < l->bytes_written ? unsent :
	    l->bytes_written));
}

/*
 * A link failed (s->failed): once every byte owed to the other link is handed
 * to its socket and the kernel has sent it (a reset throws away what it has
 * not), close the session, which resets that link.  Until then poll the
 * kernel's send queue; drain_timeout bounds the wait.
 */
static void
relay_check_cut(struct gw_session *s)
{
	const struct gw_relay_accel	*accel = gw_os_relay_accel();
	struct gw_link			*l[2] = { &s->client, &s->server };
	int				 i;

	for (i = 0; i < 2; i++) {
		if (!l[i]->dead && (gw_relay_owed(l[i]) != 0 ||
		    l[i]->reading_rest))
			return;
	}
	/* The other link took the pipe: a failed link's rest comes next. */
	for (i = 0; s->spliced && accel != NULL && accel->splice_rest != NULL &&
	    i < 2; i++) {
		if (!l[i]->dead || !l[i]->rest_more || l[1 - i]->dead)
			continue;
		accel->splice_rest(l[i], RELAY_REST_MAX);
		if (l[i]->piped > 0) {
			accel->splice_flush(l[1 - i]);
			return;
		}
	}
	for (i = 0; i < 2; i++) {
		if (!l[i]->dead && gw_relay_unsent(l[i]) != 0) {
			/* A peer that reads slowly is polled less often. */
			s->flush_ms = gw_backoff_next(s->flush_ms,
			    RELAY_FLUSH_POLL_MS, RELAY_FLUSH_POLL_MAX_MS);
			gw_timer_add_ms(s->flush, s->flush_ms);
			return;
		}
	}
	/* The failure's reason is recorded: "closed" is not taken. */
	gw_session_close(s, GW_CLOSE_CLOSED, NULL);
}

void
gw_relay_flush_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct gw_session	*s = arg;
	struct gw_link		*l[2] = { &s->client, &s->server };
	struct evbuffer		*out;
	char			*why;
	int			 i;

	(void)fd;
	(void)what;
	/* A failed TLS write's leftovers (relay_link_write_failed). */
	for (i = 0; i < 2 && s->state != GW_SESSION_CLOSED; i++) {
		if (!l[i]->drop_pending)
			continue;
		l[i]->drop_pending = false;
		out = bufferevent_get_output(l[i]->bev);
		l[i]->dropping = true;
		evbuffer_drain(out, evbuffer_get_length(out));
		l[i]->dropping = false;
	}
	for (i = 0; i < 2 && s->state != GW_SESSION_CLOSED; i++) {
		if (!l[i]->fail_pending)
			continue;
		l[i]->fail_pending = false;
		why = l[i]->fail_why;
		l[i]->fail_why = NULL;
		relay_link_failed(l[i], l[i]->fail_err, why);
	}
	if (s->state != GW_SESSION_CLOSED && s->failed)
		relay_check_cut(s);
}

/* Both links finished: every byte delivered, both directions closed. */
static void
relay_check_done(struct gw_session *s)
{
	struct gw_link	*l[2] = { &s->client, &s->server };
	int		 i;

	if (s->state == GW_SESSION_CLOSED)
		return;
	if (s->failed) {
		relay_check_cut(s);
		return;
	}
	for (i = 0; i < 2; i++) {
		if (!l[i]->dead && !(l[i]->eof && l[i]->shut))
			return;
	}
	gw_session_close(s, GW_CLOSE_CLOSED, NULL);	/* unless one is recorded */
}

/*
 * Half-close our writing to dst once its source has finished and every byte
 * owed to it is written.
 */
static void
relay_check_shut(struct gw_link *dst)
{
	struct gw_link	*src = relay_other(dst);
	int		 err;

	/* After a failure no FIN: the other link ends with a reset. */
	if (dst->shut || dst->dead || dst->session->failed ||
	    dst->session->state == GW_SESSION_CLOSED)
		return;
	if (!src->eof && !src->dead)
		return;
	if (gw_relay_owed(dst) != 0)
		return;
	dst->shut = true;
	gw_log_debug("session %" PRIu64 " %s: half-close", dst->session->id,
	    dst->side);
	if (gw_transport_half_close(dst->ops, dst->bev) == -1) {
		/* Nothing more can be said to this peer: it failed. */
		err = errno == ENOTCONN ? ECONNRESET : errno;
		dst->shut = false;
		relay_link_failed(dst, err, NULL);
		return;
	}
	if (gw_transport_no_eof(dst->ops) && !dst->eof) {
		/*
		 * A serial line has no end of its own: it ends with the other
		 * side (doc/design.md "com"), so what it sent is all there is.
		 */
		relay_move(dst);
		dst->eof = true;
		relay_check_shut(src);
	}
}

/* The first end of either direction starts the drain clock. */
static void
relay_first_end(struct gw_session *s, enum gw_close why, const char *detail)
{
	gw_session_reason(s, why, detail);
	gw_session_set_state(s, GW_SESSION_DRAINING);
}

/*
 * A socket error that says the peer is gone (it reset the connection, or
 * we wrote after its reset): "client reset" rather than "client error: ...".
 * why: the transport's own description, which must be the socket error's.
 */
static bool
relay_is_reset(int err, const char *why)
{
	int	e = gw_os_socket_errno(err);	/* WSAECONNRESET, ... */

	if (e != ECONNRESET && e != EPIPE && e != ECONNABORTED)
		return (false);
	return (why == NULL || strcmp(why, evutil_socket_error_to_string(err)) ==
	    0);
}

/*
 * One read of up to RELAY_READ_CHUNK bytes from fd into link input in, by
 * the accelerator's read (a thawed input's end is reserved, read into and
 * committed).  Returns the bytes read, 0 at end of file, -1 with errno (also
 * when no space could be reserved: errno ENOMEM).
 */
static ev_ssize_t
relay_accel_read(const struct gw_relay_accel *accel, evutil_socket_t fd,
    struct evbuffer *in)
{
	struct evbuffer_iovec	 v[2];
	ev_ssize_t		 r;
	size_t			 left;
	int			 nv, i;

	if ((nv = evbuffer_reserve_space(in, RELAY_READ_CHUNK, v, 2)) <= 0) {
		errno = ENOMEM;
		return (-1);
	}
	if ((r = accel->read(fd, v, nv)) <= 0) {
		i = errno;
		evbuffer_commit_space(in, v, 0);
		errno = i;
		return (r);
	}
	left = (size_t)r;
	for (i = 0; i < nv && left > 0; i++) {
		if (v[i].iov_len > left)
			v[i].iov_len = left;
		left -= v[i].iov_len;
	}
	evbuffer_commit_space(in, v, i);
	return (r);
}

/*
 * What a failed plain link's socket still holds from its peer, sent before
 * the failure (a write that met the peer's reset leaves it unread): read it
 * for the other link, up to RELAY_REST_MAX bytes.  Not TLS: a TLS link reads
 * its rest through its bufferevent (relay_link_write_failed).
 */
static void
relay_read_rest(struct gw_link *l)
{
	const struct gw_relay_accel	*accel = gw_os_relay_accel();
	evutil_socket_t			 fd = bufferevent_getfd(l->bev);
	struct evbuffer			*in;
	size_t				 got = 0;
	ev_ssize_t			 r;
	int				 nv;

	if (!gw_transport_plain(l->ops) || l->eof)
		return;
	if (l->session->spliced) {
		if (accel != NULL && accel->splice_rest != NULL)
			accel->splice_rest(l, RELAY_REST_MAX);
		return;
	}
	in = bufferevent_get_input(l->bev);
	evbuffer_unfreeze(in, 0);
	if (accel == NULL || accel->read == NULL) {
		/* libevent's read, 4096 bytes at a time in 2.1. */
		while (got < RELAY_REST_MAX && (nv = evbuffer_read(in, fd,
		    (int)RELAY_READ_CHUNK)) > 0)
			got += (size_t)nv;
		evbuffer_freeze(in, 0);
		return;
	}
	while (got < RELAY_REST_MAX && (r = relay_accel_read(accel, fd, in)) > 0)
		got += (size_t)r;
	evbuffer_freeze(in, 0);
}

/* The reason of l's side: client_why for the client, else server_why. */
static enum gw_close
relay_side(const struct gw_link *l, enum gw_close client_why,
    enum gw_close server_why)
{
	return (l == &l->session->client ? client_why : server_why);
}

/*
 * "client reset", or "client error" and its detail in *detail (borrowed from
 * why or static).
 */
static enum gw_close
relay_fail_reason(struct gw_link *l, int err, const char *why,
    const char **detail)
{
	if (relay_is_reset(err, why)) {
		*detail = NULL;
		return (relay_side(l, GW_CLOSE_CLIENT_RESET,
		    GW_CLOSE_SERVER_RESET));
	}
	*detail = why != NULL ? why : err != 0 ?
	    evutil_socket_error_to_string(err) : "unknown";
	return (relay_side(l, GW_CLOSE_CLIENT_ERROR, GW_CLOSE_SERVER_ERROR));
}

/*
 * A TLS link's write failed (err, why: as relay_link_failed; taken), most
 * likely on its peer's reset, while what that peer sent before may still wait
 * in the socket.  TLS cannot read it back at once as relay_read_rest does, so
 * the link is read on until its read ends too (then relay_link_failed).
 * Meanwhile the session is failed: no FIN to anyone, nothing more read from
 * the other link, the bytes owed to l dropped (not counted as written), and
 * the drain deadline runs.
 */
static void
relay_link_write_failed(struct gw_link *l, int err, char *why)
{
	struct gw_link		*other = relay_other(l);
	struct gw_session	*s = l->session;
	struct timeval		 now = { 0, 0 };
	enum gw_close		 reason;
	const char		*detail;

	l->write_err = err != 0 ? err : EPIPE;
	l->reading_rest = true;
	reason = relay_fail_reason(l, err, why, &detail);
	gw_log_debug("session %" PRIu64 " %s: %s%s%s; reading what it sent "
	    "before", s->id, l->side, gw_close_name(reason),
	    detail != NULL ? ": " : "", detail != NULL ? detail : "");
	relay_first_end(s, reason, detail);
	free(why);
	s->failed = true;
	/*
	 * What l still owes is dropped from the loop, not here: libevent's TLS
	 * bufferevent reports the failed write from inside its write pass and
	 * only then takes out of the buffer what that pass did write, which
	 * counts as written (relay_output_cb).
	 */
	l->drop_pending = true;
	evtimer_add(s->flush, &now);
	if (!other->dead) {
		other->paused = false;
		relay_reading(other, false);
	}
	/* libevent stopped the link's events with the error: read on. */
	bufferevent_disable(l->bev, EV_READ | EV_WRITE);
	bufferevent_enable(l->bev, EV_READ);
	relay_check_done(s);
}

/*
 * Link l failed (err: the errno, why: a transport's own description or NULL;
 * taken): the stream is cut both ways.  What l sent before failing still
 * goes to the other link; nothing more is read from the other link (its bytes
 * can go nowhere); once the other link has been handed every byte owed to it,
 * the session closes and resets it (relay_check_cut), so no peer reads a cut
 * stream as complete.  drain_timeout bounds the wait.
 */
static void
relay_link_failed(struct gw_link *l, int err, char *why)
{
	const struct gw_relay_accel	*accel = gw_os_relay_accel();
	struct gw_link			*other = relay_other(l);
	struct gw_session		*s = l->session;
	enum gw_close			 reason;
	const char			*detail;

	if (l->dead || s->state == GW_SESSION_CLOSED) {
		free(why);
		return;
	}
	relay_read_rest(l);
	relay_move(l);
	l->dead = l->eof = true;
	l->reading_rest = false;
	if (s->spliced) {
		event_del(l->rd);
		event_del(l->wr);
	} else
		bufferevent_disable(l->bev, EV_READ | EV_WRITE);
	reason = relay_fail_reason(l, err, why, &detail);
	gw_log_debug("session %" PRIu64 " %s: %s%s%s", s->id, l->side,
	    gw_close_name(reason), detail != NULL ? ": " : "",
	    detail != NULL ? detail : "");
	relay_first_end(s, reason, detail);
	free(why);
	s->failed = true;
	if (!other->dead) {
		other->paused = false;
		relay_reading(other, false);
		/* What waits in l's pipe goes on to other. */
		if (s->spliced && accel != NULL && accel->splice_flush != NULL)
			accel->splice_flush(other);
	}
	relay_check_done(s);
}

/* Link l sent its last byte (what is BEV_EVENT_EOF). */
static void
relay_link_ended(struct gw_link *l)
{
	struct gw_link		*other = relay_other(l);
	struct gw_session	*s = l->session;
	enum gw_close		 reason;

	if (l->dead || s->state == GW_SESSION_CLOSED)
		return;
	if (l->write_err != 0) {
		/* Our write met its reset first: not an end, a failure. */
		relay_link_failed(l, l->write_err, NULL);
		return;
	}
	relay_move(l);
	l->eof = true;
	if (gw_transport_no_eof(l->ops)) {
		/* A serial line has no EOF: reading 0 is a hang-up. */
		reason = relay_side(l, GW_CLOSE_CLIENT_HUNG_UP,
		    GW_CLOSE_SERVER_HUNG_UP);
	} else {
		if (l == &s->server)
			s->route->server_closed = true;
		reason = relay_side(l, GW_CLOSE_CLIENT_CLOSED,
		    GW_CLOSE_SERVER_CLOSED);
	}
	relay_first_end(s, reason, NULL);
	if (s->spliced)
		event_del(l->rd);
	else if (!l->shut)
		gw_transport_after_eof(l->ops, l->bev);
	gw_log_debug("session %" PRIu64 " %s: %s", s->id, l->side,
	    gw_close_name(reason));
	relay_check_shut(other);
	relay_check_shut(l);
	relay_check_done(s);
}

void
gw_relay_stop(struct gw_session *s)
{
	const struct gw_relay_accel	*accel = gw_os_relay_accel();

	if (!s->spliced)
		return;
	s->spliced = false;
	if (accel != NULL && accel->splice_stop != NULL)
		accel->splice_stop(s);
}

/* ------------------------------------- for the accelerator: relay_accel.h */

struct gw_link *
gw_relay_other(struct gw_link *l)
{
	return (relay_other(l));
}

void
gw_relay_touch(struct gw_session *s)
{
	relay_touch(s);
}

void
gw_relay_link_ended(struct gw_link *l)
{
	relay_link_ended(l);
}

void
gw_relay_link_failed(struct gw_link *l, int err, char *why)
{
	relay_link_failed(l, err, why);
}

void
gw_relay_check_shut(struct gw_link *dst)
{
	relay_check_shut(dst);
}

void
gw_relay_check_done(struct gw_session *s)
{
	relay_check_done(s);
}

/* ------------------------------------------------------ bufferevent mode */

/* Move what src has read to the other link's output. */
static void
relay_move(struct gw_link *src)
{
	const struct gw_relay_accel	*accel = gw_os_relay_accel();
	struct gw_link			*dst = relay_other(src);
	struct evbuffer			*in = bufferevent_get_input(src->bev);
	struct evbuffer			*out;
	size_t				 n = evbuffer_get_length(in);
	int				 w;

	if (n == 0)
		return;
	src->bytes_read += n;
	if (dst->shut || dst->dead) {
		evbuffer_drain(in, n);	/* nowhere to go */
		return;
	}
	relay_touch(src->session);
	out = bufferevent_get_output(dst->bev);
	if (gw_transport_plain(dst->ops) && dst->write_err == 0 &&
	    accel != NULL && accel->direct_write &&
	    evbuffer_get_length(out) == 0) {
		/*
		 * Nothing queued ahead of these bytes: write them now.  A
		 * queued write costs a poll for writability and two epoll_ctl
		 * calls, on every message of a chatty session.  What the
		 * socket does not take is queued below.  An error is kept:
		 * this write took the socket's pending error (a reset), so the
		 * link's next read may say EOF (relay_link_ended turns that
		 * back into the failure); the bufferevent's own write meets
		 * EPIPE and reports it.
		 */
		if ((w = evbuffer_write_atmost(in, bufferevent_getfd(dst->bev),
		    -1)) > 0)
			dst->bytes_written += (uint64_t)w;
		else if (w == -1 && errno != EAGAIN && errno != EINTR)
			dst->write_err = errno;
		if (evbuffer_get_length(in) == 0)
			return;
	}
	evbuffer_add_buffer(out, in);
	if (!src->paused && evbuffer_get_length(out) >= GW_RELAY_HIGH_WATERMARK) {
		src->paused = true;
		bufferevent_disable(src->bev, EV_READ);
		bufferevent_setwatermark(dst->bev, EV_WRITE,
		    GW_RELAY_LOW_WATERMARK, 0);
	}
}

/*
 * libevent 2.1 reads a socket at most 4096 bytes at a time (EVBUFFER_MAX_READ
 * in its buffer.c): a poll, an ioctl and a callback for every 4 KiB, and a
 * TLS record for each.  When its read came back full, read on here in
 * RELAY_READ_CHUNK pieces until the socket is empty or RELAY_READ_MAX bytes
 * wait.  Returns 0, or -1 when the link ended (EOF or error, handled: the
 * session may be closed).
 */
static int
relay_read_more(struct gw_link *src,
    const struct gw_relay_accel *accel)
{
	struct evbuffer		*in = bufferevent_get_input(src->bev);
	evutil_socket_t		 fd = bufferevent_getfd(src->bev);
	ev_ssize_t		 r;

	while (evbuffer_get_length(in) < RELAY_READ_MAX) {
		/*
		 * A socket bufferevent keeps its input's end frozen but while
		 * it reads itself (bufferevent_sock.c): thaw it for ours.
		 */
		evbuffer_unfreeze(in, 0);
		if ((r = relay_accel_read(accel, fd, in)) <= 0) {
			evbuffer_freeze(in, 0);
			if (r == -1 && errno == ENOMEM)
				return (0);
			if (r == 0) {
				bufferevent_disable(src->bev, EV_READ);
				relay_link_ended(src);
				return (-1);
			}
			if (errno == EAGAIN || errno == EINTR)
				return (0);
			relay_link_failed(src, errno, NULL);
			return (-1);
		}
		evbuffer_freeze(in, 0);
		if ((size_t)r < RELAY_READ_CHUNK)
			return (0);	/* the socket is empty */
	}
	return (0);
}

static void
relay_read(struct bufferevent *bev, void *arg)
{
	const struct gw_relay_accel	*accel = gw_os_relay_accel();
	struct gw_link			*src = arg;
	struct gw_session		*s = src->session;

	if (gw_transport_plain(src->ops) && accel != NULL &&
	    accel->read != NULL &&
	    evbuffer_get_length(bufferevent_get_input(bev)) >= RELAY_LIBEVENT_READ &&
	    relay_read_more(src, accel) == -1)
		return;
	relay_move(src);
	if (src->bytes_read >= RELAY_SPLICE_AFTER && !s->splice_off &&
	    gw_transport_splice(s->client.ops) &&
	    gw_transport_splice(s->server.ops) &&
	    s->state == GW_SESSION_RELAYING && accel != NULL &&
	    accel->splice_begin != NULL)
		accel->splice_begin(s);
}

/* dst's output drained to its low watermark (or to empty). */
static void
relay_write(struct bufferevent *bev, void *arg)
{
	struct gw_link	*dst = arg, *src = relay_other(dst);

	/* Bytes reached a peer: the session is making progress. */
	relay_touch(dst->session);
	if (src->paused) {
		src->paused = false;
		bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
		if (!src->eof && !src->dead)
			bufferevent_enable(src->bev, EV_READ);
	}
	relay_check_shut(dst);
	relay_check_done(dst->session);
}

static void
relay_event(struct bufferevent *bev, short what, void *arg)
{
	struct gw_link		*l = arg, *other = relay_other(l);
	struct gw_session	*s = l->session;
	int			 err = EVUTIL_SOCKET_ERROR();
	struct timeval		 now = { 0, 0 };
	char			*why;

	if (l->dead)
		return;
	if ((what & BEV_EVENT_EOF) && l->eof) {
		/*
		 * Reported again: libevent's TLS bufferevent, re-armed after
		 * close_notify (after_eof), stopped writing once more.  What
		 * is still owed to this peer cannot be written: it is done,
		 * and the stream from the other link is cut (reset it).
		 */
		if (!l->shut && evbuffer_get_length(bufferevent_get_output(bev))) {
			gw_log_debug("session %" PRIu64 " %s: cannot write after "
			    "its close; %zu bytes dropped", s->id, l->side,
			    evbuffer_get_length(bufferevent_get_output(bev)));
			l->dead = true;
			bufferevent_disable(bev, EV_READ | EV_WRITE);
			s->failed = true;
			if (!other->dead) {
				other->paused = false;
				relay_reading(other, false);
			}
			relay_check_done(s);
		}
		return;
	}
	if (what & BEV_EVENT_EOF)
		relay_link_ended(l);
	else if (what & BEV_EVENT_ERROR) {
		why = gw_transport_error(l->ops, bev);
		if ((what & BEV_EVENT_WRITING) &&
		    !gw_transport_plain(l->ops) &&
		    !gw_transport_no_eof(l->ops) && !l->eof &&
		    !l->reading_rest && !s->spliced)
			relay_link_write_failed(l, err, why);
		else if ((what & BEV_EVENT_READING) &&
		    !gw_transport_plain(l->ops) && !s->spliced &&
		    !l->fail_pending) {
			/*
			 * libevent's TLS bufferevent reports a read error
			 * before it adds the records it read in the same
			 * pass to the input: handle the failure from the
			 * loop, once they are there.
			 */
			l->fail_pending = true;
			l->fail_err = err;
			l->fail_why = why;
			bufferevent_disable(bev, EV_READ | EV_WRITE);
			evtimer_add(s->flush, &now);
		} else
			relay_link_failed(l, err, why);
	}
}

/* Bytes left a link's output buffer: handed to its socket or to TLS. */
static void
relay_output_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct gw_link	*l = arg;

	(void)buf;
	if (!l->dropping)	/* else dropped, not written */
		l->bytes_written += (uint64_t)info->n_deleted;
}

void
gw_relay_start(struct gw_session *s)
{
	struct gw_link	*l[2] = { &s->client, &s->server };
	int		 i;

	for (i = 0; i < 2; i++) {
		evbuffer_add_cb(bufferevent_get_output(l[i]->bev),
		    relay_output_cb, l[i]);
		bufferevent_setcb(l[i]->bev, relay_read, relay_write,
		    relay_event, l[i]);
		bufferevent_setwatermark(l[i]->bev, EV_READ, 0, 0);
		bufferevent_setwatermark(l[i]->bev, EV_WRITE, 0, 0);
	}
	gw_session_set_state(s, GW_SESSION_RELAYING);
	/* What the client sent while we were connecting goes first. */
	relay_move(&s->client);
	if (s->client.eof) {
		relay_first_end(s, GW_CLOSE_CLIENT_CLOSED, NULL);
		relay_check_shut(&s->server);
	} else if (!s->client.paused)
		bufferevent_enable(s->client.bev, EV_READ | EV_WRITE);
	/* else the early bytes filled the server's output: relay_write resumes */
	bufferevent_enable(s->server.bev, EV_READ | EV_WRITE);
}

void
gw_relay_drain(struct gw_session *s, enum gw_close why)
{
	if (s->state < GW_SESSION_RELAYING) {
		gw_session_close(s, why, NULL);
		return;
	}
	relay_first_end(s, why, NULL);
	/*
	 * As if the client had closed (doc/design.md "Semantics",
	 * DisconnectProcessServer): the server gets what was read, then EOF;
	 * what it still sends reaches the client, then the client gets EOF.
	 * drain_timeout bounds the wait.
	 */
	if (!s->client.eof && !s->client.dead) {
		relay_move(&s->client);
		s->client.eof = true;
		s->client.paused = false;
		relay_reading(&s->client, false);
	}
	relay_check_shut(&s->server);
	relay_check_done(s);
}
