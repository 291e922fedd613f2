/*
 * com-termios.c: the com transport's mechanism on Unix, a serial line under
 * termios (doc/design.md "com"; doc/transports.md §3.1 port=, baud=,
 * channel=).  The check and the ops table are com.c's; this file is the
 * platform's part of them (doc/design.md "Platforms").
 *
 * port= is "comN" or "N" (N 1-256), which is /dev/ttyS(N-1) on Linux, or a
 * device path starting with '/', used as is.  The line runs raw 8N1 at baud=
 * with no flow control; the modem lines are left as they are (CLOCAL set so
 * that carrier does not matter, HUPCL not forced either way).  The device is
 * opened exclusively: TIOCEXCL keeps out other programs that open it without
 * CAP_SYS_ADMIN, and flock(2) LOCK_EX | LOCK_NB is what keeps out a second
 * open by us, in this or another process, root included (root bypasses
 * TIOCEXCL).  channel= is checked by the parser and only recorded: one port
 * carries one stream.
 *
 * A serial line has no end of stream (no_eof): a com link ends when the
 * other side of its session ends or when the device fails.  A serving route
 * carries one session at a time: the first byte that arrives on the device
 * starts it, and the device is handed to the session; when the session ends
 * the device is opened again, flushed and watched for the next one.  A device
 * that cannot be opened again (a USB adapter unplugged, the other end of a
 * pseudo-terminal gone) is retried with bounded exponential backoff.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/file.h>
#include <sys/ioctl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include <event2/event.h>

#include "gateway/log.h"
#include "transports/transport.h"

/*
 * Per read and write callback.  A serial line is slow, but a pseudo-terminal
 * (a virtual machine's serial port) is not.
 */
#define COM_MAX_SINGLE_IO	(64 * 1024)

/* Reopening a serving device: the first retry, doubling up to the last. */
#define COM_RETRY_FIRST_MS	250
#define COM_RETRY_MAX_MS	8000

/* Room for "serial port busy: PATH" and the like. */
#define COM_WHY_SIZE		(PATH_MAX + 96)

/*
 * baud= to speed_t: every rate Linux defines (termios-baud.h), B50 to
 * B4000000.  B0 (hang up) is not a rate.
 */
static const struct {
	unsigned	baud;
	speed_t		speed;
} com_speeds[] = {
	{ 50, B50 }, { 75, B75 }, { 110, B110 }, { 134, B134 },
	{ 150, B150 }, { 200, B200 }, { 300, B300 }, { 600, B600 },
	{ 1200, B1200 }, { 1800, B1800 }, { 2400, B2400 }, { 4800, B4800 },
	{ 9600, B9600 }, { 19200, B19200 }, { 38400, B38400 },
#ifdef B57600
	{ 57600, B57600 },
#endif
#ifdef B115200
	{ 115200, B115200 },
#endif
#ifdef B230400
	{ 230400, B230400 },
#endif
#ifdef B460800
	{ 460800, B460800 },
#endif
#ifdef B500000
	{ 500000, B500000 },
#endif
#ifdef B576000
	{ 576000, B576000 },
#endif
#ifdef B921600
	{ 921600, B921600 },
#endif
#ifdef B1000000
	{ 1000000, B1000000 },
#endif
#ifdef B1152000
	{ 1152000, B1152000 },
#endif
#ifdef B1500000
	{ 1500000, B1500000 },
#endif
#ifdef B2000000
	{ 2000000, B2000000 },
#endif
#ifdef B2500000
	{ 2500000, B2500000 },
#endif
#ifdef B3000000
	{ 3000000, B3000000 },
#endif
#ifdef B3500000
	{ 3500000, B3500000 },
#endif
#ifdef B4000000
	{ 4000000, B4000000 },
#endif
};

/* The speed_t for baud.  Returns 0, or -1 when the platform has no such rate. */
static int
com_speed(unsigned baud, speed_t *speed)
{
	size_t	i;

	for (i = 0; i < sizeof com_speeds / sizeof com_speeds[0]; i++) {
		if (com_speeds[i].baud == baud) {
			*speed = com_speeds[i].speed;
			return (0);
		}
	}
	return (-1);
}

bool
gw_com_baud_ok(unsigned baud)
{
	speed_t	speed;

	return (com_speed(baud, &speed) == 0);
}

/*
 * port= to a device path in buf (size bytes): "comN" or "N" (N 1-256, "com"
 * in any case) is /dev/ttyS(N-1) (doc/design.md "com"); a path starting with
 * '/' is used as is.  Returns 0, or -1 when port has none of these forms or the
 * path does not fit.
 */
