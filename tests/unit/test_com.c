/*
 * test_com.c: the com transport (transports/com.c) through its ops, on
 * pseudo-terminal pairs (openpty(3)): the check slot's rates and port forms,
 * comN / N to /dev/ttyS(N-1), connect failures and their messages, exclusive
 * opens (flock for everyone, TIOCEXCL for non-root), the termios a device is
 * left with, the listener's accept / pause / reopen / retry cycle, and bytes
 * both ways through a link.
 */
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pty.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "gateway/log.h"
#include "transports/spec.h"
#include "transports/transport.h"

/* Unprivileged ids for the tests that need DAC and TIOCEXCL to apply. */
#define NOBODY	65534

static const struct gw_transport_ops	*ops;
static char				 tmpdir[64];

/* ---------------------------------------------------------------- helpers */

static struct gw_spec *
parse(const char *fmt, ...)
{
	struct gw_spec	*spec = NULL;
	char		 text[512], *cause = NULL;
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (gw_spec_parse(text, GW_SPEC_EITHER, &spec, &cause) != 0)
		fail_msg("cannot parse '%s': %s", text, cause);
	return (spec);
}

/* A pseudo-terminal pair: the master (nonblocking) and the slave's name. */
struct pty {
	int	master;
	char	name[64];
};

static void
pty_open(struct pty *p)
{
	int	slave;

	assert_int_equal(openpty(&p->master, &slave, p->name, NULL, NULL), 0);
	/* The name is all the tests need; the transport opens its own. */
	close(slave);
	assert_int_equal(fcntl(p->master, F_SETFL, O_NONBLOCK), 0);
	/* For the tests that run as nobody. */
	assert_int_equal(chmod(p->name, 0666), 0);
}

/* Read what is there on fd (nonblocking) within ms into buf; its length. */
static size_t
read_some(int fd, char *buf, size_t size, int ms)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	size_t		got = 0;
	ssize_t		n;

	while (got < size && poll(&pfd, 1, ms) == 1) {
		if ((n = read(fd, buf + got, size - got)) <= 0)
			break;
		got += (size_t)n;
		ms = 50;	/* then whatever follows at once */
	}
	return (got);
}

/* Run the loop until *done or ms pass.  Returns *done. */
static bool	loop_timed_out;

static void
loop_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	loop_timed_out = true;
	event_base_loopbreak(arg);
}

static bool
run_until(struct event_base *base, const bool *done, int ms)
{
	struct event	*t = evtimer_new(base, loop_timeout, base);
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	assert_non_null(t);
	loop_timed_out = false;
	evtimer_add(t, &tv);
	while (!*done && !loop_timed_out)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(t);
	return (*done);
}

/* Run the loop for ms whatever happens. */
static void
run_for(struct event_base *base, int ms)
{
	bool	never = false;

	run_until(base, &never, ms);
}

struct outcome {
	bool	done;
	int	fd;
	int	err;
	char	why[PATH_MAX + 128];
};

static void
connected(evutil_socket_t fd, int err, const char *why, void *arg)
{
	struct outcome	*o = arg;

	assert_false(o->done);	/* exactly once */
	o->done = true;
	o->fd = fd;
	o->err = err;
	snprintf(o->why, sizeof o->why, "%s", why);
}

/* Connect by spec text and wait for the outcome (bounded). */
static void
connect_wait(struct event_base *base, struct outcome *o, const char *fmt, ...)
{
	struct gw_spec	*spec;
	void		*attempt;
	char		 text[512];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	spec = parse("%s", text);
	memset(o, 0, sizeof *o);
	o->fd = -2;
	attempt = ops->endpoint->connect(base, NULL, spec, "/nonexistent", NULL,
	    connected, o);
	assert_non_null(attempt);
	/* Never from inside the call. */
	assert_false(o->done);
	assert_true(run_until(base, &o->done, 2000));
	gw_spec_free(spec);
}

struct accepted {
	int	count;
	int	fd;
	bool	sa_null;
	char	peer[PATH_MAX];
};

static void
accepted_cb(evutil_socket_t fd, const char *peer, const struct sockaddr *sa,
    void *arg)
{
	struct accepted	*a = arg;

	a->count++;
	a->fd = fd;
	a->sa_null = sa == NULL;
	snprintf(a->peer, sizeof a->peer, "%s", peer);
}

/* Run the loop until fn(arg) holds (looked at every 10 ms) or ms pass. */
typedef bool cond_fn(void *);

