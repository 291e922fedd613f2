/*
 * loadpeer.c: the many-connection, latency and fault peers of the fault and
 * hostile-input tests (tests/e2e/faults.sh, flood.sh, slow_reader.sh,
 * fdlimit.sh).  Every mode talks to 127.0.0.1 only.
 *
 *   loadpeer echo [-F N | -R N] PORT [TIMEOUT_S]
 *	Listen on PORT (backlog 4096) and echo every byte of every
 *	connection, any number at once; after a peer's EOF, echo what is left,
 *	half-close and close.  -F N: once N bytes have arrived on a connection,
 *	close it (FIN) without echoing them (a server that hangs up in the
 *	middle of a TLS handshake).  -R N: echo the first N bytes of each
 *	connection, then reset it (close with SO_LINGER 0).  Runs until SIGTERM
 *	or SIGINT; prints "ok connections=N".
 *
 *   loadpeer stream [-x] [-K N] [-r RATE] PORT SEED [TIMEOUT_S]
 *	Connect to PORT (an echo) and send a pseudo-random stream (SEED) at
 *	RATE bytes a second (0, the default: as fast as it goes), checking
 *	every byte that comes back against what was sent.  On SIGUSR1: stop
 *	sending, half-close, expect the rest of the echo and then EOF; prints
 *	"ok sent=N received=N".  -K N: after N bytes sent, reset the connection
 *	(SO_LINGER 0) and print "reset sent=N received=M".  -x: the connection
 *	may end before SIGUSR1 (an upstream fault): print "ended eof|reset
 *	sent=N received=M" once it does, every byte received having matched
 *	(reset: a write failed; what arrived before the end is still read).
 *
 *   loadpeer ping [-i INTERVAL_MS] [-n COUNT] PORT [TIMEOUT_S]
 *	Connect to PORT (an echo); every INTERVAL_MS (default 10) send a
 *	64-byte message and wait for its echo, COUNT times (default 0: until
 *	SIGUSR1).  Then half-close and expect EOF.  Prints "ok pings=N p50_us=A
 *	p99_us=B max_us=C".
 *
 *   loadpeer flood [-hrs] [-w WAIT_MS] PORT N [TIMEOUT_S]
 *	Open N connections to PORT at once.  Each sends one 64-byte message of
 *	its own and waits for its echo.  When every connection is served (its
 *	echo arrived, exact) or refused (connect refused, EOF or reset before
 *	its echo), or WAIT_MS (default 30000) have passed, close them all at
 *	once; -r closes every second one with a reset; -h holds them all open
 *	until WAIT_MS have passed even when all are settled.  -s (silent): send
 *	nothing; close each connection as soon as all have connected (or
 *	failed).  Prints "served=A refused=B pending=C connected=D" (-s: served
 *	counts the connections made) and "p50_us=.. max_us=.." of the served
 *	ones' connect-to-echo times.  An echo that is not the connection's own
 *	message (sessions crossed) is a failure.
 *
 *   loadpeer offer PORT BYTES SEED [TIMEOUT_S]
 *	Accept one connection on PORT and write BYTES bytes of a pseudo-random
 *	stream (SEED) to it as fast as it takes them, discarding what it
 *	sends.  On SIGUSR1 prints "offered=N" (bytes the socket has taken so
 *	far) and goes on; on SIGTERM, at the peer's end, or once every byte is
 *	written, prints "offered=N" and exits 0.
 *
 *   loadpeer slowread PORT SEED RATE READ_MS [TIMEOUT_S]
 *	Connect to PORT and read the stream loadpeer offer writes (same SEED)
 *	at RATE bytes a second for READ_MS, checking every byte; then print
 *	"stopped received=N" and read nothing more.  On SIGTERM prints
 *	"ok received=N" and exits 0.
 *
 *   loadpeer blackhole PORT [TIMEOUT_S]
 *	Listen on PORT with a backlog of 0 and fill the accept queue with its
 *	own connections, never accepting: a connect to PORT then gets no answer
 *	at all (the kernel drops the SYN).  Prints "ready filled=N"; runs until
 *	SIGTERM.
 *
 * Every mode ends within TIMEOUT_S seconds (default 120) from start: a
 * timeout is a failure.  Exit status: 0 as described, 1 on a failure (what
 * went wrong on stderr: a mismatching byte and its offset, an early end, a
 * socket error, a timeout), 2 on a usage error.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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
#define ECHO_BUF	(16 * 1024)
#define MSG		64
#define SEED_UP		UINT64_C(0x75702d7374726561)
#define SEED_DOWN	UINT64_C(0x646f776e2d737472)

struct stream {
	uint64_t	state;
	uint64_t	word;
	unsigned	have;
};

static const char *mode = "loadpeer";
static volatile sig_atomic_t stopped;	/* SIGTERM or SIGINT */
static volatile sig_atomic_t finish;	/* SIGUSR1 */
static int64_t deadline_us;

