/*
 * bulkpeer.c: one end of a byte-exact, full-duplex bulk transfer for the
 * e2e tests (tests/e2e/bulk.sh, tests/e2e/tls_refused.sh, tests/e2e/matrix.sh).
 *
 *   bulkpeer [-ew] [-s client|server] listen|connect PORT BYTES SEED
 *            [TIMEOUT_S]
 *   bulkpeer [-ew] [-s client|server] unix-listen|unix-connect PATH BYTES
 *            SEED [TIMEOUT_S]
 *   bulkpeer [-w] -s client|server tty PATH BYTES SEED [TIMEOUT_S]
 *
 * "listen" accepts one connection on 127.0.0.1:PORT (then closes its
 * listener); "connect" connects to 127.0.0.1:PORT.  "unix-listen" binds a
 * Unix-domain stream socket at PATH (replacing a socket file already there),
 * accepts one connection, then closes and removes its listener;
 * "unix-connect" connects to the socket at PATH.  "tty" opens the terminal
 * device PATH (a pty end), takes flock(2) LOCK_EX on it as serial programs
 * do (dbgbridge's com transport then leaves it alone: no other test's
 * bridge can open and flush it) and makes it raw (cfmakeraw).  Both ends
 * then, at the same time, send BYTES bytes of a deterministic pseudo-random
 * stream and receive the peer's, checking every byte.
 *
 * By default an end half-closes (shutdown SHUT_WR) after its last byte and
 * expects EOF after exactly BYTES bytes.  With -e (exact; always for tty, a
 * serial line has no EOF of its own) an end sends and receives exactly BYTES
 * bytes without waiting for EOF; once both directions are complete a socket
 * end half-closes and then expects EOF with no byte more (the relay ends a
 * link whose other side has no EOF when that side's session ends), and a tty
 * end closes the device.
 *
 * With -w an end sends nothing before the first byte from its peer has
 * arrived: a process server behind a serial line that speaks only when
 * spoken to (what the relay's connect finds on the line before that is
 * flushed away).
 *
 * The stream from the client side to the server side ("up") and back
 * ("down") are different: each is xorshift64* seeded from SEED and the
 * direction, so both ends take the same SEED.  The connecting modes are the
 * client side and the listening modes the server side; -s says which side
 * an end is (tty needs it).
 *
 * Prints "ok sent=N received=N" and exits 0; otherwise prints what went wrong
 * (first mismatching offset, short or long count, socket error, timeout) on
 * stderr and exits 1.  Usage errors exit 2.  Everything ends within
 * TIMEOUT_S seconds (default 300) from start.  SIGTERM or SIGINT during the
 * transfer ends it at once with how far it got ("terminated: sent ...").
 */
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "peer.h"

const char peer_name[] = "bulkpeer";

void
usage(void)
{
	fprintf(stderr,
	    "usage: bulkpeer [-ew] [-s client|server] listen|connect PORT BYTES "
	    "SEED [TIMEOUT_S]\n"
	    "       bulkpeer [-ew] [-s client|server] unix-listen|unix-connect "
	    "PATH BYTES SEED [TIMEOUT_S]\n"
	    "       bulkpeer [-w] -s client|server tty PATH BYTES SEED "
	    "[TIMEOUT_S]\n");
	exit(2);
}

static void
on_stop(int sig)
{
	(void)sig;
	stopped = 1;
}

static int
do_listen(uint16_t port)
{
	int lfd, fd;

	lfd = listen_on(port, 1);
	if ((fd = accept_wait(lfd)) == -1)
		die("%s: no connection on 127.0.0.1:%u",
		    stopped ? "terminated" : "timeout", port);
	close(lfd);
	return fd;
}

