/* log.c: see log.h. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "gateway/json.h"
#include "gateway/log.h"
#include "gateway/logfile.h"
#include "osdep/osdep.h"

/* Where lines go ([gateway] log). */
enum log_sink {
	LOG_STDERR,
	LOG_SYSLOG,	/* osdep: syslog(3) */
	LOG_EVENTLOG,	/* osdep: the Windows Event Log */
	LOG_FILE,	/* logfile.h: a file rotated by size */
};

static enum gw_log_level	 log_level = GW_LOG_INFO;
static enum log_sink		 log_sink = LOG_STDERR;
static enum gw_log_format	 log_format = GW_LOG_TEXT;
static enum gw_log_facility	 log_facility = GW_LOG_FACILITY_DAEMON;
static struct gw_logfile	*log_file;

static const char *const log_names[] = { "error", "warn", "info", "debug" };

/* Leave the sink in use (its file, syslog or event source closed). */
static void
log_leave(void)
{
	switch (log_sink) {
	case LOG_SYSLOG:
		gw_os_syslog_close();
		break;
	case LOG_EVENTLOG:
		gw_os_eventlog_close();
		break;
	case LOG_FILE:
		gw_logfile_close(log_file);
		log_file = NULL;
		break;
	case LOG_STDERR:
		break;
	}
	log_sink = LOG_STDERR;
}

static void
log_set(enum gw_log_level level, bool use_syslog, enum gw_log_format format,
    enum gw_log_facility facility)
{
	if (log_sink != LOG_SYSLOG || !use_syslog || facility != log_facility)
		log_leave();
	if (use_syslog && log_sink != LOG_SYSLOG) {
		gw_os_syslog_open(facility);
		log_sink = LOG_SYSLOG;
	}
	log_level = level;
	log_format = format;
	log_facility = facility;
}

void
gw_log_init(enum gw_log_level level, bool use_syslog)
{
	log_set(level, use_syslog, GW_LOG_TEXT, GW_LOG_FACILITY_DAEMON);
}

/*
 * log = eventlog or log = FILE: open it, unless it is the one open now (a
 * reload that keeps the file keeps it open, with the new limits).  On
 * failure the sink in use stays and the reason goes there.
 */
static int
log_open_sink(const struct gw_config *config)
{
	struct gw_logfile	*lf;
	char			*cause = NULL;

	if (strcmp(config->log, "eventlog") == 0) {
		if (log_sink == LOG_EVENTLOG)
			return (0);
		if (gw_os_eventlog_open(&cause) == -1)
			goto fail;
		log_leave();
		log_sink = LOG_EVENTLOG;
		return (0);
	}
	if (log_sink == LOG_FILE &&
	    strcmp(gw_logfile_path(log_file), config->log) == 0) {
		gw_logfile_limits(log_file, config->log_max_size,
		    config->log_keep);
		return (0);
	}
	if ((lf = gw_logfile_open(config->log, config->log_max_size,
	    config->log_keep, &cause)) == NULL)
		goto fail;
	log_leave();
	log_file = lf;
	log_sink = LOG_FILE;
	return (0);
fail:
	gw_log_error("gateway.log: %s", cause != NULL ? cause :
	    "out of memory");
	free(cause);
	return (-1);
}

int
gw_log_configure(const struct gw_config *config)
{
	const char	*log = config->log != NULL ? config->log : "stderr";

	if (strcmp(log, "stderr") == 0 || strcmp(log, "syslog") == 0) {
		log_set(config->log_level, strcmp(log, "syslog") == 0,
		    config->log_format, config->syslog_facility);
		return (0);
	}
	if (log_open_sink(config) == -1)
		return (-1);
	log_level = config->log_level;
	log_format = config->log_format;
	return (0);
}

bool
gw_log_enabled(enum gw_log_level level)
{
	return (level <= log_level);
}

bool
gw_log_json(void)
{
	return (log_format == GW_LOG_JSON);
}

/* "2026-11-23T08:00:00.123Z": UTC, milliseconds (RFC 3339). */
static void
log_stamp(char *buf, size_t size)
{
	struct timeval	 tv;
	struct tm	 tm;
	time_t		 t;
	char		 s[32];

	evutil_gettimeofday(&tv, NULL);
	t = (time_t)tv.tv_sec;	/* a long in Windows' struct timeval */
	gmtime_r(&t, &tm);
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%03dZ", s, (int)(tv.tv_usec / 1000));
}

/*
 * Write one line of len bytes, ending in "\n" (which a system log does not
 * take), to the sink.  A file that cannot be written loses the line: the
 * log has nowhere else to say so.
 */
