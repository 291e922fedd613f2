/*
 * fuzz_spec.c: libFuzzer harness for the transport-string grammar
 * (transports/spec.c).  Built by CC=clang ./configure --enable-fuzzing;
 * run by tests/fuzz/run.sh.
 *
 * Each input, NUL-terminated, is parsed for each side (server, client,
 * either).  A spec that parses must have a canonical form that parses again
 * for the same side and prints the same canonical form (a fixed point); any
 * difference aborts, as a memory error or undefined behaviour does.  The
 * canonical form prints "password=*" for a password (spec.h), which is not a
 * password the parser takes, so the fixed point is checked on the spec with
 * its passwords taken out, and the canonical form with them must show
 * "password=*" and never the password.  The smart-client string is built
 * for it too, with the spec on its own side of a route.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transports/spec.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const side_names[] = { "server", "client", "either" };

/* Fixed other halves of a route, for gw_spec_client_string. */
static struct gw_spec	*other_serve, *other_connect, *other_kdsrv;

static struct gw_spec *
fixed(const char *text, enum gw_spec_side side)
{
	struct gw_spec	*spec = NULL;
	char		*cause = NULL;

	if (gw_spec_parse(text, side, &spec, &cause) != 0) {
		fprintf(stderr, "fuzz_spec: fixed spec %s: %s\n", text,
		    cause != NULL ? cause : "?");
		abort();
	}
	return (spec);
}

static void
init(void)
{
	if (other_serve != NULL)
		return;
	other_serve = fixed("tcp:port=5005", GW_SPEC_SERVER);
	other_connect = fixed("tcp:server=lab7,port=5006", GW_SPEC_CLIENT);
	other_kdsrv = fixed("kdsrv:server=@{tcp:server=lab7,port=1027},"
	    "trans=@{com:port=com1,baud=57600}", GW_SPEC_CLIENT);
}

static void
mismatch(const char *text, enum gw_spec_side side, const char *canon,
    const char *what, const char *got)
{
	fprintf(stderr, "fuzz_spec: side %s: input '%s' has canonical form "
	    "'%s', which %s%s%s\n", side_names[side], text, canon, what,
	    got != NULL ? ": " : "", got != NULL ? got : "");
	abort();
}

/* Parse canon again, for side; it must come back the same. */
static void
reparse(const char *text, enum gw_spec_side asked,
    const struct gw_spec *spec, const char *canon, enum gw_spec_side side)
{
	struct gw_spec	*again = NULL;
	char		*cause = NULL, *canon2;

	if (gw_spec_parse(canon, side, &again, &cause) != 0)
		mismatch(text, asked, canon, "does not parse", cause);
	if (again->side != spec->side)
		mismatch(text, asked, canon, "parses for the other side", NULL);
	if ((canon2 = gw_spec_canonical(again)) == NULL)
		mismatch(text, asked, canon, "has no canonical form", NULL);
	if (strcmp(canon, canon2) != 0)
		mismatch(text, asked, canon, "canonicalises to", canon2);
	free(canon2);
	gw_spec_free(again);
}

/*
 * True when the canonical form of a plain (not kdsrv) spec, "transport:ITEM,
 * ITEM,...", holds item as one of its items.  (A value cannot hold ','.)
 */
static int
has_item(const char *canon, const char *item)
{
	const char	*p, *end;
	size_t		 len = strlen(item);

	if ((p = strchr(canon, ':')) == NULL)
		return (0);
	for (p++; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		end = p + strcspn(p, ",");
		if ((size_t)(end - p) == len && strncmp(p, item, len) == 0)
			return (1);
	}
	return (0);
}

/* The password of spec, or of a kdsrv spec's inner spec; NULL when none. */
static struct gw_spec *
with_password(struct gw_spec *spec)
{
	if (spec->password != NULL)
		return (spec);
	if (spec->inner != NULL && spec->inner->password != NULL)
		return (spec->inner);
	return (NULL);
}

/* The canonical form of the spec holding the password hides it. */
static void
check_password(const char *text, enum gw_spec_side side,
    struct gw_spec *spec, const char *canon)
{
	struct gw_spec	*holder;
	char		 item[64], *own;

	if ((holder = with_password(spec)) == NULL)
		return;
	if ((own = gw_spec_canonical(holder)) == NULL)
		mismatch(text, side, canon, "has no inner canonical form", NULL);
	if (!has_item(own, "password=*"))
		mismatch(text, side, own, "has no 'password=*'", NULL);
	snprintf(item, sizeof item, "password=%s", holder->password);
	if (strcmp(holder->password, "*") != 0 && has_item(own, item))
		mismatch(text, side, own, "shows the password", NULL);
	if (holder != spec && strstr(canon, own) == NULL)
		mismatch(text, side, canon, "does not hold its inner spec", own);
	free(own);
}

static void
one_side(const char *text, enum gw_spec_side side)
{
	struct gw_spec	*spec = NULL, *holder;
	char		*cause = NULL, *canon, *bare, *pw, *client;

	if (gw_spec_parse(text, side, &spec, &cause) != 0) {
		free(cause);
		return;
	}
	if (spec->side != GW_SPEC_SERVER && spec->side != GW_SPEC_CLIENT)
		mismatch(text, side, "", "has no side", NULL);
	if ((canon = gw_spec_canonical(spec)) == NULL)
		mismatch(text, side, "(null)", "is NULL", NULL);
	check_password(text, side, spec, canon);

	/* The fixed point, on the spec without its password. */
	bare = canon;
	if ((holder = with_password(spec)) != NULL) {
		pw = holder->password;
		holder->password = NULL;
		bare = gw_spec_canonical(spec);
		holder->password = pw;
		if (bare == NULL)
			mismatch(text, side, "(null)", "is NULL", NULL);
	}
	reparse(text, side, spec, bare, spec->side);
	if (side == GW_SPEC_EITHER)
		reparse(text, side, spec, bare, GW_SPEC_EITHER);
	if (bare != canon)
		free(bare);

	(void)gw_spec_is_tls(spec);
	(void)gw_spec_transport_name(spec->transport);
	if (spec->side == GW_SPEC_SERVER) {
		free(gw_spec_client_string(spec, other_connect, "dbg-host",
		    NULL));
		free(gw_spec_client_string(spec, other_kdsrv, NULL,
		    "ab 38 f7"));
	} else {
		client = gw_spec_client_string(other_serve, spec, "dbg-host",
		    NULL);
		free(client);
		/* As the daemon never does, but the API allows it. */
		free(gw_spec_client_string(spec, NULL, "dbg-host", NULL));
	}
	free(canon);
	gw_spec_free(spec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*text;

	init();
	if ((text = malloc(size + 1)) == NULL)
		return (0);
	memcpy(text, data, size);
	text[size] = '\0';
	one_side(text, GW_SPEC_SERVER);
	one_side(text, GW_SPEC_CLIENT);
	one_side(text, GW_SPEC_EITHER);
	free(text);
	return (0);
}