static int
do_connect(uint16_t port)
{
	struct sockaddr_in sin = loopback(port);
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		die("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1)
		die("connect 127.0.0.1:%u: %s", port, strerror(errno));
	return fd;
}

static struct sockaddr_un
unix_addr(const char *path)
{
	struct sockaddr_un sun;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path)
		die("socket path too long: %s", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	return sun;
}

static int
do_unix_listen(const char *path)
{
	struct sockaddr_un sun = unix_addr(path);
	struct stat st;
	int lfd, fd;

	/* Replace a socket file left by an earlier run, nothing else. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			die("%s exists and is not a socket", path);
		if (unlink(path) == -1)
			die("unlink %s: %s", path, strerror(errno));
	}
	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		die("socket: %s", strerror(errno));
	if (bind(lfd, (struct sockaddr *)&sun, sizeof sun) == -1)
		die("bind %s: %s", path, strerror(errno));
	if (listen(lfd, 1) == -1)
		die("listen: %s", strerror(errno));
	set_nonblock(lfd);
	if ((fd = accept_wait(lfd)) == -1) {
		unlink(path);
		die("%s: no connection on %s",
		    stopped ? "terminated" : "timeout", path);
	}
	close(lfd);
	unlink(path);
	return fd;
}

static int
do_unix_connect(const char *path)
{
	struct sockaddr_un sun = unix_addr(path);
	int fd;

	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		die("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1)
		die("connect %s: %s", path, strerror(errno));
	return fd;
}

/* A terminal device (a pty end standing in for a serial line), made raw. */
static int
do_tty(const char *path)
{
	struct termios t;
	int fd;

	if ((fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		die("open %s: %s", path, strerror(errno));
	if (!isatty(fd))
		die("%s is not a terminal", path);
	/* Ours alone: another program's serial port code keeps out. */
	if (flock(fd, LOCK_EX | LOCK_NB) == -1)
		die("flock %s: %s (another program holds the device)", path,
		    strerror(errno));
	if (tcgetattr(fd, &t) == -1)
		die("tcgetattr %s: %s", path, strerror(errno));
	cfmakeraw(&t);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &t) == -1)
		die("tcsetattr %s: %s", path, strerror(errno));
	return fd;
}

/* Up to 8 bytes as hex, in one of two static buffers. */
static const char *
hex(const uint8_t *p, size_t n, int which)
{
	static char buf[2][8 * 2 + 1];
	size_t i;

	for (i = 0; i < n && i < 8; i++)
		snprintf(buf[which] + 2 * i, 3, "%02x", p[i]);
	buf[which][2 * i] = '\0';
	return buf[which];
}

/* The first offset where a and b differ (they do differ). */
static size_t
first_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n && a[i] == b[i]; i++)
		;
	return i;
}

/*
 * exact: stop once BYTES have gone each way instead of at EOF; then a socket
 * half-closes and expects EOF, a tty (no EOF on a serial line) just closes.
 */
