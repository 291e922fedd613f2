/*
 * hs.c: TLS handshakes per second against a TLS-serving relay, for
 * bench/peers.sh.
 *
 *   hs PORT SECONDS [PROCS [SIZE]]
 *
 * PROCS client processes (default 2) each, for SECONDS, over and over:
 * connect to 127.0.0.1:PORT, a full TLS 1.3 handshake (no session
 * resumption, no certificate verification: the server's cost is what is
 * measured), then SIZE bytes (default 64; 0: none) sent and read back, which
 * proves the server finished its side and reached its upstream (an echo
 * server), then close.  Output, one line on stdout:
 *
 *   handshakes_per_s=N handshakes=N procs=N
 *
 * Exit status 0, or 1 with a message on stderr when a handshake or an echo
 * fails.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "benchlib.h"

#define MAX_SIZE	16384

const char bench_name[] = "hs";

/* After a message: the OpenSSL error behind it, if any. */
static void
ssl_error(void)
{
	unsigned long e;

	if ((e = ERR_get_error()) != 0)
		fprintf(stderr, ": %s", ERR_error_string(e, NULL));
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One client process: handshakes until the deadline; the count. */
static long
client(int port, double deadline, size_t size)
{
	SSL_CTX *ctx;
	char out[MAX_SIZE], in[MAX_SIZE];
	long n = 0;

	memset(out, 'h', sizeof out);
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		die("SSL_CTX_new");
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	while (now_s() < deadline) {
		int fd = connect_port(port);
		SSL *ssl;
		size_t got;
		int r;

		if ((ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1)
			die("SSL_new");
		if (SSL_connect(ssl) != 1)
			die("handshake %ld failed", n + 1);
		if (size > 0) {
			if (SSL_write(ssl, out, (int)size) != (int)size)
				die("SSL_write");
			for (got = 0; got < size; got += (size_t)r)
				if ((r = SSL_read(ssl, in, (int)(size - got))) <= 0)
					die("no echo after handshake %ld", n + 1);
		}
		SSL_free(ssl);
		close(fd);
		n++;
	}
	SSL_CTX_free(ctx);
	return n;
}

int
main(int argc, char **argv)
{
	int port, procs, p, fds[2], status;
	long seconds, total = 0, n;
	size_t size;
	double t0, t1;

	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: hs PORT SECONDS [PROCS [SIZE]]\n");
		return 2;
	}
	bench_die_hook = ssl_error;
	port = (int)parse_num(argv[1], 1, 65535, "port");
	seconds = parse_num(argv[2], 1, 3600, "seconds");
	procs = argc > 3 ? (int)parse_num(argv[3], 1, 64, "procs") : 2;
	size = argc > 4 ? (size_t)parse_num(argv[4], 0, MAX_SIZE, "size") : 64;
	signal(SIGPIPE, SIG_IGN);
	if (pipe(fds) == -1)
		die("pipe: %s", strerror(errno));
	t0 = now_s();
	for (p = 0; p < procs; p++) {
		pid_t pid = fork();

		if (pid == -1)
			die("fork: %s", strerror(errno));
		if (pid == 0) {
			close(fds[0]);
			n = client(port, t0 + (double)seconds, size);
			if (write(fds[1], &n, sizeof n) != sizeof n)
				_exit(1);
			_exit(0);
		}
	}
	close(fds[1]);
	for (p = 0; p < procs; p++) {
		if (read(fds[0], &n, sizeof n) != sizeof n)
			die("a client process failed");
		total += n;
	}
	t1 = now_s();
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			die("a client process failed");
	printf("handshakes_per_s=%.0f handshakes=%ld procs=%d\n",
	    (double)total / (t1 - t0), total, procs);
	return 0;
}
