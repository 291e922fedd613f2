/*
 * text.c: text rules shared by spec.c and config/ (see text.h).
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>

#include <stdint.h>
#include <string.h>

#include "osdep/net.h"
#include "transports/text.h"

/* ASCII only, whatever the locale. */
static int
text_lower(int c)
{
	return (c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

static bool
text_digit(int c)
{
	return (c >= '0' && c <= '9');
}

static bool
text_alnum(int c)
{
	return (text_digit(c) || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'));
}

size_t
gw_text_distance(const char *a, const char *b)
{
	size_t	 d[GW_TEXT_WORD_MAX + 1][GW_TEXT_WORD_MAX + 1];
	size_t	 la = strlen(a), lb = strlen(b), i, j, v;
	int	 ca, cb;

	if (la > GW_TEXT_WORD_MAX || lb > GW_TEXT_WORD_MAX)
		return (SIZE_MAX);
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			ca = text_lower((unsigned char)a[i - 1]);
			cb = text_lower((unsigned char)b[j - 1]);
			v = d[i - 1][j - 1] + (ca != cb);
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 &&
			    ca == text_lower((unsigned char)b[j - 2]) &&
			    cb == text_lower((unsigned char)a[i - 2]) &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return (d[la][lb]);
}

const char *
gw_text_nearest(const char *word, const char *const *names, size_t n)
{
	const char	*best = NULL;
	size_t		 i, d, bestd = SIZE_MAX, limit, wlen = strlen(word);

	for (i = 0; i < n; i++) {
		if (names[i] == NULL)
			continue;
		d = gw_text_distance(word, names[i]);
		limit = strlen(names[i]) <= 4 ? 1 : 2;
		if (d <= limit && d < wlen && d < bestd) {
			best = names[i];
			bestd = d;
		}
	}
	return (best);
}

int
gw_text_number(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long	 n = 0, d;

	if (*s == '\0')
		return (-1);
	for (; *s != '\0'; s++) {
		if (!text_digit((unsigned char)*s))
			return (-1);
		d = (unsigned long)(*s - '0');
		if (n > (max - d) / 10)
			return (-1);
		n = n * 10 + d;
	}
	*out = n;
	return (0);
}

bool
gw_text_host_ok(const char *s, size_t len)
{
	struct in_addr	 a4;
	char		 buf[16];
	const char	*label = s, *end;
	size_t		 n;
	bool		 digits;

	if (len > 0 && len < sizeof buf) {
		memcpy(buf, s, len);
		buf[len] = '\0';
		if (inet_pton(AF_INET, buf, &a4) == 1)
			return (true);
	}
	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return (false);
	end = s + len;
	for (;;) {
		n = 0;
		digits = true;
		while (label + n < end && label[n] != '.') {
			if (!text_alnum((unsigned char)label[n]) &&
			    label[n] != '-' && label[n] != '_')
				return (false);
			if (!text_digit((unsigned char)label[n]))
				digits = false;
			n++;
		}
		if (n == 0 || n > 63 || label[0] == '-' || label[n - 1] == '-')
			return (false);
		if (label + n == end)
			break;
		label += n + 1;
	}
	return (!digits);
}

bool
gw_text_address_ok(const char *s)
{
	struct in6_addr	 a6;

	if (inet_pton(AF_INET6, s, &a6) == 1)
		return (true);
	return (gw_text_host_ok(s, strlen(s)));
}