struct cond_wait {
	cond_fn	*fn;
	void	*arg;
	bool	 done;
};

static void
cond_poll(evutil_socket_t fd, short what, void *arg)
{
	struct cond_wait	*w = arg;

	(void)fd;
	(void)what;
	w->done = w->fn(w->arg);
}

static bool
run_cond(struct event_base *base, cond_fn *fn, void *arg, int ms)
{
	struct cond_wait	 w = { fn, arg, false };
	struct event		*ev;
	struct timeval		 tv = { 0, 10 * 1000 };

	ev = event_new(base, -1, EV_PERSIST, cond_poll, &w);
	assert_non_null(ev);
	event_add(ev, &tv);
	run_until(base, &w.done, ms);
	event_free(ev);
	return (fn(arg));
}

struct accept_count {
	struct accepted	*a;
	int		 n;
};

static bool
accepts_reached(void *arg)
{
	struct accept_count	*c = arg;

	return (c->a->count >= c->n);
}

static bool
wait_accepts(struct event_base *base, struct accepted *a, int n, int ms)
{
	struct accept_count	c = { a, n };

	return (run_cond(base, accepts_reached, &c, ms));
}

static void *
listen_on(struct event_base *base, const char *port, struct accepted *a,
    char **where)
{
	struct gw_listen_params	 params;
	struct gw_spec		*spec;
	void			*l;
	char			*cause = NULL;

	spec = parse("com:port=%s,baud=115200,channel=0", port);
	memset(&params, 0, sizeof params);
	params.spec = spec;
	memset(a, 0, sizeof *a);
	a->fd = -1;
	*where = NULL;
	l = ops->endpoint->listen(base, &params, accepted_cb, a, where, &cause);
	if (l == NULL)
		fail_msg("listen on %s: %s", port, cause);
	gw_spec_free(spec);
	return (l);
}

/*
 * True while this process holds a flock(2) lock on path's inode (the
 * listener holds the device), from /proc/locks: looking must not take the
 * lock, or the listener's open would find the port busy.
 */
static bool
held_by_us(void *arg)
{
	const char	*path = arg;
	struct stat	 st;
	FILE		*f;
	char		 line[256], type[16], dev[64];
	long		 pid;
	unsigned long	 ino;
	bool		 held = false;

	if (stat(path, &st) == -1 || (f = fopen("/proc/locks", "r")) == NULL)
		return (false);
	while (!held && fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, "%*s %15s %*s %*s %ld %63s", type, &pid,
		    dev) != 3 || strcmp(type, "FLOCK") != 0 || pid != getpid())
			continue;
		if (strrchr(dev, ':') != NULL &&
		    sscanf(strrchr(dev, ':') + 1, "%lu", &ino) == 1 &&
		    ino == (unsigned long)st.st_ino)
			held = true;
	}
	fclose(f);
	return (held);
}

/* While the listener logs, its lines go to log (appended), not the output. */
static int	quiet_saved = -1;

static void
quiet_begin(const char *log)
{
	int	fd;

	fflush(stderr);
	assert_true((fd = open(log, O_CREAT | O_APPEND | O_WRONLY, 0600)) != -1);
	quiet_saved = dup(2);
	dup2(fd, 2);
	close(fd);
}

static void
quiet_end(void)
{
	fflush(stderr);
	dup2(quiet_saved, 2);
	close(quiet_saved);
	quiet_saved = -1;
}

/* Lines of file containing needle. */
static int
count_lines(const char *file, const char *needle)
{
	FILE	*f = fopen(file, "r");
	char	 line[1024];
	int	 n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof line, f) != NULL)
		n += strstr(line, needle) != NULL;
	fclose(f);
	return (n);
}

/* ---------------------------------------------------------------- setup */

