/*
 * test_npipe.c: the npipe transport off Windows (design.md "npipe off
 * Windows": a Unix-domain stream socket named pipe_dir/NAME, the first %d /
 * %x of NAME the process id), through the public API of transport.h:
 * gw_npipe_listen / gw_npipe_listen_free / gw_npipe_connect /
 * gw_npipe_connect_cancel on a libevent base.
 *
 * Every test works in its own directory under a fresh mkdtemp(3) directory
 * and ends with nothing left running.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <event2/event.h>

#include "transports/transport.h"

#define SUN_MAX	(sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

static char	tmpdir[64];

/* ---------------------------------------------------------------- helpers */

struct accepted {
	int	 n;		/* accept callbacks so far */
	char	 peer[256];	/* the last one's peer */
	bool	 sa_null;	/* every sa was NULL (pipes have no address) */
};

static void
on_accept(evutil_socket_t fd, const char *peer, const struct sockaddr *sa,
    void *arg)
{
	struct accepted	*a = arg;

	if (a->n == 0)
		a->sa_null = true;
	a->n++;
	snprintf(a->peer, sizeof a->peer, "%s", peer);
	if (sa != NULL)
		a->sa_null = false;
	/* Say something, so a client can tell it was served. */
	(void)send(fd, "!", 1, MSG_NOSIGNAL);
	close(fd);
}

struct connected {
	int	 calls;
	int	 fd;
	int	 err;
	char	 why[256];
};

static void
on_connect(evutil_socket_t fd, int err, const char *why, void *arg)
{
	struct connected	*c = arg;

	c->calls++;
	c->fd = fd;
	c->err = err;
	snprintf(c->why, sizeof c->why, "%s", why != NULL ? why : "(null)");
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(bool *)arg = true;
}

/* Run the loop until *flag reaches want or ms milliseconds pass. */
static void
run_until(struct event_base *base, const int *flag, int want, int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };
	struct event	*deadline;
	bool		 late = false;
	int		 i;

	assert_non_null(deadline = evtimer_new(base, on_deadline, &late));
	evtimer_add(deadline, &tv);
	for (i = 0; i < 100000 && *flag < want && !late; i++) {
		if (event_base_loop(base, EVLOOP_ONCE) != 0)
			break;
	}
	event_free(deadline);
}

/* dir/name into out (size bytes). */
static void
join(char *out, size_t size, const char *dir, const char *name)
{
	size_t	d = strlen(dir), n = strlen(name);

	assert_true(d + 1 + n < size);
	memcpy(out, dir, d);
	out[d] = '/';
	memcpy(out + d + 1, name, n + 1);
}

/* A Unix-domain address for path. */
static void
set_sun(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	assert_true(strlen(path) < sizeof sun->sun_path);
	memcpy(sun->sun_path, path, strlen(path) + 1);
}

/* A directory DIR under tmpdir (mode 0700), its path into out. */
static void
mkdir_under(const char *name, char *out, size_t size)
{
	join(out, size, tmpdir, name);
	assert_int_equal(mkdir(out, 0700), 0);
	assert_int_equal(chmod(out, 0700), 0);
}

static struct gw_spec
serve_spec(const char *pipe)
{
	struct gw_spec	spec;

	memset(&spec, 0, sizeof spec);
	spec.transport = GW_SPEC_NPIPE;
	spec.side = GW_SPEC_SERVER;
	spec.pipe = (char *)pipe;
	return (spec);
}

static struct gw_spec
connect_spec(const char *pipe)
{
	struct gw_spec	spec;

	memset(&spec, 0, sizeof spec);
	spec.transport = GW_SPEC_NPIPE;
	spec.side = GW_SPEC_CLIENT;
	spec.server = (char *)".";
	spec.pipe = (char *)pipe;
	return (spec);
}

static struct gw_listen_params
params(const struct gw_spec *spec, const char *dir, unsigned mode,
    const char *group)
{
	struct gw_listen_params	p;

	memset(&p, 0, sizeof p);
	p.spec = spec;
	p.pipe_dir = dir;
	p.pipe_mode = mode;
	p.pipe_group = group;
	return (p);
}