int
gw_com_device(const char *port, char *buf, size_t size)
{
	unsigned long	 n;
	int		 len;

	if (port[0] == '/') {
		if (port[1] == '\0')
			return (-1);
		len = snprintf(buf, size, "%s", port);
		return (len < 0 || (size_t)len >= size ? -1 : 0);
	}
	if (gw_com_port_number(port, &n) == -1)
		return (-1);
	len = snprintf(buf, size, "/dev/ttyS%lu", n - 1);
	return (len < 0 || (size_t)len >= size ? -1 : 0);
}

/* The device path a link's fd is open on (Linux /proc), for messages. */
static void
com_fd_path(int fd, char *buf, size_t size)
{
	char	proc[64];
	ssize_t	n;

	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	if ((n = readlink(proc, buf, size - 1)) <= 0) {
		snprintf(buf, size, "serial device (fd %d)", fd);
		return;
	}
	buf[n] = '\0';
}

/*
 * Raw 8N1 at speed with no flow control (doc/design.md "com"), from the current
 * settings so what we do not mention stays as it is: CLOCAL on (carrier does
 * not matter), HUPCL and the modem lines untouched.  VMIN 1 / VTIME 0: with
 * O_NONBLOCK a read returns at once with whatever has arrived (no batching),
 * and a read with nothing there says EAGAIN, never 0, which libevent would
 * take for the end of the stream.  Checks that the driver took the rate.
 * Returns 0, or -1 with errno.
 */
static int
com_configure(int fd, speed_t speed)
{
	struct termios	t, got;

	if (tcgetattr(fd, &t) == -1)
		return (-1);
	t.c_iflag &= ~(IGNBRK | BRKINT | IGNPAR | PARMRK | INPCK | ISTRIP |
	    INLCR | IGNCR | ICRNL | IXON | IXOFF | IXANY | IMAXBEL);
#ifdef IUCLC
	t.c_iflag &= ~IUCLC;
#endif
	t.c_oflag &= ~OPOST;
	t.c_lflag &= ~(ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHONL | IEXTEN |
	    NOFLSH | TOSTOP);
	t.c_cflag &= ~(CSIZE | PARENB | PARODD | CSTOPB);
#ifdef CMSPAR
	t.c_cflag &= ~CMSPAR;
#endif
#ifdef CRTSCTS
	t.c_cflag &= ~CRTSCTS;
#endif
	t.c_cflag |= CS8 | CREAD | CLOCAL;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (cfsetispeed(&t, speed) == -1 || cfsetospeed(&t, speed) == -1)
		return (-1);
	if (tcsetattr(fd, TCSANOW, &t) == -1)
		return (-1);
	/* tcsetattr succeeds when any of the changes took: look. */
	if (tcgetattr(fd, &got) == -1)
		return (-1);
	if (cfgetospeed(&got) != speed || cfgetispeed(&got) != speed ||
	    (got.c_cflag & (CSIZE | PARENB | CSTOPB)) != CS8) {
		errno = EINVAL;
		return (-1);
	}
	return (0);
}

/*
 * Open path exclusively and configure it at speed: O_NOCTTY (never our
 * controlling terminal), O_NONBLOCK (no wait for carrier), flock(2) then
 * TIOCEXCL, raw 8N1, and both queues flushed so the session starts clean.
 * Returns the nonblocking fd, or -1 with *err (an errno value: EBUSY when
 * another holder has the port) and a message in why (size bytes) naming the
 * device.
 */
static int
com_open(const char *path, speed_t speed, int *err, char *why, size_t size)
{
	int	fd;

	if ((fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) ==
	    -1) {
		*err = errno;
		if (*err == EBUSY)
			snprintf(why, size, "serial port busy: %s", path);
		else
			snprintf(why, size, "%s: %s", path, strerror(*err));
		return (-1);
	}
	if (!isatty(fd)) {
		*err = ENOTTY;
		snprintf(why, size, "%s: not a serial device (not a terminal)",
		    path);
		goto fail;
	}
	/* First the lock: nothing is changed on a port someone else holds. */
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		*err = errno == EWOULDBLOCK ? EBUSY : errno;
		if (*err == EBUSY)
			snprintf(why, size, "serial port busy: %s", path);
		else
			snprintf(why, size, "%s: flock: %s", path,
			    strerror(*err));
		goto fail;
	}
	if (ioctl(fd, TIOCEXCL) == -1) {
		*err = errno;
		snprintf(why, size, "%s: TIOCEXCL: %s", path, strerror(*err));
		goto fail;
	}
	if (com_configure(fd, speed) == -1) {
		*err = errno;
		snprintf(why, size, "%s: cannot make it raw 8N1 at this rate: "
		    "%s", path, strerror(*err));
		goto fail;
	}
	/*
	 * Flush what arrived while nobody listened, for the next session; never
	 * the output queue, which may still hold the last session's tail.
	 */
	if (tcflush(fd, TCIFLUSH) == -1) {
		*err = errno;
		snprintf(why, size, "%s: tcflush: %s", path, strerror(*err));
		goto fail;
	}
	return (fd);
