/*
 * osdep-linux.c: the part of osdep.h that is Linux's own.  See osdep.h.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/fsuid.h>

#include <malloc.h>

#include "gateway/relay_accel.h"
#include "osdep/osdep.h"

/*
 * The relay allocates and frees buffers of up to 256 KiB on every read
 * (gateway/relay.c).  glibc hands freed memory at the top of the heap back
 * with brk(2) once 128 KiB or so is free, and serves large blocks with
 * mmap(2): either way the next read faults fresh pages in, which doubled the
 * kernel time of a TLS bulk transfer.  Keep up to 4 MiB for reuse instead
 * (mallopt(3)); with another C library its defaults stand.
 */
void
gw_os_tune_allocator(void)
{
#if defined(__GLIBC__) && defined(M_TRIM_THRESHOLD) && defined(M_MMAP_THRESHOLD)
	mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 4 * 1024 * 1024);
#endif
}

int
gw_os_fsgid(unsigned long gid)
{
	return (setfsgid((gid_t)gid));
}

/* Linux: accepted sockets inherit TCP_NODELAY and SO_KEEPALIVE (tcp(7)). */
bool
gw_os_accept_inherits(void)
{
	return (true);
}

/* gateway/relay-linux.c: splice(2), readv(2), SIOCOUTQNSD. */
const struct gw_relay_accel *
gw_os_relay_accel(void)
{
	return (&gw_relay_accel_linux);
}
