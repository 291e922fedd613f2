/*
 * bulkpeer.c: one end of a byte-exact, full-duplex bulk transfer for the
 * e2e tests (tests/e2e/bulk.sh, tests/e2e/tls_refused.sh).
 *
 *   bulkpeer listen  PORT BYTES SEED [TIMEOUT_S]
 *   bulkpeer connect PORT BYTES SEED [TIMEOUT_S]
 *
 * "listen" accepts one connection on 127.0.0.1:PORT (then closes its
 * listener); "connect" connects to 127.0.0.1:PORT.  Both ends then, at the
 * same time, send BYTES bytes of a deterministic pseudo-random stream and
 * receive the peer's, checking every byte.  After its last byte an end
 * half-closes (shutdown SHUT_WR) and expects EOF after exactly BYTES bytes.
 *
 * The stream from connect to listen ("up") and from listen to connect
 * ("down") are different: each is xorshift64* seeded from SEED and the
 * direction, so both ends take the same SEED.
 *
 * Prints "ok sent=N received=N" and exits 0; otherwise prints what went wrong
 * (first mismatching offset, short or long count, socket error, timeout) on
 * stderr and exits 1.  Usage errors exit 2.  Everything ends within
 * TIMEOUT_S seconds (default 300) from start.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK		(64 * 1024)
#define SEED_UP		UINT64_C(0x75702d7374726561)	/* connect -> listen */
#define SEED_DOWN	UINT64_C(0x646f776e2d737472)	/* listen -> connect */

/* A byte stream: the little-endian bytes of successive xorshift64* words. */
struct stream {
	uint64_t	state;
	uint64_t	word;
	unsigned	have;	/* bytes of word not yet handed out */
};

static const char *mode = "bulkpeer";

static void
die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bulkpeer %s: ", mode);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: bulkpeer listen|connect PORT BYTES SEED [TIMEOUT_S]\n");
	exit(2);
}

static uint64_t
splitmix64(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

static void
stream_init(struct stream *st, uint64_t seed, uint64_t direction)
{
	st->state = splitmix64(seed ^ direction);
	if (st->state == 0)
		st->state = 1;		/* xorshift's one fixed point */
	st->word = 0;
	st->have = 0;
}

static uint64_t
stream_next(struct stream *st)
{
	uint64_t x = st->state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	st->state = x;
	return x * UINT64_C(0x2545f4914f6cdd1d);
}

/* The next n bytes of the stream into buf. */
static void
stream_fill(struct stream *st, uint8_t *buf, size_t n)
{
	uint64_t w;
	unsigned k;

	while (n > 0 && st->have > 0) {
		*buf++ = (uint8_t)st->word;
		st->word >>= 8;
		st->have--;
		n--;
	}
	while (n >= 8) {
		w = stream_next(st);
		for (k = 0; k < 8; k++)
			buf[k] = (uint8_t)(w >> (8 * k));
		buf += 8;
		n -= 8;
	}
	if (n > 0) {
		st->word = stream_next(st);
		st->have = 8;
		while (n > 0) {
			*buf++ = (uint8_t)st->word;
			st->word >>= 8;
			st->have--;
			n--;
		}
	}
}

static uint64_t
parse_u64(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || *s == '-') {
		fprintf(stderr, "bulkpeer: bad %s '%s'\n", what, s);
		usage();
	}
	return (uint64_t)v;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
poll_timeout(int64_t deadline)
{
	int64_t left = deadline - now_ms();

	if (left <= 0)
		return 0;
	return left > 1000 ? 1000 : (int)left;
}

static void
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		die("fcntl: %s", strerror(errno));
}

static struct sockaddr_in
loopback(uint16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sin;
}

