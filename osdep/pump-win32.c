/*
 * pump-win32.c: a Windows HANDLE joined to the core as a socket.  See
 * pump-win32.h for what ends and failures become (doc/design.md
 * "Windows handles").
 *
 * One thread per pump, all its I/O overlapped: the handle's ReadFile and
 * WriteFile each with an OVERLAPPED and a manual-reset event, the pump's
 * socket nonblocking with WSAEventSelect (FD_READ, FD_WRITE, FD_CLOSE), and
 * one WaitForMultipleObjects over those events.  After every wake-up the
 * thread first resets the socket's event (WSAEnumNetworkEvents), then tries
 * every step that can make progress, so an event that arrives in between
 * signals again and no wake-up is lost: recv(2) and send(2) on a nonblocking
 * socket re-enable FD_READ and FD_WRITE themselves (Winsock "WSAEventSelect").
 * Nothing here logs: the loop's log is not the thread's to write; a failure
 * is kept for gw_win_pump_failure.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <process.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/util.h>

#include "osdep/pump-win32.h"

/* What the pump thread holds. */
struct pump {
	HANDLE			 h;
	HANDLE			 hold;		/* closed with h, or NULL */
	enum gw_win_pump_kind	 kind;
	SOCKET			 s;		/* the pump's end */
	WSAEVENT		 sev;		/* s's network events */
	OVERLAPPED		 rov;		/* ReadFile of h */
	OVERLAPPED		 wov;		/* WriteFile to h */
	bool			 reading;	/* rov in flight */
	bool			 writing;	/* wov in flight */
	bool			 closed;	/* h closed */

	/* handle -> socket */
	char			*up;
	DWORD			 up_len;
	DWORD			 up_off;
	bool			 up_end;	/* no more from h */
	bool			 up_done;	/* SD_SEND sent (or moot) */

	/* socket -> handle */
	char			*down;
	DWORD			 down_len;
	DWORD			 down_off;
	bool			 down_end;	/* the core's end of stream */

	struct pump_entry	*entry;		/* in the registry */
};

/*
 * The registry of pumps by the core's socket number, for com's error slot:
 * the core only holds the socket, and must be able to ask why the device
 * behind it failed after the pump has already reset it.
 */
struct pump_entry {
	evutil_socket_t		 core;
	bool			 failed;
	bool			 done;		/* the thread has ended */
	DWORD			 err;
	struct pump_entry	*next;
	char			 name[];
};

static SRWLOCK			 pump_lock = SRWLOCK_INIT;
static struct pump_entry	*pump_entries;

/*
 * err's text from FormatMessage into buf (size bytes), in English where the
 * system has it, without the trailing newline and period.  Returns its
 * length, or 0 (buf undefined) when the system has no text or it does not
 * fit.
 */
static size_t
win_message(unsigned long err, char *buf, size_t size)
{
	DWORD	n;

	n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM |
	    FORMAT_MESSAGE_IGNORE_INSERTS, NULL, err,
	    MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US), buf, (DWORD)size,
	    NULL);
	if (n == 0)
		n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM |
		    FORMAT_MESSAGE_IGNORE_INSERTS, NULL, err, 0, buf,
		    (DWORD)size, NULL);
	if (n == 0 || n >= size)
		return (0);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
	    buf[n - 1] == ' ' || buf[n - 1] == '.'))
		buf[--n] = '\0';
	return (n);
}

char *
gw_win_strerror(unsigned long err, char *buf, size_t size)
{
	size_t	n;

	if ((n = win_message(err, buf, size)) == 0) {
		snprintf(buf, size, "Windows error %lu", err);
		return (buf);
	}
	/* The number too: wine's texts are terse ("Timeout"). */
	snprintf(buf + n, size - n, " (error %lu)", err);
	return (buf);
}

char *
gw_win_strerror_hex(unsigned long err, char *buf, size_t size)
{
	size_t	n;

	n = win_message(err, buf, size);
	snprintf(buf + n, size - n, "%s(0x%08lx)", n > 0 ? " " : "Windows "
	    "error ", err);
	return (buf);
}

/* Drop entries for socket number core (a new pump has it) and old failures. */
static void
pump_registry_prune(evutil_socket_t core)
{
	struct pump_entry	**pe, *e;
	unsigned		  n = 0;

	for (pe = &pump_entries; (e = *pe) != NULL;) {
		if ((e->core == core && e->done) ||
		    (e->done && ++n > GW_WIN_PUMP_FAILED_MAX)) {
			*pe = e->next;
			free(e);
		} else
			pe = &e->next;
	}
}

