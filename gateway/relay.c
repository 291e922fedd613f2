/*
 * relay.c: bytes between a session's two links, unchanged and in order, with
 * backpressure and half-close.  See relay.h.
 *
 * Each link's input moves to the other link's output without copying
 * (evbuffer_add_buffer).  A link is finished when it has sent its last byte
 * (eof) and we have half-closed our writing to it (shut), or when it failed
 * (dead); the session closes when both links are finished.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "gateway/gateway.h"
#include "gateway/log.h"
#include "gateway/relay.h"
#include "gateway/route.h"
#include "gateway/session.h"
#include "transports/transport.h"

static void	relay_move(struct gw_link *);

static struct gw_link *
relay_other(struct gw_link *l)
{
	struct gw_session	*s = l->session;

	return (l == &s->client ? &s->server : &s->client);
}

/* Both links finished: every byte delivered, both directions closed. */
static void
relay_check_done(struct gw_session *s)
{
	struct gw_link	*l[2] = { &s->client, &s->server };
	int		 i;

	for (i = 0; i < 2; i++) {
		if (!l[i]->dead && !(l[i]->eof && l[i]->shut))
			return;
	}
	gw_session_close(s, s->reason != NULL ? s->reason : "closed");
}

/*
 * Half-close our writing to dst once its source has finished and every byte
 * owed to it is written.
 */
static void
relay_check_shut(struct gw_link *dst)
{
	struct gw_link	*src = relay_other(dst);

	if (dst->shut || dst->dead)
		return;
	if (!src->eof && !src->dead)
		return;
	if (evbuffer_get_length(bufferevent_get_output(dst->bev)) != 0)
		return;
	dst->shut = true;
	gw_log_debug("session %" PRIu64 " %s: half-close", dst->session->id,
	    dst->side);
	if (dst->ops->half_close(dst->bev) == -1) {
		/* Nothing more can be said to this peer: it is done. */
		dst->dead = true;
	}
	if (dst->ops->no_eof && !dst->eof) {
		/*
		 * A serial line has no end of its own: it ends with the other
		 * side (design.md "com"), so what it sent is all there is.
		 */
		relay_move(dst);
		dst->eof = true;
		relay_check_shut(src);
	}
}

/* Move what src has read to the other link's output. */
static void
relay_move(struct gw_link *src)
{
	struct gw_link		*dst = relay_other(src);
	struct evbuffer		*in = bufferevent_get_input(src->bev), *out;
	size_t			 n = evbuffer_get_length(in);

	if (n == 0)
		return;
	src->bytes_read += n;
	if (dst->shut || dst->dead) {
		evbuffer_drain(in, n);	/* nowhere to go */
		return;
	}
	event_base_gettimeofday_cached(src->session->route->gateway->base,
	    &src->session->active);
	out = bufferevent_get_output(dst->bev);
	evbuffer_add_buffer(out, in);
	if (!src->paused && evbuffer_get_length(out) >= GW_RELAY_HIGH_WATERMARK) {
		src->paused = true;
		bufferevent_disable(src->bev, EV_READ);
		bufferevent_setwatermark(dst->bev, EV_WRITE,
		    GW_RELAY_LOW_WATERMARK, 0);
	}
}

static void
relay_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	relay_move(arg);
}

/* dst's output drained to its low watermark (or to empty). */
static void
relay_write(struct bufferevent *bev, void *arg)
{
	struct gw_link	*dst = arg, *src = relay_other(dst);

	/* Bytes reached a peer: the session is making progress. */
	event_base_gettimeofday_cached(dst->session->route->gateway->base,
	    &dst->session->active);
	if (src->paused) {
		src->paused = false;
		bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
		if (!src->eof && !src->dead)
			bufferevent_enable(src->bev, EV_READ);
	}
	relay_check_shut(dst);
	relay_check_done(dst->session);
}

/* The first end of either direction starts the drain clock. */
static void
relay_first_end(struct gw_session *s, const char *reason)
{
	gw_session_reason(s, reason);
	gw_session_set_state(s, GW_SESSION_DRAINING);
}

