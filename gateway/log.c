/* log.c: see log.h. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <sys/time.h>
#include <time.h>

#include "gateway/log.h"

static enum gw_log_level	 log_level = GW_LOG_INFO;
static bool			 log_syslog;

static const char *const log_names[] = { "error", "warn", "info", "debug" };
static const int log_priorities[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

void
gw_log_init(enum gw_log_level level, bool use_syslog)
{
	if (log_syslog && !use_syslog)
		closelog();
	if (use_syslog && !log_syslog)
		openlog("dbgbridge", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_level = level;
	log_syslog = use_syslog;
}

bool
gw_log_enabled(enum gw_log_level level)
{
	return (level <= log_level);
}

void
gw_logv(enum gw_log_level level, const char *fmt, va_list ap)
{
	char		 msg[2048], stamp[32];
	struct timeval	 tv;
	struct tm	 tm;

	if (!gw_log_enabled(level))
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (log_syslog) {
		syslog(log_priorities[level], "%s", msg);
		return;
	}
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ %s %s\n", stamp, (long)tv.tv_usec / 1000,
	    log_names[level], msg);
}

void
gw_log(enum gw_log_level level, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	gw_logv(level, fmt, ap);
	va_end(ap);
}

char *
gw_log_escape(char *dst, size_t size, const char *src)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 o = 0;
	unsigned char		 c;

	if (size == 0)
		return (dst);
	for (; *src != '\0'; src++) {
		c = (unsigned char)*src;
		if (c == '"' || c == '\\') {
			if (o + 2 >= size)
				break;
			dst[o++] = '\\';
			dst[o++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			if (o + 4 >= size)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 0xf];
		} else {
			if (o + 1 >= size)
				break;
			dst[o++] = (char)c;
		}
	}
	dst[o] = '\0';
	return (dst);
}
