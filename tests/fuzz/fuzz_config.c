/*
 * fuzz_config.c: libFuzzer harness for the INI loader (config/config.c, with
 * inih and transports/spec.c under it).  Built by CC=clang ./configure
 * --enable-fuzzing; run by tests/fuzz/run.sh.
 *
 * gw_config_load reads a path, so each input is written to a memfd and loaded
 * as /proc/self/fd/N.  A configuration that loads is then printed as
 * `dbgbridge -n` would (canonical specs, the smart client's string) and its
 * allow lists matched.  The input, NUL-terminated, is also parsed as a
 * duration.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	fuzz_fd = -1;
static char	fuzz_path[64];

static void
init(void)
{
	if (fuzz_fd != -1)
		return;
	if ((fuzz_fd = memfd_create("fuzz_config.ini", MFD_CLOEXEC)) == -1) {
		perror("fuzz_config: memfd_create");
		abort();
	}
	snprintf(fuzz_path, sizeof fuzz_path, "/proc/self/fd/%d", fuzz_fd);
}

static void
write_input(const uint8_t *data, size_t size)
{
	size_t	 off = 0;
	ssize_t	 n;

	if (ftruncate(fuzz_fd, 0) != 0) {
		perror("fuzz_config: ftruncate");
		abort();
	}
	while (off < size) {
		if ((n = pwrite(fuzz_fd, data + off, size - off,
		    (off_t)off)) <= 0) {
			perror("fuzz_config: pwrite");
			abort();
		}
		off += (size_t)n;
	}
}

static void
use_config(const struct gw_config *c)
{
	static const uint8_t	 v4[4] = { 127, 0, 0, 1 };
	static const uint8_t	 v6[16] = { [15] = 1 };
	const struct gw_config_route *r;
	size_t			 i;

	for (i = 0; i < c->nroutes; i++) {
		r = &c->routes[i];
		if (r->serve == NULL || r->connect == NULL)
			abort();	/* config.h: never NULL */
		free(gw_spec_canonical(r->serve));
		free(gw_spec_canonical(r->connect));
		free(gw_spec_client_string(r->serve, r->connect, "dbg-host",
		    NULL));
		free(gw_spec_client_string(r->serve, r->connect, "dbg-host",
		    "0123456789abcdef0123456789abcdef01234567"));
		(void)gw_config_cidr_match(r->allow, r->nallow, AF_INET, v4);
		(void)gw_config_cidr_match(r->allow, r->nallow, AF_INET6, v6);
	}
	(void)gw_config_cidr_match(c->metrics_allow, c->nmetrics_allow,
	    AF_INET, v4);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_config	*c = NULL;
	struct gw_errors	 errors = GW_ERRORS_INIT;
	char			*cause = NULL, *text;
	unsigned		 ms;

	init();
	write_input(data, size);
	if (gw_config_load(fuzz_path, &c, &errors) == 0) {
		use_config(c);
		gw_config_free(c);
	} else
		gw_errors_free(&errors);
	/* The one-pass check's partial config, errors or not. */
	c = NULL;
	(void)gw_config_load_all(fuzz_path, &c, &errors);
	if (c != NULL) {
		use_config(c);
		gw_config_free(c);
	}
	gw_errors_free(&errors);

	if ((text = malloc(size + 1)) == NULL)
		return (0);
	memcpy(text, data, size);
	text[size] = '\0';
	cause = NULL;
	if (gw_config_parse_duration(text, &ms, &cause) != 0)
		free(cause);
	free(text);
	return (0);
}
