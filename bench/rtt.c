/*
 * rtt.c: small-message latency and connection-rate tools for bench/peers.sh.
 *
 *   rtt echo PORT
 *       An echo server on 127.0.0.1:PORT: any number of connections (epoll,
 *       one thread), every byte read is written back.  Runs until killed.
 *
 *   rtt ping PORT [ROUNDS [CONNS [SIZE]]]
 *       CONNS connections (default 1) to 127.0.0.1:PORT, each with one
 *       SIZE-byte (default 64) request outstanding at a time: send it, read
 *       the SIZE-byte echo, send the next.  Round trips during the first
 *       second warm up (a virtual CPU that idles takes tens of microseconds
 *       to wake) and are not counted; then ROUNDS (default 50000) round
 *       trips in all are timed, each one on its own.
 *
 *   rtt conn PORT SECONDS [SIZE]
 *       For SECONDS, over and over: connect to 127.0.0.1:PORT, one SIZE-byte
 *       round trip, close.  Counts whole sessions through a relay (its
 *       accept, its upstream connect, its close on both sides).
 *
 * Every socket gets TCP_NODELAY.  Output, one line on stdout:
 *
 *   ping: p50_us=N.N p99_us=N.N rps=N rounds=N conns=N
 *   conn: sessions_per_s=N sessions=N
 *
 * Exit status 0, or 1 with a message on stderr when a connection fails, an
 * echo differs or does not come back within 10 s.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "benchlib.h"

#define MAX_SIZE	65536
#define IO_TIMEOUT_MS	10000
#define WARM_US		1e6

const char bench_name[] = "rtt";

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Blocking: write all of buf, read exactly n bytes back into buf2. */
static void
round_trip(int fd, const char *buf, char *buf2, size_t n)
{
	size_t off = 0;
	ssize_t r;
	struct pollfd pfd;

	while (off < n) {
		if ((r = write(fd, buf + off, n - off)) == -1) {
			if (errno == EINTR)
				continue;
			die("write: %s", strerror(errno));
		}
		off += (size_t)r;
	}
	for (off = 0; off < n; off += (size_t)r) {
		r = read(fd, buf2 + off, n - off);
		if (r > 0)
			continue;
		if (r == 0)
			die("connection closed after %zu of %zu echoed bytes", off, n);
		if (errno == EINTR) {
			r = 0;
			continue;
		}
		if (errno != EAGAIN)
			die("read: %s", strerror(errno));
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, IO_TIMEOUT_MS) == 0)
			die("no echo within %d ms", IO_TIMEOUT_MS);
		r = 0;
	}
	if (memcmp(buf, buf2, n) != 0)
		die("echo differs from what was sent");
}

/* ---------------------------------------------------------------- echo */

struct echo_conn {
	char	*pend;		/* bytes not yet written back */
	size_t	 plen, poff;
};

static int
echo_main(int port)
{
	struct sockaddr_in sin = loopback(port);
	struct epoll_event ev, evs[256];
	struct echo_conn *conns;
	static char buf[65536];
	int lfd, ep, on = 1, i, n, fd, maxfd = 1 << 20;

	signal(SIGPIPE, SIG_IGN);
	if ((conns = calloc((size_t)maxfd, sizeof *conns)) == NULL)
		die("out of memory");
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		die("socket: %s", strerror(errno));
	(void)setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(lfd, 4096) == -1)
		die("listen on 127.0.0.1:%d: %s", port, strerror(errno));
	set_nonblock(lfd);
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die("epoll_create1: %s", strerror(errno));
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	for (;;) {
		if ((n = epoll_wait(ep, evs, 256, -1)) == -1) {
			if (errno == EINTR)
				continue;
			die("epoll_wait: %s", strerror(errno));
		}
		for (i = 0; i < n; i++) {
			fd = evs[i].data.fd;
			if (fd == lfd) {
				int c;

				while ((c = accept4(lfd, NULL, NULL,
				    SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
					if (c >= maxfd) {
						close(c);
						continue;
					}
					nodelay(c);
					ev.events = EPOLLIN;
					ev.data.fd = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				}
				continue;
			}
			struct echo_conn *ec = &conns[fd];
			ssize_t r, w;

			if (ec->pend != NULL) {
				/* Writable again: flush what is left. */
				w = write(fd, ec->pend + ec->poff,
				    ec->plen - ec->poff);
				if (w == -1 && errno != EAGAIN)
					goto drop;
				if (w > 0)
					ec->poff += (size_t)w;
				if (ec->poff < ec->plen)
					continue;
				free(ec->pend);
				ec->pend = NULL;
				ev.events = EPOLLIN;
				ev.data.fd = fd;
				epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
				continue;
			}
			r = read(fd, buf, sizeof buf);
			if (r == 0 || (r == -1 && errno != EAGAIN &&
			    errno != EINTR))
				goto drop;
			if (r <= 0)
				continue;
			w = write(fd, buf, (size_t)r);
			if (w == -1 && errno != EAGAIN)
				goto drop;
			if (w < 0)
				w = 0;
			if (w < r) {
				ec->plen = (size_t)(r - w);
				ec->poff = 0;
				if ((ec->pend = malloc(ec->plen)) == NULL)
					die("out of memory");
				memcpy(ec->pend, buf + w, ec->plen);
				ev.events = EPOLLOUT;
				ev.data.fd = fd;
				epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
			}
			continue;
drop:
			free(ec->pend);
			ec->pend = NULL;
			close(fd);
		}
	}
}

/* ---------------------------------------------------------------- ping */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
percentile(const double *sorted, long n, double p)
{
	long i = (long)(p * (double)n + 0.5) - 1;

	if (i < 0)
		i = 0;
	if (i >= n)
		i = n - 1;
	return sorted[i];
}

struct ping_conn {
	int	 fd;
	size_t	 got;		/* echoed bytes of the current request */
	double	 t0;		/* when the current request was sent */
};

static void
send_all_nb(int fd, const char *buf, size_t n)
{
	size_t off = 0;
	ssize_t w;
	struct pollfd pfd;

	while (off < n) {
		w = write(fd, buf + off, n - off);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w == -1 && errno != EAGAIN && errno != EINTR)
			die("write: %s", strerror(errno));
		pfd.fd = fd;
		pfd.events = POLLOUT;
		(void)poll(&pfd, 1, IO_TIMEOUT_MS);
	}
}

