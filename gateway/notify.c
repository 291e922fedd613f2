/*
 * notify.c: the sd_notify(3) datagram protocol.  See notify.h.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gateway/log.h"
#include "gateway/notify.h"

int
gw_notify(const char *state)
{
	struct sockaddr_un	 sun;
	const char		*path = getenv("NOTIFY_SOCKET");
	size_t			 len;
	socklen_t		 salen;
	ssize_t			 n;
	int			 fd, saved;

	if (path == NULL || *path == '\0')
		return (0);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof sun.sun_path) {
		gw_log_warn("notify: NOTIFY_SOCKET '%.*s' is not a socket path "
		    "or an abstract name (@NAME) that fits %zu bytes",
		    (int)(len > 64 ? 64 : len), path, sizeof sun.sun_path - 1);
		return (-1);
	}
	memcpy(sun.sun_path, path, len);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';	/* abstract: no trailing NUL counted */
	else
		len++;			/* a path: with its NUL */
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);

	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		gw_log_warn("notify: socket: %s", strerror(errno));
		return (-1);
	}
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, salen);
	saved = errno;
	close(fd);
	if (n == -1) {
		gw_log_warn("notify: %s: %s", path, strerror(saved));
		return (-1);
	}
	return (1);
}

int
gw_notify_ready(size_t nroutes)
{
	char	msg[128];

	snprintf(msg, sizeof msg, "READY=1\nSTATUS=serving %zu route%s\n"
	    "MAINPID=%ld", nroutes, nroutes == 1 ? "" : "s", (long)getpid());
	return (gw_notify(msg));
}

int
gw_notify_reloading(void)
{
	struct timespec	ts;
	char		msg[96];

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return (gw_notify("RELOADING=1"));
	snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL);
	return (gw_notify(msg));
}

int
gw_notify_reloaded(size_t nroutes, bool failed)
{
	char	msg[160];

	snprintf(msg, sizeof msg, "READY=1\nSTATUS=serving %zu route%s%s",
	    nroutes, nroutes == 1 ? "" : "s", failed ? "; reload failed, "
	    "configuration unchanged" : "");
	return (gw_notify(msg));
}

int
gw_notify_stopping(size_t nsessions)
{
	char	msg[96];

	snprintf(msg, sizeof msg, "STOPPING=1\nSTATUS=stopping: draining %zu "
	    "session%s", nsessions, nsessions == 1 ? "" : "s");
	return (gw_notify(msg));
}
