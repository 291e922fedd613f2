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
 *   loadpeer offer [-h] [-r RATE] PORT BYTES SEED [TIMEOUT_S]
 *	Accept one connection on PORT and write BYTES bytes of a pseudo-random
 *	stream (SEED) to it as fast as it takes them (-r: RATE bytes a second,
 *	a tenth of a second's worth at a time), discarding what it sends.  On
 *	SIGUSR1 prints "offered=N" (bytes the socket has taken so far) and
 *	goes on; on SIGTERM, at the peer's end, or once every byte is written,
 *	prints "offered=N" and then "ended HOW" and exits 0: HOW is "done"
 *	(every byte written), "eof" (the peer closed), "reset" (a read or a
 *	write met ECONNRESET, EPIPE or ECONNABORTED) or "terminated".  A peer
 *	that half-closes is still written to (it may read on).  -h
 *	(hold): once every byte is written, keep the connection open, reading,
 *	until the peer ends it ("ended eof" or "ended reset").
 *
 *   loadpeer slowread [-c] PORT SEED RATE READ_MS [TIMEOUT_S]
 *	Connect to PORT and read the stream loadpeer offer writes (same SEED)
 *	at RATE bytes a second for READ_MS, checking every byte; then print
 *	"stopped received=N" and read nothing more.  On SIGTERM resets the
 *	connection, prints "ok received=N" and exits 0.  On SIGUSR1 after
 *	"stopped" it reads on (checking) until the connection ends and prints
 *	"ended eof|reset received=N".  -c: half-close (SHUT_WR) once the first
 *	byte has arrived; the stream may then end while reading: prints
 *	"ended eof|reset received=N after_ms=T" (T: milliseconds from the
 *	half-close); still open after READ_MS is a failure.
 *
 *   loadpeer hold PORT [TIMEOUT_S]
 *	Accept one connection on PORT, print "accepted", and read nothing (the
 *	peer's sends stall once the socket buffers are full).  On SIGUSR1 read
 *	everything until the connection ends and print "ended eof|reset
 *	received=N"; on SIGTERM print "terminated".
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
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peer.h"

#define ECHO_BUF	(16 * 1024)
#define MSG		64

/* A mode's option: a flag (num NULL: *flag = 1) or a number. */
struct opt {
	int		 ch;
	const char	*what;	/* the number's name in messages */
	uint64_t	*num;
	int		*flag;
};

const char peer_name[] = "loadpeer";
static volatile sig_atomic_t finish;	/* SIGUSR1 */

void
usage(void)
{
	fprintf(stderr,
	    "usage: loadpeer echo [-F N | -R N] PORT [TIMEOUT_S]\n"
	    "       loadpeer stream [-x] [-K N] [-r RATE] PORT SEED [TIMEOUT_S]\n"
	    "       loadpeer ping [-i INTERVAL_MS] [-n COUNT] PORT [TIMEOUT_S]\n"
	    "       loadpeer flood [-hrs] [-w WAIT_MS] PORT N [TIMEOUT_S]\n"
	    "       loadpeer offer [-h] [-r RATE] PORT BYTES SEED [TIMEOUT_S]\n"
	    "       loadpeer slowread [-c] PORT SEED RATE READ_MS [TIMEOUT_S]\n"
	    "       loadpeer hold PORT [TIMEOUT_S]\n"
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

static uint16_t
parse_port(const char *s)
{
	uint64_t p = parse_u64(s, "PORT");

	if (p == 0 || p > 65535)
		usage();
	return (uint16_t)p;
}

/*
 * A mode's options (opts: ends with ch 0; NULL: the mode takes none), then
 * exactly n operands and an optional TIMEOUT_S, which sets the deadline.
 * The operands.
 */
static char **
mode_args(int argc, char **argv, const struct opt *opts, int n)
{
	char optstr[32] = "+";
	const struct opt *o;
	size_t len = 1;
	int ch;

	for (o = opts; o != NULL && o->ch != 0; o++) {
		optstr[len++] = (char)o->ch;
		if (o->num != NULL)
			optstr[len++] = ':';
	}
	optstr[len] = '\0';
	while (opts != NULL && (ch = getopt(argc, argv, optstr)) != -1) {
		for (o = opts; o->ch != 0 && o->ch != ch; o++)
			;
		if (o->ch == 0)
			usage();
		if (o->num != NULL)
			*o->num = parse_u64(optarg, o->what);
		else
			*o->flag = 1;
	}
	argc -= optind;
	argv += optind;
	if (argc != n && argc != n + 1)
		usage();
	set_deadline(argc == n + 1 ? argv[n] : NULL, 120);
	return argv;
}

/* ---------------------------------------------------------------- streams */

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
	int lfd, fd, r, drop;

	const struct opt opts[] = {
		{ 'F', "N", &fin_after, NULL }, { 'R', "N", &rst_after, NULL },
		{ 0, NULL, NULL, NULL }
	};

	argv = mode_args(argc, argv, opts, 1);
	if (fin_after != 0 && rst_after != 0)
		usage();
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
	uint64_t rate = 0, reset_after = 0, seed, sent = 0, received = 0;
	uint64_t allowed, quantum;
	size_t soff = 0, slen = 0, want;
	int64_t t0;
	int fd, may_end = 0, wr_done = 0, broken = 0;
	short re;
	ssize_t k;

	const struct opt opts[] = {
		{ 'x', NULL, NULL, &may_end }, { 'K', "N", &reset_after, NULL },
		{ 'r', "RATE", &rate, NULL }, { 0, NULL, NULL, NULL }
	};

	argv = mode_args(argc, argv, opts, 2);
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
		re = poll_fd(fd, POLLIN | (soff < slen ? POLLOUT : 0),
		    soff < slen || rate == 0 ? 1000 :
		    (int)(quantum * 1000 / rate) + 1);
		if (re == 0)
			continue;
		if (re & (POLLIN | POLLHUP | POLLERR)) {
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
		if (soff < slen && (re & (POLLOUT | POLLERR))) {
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
	int fd;

	const struct opt opts[] = {
		{ 'i', "INTERVAL_MS", &interval, NULL },
		{ 'n', "COUNT", &count, NULL }, { 0, NULL, NULL, NULL }
	};

	argv = mode_args(argc, argv, opts, 1);
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
	int silent = 0, resets = 0, hold = 0, r, err;
	size_t np;
	ssize_t k;

	const struct opt opts[] = {
		{ 'h', NULL, NULL, &hold }, { 'r', NULL, NULL, &resets },
		{ 's', NULL, NULL, &silent }, { 'w', "WAIT_MS", &wait_ms, NULL },
		{ 0, NULL, NULL, NULL }
	};

	argv = mode_args(argc, argv, opts, 2);
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
	int lfd, fd;

	lfd = listen_on(port, 1);
	if ((fd = accept_wait(lfd)) == -1)
		die("%s: no connection", stopped ? "terminated" : "timeout");
	close(lfd);
	set_nonblock(fd);
	return fd;
}

/*
 * How a connection ended: "reset" (ECONNRESET, EPIPE or ECONNABORTED from a
 * read or a write), "eof" (a read of 0 with no such error before it).
 */
static const char *
end_name(int reset)
{
	return reset ? "reset" : "eof";
}

/*
 * Read and discard what fd still holds until its end: 1 when that end was a
 * reset, 0 on EOF.  *n counts the bytes (checked against st when st is not
 * NULL).
 */
static int
read_to_end(int fd, struct stream *st, uint64_t *n)
{
	static uint8_t rbuf[CHUNK];
	ssize_t k;

	for (;;) {
		if (stopped)
			die("terminated while reading to the end: received %"
			    PRIu64, *n);
		check_deadline("reading to the end");
		k = read(fd, rbuf, sizeof rbuf);
		if (k > 0) {
			if (st != NULL)
				stream_check(st, rbuf, (size_t)k, *n);
			*n += (uint64_t)k;
		} else if (k == 0)
			return 0;
		else if (is_reset(errno))
			return 1;
		else if (would_block())
			poll_fd(fd, POLLIN, 1000);
		else
			die("read after %" PRIu64 " bytes: %s", *n,
			    strerror(errno));
	}
}

static void
mode_offer(int argc, char **argv)
{
	static uint8_t sbuf[CHUNK], rbuf[CHUNK];
	struct stream out;
	uint64_t total, offered = 0, rate = 0, quantum = CHUNK, allowed;
	size_t soff = 0, slen = 0;
	int64_t t0;
	ssize_t k;
	short re;
	int fd, hold = 0, reset = 0, ended = 0, peer_eof = 0;

	const struct opt opts[] = {
		{ 'h', NULL, NULL, &hold }, { 'r', "RATE", &rate, NULL },
		{ 0, NULL, NULL, NULL }
	};

	argv = mode_args(argc, argv, opts, 3);
	total = parse_u64(argv[1], "BYTES");
	stream_init(&out, parse_u64(argv[2], "SEED"), SEED_DOWN);
	if (rate != 0)
		quantum = rate / 10 < 1 ? 1 : rate / 10 > CHUNK ? CHUNK :
		    rate / 10;
	fd = accept_one(parse_port(argv[0]));
	t0 = now_us();
	while (offered < total && !stopped && !ended) {
		check_deadline("offering");
		if (finish) {
			finish = 0;
			printf("offered=%" PRIu64 "\n", offered);
			fflush(stdout);
		}
		allowed = rate == 0 ? total : (uint64_t)(now_us() - t0) *
		    rate / 1000000 + quantum;
		if (soff == slen && offered < allowed) {
			slen = total - offered < quantum ?
			    (size_t)(total - offered) : (size_t)quantum;
			stream_fill(&out, sbuf, slen);
			soff = 0;
		}
		re = poll_fd(fd, (peer_eof ? 0 : POLLIN) |
		    (soff < slen ? POLLOUT : 0), soff < slen ? 1000 : 10);
		if (re == 0)
			continue;
		if (!peer_eof && (re & (POLLIN | POLLHUP | POLLERR))) {
			k = read(fd, rbuf, sizeof rbuf);
			if (k == 0)
				peer_eof = 1;	/* it half-closed: write on */
			else if (k == -1 && !would_block()) {
				reset = is_reset(errno);
				ended = 1;
				break;
			}
		}
		if (soff < slen && (re & POLLOUT)) {
			k = write(fd, sbuf + soff, slen - soff);
			if (k > 0) {
				soff += (size_t)k;
				offered += (uint64_t)k;
			} else if (k == -1 && !would_block()) {
				reset = is_reset(errno);
				ended = 1;
			}
		}
	}
	printf("offered=%" PRIu64 "\n", offered);
	if (hold && !ended && !stopped && !peer_eof) {
		uint64_t n = 0;

		reset = read_to_end(fd, NULL, &n);
		ended = 1;
	} else if (hold && !ended && !stopped)
		ended = 1;	/* its EOF came first */
	printf("ended %s\n", stopped ? "terminated" : !ended ? "done" :
	    end_name(reset));
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
	int64_t t0, stop, shut_at = 0;
	size_t want;
	ssize_t k;
	int fd, half = 0, reset;

	const struct opt opts[] = {
		{ 'c', NULL, NULL, &half }, { 0, NULL, NULL, NULL }
	};

	argv = mode_args(argc, argv, opts, 4);
	stream_init(&check, parse_u64(argv[1], "SEED"), SEED_DOWN);
	rate = parse_u64(argv[2], "RATE");
	read_ms = parse_u64(argv[3], "READ_MS");
	if (rate == 0)
		usage();
	fd = connect_to(parse_port(argv[0]));
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
			if (half && shut_at == 0) {
				if (shutdown(fd, SHUT_WR) == -1)
					die("shutdown: %s", strerror(errno));
				shut_at = now_us();
			}
		} else if (half && shut_at != 0 && (k == 0 || is_reset(errno))) {
			printf("ended %s received=%" PRIu64 " after_ms=%" PRId64
			    "\n", end_name(k != 0), received,
			    (now_us() - shut_at) / 1000);
			exit(0);
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
	if (half)
		die("still open after %" PRIu64 " ms: received %" PRIu64,
		    read_ms, received);
	printf("stopped received=%" PRIu64 "\n", received);
	fflush(stdout);
	while (!stopped && !finish) {
		check_deadline("holding (not reading)");
		poll(NULL, 0, poll_ms(200));
	}
	if (finish) {
		reset = read_to_end(fd, &check, &received);
		printf("ended %s received=%" PRIu64 "\n", end_name(reset),
		    received);
		exit(0);
	}
	close_reset(fd);
	printf("ok received=%" PRIu64 "\n", received);
	exit(0);
}

/* ---------------------------------------------------------------- hold */

static void
mode_hold(int argc, char **argv)
{
	uint64_t received = 0;
	int fd, reset;

	argv = mode_args(argc, argv, NULL, 1);
	fd = accept_one(parse_port(argv[0]));
	printf("accepted\n");
	fflush(stdout);
	while (!stopped && !finish) {
		check_deadline("holding (not reading)");
		poll(NULL, 0, poll_ms(200));
	}
	if (stopped) {
		printf("terminated\n");
		exit(0);
	}
	reset = read_to_end(fd, NULL, &received);
	printf("ended %s received=%" PRIu64 "\n", end_name(reset), received);
	exit(0);
}

/* ---------------------------------------------------------------- blackhole */

static void
mode_blackhole(int argc, char **argv)
{
	struct pollfd pfd;
	uint16_t port;
	int lfd, fd, filled = 0, tries;

	argv = mode_args(argc, argv, NULL, 1);
	port = parse_port(argv[0]);
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

static const struct mode {
	const char	*name;
	void		(*run)(int, char **);	/* exits */
} modes[] = {
	{ "echo", mode_echo }, { "stream", mode_stream },
	{ "ping", mode_ping }, { "flood", mode_flood },
	{ "offer", mode_offer }, { "slowread", mode_slowread },
	{ "blackhole", mode_blackhole }, { "hold", mode_hold },
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	const struct mode *m;

	if (argc < 2)
		usage();
	mode = argv[1];
	catch_signals(on_signal, 1);

	argc--;
	argv++;
	optind = 1;
	for (m = modes; m->name != NULL; m++)
		if (strcmp(mode, m->name) == 0)
			m->run(argc, argv);
	usage();
	return 2;
}