bool
gw_win_pump_failure(evutil_socket_t fd, char *buf, size_t size)
{
	struct pump_entry	*e;
	char			 msg[256];
	bool			 found = false;

	AcquireSRWLockShared(&pump_lock);
	/* Newest first: an older entry with this number is a closed socket. */
	for (e = pump_entries; e != NULL; e = e->next) {
		if (e->core != fd)
			continue;
		if (e->failed) {
			snprintf(buf, size, "%s: device failed: %s", e->name,
			    gw_win_strerror(e->err, msg, sizeof msg));
			found = true;
		}
		break;
	}
	ReleaseSRWLockShared(&pump_lock);
	return (found);
}

/*
 * A serial port's read ended by its interval timeout: a success.  Windows'
 * serial driver completes it with STATUS_TIMEOUT, a success status, and
 * GetOverlappedResult returns TRUE; wine 8.0 returns FALSE with WAIT_TIMEOUT
 * (the bytes read still counted), which tests/windows/bulk_handles.sh met as
 * a "device failed: Timeout" after some megabytes.
 */
static bool
pump_timed_out(const struct pump *p, DWORD err)
{
	return (p->kind == GW_WIN_PUMP_COM && (err == WAIT_TIMEOUT ||
	    err == ERROR_SEM_TIMEOUT || err == ERROR_TIMEOUT));
}

/* The other end of a pipe closed it: an end of stream, not a failure. */
static bool
pump_clean_end(const struct pump *p, DWORD err)
{
	if (p->kind == GW_WIN_PUMP_COM)
		return (false);
	return (err == ERROR_BROKEN_PIPE || err == ERROR_PIPE_NOT_CONNECTED ||
	    err == ERROR_HANDLE_EOF);
}

/*
 * Stop the handle's I/O and close it: CancelIoEx for what is in flight, then
 * wait for each operation to finish (its OVERLAPPED and buffer stay ours
 * until it has, Win32 "CancelIoEx"), keeping what a read completed with.
 * discard: a served pipe instance drops its unread bytes first
 * (DisconnectNamedPipe), for a reset.
 */
static void
pump_close_handle(struct pump *p, bool discard)
{
	DWORD	n;

	if (p->closed)
		return;
	if (p->reading || p->writing)
		CancelIoEx(p->h, NULL);
	if (p->reading) {
		if (GetOverlappedResult(p->h, &p->rov, &n, TRUE) && n > 0 &&
		    !discard) {
			p->up_len = n;
			p->up_off = 0;
		}
		p->reading = false;
	}
	if (p->writing) {
		GetOverlappedResult(p->h, &p->wov, &n, TRUE);
		p->writing = false;
	}
	if (discard && p->kind == GW_WIN_PUMP_PIPE_SERVER)
		DisconnectNamedPipe(p->h);
	CloseHandle(p->h);
	p->h = INVALID_HANDLE_VALUE;
	if (p->hold != NULL)
		CloseHandle(p->hold);
	p->hold = NULL;
	p->closed = true;
	p->up_end = true;
}

/*
 * The handle failed with err: the core's socket is reset, never ended
 * cleanly (pump-win32.h).  Returns 1: the pump is finished.
 */
static int
pump_fail(struct pump *p, DWORD err)
{
	struct linger	lg;

	AcquireSRWLockExclusive(&pump_lock);
	p->entry->failed = true;
	p->entry->err = err;
	ReleaseSRWLockExclusive(&pump_lock);
	pump_close_handle(p, true);
	lg.l_onoff = 1;
	lg.l_linger = 0;
	setsockopt(p->s, SOL_SOCKET, SO_LINGER, (const char *)&lg, sizeof lg);
	closesocket(p->s);
	p->s = INVALID_SOCKET;
	return (1);
}

/*
 * The core reset its socket (or it failed): the handle is closed at once,
 * unread bytes discarded.  Returns 1: the pump is finished.
 */
static int
pump_abort(struct pump *p)
{
	pump_close_handle(p, true);
	closesocket(p->s);
	p->s = INVALID_SOCKET;
	return (1);
}

/*
 * Has the overlapped read or write ov of the handle finished?  Returns 1
 * finished, *n bytes moved (a serial port's read or write ended by its
 * timeout too: pump_timed_out); 0 still in flight; -1 failed, the Win32
 * error in *err (Win32 "GetOverlappedResult").
 */
static int
pump_result(struct pump *p, OVERLAPPED *ov, DWORD *n, DWORD *err)
{
	*n = 0;
	if (GetOverlappedResult(p->h, ov, n, FALSE))
		return (1);
	*err = GetLastError();
	if (pump_timed_out(p, *err))
		return (1);
	return (*err == ERROR_IO_INCOMPLETE ? 0 : -1);
}

/*
 * Issue a write of the down buffer's rest.  Returns 0, or the Win32 error of
 * a write that failed at once.
 */
