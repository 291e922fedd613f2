/*
 * pipe-win32.c: Windows named pipes served and dialled, each connected pipe
 * handed to the loop as the socket of a pump.  See pipe-win32.h
 * (doc/design.md "Windows handles").
 *
 * Threads never call into libevent: a thread that has something for the
 * loop puts it in a locked slot and writes one byte to a notification socket
 * pair whose other end the loop watches, so the build needs no evthread
 * support.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <winsock2.h>
#include <windows.h>
#include <process.h>
#include <sddl.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/util.h>

#include "osdep/pipe-win32.h"
#include "osdep/pump-win32.h"

/* In- and out-buffer sizes of a served pipe (advisory, Win32). */
#define PIPE_BUFFER		(64 * 1024)

/* A busy pipe is waited for in slices this long, to notice a cancel. */
#define PIPE_WAIT_SLICE_MS	250

/* A failed CreateNamedPipe of the next instance is retried this often. */
#define PIPE_RETRY_MS		1000

/* UTF-8 to a malloc'd UTF-16 string, or NULL. */
static wchar_t *
pipe_wide(const char *s)
{
	wchar_t	*w;
	int	 n;

	if ((n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0)) <= 0)
		return (NULL);
	if ((w = calloc((size_t)n, sizeof *w)) == NULL)
		return (NULL);
	if (MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n) != n) {
		free(w);
		return (NULL);
	}
	return (w);
}

static void
pipe_cause(char **cause, const char *path, const char *what, DWORD err)
{
	char	msg[256];

	if (asprintf(cause, "%s: %s%s%s", path, what, err != 0 ? ": " : "",
	    err != 0 ? gw_win_strerror(err, msg, sizeof msg) : "") == -1)
		*cause = NULL;
}

/*
 * Close what was made of a notification socket pair (see the top) and the
 * loop's event on fd[0]: ev may be NULL, an fd -1.
 */
static void
pipe_notify_close(evutil_socket_t fd[2], struct event *ev)
{
	if (ev != NULL)
		event_free(ev);
	if (fd[0] != -1)
		evutil_closesocket(fd[0]);
	if (fd[1] != -1)
		evutil_closesocket(fd[1]);
}

/*
 * The default security descriptor: this process's user, Administrators and
 * SYSTEM, full access; nothing inherited (pipe-win32.h).  Returns a
 * LocalAlloc'd descriptor, or NULL with the Win32 error set.
 */
static PSECURITY_DESCRIPTOR
pipe_default_sd(void)
{
	PSECURITY_DESCRIPTOR	 sd = NULL;
	TOKEN_USER		*tu = NULL;
	HANDLE			 tok;
	DWORD			 len = 0;
	wchar_t			*sid = NULL, sddl[512];

	if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok))
		return (NULL);
	GetTokenInformation(tok, TokenUser, NULL, 0, &len);
	if (len != 0 && (tu = malloc(len)) != NULL &&
	    GetTokenInformation(tok, TokenUser, tu, len, &len) &&
	    ConvertSidToStringSidW(tu->User.Sid, &sid)) {
		_snwprintf(sddl, sizeof sddl / sizeof sddl[0],
		    L"D:P(A;;GA;;;%ls)(A;;GA;;;BA)(A;;GA;;;SY)", sid);
		sddl[sizeof sddl / sizeof sddl[0] - 1] = L'\0';
		if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl,
		    SDDL_REVISION_1, &sd, NULL))
			sd = NULL;
	}
	if (sid != NULL)
		LocalFree(sid);
	free(tu);
	CloseHandle(tok);
	return (sd);
}

/* ---------------------------------------------------------------- listen */

struct gw_win_pipe_listener {
	struct event_base	*base;
	char			*path;
	wchar_t			*wpath;
	PSECURITY_DESCRIPTOR	 sd;
	SECURITY_ATTRIBUTES	 sa;
	DWORD			 pipe_mode;

	HANDLE			 thread;
	HANDLE			 stop;		/* manual reset: free */
	HANDLE			 room;		/* auto reset: queue shrank */
	HANDLE			 first;		/* made in listen */