static void
log_out(enum gw_log_level level, char *line, size_t len)
{
	switch (log_sink) {
	case LOG_SYSLOG:
	case LOG_EVENTLOG:
		line[len - 1] = '\0';
		if (log_sink == LOG_SYSLOG)
			gw_os_syslog(level, line);
		else
			gw_os_eventlog(level, line);
		line[len - 1] = '\n';
		break;
	case LOG_FILE:
		(void)gw_logfile_write(log_file, line, len);
		break;
	case LOG_STDERR:
		/*
		 * Flushed: the Windows C runtime buffers a redirected stderr
		 * for fwrite (its printf flushes by itself, fwrite does not).
		 */
		fwrite(line, 1, len, stderr);
		fflush(stderr);
		break;
	}
}

/*
 * One JSON line: {"ts":...,"level":...,"msg":...[,members]}, to the sink in
 * one write.  Returns -1 when out of memory (nothing written).
 */
static int
log_json(enum gw_log_level level, const char *stamp, const char *msg,
    const char *members)
{
	struct evbuffer	*b;
	size_t		 len;
	char		*line;
	int		 rc = 0;

	if ((b = evbuffer_new()) == NULL)
		return (-1);
	rc |= gw_buf_printf(b, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":",
	    stamp, log_names[level]) < 0;
	rc |= gw_json_string(b, msg);
	if (members != NULL && *members != '\0')
		rc |= gw_buf_printf(b, ",%s", members) < 0;
	rc |= evbuffer_add(b, "}\n", 3);
	len = evbuffer_get_length(b);
	if (rc != 0 || (line = (char *)evbuffer_pullup(b, -1)) == NULL) {
		evbuffer_free(b);
		return (-1);
	}
	log_out(level, line, len - 1);
	evbuffer_free(b);
	return (0);
}

static void
log_write(enum gw_log_level level, const char *members, const char *fmt,
    va_list ap)
{
	char	msg[2048], stamp[64], line[sizeof msg + sizeof stamp + 16];
	int	n;

	if (!gw_log_enabled(level))
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	log_stamp(stamp, sizeof stamp);
	if (log_format == GW_LOG_JSON &&
	    log_json(level, stamp, msg, members) == 0)
		return;
	if (log_sink == LOG_SYSLOG || log_sink == LOG_EVENTLOG) {
		/* The system log stamps its lines itself. */
		n = snprintf(line, sizeof line, "%s\n", msg);
	} else
		n = snprintf(line, sizeof line, "%s %s %s\n", stamp,
		    log_names[level], msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof line) {
		n = (int)sizeof line - 1;
		line[n - 1] = '\n';
	}
	log_out(level, line, (size_t)n);
}

void
gw_logv(enum gw_log_level level, const char *fmt, va_list ap)
{
	log_write(level, NULL, fmt, ap);
}

void
gw_log(enum gw_log_level level, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_write(level, NULL, fmt, ap);
	va_end(ap);
}

void
gw_log_fields(enum gw_log_level level, const char *members, const char *fmt,
    ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_write(level, members, fmt, ap);
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

/* The summary of an interval's suppressed lines, if any. */
static void
log_limit_flush(struct gw_log_limit *l)
{
	if (l->suppressed == 0)
		return;
	gw_log(l->level, "%s (%lu more in the last %d s)", l->last,
	    l->suppressed, GW_LOG_LIMIT_MS / 1000);
	l->suppressed = 0;
}

static void
log_limit_tick(evutil_socket_t fd, short what, void *arg)
{
	struct gw_log_limit	*l = arg;
	struct timeval		 tv = { GW_LOG_LIMIT_MS / 1000,
				    (GW_LOG_LIMIT_MS % 1000) * 1000 };

	(void)fd;
	(void)what;
	if (l->suppressed == 0) {
		l->holding = false;
		return;
	}
	/* Still repeating: the summary, and hold back for one more interval. */
	log_limit_flush(l);
	evtimer_add(l->timer, &tv);
}

int
gw_log_limit_init(struct gw_log_limit *l, struct event_base *base)
{
	memset(l, 0, sizeof *l);
	if ((l->timer = evtimer_new(base, log_limit_tick, l)) == NULL)
		return (-1);
	return (0);
}

void
gw_log_limited(struct gw_log_limit *l, enum gw_log_level level,
    const char *fmt, ...)
{
	struct timeval	tv = { GW_LOG_LIMIT_MS / 1000,
			    (GW_LOG_LIMIT_MS % 1000) * 1000 };
	va_list		ap;

	if (!gw_log_enabled(level))
		return;
	va_start(ap, fmt);
	if (l->timer == NULL || !l->holding) {
		log_write(level, NULL, fmt, ap);
		if (l->timer != NULL && evtimer_add(l->timer, &tv) == 0)
			l->holding = true;
	} else {
		vsnprintf(l->last, sizeof l->last, fmt, ap);
		l->level = level;
		l->suppressed++;
	}
	va_end(ap);
}

void
gw_log_limit_free(struct gw_log_limit *l)
{
	if (l->timer == NULL)
		return;
	log_limit_flush(l);
	event_free(l->timer);
	l->timer = NULL;
	l->holding = false;
}