fail:
	ioctl(fd, TIOCNXCL);
	close(fd);
	return (-1);
}

/* ---------------------------------------------------------------- listen */

struct com_listener {
	struct event_base	*base;
	char			*path;		/* the device */
	speed_t			 speed;
	int			 fd;		/* ours while watching, else -1 */
	struct event		*watch;		/* EV_READ on fd */
	struct event		*retry;		/* timer: open the device again */
	unsigned		 backoff_ms;	/* the next retry's delay */
	unsigned		 failures;	/* opens failed in this streak */
	bool			 lost;		/* hung up or failed to open */
	bool			 paused;	/* by the owner */
	gw_endpoint_accept_cb		*accept;
	void			*arg;
};

static void	com_listen_retry(struct com_listener *, unsigned);

/* Give up the device: close our fd and stop watching it. */
static void
com_listen_close(struct com_listener *l)
{
	if (l->watch != NULL) {
		event_free(l->watch);
		l->watch = NULL;
	}
	if (l->fd != -1) {
		ioctl(l->fd, TIOCNXCL);
		close(l->fd);
		l->fd = -1;
	}
}

static void
com_listen_ready(evutil_socket_t fd, short what, void *arg)
{
	struct com_listener	*l = arg;
	struct pollfd		 pfd;

	(void)what;
	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) == -1 || pfd.revents == 0)
		return;		/* nothing after all; keep watching */
	if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) {
		/* Unplugged, or the other end of a pseudo-terminal closed. */
		gw_log_warn("com: %s: the device hung up while waiting for a "
		    "session; opening it again", l->path);
		l->lost = true;
		com_listen_close(l);
		com_listen_retry(l, COM_RETRY_FIRST_MS);
		return;
	}
	/*
	 * The first byte starts a session.  It stays in the device's queue
	 * for the session to read.  The fd is the session's from here; the
	 * owner pauses us and resumes us when the session has ended.
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
	if ((l->fd = com_open(l->path, l->speed, err, why, size)) == -1)
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
	struct timeval	tv;

	if (l->paused)
		return;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(l->retry, &tv);
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
		l->backoff_ms = COM_RETRY_FIRST_MS;
		return;
	}
	/* One warning per streak of failures, not one per attempt. */
	l->lost = true;
	if (l->failures++ == 0)
		gw_log_warn("com: cannot open %s; retrying from %u ms up to "
		    "every %u s: %s", l->path, COM_RETRY_FIRST_MS,
		    COM_RETRY_MAX_MS / 1000, why);
	com_listen_retry(l, l->backoff_ms);
	l->backoff_ms = l->backoff_ms * 2 > COM_RETRY_MAX_MS ?
	    COM_RETRY_MAX_MS : l->backoff_ms * 2;
}

/*
 * The listen slot.  Opens and configures the device at once: a device that
 * cannot be opened when the route starts is an error naming it, as a port
 * in use is for tcp.  Once serving, failures are retried (com_listen_reopen).
 */
