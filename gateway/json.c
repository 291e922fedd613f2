/*
 * json.c: JSON strings.  See json.h.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "gateway/json.h"

/*
 * The length of the well-formed UTF-8 sequence at s (RFC 3629 section 4), or
 * 0 when the bytes there are not one.
 */
static size_t
json_utf8_len(const unsigned char *s)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (s[0] == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;	/* overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else
		return (0);
	if (s[1] < lo || s[1] > hi)
		return (0);
	for (i = 2; i < n; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return (0);
	}
	return (n);
}

int
gw_json_string(struct evbuffer *out, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	const unsigned char	*run;
	char			 esc[8];
	const char		*e;
	size_t			 n;
	int			 rc = 0;

	if (s == NULL)
		return (evbuffer_add(out, "null", 4));
	rc |= evbuffer_add(out, "\"", 1);
	while (*p != '\0') {
		/* Copy a run of bytes that need nothing. */
		run = p;
		while (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
			p++;
		if (p != run)
			rc |= evbuffer_add(out, run, (size_t)(p - run));
		if (*p == '\0')
			break;
		e = NULL;
		switch (*p) {
		case '"':	e = "\\\"";	break;
		case '\\':	e = "\\\\";	break;
		case '\b':	e = "\\b";	break;
		case '\f':	e = "\\f";	break;
		case '\n':	e = "\\n";	break;
		case '\r':	e = "\\r";	break;
		case '\t':	e = "\\t";	break;
		default:
			break;
		}
		if (e != NULL) {
			rc |= evbuffer_add(out, e, strlen(e));
			p++;
		} else if (*p < 0x80) {
			/* Other control characters, and DEL. */
			snprintf(esc, sizeof esc, "\\u%04x", *p);
			rc |= evbuffer_add(out, esc, 6);
			p++;
		} else if ((n = json_utf8_len(p)) != 0) {
			rc |= evbuffer_add(out, p, n);
			p += n;
		} else {
			rc |= evbuffer_add(out, "\\ufffd", 6);
			p++;
		}
	}
	rc |= evbuffer_add(out, "\"", 1);
	return (rc != 0 ? -1 : 0);
}

int
gw_buf_vprintf(struct evbuffer *out, const char *fmt, va_list ap)
{
	char	 small[256], *big;
	va_list	 again;
	int	 n, rc;

	va_copy(again, ap);
	n = vsnprintf(small, sizeof small, fmt, ap);
	if (n < 0) {
		va_end(again);
		return (-1);
	}
	if ((size_t)n < sizeof small) {
		va_end(again);
		return (evbuffer_add(out, small, (size_t)n) == 0 ? n : -1);
	}
	if ((big = malloc((size_t)n + 1)) == NULL) {
		va_end(again);
		return (-1);
	}
	rc = vsnprintf(big, (size_t)n + 1, fmt, again);
	va_end(again);
	if (rc == n && evbuffer_add(out, big, (size_t)n) != 0)
		rc = -1;
	free(big);
	return (rc == n ? n : -1);
}

int
gw_buf_printf(struct evbuffer *out, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = gw_buf_vprintf(out, fmt, ap);
	va_end(ap);
	return (n);
}
