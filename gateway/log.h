/*
 * log.h: one line per event, to stderr or syslog(3).
 *
 * Lines on stderr read "2026-11-23T08:00:00.123Z LEVEL message"; syslog gets
 * the message with the matching priority.  Strings a peer controls (TLS
 * subjects, host names) go through gw_log_escape() before they reach a line.
 */
#ifndef GW_LOG_H
#define GW_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"	/* enum gw_log_level */

/*
 * Set the threshold and the sink: use_syslog false writes to stderr, true
 * opens syslog(3) with ident "dbgbridge", facility LOG_DAEMON.  May be called
 * again (on reload).  Never fails.
 */
void	 gw_log_init(enum gw_log_level level, bool use_syslog);

/* True when a message at this level would be written. */
bool	 gw_log_enabled(enum gw_log_level level);

/* Write one line at the level (printf(3) format; no trailing newline). */
void	 gw_log(enum gw_log_level level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 gw_logv(enum gw_log_level level, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));

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

#endif /* GW_LOG_H */
