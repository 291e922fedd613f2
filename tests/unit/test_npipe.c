/*
 * test_npipe.c: the npipe transport off Windows (doc/design.md "npipe off
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
#include <sys/wait.h>
#include <sched.h>
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
	p.pipe = spec->pipe;
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

/* listen must be refused in dir, with a message that names what. */
static void
refused_in(struct event_base *base, const char *dir, const char *name,
    const char *what, const char *want1, const char *want2)
{
	struct accepted		 a = { 0 };
	struct gw_spec		 spec = serve_spec(name);
	struct gw_listen_params	 p = params(&spec, dir, 0600, NULL);
	char			*where = NULL, *cause = NULL, path[256];
	void			*l;

	l = gw_npipe_listen(base, &p, on_accept, &a, &where, &cause);
	if (l != NULL)
		fail_msg("%s: served in %s, where it must be refused", what, dir);
	assert_non_null(cause);
	if (strstr(cause, want1) == NULL || (want2 != NULL &&
	    strstr(cause, want2) == NULL))
		fail_msg("%s: refused as '%s', want '%s' and '%s' in it", what,
		    cause, want1, want2 != NULL ? want2 : "");
	free(cause);
	join(path, sizeof path, dir, name);
	assert_false(exists(path));
}

/* listen must be refused at an existing name; what is there stays. */
static void
refused_in_keep(struct event_base *base, const char *dir, const char *name,
    const char *want)
{
	struct accepted		 a = { 0 };
	struct gw_spec		 spec = serve_spec(name);
	struct gw_listen_params	 p = params(&spec, dir, 0600, NULL);
	char			*where = NULL, *cause = NULL, path[256];
	ino_t			 before;
	void			*l;

	join(path, sizeof path, dir, name);
	before = inode(path);
	l = gw_npipe_listen(base, &p, on_accept, &a, &where, &cause);
	if (l != NULL)
		fail_msg("served at %s, where it must be refused", path);
	assert_non_null(cause);
	if (strstr(cause, want) == NULL)
		fail_msg("refused as '%s', want '%s' in it", cause, want);
	free(cause);
	assert_int_equal(inode(path), before);
}

/* listen must succeed in dir and serve there. */
static void
served_in(struct event_base *base, const char *dir, const char *name,
    const char *what)
{
	struct accepted		 a = { 0 };
	struct gw_spec		 spec = serve_spec(name);
	struct gw_listen_params	 p = params(&spec, dir, 0600, NULL);
	char			*where = NULL, *cause = NULL, path[256];
	void			*l;

	l = gw_npipe_listen(base, &p, on_accept, &a, &where, &cause);
	if (l == NULL)
		fail_msg("%s: refused in %s: %s", what, dir, cause);
	join(path, sizeof path, dir, name);
	assert_true(served(base, path, &a));
	gw_npipe_listen_free(l);
	free(where);
}

/*
 * Issue 10 item 1: the trust rule for pipe_dir (dbgbridge.ini(5) pipe_dir).
 * Only we or root may own it and the directories above it; writable by
 * group or others only when sticky and owned by root (as /tmp is).  The
 * refusal names the path, its owner and its mode.
 */