/* Blocking connect to a socket path: the fd, or -1 with errno. */
static int
unix_connect(const char *path)
{
	struct sockaddr_un	sun;
	int			fd, err;

	if (strlen(path) >= sizeof sun.sun_path) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	set_sun(&sun, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return (-1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		err = errno;
		close(fd);
		errno = err;
		return (-1);
	}
	return (fd);
}

/*
 * Connect to path, let the listener's loop accept, and read the byte
 * on_accept sends: true when the pipe is served.
 */
static bool
served(struct event_base *base, const char *path, struct accepted *a)
{
	struct pollfd	pfd;
	char		c = 0;
	int		fd, before = a->n;
	bool		ok;

	if ((fd = unix_connect(path)) == -1)
		return (false);
	run_until(base, &a->n, before + 1, 3000);
	pfd.fd = fd;
	pfd.events = POLLIN;
	ok = poll(&pfd, 1, 3000) == 1 && read(fd, &c, 1) == 1 && c == '!';
	close(fd);
	return (ok);
}

static bool
exists(const char *path)
{
	struct stat	st;

	return (lstat(path, &st) == 0);
}

static ino_t
inode(const char *path)
{
	struct stat	st;

	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	return (st.st_ino);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_npipe.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	return (0);
}

static int
teardown(void **state)
{
	char	cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return (system(cmd) == 0 ? 0 : -1);
}

/* ---------------------------------------------------------------- tests */

/*
 * A socket path longer than sun_path holds is refused with the documented
 * message; one that just fits is served.
 */
static void
test_path_too_long(void **state)
{
	struct event_base	*base = event_base_new();
	struct accepted		 a = { 0 };
	struct gw_spec		 spec = serve_spec("DbgLong");
	struct gw_listen_params	 p;
	char			 dir[256], want[512], path[256], *where = NULL;
	char			*cause = NULL;
	size_t			 len;
	void			*l;

	(void)state;
	/* dir/DbgLong is SUN_MAX + 1 bytes: one too many. */
	len = SUN_MAX + 1 - strlen("/DbgLong") - strlen(tmpdir) - 1;
	snprintf(dir, sizeof dir, "%s/%0*d", tmpdir, (int)len, 0);
	assert_int_equal(strlen(dir) + strlen("/DbgLong"), SUN_MAX + 1);
	p = params(&spec, dir, 0600, NULL);
	l = gw_npipe_listen(base, &p, on_accept, &a, &where, &cause);
	assert_null(l);
	assert_non_null(cause);
	snprintf(want, sizeof want, "socket path too long: %s/DbgLong is %zu "
	    "bytes, at most %zu fit (set a shorter [gateway] pipe_dir)", dir,
	    SUN_MAX + 1, SUN_MAX);
	assert_string_equal(cause, want);
	free(cause);
	cause = NULL;
	/* Refused before anything was made. */
	assert_false(exists(dir));

	/* One byte shorter fits exactly: served. */
	spec = serve_spec("DbgLon");
	p = params(&spec, dir, 0600, NULL);
	l = gw_npipe_listen(base, &p, on_accept, &a, &where, &cause);
	assert_null(cause);
	assert_non_null(l);
	join(path, sizeof path, dir, "DbgLon");
	assert_int_equal(strlen(path), SUN_MAX);
	assert_string_equal(where, path);
	assert_true(served(base, path, &a));
	gw_npipe_listen_free(l);
	free(where);
	event_base_free(base);
}

/* A name is one file name: '/', "." and ".." are refused, nothing made. */
static void
test_name_with_slash(void **state)
{
	struct event_base	*base = event_base_new();
	struct accepted		 a = { 0 };
	struct gw_spec		 spec;
	struct gw_listen_params	 p;
	struct connected	 c = { 0 };
	const char		*bad[] = { "sub/Dbg", "../Dbg", "..", "." };
	char			 dir[256], want[256], *where = NULL;
	char			*cause = NULL;
	size_t			 i;
	void			*l;

	(void)state;
	mkdir_under("slash", dir, sizeof dir);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		spec = serve_spec(bad[i]);
		p = params(&spec, dir, 0600, NULL);
		l = gw_npipe_listen(base, &p, on_accept, &a, &where, &cause);
		assert_null(l);
		assert_non_null(cause);
		/* The grammar's rule (gw_spec_pipe_check), word for word. */
		if (strchr(bad[i], '/') != NULL)
			snprintf(want, sizeof want, "'pipe' may not contain "
			    "'/' (it names one socket in pipe_dir), got '%s'",
			    bad[i]);
		else
			snprintf(want, sizeof want, "'pipe' may not be '.' or "
			    "'..'");
		assert_string_equal(cause, want);
		free(cause);
		cause = NULL;
	}
	join(want, sizeof want, dir, "sub");
	assert_false(exists(want));
	join(want, sizeof want, tmpdir, "Dbg");
	assert_false(exists(want));

	/* The connecting side refuses it too, through the callback. */
	spec = connect_spec("../Dbg");
	assert_non_null(l = gw_npipe_connect(base, NULL, &spec, dir, NULL,
	    on_connect, &c));
	assert_int_equal(c.calls, 0);
	run_until(base, &c.calls, 1, 3000);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.fd, -1);
	assert_int_not_equal(c.err, 0);
	assert_int_not_equal(c.err, ECONNREFUSED);
	assert_non_null(strstr(c.why, "may not contain '/'"));
	event_base_free(base);
}