static int
setup(void **state)
{
	(void)state;
	gw_log_init(GW_LOG_DEBUG, false);
	if ((ops = gw_transport_ops(GW_SPEC_COM)) == NULL)
		return (-1);
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_com.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	return (chmod(tmpdir, 0755));
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

/* The ops' fixed fields (doc/design.md "com"). */
static void
test_ops(void **state)
{
	(void)state;
	assert_string_equal(ops->name, "com");
	assert_false(ops->stream->handshake);
	assert_true(ops->stream->no_eof);
	assert_non_null(ops->endpoint->check);
	assert_non_null(ops->endpoint->listen_pause);
}

/* baud=: every standard Linux rate passes, others fail by name. */
static void
test_check_baud(void **state)
{
	static const unsigned	 good[] = {
		50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800,
		9600, 19200, 38400, 57600, 115200, 230400, 460800, 500000,
		576000, 921600, 1000000, 1152000, 1500000, 2000000, 2500000,
		3000000, 3500000, 4000000,
	};
	struct gw_spec		*spec;
	char			*cause = NULL;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		spec = parse("com:port=com1,baud=%u,channel=0", good[i]);
		if (gw_transport_check(ops, spec, false, "/tmp", &cause) != 0)
			fail_msg("baud=%u refused: %s", good[i], cause);
		gw_spec_free(spec);
	}

	spec = parse("com:port=com1,baud=12345,channel=0");
	assert_int_equal(gw_transport_check(ops, spec, false, "/tmp",
	    &cause), -1);
	assert_string_equal(cause, "com: baud=12345 is not a rate this "
	    "platform supports");
	free(cause);
	gw_spec_free(spec);

	spec = parse("com:port=/dev/ttyUSB0,baud=115201,channel=3");
	assert_int_equal(gw_transport_check(ops, spec, false, "/tmp",
	    &cause), -1);
	assert_string_equal(cause, "com: baud=115201 is not a rate this "
	    "platform supports");
	free(cause);
	gw_spec_free(spec);
}

/* port=: the forms the parser lets through pass; another form fails. */
static void
test_check_port(void **state)
{
	static const char *const good[] = {
		"com1", "COM256", "1", "256", "/dev/ttyUSB0", "/tmp/x/y",
	};
	struct gw_spec	*spec, bad;
	char		*cause = NULL, port[] = "ttyS0";
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		spec = parse("com:port=%s,baud=9600,channel=0", good[i]);
		if (gw_transport_check(ops, spec, false, "/tmp", &cause) != 0)
			fail_msg("port=%s refused: %s", good[i], cause);
		gw_spec_free(spec);
	}
	/* The parser refuses this one; the check does not rely on that. */
	memset(&bad, 0, sizeof bad);
	bad.transport = GW_SPEC_COM;
	bad.side = GW_SPEC_CLIENT;
	bad.com_port = port;
	bad.baud = 9600;
	assert_int_equal(gw_transport_check(ops, &bad, false, "/tmp",
	    &cause), -1);
	assert_string_equal(cause, "com: port=ttyS0 must be comN or N (1-256) "
	    "or a device path starting with '/'");
	free(cause);
}

/*
 * comN and N are /dev/ttyS(N-1): seen in the error of a connect to a device
 * that does not exist here, and in listen's error.
 */
static void
test_port_mapping(void **state)
{
	struct event_base	*base = event_base_new();
	struct gw_listen_params	 params;
	struct gw_spec		*spec;
	struct outcome		 o;
	const char		*forms[] = { "com200", "COM200", "200" };
	char			*where = NULL, *cause = NULL;
	size_t			 i;
	struct stat		 st;

	(void)state;
	if (stat("/dev/ttyS199", &st) == 0 || stat("/dev/ttyS255", &st) == 0)
		skip();	/* the mapping shows only through a missing device */
	for (i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		connect_wait(base, &o, "com:port=%s,baud=115200,channel=0",
		    forms[i]);
		assert_int_equal(o.fd, -1);
		assert_int_equal(o.err, ENOENT);
		assert_string_equal(o.why, "/dev/ttyS199: No such file or "
		    "directory");
	}
	connect_wait(base, &o, "com:port=com256,baud=9600,channel=0");
	assert_string_equal(o.why, "/dev/ttyS255: No such file or directory");
	/* com1 is /dev/ttyS0, whatever becomes of opening it here. */
	connect_wait(base, &o, "com:port=1,baud=9600,channel=0");
	if (o.fd >= 0)
		close(o.fd);
	else
		assert_true(strncmp(o.why, "/dev/ttyS0: ", 12) == 0 ||
		    strcmp(o.why, "serial port busy: /dev/ttyS0") == 0);

	spec = parse("com:port=com200,baud=115200,channel=0");
	memset(&params, 0, sizeof params);
	params.spec = spec;
	assert_null(ops->endpoint->listen(base, &params, accepted_cb, NULL,
	    &where, &cause));
	assert_string_equal(cause, "/dev/ttyS199: No such file or directory");
	assert_null(where);
	free(cause);
	gw_spec_free(spec);
	event_base_free(base);
}

