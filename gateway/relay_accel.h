/*
 * relay_accel.h: a relay accelerator, what a platform's kernel does faster
 * than libevent's socket bufferevents for links whose transport is plain
 * (doc/design.md "Platforms").  relay.c works without one; osdep's
 * gw_os_relay_accel() says which one this build has (Linux:
 * gateway/relay-linux.c, with splice(2), readv(2) and SIOCOUTQNSD; NULL
 * elsewhere).  Every slot may be NULL: relay.c then does without.
 *
 * The accelerator works on a session's links from inside the relay: the
 * gw_relay_* functions below are relay.c's own steps, exported for it only.
 */
#ifndef GW_RELAY_ACCEL_H
#define GW_RELAY_ACCEL_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/buffer.h>
#include <event2/util.h>

struct gw_link;
struct gw_session;

struct gw_relay_accel {
	/*
	 * Read from plain socket fd into the nv extents of v (reserved with
	 * evbuffer_reserve_space) in one call (readv(2)).  Returns the bytes
	 * read (at most the extents' total), 0 at EOF, or -1 with errno
	 * (EAGAIN: nothing to read now).  NULL: libevent's own reads only
	 * (at most 4096 bytes per callback in libevent 2.1), and a failed
	 * link's leftovers are read with evbuffer_read.
	 */
	ev_ssize_t	(*read)(evutil_socket_t fd, struct evbuffer_iovec *v,
			    int nv);
	/*
	 * Bytes a link's input moves straight to a plain peer's socket with
	 * evbuffer_write_atmost when nothing is queued ahead of them (true),
	 * instead of through its output buffer and a poll for writability.
	 */
	bool		  direct_write;
	/*
	 * Bytes the kernel holds for socket fd's peer and has not yet sent
	 * (SIOCOUTQNSD, tcp(7)), or 0 when it cannot say.  NULL: 0 always, so
	 * a failed session resets its other link once its bytes are handed
	 * to the socket.
	 */
	size_t		(*unsent)(evutil_socket_t fd);
	/*
	 * Splice mode: a relaying session between two links whose transports
	 * allow it (ops->splice) that has carried bulk stops using its
	 * bufferevents for I/O.  splice_begin switches session s over (sets
	 * s->spliced, or quietly leaves it in bufferevent mode for good when
	 * the kernel refuses: s->splice_off); splice_flush writes what is
	 * owed to link dst; splice_rest reads up to max bytes a failed link's
	 * socket still holds into its pipe; splice_stop releases what splice
	 * mode holds (s->spliced is already false).  All NULL: never splice.
	 */
	void		(*splice_begin)(struct gw_session *s);
	void		(*splice_flush)(struct gw_link *dst);
	void		(*splice_rest)(struct gw_link *l, size_t max);
	void		(*splice_stop)(struct gw_session *s);
};

/* Linux's (gateway/relay-linux.c), for osdep-linux.c. */
extern const struct gw_relay_accel gw_relay_accel_linux;

/* The other link of l's session. */
struct gw_link	*gw_relay_other(struct gw_link *l);

/* Bytes moved: the session is active now (its idle timer restarts). */
void		 gw_relay_touch(struct gw_session *s);

/* Link l sent its last byte (it read EOF). */
void		 gw_relay_link_ended(struct gw_link *l);

/*
 * Link l failed with errno err (why: the transport's description or NULL;
 * taken): the stream is cut both ways (relay.h).
 */
void		 gw_relay_link_failed(struct gw_link *l, int err, char *why);

/* Half-close dst when its source has finished and nothing is owed to it. */
void		 gw_relay_check_shut(struct gw_link *dst);

/* Close the session when both links are finished, or a cut is complete. */
void		 gw_relay_check_done(struct gw_session *s);

#endif /* GW_RELAY_ACCEL_H */
