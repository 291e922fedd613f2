/*
 * idle.c: open many sessions through a relay and hold them idle, so that
 * bench/peers.sh can read the relay's resident memory per idle session.
 *
 *   idle PORT N [TIMEOUT_S]
 *
 * Opens N connections to 127.0.0.1:PORT (at most 128 connects in flight, so
 * no listen queue overflows), and on each one makes one 64-byte round trip
 * (the port leads to an echo server, `rtt echo`, through the relay): once
 * its echo is back a session is known to be complete end to end, upstream
 * connect and any TLS handshake included.  When all N are, prints
 *
 *   ready N
 *
 * on stdout and holds every connection open and silent until its stdin
 * reaches end of file (or it is killed); then it exits and the kernel
 * closes them.  Exit status 0, or 1 with a message on stderr when a
 * connection fails or the N sessions are not all up within TIMEOUT_S
 * (default 120).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
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

#define MSG		64
#define IN_FLIGHT	128

enum { CONNECTING, WAITING_ECHO, IDLE };

struct link {
	int	fd;
	int	state;
	size_t	got;
};

const char bench_name[] = "idle";

static time_t
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	struct epoll_event ev, evs[256];
	struct link *links;
	char msg[MSG], in[MSG];
	long n, i, opened = 0, ready = 0, inflight = 0, timeout;
	time_t deadline;
	int ep, k, nev;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: idle PORT N [TIMEOUT_S]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	sin = loopback((int)parse_num(argv[1], 1, 65535, "port"));
	n = parse_num(argv[2], 1, 1000000, "count");
	timeout = argc > 3 ? parse_num(argv[3], 1, 3600, "timeout") : 120;
	deadline = now_s() + timeout;
	memset(msg, 'i', sizeof msg);
	if ((links = calloc((size_t)n, sizeof *links)) == NULL)
		die("out of memory");
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die("epoll_create1: %s", strerror(errno));

	while (ready < n) {
		while (inflight < IN_FLIGHT && opened < n) {
			struct link *l = &links[opened];

			l->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
			    SOCK_CLOEXEC, 0);
			if (l->fd == -1)
				die("socket %ld: %s", opened + 1, strerror(errno));
			nodelay(l->fd);
			if (connect(l->fd, (struct sockaddr *)&sin, sizeof sin)
			    == -1 && errno != EINPROGRESS)
				die("connect %ld: %s", opened + 1, strerror(errno));
			l->state = CONNECTING;
			ev.events = EPOLLOUT | EPOLLIN;
			ev.data.u64 = (uint64_t)opened;
			epoll_ctl(ep, EPOLL_CTL_ADD, l->fd, &ev);
			opened++;
			inflight++;
		}
		if (now_s() > deadline)
			die("only %ld of %ld sessions up after %ld s", ready, n,
			    timeout);
		if ((nev = epoll_wait(ep, evs, 256, 1000)) == -1) {
			if (errno == EINTR)
				continue;
			die("epoll_wait: %s", strerror(errno));
		}
		for (k = 0; k < nev; k++) {
			struct link *l = &links[evs[k].data.u64];
			int err = 0;
			socklen_t len = sizeof err;
			ssize_t r;

			if (l->state == CONNECTING) {
				if (getsockopt(l->fd, SOL_SOCKET, SO_ERROR, &err,
				    &len) == -1 || err != 0)
					die("connect: %s", strerror(err ? err : errno));
				if (write(l->fd, msg, sizeof msg) != sizeof msg)
					die("write: %s", strerror(errno));
				l->state = WAITING_ECHO;
				ev.events = EPOLLIN;
				ev.data.u64 = evs[k].data.u64;
				epoll_ctl(ep, EPOLL_CTL_MOD, l->fd, &ev);
				continue;
			}
			r = read(l->fd, in, sizeof in - l->got);
			if (r == 0)
				die("session %lu closed by the relay",
				    (unsigned long)evs[k].data.u64 + 1);
			if (r == -1) {
				if (errno == EAGAIN || errno == EINTR)
					continue;
				die("read: %s", strerror(errno));
			}
			if (l->state != WAITING_ECHO)
				die("unexpected bytes on an idle session");
			l->got += (size_t)r;
			if (l->got < MSG)
				continue;
			l->state = IDLE;
			epoll_ctl(ep, EPOLL_CTL_DEL, l->fd, NULL);
			ready++;
			inflight--;
		}
	}
	printf("ready %ld\n", ready);
	fflush(stdout);
	while (read(0, in, sizeof in) > 0)
		;
	for (i = 0; i < n; i++)
		close(links[i].fd);
	return 0;
}
