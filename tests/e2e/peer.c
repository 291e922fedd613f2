/*
 * peer.c: the helpers the e2e test peers share (see peer.h).
 *
 * Not a program of its own: linked into tests/e2e/bulkpeer and
 * tests/e2e/loadpeer.  Output: error messages on stderr only,
 * "NAME MODE: message" (NAME the peer's peer_name).  Exit status: die() and
 * every helper that fails exit 1; a bad number is a usage error (usage(),
 * exit 2).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "peer.h"

const char		*mode = peer_name;
volatile sig_atomic_t	 stopped;
int64_t			 deadline_us;

void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s %s: ", peer_name, mode);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

uint64_t
parse_u64(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || *s == '-') {
		fprintf(stderr, "%s: bad %s '%s'\n", peer_name, what, s);
		usage();
	}
	return (uint64_t)v;
}

/*
 * SIGPIPE ignored; handler for SIGTERM, SIGINT (and SIGUSR1 when usr1),
 * without SA_RESTART so that poll says EINTR; stdout line-buffered.
 */
void
catch_signals(void (*handler)(int), int usr1)
{
	struct sigaction sa;

	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (usr1)
		sigaction(SIGUSR1, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/* ---------------------------------------------------------------- time */

int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* TIMEOUT_S (NULL: default_s) from now; 0 or more than a day: usage. */
void
set_deadline(const char *timeout_arg, uint64_t default_s)
{
	uint64_t s = default_s;

	if (timeout_arg != NULL)
		s = parse_u64(timeout_arg, "TIMEOUT_S");
	if (s == 0 || s > 86400)
		usage();
	deadline_us = now_us() + (int64_t)s * 1000000;
}

void
check_deadline(const char *what)
{
	if (now_us() >= deadline_us)
		die("timeout: %s", what);
}

/* A poll timeout in ms: at most want_ms, never past the deadline. */
int
poll_ms(int want_ms)
{
	int64_t left = (deadline_us - now_us()) / 1000;

	if (left <= 0)
		return 0;
	return left < want_ms ? (int)left : want_ms;
}

/*
 * Poll fd alone for events, at most want_ms and never past the deadline:
 * its revents, 0 when nothing came in time or a signal arrived.
 */
short
poll_fd(int fd, short events, int want_ms)
{
	struct pollfd pfd;
	int r;

	pfd.fd = fd;
	pfd.events = events;
	pfd.revents = 0;
	r = poll(&pfd, 1, poll_ms(want_ms));
	if (r == -1 && errno != EINTR)
		die("poll: %s", strerror(errno));
	return r > 0 ? pfd.revents : 0;
}

/* ---------------------------------------------------------------- streams */

static uint64_t
splitmix64(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

void
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
void
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

/* ---------------------------------------------------------------- sockets */

void
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		die("fcntl: %s", strerror(errno));
}

struct sockaddr_in
loopback(uint16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sin;
}

/* A nonblocking listener on 127.0.0.1:port (SO_REUSEADDR). */
int
listen_on(uint16_t port, int backlog)
{
	struct sockaddr_in sin = loopback(port);
	int fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		die("socket: %s", strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1)
		die("setsockopt: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1)
		die("bind 127.0.0.1:%u: %s", port, strerror(errno));
	if (listen(fd, backlog) == -1)
		die("listen: %s", strerror(errno));
	set_nonblock(fd);
	return fd;
}

/*
 * One connection from the nonblocking listener lfd; -1 once stopped or the
 * deadline has passed (the caller says which: stopped or not).
 */
int
accept_wait(int lfd)
{
	int fd;

	for (;;) {
		if (stopped || now_us() >= deadline_us)
			return -1;
		if (poll_fd(lfd, POLLIN, 1000) == 0)
			continue;
		if ((fd = accept(lfd, NULL, NULL)) != -1)
			return fd;
		if (!would_block() && errno != ECONNABORTED)
			die("accept: %s", strerror(errno));
	}
}

int
would_block(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}
