/*
 * relay-linux.c: the relay accelerator of Linux (relay_accel.h): splice
 * mode, reads of up to 256 KiB per callback with readv(2), writes straight
 * to a plain socket, and the kernel's send queue (SIOCOUTQNSD).
 *
 * Splice mode: when both links are TCP sockets and one of them has sent
 * bulk (relay.c, RELAY_SPLICE_AFTER), the session stops using its
 * bufferevents for I/O.  Each link gets a pipe; splice(2) moves what the
 * link sends into its pipe and from there to the other link's socket,
 * inside the kernel.  Bytes already queued on a link's output buffer are
 * written first.  The pipe is the watermark: a full pipe stops reading from
 * its link until the other link has taken half of it.  Same order, same
 * half-close, same cut stream as bufferevent mode (relay.h).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <linux/sockios.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "gateway/gateway.h"
#include "gateway/log.h"
#include "gateway/relay.h"
#include "gateway/relay_accel.h"
#include "gateway/route.h"
#include "gateway/session.h"

/* The pipe capacity asked for (bytes); the kernel's default is 64 KiB. */
#define RELAY_PIPE_SIZE		(256 * 1024)

static void	relay_splice_flush(struct gw_link *);

/* ------------------------------------------------------------ reads */

static ev_ssize_t
relay_linux_read(evutil_socket_t fd, struct evbuffer_iovec *v, int nv)
{
	struct iovec	iov[2];
	int		i;

	if (nv > 2)
		nv = 2;
	for (i = 0; i < nv; i++) {
		iov[i].iov_base = v[i].iov_base;
		iov[i].iov_len = v[i].iov_len;
	}
	return (readv(fd, iov, nv));
}

static size_t
relay_linux_unsent(evutil_socket_t fd)
{
#ifdef SIOCOUTQNSD
	int	n = 0;	/* valgrind does not know this ioctl writes it */

	if (ioctl(fd, SIOCOUTQNSD, &n) == -1 || n < 0)
		return (0);
	return ((size_t)n);
#else
	(void)fd;
	return (0);
#endif
}

/* ------------------------------------------------------------ splice mode */

/* Throw away what src's pipe holds: its destination can take no more. */
static void
relay_splice_discard(struct gw_link *src)
{
	char	buf[16384];
	ssize_t	n;

	while (src->piped > 0) {
		n = read(src->pipe[0], buf, src->piped < sizeof buf ?
		    src->piped : sizeof buf);
		if (n <= 0)
			break;
		src->piped -= (size_t)n;
	}
}