	evutil_socket_t		 notify[2];	/* [0] loop, [1] thread */
	struct event		*ev;
	bool			 paused;

	SRWLOCK			 lock;		/* queue, warning */
	evutil_socket_t		 queue[GW_WIN_PIPE_QUEUE];
	unsigned		 queued;
	char			*warning;

	gw_win_pipe_accept_cb	*cb;
	void			*arg;
};

/* Make one instance of l's pipe; first: the one that claims the name. */
static HANDLE
pipe_instance(struct gw_win_pipe_listener *l, bool first)
{
	DWORD	open_mode = PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED;

	if (first)
		open_mode |= FILE_FLAG_FIRST_PIPE_INSTANCE;
	return (CreateNamedPipeW(l->wpath, open_mode, l->pipe_mode,
	    PIPE_UNLIMITED_INSTANCES, PIPE_BUFFER, PIPE_BUFFER, 0, &l->sa));
}

/* Keep a warning for the loop (the last one wins). */
static void
pipe_warn(struct gw_win_pipe_listener *l, char *msg)
{
	AcquireSRWLockExclusive(&l->lock);
	free(l->warning);
	l->warning = msg;
	ReleaseSRWLockExclusive(&l->lock);
}

char *
gw_win_pipe_listen_warning(struct gw_win_pipe_listener *l)
{
	char	*w;

	AcquireSRWLockExclusive(&l->lock);
	w = l->warning;
	l->warning = NULL;
	ReleaseSRWLockExclusive(&l->lock);
	return (w);
}

/*
 * Queue fd for the loop, waiting for room while the queue is full.  Returns
 * 0, or -1 when told to stop (fd is then closed).
 */
static int
pipe_enqueue(struct gw_win_pipe_listener *l, evutil_socket_t fd)
{
	HANDLE	waits[2] = { l->stop, l->room };

	for (;;) {
		AcquireSRWLockExclusive(&l->lock);
		if (l->queued < GW_WIN_PIPE_QUEUE) {
			l->queue[l->queued++] = fd;
			ReleaseSRWLockExclusive(&l->lock);
			send(l->notify[1], "", 1, 0);
			return (0);
		}
		ReleaseSRWLockExclusive(&l->lock);
		if (WaitForMultipleObjects(2, waits, FALSE, INFINITE) !=
		    WAIT_OBJECT_0 + 1) {
			evutil_closesocket(fd);
			return (-1);
		}
	}
}

/*
 * Wait for a client on instance h.  Returns 1 connected, 0 told to stop
 * (h still open), -1 failed (Win32 error in *err).
 */
static int
pipe_wait_client(struct gw_win_pipe_listener *l, HANDLE h, DWORD *err)
{
	OVERLAPPED	ov;
	HANDLE		waits[2];
	DWORD		n, r;

	memset(&ov, 0, sizeof ov);
	if ((ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL)) == NULL) {
		*err = GetLastError();
		return (-1);
	}
	if (ConnectNamedPipe(h, &ov)) {
		CloseHandle(ov.hEvent);
		return (1);
	}
	switch ((*err = GetLastError())) {
	case ERROR_PIPE_CONNECTED:
		/* A client came between CreateNamedPipe and now. */
		CloseHandle(ov.hEvent);
		return (1);
	case ERROR_IO_PENDING:
		break;
	default:
		CloseHandle(ov.hEvent);
		return (-1);
	}
	waits[0] = l->stop;
	waits[1] = ov.hEvent;
	r = WaitForMultipleObjects(2, waits, FALSE, INFINITE);
	if (r != WAIT_OBJECT_0 + 1) {
		CancelIoEx(h, &ov);
		GetOverlappedResult(h, &ov, &n, TRUE);
		CloseHandle(ov.hEvent);
		return (0);
	}
	if (!GetOverlappedResult(h, &ov, &n, FALSE)) {
		*err = GetLastError();
		CloseHandle(ov.hEvent);
		return (-1);
	}
	CloseHandle(ov.hEvent);
	return (1);
}