static void
test_dir_trust(void **state)
{
	struct event_base	*base = event_base_new();
	char			 dir[256], want[512], sub[256], link[256];

	(void)state;
	mkdir_under("ww", dir, sizeof dir);
	assert_int_equal(chmod(dir, 0777), 0);
	snprintf(want, sizeof want, "%s: owned by %s, mode 0777: refused", dir,
	    geteuid() == 0 ? "root (uid 0)" : "");
	refused_in(base, dir, "DbgWw", "world-writable", want, NULL);

	/* Group-writable and not sticky: a member could swap names. */
	assert_int_equal(chmod(dir, 0770), 0);
	snprintf(want, sizeof want, "%s: owned by ", dir);
	refused_in(base, dir, "DbgWw", "group-writable, not sticky", want,
	    ", mode 0770: refused");
	assert_int_equal(chmod(dir, 0730), 0);
	refused_in(base, dir, "DbgWw", "group-writable (0730), not sticky",
	    want, ", mode 0730: refused");

	/* Below a group-writable directory: named as the one refused. */
	assert_int_equal(chmod(dir, 0775), 0);
	join(sub, sizeof sub, dir, "sub");
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(want, sizeof want, "%s: owned by ", dir);
	refused_in(base, sub, "DbgSub", "below a group-writable directory",
	    want, ", mode 0775: refused");

	/* A symbolic link is not a directory of ours. */
	assert_int_equal(chmod(dir, 0700), 0);
	join(link, sizeof link, tmpdir, "dirlink");
	assert_int_equal(symlink(sub, link), 0);
	snprintf(want, sizeof want, "%s: a symbolic link: refused", link);
	refused_in(base, link, "DbgLink", "a symbolic link", want, NULL);

	/* Ours and shared with no one: served. */
	served_in(base, dir, "DbgWw", "mode 0700");
	assert_int_equal(chmod(dir, 0755), 0);
	served_in(base, dir, "DbgWw", "mode 0755");

	if (geteuid() != 0) {
		event_base_free(base);
		return;
	}
	/* Sticky and root's, as /tmp is: served. */
	assert_int_equal(chmod(dir, 01770), 0);
	served_in(base, dir, "DbgWw", "sticky root-owned 1770");
	assert_int_equal(chmod(dir, 01777), 0);
	served_in(base, dir, "DbgWw", "sticky root-owned 1777");
	/* Sticky but another user's: refused. */
	assert_int_equal(chown(dir, 54321, (gid_t)-1), 0);
	snprintf(want, sizeof want, "%s: owned by ", dir);
	refused_in(base, dir, "DbgWw", "sticky, another user's", want,
	    "uid 54321");
	refused_in(base, dir, "DbgWw", "sticky, another user's", want,
	    ", mode 1777: refused");
	/* Another user's, writable by no one else: still refused. */
	assert_int_equal(chmod(dir, 0755), 0);
	refused_in(base, dir, "DbgWw", "another user's, 0755", want,
	    "uid 54321");
	refused_in(base, dir, "DbgWw", "another user's, 0755", want,
	    ", mode 0755: refused");
	/* That user, when trusted (the user [gateway] user names): served. */
	{
		struct accepted		 a = { 0 };
		struct gw_spec		 spec = serve_spec("DbgAlso");
		struct gw_listen_params	 p = params(&spec, dir, 0600, NULL);
		char			*where = NULL, *cause = NULL;
		void			*l;

		p.pipe_uid = 54321;
		l = gw_npipe_listen(base, &p, on_accept, &a, &where, &cause);
		if (l == NULL)
			fail_msg("pipe_uid 54321: refused: %s", cause);
		gw_npipe_listen_free(l);
		free(where);
	}
	assert_int_equal(chown(dir, 0, (gid_t)-1), 0);
	event_base_free(base);
}

/*
 * bind(2) with hooks: once bound, swap the socket for a symbolic link; or,
 * just before, let "another process" take the name (listen there).
 */
int	__real_bind(int, const struct sockaddr *, socklen_t);
int	__wrap_bind(int, const struct sockaddr *, socklen_t);
static int	listen_at(const char *);

static const char	*swap_path;	/* the socket to swap, NULL: none */
static const char	*swap_target;	/* what the link points to */
static const char	*take_path;	/* the name to take, NULL: none */
static int		 take_fd = -1;	/* the socket that took it */

int
__wrap_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	const struct sockaddr_un	*sun = (const struct sockaddr_un *)sa;
	int				 r;

	if (take_path != NULL && sa->sa_family == AF_UNIX &&
	    strcmp(sun->sun_path, take_path) == 0) {
		take_path = NULL;
		take_fd = listen_at(sun->sun_path);
	}
	r = __real_bind(fd, sa, len);
	if (r == 0 && swap_path != NULL && sa->sa_family == AF_UNIX &&
	    strcmp(sun->sun_path, swap_path) == 0) {
		if (unlink(swap_path) == -1 ||
		    symlink(swap_target, swap_path) == -1)
			fail_msg("cannot swap %s: %s", swap_path,
			    strerror(errno));
	}
	return (r);
}

