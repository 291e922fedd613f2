/*
 * net.h: the socket headers, behind one platform header (doc/design.md
 * "Platforms").  gateway/ and the generic transport code include this, never
 * <sys/socket.h> or <winsock2.h> themselves, so that they hold no `#if` for
 * a platform; what the two APIs name differently is given one name here.
 * Functions libevent wraps (evutil_closesocket, evutil_socketpair,
 * evutil_make_socket_nonblocking, EVUTIL_SOCKET_ERROR) are called through
 * libevent; what it does not wrap is in osdep.h.
 */
#ifndef GW_OSDEP_NET_H
#define GW_OSDEP_NET_H

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>

/* shutdown(2)'s SHUT_WR is Winsock's SD_SEND (the Win32 docs, "shutdown"). */
#ifndef SHUT_WR
#define SHUT_WR		SD_SEND
#endif
/*
 * No MSG_DONTWAIT on Windows: every socket the daemon peeks at is made
 * non-blocking when it is opened, so the flag adds nothing there.
 */
#ifndef MSG_DONTWAIT
#define MSG_DONTWAIT	0
#endif
/* No SIGPIPE on Windows: a write to a reset peer fails with an error. */
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL	0
#endif
#else
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#endif

#endif /* GW_OSDEP_NET_H */