static void
transfer(int fd, uint64_t total, struct stream *out, struct stream *in,
    int exact, int tty, int wait_first)
{
	static uint8_t sbuf[CHUNK], rbuf[CHUNK], ebuf[CHUNK];
	uint64_t sent = 0, received = 0;
	size_t soff = 0, slen = 0, off;
	struct pollfd pfd;
	int wr_done = 0, eof = 0, r;
	ssize_t n;

	set_nonblock(fd);
	if (total == 0 && !exact) {
		if (shutdown(fd, SHUT_WR) == -1)
			die("shutdown: %s", strerror(errno));
		wr_done = 1;
	}
	for (;;) {
		if (exact && sent == total && received == total) {
			if (tty || eof)
				break;
			if (!wr_done) {
				/* Both directions complete: now the end. */
				if (shutdown(fd, SHUT_WR) == -1)
					die("shutdown: %s", strerror(errno));
				wr_done = 1;
			}
		}
		if (!exact && wr_done && eof)
			break;
		if (stopped || now_us() >= deadline_us)
			die("%s: sent %" PRIu64 " of %" PRIu64
			    ", received %" PRIu64 " of %" PRIu64 "%s%s%s",
			    stopped ? "terminated" : "timeout",
			    sent, total, received, total,
			    wr_done ? ", write side shut" : "",
			    eof ? ", EOF seen" : "",
			    exact && sent == total && received == total ?
			    " (every byte moved; no EOF after the half-close)" :
			    "");
		pfd.fd = fd;
		pfd.events = (eof ? 0 : POLLIN) |
		    (wr_done || sent == total ||
		    (wait_first && received == 0) ? 0 : POLLOUT);
		pfd.revents = 0;
		r = poll(&pfd, 1, poll_ms(1000));
		if (r == -1 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (r <= 0)
			continue;

		if (!eof && (pfd.revents & (POLLIN | POLLHUP | POLLERR))) {
			n = read(fd, rbuf, sizeof rbuf);
			if (n == 0 || (n == -1 && tty && errno == EIO)) {
				eof = 1;
				if (tty)
					die("the line hung up after %" PRIu64
					    " of %" PRIu64 " bytes received (%"
					    PRIu64 " sent)", received, total,
					    sent);
				if (received != total)
					die("short: EOF after %" PRIu64
					    " of %" PRIu64 " bytes",
					    received, total);
			} else if (n > 0) {
				if ((uint64_t)n > total - received)
					die("long: %" PRIu64 " bytes received,"
					    " more than the %" PRIu64 " expected",
					    received + (uint64_t)n, total);
				stream_fill(in, ebuf, (size_t)n);
				if (memcmp(rbuf, ebuf, (size_t)n) != 0) {
					off = first_diff(rbuf, ebuf, (size_t)n);
					die("mismatch at offset %" PRIu64
					    ": got 0x%02x, expected 0x%02x "
					    "(got %s, expected %s from there)",
					    received + off, rbuf[off],
					    ebuf[off], hex(rbuf + off,
					    (size_t)n - off, 0), hex(ebuf +
					    off, (size_t)n - off, 1));
				}
				received += (uint64_t)n;
			} else if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR) {
				die("read after %" PRIu64 " of %" PRIu64
				    " bytes: %s", received, total,
				    strerror(errno));
			}
		}

		if (!wr_done && sent < total &&
		    !(wait_first && received == 0) &&
		    (pfd.revents & (POLLOUT | POLLERR))) {
			if (soff == slen) {
				slen = total - sent < CHUNK ?
				    (size_t)(total - sent) : CHUNK;
				stream_fill(out, sbuf, slen);
				soff = 0;
			}
			n = write(fd, sbuf + soff, slen - soff);
			if (n > 0) {
				soff += (size_t)n;
				sent += (uint64_t)n;
				if (sent == total && !exact) {
					if (shutdown(fd, SHUT_WR) == -1)
						die("shutdown: %s",
						    strerror(errno));
					wr_done = 1;
				}
			} else if (n == -1 && errno != EAGAIN &&
			    errno != EWOULDBLOCK && errno != EINTR) {
				die("write after %" PRIu64 " of %" PRIu64
				    " bytes: %s", sent, total,
				    strerror(errno));
			}
		}
	}
	close(fd);
	printf("ok sent=%" PRIu64 " received=%" PRIu64 "\n", sent, received);
}

int
main(int argc, char **argv)
{
	struct stream up, down;
	const char *target, *side = NULL;
	uint64_t port = 0, total, seed;
	int fd, ch, exact = 0, tty = 0, wait_first = 0, unix_sock, listening;
	int client;

	while ((ch = getopt(argc, argv, "+es:w")) != -1) {
		switch (ch) {
		case 'e':
			exact = 1;
			break;
		case 'w':
			wait_first = 1;
			break;
		case 's':
			side = optarg;
			if (strcmp(side, "client") != 0 &&
			    strcmp(side, "server") != 0)
				usage();
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 4 && argc != 5)
		usage();
	mode = argv[0];
	target = argv[1];
	if (strcmp(mode, "listen") == 0 || strcmp(mode, "unix-listen") == 0)
		listening = 1;
	else if (strcmp(mode, "connect") == 0 ||
	    strcmp(mode, "unix-connect") == 0)
		listening = 0;
	else if (strcmp(mode, "tty") == 0) {
		listening = 0;
		tty = exact = 1;
		if (side == NULL)
			usage();
	} else
		usage();
	unix_sock = strncmp(mode, "unix-", 5) == 0;
	if (!unix_sock && !tty) {
		port = parse_u64(target, "PORT");
		if (port == 0 || port > 65535)
			usage();
	}
	total = parse_u64(argv[2], "BYTES");
	seed = parse_u64(argv[3], "SEED");
	set_deadline(argc == 5 ? argv[4] : NULL, 300);
	client = side != NULL ? strcmp(side, "client") == 0 : !listening;

	catch_signals(on_stop, 0);
	stream_init(&up, seed, SEED_UP);
	stream_init(&down, seed, SEED_DOWN);

	if (tty)
		fd = do_tty(target);
	else if (unix_sock)
		fd = listening ? do_unix_listen(target) :
		    do_unix_connect(target);
	else
		fd = listening ? do_listen((uint16_t)port) :
		    do_connect((uint16_t)port);
	if (client)
		transfer(fd, total, &up, &down, exact, tty,
		    wait_first);
	else
		transfer(fd, total, &down, &up, exact, tty,
		    wait_first);
	return 0;
}
