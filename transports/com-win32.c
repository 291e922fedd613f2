/*
 * com-win32.c: the com transport's mechanism on Windows, a serial port
 * opened as \\.\COMN (doc/design.md "com", "Windows handles";
 * doc/transports.md §3.1 port=, baud=, channel=).  The check and the ops
 * table are com.c's; this file is the platform's part of them
 * (doc/design.md "Platforms").  It mirrors com-termios.c.
 *
 * port= is "comN" or "N" (N 1-256), which is \\.\COMN: the \\.\ prefix is
 * needed from COM10 up and harmless below (Win32 "Naming Files, Paths, and
 * Namespaces"), so every port gets it; a value starting with \\.\ is used as
 * is.  The port is opened exclusively, twice over as on Unix: CreateFile's
 * share mode 0 keeps out other programs (a second open fails with
 * ERROR_ACCESS_DENIED, Win32 "Communications Resources"), and a named event
 * per port (Local\dbgbridge-serial-COMN, made before the open and closed
 * with the port) keeps out a second open by dbgbridge, in this or another
 * process of the session, as flock(2) does on Unix: either is EBUSY, "serial
 * port busy".  (Wine 8.0 ignores the share mode of a serial port: a second
 * CreateFile succeeded; the event is what refuses there.)  It runs raw 8N1 at
 * baud= with no flow control (SetCommState; DTR and RTS left as the driver
 * has them unless they were set to handshake), and reads return soon after
 * the bytes there stop coming (SetCommTimeouts, Win32 "COMMTIMEOUTS": an
 * interval timeout of COM_READ_GAP_MS and no total timeout: a read waits for
 * its first byte as long as it takes, then returns once no byte has come for
 * the interval, or its buffer is full; wine 8.0 keeps a read with the
 * documented "return at the first byte" setting, MAXDWORD interval and
 * multiplier, waiting for the whole count).  The port reaches the core
 * through a pump (osdep/pump-win32.h); a failed device resets the core's
 * socket, and com's error slot names it.
 *
 * A serving route carries one session at a time, as on Unix: the port is
 * opened and its pump started; the first byte that arrives (the pump's
 * socket becomes readable) starts a session, which gets the socket with
 * the byte still in it; when the session ends the port is opened again.
 * A port that cannot be opened again is retried with bounded backoff.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <winsock2.h>
#include <windows.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "gateway/log.h"
#include "osdep/pump-win32.h"
#include "transports/transport.h"

/* Per read and write callback (the core's side; the pump has its own). */
#define COM_MAX_SINGLE_IO	(64 * 1024)

/* Reopening a serving device: the first retry, doubling up to the last. */
#define COM_RETRY_FIRST_MS	250
#define COM_RETRY_MAX_MS	8000

/*
 * After a session, the pump that held the port closes it on its own thread:
 * a reopen may find it still busy for a moment.  So many quiet retries
 * before a busy port is worth a warning.
 */
#define COM_QUIET_BUSY		8

/*
 * A read returns once no byte has come for this long after its first
 * (ReadIntervalTimeout): a debugger packet arrives without such a gap.
 */
#define COM_READ_GAP_MS		2

#define COM_PATH_MAX		64
#define COM_WHY_SIZE		(COM_PATH_MAX + 320)

/*
 * The rates dbgbridge offers: Windows' CBR_* indexes (Win32 "DCB": BaudRate
 * may also be an actual rate, which the driver then accepts or refuses) and
 * the rates Linux defines, so that a configuration written for one platform
 * passes -n on the other.  Whether the driver takes one is known when the
 * port is opened (SetCommState, checked with GetCommState).
 */
static const unsigned com_rates[] = {
	50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600,
	14400, 19200, 38400, 56000, 57600, 115200, 128000, 230400, 256000,
	460800, 500000, 576000, 921600, 1000000, 1152000, 1500000, 2000000,
	2500000, 3000000, 3500000, 4000000
};

bool
gw_com_baud_ok(unsigned baud)
{
	size_t	i;

	for (i = 0; i < sizeof com_rates / sizeof com_rates[0]; i++)
		if (com_rates[i] == baud)
			return (true);
	return (false);
}

/*
 * port= to a device path in buf (size bytes): "comN" or "N" (N 1-256) is
 * \\.\COMN; a value starting with \\.\ is used as is.  Returns 0, or -1 when
 * port has none of these forms or the path does not fit.
 */
