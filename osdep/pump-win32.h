/*
 * pump-win32.h: a Windows HANDLE (a named-pipe instance, a COM port) joined
 * to the core as a socket (doc/design.md "Platforms", "Windows handles").
 *
 * The core relays sockets: libevent's bufferevents on Windows take a SOCKET,
 * never a HANDLE.  A pump makes a connected pair of sockets
 * (evutil_socketpair: loopback TCP on Windows), gives one end to the core and
 * keeps the other for a thread of its own that moves bytes between that end
 * and the HANDLE with overlapped I/O (ReadFile / WriteFile with an OVERLAPPED
 * and GetOverlappedResult, Win32 "Synchronous and Asynchronous I/O").  What
 * the handle does is turned into what a socket peer does, so the core keeps
 * its one close path (doc/design.md "Sessions", "The byte stream"):
 *
 *   - a clean end of the handle (a pipe whose other end closed:
 *     ERROR_BROKEN_PIPE, ERROR_PIPE_NOT_CONNECTED, ERROR_HANDLE_EOF) is a
 *     half-close of the core's socket (shutdown SD_SEND) after every byte read
 *     before it was sent;
 *   - a failure of the handle (a device error, a write the other end refused)
 *     is a reset of the core's socket (SO_LINGER {1, 0} then closesocket),
 *     never a clean end: a cut stream never looks complete;
 *   - the core half-closing its socket: a pipe has no half-close, so the
 *     bytes already taken are written, FlushFileBuffers waits until the other
 *     end has read them (Win32 "Named Pipe Operations"), and the handle is
 *     closed (its other end reads what is left, then ERROR_BROKEN_PIPE); a
 *     serial line is simply finished (it has no end of stream,
 *     doc/design.md "com");
 *   - the core resetting its socket: the handle's I/O is cancelled
 *     (CancelIoEx) and the handle closed at once.
 *
 * Backpressure: one buffer of GW_WIN_PUMP_CHUNK bytes each way, and the next
 * read of either side is issued only once the previous bytes were written to
 * the other: the pump never holds more than two chunks.
 */
#ifndef GW_PUMP_WIN32_H
#define GW_PUMP_WIN32_H

#include <winsock2.h>
#include <windows.h>

#include <stdbool.h>
#include <stddef.h>

#include <event2/util.h>

/* Bytes per read and write, each way. */
#define GW_WIN_PUMP_CHUNK	(64 * 1024)

/* What the handle is: it decides what ends and failures mean. */
enum gw_win_pump_kind {
	/*
	 * A named-pipe instance we serve (CreateNamedPipe): closed after
	 * FlushFileBuffers when the core half-closes; on a reset its unread
	 * bytes are discarded (DisconnectNamedPipe) before it is closed.
	 */
	GW_WIN_PUMP_PIPE_SERVER,
	/* A named pipe's client end (CreateFile): as above, no disconnect. */
	GW_WIN_PUMP_PIPE_CLIENT,
	/*
	 * A serial port: no end of stream.  A read that returns no bytes is a
	 * read timeout (SetCommTimeouts), read again; any read or write error
	 * is a failure of the device.  The core's end of stream means the
	 * session is over: the bytes taken are written and the device closed.
	 */
	GW_WIN_PUMP_COM
};

/*
 * Start a pump over h.  h: opened with FILE_FLAG_OVERLAPPED, connected (a
 * pipe) or configured (a serial port); the pump's from a successful call on
 * (it closes it), still the caller's on failure.  hold: another handle that
 * lives as long as h (a serial port's lock, com-win32.c), closed right after
 * it, or NULL; the pump's on success like h.  name: for messages
 * ("\\.\COM5", "\\.\pipe\NAME"), copied.  Returns the core's end of the
 * pair: a connected, nonblocking socket with TCP_NODELAY, the caller's to close
 * (evutil_closesocket); or -1 with a malloc'd *cause (socketpair or thread
 * creation failed).  The pump frees itself once both directions are done.
 */
evutil_socket_t	gw_win_pump_start(HANDLE h, HANDLE hold,
		    enum gw_win_pump_kind kind, const char *name, char **cause);

/*
 * Why the handle behind the core's socket fd failed, once it has (for com's
 * error slot, doc/design.md "com"): "NAME: device failed: MESSAGE" into buf
 * (size bytes) and true; false when fd is no pump's or its handle has not
 * failed.  Failed pumps are remembered until their socket number is used
 * again by a new pump (at most GW_WIN_PUMP_FAILED_MAX of them).  Thread-safe.
 */
#define GW_WIN_PUMP_FAILED_MAX	64
bool		gw_win_pump_failure(evutil_socket_t fd, char *buf,
		    size_t size);

/*
 * A Win32 error code as text (FormatMessage, in English where the system
 * has it, no trailing newline or period) followed by " (error N)" into buf,
 * size bytes; "Windows error N" when the system has no text.  Returns buf.
 */
char		*gw_win_strerror(unsigned long err, char *buf, size_t size);

/*
 * As gw_win_strerror, with the number in hexadecimal: " (0x80092004)", or
 * "Windows error (0x80092004)" without a text.  For CryptoAPI's HRESULTs,
 * which Microsoft's documentation lists in hexadecimal (Win32 "COM Error
 * Codes").  Returns buf.
 */
char		*gw_win_strerror_hex(unsigned long err, char *buf, size_t size);

#endif /* GW_PUMP_WIN32_H */
