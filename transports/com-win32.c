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

/*
 * gw_com_open: the lock event, then path opened exclusively and overlapped,
 * configured, flushed of what arrived while nobody listened (never the
 * output: the last session's tail may still be going out), and its pump
 * started.  The fd is the core's socket of the pump.
 */
evutil_socket_t
gw_com_open(const char *path, unsigned baud, int *err, char *why,
    size_t size)
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

/*
 * After a session, the pump that held the port closes it on its own thread:
 * a reopen may find it still busy for a moment.  So many quiet retries
 * before a busy port is worth a warning.
 */
const unsigned gw_com_quiet_busy = 8;

const char gw_com_path_form[] = "a device path starting with \\\\.\\";

/* gw_com_close: closing the pump's socket makes the pump close the port. */
void
gw_com_close(evutil_socket_t fd)
{
	evutil_closesocket(fd);
}

/*
 * gw_com_probe: a byte peeked on the pump's socket; a reset socket is a
 * device that failed, as the pump recorded it (gw_win_pump_failure).
 */
int
gw_com_probe(evutil_socket_t fd, const char *path, char *why, size_t size)
{
	char	c;
	int	r;

	r = recv(fd, &c, 1, MSG_PEEK);
	if (r == -1 && EVUTIL_SOCKET_ERROR() == WSAEWOULDBLOCK)
		return (0);
	if (r <= 0) {
		if (!gw_win_pump_failure(fd, why, size))
			snprintf(why, size, "%s: the device failed", path);
		return (-1);
	}
	return (1);
}

/* ---------------------------------------------------------------- links */

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