/* A device path that is missing, or not a terminal, fails naming it. */
static void
test_connect_missing(void **state)
{
	struct event_base	*base = event_base_new();
	struct outcome		 o;
	char			 want[PATH_MAX + 64];

	(void)state;
	connect_wait(base, &o, "com:port=%s/ttyNONE,baud=115200,channel=0",
	    tmpdir);
	assert_int_equal(o.fd, -1);
	assert_int_equal(o.err, ENOENT);
	snprintf(want, sizeof want, "%s/ttyNONE: No such file or directory",
	    tmpdir);
	assert_string_equal(o.why, want);

	connect_wait(base, &o, "com:port=/dev/null,baud=115200,channel=0");
	assert_int_equal(o.fd, -1);
	assert_int_equal(o.err, ENOTTY);
	assert_string_equal(o.why, "/dev/null: not a serial device (not a "
	    "terminal)");
	event_base_free(base);
}

/*
 * One holder at a time: a second connect while the first holds the port is
 * EBUSY "serial port busy: DEVICE"; once the first lets go the next one
 * opens.  A cancelled attempt lets go too.
 */
static void
test_connect_busy(void **state)
{
	struct event_base	*base = event_base_new();
	struct outcome		 first, second, third, cancelled;
	struct gw_spec		*spec;
	struct pty		 p;
	char			 want[128];
	void			*attempt;
	int			 fl;

	(void)state;
	pty_open(&p);
	connect_wait(base, &first, "com:port=%s,baud=115200,channel=0", p.name);
	assert_true(first.fd >= 0);
	assert_int_equal(first.err, 0);
	fl = fcntl(first.fd, F_GETFL);
	assert_true(fl != -1 && (fl & O_NONBLOCK));
	assert_true(fcntl(first.fd, F_GETFD) & FD_CLOEXEC);

	connect_wait(base, &second, "com:port=%s,baud=115200,channel=0",
	    p.name);
	assert_int_equal(second.fd, -1);
	assert_int_equal(second.err, EBUSY);
	snprintf(want, sizeof want, "serial port busy: %s", p.name);
	assert_string_equal(second.why, want);

	/* The session ends: its fd closes; the port is free for the next. */
	close(first.fd);
	connect_wait(base, &third, "com:port=%s,baud=115200,channel=0", p.name);
	assert_true(third.fd >= 0);

	/* A cancelled attempt: no callback, and its fd is closed. */
	close(third.fd);
	spec = parse("com:port=%s,baud=115200,channel=0", p.name);
	memset(&cancelled, 0, sizeof cancelled);
	attempt = ops->endpoint->connect(base, NULL, spec, "/nonexistent", NULL,
	    connected, &cancelled);
	assert_non_null(attempt);
	ops->endpoint->connect_cancel(attempt);
	run_for(base, 100);
	assert_false(cancelled.done);
	connect_wait(base, &third, "com:port=%s,baud=115200,channel=0", p.name);
	assert_true(third.fd >= 0);
	close(third.fd);

	gw_spec_free(spec);
	close(p.master);
	event_base_free(base);
}

/*
 * TIOCEXCL: while we hold the port, a program without CAP_SYS_ADMIN cannot
 * open it at all; once the link is finished (half_close) and freed it can.
 * Needs root, to become nobody for the look.
 */
static void
test_exclusive(void **state)
{
	struct event_base	*base = event_base_new();
	struct outcome		 o;
	struct bufferevent	*bev;
	struct pty		 p;
	char			*cause = NULL;
	int			 fd, err;

	(void)state;
	if (geteuid() != 0) {
		print_message("test_exclusive: skipped: needs root to open "
		    "as another user\n");
		event_base_free(base);
		skip();
	}
	pty_open(&p);
	connect_wait(base, &o, "com:port=%s,baud=9600,channel=0", p.name);
	assert_true(o.fd >= 0);
	bev = gw_transport_link_new(ops, base, o.fd, NULL, NULL, &cause);
	assert_non_null(bev);

	assert_int_equal(seteuid(NOBODY), 0);
	fd = open(p.name, O_RDWR | O_NOCTTY | O_NONBLOCK);
	err = errno;
	assert_int_equal(seteuid(0), 0);
	if (fd != -1)
		close(fd);
	assert_int_equal(fd, -1);
	assert_int_equal(err, EBUSY);

	assert_int_equal(ops->stream->half_close(bev), 0);
	bufferevent_free(bev);
	assert_int_equal(seteuid(NOBODY), 0);
	fd = open(p.name, O_RDWR | O_NOCTTY | O_NONBLOCK);
	err = errno;
	assert_int_equal(seteuid(0), 0);
	if (fd == -1)
		fail_msg("after the link ended, nobody cannot open %s: %s",
		    p.name, strerror(err));
	close(fd);
	close(p.master);
	event_base_free(base);
}