/* The first %d is the process id, in decimal; %x in hex; %% is '%'. */
static void
test_pid_expansion(void **state)
{
	struct event_base	*base = event_base_new();
	struct accepted		 a = { 0 };
	struct gw_spec		 spec;
	struct gw_listen_params	 p;
	const char		*names[] = { "Dbg%d", "Dbg%x.x", "%%d%d" };
	char			 pid[32];
	char			 dir[256], want[256], *where = NULL;
	char			*cause = NULL;
	size_t			 i;
	void			*l;

	(void)state;
	mkdir_under("pid", dir, sizeof dir);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		spec = serve_spec(names[i]);
		p = params(&spec, dir, 0600, NULL);
		l = gw_npipe_listen(base, &p, on_accept, &a, &where, &cause);
		assert_null(cause);
		assert_non_null(l);
		switch (i) {
		case 0:
			snprintf(pid, sizeof pid, "Dbg%ld", (long)getpid());
			break;
		case 1:
			snprintf(pid, sizeof pid, "Dbg%lx.x", (long)getpid());
			break;
		default:
			snprintf(pid, sizeof pid, "%%d%ld", (long)getpid());
			break;
		}
		join(want, sizeof want, dir, pid);
		assert_string_equal(where, want);
		inode(want);
		/* Served there, and its links are named by the path. */
		assert_true(served(base, want, &a));
		assert_string_equal(a.peer, want);
		assert_true(a.sa_null);
		gw_npipe_listen_free(l);
		free(where);
		where = NULL;
	}
	/* The unexpanded name was never made. */
	join(want, sizeof want, dir, "Dbg%d");
	assert_false(exists(want));
	event_base_free(base);
}

/* The socket gets exactly pipe_mode, whatever the umask. */
static void
test_pipe_mode(void **state)
{
	struct event_base	*base = event_base_new();
	struct accepted		 a = { 0 };
	struct gw_spec		 spec = serve_spec("DbgMode");
	struct gw_listen_params	 p;
	struct stat		 st;
	const unsigned		 modes[] = { 0600, 0660, 0604 };
	const mode_t		 masks[] = { 0, 077, 022 };
	char			 dir[256], path[256], *where = NULL;
	char			*cause = NULL;
	mode_t			 old;
	size_t			 i;
	void			*l;

	(void)state;
	mkdir_under("mode", dir, sizeof dir);
	join(path, sizeof path, dir, "DbgMode");
	for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		old = umask(masks[i]);
		p = params(&spec, dir, modes[i], NULL);
		l = gw_npipe_listen(base, &p, on_accept, &a, &where, &cause);
		umask(old);
		assert_null(cause);
		assert_non_null(l);
		assert_int_equal(lstat(path, &st), 0);
		assert_true(S_ISSOCK(st.st_mode));
		assert_int_equal(st.st_mode & 07777, modes[i]);
		gw_npipe_listen_free(l);
		free(where);
		where = NULL;
	}
	event_base_free(base);
}

/*
 * A socket left by a process that ended (bound, then closed without
 * unlinking: nothing accepts on it) is removed and served afresh.
 */