static void
die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "loadpeer %s: ", mode);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t	parse_u64(const char *, const char *);

static void
usage(void)
{
	fprintf(stderr,
	    "usage: loadpeer echo [-F N | -R N] PORT [TIMEOUT_S]\n"
	    "       loadpeer stream [-x] [-K N] [-r RATE] PORT SEED [TIMEOUT_S]\n"
	    "       loadpeer ping [-i INTERVAL_MS] [-n COUNT] PORT [TIMEOUT_S]\n"
	    "       loadpeer flood [-hrs] [-w WAIT_MS] PORT N [TIMEOUT_S]\n"
	    "       loadpeer offer PORT BYTES SEED [TIMEOUT_S]\n"
	    "       loadpeer slowread PORT SEED RATE READ_MS [TIMEOUT_S]\n"
	    "       loadpeer blackhole PORT [TIMEOUT_S]\n");
	exit(2);
}

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		finish = 1;
	else
		stopped = 1;
}

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A poll timeout in ms: at most want_ms, never past the deadline. */
static int
poll_ms(int want_ms)
{
	int64_t left = (deadline_us - now_us()) / 1000;

	if (left <= 0)
		return 0;
	return left < want_ms ? (int)left : want_ms;
}

/* TIMEOUT_S (NULL: the default, 120 s) from now. */
static void
set_deadline(const char *timeout_arg)
{
	uint64_t s = 120;

	if (timeout_arg != NULL)
		s = parse_u64(timeout_arg, "TIMEOUT_S");
	if (s == 0 || s > 86400)
		usage();
	deadline_us = now_us() + (int64_t)s * 1000000;
}

static void
check_deadline(const char *what)
{
	if (now_us() >= deadline_us)
		die("timeout: %s", what);
}

static uint64_t
parse_u64(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || *s == '-') {
		fprintf(stderr, "loadpeer: bad %s '%s'\n", what, s);
		usage();
	}
	return (uint64_t)v;
}

static uint16_t
parse_port(const char *s)
{
	uint64_t p = parse_u64(s, "PORT");

	if (p == 0 || p > 65535)
		usage();
	return (uint16_t)p;
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

static void
stream_init(struct stream *st, uint64_t seed, uint64_t direction)
{
	st->state = splitmix64(seed ^ direction);
	if (st->state == 0)
		st->state = 1;
	st->word = 0;
	st->have = 0;
}

static void
stream_fill(struct stream *st, uint8_t *buf, size_t n)
{
	uint64_t x;

	while (n > 0) {
		if (st->have == 0) {
			x = st->state;
			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
			st->state = x;
			st->word = x * UINT64_C(0x2545f4914f6cdd1d);
			st->have = 8;
		}
		*buf++ = (uint8_t)st->word;
		st->word >>= 8;
		st->have--;
		n--;
	}
}

/* Check n received bytes against the stream; die at the first difference. */
static void
stream_check(struct stream *st, const uint8_t *got, size_t n, uint64_t at)
{
	static uint8_t want[CHUNK];
	size_t i, k;

	while (n > 0) {
		k = n < sizeof want ? n : sizeof want;
		stream_fill(st, want, k);
		if (memcmp(got, want, k) != 0) {
			for (i = 0; got[i] == want[i]; i++)
				;
			die("mismatch at offset %" PRIu64 ": got 0x%02x, "
			    "expected 0x%02x", at + i, got[i], want[i]);
		}
		got += k;
		at += k;
		n -= k;
	}
}

/* ---------------------------------------------------------------- sockets */

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

/* A nonblocking socket connecting to 127.0.0.1:port; -1 and errno. */
static int
connect_start(uint16_t port)
{
	struct sockaddr_in sin = loopback(port);
	int fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1 &&
	    errno != EINPROGRESS) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Connect and wait for it; die when it fails. */
static int
connect_to(uint16_t port)
{
	struct pollfd pfd;
	socklen_t len;
	int fd, err = 0, r;

	if ((fd = connect_start(port)) == -1)
		die("connect 127.0.0.1:%u: %s", port, strerror(errno));
	for (;;) {
		check_deadline("connecting");
		pfd.fd = fd;
		pfd.events = POLLOUT;
		r = poll(&pfd, 1, poll_ms(1000));
		if (r == -1 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (r > 0)
			break;
	}
	len = sizeof err;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0)
		die("connect 127.0.0.1:%u: %s", port, strerror(err));
	return fd;
}

static void
close_reset(int fd)
{
	struct linger rst = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof rst);
	close(fd);
}