void *
gw_com_listen(struct event_base *base, const struct gw_listen_params *params,
    gw_endpoint_accept_cb *accept, void *arg, char **where,
    char **cause)
{
	const struct gw_spec	*spec = params->spec;
	struct com_listener	*l;
	char			 path[PATH_MAX], why[COM_WHY_SIZE];
	speed_t			 speed = B0;
	int			 err;

	if (gw_com_check(spec, cause) == -1)
		return (NULL);
	gw_com_device(spec->com_port, path, sizeof path);
	com_speed(spec->baud, &speed);
	if ((l = calloc(1, sizeof *l)) == NULL ||
	    (l->path = strdup(path)) == NULL ||
	    (l->retry = evtimer_new(base, com_listen_reopen, l)) == NULL) {
		if (l != NULL)
			free(l->path);
		free(l);
		*cause = strdup("out of memory");
		return (NULL);
	}
	l->base = base;
	l->speed = speed;
	l->fd = -1;
	l->backoff_ms = COM_RETRY_FIRST_MS;
	l->accept = accept;
	l->arg = arg;
	if (com_listen_open(l, &err, why, sizeof why) == -1) {
		*cause = strdup(why);
		event_free(l->retry);
		free(l->path);
		free(l);
		return (NULL);
	}
	if ((*where = strdup(path)) == NULL) {
		com_listen_close(l);
		event_free(l->retry);
		free(l->path);
		free(l);
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
void
gw_com_listen_pause(void *listener, bool pause)
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
void
gw_com_listen_free(void *listener)
{
	struct com_listener	*l = listener;

	if (l == NULL)
		return;
	com_listen_close(l);
	event_free(l->retry);
	free(l->path);
	free(l);
}

/* ---------------------------------------------------------------- connect */

/* Close a device a connect opened but did not deliver. */
static void
com_connect_close(int fd)
{
	if (fd != -1) {
		ioctl(fd, TIOCNXCL);
		close(fd);
	}
}

/*
 * The connect slot: the device is opened, locked and configured inside the
 * call (open(2) with O_NONBLOCK does not wait), and the outcome reaches the
 * callback from the loop (gw_connect_outcome).  A port held by another
 * session or program fails with EBUSY ("serial port busy: /dev/ttyS0");
 * other failures with their errno and a message naming the device.
 */
void *
gw_com_connect(struct event_base *base, struct evdns_base *dns,
    const struct gw_spec *spec, const char *pipe_dir, void *prepared,
    gw_endpoint_connect_cb *cb, void *arg)
{
	struct gw_connect_outcome	*o;
	char				 path[PATH_MAX], why[COM_WHY_SIZE] = "";
	speed_t				 speed = B0;
	int				 fd = -1, err = 0;

	(void)dns;
	(void)pipe_dir;
	(void)prepared;
	if (spec->com_port == NULL ||
	    gw_com_device(spec->com_port, path, sizeof path) == -1) {
		err = EINVAL;
		snprintf(why, sizeof why, "com: port=%s is not comN, N or "
		    "a device path", spec->com_port != NULL ? spec->com_port :
		    "");
	} else if (com_speed(spec->baud, &speed) == -1) {
		err = EINVAL;
		snprintf(why, sizeof why, "com: baud=%u is not a rate "
		    "this platform supports", spec->baud);
	} else
		fd = com_open(path, speed, &err, why, sizeof why);
	/* The outcome reaches the caller from the loop, never from here. */
	o = gw_connect_outcome(base, fd, fd == -1 ? err : 0,
	    fd == -1 ? why : "", cb, arg);
	if (o == NULL)
		com_connect_close(fd);
	return (o);
}

/* The connect_cancel slot: a device already opened is closed. */
void
gw_com_connect_cancel(void *attempt)
{
	com_connect_close(gw_connect_outcome_cancel(attempt));
}

/* ---------------------------------------------------------------- links */

/*
 * The link_new slot.  bufferevent_socket_new works on a terminal: libevent
 * reads and writes it with readv(2) and writev(2) and asks FIONREAD how much
 * is there, all of which a tty answers.
 */
struct bufferevent *
gw_com_link_new(struct event_base *base, evutil_socket_t fd,
    struct gw_tls_ctx *tls, const char *host, char **cause)
{
	(void)tls;
	(void)host;
	return (gw_stream_link_new(base, fd, COM_MAX_SINGLE_IO, cause));
}

/*
 * The half_close slot.  A serial line cannot say end of stream: nothing is
 * sent.  The relay calls this once the link is finished (and the session
 * close for every link not yet finished), so it is where the device stops
 * being exclusive: TIOCEXCL stays on a tty for as long as the tty lives,
 * which for a pseudo-terminal is as long as its other end is open, and would
 * keep our next open out when we do not run as root.  The flock(2) lock
 * holds until the link's fd is closed.  Returns 0.
 */
int
gw_com_half_close(struct bufferevent *bev)
{
	evutil_socket_t	fd = bufferevent_getfd(bev);

	if (fd != -1)
		ioctl(fd, TIOCNXCL);	/* fails on a hung-up device: no matter */
	return (0);
}

/*
 * The after_eof slot.  A read of 0 on a serial device means it hung up (a USB
 * adapter unplugged, the other end of a pseudo-terminal closed): the line
 * itself never ends.  The relay records "client closed" or "server closed";
 * this says what it was.
 */
void
gw_com_after_eof(struct bufferevent *bev)
{
	char	path[PATH_MAX];

	com_fd_path(bufferevent_getfd(bev), path, sizeof path);
	gw_log_warn("com: %s: the device hung up (unplugged, or the other end "
	    "of a pseudo-terminal closed)", path);
}

/*
 * The error slot: when the device itself has failed (tcgetattr(3) fails, as
 * it does with EIO once a device is gone), "DEVICE: device failed: ERROR";
 * otherwise NULL, and the socket error tells.
 */
char *
gw_com_error(struct bufferevent *bev)
{
	struct termios	t;
	evutil_socket_t	fd = bufferevent_getfd(bev);
	char		path[PATH_MAX], *why;
	int		err;

	if (fd == -1 || tcgetattr(fd, &t) == 0)
		return (NULL);
	err = errno;
	com_fd_path(fd, path, sizeof path);
	if (asprintf(&why, "%s: device failed: %s", path, strerror(err)) == -1)
		return (NULL);
	return (why);
}