static unsigned __stdcall
pipe_listen_main(void *arg)
{
	struct gw_win_pipe_listener	*l = arg;
	HANDLE				 h = l->first, next;
	evutil_socket_t			 fd;
	DWORD				 err;
	char				*cause = NULL;
	int				 r;

	l->first = INVALID_HANDLE_VALUE;
	for (;;) {
		if ((r = pipe_wait_client(l, h, &err)) == 0)
			break;
		if (r == -1) {
			/* A client that came and went: use h again. */
			if (err == ERROR_NO_DATA || err == ERROR_BROKEN_PIPE) {
				DisconnectNamedPipe(h);
				continue;
			}
			pipe_cause(&cause, l->path, "ConnectNamedPipe", err);
			pipe_warn(l, cause);
			DisconnectNamedPipe(h);
			if (WaitForSingleObject(l->stop, PIPE_RETRY_MS) ==
			    WAIT_OBJECT_0)
				break;
			continue;
		}
		/* The next instance first, so the name never lapses. */
		while ((next = pipe_instance(l, false)) ==
		    INVALID_HANDLE_VALUE) {
			pipe_cause(&cause, l->path, "CreateNamedPipe (the next "
			    "instance; retrying)", GetLastError());
			pipe_warn(l, cause);
			if (WaitForSingleObject(l->stop, PIPE_RETRY_MS) ==
			    WAIT_OBJECT_0)
				break;
		}
		if ((fd = gw_win_pump_start(h, NULL, GW_WIN_PUMP_PIPE_SERVER,
		    l->path, &cause)) == -1) {
			pipe_warn(l, cause);
			DisconnectNamedPipe(h);
			CloseHandle(h);
		} else if (pipe_enqueue(l, fd) == -1) {
			h = next;
			break;
		}
		h = next;
		if (h == INVALID_HANDLE_VALUE)
			break;
	}
	if (h != INVALID_HANDLE_VALUE)
		CloseHandle(h);
	return (0);
}

/* The loop's side: hand the queued clients over. */
static void
pipe_listen_ready(evutil_socket_t fd, short what, void *arg)
{
	struct gw_win_pipe_listener	*l = arg;
	evutil_socket_t			 got[GW_WIN_PIPE_QUEUE];
	char				 buf[64];
	unsigned			 n, i;

	(void)what;
	while (recv(fd, buf, sizeof buf, 0) > 0)
		;
	if (l->paused)
		return;
	AcquireSRWLockExclusive(&l->lock);
	n = l->queued;
	memcpy(got, l->queue, n * sizeof got[0]);
	l->queued = 0;
	ReleaseSRWLockExclusive(&l->lock);
	if (n > 0)
		SetEvent(l->room);
	for (i = 0; i < n; i++)
		l->cb(got[i], l->arg);
}