static DWORD
pump_write(struct pump *p)
{
	DWORD	err;

	if (WriteFile(p->h, p->down + p->down_off, p->down_len - p->down_off,
	    NULL, &p->wov)) {
		p->writing = true;	/* the event is set: completed */
		return (0);
	}
	/* A timeout that completed it at once: the result says how much. */
	if ((err = GetLastError()) == ERROR_IO_PENDING ||
	    pump_timed_out(p, err)) {
		p->writing = true;
		return (0);
	}
	return (err);
}

/*
 * Do everything that can be done now.  Returns 1 when the pump is finished
 * (its socket closed), 0 when it must wait.
 */
static int
pump_step(struct pump *p)
{
	DWORD	n, err;
	int	r;
	bool	progress = true;

	while (progress) {
		progress = false;

		/* A read of the handle finished. */
		if (p->reading &&
		    (r = pump_result(p, &p->rov, &n, &err)) != 0) {
			p->reading = false;
			progress = true;
			if (r == 1) {
				/*
				 * Zero bytes: on a pipe the other end wrote
				 * zero bytes (Win32 "ReadFile": not an end of
				 * file), on a serial port the read timed out
				 * (SetCommTimeouts).  Read again.
				 */
				p->up_len = n;
				p->up_off = 0;
			} else if (pump_clean_end(p, err))
				p->up_end = true;
			else
				return (pump_fail(p, err));
		}

		/* A write to the handle finished. */
		if (p->writing &&
		    (r = pump_result(p, &p->wov, &n, &err)) != 0) {
			p->writing = false;
			progress = true;
			/* Failed: a pipe whose reader left, a device error. */
			if (r == -1)
				return (pump_fail(p, err));
			p->down_off += n;
			if (p->down_off < p->down_len) {
				if ((err = pump_write(p)) != 0)
					return (pump_fail(p, err));
			} else
				p->down_len = p->down_off = 0;
		}

		/* The core's bytes, one chunk at a time (backpressure). */
		if (!p->writing && p->down_len == 0 && !p->down_end &&
		    !p->closed) {
			r = recv(p->s, p->down, GW_WIN_PUMP_CHUNK, 0);
			if (r > 0) {
				p->down_len = (DWORD)r;
				p->down_off = 0;
				if ((err = pump_write(p)) != 0)
					return (pump_fail(p, err));
				progress = true;
			} else if (r == 0) {
				p->down_end = true;
				progress = true;
			} else if (WSAGetLastError() != WSAEWOULDBLOCK)
				return (pump_abort(p));
		}

		/* The core has ended and everything it sent is written. */
		if (p->down_end && !p->writing && p->down_len == 0 &&
		    !p->closed) {
			/*
			 * A pipe has no half-close: wait until the other end
			 * has read every byte (FlushFileBuffers, Win32 "Named
			 * Pipe Operations"; it fails at once when that end is
			 * gone), then close: that end reads an end of stream.
			 * A serial line has none: its session is over.
			 */
			FlushFileBuffers(p->h);
			pump_close_handle(p, false);
			if (p->kind == GW_WIN_PUMP_COM) {
				/* The core has closed: nobody reads. */
				p->up_len = p->up_off = 0;
				p->up_done = true;
			}
			progress = true;
		}

		/* The handle's bytes to the core. */
		if (p->up_len > p->up_off) {
			r = send(p->s, p->up + p->up_off,
			    (int)(p->up_len - p->up_off), 0);
			if (r > 0) {
				p->up_off += (DWORD)r;
				if (p->up_off == p->up_len)
					p->up_len = p->up_off = 0;
				progress = true;
			} else if (WSAGetLastError() != WSAEWOULDBLOCK)
				return (pump_abort(p));
		}

		/* Read the handle again once the last chunk is sent. */
		if (p->up_len == 0 && !p->reading && !p->up_end &&
		    !p->closed) {
			if (ReadFile(p->h, p->up, GW_WIN_PUMP_CHUNK, NULL,
			    &p->rov) || (err = GetLastError()) ==
			    ERROR_IO_PENDING || pump_timed_out(p, err))
				p->reading = true;
			else if (pump_clean_end(p, err))
				p->up_end = true;
			else
				return (pump_fail(p, err));
			progress = true;
		}

		/* The handle ended: the core reads an end of stream. */
		if (p->up_end && p->up_len == 0 && !p->up_done) {
			shutdown(p->s, SD_SEND);
			p->up_done = true;
			progress = true;
		}
	}
	if (p->up_done && p->down_end && p->closed) {
		closesocket(p->s);
		p->s = INVALID_SOCKET;
		return (1);
	}
	return (0);
}

