/*
 * com.c: the com transport, what every platform shares (doc/design.md "com";
 * doc/transports.md §3.1 port=, baud=, channel=): the port number's form, the
 * check slot, the ops table, and the serving and connecting sides: one
 * session at a time, the device reopened after each with bounded exponential
 * backoff.  The mechanism is the platform's (doc/design.md "Platforms"):
 * com-termios.c, a serial line under termios, and com-win32.c, a serial port
 * behind a pump; each opens, probes and closes a device (gw_com_open,
 * gw_com_probe, gw_com_close).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "gateway/log.h"
#include "transports/transport.h"

/*
 * Per read and write callback.  A serial line is slow, but a pseudo-terminal
 * (a virtual machine's serial port) or a pump's socket is not.
 */
#define COM_MAX_SINGLE_IO	(64 * 1024)

/* Reopening a serving device: the first retry, doubling up to the last. */
#define COM_RETRY_FIRST_MS	250
#define COM_RETRY_MAX_MS	8000

/* Room for "serial port busy: PATH" and a platform's error text. */
#define COM_WHY_SIZE		(PATH_MAX + 320)

int
gw_com_port_number(const char *port, unsigned long *n)
{
	const char	*p = port;
	char		*end;

	if (strncasecmp(p, "com", 3) == 0)
		p += 3;
	if (*p < '0' || *p > '9')
		return (-1);
	errno = 0;
	*n = strtoul(p, &end, 10);
	if (errno != 0 || *end != '\0' || *n < 1 || *n > 256)
		return (-1);
	return (0);
}

/*
 * The check slot: baud= a rate this platform has and port= a form
 * gw_com_device maps.  Nothing is opened: whether the device exists is the
 * business of listen and connect.
 */
int
gw_com_check(const struct gw_spec *spec, char **cause)
{
	char	path[PATH_MAX];

	if (!gw_com_baud_ok(spec->baud)) {
		if (asprintf(cause, "com: baud=%u is not a rate this platform "
		    "supports", spec->baud) == -1)
			*cause = NULL;
		return (-1);
	}
	if (spec->com_port == NULL ||
	    gw_com_device(spec->com_port, path, sizeof path) == -1) {
		if (asprintf(cause, "com: port=%s must be comN or N (1-256) or "
		    "%s", spec->com_port != NULL ? spec->com_port : "",
		    gw_com_path_form) == -1)
			*cause = NULL;
		return (-1);
	}
	return (0);
}

/* ---------------------------------------------------------------- listen */

/*
 * A serving com endpoint: one device, one session at a time
 * (doc/design.md "com").  The platform opens, probes and closes the device
 * (gw_com_open, gw_com_probe, gw_com_close); when and how often to reopen it
 * is the same everywhere, and lives here.
 */
struct com_listener {
	struct event_base	*base;
	char			*path;		/* the device */
	unsigned		 baud;
	evutil_socket_t		 fd;		/* ours while watching, else -1 */
	struct event		*watch;		/* EV_READ on fd */
	struct event		*retry;		/* timer: open the device again */
	unsigned		 backoff_ms;	/* the last backoff, or 0 */
	unsigned		 failures;	/* opens failed in this streak */
	bool			 lost;		/* hung up or failed to open */
	bool			 paused;	/* by the owner */
	gw_endpoint_accept_cb	*accept;
	void			*arg;
};

static void	com_listen_retry(struct com_listener *, unsigned);

/* Give up the device: stop watching it and close it. */
static void
com_listen_close(struct com_listener *l)
{
	if (l->watch != NULL) {
		event_free(l->watch);
		l->watch = NULL;
	}
	if (l->fd != -1) {
		gw_com_close(l->fd);
		l->fd = -1;
	}
}

static void
com_listen_ready(evutil_socket_t fd, short what, void *arg)
{
	struct com_listener	*l = arg;
	char			 why[COM_WHY_SIZE];

	(void)what;
	switch (gw_com_probe(fd, l->path, why, sizeof why)) {
	case 0:
		return;		/* nothing after all; keep watching */
	case -1:
		gw_log_warn("com: %s while waiting for a session; opening it "
		    "again", why);
		l->lost = true;
		com_listen_close(l);
		com_listen_retry(l, COM_RETRY_FIRST_MS);
		return;
	}
	/*
	 * The first byte starts a session.  It stays where it is for the
	 * session to read.  The fd is the session's from here; the owner
	 * pauses us and resumes us when the session has ended.
	 */
	event_free(l->watch);
	l->watch = NULL;
	l->fd = -1;
	l->accept(fd, l->path, NULL, l->arg);
}

