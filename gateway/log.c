/* log.c: see log.h. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "gateway/json.h"
#include "gateway/log.h"
#include "osdep/osdep.h"

static enum gw_log_level	 log_level = GW_LOG_INFO;
static bool			 log_syslog;
static enum gw_log_format	 log_format = GW_LOG_TEXT;
static enum gw_log_facility	 log_facility = GW_LOG_FACILITY_DAEMON;

static const char *const log_names[] = { "error", "warn", "info", "debug" };

static void
log_set(enum gw_log_level level, bool use_syslog, enum gw_log_format format,
    enum gw_log_facility facility)
{
	if (log_syslog && (!use_syslog || facility != log_facility))
		gw_os_syslog_close();
	if (use_syslog && (!log_syslog || facility != log_facility))
		gw_os_syslog_open(facility);
	log_level = level;
	log_syslog = use_syslog;
	log_format = format;
	log_facility = facility;
}

void
gw_log_init(enum gw_log_level level, bool use_syslog)
{
	log_set(level, use_syslog, GW_LOG_TEXT, GW_LOG_FACILITY_DAEMON);
}

void
gw_log_configure(const struct gw_config *config)
{
	log_set(config->log_level, config->log != NULL &&
	    strcmp(config->log, "syslog") == 0, config->log_format,
	    config->syslog_facility);
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
 * One JSON line: {"ts":...,"level":...,"msg":...[,members]}, to syslog or to
 * stderr in one write.  Returns -1 when out of memory (nothing written).
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
	rc |= evbuffer_add_printf(b, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":",
	    stamp, log_names[level]) < 0;
	rc |= gw_json_string(b, msg);
	if (members != NULL && *members != '\0')
		rc |= evbuffer_add_printf(b, ",%s", members) < 0;
	rc |= evbuffer_add(b, log_syslog ? "}" : "}\n", log_syslog ? 2 : 3);
	len = evbuffer_get_length(b);
	if (rc != 0 || (line = (char *)evbuffer_pullup(b, -1)) == NULL) {
		evbuffer_free(b);
		return (-1);
	}
	if (log_syslog)
		gw_os_syslog(level, line);
	else
		fwrite(line, 1, len - 1, stderr);
	evbuffer_free(b);
	return (0);
}

static void
log_write(enum gw_log_level level, const char *members, const char *fmt,
    va_list ap)
{
	char	msg[2048], stamp[64];

	if (!gw_log_enabled(level))
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	log_stamp(stamp, sizeof stamp);
	if (log_format == GW_LOG_JSON &&
	    log_json(level, stamp, msg, members) == 0)
		return;
	if (log_syslog) {
		gw_os_syslog(level, msg);
		return;
	}
	fprintf(stderr, "%s %s %s\n", stamp, log_names[level], msg);
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