/*
 * Issue 10 item 1: a member of a group that may write pipe_dir (sticky
 * root:group 1770) swaps the new socket for a symbolic link to a file right
 * after bind(2).  The socket's mode and group were set before, so the
 * file's mode and group are never touched; the listener is refused, and the
 * link (not ours) is left alone.
 */
static void
test_symlink_swap(void **state)
{
	struct event_base	*base = event_base_new();
	struct accepted		 a = { 0 };
	struct gw_spec		 spec = serve_spec("DbgSwap");
	struct gw_listen_params	 p;
	struct group		*gr;
	struct stat		 st;
	char			 dir[256], path[256], target[256], name[64];
	char			*where = NULL, *cause = NULL;
	gid_t			 gid = (gid_t)-1;
	int			 fd;
	void			*l;

	(void)state;
	mkdir_under("swap", dir, sizeof dir);
	join(path, sizeof path, dir, "DbgSwap");
	join(target, sizeof target, tmpdir, "secret");
	assert_true((fd = open(target, O_WRONLY | O_CREAT | O_EXCL, 0640)) >= 0);
	close(fd);
	assert_int_equal(chmod(target, 0640), 0);
	/* A group other than the file's, when we may give one. */
	name[0] = '\0';
	setgrent();
	while ((gr = getgrent()) != NULL) {
		if (gr->gr_gid != getegid() && geteuid() == 0) {
			snprintf(name, sizeof name, "%s", gr->gr_name);
			gid = gr->gr_gid;
			break;
		}
	}
	endgrent();
	if (geteuid() == 0) {
		assert_int_equal(chown(dir, 0, gid), 0);
		assert_int_equal(chmod(dir, 01770), 0);
	}
	p = params(&spec, dir, 0660, name[0] != '\0' ? name : NULL);
	swap_path = path;
	swap_target = target;
	l = gw_npipe_listen(base, &p, on_accept, &a, &where, &cause);
	swap_path = NULL;
	assert_int_equal(stat(target, &st), 0);
	if ((st.st_mode & 07777) != 0640 || st.st_gid != getegid())
		fail_msg("the file behind the swapped link changed: mode %04o "
		    "group %lu, was 0640 group %lu", (unsigned)(st.st_mode &
		    07777), (unsigned long)st.st_gid, (unsigned long)getegid());
	assert_null(l);
	assert_non_null(cause);
	assert_non_null(strstr(cause, path));
	assert_non_null(strstr(cause, "replaced"));
	free(cause);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(unlink(path), 0);

	/* Unhindered: the socket has exactly pipe_mode and pipe_group. */
	cause = NULL;
	assert_non_null(l = gw_npipe_listen(base, &p, on_accept, &a, &where,
	    &cause));
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
	if (gid != (gid_t)-1)
		assert_int_equal(st.st_gid, gid);
	gw_npipe_listen_free(l);
	free(where);
	event_base_free(base);
}