static int
do_listen(uint16_t port, int64_t deadline)
{
	struct sockaddr_in sin = loopback(port);
	struct pollfd pfd;
	int lfd, fd, one = 1, r;

	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		die("socket: %s", strerror(errno));
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1)
		die("setsockopt: %s", strerror(errno));
	if (bind(lfd, (struct sockaddr *)&sin, sizeof sin) == -1)
		die("bind 127.0.0.1:%u: %s", port, strerror(errno));
	if (listen(lfd, 1) == -1)
		die("listen: %s", strerror(errno));
	set_nonblock(lfd);
	for (;;) {
		if (now_ms() >= deadline)
			die("timeout: no connection on 127.0.0.1:%u", port);
		pfd.fd = lfd;
		pfd.events = POLLIN;
		r = poll(&pfd, 1, poll_timeout(deadline));
		if (r == -1 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (r <= 0)
			continue;
		fd = accept(lfd, NULL, NULL);
		if (fd != -1)
			break;
		if (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR && errno != ECONNABORTED)
			die("accept: %s", strerror(errno));
	}
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

/* The first offset where a and b differ (they do differ). */
static size_t
first_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n && a[i] == b[i]; i++)
		;
	return i;
}

static void
transfer(int fd, uint64_t total, struct stream *out, struct stream *in,
    int64_t deadline)
{
	static uint8_t sbuf[CHUNK], rbuf[CHUNK], ebuf[CHUNK];
	uint64_t sent = 0, received = 0;
	size_t soff = 0, slen = 0, off;
	struct pollfd pfd;
	int wr_done = 0, eof = 0, r;
	ssize_t n;

	set_nonblock(fd);
	if (total == 0) {
		if (shutdown(fd, SHUT_WR) == -1)
			die("shutdown: %s", strerror(errno));
		wr_done = 1;
	}
	while (!wr_done || !eof) {
		if (now_ms() >= deadline)
			die("timeout: sent %" PRIu64 " of %" PRIu64
			    ", received %" PRIu64 " of %" PRIu64 "%s%s",
			    sent, total, received, total,
			    wr_done ? ", write side shut" : "",
			    eof ? ", EOF seen" : "");
		pfd.fd = fd;
		pfd.events = (eof ? 0 : POLLIN) | (wr_done ? 0 : POLLOUT);
		pfd.revents = 0;
		r = poll(&pfd, 1, poll_timeout(deadline));
		if (r == -1 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (r <= 0)
			continue;

		if (!eof && (pfd.revents & (POLLIN | POLLHUP | POLLERR))) {
			n = read(fd, rbuf, sizeof rbuf);
			if (n == 0) {
				eof = 1;
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
					    ": got 0x%02x, expected 0x%02x",
					    received + off, rbuf[off],
					    ebuf[off]);
				}
				received += (uint64_t)n;
			} else if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR) {
				die("read after %" PRIu64 " of %" PRIu64
				    " bytes: %s", received, total,
				    strerror(errno));
			}
		}

		if (!wr_done && (pfd.revents & (POLLOUT | POLLERR))) {
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
				if (sent == total) {
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
	uint64_t port, total, seed, timeout_s = 300;
	int64_t deadline;
	int fd;

	if (argc != 5 && argc != 6)
		usage();
	mode = argv[1];
	if (strcmp(mode, "listen") != 0 && strcmp(mode, "connect") != 0)
		usage();
	port = parse_u64(argv[2], "PORT");
	total = parse_u64(argv[3], "BYTES");
	seed = parse_u64(argv[4], "SEED");
	if (argc == 6)
		timeout_s = parse_u64(argv[5], "TIMEOUT_S");
	if (port == 0 || port > 65535 || timeout_s == 0 || timeout_s > 86400)
		usage();

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	deadline = now_ms() + (int64_t)timeout_s * 1000;
	stream_init(&up, seed, SEED_UP);
	stream_init(&down, seed, SEED_DOWN);

	if (mode[0] == 'l') {
		fd = do_listen((uint16_t)port, deadline);
		transfer(fd, total, &down, &up, deadline);
	} else {
		fd = do_connect((uint16_t)port);
		transfer(fd, total, &up, &down, deadline);
	}
	return 0;
}
