/*
 * benchlib.h: what the bench tools (bench/rtt.c, bench/idle.c, bench/hs.c)
 * share: the error exit, number parsing and loopback TCP sockets.
 *
 * Each tool defines bench_name (the prefix of its messages).  die() prints
 * "NAME: message" on stderr (then whatever bench_die_hook adds, when set)
 * and exits 1; so does every function here that fails.
 */
#ifndef BENCHLIB_H
#define BENCHLIB_H

#include <netinet/in.h>

extern const char	 bench_name[];
extern void		(*bench_die_hook)(void);

void	die(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
long	parse_num(const char *s, long lo, long hi, const char *what);
struct sockaddr_in loopback(int port);
void	nodelay(int fd);
void	set_nonblock(int fd);
int	connect_port(int port);

#endif /* BENCHLIB_H */