/*
 * Permission denied names the device.  "/proc/version" opened read-write
 * fails with EACCES even for root on some kernels; where it does not, a file
 * of mode 0 opened as nobody (or as ourselves when not root) does.
 */
static void
test_connect_denied(void **state)
{
	struct event_base	*base = event_base_new();
	struct outcome		 o;
	char			 path[PATH_MAX], want[PATH_MAX + 64];
	int			 fd;
	bool			 as_nobody = false;

	(void)state;
	if ((fd = open("/proc/version", O_RDWR | O_NOCTTY)) == -1 &&
	    errno == EACCES)
		snprintf(path, sizeof path, "/proc/version");
	else {
		if (fd != -1)
			close(fd);
		snprintf(path, sizeof path, "%s/ttyDENIED", tmpdir);
		assert_true((fd = open(path, O_CREAT | O_WRONLY, 0)) != -1);
		close(fd);
		assert_int_equal(chmod(path, 0), 0);
		as_nobody = geteuid() == 0;
	}
	if (as_nobody)
		assert_int_equal(seteuid(NOBODY), 0);
	connect_wait(base, &o, "com:port=%s,baud=115200,channel=0", path);
	if (as_nobody)
		assert_int_equal(seteuid(0), 0);
	assert_int_equal(o.fd, -1);
	assert_int_equal(o.err, EACCES);
	snprintf(want, sizeof want, "%s: Permission denied", path);
	assert_string_equal(o.why, want);
	event_base_free(base);
}

/* Check t is raw 8N1 at speed with no flow control. */
static void
assert_raw_8n1(const struct termios *t, speed_t speed)
{
	assert_int_equal(cfgetospeed(t), speed);
	assert_int_equal(cfgetispeed(t), speed);
	assert_int_equal(t->c_cflag & CSIZE, CS8);
	assert_int_equal(t->c_cflag & (PARENB | CSTOPB | CRTSCTS), 0);
	assert_int_equal(t->c_cflag & (CLOCAL | CREAD), CLOCAL | CREAD);
	assert_int_equal(t->c_iflag & (IXON | IXOFF | IXANY | ICRNL | INLCR |
	    IGNCR | ISTRIP | INPCK | BRKINT | PARMRK), 0);
	assert_int_equal(t->c_oflag & OPOST, 0);
	assert_int_equal(t->c_lflag & (ICANON | ECHO | ECHONL | ISIG | IEXTEN),
	    0);
	assert_int_equal(t->c_cc[VMIN], 1);
	assert_int_equal(t->c_cc[VTIME], 0);
}

/*
 * A cooked 7E2 line with flow control becomes raw 8N1 at the rate; HUPCL
 * stays as it was, either way.
 */
static void
test_termios(void **state)
{
	static const struct {
		unsigned	baud;
		speed_t		speed;
		bool		hupcl;
	} cases[] = {
		{ 115200, B115200, true },
		{ 9600, B9600, false },
		{ 4000000, B4000000, true },
		{ 50, B50, false },
	};
	struct event_base	*base = event_base_new();
	struct outcome		 o;
	struct termios		 t;
	struct pty		 p;
	size_t			 i;
	int			 slave;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		pty_open(&p);
		/* A cooked line, as the transport must not find it. */
		slave = open(p.name, O_RDWR | O_NOCTTY);
		assert_true(slave != -1);
		assert_int_equal(tcgetattr(slave, &t), 0);
		t.c_cflag = (t.c_cflag & ~CSIZE) | CS7 | PARENB | CSTOPB |
		    CRTSCTS;
		t.c_cflag &= ~CLOCAL;
		if (cases[i].hupcl)
			t.c_cflag |= HUPCL;
		else
			t.c_cflag &= ~HUPCL;
		t.c_iflag |= IXON | IXOFF | ICRNL | ISTRIP;
		t.c_oflag |= OPOST;
		t.c_lflag |= ICANON | ECHO | ISIG | IEXTEN;
		t.c_cc[VMIN] = 0;
		t.c_cc[VTIME] = 5;
		cfsetspeed(&t, B300);
		assert_int_equal(tcsetattr(slave, TCSANOW, &t), 0);
		close(slave);

		connect_wait(base, &o, "com:port=%s,baud=%u,channel=0",
		    p.name, cases[i].baud);
		assert_true(o.fd >= 0);
		assert_int_equal(tcgetattr(o.fd, &t), 0);
		assert_raw_8n1(&t, cases[i].speed);
		assert_int_equal(!!(t.c_cflag & HUPCL), cases[i].hupcl);
		close(o.fd);
		close(p.master);
	}
	event_base_free(base);
}

