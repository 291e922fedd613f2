/*
 * errors.c: a list of located messages (see errors.h).
 */

#ifdef HAVE_CONFIG_H
/* <config.h>: from config/, "config.h" would find this module's header. */
#include <config.h>
#endif

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osdep/compat.h"

#include "config/errors.h"

void
gw_errors_init(struct gw_errors *e)
{
	e->v = NULL;
	e->n = 0;
	e->oom = false;
}

void
gw_errors_free(struct gw_errors *e)
{
	size_t	i;

	if (e == NULL)
		return;
	for (i = 0; i < e->n; i++) {
		free(e->v[i].file);
		free(e->v[i].text);
	}
	free(e->v);
	gw_errors_init(e);
}

int
gw_errors_add(struct gw_errors *e, const char *file, int line,
    const char *fmt, ...)
{
	struct gw_error	*v, item;
	va_list		 ap;
	int		 rc;

	item.file = NULL;
	item.line = line;
	va_start(ap, fmt);
	rc = vasprintf(&item.text, fmt, ap);
	va_end(ap);
	if (rc == -1) {
		e->oom = true;
		return (-1);
	}
	if ((file != NULL && (item.file = strdup(file)) == NULL) ||
	    (v = reallocarray(e->v, e->n + 1, sizeof *e->v)) == NULL) {
		free(item.file);
		free(item.text);
		e->oom = true;
		return (-1);
	}
	e->v = v;
	e->v[e->n++] = item;
	return (0);
}

int
gw_errors_move(struct gw_errors *dst, struct gw_errors *src)
{
	struct gw_error	*v;

	dst->oom = dst->oom || src->oom;
	if (src->n == 0) {
		gw_errors_free(src);
		return (0);
	}
	if ((v = reallocarray(dst->v, dst->n + src->n, sizeof *dst->v)) ==
	    NULL) {
		gw_errors_free(src);
		dst->oom = true;
		return (-1);
	}
	memcpy(v + dst->n, src->v, src->n * sizeof *src->v);
	dst->v = v;
	dst->n += src->n;
	free(src->v);
	gw_errors_init(src);
	return (0);
}

bool
gw_errors_empty(const struct gw_errors *e)
{
	return (e->n == 0 && !e->oom);
}

size_t
gw_errors_count(const struct gw_errors *e)
{
	return (e->n + (e->oom ? 1 : 0));
}

const char *
gw_errors_line(const struct gw_errors *e, size_t i, const char **where,
    char *buf, size_t size)
{
	const struct gw_error	*m;

	buf[0] = '\0';
	*where = buf;
	if (i >= e->n)
		return ("out of memory");
	m = &e->v[i];
	if (m->file != NULL && m->line > 0)
		snprintf(buf, size, "%s:%d: ", m->file, m->line);
	else if (m->file != NULL)
		snprintf(buf, size, "%s: ", m->file);
	return (m->text);
}