static void
test_stale_socket(void **state)
{
	struct event_base	*base = event_base_new();
	struct accepted		 a = { 0 };
	struct gw_spec		 spec = serve_spec("DbgStale");
	struct gw_listen_params	 p;
	struct sockaddr_un	 sun;
	char			 dir[256], path[256], *where = NULL;
	char			 logf[256], logbuf[1024];
	char			*cause = NULL;
	int			 fd, saved, lfd;
	void			*l;

	(void)state;
	mkdir_under("stale", dir, sizeof dir);
	join(path, sizeof path, dir, "DbgStale");
	set_sun(&sun, path);
	assert_true((fd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	assert_int_equal(listen(fd, 1), 0);
	close(fd);
	inode(path);
	/* Stale indeed: nothing serves it. */
	assert_int_equal(unix_connect(path), -1);
	assert_int_equal(errno, ECONNREFUSED);

	p = params(&spec, dir, 0600, NULL);
	join(logf, sizeof logf, dir, "stderr.log");
	fflush(stderr);
	assert_true((saved = dup(2)) >= 0);
	assert_true((lfd = open(logf, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
	assert_int_equal(dup2(lfd, 2), 2);
	l = gw_npipe_listen(base, &p, on_accept, &a, &where, &cause);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(lfd);
	assert_null(cause);
	assert_non_null(l);
	assert_string_equal(where, path);
	/* It says what it removed. */
	assert_true((lfd = open(logf, O_RDONLY)) >= 0);
	memset(logbuf, 0, sizeof logbuf);
	assert_true(read(lfd, logbuf, sizeof logbuf - 1) > 0);
	close(lfd);
	assert_non_null(strstr(logbuf, path));
	assert_non_null(strstr(logbuf, ": removed a stale socket"));
	/* A socket again, now a live one. */
	inode(path);
	assert_true(served(base, path, &a));
	assert_int_equal(a.n, 1);
	gw_npipe_listen_free(l);
	assert_false(exists(path));
	free(where);
	event_base_free(base);
}

/*
 * A socket another listener serves is refused with the documented message
 * and left in place, still served.
 */
static void
test_live_socket(void **state)
{
	struct event_base	*base = event_base_new();
	struct accepted		 a = { 0 }, b = { 0 };
	struct gw_spec		 spec = serve_spec("DbgLive");
	struct gw_listen_params	 p;
	struct gw_listen_params	 p2;
	char			 dir[256], path[256], want[512];
	char			 alias[256], link[256], parent[256];
	char			*where = NULL, *where2 = NULL, *cause = NULL;
	ino_t			 live;
	int			 i;
	void			*l, *l2;

	(void)state;
	mkdir_under("live", dir, sizeof dir);
	join(path, sizeof path, dir, "DbgLive");
	p = params(&spec, dir, 0600, NULL);
	assert_non_null(l = gw_npipe_listen(base, &p, on_accept, &a, &where,
	    &cause));
	assert_null(cause);
	live = inode(path);

	l2 = gw_npipe_listen(base, &p, on_accept, &b, &where2, &cause);
	assert_null(l2);
	assert_non_null(cause);
	snprintf(want, sizeof want, "%s: another live process serves this "
	    "pipe", path);
	assert_string_equal(cause, want);
	free(cause);
	assert_null(where2);
	/* Left in place and still the first listener's. */
	assert_int_equal(inode(path), live);
	assert_true(served(base, path, &a));
	assert_int_equal(b.n, 0);

	/*
	 * The same directory spelled otherwise ("DIR/.", or through a symlink
	 * to its parent as /var/run is to /run): the same live socket,
	 * refused alike.
	 */
	join(alias, sizeof alias, dir, ".");
	join(parent, sizeof parent, tmpdir, "parent-link");
	assert_int_equal(symlink(tmpdir, parent), 0);
	join(link, sizeof link, parent, "live");
	for (i = 0; i < 2; i++) {
		p2 = params(&spec, i == 0 ? alias : link, 0600, NULL);
		l2 = gw_npipe_listen(base, &p2, on_accept, &b, &where2, &cause);
		if (l2 != NULL)
			fail_msg("pipe_dir %s: a second listener replaced the "
			    "live socket %s (removed as stale), where it must "
			    "be refused", p2.pipe_dir, path);
		assert_non_null(cause);
		if (strstr(cause, ": another live process serves this pipe") ==
		    NULL)
			fail_msg("pipe_dir %s: refused, but not as a live pipe: "
			    "%s", p2.pipe_dir, cause);
		free(cause);
		cause = NULL;
		assert_int_equal(inode(path), live);
		assert_true(served(base, path, &a));
		assert_int_equal(b.n, 0);
	}

	gw_npipe_listen_free(l);
	assert_false(exists(path));
	free(where);
	event_base_free(base);
}

/*
 * listen_free removes the socket it made, but not one another process has
 * put at that path since.
 */
static void
test_free_removes(void **state)
{
	struct event_base	*base = event_base_new();
	struct accepted		 a = { 0 };
	struct gw_spec		 spec = serve_spec("DbgFree");
	struct gw_listen_params	 p;
	struct sockaddr_un	 sun;
	char			 dir[256], path[256], *where = NULL;
	char			*cause = NULL;
	ino_t			 other;
	int			 fd;
	void			*l;

	(void)state;
	mkdir_under("free", dir, sizeof dir);
	join(path, sizeof path, dir, "DbgFree");
	p = params(&spec, dir, 0600, NULL);
	assert_non_null(l = gw_npipe_listen(base, &p, on_accept, &a, &where,
	    &cause));
	assert_true(exists(path));
	gw_npipe_listen_free(l);
	assert_false(exists(path));
	/* Nothing listens any more. */
	assert_int_equal(unix_connect(path), -1);
	free(where);
	where = NULL;

	/* Replaced behind the listener's back: the newcomer's socket stays. */
	assert_non_null(l = gw_npipe_listen(base, &p, on_accept, &a, &where,
	    &cause));
	assert_int_equal(unlink(path), 0);
	set_sun(&sun, path);
	assert_true((fd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	other = inode(path);
	gw_npipe_listen_free(l);
	assert_true(exists(path));
	assert_int_equal(inode(path), other);
	close(fd);
	free(where);
	event_base_free(base);
}

/*
 * Connecting to a pipe nothing serves reports ECONNREFUSED through the
 * callback, from the loop and never inside the call; a served pipe gives a
 * connected fd; a cancelled attempt never calls back.
 */
static void
test_connect(void **state)
{
	struct event_base	*base = event_base_new();
	struct accepted		 a = { 0 };
	struct connected	 c;
	struct gw_spec		 sspec = serve_spec("DbgConn");
	struct gw_spec		 cspec = connect_spec("DbgMissing");
	struct gw_listen_params	 p;
	char			 dir[256], path[256], missing[256], buf[1];
	char			*where = NULL, *cause = NULL;
	void			*attempt, *l;

	(void)state;
	mkdir_under("conn", dir, sizeof dir);

	/* Nothing at the path. */
	memset(&c, 0, sizeof c);
	attempt = gw_npipe_connect(base, NULL, &cspec, dir, NULL,
	    on_connect, &c);
	assert_non_null(attempt);
	assert_int_equal(c.calls, 0);
	run_until(base, &c.calls, 1, 3000);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.fd, -1);
	assert_int_equal(c.err, ECONNREFUSED);
	join(missing, sizeof missing, dir, "DbgMissing");
	assert_non_null(strstr(c.why, missing));

	/* Not even the directory. */
	memset(&c, 0, sizeof c);
	join(path, sizeof path, tmpdir, "no-such-dir");
	attempt = gw_npipe_connect(base, NULL, &cspec, path, NULL,
	    on_connect, &c);
	assert_non_null(attempt);
	assert_int_equal(c.calls, 0);
	run_until(base, &c.calls, 1, 3000);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.fd, -1);
	assert_int_equal(c.err, ECONNREFUSED);

	/* Served: a connected fd, still from the loop. */
	p = params(&sspec, dir, 0600, NULL);
	assert_non_null(l = gw_npipe_listen(base, &p, on_accept, &a, &where,
	    &cause));
	cspec = connect_spec("DbgConn");
	memset(&c, 0, sizeof c);
	attempt = gw_npipe_connect(base, NULL, &cspec, dir, NULL,
	    on_connect, &c);
	assert_non_null(attempt);
	assert_int_equal(c.calls, 0);
	run_until(base, &c.calls, 1, 3000);
	assert_int_equal(c.calls, 1);
	assert_true(c.fd >= 0);
	assert_int_equal(c.err, 0);
	run_until(base, &a.n, 1, 3000);
	assert_int_equal(a.n, 1);
	join(path, sizeof path, dir, "DbgConn");
	assert_string_equal(a.peer, path);
	/* The accepted side said "!" to this very link. */
	assert_true(fcntl(c.fd, F_GETFL) & O_NONBLOCK);
	{
		struct pollfd	pfd = { c.fd, POLLIN, 0 };

		assert_int_equal(poll(&pfd, 1, 3000), 1);
		assert_int_equal(read(c.fd, buf, 1), 1);
		assert_int_equal(buf[0], '!');
	}
	close(c.fd);

	/* Cancelled before the loop ran: no callback, ever. */
	memset(&c, 0, sizeof c);
	attempt = gw_npipe_connect(base, NULL, &cspec, dir, NULL,
	    on_connect, &c);
	assert_non_null(attempt);
	gw_npipe_connect_cancel(attempt);
	run_until(base, &c.calls, 1, 300);
	assert_int_equal(c.calls, 0);

	gw_npipe_listen_free(l);
	free(where);
	event_base_free(base);
}

/* In a shared place the directory must be ours: world-writable is refused. */
static void
test_world_writable_dir(void **state)
{
	struct event_base	*base = event_base_new();
	struct accepted		 a = { 0 };
	struct gw_spec		 spec = serve_spec("DbgWw");
	struct gw_listen_params	 p;
	char			 dir[256], path[256], want[512];
	char			*where = NULL, *cause = NULL;
	void			*l;

	(void)state;
	mkdir_under("ww", dir, sizeof dir);
	assert_int_equal(chmod(dir, 0777), 0);
	join(path, sizeof path, dir, "DbgWw");
	p = params(&spec, dir, 0600, NULL);
	l = gw_npipe_listen(base, &p, on_accept, &a, &where, &cause);
	assert_null(l);
	assert_non_null(cause);
	snprintf(want, sizeof want, "%s: the pipe directory must be a "
	    "directory owned by this user or root and not writable by others",
	    dir);
	assert_string_equal(cause, want);
	free(cause);
	cause = NULL;
	assert_false(exists(path));

	/* Sticky like /tmp is still writable by others. */
	assert_int_equal(chmod(dir, 01777), 0);
	l = gw_npipe_listen(base, &p, on_accept, &a, &where, &cause);
	assert_null(l);
	assert_non_null(cause);
	assert_string_equal(cause, want);
	free(cause);
	cause = NULL;

	/* Fixed: served. */
	assert_int_equal(chmod(dir, 0755), 0);
	l = gw_npipe_listen(base, &p, on_accept, &a, &where, &cause);
	assert_null(cause);
	assert_non_null(l);
	gw_npipe_listen_free(l);
	free(where);
	event_base_free(base);
}

/*
 * pipe_group: an unknown group is refused (and no socket is left behind); a
 * known one owns the socket.
 */
static void
test_pipe_group(void **state)
{
	struct event_base	*base = event_base_new();
	struct accepted		 a = { 0 };
	struct gw_spec		 spec = serve_spec("DbgGroup");
	struct gw_listen_params	 p;
	struct group		*gr;
	struct stat		 st;
	char			 dir[256], path[256], want[512], name[64];
	char			*where = NULL, *cause = NULL;
	gid_t			 gid = (gid_t)-1;
	void			*l;

	(void)state;
	mkdir_under("group", dir, sizeof dir);
	join(path, sizeof path, dir, "DbgGroup");
	p = params(&spec, dir, 0660, "dbgbridge-no-such-group");
	l = gw_npipe_listen(base, &p, on_accept, &a, &where, &cause);
	assert_null(l);
	assert_non_null(cause);
	snprintf(want, sizeof want, "%s: pipe_group 'dbgbridge-no-such-group': "
	    "no such group", path);
	assert_string_equal(cause, want);
	free(cause);
	cause = NULL;
	assert_false(exists(path));
	assert_int_equal(unix_connect(path), -1);

	/* Our own group always works; another one too when we may chown. */
	name[0] = '\0';
	if (geteuid() == 0) {
		setgrent();
		while ((gr = getgrent()) != NULL) {
			if (gr->gr_gid != getegid()) {
				snprintf(name, sizeof name, "%s", gr->gr_name);
				gid = gr->gr_gid;
				break;
			}
		}
		endgrent();
	}
	if (name[0] == '\0') {
		assert_non_null(gr = getgrgid(getegid()));
		snprintf(name, sizeof name, "%s", gr->gr_name);
		gid = gr->gr_gid;
	}
	p = params(&spec, dir, 0660, name);
	l = gw_npipe_listen(base, &p, on_accept, &a, &where, &cause);
	assert_null(cause);
	assert_non_null(l);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_gid, gid);
	assert_int_equal(st.st_mode & 07777, 0660);
	gw_npipe_listen_free(l);
	free(where);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_too_long),
		cmocka_unit_test(test_name_with_slash),
		cmocka_unit_test(test_pid_expansion),
		cmocka_unit_test(test_pipe_mode),
		cmocka_unit_test(test_stale_socket),
		cmocka_unit_test(test_live_socket),
		cmocka_unit_test(test_free_removes),
		cmocka_unit_test(test_connect),
		cmocka_unit_test(test_world_writable_dir),
		cmocka_unit_test(test_pipe_group),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
