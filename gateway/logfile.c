/* logfile.c: see logfile.h. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/logfile.h"
#include "osdep/compat.h"

struct gw_logfile {
	char		*path;
	FILE		*f;
	uint64_t	 size;		/* bytes in the file now */
	uint64_t	 max_size;	/* 0: never rotate */
	unsigned	 keep;
};

/*
 * Binary mode: "\n" stays one byte on Windows, so size counts what is in
 * the file.  Returns the stream or NULL (errno set).
 */
static FILE *
logfile_fopen(const char *path, uint64_t *size)
{
	FILE	*f;
	long	 end;

	if ((f = fopen(path, "ab")) == NULL)
		return (NULL);
	/* "a": the position is the end only after a seek or a write. */
	if (fseek(f, 0, SEEK_END) == 0 && (end = ftell(f)) > 0)
		*size = (uint64_t)end;
	else
		*size = 0;
	return (f);
}

struct gw_logfile *
gw_logfile_open(const char *path, uint64_t max_size, unsigned keep,
    char **cause)
{
	struct gw_logfile	*lf;
	int			 err;

	*cause = NULL;
	if ((lf = calloc(1, sizeof *lf)) == NULL ||
	    (lf->path = strdup(path)) == NULL) {
		free(lf);
		return (NULL);
	}
	if ((lf->f = logfile_fopen(path, &lf->size)) == NULL) {
		err = errno;
		if (asprintf(cause, "log file %s: %s", path,
		    strerror(err)) == -1)
			*cause = NULL;
		free(lf->path);
		free(lf);
		return (NULL);
	}
	lf->max_size = max_size;
	lf->keep = keep;
	return (lf);
}

const char *
gw_logfile_path(const struct gw_logfile *lf)
{
	return (lf->path);
}

void
gw_logfile_limits(struct gw_logfile *lf, uint64_t max_size, unsigned keep)
{
	lf->max_size = max_size;
	lf->keep = keep;
}

/* "PATH.N" into buf; false when it does not fit. */
static int
logfile_name(char *buf, size_t size, const char *path, unsigned n)
{
	int	len = snprintf(buf, size, "%s.%u", path, n);

	return (len >= 0 && (size_t)len < size);
}

/*
 * Shift the numbered files up by one and begin a new file.  rename() over
 * an existing file fails on Windows (the C runtime's docs, "rename"), so
 * each target is removed first.  Returns 0, or -1 with errno when the
 * file could not be renamed (it was reopened as it is).
 */
static int
logfile_rotate(struct gw_logfile *lf)
{
	char		from[4096], to[4096];
	unsigned	i;
	int		rc = 0, err = 0;

	fclose(lf->f);
	lf->f = NULL;
	if (lf->keep == 0) {
		if (remove(lf->path) == -1) {
			err = errno;
			rc = -1;
		}
	} else {
		if (logfile_name(to, sizeof to, lf->path, lf->keep))
			(void)remove(to);
		for (i = lf->keep - 1; i >= 1; i--) {
			if (logfile_name(from, sizeof from, lf->path, i) &&
			    logfile_name(to, sizeof to, lf->path, i + 1))
				(void)rename(from, to);
		}
		if (!logfile_name(to, sizeof to, lf->path, 1)) {
			err = ENAMETOOLONG;
			rc = -1;
		} else {
			(void)remove(to);
			if (rename(lf->path, to) == -1) {
				err = errno;
				rc = -1;
			}
		}
	}
	if ((lf->f = logfile_fopen(lf->path, &lf->size)) == NULL)
		return (-1);
	if (rc == -1) {
		/* Try again once another max_size bytes have come. */
		lf->size = 0;
		errno = err;
	}
	return (rc);
}

int
gw_logfile_write(struct gw_logfile *lf, const char *line, size_t len)
{
	char	msg[256];
	int	n;

	if (lf->max_size != 0 && lf->size != 0 &&
	    lf->size + len > lf->max_size && logfile_rotate(lf) == -1 &&
	    lf->f != NULL) {
		n = snprintf(msg, sizeof msg, "log file %s: cannot rotate: %s\n",
		    lf->path, strerror(errno));
		if (n > 0 && (size_t)n < sizeof msg &&
		    fwrite(msg, 1, (size_t)n, lf->f) == (size_t)n)
			lf->size += (uint64_t)n;
	}
	if (lf->f == NULL) {
		/* Reopened after a failure: try once more each line. */
		if ((lf->f = logfile_fopen(lf->path, &lf->size)) == NULL)
			return (-1);
	}
	if (fwrite(line, 1, len, lf->f) != len || fflush(lf->f) != 0)
		return (-1);
	lf->size += len;
	return (0);
}

void
gw_logfile_close(struct gw_logfile *lf)
{
	if (lf == NULL)
		return;
	if (lf->f != NULL)
		fclose(lf->f);
	free(lf->path);
	free(lf);
}