/*
 * The serving cycle: the listener holds the device (a connect is busy) and
 * accepts nothing until a byte arrives; the byte starts a session with the
 * device path as peer and stays readable on the handed fd.  While paused
 * (the session owns the fd) more bytes start nothing.  When the session
 * closed the fd, resuming opens the device again, flushed (the byte sent in
 * between is gone), and the next byte starts the next session.
 */
static void
test_listen_cycle(void **state)
{
	struct event_base	*base = event_base_new();
	struct accepted		 a;
	struct outcome		 o;
	struct pty		 p;
	void			*l;
	char			*where, buf[16], want[128];
	size_t			 n;

	(void)state;
	pty_open(&p);
	l = listen_on(base, p.name, &a, &where);
	assert_string_equal(where, p.name);
	free(where);

	connect_wait(base, &o, "com:port=%s,baud=115200,channel=0", p.name);
	assert_int_equal(o.err, EBUSY);
	snprintf(want, sizeof want, "serial port busy: %s", p.name);
	assert_string_equal(o.why, want);
	run_for(base, 100);
	assert_int_equal(a.count, 0);

	assert_int_equal(write(p.master, "x", 1), 1);
	assert_true(wait_accepts(base, &a, 1, 2000));
	assert_int_equal(a.count, 1);
	assert_string_equal(a.peer, p.name);
	assert_true(a.sa_null);
	assert_true(a.fd >= 0);
	/* What route_accept does. */
	ops->endpoint->listen_pause(l, true);
	n = read_some(a.fd, buf, sizeof buf, 1000);
	assert_int_equal(n, 1);
	assert_memory_equal(buf, "x", 1);

	/* The session owns the device: bytes start nothing more. */
	assert_int_equal(write(p.master, "y", 1), 1);
	run_for(base, 200);
	assert_int_equal(a.count, 1);

	/* The session ends, then gw_route_session_closed resumes us. */
	close(a.fd);
	assert_false(held_by_us(p.name));
	ops->endpoint->listen_pause(l, false);
	assert_false(held_by_us(p.name));	/* from the loop, not the call */
	assert_true(run_cond(base, held_by_us, p.name, 2000));
	run_for(base, 100);
	assert_int_equal(a.count, 1);	/* "y" was flushed, not accepted */

	assert_int_equal(write(p.master, "z", 1), 1);
	assert_true(wait_accepts(base, &a, 2, 2000));
	assert_string_equal(a.peer, p.name);
	n = read_some(a.fd, buf, sizeof buf, 1000);
	assert_int_equal(n, 1);
	assert_memory_equal(buf, "z", 1);

	/* listen_free while a session owns the fd leaves the fd alone. */
	ops->endpoint->listen_pause(l, true);
	ops->endpoint->listen_free(l);
	assert_int_equal(fcntl(a.fd, F_GETFD) != -1, 1);
	close(a.fd);
	close(p.master);
	event_base_free(base);
}

/*
 * The device goes away while the route waits (the other end of the
 * pseudo-terminal closes: it hangs up, and its name disappears).  The
 * listener retries with backoff (250 ms, 500 ms, 1 s, ...), warns once for
 * the streak, and serves the device once it is back under the same name (a
 * symlink, as socat and udev make), saying so once.
 */
