/*
 * compat.h: C library functions and types that POSIX has and the Windows C
 * runtime (mingw-w64's msvcrt) lacks, declared here and defined in
 * osdep/osdep-win32.c (doc/design.md "Platforms").  On Unix this adds
 * nothing.
 */
#ifndef GW_OSDEP_COMPAT_H
#define GW_OSDEP_COMPAT_H

#include <stddef.h>
#include <sys/types.h>

#ifdef _WIN32
/* There are no users on Windows (doc/design.md "Building for Windows"). */
typedef unsigned long	uid_t;
typedef unsigned long	gid_t;

/* strndup(3): at most n bytes of s, NUL-terminated, malloc'd; NULL: ENOMEM. */
char	*strndup(const char *s, size_t n);

/* reallocarray(3): realloc of nmemb * size bytes, NULL with ENOMEM on overflow. */
void	*reallocarray(void *p, size_t nmemb, size_t size);

/* strsep(3): the next token of *sp up to a byte of delim, cut in place. */
char	*strsep(char **sp, const char *delim);

/* strcasestr(3): the first find of needle in hay, ignoring ASCII case. */
char	*strcasestr(const char *hay, const char *needle);

/* setenv(3), unsetenv(3): through _putenv_s (the C runtime's docs). */
int	 setenv(const char *name, const char *value, int overwrite);
int	 unsetenv(const char *name);

/* mkdtemp(3): a new directory from template (ending XXXXXX), mode unused. */
char	*mkdtemp(char *template);

/* explicit_bzero(3): zero n bytes that the compiler may not skip. */
void	 explicit_bzero(void *p, size_t n);
#endif

#endif /* GW_OSDEP_COMPAT_H */