static int
would_block(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

static int
is_reset(int err)
{
	return err == ECONNRESET || err == EPIPE || err == ECONNABORTED;
}

/* ---------------------------------------------------------------- echo */

struct econn {
	int		 fd;
	uint8_t		*buf;
	size_t		 off, len;
	uint64_t	 in;	/* bytes received */
	int		 eof;
};

static void
mode_echo(int argc, char **argv)
{
	struct econn *c = NULL;
	struct pollfd *pfd = NULL;
	uint64_t fin_after = 0, rst_after = 0, total = 0, budget;
	size_t n = 0, cap = 0, i, j;
	ssize_t k;
	int lfd, fd, ch, r, drop;

	while ((ch = getopt(argc, argv, "+F:R:")) != -1) {
		switch (ch) {
		case 'F':
			fin_after = parse_u64(optarg, "N");
			break;
		case 'R':
			rst_after = parse_u64(optarg, "N");
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if ((argc != 1 && argc != 2) || (fin_after != 0 && rst_after != 0))
		usage();
	set_deadline(argc == 2 ? argv[1] : NULL);
	lfd = listen_on(parse_port(argv[0]), 4096);
	for (;;) {
		if (stopped)
			break;
		check_deadline("echo still running");
		if (n + 1 > cap) {
			cap = cap == 0 ? 64 : cap * 2;
			if ((c = realloc(c, cap * sizeof *c)) == NULL ||
			    (pfd = realloc(pfd, (cap + 1) * sizeof *pfd)) == NULL)
				die("out of memory");
		}
		pfd[0].fd = lfd;
		pfd[0].events = POLLIN;
		for (i = 0; i < n; i++) {
			pfd[i + 1].fd = c[i].fd;
			pfd[i + 1].events = c[i].off < c[i].len ? POLLOUT :
			    c[i].eof ? 0 : POLLIN;
		}
		r = poll(pfd, n + 1, poll_ms(1000));
		if (r == -1 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (r <= 0)
			continue;
		for (i = 0; i < n; i++) {
			struct econn *e = &c[i];
			short re = pfd[i + 1].revents;

			drop = 0;
			if (re == 0)
				continue;
			if (e->off == e->len && !e->eof &&
			    (re & (POLLIN | POLLHUP | POLLERR))) {
				budget = ECHO_BUF;
				if (rst_after != 0 && rst_after - e->in < budget)
					budget = rst_after - e->in;
				k = read(e->fd, e->buf, budget);
				if (k > 0) {
					e->in += (uint64_t)k;
					if (fin_after != 0 && e->in >= fin_after) {
						close(e->fd);
						drop = 1;
					} else {
						e->off = 0;
						e->len = (size_t)k;
					}
				} else if (k == 0)
					e->eof = 1;
				else if (!would_block()) {
					close(e->fd);
					drop = 1;
				}
			} else if (e->off < e->len && (re & (POLLOUT | POLLERR |
			    POLLHUP))) {
				k = write(e->fd, e->buf + e->off, e->len - e->off);
				if (k > 0)
					e->off += (size_t)k;
				else if (k == -1 && !would_block()) {
					close(e->fd);
					drop = 1;
				}
			}
			if (!drop && e->off == e->len && rst_after != 0 &&
			    e->in >= rst_after) {
				close_reset(e->fd);
				drop = 1;
			} else if (!drop && e->off == e->len && e->eof) {
				shutdown(e->fd, SHUT_WR);
				close(e->fd);
				drop = 1;
			}
			if (drop) {
				free(e->buf);
				e->fd = -1;
			}
		}
		for (i = j = 0; i < n; i++)
			if (c[i].fd != -1)
				c[j++] = c[i];
		n = j;
		if (!(pfd[0].revents & POLLIN))
			continue;
		while (n < cap) {
			fd = accept(lfd, NULL, NULL);
			if (fd == -1) {
				if (!would_block() && errno != ECONNABORTED &&
				    errno != EMFILE && errno != ENFILE)
					die("accept: %s", strerror(errno));
				break;
			}
			set_nonblock(fd);
			c[n].fd = fd;
			c[n].off = c[n].len = 0;
			c[n].in = 0;
			c[n].eof = 0;
			if ((c[n].buf = malloc(ECHO_BUF)) == NULL)
				die("out of memory");
			n++;
			total++;
		}
	}
	printf("ok connections=%" PRIu64 "\n", total);
	exit(0);
}

/* ---------------------------------------------------------------- stream */

static void
mode_stream(int argc, char **argv)
{
	static uint8_t sbuf[CHUNK], rbuf[CHUNK];
	struct stream out, check;
	struct pollfd pfd;
	uint64_t rate = 0, reset_after = 0, seed, sent = 0, received = 0;
	uint64_t allowed, quantum;
	size_t soff = 0, slen = 0, want;
	int64_t t0;
	int fd, ch, may_end = 0, wr_done = 0, broken = 0, r;
	ssize_t k;

	while ((ch = getopt(argc, argv, "+xK:r:")) != -1) {
		switch (ch) {
		case 'x':
			may_end = 1;
			break;
		case 'K':
			reset_after = parse_u64(optarg, "N");
			break;
		case 'r':
			rate = parse_u64(optarg, "RATE");
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2 && argc != 3)
		usage();
	set_deadline(argc == 3 ? argv[2] : NULL);
	seed = parse_u64(argv[1], "SEED");
	/* Paced: a write per 20 ms worth of RATE, not one per wake-up. */
	quantum = rate / 50 < MSG ? MSG : rate / 50 > CHUNK ? CHUNK : rate / 50;
	stream_init(&out, seed, SEED_UP);
	stream_init(&check, seed, SEED_UP);
	fd = connect_to(parse_port(argv[0]));
	t0 = now_us();
	for (;;) {
		if (stopped)
			die("terminated: sent %" PRIu64 ", received %" PRIu64,
			    sent, received);
		if (now_us() >= deadline_us)
			die("timeout: sent %" PRIu64 ", received %" PRIu64 "%s",
			    sent, received, wr_done ? ", write side shut" : "");
		if (reset_after != 0 && sent >= reset_after) {
			close_reset(fd);
			printf("reset sent=%" PRIu64 " received=%" PRIu64 "\n",
			    sent, received);
			exit(0);
		}
		if (finish && !wr_done && soff == slen) {
			if (shutdown(fd, SHUT_WR) == -1)
				die("shutdown: %s", strerror(errno));
			wr_done = 1;
		}
		allowed = rate == 0 ? UINT64_MAX :
		    (uint64_t)(now_us() - t0) * rate / 1000000 + quantum;
		want = 0;
		if (!wr_done && soff == slen && !finish &&
		    sent + quantum <= allowed) {
			want = allowed - sent < CHUNK ?
			    (size_t)(allowed - sent) : CHUNK;
			if (reset_after != 0 && reset_after - sent < want)
				want = (size_t)(reset_after - sent);
			stream_fill(&out, sbuf, want);
			soff = 0;
			slen = want;
		}
		pfd.fd = fd;
		pfd.events = POLLIN | (soff < slen ? POLLOUT : 0);
		pfd.revents = 0;
		r = poll(&pfd, 1, poll_ms(soff < slen || rate == 0 ? 1000 :
		    (int)(quantum * 1000 / rate) + 1));
		if (r == -1 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (r <= 0)
			continue;
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			k = read(fd, rbuf, sizeof rbuf);
			if (k > 0) {
				if (received + (uint64_t)k > sent)
					die("long: %" PRIu64 " bytes back, only %"
					    PRIu64 " sent", received +
					    (uint64_t)k, sent);
				stream_check(&check, rbuf, (size_t)k, received);
				received += (uint64_t)k;
			} else if (k == 0) {
				if (wr_done && !broken) {
					if (received != sent)
						die("short: EOF after %" PRIu64
						    " of %" PRIu64 " bytes",
						    received, sent);
					break;
				}
				if (!may_end)
					die("EOF before the end: sent %" PRIu64
					    ", received %" PRIu64, sent,
					    received);
				printf("ended %s sent=%" PRIu64 " received=%"
				    PRIu64 "\n", broken ? "reset" : "eof", sent,
				    received);
				exit(0);
			} else if (!would_block()) {
				if (may_end && is_reset(errno)) {
					printf("ended reset sent=%" PRIu64
					    " received=%" PRIu64 "\n", sent,
					    received);
					exit(0);
				}
				die("read after %" PRIu64 " bytes: %s",
				    received, strerror(errno));
			}
		}
		if (soff < slen && (pfd.revents & (POLLOUT | POLLERR))) {
			k = write(fd, sbuf + soff, slen - soff);
			if (k > 0) {
				soff += (size_t)k;
				sent += (uint64_t)k;
			} else if (k == -1 && !would_block()) {
				if (!may_end || !is_reset(errno))
					die("write after %" PRIu64 " bytes: %s",
					    sent, strerror(errno));
				/* Read on: what came before the reset counts. */
				broken = 1;
				wr_done = 1;
				soff = slen;
			}
		}
	}
	close(fd);
	printf("ok sent=%" PRIu64 " received=%" PRIu64 "\n", sent, received);
	exit(0);
}

/* ---------------------------------------------------------------- ping */

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The p-th percentile (0..100) of n sorted values. */
static int64_t
percentile(const int64_t *v, size_t n, unsigned p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (n * p + 99) / 100;
	return v[i == 0 ? 0 : i - 1];
}

/* Message i of connection or ping counter id: 64 bytes of its own. */
static void
message(uint8_t *m, uint64_t seed, uint64_t id)
{
	struct stream st;

	stream_init(&st, seed, id * UINT64_C(0x9e3779b97f4a7c15) + 1);
	stream_fill(&st, m, MSG);
	memcpy(m, &id, sizeof id);
}

/* Write all of buf, waiting as needed (bounded by the deadline). */
static void
write_all(int fd, const uint8_t *buf, size_t len, const char *what)
{
	struct pollfd pfd;
	ssize_t k;

	while (len > 0) {
		check_deadline(what);
		k = write(fd, buf, len);
		if (k > 0) {
			buf += k;
			len -= (size_t)k;
			continue;
		}
		if (k == -1 && !would_block())
			die("%s: write: %s", what, strerror(errno));
		pfd.fd = fd;
		pfd.events = POLLOUT;
		poll(&pfd, 1, poll_ms(1000));
	}
}

static void
mode_ping(int argc, char **argv)
{
	uint8_t m[MSG], got[MSG];
	struct pollfd pfd;
	int64_t *rtt = NULL, t, next;
	uint64_t count = 0, interval = 10, i, seed;
	size_t have;
	ssize_t k;
	int fd, ch;

	while ((ch = getopt(argc, argv, "+i:n:")) != -1) {
		switch (ch) {
		case 'i':
			interval = parse_u64(optarg, "INTERVAL_MS");
			break;
		case 'n':
			count = parse_u64(optarg, "COUNT");
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1 && argc != 2)
		usage();
	set_deadline(argc == 2 ? argv[1] : NULL);
	fd = connect_to(parse_port(argv[0]));
	seed = (uint64_t)now_us();
	next = now_us();
	for (i = 0; count == 0 || i < count; i++) {
		if (finish)
			break;
		if (stopped)
			die("terminated after %" PRIu64 " pings", i);
		while ((t = now_us()) < next && !finish && !stopped) {
			check_deadline("between pings");
			poll(NULL, 0, (int)((next - t + 999) / 1000));
		}
		next = now_us() + (int64_t)interval * 1000;
		if (i % 1024 == 0 &&
		    (rtt = realloc(rtt, (i + 1024) * sizeof *rtt)) == NULL)
			die("out of memory");
		message(m, seed, i);
		t = now_us();
		write_all(fd, m, MSG, "ping");
		for (have = 0; have < MSG; ) {
			if (now_us() >= deadline_us)
				die("timeout: no echo of ping %" PRIu64, i);
			k = read(fd, got + have, MSG - have);
			if (k > 0) {
				have += (size_t)k;
				continue;
			}
			if (k == 0)
				die("EOF waiting for the echo of ping %" PRIu64,
				    i);
			if (!would_block())
				die("ping %" PRIu64 ": read: %s", i,
				    strerror(errno));
			pfd.fd = fd;
			pfd.events = POLLIN;
			poll(&pfd, 1, poll_ms(1000));
		}
		rtt[i] = now_us() - t;
		if (memcmp(m, got, MSG) != 0)
			die("ping %" PRIu64 ": the echo is not the message sent",
			    i);
	}
	if (shutdown(fd, SHUT_WR) == -1)
		die("shutdown: %s", strerror(errno));
	for (;;) {
		check_deadline("no EOF after the last ping");
		k = read(fd, got, sizeof got);
		if (k == 0)
			break;
		if (k > 0)
			die("%zd bytes more than were sent", k);
		if (!would_block())
			die("read at the end: %s", strerror(errno));
		pfd.fd = fd;
		pfd.events = POLLIN;
		poll(&pfd, 1, poll_ms(1000));
	}
	close(fd);
	if (i == 0)
		die("no ping sent");
	qsort(rtt, i, sizeof *rtt, cmp_i64);
	printf("ok pings=%" PRIu64 " p50_us=%" PRId64 " p99_us=%" PRId64
	    " max_us=%" PRId64 "\n", i, percentile(rtt, i, 50),
	    percentile(rtt, i, 99), rtt[i - 1]);
	free(rtt);
	exit(0);
}

/* ---------------------------------------------------------------- flood */

enum { F_CONNECTING, F_WAITING, F_SERVED, F_REFUSED };

struct fconn {
	int		 fd;
	int		 state;
	size_t		 sent, got;
	uint8_t		 m[MSG], echo[MSG];
	int64_t		 rtt;
};

static void
mode_flood(int argc, char **argv)
{
	struct fconn *c;
	struct pollfd *pfd;
	size_t *idx;
	uint64_t n, i, wait_ms = 30000, seed, served = 0, refused = 0, open = 0;
	uint64_t connected = 0, nrtt = 0;
	int64_t t0, end, *rtt;
	socklen_t len;
	uint16_t port;
	int ch, silent = 0, resets = 0, hold = 0, r, err;
	size_t np;
	ssize_t k;

	while ((ch = getopt(argc, argv, "+hrsw:")) != -1) {
		switch (ch) {
		case 'h':
			hold = 1;
			break;
		case 's':
			silent = 1;
			break;
		case 'r':
			resets = 1;
			break;
		case 'w':
			wait_ms = parse_u64(optarg, "WAIT_MS");
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2 && argc != 3)
		usage();
	set_deadline(argc == 3 ? argv[2] : NULL);
	port = parse_port(argv[0]);
	n = parse_u64(argv[1], "N");
	if (n == 0 || n > 100000)
		usage();
	if ((c = calloc(n, sizeof *c)) == NULL ||
	    (pfd = calloc(n, sizeof *pfd)) == NULL ||
	    (idx = calloc(n, sizeof *idx)) == NULL ||
	    (rtt = calloc(n, sizeof *rtt)) == NULL)
		die("out of memory");
	seed = (uint64_t)now_us();
	t0 = now_us();
	end = t0 + (int64_t)wait_ms * 1000;
	for (i = 0; i < n; i++) {
		message(c[i].m, seed, i);
		if ((c[i].fd = connect_start(port)) == -1) {
			if (errno != ECONNREFUSED && errno != EAGAIN)
				die("connection %" PRIu64 ": %s", i,
				    strerror(errno));
			c[i].state = F_REFUSED;
			refused++;
		} else
			open++;
	}
	while (open > 0 && now_us() < end) {
		if (stopped)
			die("terminated");
		check_deadline("flood");
		for (i = 0, np = 0; i < n; i++) {
			if (c[i].state != F_CONNECTING &&
			    c[i].state != F_WAITING)
				continue;
			pfd[np].fd = c[i].fd;
			pfd[np].events = c[i].state == F_CONNECTING ? POLLOUT :
			    POLLIN | (c[i].sent < MSG ? POLLOUT : 0);
			pfd[np].revents = 0;
			idx[np++] = i;
		}
		r = poll(pfd, np, (int)((end - now_us()) / 1000 < 200 ?
		    (end - now_us()) / 1000 : 200));
		if (r == -1 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (r <= 0)
			continue;
		for (size_t j = 0; j < np; j++) {
			struct fconn *f = &c[idx[j]];

			if (pfd[j].revents == 0)
				continue;
			if (f->state == F_CONNECTING) {
				err = 0;
				len = sizeof err;
				getsockopt(f->fd, SOL_SOCKET, SO_ERROR, &err,
				    &len);
				if (err != 0) {
					f->state = F_REFUSED;
					refused++;
					open--;
					continue;
				}
				connected++;
				if (silent) {
					f->state = F_SERVED;
					served++;
					open--;
					continue;
				}
				f->state = F_WAITING;
			}
			if (f->sent < MSG && (pfd[j].revents & POLLOUT)) {
				k = write(f->fd, f->m + f->sent, MSG - f->sent);
				if (k > 0)
					f->sent += (size_t)k;
				else if (k == -1 && !would_block()) {
					f->state = F_REFUSED;
					refused++;
					open--;
					continue;
				}
			}
			if (pfd[j].revents & (POLLIN | POLLHUP | POLLERR)) {
				k = read(f->fd, f->echo + f->got, MSG - f->got);
				if (k > 0) {
					if (memcmp(f->echo + f->got, f->m +
					    f->got, (size_t)k) != 0)
						die("connection %zu: its echo "
						    "is not its own message "
						    "(sessions crossed?)",
						    idx[j]);
					f->got += (size_t)k;
					if (f->got == MSG) {
						f->state = F_SERVED;
						f->rtt = now_us() - t0;
						rtt[nrtt++] = f->rtt;
						served++;
						open--;
					}
				} else if (k == 0 || !would_block()) {
					f->state = F_REFUSED;
					refused++;
					open--;
				}
			}
		}
	}
	while (hold && now_us() < end) {
		if (stopped)
			die("terminated");
		poll(NULL, 0, (int)((end - now_us()) / 1000 < 200 ?
		    (end - now_us()) / 1000 + 1 : 200));
	}
	/* Close them all at once. */
	for (i = 0; i < n; i++) {
		if (c[i].fd == -1)
			continue;
		if (resets && i % 2 == 1)
			close_reset(c[i].fd);
		else
			close(c[i].fd);
	}
	qsort(rtt, nrtt, sizeof *rtt, cmp_i64);
	printf("served=%" PRIu64 " refused=%" PRIu64 " pending=%" PRIu64
	    " connected=%" PRIu64 "\n", served, refused, open, connected);
	printf("p50_us=%" PRId64 " max_us=%" PRId64 "\n",
	    percentile(rtt, nrtt, 50), nrtt ? rtt[nrtt - 1] : 0);
	exit(0);
}

/* ---------------------------------------------------------------- offer */

static int
accept_one(uint16_t port)
{
	struct pollfd pfd;
	int lfd, fd;

	lfd = listen_on(port, 1);
	for (;;) {
		if (stopped)
			die("terminated: no connection");
		check_deadline("no connection");
		pfd.fd = lfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, poll_ms(1000)) <= 0)
			continue;
		if ((fd = accept(lfd, NULL, NULL)) != -1)
			break;
		if (!would_block() && errno != ECONNABORTED)
			die("accept: %s", strerror(errno));
	}
	close(lfd);
	set_nonblock(fd);
	return fd;
}

static void
mode_offer(int argc, char **argv)
{
	static uint8_t sbuf[CHUNK], rbuf[CHUNK];
	struct stream out;
	struct pollfd pfd;
	uint64_t total, offered = 0;
	size_t soff = 0, slen = 0;
	ssize_t k;
	int fd, r;

	if (argc != 4 && argc != 5)
		usage();
	set_deadline(argc == 5 ? argv[4] : NULL);
	total = parse_u64(argv[2], "BYTES");
	stream_init(&out, parse_u64(argv[3], "SEED"), SEED_DOWN);
	fd = accept_one(parse_port(argv[1]));
	while (offered < total && !stopped) {
		check_deadline("offering");
		if (finish) {
			finish = 0;
			printf("offered=%" PRIu64 "\n", offered);
		}
		if (soff == slen) {
			slen = total - offered < CHUNK ?
			    (size_t)(total - offered) : CHUNK;
			stream_fill(&out, sbuf, slen);
			soff = 0;
		}
		pfd.fd = fd;
		pfd.events = POLLIN | POLLOUT;
		r = poll(&pfd, 1, poll_ms(1000));
		if (r == -1 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (r <= 0)
			continue;
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			k = read(fd, rbuf, sizeof rbuf);
			if (k == 0 || (k == -1 && !would_block()))
				break;
		}
		if (pfd.revents & POLLOUT) {
			k = write(fd, sbuf + soff, slen - soff);
			if (k > 0) {
				soff += (size_t)k;
				offered += (uint64_t)k;
			} else if (k == -1 && !would_block())
				break;
		}
	}
	printf("offered=%" PRIu64 "\n", offered);
	exit(0);
}

/* ---------------------------------------------------------------- slowread */

static void
mode_slowread(int argc, char **argv)
{
	static uint8_t rbuf[CHUNK];
	struct stream check;
	struct pollfd pfd;
	uint64_t rate, read_ms, received = 0, allowed;
	int64_t t0, stop;
	size_t want;
	ssize_t k;
	int fd;

	if (argc != 5 && argc != 6)
		usage();
	set_deadline(argc == 6 ? argv[5] : NULL);
	stream_init(&check, parse_u64(argv[2], "SEED"), SEED_DOWN);
	rate = parse_u64(argv[3], "RATE");
	read_ms = parse_u64(argv[4], "READ_MS");
	if (rate == 0)
		usage();
	fd = connect_to(parse_port(argv[1]));
	set_nonblock(fd);
	t0 = now_us();
	stop = t0 + (int64_t)read_ms * 1000;
	while (now_us() < stop) {
		if (stopped)
			die("terminated while reading: received %" PRIu64,
			    received);
		check_deadline("reading");
		allowed = (uint64_t)(now_us() - t0) * rate / 1000000;
		if (received >= allowed) {
			poll(NULL, 0, 10);
			continue;
		}
		want = allowed - received < sizeof rbuf ?
		    (size_t)(allowed - received) : sizeof rbuf;
		k = read(fd, rbuf, want);
		if (k > 0) {
			stream_check(&check, rbuf, (size_t)k, received);
			received += (uint64_t)k;
		} else if (k == 0)
			die("EOF after %" PRIu64 " bytes", received);
		else if (!would_block())
			die("read after %" PRIu64 " bytes: %s", received,
			    strerror(errno));
		else {
			pfd.fd = fd;
			pfd.events = POLLIN;
			poll(&pfd, 1, poll_ms(50));
		}
	}
	printf("stopped received=%" PRIu64 "\n", received);
	while (!stopped) {
		check_deadline("holding (not reading)");
		poll(NULL, 0, poll_ms(200));
	}
	close_reset(fd);
	printf("ok received=%" PRIu64 "\n", received);
	exit(0);
}

/* ---------------------------------------------------------------- blackhole */

static void
mode_blackhole(int argc, char **argv)
{
	struct pollfd pfd;
	uint16_t port;
	int lfd, fd, filled = 0, tries;

	if (argc != 2 && argc != 3)
		usage();
	set_deadline(argc == 3 ? argv[2] : NULL);
	port = parse_port(argv[1]);
	lfd = listen_on(port, 0);
	for (tries = 0; tries < 16; tries++) {
		if ((fd = connect_start(port)) == -1)
			die("connect: %s", strerror(errno));
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, 300) == 0) {
			/* Its SYN went unanswered: the queue is full. */
			close(fd);
			break;
		}
		filled++;
	}
	if (tries == 16)
		die("the accept queue never filled");
	printf("ready filled=%d\n", filled);
	while (!stopped) {
		check_deadline("blackhole still running");
		poll(NULL, 0, poll_ms(200));
	}
	close(lfd);
	exit(0);
}

int
main(int argc, char **argv)
{
	struct sigaction sa;

	if (argc < 2)
		usage();
	mode = argv[1];
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll says EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	argc--;
	argv++;
	optind = 1;
	if (strcmp(mode, "echo") == 0)
		mode_echo(argc, argv);
	else if (strcmp(mode, "stream") == 0)
		mode_stream(argc, argv);
	else if (strcmp(mode, "ping") == 0)
		mode_ping(argc, argv);
	else if (strcmp(mode, "flood") == 0)
		mode_flood(argc, argv);
	else if (strcmp(mode, "offer") == 0)
		mode_offer(argc, argv);
	else if (strcmp(mode, "slowread") == 0)
		mode_slowread(argc, argv);
	else if (strcmp(mode, "blackhole") == 0)
		mode_blackhole(argc, argv);
	usage();
	return 2;
}