struct gw_win_pipe_listener *
gw_win_pipe_listen(struct event_base *base, const char *path,
    const char *sddl, bool remote, gw_win_pipe_accept_cb *cb, void *arg,
    char **cause)
{
	struct gw_win_pipe_listener	*l;
	wchar_t				*wsddl;
	uintptr_t			 th;
	DWORD				 err;
	int				 eaddrinuse = 0;

	*cause = NULL;
	if ((l = calloc(1, sizeof *l)) == NULL)
		goto oom;
	InitializeSRWLock(&l->lock);
	l->base = base;
	l->cb = cb;
	l->arg = arg;
	l->notify[0] = l->notify[1] = -1;
	l->first = INVALID_HANDLE_VALUE;
	l->pipe_mode = PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT |
	    (remote ? 0 : PIPE_REJECT_REMOTE_CLIENTS);
	if ((l->path = strdup(path)) == NULL ||
	    (l->wpath = pipe_wide(path)) == NULL)
		goto oom;
	if (sddl == NULL)
		l->sd = pipe_default_sd();
	else if ((wsddl = pipe_wide(sddl)) != NULL) {
		if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(wsddl,
		    SDDL_REVISION_1, &l->sd, NULL))
			l->sd = NULL;
		free(wsddl);
	}
	if (l->sd == NULL) {
		pipe_cause(cause, path, "cannot make its security descriptor",
		    GetLastError());
		goto fail;
	}
	l->sa.nLength = sizeof l->sa;
	l->sa.lpSecurityDescriptor = l->sd;
	l->sa.bInheritHandle = FALSE;

	/*
	 * Is the name served already?  WaitNamedPipe asks without connecting
	 * (a connection would be a session to that server): only
	 * ERROR_FILE_NOT_FOUND says no instance exists.  The flag below
	 * closes the race on Windows; wine 8.0 ignores it (a second
	 * CreateNamedPipe with FILE_FLAG_FIRST_PIPE_INSTANCE succeeded in
	 * tests/windows/test_pump.c), so this look is what refuses there.
	 */
	if (WaitNamedPipeW(l->wpath, 1) ||
	    GetLastError() != ERROR_FILE_NOT_FOUND) {
		eaddrinuse = 1;
		if (asprintf(cause, "%s: another process serves this pipe",
		    path) == -1)
			*cause = NULL;
		goto fail;
	}
	if ((l->first = pipe_instance(l, true)) == INVALID_HANDLE_VALUE) {
		err = GetLastError();
		/*
		 * FILE_FLAG_FIRST_PIPE_INSTANCE: ERROR_ACCESS_DENIED when an
		 * instance exists (Win32 "CreateNamedPipe"); a server with all
		 * its instances in use says ERROR_PIPE_BUSY.
		 */
		if (err == ERROR_ACCESS_DENIED || err == ERROR_PIPE_BUSY ||
		    err == ERROR_ALREADY_EXISTS) {
			eaddrinuse = 1;
			if (asprintf(cause, "%s: another process serves this "
			    "pipe", path) == -1)
				*cause = NULL;
		} else
			pipe_cause(cause, path, "CreateNamedPipe", err);
		goto fail;
	}
	if ((l->stop = CreateEventW(NULL, TRUE, FALSE, NULL)) == NULL ||
	    (l->room = CreateEventW(NULL, FALSE, FALSE, NULL)) == NULL) {
		pipe_cause(cause, path, "CreateEvent", GetLastError());
		goto fail;
	}
	if (evutil_socketpair(AF_INET, SOCK_STREAM, 0, l->notify) == -1 ||
	    evutil_make_socket_nonblocking(l->notify[0]) == -1) {
		if (asprintf(cause, "%s: socketpair: %s", path,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR())) == -1)
			*cause = NULL;
		goto fail;
	}
	if ((l->ev = event_new(base, l->notify[0], EV_READ | EV_PERSIST,
	    pipe_listen_ready, l)) == NULL || event_add(l->ev, NULL) == -1)
		goto oom;
	th = _beginthreadex(NULL, 0, pipe_listen_main, l, 0, NULL);
	if (th == 0) {
		if (asprintf(cause, "%s: cannot start a thread: %s", path,
		    strerror(errno)) == -1)
			*cause = NULL;
		goto fail;
	}
	l->thread = (HANDLE)th;
	return (l);
oom:
	if (asprintf(cause, "%s: out of memory", path) == -1)
		*cause = NULL;
fail:
	if (l != NULL) {
		pipe_notify_close(l->notify, l->ev);
		if (l->first != INVALID_HANDLE_VALUE)
			CloseHandle(l->first);
		if (l->stop != NULL)
			CloseHandle(l->stop);
		if (l->room != NULL)
			CloseHandle(l->room);
		if (l->sd != NULL)
			LocalFree(l->sd);
		free(l->wpath);
		free(l->path);
		free(l);
	}
	errno = eaddrinuse ? EADDRINUSE : 0;
	return (NULL);
}

void
gw_win_pipe_listen_pause(struct gw_win_pipe_listener *l, bool pause)
{
	l->paused = pause;
	/* Those that came while paused have had their byte: look again. */
	if (!pause)
		event_active(l->ev, EV_READ, 0);
}