int
gw_com_device(const char *port, char *buf, size_t size)
{
	unsigned long	 n;
	int		 len;

	if (strncmp(port, "\\\\.\\", 4) == 0) {
		if (port[4] == '\0')
			return (-1);
		len = snprintf(buf, size, "%s", port);
		return (len < 0 || (size_t)len >= size ? -1 : 0);
	}
	if (gw_com_port_number(port, &n) == -1)
		return (-1);
	len = snprintf(buf, size, "\\\\.\\COM%lu", n);
	return (len < 0 || (size_t)len >= size ? -1 : 0);
}

static void
com_why(char *why, size_t size, const char *path, const char *what,
    DWORD err)
{
	char	msg[256];

	snprintf(why, size, "%s: %s: %s", path, what,
	    gw_win_strerror(err, msg, sizeof msg));
}

/*
 * Raw 8N1 at baud, no flow control (doc/design.md "com"), from the port's
 * current state so that what we do not mention stays.  Checks that the
 * driver took the rate.  Returns 0, or -1 with a message in why.
 */
static int
com_configure(HANDLE h, const char *path, unsigned baud, char *why,
    size_t size)
{
	DCB		dcb, got;
	COMMTIMEOUTS	to;

	memset(&dcb, 0, sizeof dcb);
	dcb.DCBlength = sizeof dcb;
	if (!GetCommState(h, &dcb)) {
		com_why(why, size, path, "GetCommState", GetLastError());
		return (-1);
	}
	dcb.BaudRate = baud;
	dcb.fBinary = TRUE;
	dcb.fParity = FALSE;
	dcb.fOutxCtsFlow = FALSE;
	dcb.fOutxDsrFlow = FALSE;
	if (dcb.fDtrControl == DTR_CONTROL_HANDSHAKE)
		dcb.fDtrControl = DTR_CONTROL_ENABLE;
	dcb.fDsrSensitivity = FALSE;
	dcb.fTXContinueOnXoff = TRUE;
	dcb.fOutX = FALSE;
	dcb.fInX = FALSE;
	dcb.fErrorChar = FALSE;
	dcb.fNull = FALSE;
	if (dcb.fRtsControl == RTS_CONTROL_HANDSHAKE ||
	    dcb.fRtsControl == RTS_CONTROL_TOGGLE)
		dcb.fRtsControl = RTS_CONTROL_ENABLE;
	dcb.fAbortOnError = FALSE;
	dcb.ByteSize = 8;
	dcb.Parity = NOPARITY;
	dcb.StopBits = ONESTOPBIT;
	if (!SetCommState(h, &dcb)) {
		com_why(why, size, path, "cannot make it raw 8N1 at this rate "
		    "(SetCommState)", GetLastError());
		return (-1);
	}
	memset(&got, 0, sizeof got);
	got.DCBlength = sizeof got;
	if (GetCommState(h, &got) && (got.BaudRate != baud ||
	    got.ByteSize != 8 || got.Parity != NOPARITY ||
	    got.StopBits != ONESTOPBIT)) {
		snprintf(why, size, "%s: the driver did not take raw 8N1 at "
		    "%u baud (it has %lu)", path, baud,
		    (unsigned long)got.BaudRate);
		return (-1);
	}
	memset(&to, 0, sizeof to);
	to.ReadIntervalTimeout = COM_READ_GAP_MS;
	if (!SetCommTimeouts(h, &to)) {
		com_why(why, size, path, "SetCommTimeouts", GetLastError());
		return (-1);
	}
	return (0);
}

/*
 * Open path exclusively and overlapped, configure it, flush what arrived
 * while nobody listened (never the output: the last session's tail may
 * still be going out), and start its pump.  Returns the core's socket, or -1
 * with *err (an errno value: EBUSY when another holder has the port) and a
 * message in why naming the device.
 */
/*
 * The lock that keeps a second open by dbgbridge out (see the top): a named
 * event, Local\dbgbridge-serial-NAME with NAME the path after \\.\ in upper
 * case ('\' is not allowed in the name).  Returns the event, or NULL with
 * *err EBUSY when it exists already (another open holds the port) or
 * another errno, and a message in why.
 */