/* Open the device and watch it.  Returns 0, or -1 with *err and why. */
static int
com_listen_open(struct com_listener *l, int *err, char *why, size_t size)
{
	if ((l->fd = gw_com_open(l->path, l->baud, err, why, size)) == -1)
		return (-1);
	l->watch = event_new(l->base, l->fd, EV_READ | EV_PERSIST,
	    com_listen_ready, l);
	if (l->watch == NULL || (!l->paused && event_add(l->watch, NULL) ==
	    -1)) {
		*err = ENOMEM;
		snprintf(why, size, "%s: cannot watch the device", l->path);
		com_listen_close(l);
		return (-1);
	}
	return (0);
}

/* Try to open the device again in ms milliseconds. */
static void
com_listen_retry(struct com_listener *l, unsigned ms)
{
	if (!l->paused)
		gw_timer_add_ms(l->retry, ms);
}

static void
com_listen_reopen(evutil_socket_t fd, short what, void *arg)
{
	struct com_listener	*l = arg;
	char			 why[COM_WHY_SIZE];
	int			 err;

	(void)fd;
	(void)what;
	if (l->paused || l->fd != -1)
		return;
	if (com_listen_open(l, &err, why, sizeof why) == 0) {
		if (l->lost && l->failures == 0)
			gw_log_info("com: %s: open again", l->path);
		else if (l->lost)
			gw_log_info("com: %s: open again after %u failed "
			    "attempt%s", l->path, l->failures,
			    l->failures == 1 ? "" : "s");
		l->lost = false;
		l->failures = 0;
		l->backoff_ms = 0;
		return;
	}
	/*
	 * One warning per streak of failures, not one per attempt; a device
	 * the platform is still closing after the last session
	 * (gw_com_quiet_busy) is not worth one.
	 */
	if (err == EBUSY && !l->lost && l->failures < gw_com_quiet_busy) {
		l->failures++;
		gw_log_debug("com: %s: still busy, retrying", l->path);
		com_listen_retry(l, COM_RETRY_FIRST_MS / 4);
		return;
	}
	if (!l->lost || l->failures == gw_com_quiet_busy)
		gw_log_warn("com: cannot open %s; retrying from %u ms up to "
		    "every %u s: %s", l->path, COM_RETRY_FIRST_MS,
		    COM_RETRY_MAX_MS / 1000, why);
	l->lost = true;
	l->failures++;
	l->backoff_ms = gw_backoff_next(l->backoff_ms, COM_RETRY_FIRST_MS,
	    COM_RETRY_MAX_MS);
	com_listen_retry(l, l->backoff_ms);
}

/* Free a listener that holds no device. */
static void
com_listener_free(struct com_listener *l)
{
	if (l->retry != NULL)
		event_free(l->retry);
	free(l->path);
	free(l);
}

/*
 * The listen slot.  Opens and configures the device at once: a device that
 * cannot be opened when the route starts is an error naming it, as a port
 * in use is for tcp.  Once serving, failures are retried (com_listen_reopen).
 */
static void *
com_listen(struct event_base *base, const struct gw_listen_params *params,
    gw_endpoint_accept_cb *accept, void *arg, char **where,
    char **cause)
{
	const struct gw_spec	*spec = params->spec;
	struct com_listener	*l;
	char			 path[PATH_MAX], why[COM_WHY_SIZE];
	int			 err;

	if (gw_com_check(spec, cause) == -1)
		return (NULL);
	gw_com_device(spec->com_port, path, sizeof path);
	if ((l = calloc(1, sizeof *l)) == NULL ||
	    (l->path = strdup(path)) == NULL ||
	    (l->retry = evtimer_new(base, com_listen_reopen, l)) == NULL) {
		if (l != NULL)
			com_listener_free(l);
		*cause = strdup("out of memory");
		return (NULL);
	}
	l->base = base;
	l->baud = spec->baud;
	l->fd = -1;
	l->accept = accept;
	l->arg = arg;
	if (com_listen_open(l, &err, why, sizeof why) == -1) {
		*cause = strdup(why);
		com_listener_free(l);
		return (NULL);
	}
	if ((*where = strdup(path)) == NULL) {
		com_listen_close(l);
		com_listener_free(l);
		*cause = strdup("out of memory");
		return (NULL);
	}
	return (l);
}