static void
test_listen_retry(void **state)
{
	struct event_base	*base = event_base_new();
	struct accepted		 a;
	struct pty		 p1, p2;
	struct timeval		 t0, t1;
	void			*l;
	char			 link[PATH_MAX], tmp[PATH_MAX], log[PATH_MAX];
	char			*where, buf[4];
	long			 ms;
	bool			 held;

	(void)state;
	snprintf(log, sizeof log, "%s/retry.log", tmpdir);
	pty_open(&p1);
	snprintf(link, sizeof link, "%s/ttyRETRY", tmpdir);
	snprintf(tmp, sizeof tmp, "%s/ttyRETRY.new", tmpdir);
	assert_int_equal(symlink(p1.name, link), 0);
	l = listen_on(base, link, &a, &where);
	assert_string_equal(where, link);
	free(where);
	assert_true(held_by_us(link));

	/*
	 * The name goes first: /dev/pts/N may be reused at once by another
	 * program's pseudo-terminal, which the listener would then open.
	 */
	assert_int_equal(unlink(link), 0);
	close(p1.master);		/* hang-up: the device is gone */
	quiet_begin(log);
	run_for(base, 700);		/* attempts at 250 and 500 ms fail */
	quiet_end();
	assert_int_equal(a.count, 0);
	assert_false(held_by_us(link));

	pty_open(&p2);
	assert_int_equal(symlink(p2.name, tmp), 0);
	assert_int_equal(rename(tmp, link), 0);
	/* The next attempt is due at 1000 ms: well within 1.5 s from here. */
	gettimeofday(&t0, NULL);
	quiet_begin(log);
	held = run_cond(base, held_by_us, link, 5000);
	quiet_end();
	gettimeofday(&t1, NULL);
	assert_true(held);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_usec - t0.tv_usec) / 1000;
	if (ms > 1500)
		fail_msg("the device came back, the listener took %ld ms", ms);
	assert_int_equal(a.count, 0);

	assert_int_equal(write(p2.master, "r", 1), 1);
	assert_true(wait_accepts(base, &a, 1, 2000));
	assert_string_equal(a.peer, link);
	assert_int_equal(read_some(a.fd, buf, sizeof buf, 1000), 1);
	assert_int_equal(buf[0], 'r');
	close(a.fd);
	ops->endpoint->listen_free(l);

	if (count_lines(log, " warn com: ") != 2 ||
	    count_lines(log, " info com: ") != 1) {
		char	cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof cmd, "cat '%s' >&2", log);
		if (system(cmd) != 0)
			print_error("cannot show %s\n", log);
	}
	assert_int_equal(count_lines(log, " warn com: "), 2);
	assert_int_equal(count_lines(log, "the device hung up while waiting"), 1);
	assert_int_equal(count_lines(log, "warn com: cannot open "), 1);
	assert_int_equal(count_lines(log, "No such file or directory"), 1);
	assert_int_equal(count_lines(log, " info com: "), 1);
	assert_int_equal(count_lines(log, ": open again"), 1);
	close(p2.master);
	unlink(link);
	event_base_free(base);
}

/* Bytes both ways through a link_new bufferevent, in order. */
struct link_state {
	struct evbuffer	*got;
	size_t		 want;
	bool		 done;
	short		 events;
};

static void
link_read(struct bufferevent *bev, void *arg)
{
	struct link_state	*s = arg;

	evbuffer_add_buffer(s->got, bufferevent_get_input(bev));
	if (evbuffer_get_length(s->got) >= s->want)
		s->done = true;
}

static void
link_event(struct bufferevent *bev, short what, void *arg)
{
	struct link_state	*s = arg;

	(void)bev;
	s->events |= what;
	s->done = true;
}

/* Feed the pty master from buf and drain it into got, from the loop. */
struct master_io {
	int		 fd;
	const uint8_t	*out;
	size_t		 outlen, sent;
	struct evbuffer	*got;
};

static void
master_io(evutil_socket_t fd, short what, void *arg)
{
	struct master_io	*m = arg;
	ssize_t			 n;

	if ((what & EV_WRITE) && m->sent < m->outlen) {
		n = write(fd, m->out + m->sent, m->outlen - m->sent > 4096 ?
		    4096 : m->outlen - m->sent);
		if (n > 0)
			m->sent += (size_t)n;
	}
	if (what & EV_READ)
		evbuffer_read(m->got, fd, 65536);
}

struct both {
	struct link_state	*s;
	struct master_io	*m;
};

static bool
both_arrived(void *arg)
{
	struct both	*b = arg;

	return (evbuffer_get_length(b->s->got) >= b->s->want &&
	    evbuffer_get_length(b->m->got) >= b->s->want);
}