static int
ping_main(int port, long rounds, int nconns, size_t size)
{
	long counted = 0;
	double *lat, t_start = 0, t_end, warm_until = now_us() + WARM_US;
	char out[MAX_SIZE], in[MAX_SIZE];
	int i;

	signal(SIGPIPE, SIG_IGN);
	if ((lat = malloc((size_t)rounds * sizeof *lat)) == NULL)
		die("out of memory");
	for (i = 0; i < (int)size; i++)
		out[i] = (char)('a' + i % 26);

	if (nconns == 1) {
		int fd = connect_port(port);
		double t0, t1;

		do {
			t0 = now_us();
			round_trip(fd, out, in, size);
		} while (t0 < warm_until);
		t_start = now_us();
		for (counted = 0; counted < rounds; counted++) {
			t0 = now_us();
			round_trip(fd, out, in, size);
			t1 = now_us();
			lat[counted] = t1 - t0;
		}
		t_end = now_us();
		close(fd);
	} else {
		struct ping_conn *pc = calloc((size_t)nconns, sizeof *pc);
		struct epoll_event ev, evs[256];
		int ep, n;

		if (pc == NULL || (ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
			die("setup: %s", strerror(errno));
		for (i = 0; i < nconns; i++) {
			pc[i].fd = connect_port(port);
			set_nonblock(pc[i].fd);
			ev.events = EPOLLIN;
			ev.data.u32 = (uint32_t)i;
			epoll_ctl(ep, EPOLL_CTL_ADD, pc[i].fd, &ev);
		}
		for (i = 0; i < nconns; i++) {
			pc[i].t0 = now_us();
			send_all_nb(pc[i].fd, out, size);
		}
		while (counted < rounds) {
			n = epoll_wait(ep, evs, 256, IO_TIMEOUT_MS);
			if (n == 0)
				die("no echo within %d ms", IO_TIMEOUT_MS);
			if (n == -1) {
				if (errno == EINTR)
					continue;
				die("epoll_wait: %s", strerror(errno));
			}
			for (int k = 0; k < n; k++) {
				struct ping_conn *c = &pc[evs[k].data.u32];
				ssize_t r = read(c->fd, in, size - c->got);

				if (r == 0)
					die("connection closed by the relay");
				if (r == -1) {
					if (errno == EAGAIN || errno == EINTR)
						continue;
					die("read: %s", strerror(errno));
				}
				c->got += (size_t)r;
				if (c->got < size)
					continue;
				c->got = 0;
				double t1 = now_us();

				if (t1 >= warm_until && t_start == 0)
					t_start = t1;
				if (t_start != 0 && c->t0 >= t_start &&
				    counted < rounds)
					lat[counted++] = t1 - c->t0;
				c->t0 = now_us();
				send_all_nb(c->fd, out, size);
			}
		}
		t_end = now_us();
		for (i = 0; i < nconns; i++)
			close(pc[i].fd);
		free(pc);
	}
	qsort(lat, (size_t)counted, sizeof *lat, cmp_double);
	printf("p50_us=%.1f p99_us=%.1f rps=%.0f rounds=%ld conns=%d\n",
	    percentile(lat, counted, 0.50), percentile(lat, counted, 0.99),
	    (double)counted / ((t_end - t_start) / 1e6), counted, nconns);
	free(lat);
	return 0;
}

/* ---------------------------------------------------------------- conn */

static int
conn_main(int port, long seconds, size_t size)
{
	char out[MAX_SIZE], in[MAX_SIZE];
	double t0 = now_us(), deadline = t0 + (double)seconds * 1e6, t1;
	long n = 0;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	memset(out, 'c', size);
	do {
		fd = connect_port(port);
		round_trip(fd, out, in, size);
		close(fd);
		n++;
	} while ((t1 = now_us()) < deadline);
	printf("sessions_per_s=%.0f sessions=%ld\n", (double)n / ((t1 - t0) / 1e6), n);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "echo") == 0 && argc == 3)
		return echo_main((int)parse_num(argv[2], 1, 65535, "port"));
	if (argc >= 3 && argc <= 6 && strcmp(argv[1], "ping") == 0)
		return ping_main((int)parse_num(argv[2], 1, 65535, "port"),
		    argc > 3 ? parse_num(argv[3], 1, 100000000, "rounds") : 50000,
		    argc > 4 ? (int)parse_num(argv[4], 1, 10000, "conns") : 1,
		    argc > 5 ? (size_t)parse_num(argv[5], 1, MAX_SIZE, "size") : 64);
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "conn") == 0)
		return conn_main((int)parse_num(argv[2], 1, 65535, "port"),
		    parse_num(argv[3], 1, 3600, "seconds"),
		    argc > 4 ? (size_t)parse_num(argv[4], 1, MAX_SIZE, "size") : 64);
	fprintf(stderr, "usage: rtt echo PORT\n"
	    "       rtt ping PORT [ROUNDS [CONNS [SIZE]]]\n"
	    "       rtt conn PORT SECONDS [SIZE]\n");
	return 2;
}