static HANDLE
com_lock(const char *path, int *err, char *why, size_t size)
{
	static const wchar_t	 prefix[] = L"Local\\dbgbridge-serial-";
	wchar_t			 name[COM_PATH_MAX + 32];
	const char		*p = path;
	HANDLE			 ev;
	size_t			 n;

	if (strncmp(p, "\\\\.\\", 4) == 0)
		p += 4;
	n = wcslen(prefix);
	memcpy(name, prefix, n * sizeof name[0]);
	for (; *p != '\0' && n < sizeof name / sizeof name[0] - 1; p++)
		name[n++] = *p == '\\' ? L'_' : (wchar_t)(unsigned char)
		    (*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	name[n] = L'\0';
	if ((ev = CreateEventW(NULL, TRUE, FALSE, name)) == NULL) {
		*err = EIO;
		com_why(why, size, path, "cannot make its lock",
		    GetLastError());
		return (NULL);
	}
	if (GetLastError() == ERROR_ALREADY_EXISTS) {
		CloseHandle(ev);
		*err = EBUSY;
		snprintf(why, size, "serial port busy: %s", path);
		return (NULL);
	}
	return (ev);
}

static evutil_socket_t
com_open(const char *path, unsigned baud, int *err, char *why, size_t size)
{
	wchar_t		 wpath[COM_PATH_MAX];
	HANDLE		 h, lock;
	DWORD		 e;
	evutil_socket_t	 fd;
	char		*cause = NULL;

	if (MultiByteToWideChar(CP_UTF8, 0, path, -1, wpath,
	    COM_PATH_MAX) == 0) {
		*err = EINVAL;
		snprintf(why, size, "%s: not a valid device name", path);
		return (-1);
	}
	/* First the lock: nothing is changed on a port someone else holds. */
	if ((lock = com_lock(path, err, why, size)) == NULL)
		return (-1);
	h = CreateFileW(wpath, GENERIC_READ | GENERIC_WRITE, 0, NULL,
	    OPEN_EXISTING, FILE_FLAG_OVERLAPPED, NULL);
	if (h == INVALID_HANDLE_VALUE) {
		e = GetLastError();
		CloseHandle(lock);
		switch (e) {
		case ERROR_ACCESS_DENIED:
		case ERROR_SHARING_VIOLATION:
			/* Share mode 0: another handle has it open. */
			*err = EBUSY;
			snprintf(why, size, "serial port busy: %s", path);
			break;
		case ERROR_FILE_NOT_FOUND:
		case ERROR_PATH_NOT_FOUND:
			*err = ENOENT;
			com_why(why, size, path, "no such serial port", e);
			break;
		default:
			*err = EIO;
			com_why(why, size, path, "CreateFile", e);
			break;
		}
		return (-1);
	}
	if (GetFileType(h) != FILE_TYPE_CHAR) {
		*err = ENOTTY;
		snprintf(why, size, "%s: not a serial device", path);
		goto fail;
	}
	if (com_configure(h, path, baud, why, size) == -1) {
		*err = EINVAL;
		goto fail;
	}
	PurgeComm(h, PURGE_RXCLEAR | PURGE_RXABORT);
	if ((fd = gw_win_pump_start(h, lock, GW_WIN_PUMP_COM, path,
	    &cause)) == -1) {
		*err = EIO;
		snprintf(why, size, "%s", cause != NULL ? cause :
		    "out of memory");
		free(cause);
		goto fail;
	}
	return (fd);
fail:
	CloseHandle(h);
	CloseHandle(lock);
	return (-1);
}

/* ---------------------------------------------------------------- listen */

struct com_listener {
	struct event_base	*base;
	char			*path;
	unsigned		 baud;
	evutil_socket_t		 fd;		/* ours while watching */
	struct event		*watch;		/* EV_READ on fd */
	struct event		*retry;		/* timer: open the port again */
	unsigned		 backoff_ms;
	unsigned		 failures;	/* failed opens in a row */
	bool			 lost;		/* failed, or failed to open */
	bool			 paused;
	gw_endpoint_accept_cb	*accept;
	void			*arg;
};

static void	com_listen_retry(struct com_listener *, unsigned);

/* Give up the port: closing the pump's socket makes the pump close it. */
static void
com_listen_close(struct com_listener *l)
{
	if (l->watch != NULL) {
		event_free(l->watch);
		l->watch = NULL;
	}
	if (l->fd != -1) {
		evutil_closesocket(l->fd);
		l->fd = -1;
	}
}

static void
com_listen_ready(evutil_socket_t fd, short what, void *arg)
{
	struct com_listener	*l = arg;
	char			 c, why[COM_WHY_SIZE];
	int			 r;

	(void)what;
	r = recv(fd, &c, 1, MSG_PEEK);
	if (r == -1 && EVUTIL_SOCKET_ERROR() == WSAEWOULDBLOCK)
		return;		/* nothing after all; keep watching */
	if (r <= 0) {
		/* The pump reset its socket: the device failed. */
		if (!gw_win_pump_failure(fd, why, sizeof why))
			snprintf(why, sizeof why, "%s: the device failed",
			    l->path);
		gw_log_warn("com: %s while waiting for a session; opening it "
		    "again", why);
		l->lost = true;
		com_listen_close(l);
		com_listen_retry(l, COM_RETRY_FIRST_MS);
		return;
	}
	/*
	 * The first byte starts a session; it stays in the socket for the
	 * session to read.  The socket is the session's from here; the owner
	 * pauses us and resumes us when the session has ended.
	 */
	event_free(l->watch);
	l->watch = NULL;
	l->fd = -1;
	l->accept(fd, l->path, NULL, l->arg);
}

/* Open the port and watch it.  Returns 0, or -1 with *err and why. */
static int
com_listen_open(struct com_listener *l, int *err, char *why, size_t size)
{
	if ((l->fd = com_open(l->path, l->baud, err, why, size)) == -1)
		return (-1);
	l->watch = event_new(l->base, l->fd, EV_READ | EV_PERSIST,
	    com_listen_ready, l);
	if (l->watch == NULL || (!l->paused && event_add(l->watch, NULL) ==
	    -1)) {
		*err = ENOMEM;
		snprintf(why, size, "%s: cannot watch the device", l->path);
		com_listen_close(l);
		return (-1);
	}
	return (0);
}

static void
com_listen_retry(struct com_listener *l, unsigned ms)
{
	struct timeval	tv;

	if (l->paused)
		return;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(l->retry, &tv);
}

static void
com_listen_reopen(evutil_socket_t fd, short what, void *arg)
{
	struct com_listener	*l = arg;
	char			 why[COM_WHY_SIZE];
	int			 err;

	(void)fd;
	(void)what;
	if (l->paused || l->fd != -1)
		return;
	if (com_listen_open(l, &err, why, sizeof why) == 0) {
		if (l->lost && l->failures == 0)
			gw_log_info("com: %s: open again", l->path);
		else if (l->lost)
			gw_log_info("com: %s: open again after %u failed "
			    "attempt%s", l->path, l->failures,
			    l->failures == 1 ? "" : "s");
		l->lost = false;
		l->failures = 0;
		l->backoff_ms = COM_RETRY_FIRST_MS;
		return;
	}
	/*
	 * One warning per streak of failures, not one per attempt; a port
	 * the last session's pump is still closing is not worth one.
	 */
	if (err == EBUSY && !l->lost && l->failures < COM_QUIET_BUSY) {
		l->failures++;
		gw_log_debug("com: %s: still busy, retrying", l->path);
		com_listen_retry(l, COM_RETRY_FIRST_MS / 4);
		return;
	}
	if (!l->lost || l->failures == COM_QUIET_BUSY)
		gw_log_warn("com: cannot open %s; retrying from %u ms up to "
		    "every %u s: %s", l->path, COM_RETRY_FIRST_MS,
		    COM_RETRY_MAX_MS / 1000, why);
	l->lost = true;
	l->failures++;
	com_listen_retry(l, l->backoff_ms);
	l->backoff_ms = l->backoff_ms * 2 > COM_RETRY_MAX_MS ?
	    COM_RETRY_MAX_MS : l->backoff_ms * 2;
}

/*
 * The listen slot.  Opens and configures the port at once: a port that
 * cannot be opened when the route starts is an error naming it, as a port
 * in use is for tcp.  Once serving, failures are retried (com_listen_reopen).
 */
void *
gw_com_listen(struct event_base *base, const struct gw_listen_params *params,
    gw_endpoint_accept_cb *accept, void *arg, char **where,
    char **cause)
{
	const struct gw_spec	*spec = params->spec;
	struct com_listener	*l;
	char			 path[COM_PATH_MAX], why[COM_WHY_SIZE];
	int			 err;

	if (gw_com_check(spec, cause) == -1)
		return (NULL);
	gw_com_device(spec->com_port, path, sizeof path);
	if ((l = calloc(1, sizeof *l)) == NULL ||
	    (l->path = strdup(path)) == NULL ||
	    (l->retry = evtimer_new(base, com_listen_reopen, l)) == NULL) {
		if (l != NULL)
			free(l->path);
		free(l);
		*cause = strdup("out of memory");
		return (NULL);
	}
	l->base = base;
	l->baud = spec->baud;
	l->fd = -1;
	l->backoff_ms = COM_RETRY_FIRST_MS;
	l->accept = accept;
	l->arg = arg;
	if (com_listen_open(l, &err, why, sizeof why) == -1) {
		*cause = strdup(why);
		event_free(l->retry);
		free(l->path);
		free(l);
		return (NULL);
	}
	if ((*where = strdup(path)) == NULL) {
		com_listen_close(l);
		event_free(l->retry);
		free(l->path);
		free(l);
		*cause = strdup("out of memory");
		return (NULL);
	}
	return (l);
}

/*
 * The listen_pause slot, as on Unix: pausing stops watching and retrying;
 * resuming watches the port again if we still hold it, or else opens it
 * again from the loop, never inside this call.
 */
void
gw_com_listen_pause(void *listener, bool pause)
{
	struct com_listener	*l = listener;

	l->paused = pause;
	if (pause) {
		if (l->watch != NULL)
			event_del(l->watch);
		evtimer_del(l->retry);
		return;
	}
	if (l->fd != -1) {
		if (l->watch != NULL)
			event_add(l->watch, NULL);
		return;
	}
	if (!evtimer_pending(l->retry, NULL))
		com_listen_retry(l, 0);
}

void
gw_com_listen_free(void *listener)
{
	struct com_listener	*l = listener;

	if (l == NULL)
		return;
	com_listen_close(l);
	event_free(l->retry);
	free(l->path);
	free(l);
}

/* ---------------------------------------------------------------- connect */

/*
 * The connect slot: the port is opened and configured inside the call
 * (CreateFile of a serial port does not wait), and the outcome reaches the
 * callback from the loop (gw_connect_outcome).  A port held by another
 * session or program fails with EBUSY ("serial port busy: \\.\COM5").
 */
void *
gw_com_connect(struct event_base *base, struct evdns_base *dns,
    const struct gw_spec *spec, const char *pipe_dir, void *prepared,
    gw_endpoint_connect_cb *cb, void *arg)
{
	struct gw_connect_outcome	*o;
	char				 path[COM_PATH_MAX];
	char				 why[COM_WHY_SIZE] = "";
	evutil_socket_t			 fd = -1;
	int				 err = 0;

	(void)dns;
	(void)pipe_dir;
	(void)prepared;
	if (spec->com_port == NULL ||
	    gw_com_device(spec->com_port, path, sizeof path) == -1) {
		err = EINVAL;
		snprintf(why, sizeof why, "com: port=%s is not comN, N or "
		    "a device path", spec->com_port != NULL ? spec->com_port :
		    "");
	} else if (!gw_com_baud_ok(spec->baud)) {
		err = EINVAL;
		snprintf(why, sizeof why, "com: baud=%u is not a rate "
		    "this platform supports", spec->baud);
	} else
		fd = com_open(path, spec->baud, &err, why, sizeof why);
	o = gw_connect_outcome(base, fd, fd == -1 ? err : 0,
	    fd == -1 ? why : "", cb, arg);
	if (o == NULL && fd != -1)
		evutil_closesocket(fd);
	return (o);
}

void
gw_com_connect_cancel(void *attempt)
{
	evutil_socket_t	fd;

	if ((fd = gw_connect_outcome_cancel(attempt)) != -1)
		evutil_closesocket(fd);
}

/* ---------------------------------------------------------------- links */

/* The pump's socket: a socket bufferevent. */
struct bufferevent *
gw_com_link_new(struct event_base *base, evutil_socket_t fd,
    struct gw_tls_ctx *tls, const char *host, char **cause)
{
	(void)tls;
	(void)host;
	return (gw_stream_link_new(base, fd, COM_MAX_SINGLE_IO, cause));
}

/*
 * The half_close slot.  A serial line cannot say end of stream: nothing
 * reaches the device.  The relay calls this once the link is finished (and
 * the session's close for every link not yet finished), so the pump's socket
 * is half-closed: its end of stream, right after the last byte the session
 * sent, tells the pump the session is over, and it writes what it took,
 * waits for the port to send it (FlushFileBuffers) and closes the port, which
 * ends the exclusive hold.  Returns 0, or -1 with the socket's error.
 */
int
gw_com_half_close(struct bufferevent *bev)
{
	return (gw_socket_half_close(bev));
}

/*
 * The after_eof slot.  The pump never ends the core's socket cleanly for a
 * serial port (a device that fails resets it), so this is a pump that lost
 * its socket's peer: say what it was.
 */
void
gw_com_after_eof(struct bufferevent *bev)
{
	char	why[COM_WHY_SIZE];

	if (gw_win_pump_failure(bufferevent_getfd(bev), why, sizeof why))
		gw_log_warn("com: %s", why);
	else
		gw_log_warn("com: the serial device hung up");
}

/* The error slot: the device's failure as the pump saw it, or NULL. */
char *
gw_com_error(struct bufferevent *bev)
{
	char	why[COM_WHY_SIZE];

	if (!gw_win_pump_failure(bufferevent_getfd(bev), why, sizeof why))
		return (NULL);
	return (strdup(why));
}
