/*
 * benchlib.c: the helpers the bench tools share (see benchlib.h).
 *
 * Not a program of its own: linked into bench/rtt, bench/idle and bench/hs.
 * Output: error messages on stderr only, "NAME: message" (NAME the tool's
 * bench_name).  Exit status: die() and every helper that fails exit 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "benchlib.h"

void	(*bench_die_hook)(void);

void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", bench_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (bench_die_hook != NULL)
		bench_die_hook();
	fputc('\n', stderr);
	exit(1);
}

long
parse_num(const char *s, long lo, long hi, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < lo || v > hi)
		die("bad %s '%s' (%ld..%ld)", what, s, lo, hi);
	return v;
}

struct sockaddr_in
loopback(int port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sin;
}

void
nodelay(int fd)
{
	int on = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

void
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		die("fcntl: %s", strerror(errno));
}

/* A blocking, TCP_NODELAY connection to 127.0.0.1:port. */
int
connect_port(int port)
{
	struct sockaddr_in sin = loopback(port);
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		die("socket: %s", strerror(errno));
	nodelay(fd);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1)
		die("connect 127.0.0.1:%d: %s", port, strerror(errno));
	return fd;
}
