/* transport.c: the ops table and shared helpers.  See transport.h. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/socket.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "transports/transport.h"

extern const struct gw_transport_ops gw_transport_tcp;
extern const struct gw_transport_ops gw_transport_ssl;

const struct gw_transport_ops *
gw_transport_ops(enum gw_spec_transport t)
{
	switch (t) {
	case GW_SPEC_TCP:
		return (&gw_transport_tcp);
	case GW_SPEC_SSL:
		return (&gw_transport_ssl);
	default:
		return (NULL);
	}
}

const struct gw_spec *
gw_transport_wire(const struct gw_spec *spec)
{
	return (spec->transport == GW_SPEC_KDSRV ? spec->inner : spec);
}

char *
gw_transport_sockaddr(const struct sockaddr *sa, char *buf, size_t size)
{
	const struct sockaddr_in6	*sin6;
	const struct sockaddr_in	*sin;
	char				 a[64];

	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)sa;
		evutil_inet_ntop(AF_INET, &sin->sin_addr, a, sizeof a);
		snprintf(buf, size, "%s:%u", a, ntohs(sin->sin_port));
		break;
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			evutil_inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12],
			    a, sizeof a);
			snprintf(buf, size, "%s:%u", a, ntohs(sin6->sin6_port));
		} else {
			evutil_inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof a);
			snprintf(buf, size, "[%s]:%u", a,
			    ntohs(sin6->sin6_port));
		}
		break;
	default:
		snprintf(buf, size, "local");
		break;
	}
	return (buf);
}
