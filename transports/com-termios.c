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
 * The core's link is a socket bufferevent over the device's fd (com.c leaves
 * link_new to the default): libevent reads and writes it with readv(2) and
 * writev(2) and asks FIONREAD how much is there, all of which a tty answers.
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
 * gw_com_open: O_NOCTTY (never our controlling terminal), O_NONBLOCK (no wait
 * for carrier), flock(2) then TIOCEXCL, raw 8N1, and the input queue flushed
 * so the session starts clean.
 */
evutil_socket_t
gw_com_open(const char *path, unsigned baud, int *err, char *why,
    size_t size)
{
	speed_t	speed;
	int	fd;

	if (com_speed(baud, &speed) == -1) {
		*err = EINVAL;
		snprintf(why, size, "%s: baud=%u is not a rate this platform "
		    "supports", path, baud);
		return (-1);
	}
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

const unsigned gw_com_quiet_busy = 0;

const char gw_com_path_form[] = "a device path starting with '/'";

/* gw_com_close: drop TIOCEXCL (see gw_com_half_close), then close. */
void
gw_com_close(evutil_socket_t fd)
{
	ioctl(fd, TIOCNXCL);
	close(fd);
}

/*
 * gw_com_probe: poll(2) says whether a byte waits or the device hung up
 * (POLLHUP: unplugged, or the other end of a pseudo-terminal closed).
 */
int
gw_com_probe(evutil_socket_t fd, const char *path, char *why, size_t size)
{
	struct pollfd	pfd;

	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) == -1 || pfd.revents == 0)
		return (0);
	if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) {
		snprintf(why, size, "%s: the device hung up", path);
		return (-1);
	}
	return (1);
}

/* ---------------------------------------------------------------- links */

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
