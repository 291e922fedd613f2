/*
 * json.h: JSON strings (RFC 8259) for everything dbgbridge writes as JSON:
 * the session and route reports (report.h), and log lines with
 * log_format = json (log.h).  One escaper, so the rules are the same in all.
 * Also the one formatter every text dbgbridge writes into a buffer goes
 * through (gw_buf_printf).
 */
#ifndef GW_JSON_H
#define GW_JSON_H

#include <stdarg.h>

struct evbuffer;

/*
 * Append to out what vsnprintf(3) makes of fmt and its arguments: the C
 * library's C99 formatter this program is built with.  libevent's
 * evbuffer_add_printf is not used for this because on Windows it calls the
 * system C runtime's _vsnprintf, which lacks C99's %zu (doc/design.md
 * "Building for Windows").  Returns the number of bytes appended, or -1
 * when formatting failed or memory ran out (out is then unchanged).
 */
int	 gw_buf_printf(struct evbuffer *out, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	 gw_buf_vprintf(struct evbuffer *out, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));

/*
 * Append s to out as a JSON string (RFC 8259 section 7): quoted, with '"'
 * and '\\' escaped, control characters (below 0x20, and 0x7f) as \b \f \n \r
 * \t or \u00XX, and bytes that are not well-formed UTF-8 (RFC 3629: overlong
 * forms, surrogates, above U+10FFFF, cut sequences) replaced by \ufffd, so
 * the result is valid UTF-8 (RFC 8259 section 8.1) whatever s holds: a peer
 * cannot end the string, the object or the line.  NULL is appended as null.
 * Returns 0, or -1 when out of memory (out may then hold a part).
 */
int	 gw_json_string(struct evbuffer *out, const char *s);

#endif /* GW_JSON_H */