/* A listening socket at path, bound here; its fd. */
static int
listen_at(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	set_sun(&sun, path);
	assert_true((fd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	assert_int_equal(listen(fd, 8), 0);
	return (fd);
}

/*
 * The refusal a caller tells apart is typed: errno EADDRINUSE when another
 * live process serves the pipe (found at the look, or taking the name just
 * before our bind(2)), and not for any other refusal.
 */
static void
test_live_errno(void **state)
{
	struct event_base	*base = event_base_new();
	struct accepted		 a = { 0 }, b = { 0 };
	struct gw_spec		 spec = serve_spec("DbgLive");
	struct gw_spec		 spec2 = serve_spec("DbgTaken");
	struct gw_listen_params	 p, p2;
	char			 dir[256], path[256];
	char			*where = NULL, *where2 = NULL, *cause = NULL;
	void			*l, *l2;

	(void)state;
	mkdir_under("errno", dir, sizeof dir);
	p = params(&spec, dir, 0600, NULL);
	assert_non_null(l = gw_npipe_listen(base, &p, on_accept, &a, &where,
	    &cause));

	/* Live at the look. */
	errno = 0;
	l2 = gw_npipe_listen(base, &p, on_accept, &b, &where2, &cause);
	assert_null(l2);
	assert_int_equal(errno, EADDRINUSE);
	assert_non_null(strstr(cause, "another live process serves this pipe"));
	free(cause);
	cause = NULL;

	/* Taken between the look and bind(2). */
	join(path, sizeof path, dir, "DbgTaken");
	take_path = path;
	p2 = params(&spec2, dir, 0600, NULL);
	errno = 0;
	l2 = gw_npipe_listen(base, &p2, on_accept, &b, &where2, &cause);
	take_path = NULL;
	assert_true(take_fd >= 0);
	assert_null(l2);
	assert_int_equal(errno, EADDRINUSE);
	assert_non_null(strstr(cause, "it took the name while this one was "
	    "made"));
	free(cause);
	cause = NULL;
	close(take_fd);
	take_fd = -1;
	assert_int_equal(unlink(path), 0);

	/* Any other refusal is not busy, whatever errno was before. */
	p2 = params(&spec2, dir, 0600, "no-such-group-dbgb");
	errno = EADDRINUSE;
	l2 = gw_npipe_listen(base, &p2, on_accept, &b, &where2, &cause);
	assert_null(l2);
	assert_non_null(cause);
	assert_int_not_equal(errno, EADDRINUSE);
	free(cause);
	cause = NULL;

	gw_npipe_listen_free(l);
	free(where);
	event_base_free(base);
}

/* gw_npipe_connect to name in dir; the outcome in *c. */
static void
connect_in(struct event_base *base, const char *dir, const char *name,
    struct connected *c)
{
	struct gw_spec	spec = connect_spec(name);

	memset(c, 0, sizeof *c);
	assert_non_null(gw_npipe_connect(base, NULL, &spec, dir, NULL,
	    on_connect, c));
	run_until(base, &c->calls, 1, 3000);
	assert_int_equal(c->calls, 1);
}

/*
 * Issue 10 item 2: the connecting side never talks to a socket another user
 * could have put there: not in a directory another user owns (the squatted
 * /tmp/dbgbridge-UID), not one another user owns in a sticky directory.  The
 * message names the path and the owner.  The serving side refuses alike.
 */
static void
test_untrusted_owner(void **state)
{
	struct event_base	*base = event_base_new();
	struct connected	 c;
	char			 dir[256], path[256], want[512];
	int			 fd;

	(void)state;
	if (geteuid() != 0) {
		printf("# test_untrusted_owner: needs root to own files as "
		    "another user; skipped\n");
		event_base_free(base);
		return;
	}
	/* Squatted: another user made the directory; a live socket in it. */
	mkdir_under("squat", dir, sizeof dir);
	assert_int_equal(chmod(dir, 0755), 0);
	join(path, sizeof path, dir, "DbgX");
	fd = listen_at(path);
	assert_int_equal(chown(dir, 54321, 54321), 0);
	assert_int_equal(lchown(path, 54321, 54321), 0);
	connect_in(base, dir, "DbgX", &c);
	if (c.fd != -1)
		fail_msg("connected to %s in a directory uid 54321 owns", path);
	assert_int_equal(c.err, EPERM);
	snprintf(want, sizeof want, "%s: owned by ", dir);
	if (strstr(c.why, want) == NULL || strstr(c.why, "uid 54321") ==
	    NULL || strstr(c.why, ", mode 0755: refused") == NULL)
		fail_msg("refused, but the message does not name %s and its "
		    "owner: %s", dir, c.why);
	refused_in(base, dir, "DbgY", "a directory uid 54321 owns", want,
	    "uid 54321");
	close(fd);
	assert_int_equal(unlink(path), 0);

	/* Sticky and root's: a socket of ours is talked to, another's not. */
	assert_int_equal(chown(dir, 0, 0), 0);
	assert_int_equal(chmod(dir, 01777), 0);
	fd = listen_at(path);
	connect_in(base, dir, "DbgX", &c);
	if (c.fd == -1)
		fail_msg("root's socket %s in a sticky root-owned directory: "
		    "%s", path, c.why);
	close(c.fd);
	assert_int_equal(lchown(path, 54321, 54321), 0);
	connect_in(base, dir, "DbgX", &c);
	if (c.fd != -1)
		fail_msg("connected to %s, owned by uid 54321 in a sticky "
		    "directory", path);
	assert_int_equal(c.err, EPERM);
	snprintf(want, sizeof want, "%s: owned by ", path);
	if (strstr(c.why, want) == NULL || strstr(c.why, "uid 54321") ==
	    NULL || strstr(c.why, ": refused") == NULL)
		fail_msg("refused, but the message does not name %s and its "
		    "owner: %s", path, c.why);
	/* Serving that name: refused, the other user's socket left alone. */
	refused_in_keep(base, dir, "DbgX", want);
	close(fd);
	assert_int_equal(unlink(path), 0);

	/*
	 * A root-owned name another user serves (it took the name between the
	 * look and the connect): refused by who listens (SO_PEERCRED).
	 */
	{
		struct sockaddr_un	sun;
		int			ready[2], hold[2], status;
		char			ch = 0;
		pid_t			pid;

		assert_int_equal(pipe(ready), 0);
		assert_int_equal(pipe(hold), 0);
		if ((pid = fork()) == 0) {
			close(ready[0]);
			close(hold[1]);
			set_sun(&sun, path);
			if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
			    bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1 ||
			    setresuid(54321, 54321, 54321) == -1 ||
			    listen(fd, 8) == -1)
				_exit(1);
			(void)write(ready[1], "R", 1);
			(void)read(hold[0], &ch, 1);
			_exit(0);
		}
		assert_true(pid > 0);
		close(ready[1]);
		close(hold[0]);
		assert_int_equal(read(ready[0], &ch, 1), 1);
		close(ready[0]);
		connect_in(base, dir, "DbgX", &c);
		if (c.fd != -1)
			fail_msg("connected to %s, root's but served by uid "
			    "54321, in a sticky directory", path);
		assert_int_equal(c.err, EPERM);
		if (strstr(c.why, path) == NULL || strstr(c.why, "served by ") ==
		    NULL || strstr(c.why, "uid 54321") == NULL)
			fail_msg("refused, but the message does not name %s and "
			    "who serves it: %s", path, c.why);
		close(hold[1]);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_int_equal(unlink(path), 0);
	}
	event_base_free(base);
}

/*
 * Issue 10 item 4: a live socket whose path has a blank in it (here in
 * pipe_dir: the pipe-name rule keeps blanks out of names) is live: it is
 * refused and left in place, not removed as stale.
 */
static void
test_live_blank(void **state)
{
	struct event_base	*base = event_base_new();
	struct accepted		 a = { 0 };
	struct gw_spec		 spec = serve_spec("DbgLive");
	struct gw_listen_params	 p;
	char			 dir[256], path[256];
	char			*where = NULL, *cause = NULL;
	ino_t			 live;
	int			 fd;
	void			*l;

	(void)state;
	mkdir_under("with blank", dir, sizeof dir);
	join(path, sizeof path, dir, "DbgLive");
	fd = listen_at(path);
	live = inode(path);
	p = params(&spec, dir, 0600, NULL);
	l = gw_npipe_listen(base, &p, on_accept, &a, &where, &cause);
	if (l != NULL)
		fail_msg("%s: served over a live socket (removed as stale)",
		    path);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "another live process serves this pipe"));
	free(cause);
	assert_int_equal(inode(path), live);
	close(fd);
	/* Now stale: removed and served. */
	cause = NULL;
	assert_non_null(l = gw_npipe_listen(base, &p, on_accept, &a, &where,
	    &cause));
	assert_true(served(base, path, &a));
	gw_npipe_listen_free(l);
	free(where);
	event_base_free(base);
}

