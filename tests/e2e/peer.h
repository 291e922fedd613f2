/*
 * peer.h: what the e2e test peers (tests/e2e/bulkpeer.c, loadpeer.c) share:
 * the error exit, number parsing, the deadline, signals, the deterministic
 * byte streams and loopback TCP sockets.
 *
 * Each peer defines peer_name (its messages start "NAME MODE: ") and
 * usage() (prints its usage on stderr, exits 2).  die() prints
 * "NAME MODE: message" on stderr and exits 1; so does every function here
 * that fails, and parse_u64() calls usage() on a bad number.
 */
#ifndef PEER_H
#define PEER_H

#include <netinet/in.h>

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#define CHUNK		(64 * 1024)
#define SEED_UP		UINT64_C(0x75702d7374726561)	/* client -> server */
#define SEED_DOWN	UINT64_C(0x646f776e2d737472)	/* server -> client */

/* A byte stream: the little-endian bytes of successive xorshift64* words. */
struct stream {
	uint64_t	state;
	uint64_t	word;
	unsigned	have;	/* bytes of word not yet handed out */
};

extern const char		 peer_name[];	/* defined by each peer */
extern const char		*mode;		/* peer_name until set */
extern volatile sig_atomic_t	 stopped;	/* SIGTERM or SIGINT arrived */
extern int64_t			 deadline_us;	/* CLOCK_MONOTONIC, now_us() */

void	die(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	usage(void) __attribute__((noreturn));	/* defined by each peer */
uint64_t parse_u64(const char *s, const char *what);
void	catch_signals(void (*handler)(int), int usr1);

int64_t	now_us(void);
void	set_deadline(const char *timeout_arg, uint64_t default_s);
void	check_deadline(const char *what);
int	poll_ms(int want_ms);
short	poll_fd(int fd, short events, int want_ms);

void	stream_init(struct stream *st, uint64_t seed, uint64_t direction);
void	stream_fill(struct stream *st, uint8_t *buf, size_t n);

void	set_nonblock(int fd);
struct sockaddr_in loopback(uint16_t port);
int	listen_on(uint16_t port, int backlog);
int	accept_wait(int lfd);
int	would_block(void);

#endif /* PEER_H */