static void
relay_splice_read(evutil_socket_t fd, short what, void *arg)
{
	struct gw_link		*src = arg, *dst = gw_relay_other(src);
	struct gw_session	*s = src->session;
	ssize_t			 n;

	(void)what;
	if (src->piped > 0 && (dst->shut || dst->dead)) {
		/*
		 * What the pipe holds can go nowhere now (dst failed while src
		 * was paused on the full pipe): drop it and read on to src's
		 * EOF, or the session waits for drain_timeout.
		 */
		relay_splice_discard(src);
	}
	if (src->piped == src->pipe_size) {
		/* Full: the other link's writes resume reading (flush). */
		src->paused = true;
		event_del(src->rd);
		return;
	}
	n = splice(fd, NULL, src->pipe[1], NULL, src->pipe_size - src->piped,
	    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (n > 0) {
		src->bytes_read += (uint64_t)n;
		src->piped += (size_t)n;
		if (dst->shut || dst->dead) {
			relay_splice_discard(src);	/* nowhere to go */
			return;
		}
		gw_relay_touch(s);
		relay_splice_flush(dst);
		if (s->state != GW_SESSION_CLOSED && dst->dead) {
			/* The flush found dst failed: nothing will drain it. */
			relay_splice_discard(src);
			return;
		}
		if (s->state != GW_SESSION_CLOSED &&
		    src->piped == src->pipe_size && !src->paused) {
			src->paused = true;
			event_del(src->rd);
		}
		return;
	}
	if (n == 0)
		gw_relay_link_ended(src);
	else if (errno != EAGAIN && errno != EINTR)
		gw_relay_link_failed(src, errno, NULL);
}

/*
 * Write what is owed to dst: first its output buffer (bytes queued before the
 * session began to splice), then the other link's pipe.
 */
static void
relay_splice_flush(struct gw_link *dst)
{
	struct gw_link		*src = gw_relay_other(dst);
	struct gw_session	*s = dst->session;
	struct evbuffer		*out = bufferevent_get_output(dst->bev);
	evutil_socket_t		 fd = bufferevent_getfd(dst->bev);
	bool			 wrote = false;
	ssize_t			 n;

	if (dst->dead || dst->shut)
		return;
	while (evbuffer_get_length(out) > 0) {
		if ((n = evbuffer_write_atmost(out, fd, -1)) <= 0) {
			if (n == 0)
				errno = EAGAIN;
			goto failed;
		}
		wrote = true;
	}
	while (src->piped > 0) {
		n = splice(src->pipe[0], NULL, fd, NULL, src->piped,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n <= 0) {
			if (n == 0)
				errno = EAGAIN;
			goto failed;
		}
		src->piped -= (size_t)n;
		dst->bytes_written += (uint64_t)n;
		wrote = true;
	}
	event_del(dst->wr);
	if (wrote)
		gw_relay_touch(s);
	if (src->paused) {
		src->paused = false;
		if (!src->eof && !src->dead)
			event_add(src->rd, NULL);
	}
	gw_relay_check_shut(dst);
	gw_relay_check_done(s);
	return;

failed:
	if (wrote)
		gw_relay_touch(s);
	if (errno == EAGAIN || errno == EINTR) {
		event_add(dst->wr, NULL);
		if (src->paused && src->piped <= src->pipe_size / 2 &&
		    evbuffer_get_length(out) == 0) {
			src->paused = false;
			if (!src->eof && !src->dead)
				event_add(src->rd, NULL);
		}
		return;
	}
	gw_relay_link_failed(dst, errno, NULL);
}

static void
relay_splice_write(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	relay_splice_flush(arg);
}

/*
 * Switch a relaying session to splice mode.  Returns quietly, the session in
 * bufferevent mode for good, when a pipe or an event cannot be had
 * (descriptors, memory).
 */
static void
relay_splice_begin(struct gw_session *s)
{
	struct gw_link		*l[2] = { &s->client, &s->server };
	struct event_base	*base = s->route->gateway->base;
	evutil_socket_t		 fd;
	int			 i, size;

	s->splice_off = true;		/* one try per session */
	for (i = 0; i < 2; i++) {
		l[i]->pipe[0] = l[i]->pipe[1] = -1;
		l[i]->rd = l[i]->wr = NULL;
	}
	s->spliced = true;		/* from here gw_relay_stop undoes it */
	for (i = 0; i < 2; i++) {
		if (pipe2(l[i]->pipe, O_NONBLOCK | O_CLOEXEC) == -1) {
			gw_log_debug("session %" PRIu64 ": no splice: pipe: %s",
			    s->id, strerror(errno));
			gw_relay_stop(s);
			return;
		}
		/* A smaller pipe (the per-user page limit) only costs speed. */
		(void)fcntl(l[i]->pipe[1], F_SETPIPE_SZ, RELAY_PIPE_SIZE);
		size = fcntl(l[i]->pipe[1], F_GETPIPE_SZ);
		l[i]->pipe_size = size > 0 ? (size_t)size : 4096;
		l[i]->piped = 0;
		fd = bufferevent_getfd(l[i]->bev);
		l[i]->rd = event_new(base, fd, EV_READ | EV_PERSIST,
		    relay_splice_read, l[i]);
		l[i]->wr = event_new(base, fd, EV_WRITE | EV_PERSIST,
		    relay_splice_write, l[i]);
		if (l[i]->rd == NULL || l[i]->wr == NULL) {
			gw_relay_stop(s);
			return;
		}
	}
	gw_log_debug("session %" PRIu64 ": splicing", s->id);
	for (i = 0; i < 2; i++) {
		bufferevent_disable(l[i]->bev, EV_READ | EV_WRITE);
		bufferevent_setwatermark(l[i]->bev, EV_WRITE, 0, 0);
		if (!l[i]->eof && !l[i]->dead && !l[i]->paused)
			event_add(l[i]->rd, NULL);
		if (!l[i]->dead && !l[i]->shut &&
		    evbuffer_get_length(bufferevent_get_output(l[i]->bev)) > 0)
			event_add(l[i]->wr, NULL);
	}
}

/* What a failed link's socket still holds, into its pipe (max bytes). */
static void
relay_splice_rest(struct gw_link *l, size_t max)
{
	evutil_socket_t	fd = bufferevent_getfd(l->bev);
	ssize_t		r;

	/*
	 * A full pipe leaves l->rest_more set: relay.c's cut check reads on
	 * once the other link has taken what the pipe holds, up to max bytes
	 * in all (l->rest_got).
	 */
	l->rest_more = false;
	while (l->rest_got < max) {
		if (l->piped == l->pipe_size) {
			l->rest_more = true;
			return;
		}
		r = splice(fd, NULL, l->pipe[1], NULL, l->pipe_size - l->piped,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (r <= 0)
			return;
		l->bytes_read += (uint64_t)r;
		l->piped += (size_t)r;
		l->rest_got += (size_t)r;
	}
}

static void
relay_splice_stop(struct gw_session *s)
{
	struct gw_link	*l[2] = { &s->client, &s->server };
	int		 i;

	for (i = 0; i < 2; i++) {
		if (l[i]->rd != NULL)
			event_free(l[i]->rd);
		if (l[i]->wr != NULL)
			event_free(l[i]->wr);
		l[i]->rd = l[i]->wr = NULL;
		if (l[i]->pipe[0] != -1) {
			close(l[i]->pipe[0]);
			close(l[i]->pipe[1]);
		}
	}
}

const struct gw_relay_accel gw_relay_accel_linux = {
	.read = relay_linux_read,
	.direct_write = true,
	.unsent = relay_linux_unsent,
	.splice_begin = relay_splice_begin,
	.splice_flush = relay_splice_flush,
	.splice_rest = relay_splice_rest,
	.splice_stop = relay_splice_stop,
};
