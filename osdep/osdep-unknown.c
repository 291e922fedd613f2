/*
 * osdep-unknown.c: the Linux-only part of osdep.h on another Unix, where
 * each of these does nothing or says no.  See osdep.h.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "osdep/osdep.h"

/* The C library's defaults stand. */
void
gw_os_tune_allocator(void)
{
}

/* No file-system group id: the caller uses fchownat(2) after. */
int
gw_os_fsgid(unsigned long gid)
{
	(void)gid;
	return (-1);
}

/* Each accepted socket is tuned (transports/transport.c, gw_tcp_tune). */
bool
gw_os_accept_inherits(void)
{
	return (false);
}

/* No accelerator: libevent's bufferevents alone. */
const struct gw_relay_accel *
gw_os_relay_accel(void)
{
	return (NULL);
}

int
gw_os_unix_listening(const struct stat *want)
{
	(void)want;
	return (-1);	/* no way to ask without connecting */
}