static void
relay_event(struct bufferevent *bev, short what, void *arg)
{
	struct gw_link		*l = arg, *other = relay_other(l);
	struct gw_session	*s = l->session;
	int			 err = EVUTIL_SOCKET_ERROR();
	char			 reason[512], *why = NULL;

	if (l->dead)
		return;
	if ((what & BEV_EVENT_EOF) && l->eof) {
		/*
		 * Reported again: libevent's TLS bufferevent, re-armed after
		 * close_notify (after_eof), stopped writing once more.  What
		 * is still owed to this peer cannot be written: it is done.
		 */
		if (!l->shut && evbuffer_get_length(bufferevent_get_output(bev))) {
			gw_log_debug("session %" PRIu64 " %s: cannot write after "
			    "its close; %zu bytes dropped", s->id, l->side,
			    evbuffer_get_length(bufferevent_get_output(bev)));
			l->dead = true;
			bufferevent_disable(bev, EV_READ | EV_WRITE);
			relay_check_shut(other);
			relay_check_done(s);
		}
		return;
	}
	if (what & BEV_EVENT_EOF) {
		relay_move(l);
		l->eof = true;
		if (l->ops->no_eof) {
			/* A serial line has no EOF: reading 0 is a hang-up. */
			snprintf(reason, sizeof reason, "%s device hung up",
			    l->side);
		} else {
			if (l == &s->server)
				s->route->server_closed = true;
			snprintf(reason, sizeof reason, "%s closed", l->side);
		}
		relay_first_end(s, reason);
		if (l->ops->after_eof != NULL && !l->shut)
			l->ops->after_eof(bev);
	} else if (what & BEV_EVENT_ERROR) {
		relay_move(l);
		l->dead = l->eof = true;
		bufferevent_disable(bev, EV_READ | EV_WRITE);
		if (l->ops->error != NULL)
			why = l->ops->error(bev);
		snprintf(reason, sizeof reason, "%s error: %s", l->side,
		    why != NULL ? why : err != 0 ?
		    evutil_socket_error_to_string(err) : "unknown");
		free(why);
		relay_first_end(s, reason);
		if (other->paused) {
			/* Its bytes can go nowhere now; read on to its EOF. */
			other->paused = false;
			bufferevent_enable(other->bev, EV_READ);
		}
	} else
		return;
	gw_log_debug("session %" PRIu64 " %s: %s", s->id, l->side, reason);
	relay_check_shut(other);
	relay_check_shut(l);
	relay_check_done(s);
}

void
gw_relay_start(struct gw_session *s)
{
	struct gw_link	*l[2] = { &s->client, &s->server };
	int		 i;

	for (i = 0; i < 2; i++) {
		bufferevent_setcb(l[i]->bev, relay_read, relay_write,
		    relay_event, l[i]);
		bufferevent_setwatermark(l[i]->bev, EV_READ, 0, 0);
		bufferevent_setwatermark(l[i]->bev, EV_WRITE, 0, 0);
	}
	gw_session_set_state(s, GW_SESSION_RELAYING);
	/* What the client sent while we were connecting goes first. */
	relay_move(&s->client);
	if (s->client.eof) {
		relay_first_end(s, "client closed");
		relay_check_shut(&s->server);
	} else if (!s->client.paused)
		bufferevent_enable(s->client.bev, EV_READ | EV_WRITE);
	/* else the early bytes filled the server's output: relay_write resumes */
	bufferevent_enable(s->server.bev, EV_READ | EV_WRITE);
}

void
gw_relay_drain(struct gw_session *s, const char *reason)
{
	if (s->state < GW_SESSION_RELAYING) {
		gw_session_close(s, reason);
		return;
	}
	relay_first_end(s, reason);
	/*
	 * As if the client had closed (design.md DisconnectProcessServer): the
	 * server gets what was read, then EOF; what it still sends reaches the
	 * client, then the client gets EOF.  drain_timeout bounds the wait.
	 */
	if (!s->client.eof && !s->client.dead) {
		relay_move(&s->client);
		s->client.eof = true;
		s->client.paused = false;
		bufferevent_disable(s->client.bev, EV_READ);
	}
	relay_check_shut(&s->server);
	relay_check_done(s);
}
