/*
 * log.h: one line per event, to stderr, syslog(3), the Windows Event Log or
 * a file rotated by size (logfile.h).
 *
 * [gateway] log_format = text (the default): lines on stderr read
 * "2026-11-23T08:00:00.123Z LEVEL message"; syslog gets the message with the
 * matching priority.  log_format = json: every line is one JSON object
 * (RFC 8259), {"ts":"2026-11-23T08:00:00.123Z","level":"info","msg":"..."},
 * a session line followed by its fields as members (gw_log_fields); syslog
 * gets the same object as its message.
 *
 * Strings a peer controls (TLS subjects, host names, close reasons) go
 * through gw_log_escape() before they reach a message, so a text line stays
 * one line with its quotes where they belong; a JSON line's msg is then
 * JSON-escaped as a whole (gw_json_string), so nothing in it can end the
 * object or the line either.
 */
#ifndef GW_LOG_H
#define GW_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"	/* enum gw_log_level, struct gw_config */

/*
 * Set the threshold and the sink, with text lines: use_syslog false writes to
 * stderr, true opens syslog(3) with ident "dbgbridge", facility LOG_DAEMON.
 * May be called again.  Never fails.
 */
void	 gw_log_init(enum gw_log_level level, bool use_syslog);

/*
 * Everything a configuration says about logging: log_level, log (stderr,
 * syslog, eventlog or the absolute path of a FILE), log_format,
 * syslog_facility (LOG_DAEMON, LOG_USER, LOG_LOCAL0..7; syslog(3) is
 * reopened when it changes) and a FILE's log_max_size and log_keep
 * (logfile.h: rotated by size).  log = eventlog opens the event source
 * (osdep.h gw_os_eventlog_open; Windows only, the configuration check
 * refuses it elsewhere).  Called at start and after each reload that
 * succeeds (gw_gateway_reload): the next line follows the new settings; a
 * FILE that stays the same stays open.  Returns 0, or -1 when the file or
 * the event source cannot be opened: the reason is logged to the sink in
 * use, which stays.
 */
int	 gw_log_configure(const struct gw_config *config);

/* True when a message at this level would be written. */
bool	 gw_log_enabled(enum gw_log_level level);

/* True when lines are JSON objects (log_format = json). */
bool	 gw_log_json(void);

/* Write one line at the level (printf(3) format; no trailing newline). */
void	 gw_log(enum gw_log_level level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 gw_logv(enum gw_log_level level, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));

/*
 * As gw_log, with members for a JSON line: members is a list of JSON object
 * members without braces, already valid JSON ("\"route\":\"lab\",\"x\":1",
 * every string made with gw_json_string), written after msg; text lines
 * ignore it.  NULL or "" adds nothing.  The caller owns members.
 */
void	 gw_log_fields(enum gw_log_level level, const char *members,
	    const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#define gw_log_error(...)	gw_log(GW_LOG_ERROR, __VA_ARGS__)
#define gw_log_warn(...)	gw_log(GW_LOG_WARN, __VA_ARGS__)
#define gw_log_info(...)	gw_log(GW_LOG_INFO, __VA_ARGS__)
#define gw_log_debug(...)	gw_log(GW_LOG_DEBUG, __VA_ARGS__)

/*
 * Copy src into dst (size bytes, always NUL-terminated, truncated if need be)
 * escaping what a peer could use to forge or break a log line: bytes below
 * 0x20, 0x7f and above, '"' and '\\' become \\xHH, \\" and \\\\ (as vis(3) and
 * tmux's utf8_stravis do for untrusted strings).  Returns dst.
 */
char	*gw_log_escape(char *dst, size_t size, const char *src);

/*
 * A line that can repeat as fast as a peer or the kernel makes it (accept(2)
 * failing while out of descriptors, refused metrics peers): the first of a
 * burst is written at once; the next ones within GW_LOG_LIMIT_MS are only
 * counted, and when the interval ends one line, the last of them followed by
 * " (N more in the last 5 s)", says how many there were (doc/dbgbridge.8
 * "LOGGING").  So a flood costs at most two lines per interval, and none is
 * lost without a count.  Owned by its caller; the timer runs on its loop.
 */
#define GW_LOG_LIMIT_MS		5000
struct event;
struct event_base;
struct gw_log_limit {
	struct event		*timer;		/* the interval; NULL: not set up */
	enum gw_log_level	 level;		/* of the pending summary */
	unsigned long		 suppressed;	/* counted, not written */
	bool			 holding;	/* inside an interval */
	char			 last[512];	/* the last line not written */
};

/*
 * Set up l on base (l's memory is the caller's, zeroed or not).  Returns 0,
 * or -1 when out of memory: then every line is written (gw_log_limited
 * without a timer does not hold back).
 */
int	 gw_log_limit_init(struct gw_log_limit *l, struct event_base *base);

/* Write or count one line at level (printf(3) format), as above. */
void	 gw_log_limited(struct gw_log_limit *l, enum gw_log_level level,
	    const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Write the summary of what is counted, if any, and free the timer. */
void	 gw_log_limit_free(struct gw_log_limit *l);

#endif /* GW_LOG_H */
