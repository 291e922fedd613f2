/*
 * logfile.h: [gateway] log = FILE, a log file rotated by size
 * (dbgbridge.ini(5) "log", "log_max_size", "log_keep"; doc/design.md
 * "Logs").
 *
 * Lines are appended, each written and flushed whole, and end in "\n" on
 * every platform, so that sizes are bytes as counted.  Before a line that
 * would take the file past max_size bytes, the file is closed and renamed
 * FILE -> FILE.1, FILE.1 -> FILE.2, ... up to FILE.keep (the oldest,
 * FILE.keep, is removed first), and a new FILE is begun, as logrotate's
 * and Python's RotatingFileHandler's numbered scheme.  Only the C library
 * (fopen, rename, remove): the same code on Unix and Windows.  A file
 * another program holds open without delete sharing cannot be renamed on
 * Windows: the rotation then fails, is said in the file, and is tried
 * again after another max_size bytes.
 */
#ifndef GW_LOGFILE_H
#define GW_LOGFILE_H

#include <stddef.h>
#include <stdint.h>

struct gw_logfile;

/*
 * Open path for appending (made when missing).  max_size: bytes before a
 * rotation, 0 never; keep: rotated files kept, 0 none (the file is begun
 * anew).  Returns the log file, or NULL with *cause (malloc'd, or NULL
 * when out of memory) naming path and the fopen error.
 */
struct gw_logfile *gw_logfile_open(const char *path, uint64_t max_size,
	    unsigned keep, char **cause);

/*
 * Append len bytes of line (one or more whole lines, ending in "\n"),
 * rotating first when they would take the file past max_size and it is
 * not empty (a line longer than max_size still goes to a file of its own).
 * Returns 0, or -1 when the write failed (the line is lost).
 */
int	 gw_logfile_write(struct gw_logfile *lf, const char *line, size_t len);

/* The path given to gw_logfile_open (owned by lf). */
const char *gw_logfile_path(const struct gw_logfile *lf);

/* Change the limits of an open file; the next write obeys them. */
void	 gw_logfile_limits(struct gw_logfile *lf, uint64_t max_size,
	    unsigned keep);

/* Close and free.  NULL: no-op. */
void	 gw_logfile_close(struct gw_logfile *lf);

#endif /* GW_LOGFILE_H */