void
gw_win_pipe_listen_free(struct gw_win_pipe_listener *l)
{
	unsigned	i;

	if (l == NULL)
		return;
	SetEvent(l->stop);
	WaitForSingleObject(l->thread, INFINITE);
	CloseHandle(l->thread);
	pipe_notify_close(l->notify, l->ev);
	for (i = 0; i < l->queued; i++)
		evutil_closesocket(l->queue[i]);
	CloseHandle(l->stop);
	CloseHandle(l->room);
	LocalFree(l->sd);
	free(l->warning);
	free(l->wpath);
	free(l->path);
	free(l);
}

/* ---------------------------------------------------------------- dial */

/*
 * Open path as a client.  stop: polled between waits for a busy pipe (may
 * be NULL).  Returns the pipe's HANDLE, or INVALID_HANDLE_VALUE with errno
 * and *cause (pipe-win32.h, gw_win_pipe_dial).
 */
static HANDLE
pipe_open(const char *path, unsigned timeout_ms, volatile LONG *stop,
    char **cause)
{
	wchar_t		*w;
	HANDLE		 h;
	ULONGLONG	 deadline = GetTickCount64() + timeout_ms, now;
	DWORD		 err, slice;

	*cause = NULL;
	if ((w = pipe_wide(path)) == NULL) {
		if (asprintf(cause, "%s: not a valid name", path) == -1)
			*cause = NULL;
		errno = EINVAL;
		return (INVALID_HANDLE_VALUE);
	}
	for (;;) {
		h = CreateFileW(w, GENERIC_READ | GENERIC_WRITE, 0, NULL,
		    OPEN_EXISTING, FILE_FLAG_OVERLAPPED |
		    SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, NULL);
		if (h != INVALID_HANDLE_VALUE)
			break;
		err = GetLastError();
		if (err != ERROR_PIPE_BUSY) {
			switch (err) {
			case ERROR_FILE_NOT_FOUND:
			case ERROR_PATH_NOT_FOUND:
				errno = ECONNREFUSED;
				pipe_cause(cause, path, "no process serves "
				    "this pipe", 0);
				break;
			case ERROR_ACCESS_DENIED:
				errno = EACCES;
				pipe_cause(cause, path, "refused", err);
				break;
			case ERROR_BAD_NETPATH:
			case ERROR_BAD_NET_NAME:
			case ERROR_NETNAME_DELETED:
			case ERROR_HOST_UNREACHABLE:
				errno = EHOSTUNREACH;
				pipe_cause(cause, path, "cannot reach the host",
				    err);
				break;
			default:
				errno = EIO;
				pipe_cause(cause, path, "CreateFile", err);
				break;
			}
			break;
		}
		/* Every instance busy: wait for one (Win32 "WaitNamedPipe"). */
		now = GetTickCount64();
		if (now >= deadline || (stop != NULL && *stop)) {
			errno = ETIMEDOUT;
			pipe_cause(cause, path, "every instance of the pipe "
			    "stayed busy", 0);
			break;
		}
		slice = deadline - now > PIPE_WAIT_SLICE_MS ?
		    PIPE_WAIT_SLICE_MS : (DWORD)(deadline - now);
		if (!WaitNamedPipeW(w, slice) && GetLastError() ==
		    ERROR_FILE_NOT_FOUND) {
			/* It went away meanwhile: CreateFile says so. */
			continue;
		}
	}
	free(w);
	return (h);
}

evutil_socket_t
gw_win_pipe_dial(const char *path, unsigned timeout_ms, char **cause)
{
	HANDLE		h;
	evutil_socket_t	fd;

	if ((h = pipe_open(path, timeout_ms, NULL, cause)) ==
	    INVALID_HANDLE_VALUE)
		return (-1);
	if ((fd = gw_win_pump_start(h, NULL, GW_WIN_PUMP_PIPE_CLIENT, path,
	    cause)) == -1) {
		CloseHandle(h);
		errno = EIO;
	}
	return (fd);
}

struct gw_win_pipe_dialer {
	volatile LONG		 refs;		/* the loop's, the thread's */
	volatile LONG		 cancelled;
	SRWLOCK			 lock;
	char			*path;
	evutil_socket_t		 notify[2];	/* [0] the loop's */
	struct event		*ev;