static void
pump_free(struct pump *p)
{
	if (p->rov.hEvent != NULL)
		CloseHandle(p->rov.hEvent);
	if (p->wov.hEvent != NULL)
		CloseHandle(p->wov.hEvent);
	if (p->sev != WSA_INVALID_EVENT && p->sev != NULL)
		WSACloseEvent(p->sev);
	free(p->up);
	free(p->down);
	free(p);
}

static unsigned __stdcall
pump_main(void *arg)
{
	struct pump		*p = arg;
	WSANETWORKEVENTS	 ne;
	HANDLE			 waits[3];
	DWORD			 nw;

	for (;;) {
		/* Reset the socket's event before trying (see the top). */
		WSAEnumNetworkEvents(p->s, p->sev, &ne);
		if (pump_step(p) == 1)
			break;
		nw = 0;
		waits[nw++] = p->sev;
		if (p->reading)
			waits[nw++] = p->rov.hEvent;
		if (p->writing)
			waits[nw++] = p->wov.hEvent;
		if (WaitForMultipleObjects(nw, waits, FALSE, INFINITE) ==
		    WAIT_FAILED) {
			pump_fail(p, GetLastError());
			break;
		}
	}
	AcquireSRWLockExclusive(&pump_lock);
	p->entry->done = true;
	ReleaseSRWLockExclusive(&pump_lock);
	pump_free(p);
	return (0);
}

/* TCP_NODELAY: the pair carries debugger round trips (doc/design.md). */
static void
pump_nodelay(evutil_socket_t fd)
{
	int	one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, (const char *)&one,
	    sizeof one);
}

evutil_socket_t
gw_win_pump_start(HANDLE h, HANDLE hold, enum gw_win_pump_kind kind,
    const char *name, char **cause)
{
	struct pump		*p;
	struct pump_entry	*e = NULL;
	evutil_socket_t		 sv[2] = { -1, -1 };
	uintptr_t		 th;
	size_t			 len = strlen(name) + 1;

	if ((p = calloc(1, sizeof *p)) == NULL ||
	    (p->up = malloc(GW_WIN_PUMP_CHUNK)) == NULL ||
	    (p->down = malloc(GW_WIN_PUMP_CHUNK)) == NULL ||
	    (e = calloc(1, sizeof *e + len)) == NULL) {
		if (asprintf(cause, "%s: out of memory", name) == -1)
			*cause = NULL;
		goto fail;
	}
	p->sev = WSA_INVALID_EVENT;
	if ((p->rov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL)) == NULL ||
	    (p->wov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL)) == NULL ||
	    (p->sev = WSACreateEvent()) == WSA_INVALID_EVENT) {
		if (asprintf(cause, "%s: CreateEvent: error %lu", name,
		    (unsigned long)GetLastError()) == -1)
			*cause = NULL;
		goto fail;
	}
	if (evutil_socketpair(AF_INET, SOCK_STREAM, 0, sv) == -1) {
		if (asprintf(cause, "%s: socketpair: %s", name,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR())) == -1)
			*cause = NULL;
		goto fail;
	}
	/* Neither end is inherited by a child (none is started, but still). */
	SetHandleInformation((HANDLE)(uintptr_t)sv[0], HANDLE_FLAG_INHERIT, 0);
	SetHandleInformation((HANDLE)(uintptr_t)sv[1], HANDLE_FLAG_INHERIT, 0);
	pump_nodelay(sv[0]);
	pump_nodelay(sv[1]);
	if (evutil_make_socket_nonblocking(sv[0]) == -1 ||
	    WSAEventSelect(sv[1], p->sev, FD_READ | FD_WRITE | FD_CLOSE) != 0) {
		if (asprintf(cause, "%s: socket setup: %s", name,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR())) == -1)
			*cause = NULL;
		goto fail;
	}
	p->h = h;
	p->hold = hold;
	p->kind = kind;
	p->s = sv[1];
	p->entry = e;
	e->core = sv[0];
	memcpy(e->name, name, len);

	AcquireSRWLockExclusive(&pump_lock);
	pump_registry_prune(sv[0]);
	e->next = pump_entries;
	pump_entries = e;
	ReleaseSRWLockExclusive(&pump_lock);

	th = _beginthreadex(NULL, 0, pump_main, p, 0, NULL);
	if (th == 0) {
		AcquireSRWLockExclusive(&pump_lock);
		e->done = true;
		ReleaseSRWLockExclusive(&pump_lock);
		e = NULL;	/* the registry's now */
		if (asprintf(cause, "%s: cannot start a thread: %s", name,
		    strerror(errno)) == -1)
			*cause = NULL;
		goto fail;
	}
	CloseHandle((HANDLE)th);
	return (sv[0]);
fail:
	if (sv[0] != -1)
		evutil_closesocket(sv[0]);
	if (sv[1] != -1)
		evutil_closesocket(sv[1]);
	free(e);
	if (p != NULL)
		pump_free(p);
	return (-1);
}
