/*
 * paths-posix.c: osdep.h's configuration directories on Unix, in a file of
 * their own so that the configuration loader's fuzzing harness links them
 * without the rest of osdep (Makefile.am).  See osdep.h.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osdep/osdep.h"

char *
gw_os_machine_dir(void)
{
	return (strdup(GW_SYSCONFDIR "/dbgbridge"));
}

char *
gw_os_user_config_dir(void)
{
	const char	*env;
	char		*dir;

	if ((env = getenv("XDG_CONFIG_HOME")) != NULL && *env == '/')
		return (strdup(env));
	if ((env = getenv("HOME")) != NULL && *env != '\0')
		return (asprintf(&dir, "%s/.config", env) == -1 ? NULL : dir);
	return (NULL);
}