/*
 * The listen_pause slot.  Pausing stops watching (and retrying); while a
 * session owns the device there is nothing else to do.  Resuming watches the
 * device again if we still hold it, or else (the session closed it) opens it
 * again from the loop, never inside this call: the session's link may not be
 * freed (and its lock released) until the loop has run.
 */
static void
com_listen_pause(void *listener, bool pause)
{
	struct com_listener	*l = listener;

	l->paused = pause;
	if (pause) {
		if (l->watch != NULL)
			event_del(l->watch);
		evtimer_del(l->retry);
		return;
	}
	if (l->fd != -1) {
		if (l->watch != NULL)
			event_add(l->watch, NULL);
		return;
	}
	if (!evtimer_pending(l->retry, NULL))
		com_listen_retry(l, 0);
}

/* The listen_free slot: a device we hold is closed (and its lock released). */
static void
com_listen_free(void *listener)
{
	struct com_listener	*l = listener;

	if (l == NULL)
		return;
	com_listen_close(l);
	com_listener_free(l);
}

/* ---------------------------------------------------------------- connect */

/*
 * The connect slot: the device is opened, locked and configured inside the
 * call (opening a serial device does not wait, on any platform), and the
 * outcome reaches the callback from the loop (gw_connect_outcome).  A port
 * held by another session or program fails with EBUSY ("serial port busy:
 * DEVICE"); other failures with their errno and a message naming the device.
 */
static void *
com_connect(struct event_base *base, struct evdns_base *dns,
    const struct gw_spec *spec, const char *pipe_dir, void *prepared,
    gw_endpoint_connect_cb *cb, void *arg)
{
	struct gw_connect_outcome	*o;
	char				 path[PATH_MAX], why[COM_WHY_SIZE] = "";
	evutil_socket_t			 fd = -1;
	int				 err = 0;

	(void)dns;
	(void)pipe_dir;
	(void)prepared;
	if (spec->com_port == NULL ||
	    gw_com_device(spec->com_port, path, sizeof path) == -1) {
		err = EINVAL;
		snprintf(why, sizeof why, "com: port=%s is not comN, N or "
		    "a device path", spec->com_port != NULL ? spec->com_port :
		    "");
	} else if (!gw_com_baud_ok(spec->baud)) {
		err = EINVAL;
		snprintf(why, sizeof why, "com: baud=%u is not a rate "
		    "this platform supports", spec->baud);
	} else
		fd = gw_com_open(path, spec->baud, &err, why, sizeof why);
	/* The outcome reaches the caller from the loop, never from here. */
	o = gw_connect_outcome(base, fd, fd == -1 ? err : 0,
	    fd == -1 ? why : "", cb, arg);
	if (o == NULL && fd != -1)
		gw_com_close(fd);
	return (o);
}

/* The connect_cancel slot: a device already opened is closed. */
static void
com_connect_cancel(void *attempt)
{
	evutil_socket_t	fd;

	if ((fd = gw_connect_outcome_cancel(attempt)) != -1)
		gw_com_close(fd);
}

/* The port= given: the device a session opens. */
static void
com_target(const struct gw_spec *spec, const char *pipe_dir, char *buf,
    size_t size)
{
	(void)pipe_dir;
	if (spec->com_port != NULL)
		snprintf(buf, size, "%s", spec->com_port);
}

/* The check slot: the same on both sides of a route. */
static int
com_check(const struct gw_spec *spec, bool serve, const char *pipe_dir,
    char **cause)
{
	(void)serve;
	(void)pipe_dir;
	return (gw_com_check(spec, cause));
}

/* A serial line: the endpoint of com, one session at a time. */
const struct gw_endpoint_ops gw_endpoint_com = {
	.connect_verb = "opening",
	.named_by_target = true,
	.one_session = true,
	.target = com_target,
	.check = com_check,
	.listen = com_listen,
	.listen_pause = com_listen_pause,
	.listen_free = com_listen_free,
	.connect = com_connect,
	.connect_cancel = com_connect_cancel,
};

/* What a serial line carries: bytes with no end of stream. */
const struct gw_stream_ops gw_stream_serial = {
	.no_eof = true,
	.max_io = COM_MAX_SINGLE_IO,
	.half_close = gw_com_half_close,
	.after_eof = gw_com_after_eof,
	.error = gw_com_error,
};
