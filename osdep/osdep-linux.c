/*
 * osdep-linux.c: the part of osdep.h that is Linux's own.  See osdep.h.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/fsuid.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

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

/* sock_diag(7), unix_diag: see osdep.h. */
int
gw_os_unix_listening(const struct stat *want)
{
	struct {
		struct nlmsghdr		nlh;
		struct unix_diag_req	req;
	} ask;
	struct sockaddr_nl	 nl = { .nl_family = AF_NETLINK };
	union {
		struct nlmsghdr	 h;
		char		 b[32768];
	} buf;
	struct nlmsghdr		*h;
	struct unix_diag_msg	*m;
	struct unix_diag_vfs	 vfs;
	struct rtattr		*rta;
	ssize_t			 n;
	int			 fd, len, left, found = 0, rounds;

	if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	    NETLINK_SOCK_DIAG)) == -1)
		return (-1);
	memset(&ask, 0, sizeof ask);
	ask.nlh.nlmsg_len = sizeof ask;
	ask.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	ask.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ask.req.sdiag_family = AF_UNIX;
	ask.req.udiag_states = 1 << 10;		/* TCP_LISTEN */
	ask.req.udiag_show = UDIAG_SHOW_VFS;
	if (sendto(fd, &ask, sizeof ask, 0, (struct sockaddr *)&nl,
	    sizeof nl) != (ssize_t)sizeof ask) {
		close(fd);
		return (-1);
	}
	/* Bounded: a dump of 100000 listening sockets fits many times over. */
	for (rounds = 0; rounds < 100000; rounds++) {
		if ((n = recv(fd, &buf, sizeof buf, 0)) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		left = (int)n;
		for (h = &buf.h; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				close(fd);
				return (found);
			}
			if (h->nlmsg_type == NLMSG_ERROR ||
			    h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof *m))
				goto fail;
			m = NLMSG_DATA(h);
			len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *m));
			for (rta = (struct rtattr *)(m + 1); RTA_OK(rta, len);
			    rta = RTA_NEXT(rta, len)) {
				if (rta->rta_type != UNIX_DIAG_VFS ||
				    RTA_PAYLOAD(rta) < sizeof vfs)
					continue;
				memcpy(&vfs, RTA_DATA(rta), sizeof vfs);
				/* The kernel's dev_t: major << 20 | minor. */
				if (vfs.udiag_vfs_ino ==
				    (uint32_t)want->st_ino &&
				    vfs.udiag_vfs_dev >> 20 ==
				    major(want->st_dev) &&
				    (vfs.udiag_vfs_dev & 0xfffff) ==
				    minor(want->st_dev))
					found = 1;
			}
		}
	}
fail:
	close(fd);
	return (-1);
}