static void
test_link_bytes(void **state)
{
	enum { SIZE = 200 * 1024 };
	struct event_base	*base = event_base_new();
	struct bufferevent	*bev;
	struct link_state	 s;
	struct master_io	 m;
	struct both		 c;
	struct outcome		 o;
	struct event		*ev;
	struct pty		 p;
	uint8_t			*up, *down;
	char			*cause = NULL, ch, buf[16];
	size_t			 i;

	(void)state;
	up = malloc(SIZE);
	down = malloc(SIZE);
	assert_non_null(up);
	assert_non_null(down);
	for (i = 0; i < SIZE; i++) {
		up[i] = (uint8_t)(i * 7 + (i >> 9));
		down[i] = (uint8_t)(i * 13 + (i >> 11) + 1);
	}
	pty_open(&p);
	connect_wait(base, &o, "com:port=%s,baud=115200,channel=0", p.name);
	assert_true(o.fd >= 0);
	bev = gw_transport_link_new(ops, base, o.fd, NULL, NULL, &cause);
	assert_non_null(bev);

	memset(&s, 0, sizeof s);
	s.got = evbuffer_new();
	s.want = SIZE;
	bufferevent_setcb(bev, link_read, NULL, link_event, &s);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	/* Every byte value, 0x00 to 0xff, passes: the line is raw. */
	assert_int_equal(bufferevent_write(bev, down, SIZE), 0);

	memset(&m, 0, sizeof m);
	m.fd = p.master;
	m.out = up;
	m.outlen = SIZE;
	m.got = evbuffer_new();
	ev = event_new(base, p.master, EV_READ | EV_WRITE | EV_PERSIST,
	    master_io, &m);
	event_add(ev, NULL);
	c.s = &s;
	c.m = &m;
	assert_true(run_cond(base, both_arrived, &c, 10000));
	assert_int_equal(s.events, 0);
	event_free(ev);
	assert_int_equal(evbuffer_get_length(s.got), SIZE);
	assert_memory_equal(evbuffer_pullup(s.got, -1), up, SIZE);
	assert_int_equal(evbuffer_get_length(m.got), SIZE);
	assert_memory_equal(evbuffer_pullup(m.got, -1), down, SIZE);

	/* half_close says nothing on the line, and the link goes on. */
	assert_int_equal(ops->stream->half_close(bev), 0);
	assert_int_equal(read(p.master, &ch, 1), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(bufferevent_write(bev, "after", 5), 0);
	run_for(base, 100);
	assert_int_equal(read_some(p.master, buf, sizeof buf, 1000), 5);
	assert_memory_equal(buf, "after", 5);
	/* No error to explain while the device is well. */
	assert_null(ops->stream->error(bev));

	bufferevent_free(bev);
	evbuffer_free(s.got);
	evbuffer_free(m.got);
	close(p.master);
	free(up);
	free(down);
	event_base_free(base);
}

/*
 * The device hangs up under a link (the other end of the pseudo-terminal
 * closes, as a USB adapter unplugged does): libevent reports the end of the
 * stream, and the error slot then names the device and its failure.
 */
static void
test_link_hangup(void **state)
{
	struct event_base	*base = event_base_new();
	struct bufferevent	*bev;
	struct link_state	 s;
	struct outcome		 o;
	struct pty		 p;
	char			*cause = NULL, *why;

	(void)state;
	pty_open(&p);
	connect_wait(base, &o, "com:port=%s,baud=115200,channel=0", p.name);
	assert_true(o.fd >= 0);
	bev = gw_transport_link_new(ops, base, o.fd, NULL, NULL, &cause);
	assert_non_null(bev);
	memset(&s, 0, sizeof s);
	s.got = evbuffer_new();
	s.want = SIZE_MAX;
	bufferevent_setcb(bev, link_read, NULL, link_event, &s);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	run_for(base, 50);
	assert_false(s.done);

	close(p.master);
	assert_true(run_until(base, &s.done, 2000));
	assert_true(s.events & (BEV_EVENT_EOF | BEV_EVENT_ERROR));
	why = ops->stream->error(bev);
	assert_non_null(why);
	assert_non_null(strstr(why, ": device failed: Input/output error"));
	free(why);
	/* Logs the hang-up; must not fail. */
	ops->stream->after_eof(bev);
	bufferevent_free(bev);
	evbuffer_free(s.got);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ops),
		cmocka_unit_test(test_check_baud),
		cmocka_unit_test(test_check_port),
		cmocka_unit_test(test_port_mapping),
		cmocka_unit_test(test_connect_missing),
		cmocka_unit_test(test_connect_busy),
		cmocka_unit_test(test_exclusive),
		cmocka_unit_test(test_connect_denied),
		cmocka_unit_test(test_termios),
		cmocka_unit_test(test_listen_cycle),
		cmocka_unit_test(test_listen_retry),
		cmocka_unit_test(test_link_bytes),
		cmocka_unit_test(test_link_hangup),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