	bool			 done;		/* result below is set */
	evutil_socket_t		 fd;
	int			 err;
	char			*why;

	void			(*cb)(evutil_socket_t, int, const char *,
				    void *);
	void			*arg;
};

static void
pipe_dialer_unref(struct gw_win_pipe_dialer *d)
{
	if (InterlockedDecrement(&d->refs) != 0)
		return;
	if (d->fd != -1)
		evutil_closesocket(d->fd);
	if (d->notify[1] != -1)
		evutil_closesocket(d->notify[1]);
	free(d->why);
	free(d->path);
	free(d);
}

static unsigned __stdcall
pipe_dial_main(void *arg)
{
	struct gw_win_pipe_dialer	*d = arg;
	HANDLE				 h;
	evutil_socket_t			 fd = -1;
	char				*cause = NULL;
	int				 err = 0;

	h = pipe_open(d->path, GW_WIN_PIPE_DIAL_MAX_MS, &d->cancelled,
	    &cause);
	if (h == INVALID_HANDLE_VALUE)
		err = errno;
	else if ((fd = gw_win_pump_start(h, NULL, GW_WIN_PUMP_PIPE_CLIENT,
	    d->path, &cause)) == -1) {
		CloseHandle(h);
		err = EIO;
	}
	AcquireSRWLockExclusive(&d->lock);
	d->fd = fd;
	d->err = err;
	d->why = cause;
	d->done = true;
	ReleaseSRWLockExclusive(&d->lock);
	if (!d->cancelled)
		send(d->notify[1], "", 1, 0);
	pipe_dialer_unref(d);
	return (0);
}

static void
pipe_dial_ready(evutil_socket_t fd, short what, void *arg)
{
	struct gw_win_pipe_dialer	*d = arg;
	evutil_socket_t			 got;
	char				 buf[8], *why;
	int				 err;

	(void)what;
	while (recv(fd, buf, sizeof buf, 0) > 0)
		;
	AcquireSRWLockExclusive(&d->lock);
	if (!d->done) {
		ReleaseSRWLockExclusive(&d->lock);
		return;
	}
	got = d->fd;
	d->fd = -1;
	err = d->err;
	why = d->why;
	d->why = NULL;
	ReleaseSRWLockExclusive(&d->lock);
	event_free(d->ev);
	evutil_closesocket(d->notify[0]);
	d->cb(got, err, why != NULL ? why : "", d->arg);
	free(why);
	pipe_dialer_unref(d);
}

struct gw_win_pipe_dialer *
gw_win_pipe_dial_start(struct event_base *base, const char *path,
    void (*cb)(evutil_socket_t, int, const char *, void *), void *arg)
{
	struct gw_win_pipe_dialer	*d;
	uintptr_t			 th;

	if ((d = calloc(1, sizeof *d)) == NULL)
		return (NULL);
	InitializeSRWLock(&d->lock);
	d->fd = d->notify[0] = d->notify[1] = -1;
	d->cb = cb;
	d->arg = arg;
	if ((d->path = strdup(path)) == NULL ||
	    evutil_socketpair(AF_INET, SOCK_STREAM, 0, d->notify) == -1 ||
	    evutil_make_socket_nonblocking(d->notify[0]) == -1 ||
	    (d->ev = event_new(base, d->notify[0], EV_READ | EV_PERSIST,
	    pipe_dial_ready, d)) == NULL || event_add(d->ev, NULL) == -1)
		goto fail;
	d->refs = 2;
	if ((th = _beginthreadex(NULL, 0, pipe_dial_main, d, 0, NULL)) == 0)
		goto fail;
	CloseHandle((HANDLE)th);
	return (d);
fail:
	pipe_notify_close(d->notify, d->ev);
	free(d->path);
	free(d);
	return (NULL);
}

void
gw_win_pipe_dial_cancel(struct gw_win_pipe_dialer *d)
{
	if (d == NULL)
		return;
	InterlockedExchange(&d->cancelled, 1);
	event_free(d->ev);
	evutil_closesocket(d->notify[0]);
	pipe_dialer_unref(d);
}