/*
 * Issue 10 item 4: a socket served by a process in another network
 * namespace (a container, `ip netns exec`: the file system is shared, the
 * list of sockets in /proc/net/unix is not) is live; once that process has
 * ended it is stale and removed.
 */
static void
test_live_netns(void **state)
{
	struct event_base	*base = event_base_new();
	struct accepted		 a = { 0 };
	struct gw_spec		 spec = serve_spec("DbgNs");
	struct gw_listen_params	 p;
	char			 dir[256], path[256], c = 0;
	char			*where = NULL, *cause = NULL;
	int			 ready[2], hold[2], status;
	ino_t			 live;
	pid_t			 pid;
	void			*l;

	(void)state;
	mkdir_under("netns", dir, sizeof dir);
	join(path, sizeof path, dir, "DbgNs");
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(hold), 0);
	if ((pid = fork()) == 0) {
		close(ready[0]);
		close(hold[1]);
		if (unshare(CLONE_NEWNET) == -1) {
			(void)write(ready[1], "S", 1);
			_exit(0);
		}
		(void)listen_at(path);
		(void)write(ready[1], "R", 1);
		(void)read(hold[0], &c, 1);	/* until the parent closes */
		_exit(0);			/* leaves the socket: stale */
	}
	assert_true(pid > 0);
	close(ready[1]);
	close(hold[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	if (c == 'S') {
		printf("# test_live_netns: unshare(CLONE_NEWNET) is not "
		    "allowed here; skipped\n");
		close(hold[1]);
		waitpid(pid, &status, 0);
		event_base_free(base);
		return;
	}
	live = inode(path);
	p = params(&spec, dir, 0600, NULL);
	l = gw_npipe_listen(base, &p, on_accept, &a, &where, &cause);
	if (l != NULL)
		fail_msg("%s: served over a socket live in another network "
		    "namespace (removed as stale)", path);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "another live process serves this pipe"));
	free(cause);
	assert_int_equal(inode(path), live);
	close(hold[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	cause = NULL;
	assert_non_null(l = gw_npipe_listen(base, &p, on_accept, &a, &where,
	    &cause));
	assert_true(served(base, path, &a));
	gw_npipe_listen_free(l);
	free(where);
	event_base_free(base);
}

/*
 * Issue 10 items 2 and 4: another user cannot make a stale socket look live.
 * /proc/net/unix prints a socket's path as it is, newlines and all, so a
 * listening socket bound at "DIR/x\n0: 0 0 10000 1 1 1 PATH" adds a line
 * that says PATH is listening.  The stale socket at PATH is still removed
 * and served, not refused as "another live process".
 */
static void
test_stale_forged(void **state)
{
	struct event_base	*base = event_base_new();
	struct accepted		 a = { 0 };
	struct gw_spec		 spec = serve_spec("DbgForge");
	struct gw_listen_params	 p;
	struct sockaddr_un	 sun;
	char			 dir[128], path[128], forge[512], sub[512];
	char			*where = NULL, *cause = NULL, *slash;
	int			 fd, ffd;
	void			*l;

	(void)state;
	mkdir_under("forged", dir, sizeof dir);
	join(path, sizeof path, dir, "DbgForge");
	/* Stale: bound, closed, nothing serves it. */
	set_sun(&sun, path);
	assert_true((fd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	close(fd);
	/* The forger's socket, with the directories its path needs. */
	snprintf(forge, sizeof forge, "%s/x\n0: 0 0 10000 1 1 1 %s", tmpdir,
	    path);
	assert_true(strlen(forge) <= SUN_MAX);
	snprintf(sub, sizeof sub, "%s", forge);
	for (slash = strchr(sub + strlen(tmpdir) + 1, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(sub, 0700) == -1)
			assert_int_equal(errno, EEXIST);
		*slash = '/';
	}
	ffd = listen_at(forge);
	p = params(&spec, dir, 0600, NULL);
	l = gw_npipe_listen(base, &p, on_accept, &a, &where, &cause);
	if (l == NULL)
		fail_msg("a stale socket refused as live after a forged line "
		    "in /proc/net/unix: %s", cause != NULL ? cause : "?");
	assert_true(served(base, path, &a));
	gw_npipe_listen_free(l);
	close(ffd);
	unlink(forge);
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
		cmocka_unit_test(test_dir_trust),
		cmocka_unit_test(test_symlink_swap),
		cmocka_unit_test(test_untrusted_owner),
		cmocka_unit_test(test_live_blank),
		cmocka_unit_test(test_live_netns),
		cmocka_unit_test(test_live_errno),
		cmocka_unit_test(test_stale_forged),
		cmocka_unit_test(test_pipe_group),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
