/*
 * errors.h: a list of messages, each with the place it is about, instead of
 * messages joined with newlines and split again by every reader.
 *
 * The configuration loader fills one (each error at FILE:LINE), and so do
 * `dbgbridge -n`'s checks and a reload (gateway/gateway.c); main.c prints
 * one line per entry, the control socket and the log one line per entry.  A
 * line reads "FILE:LINE: text", "FILE: text" or "text" (dbgbridge.ini(5)
 * "ERRORS").
 */
#ifndef GW_ERRORS_H
#define GW_ERRORS_H

#include <stdbool.h>
#include <stddef.h>

/* One message.  Strings owned by the list. */
struct gw_error {
	char		*file;	/* NULL: no place */
	int		 line;	/* with file: 0 for the file as a whole */
	char		*text;	/* never NULL, no newline expected */
};

/*
 * The list, in the order added.  oom: a message could not be added (out of
 * memory); readers then show "out of memory" after the others.
 */
struct gw_errors {
	struct gw_error	*v;
	size_t		 n;
	bool		 oom;
};

#define GW_ERRORS_INIT	{ NULL, 0, false }

/* Make *e empty (no allocation). */
void	 gw_errors_init(struct gw_errors *e);

/* Free every message; *e is empty after.  NULL is a no-op. */
void	 gw_errors_free(struct gw_errors *e);

/*
 * Add a message (printf(3) fmt) at file (copied; NULL: no place) and line.
 * Returns 0, or -1 when out of memory (then e->oom is set).
 */
int	 gw_errors_add(struct gw_errors *e, const char *file, int line,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Move every message of src to the end of dst; src is empty after, and
 * its oom flag passes to dst.  Returns 0, or -1 when out of memory (dst->oom
 * set, src's messages freed).
 */
int	 gw_errors_move(struct gw_errors *dst, struct gw_errors *src);

/* True when e holds no message and no out-of-memory mark. */
bool	 gw_errors_empty(const struct gw_errors *e);

/*
 * The lines of e as readers show them: gw_errors_count lines (the messages,
 * then "out of memory" when e->oom), line i read with gw_errors_line: *where
 * receives "FILE:LINE: ", "FILE: " or "" (in buf, of size bytes: a path
 * longer than buf is cut), the return value the text (borrowed from e, or
 * static).
 */
size_t	 gw_errors_count(const struct gw_errors *e);
const char *gw_errors_line(const struct gw_errors *e, size_t i,
	    const char **where, char *buf, size_t size);

#endif /* GW_ERRORS_H */
