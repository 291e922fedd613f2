/*
 * test_config.c: config/ (the INI file to struct gw_config, the key table,
 * durations, CIDR lists).  Fixtures are tests/data/config-*.ini; small
 * one-key variations are written to temporary files.
 */

#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <sys/types.h>


#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "osdep/compat.h"
#include "osdep/net.h"
#include "osdep/osdep.h"
#include "config/config.h"

#ifndef TEST_DATA
#define TEST_DATA "tests/data"
#endif

#ifndef GW_SYSCONFDIR
#define GW_SYSCONFDIR "/etc"
#endif

#define SYNTAX "syntax error (lines are limited to 200 bytes; continue a " \
	"long value on an indented line)"

/* A route that is right as it is, for tests that vary one other key. */
#define ROUTE "[route t]\nserve = tcp:port=5005\n" \
	"connect = tcp:server=127.0.0.1,port=5006\n"
#define ROUTE_NO_SERVE "[route t]\nconnect = tcp:server=127.0.0.1,port=5006\n"
#define ROUTE_NO_CONNECT "[route t]\nserve = tcp:port=5005\n"
#define ROUTE_CLICON "[route t]\nserve = tcp:clicon=desk.example.com,port=7000\n" \
	"connect = tcp:server=127.0.0.1,port=5006\n"
#define ROUTE_SSL "[route t]\nserve = ssl:proto=tls1,certuser=gw,port=6000\n" \
	"connect = tcp:server=127.0.0.1,port=5006\n"

/* ---------------------------------------------------------------- helpers */

/*
 * The lines of an error list as main.c prints them, joined with newlines so
 * the expectations below read as the output does; NULL when there are none.
 * Frees the list.
 */
static char *
errors_text(struct gw_errors *e)
{
	char		*out = NULL, *n, buf[PATH_MAX + 32];
	const char	*where, *text;
	size_t		 i;

	for (i = 0; i < gw_errors_count(e); i++) {
		text = gw_errors_line(e, i, &where, buf, sizeof buf);
		if (asprintf(&n, "%s%s%s%s", out != NULL ? out : "",
		    out != NULL ? "\n" : "", where, text) == -1)
			fail();
		free(out);
		out = n;
	}
	gw_errors_free(e);
	return (out);
}

/* gw_config_load or gw_config_load_all, the errors as errors_text. */
static int
load_cause(int (*load)(const char *, struct gw_config **, struct gw_errors *),
    const char *path, struct gw_config **c, char **cause)
{
	struct gw_errors	e = GW_ERRORS_INIT;
	int			rc;

	rc = load(path, c, &e);
	*cause = errors_text(&e);
	return (rc);
}

/* gw_config_from_args, the errors as errors_text. */
static int
args_cause(const char *serve, const char *connect, bool persist,
    struct gw_config **c, char **cause)
{
	struct gw_errors	e = GW_ERRORS_INIT;
	int			rc;

	rc = gw_config_from_args(serve, connect, persist, c, &e);
	*cause = errors_text(&e);
	return (rc);
}

static struct gw_config *
load_ok(const char *name)
{
	struct gw_config	*c = NULL;
	char			*cause = NULL, path[PATH_MAX];

	snprintf(path, sizeof path, "%s/%s", TEST_DATA, name);
	if (load_cause(gw_config_load, path, &c, &cause) != 0) {
		print_error("%s: %s\n", path, cause);
		free(cause);
		fail();
	}
	assert_non_null(c);
	assert_string_equal(c->path, path);
	return (c);
}

/*
 * expect with each line's "N: " written out as the loader writes where an
 * error is ("PATH:N: "), and "-: " as "PATH: " (an error with no line);
 * other lines as they are.  Returns a malloc'd string.
 */
static char *
expand_where(const char *path, const char *expect)
{
	char		*out, *o;
	const char	*p, *nl, *d;
	size_t		 n, len;

	for (n = 1, p = expect; *p != '\0'; p++)
		n += *p == '\n';
	len = strlen(expect) + n * (strlen(path) + 2) + 1;
	assert_non_null(out = malloc(len));
	o = out;
	for (p = expect; ; p = nl + 1) {
		nl = strchr(p, '\n');
		for (d = p; *d >= '0' && *d <= '9'; d++)
			;
		if (d > p && d[0] == ':' && d[1] == ' ')
			o += sprintf(o, "%s:", path);
		else if (p[0] == '-' && p[1] == ':' && p[2] == ' ') {
			o += sprintf(o, "%s", path);
			p++;
		}
		n = nl != NULL ? (size_t)(nl - p) + 1 : strlen(p);
		memcpy(o, p, n);
		o += n;
		if (nl == NULL)
			break;
	}
	*o = '\0';
	return (out);
}

static void
load_err(const char *name, const char *expect)
{
	struct gw_config	*c = NULL;
	char			*cause = NULL, path[PATH_MAX], *want;

	snprintf(path, sizeof path, "%s/%s", TEST_DATA, name);
	assert_int_equal(load_cause(gw_config_load, path, &c, &cause), -1);
	assert_null(c);
	assert_non_null(cause);
	want = expand_where(path, expect);
	assert_string_equal(cause, want);
	free(want);
	free(cause);
}

/* Write text to a new temporary file; the caller unlinks it. */
static void
write_ini(const char *text, char *path, size_t len)
{
	const char	*dir = getenv("TMPDIR");
	FILE		*f;
	int		 fd;

	snprintf(path, len, "%s/test_config.XXXXXX",
	    dir != NULL && *dir != '\0' ? dir : "/tmp");
	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(f = fdopen(fd, "w"));
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/*
 * The temporary file's name in each line of cause becomes "FILE", so that
 * expectations can say where: "FILE:4: route t.serve: ...".
 */
static void
load_text_path(char *cause, const char *path)
{
	size_t	 n = strlen(path);
	char	*p;

	while ((p = strstr(cause, path)) != NULL) {
		memcpy(p, "FILE", 4);
		memmove(p + 4, p + n, strlen(p + n) + 1);
	}
}

/* Load text; return the config, or NULL with *cause. */
static struct gw_config *
load_text(const char *text, char **cause)
{
	struct gw_config	*c = NULL;
	char			 path[PATH_MAX];
	int			 rc;

	*cause = NULL;
	write_ini(text, path, sizeof path);
	rc = load_cause(gw_config_load, path, &c, cause);
	unlink(path);
	if (rc != 0) {
		assert_null(c);
		assert_non_null(*cause);
		load_text_path(*cause, path);
		return (NULL);
	}
	assert_null(*cause);
	assert_non_null(c);
	return (c);
}

static struct gw_config *
text_ok(const char *text)
{
	struct gw_config	*c;
	char			*cause;

	if ((c = load_text(text, &cause)) == NULL) {
		print_error("%s\n-> %s\n", text, cause);
		free(cause);
		fail();
	}
	return (c);
}

/*
 * Each line of cause starts "FILE:N: " (or "FILE: " for no line): with
 * expect's lines written as "N: ..." or "-: ..." the lines must match
 * exactly (expand_where); written without, the message after the prefix
 * must (the tables of values, where the line says nothing new).
 */
static void
text_err(const char *text, const char *expect)
{
	char	*cause, *want, *p, *q;

	if (load_text(text, &cause) != NULL)
		fail_msg("loaded, but expected: %s", expect);
	if ((expect[0] >= '0' && expect[0] <= '9') || expect[0] == '-') {
		want = expand_where("FILE", expect);
		assert_string_equal(cause, want);
		free(want);
		free(cause);
		return;
	}
	/* Strip each line's "FILE:N: ", which must be there. */
	for (p = cause; p != NULL; p = strchr(p, '\n') != NULL ?
	    strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, "FILE:", 5) != 0)
			fail_msg("no FILE:LINE in '%s'", p);
		for (q = p + 5; *q >= '0' && *q <= '9'; q++)
			;
		if (q == p + 5 || q[0] != ':' || q[1] != ' ')
			fail_msg("no FILE:LINE in '%s'", p);
		memmove(p, q + 2, strlen(q + 2) + 1);
	}
	assert_string_equal(cause, expect);
	free(cause);
}

/* One route's keys all at their defaults (serve, connect, bind apart). */
static void
assert_route_defaults(const struct gw_config_route *r)
{
	assert_int_equal(r->max_sessions, 0);
	assert_int_equal(r->connect_timeout_ms, 10000);
	assert_int_equal(r->handshake_timeout_ms, 10000);
	assert_int_equal(r->idle_timeout_ms, 0);
	assert_int_equal(r->drain_timeout_ms, 30000);
	assert_null(r->allow);
	assert_int_equal(r->nallow, 0);
	assert_null(r->client_ca);
	assert_true(r->persist);
	assert_int_equal(r->standby, 1);
	assert_int_equal(r->pipe_mode, 0600);
	assert_null(r->pipe_group);
}

static void
assert_gateway_defaults(const struct gw_config *c)
{
	assert_null(c->control);
	assert_int_equal(c->log_level, GW_LOG_INFO);
	assert_string_equal(c->log, "stderr");
	assert_int_equal(c->log_format, GW_LOG_TEXT);
	assert_int_equal(c->syslog_facility, GW_LOG_FACILITY_DAEMON);
	assert_null(c->metrics);
	assert_null(c->metrics_allow);
	assert_int_equal(c->nmetrics_allow, 0);
	assert_int_equal(c->metrics_max_connections, 16);
	assert_int_equal(c->metrics_timeout_ms, 10000);
	assert_null(c->pipe_dir);
	assert_null(c->user);
#ifdef _WIN32
	{
		/* %ProgramData%\dbgbridge on Windows (osdep-win32.c). */
		char	*dir = gw_os_machine_dir(), *want;

		assert_non_null(dir);
		assert_true(asprintf(&want, "%s/certs", dir) != -1);
		assert_string_equal(c->machine_store, want);
		free(want);
		free(dir);
	}
#else
	assert_string_equal(c->machine_store, GW_SYSCONFDIR "/dbgbridge/certs");
#endif
	assert_null(c->ca);
}

static void
addr_of(const char *text, int *family, uint8_t *addr)
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, text, addr) == 1)
		*family = AF_INET;
	else {
		assert_int_equal(inet_pton(AF_INET6, text, addr), 1);
		*family = AF_INET6;
	}
}

static struct gw_config_cidr
cidr(const char *text, unsigned prefix)
{
	struct gw_config_cidr	c;

	memset(&c, 0, sizeof c);
	addr_of(text, &c.family, c.addr);
	c.prefix = prefix;
	return (c);
}

static bool
match(const struct gw_config_cidr *list, size_t n, const char *text)
{
	uint8_t	addr[16];
	int	family;

	addr_of(text, &family, addr);
	return (gw_config_cidr_match(list, n, family, addr));
}

/* Saved environment for the user_store default. */
static char	*saved_xdg, *saved_home;

static int
env_save(void **state)
{
	const char	*s;

	(void)state;
	saved_xdg = (s = getenv("XDG_CONFIG_HOME")) != NULL ? strdup(s) : NULL;
	saved_home = (s = getenv("HOME")) != NULL ? strdup(s) : NULL;
	return (0);
}

static int
env_restore(void **state)
{
	(void)state;
	if (saved_xdg != NULL)
		setenv("XDG_CONFIG_HOME", saved_xdg, 1);
	else
		unsetenv("XDG_CONFIG_HOME");
	if (saved_home != NULL)
		setenv("HOME", saved_home, 1);
	else
		unsetenv("HOME");
	free(saved_xdg);
	free(saved_home);
	saved_xdg = saved_home = NULL;
	return (0);
}

/* ---------------------------------------------------------------- the key table */

static void
test_keys_table(void **state)
{
	static const struct {
		const char		*section;
		const char		*name;
		enum gw_config_type	 type;
		unsigned long		 min;
		unsigned long		 max;
		const char		*def;
		bool			 required;
	} want[] = {
		{ "gateway", "control", GW_CONFIG_PATH, 0, 0, NULL, false },
		{ "gateway", "log_level", GW_CONFIG_LEVEL, 0, 0, "info", false },
		{ "gateway", "log", GW_CONFIG_LOG, 0, 0, "stderr", false },
		{ "gateway", "log_max_size", GW_CONFIG_UINT, 0, UINT_MAX,
		  "10485760", false },
		{ "gateway", "log_keep", GW_CONFIG_UINT, 0, 1000, "5", false },
		{ "gateway", "log_format", GW_CONFIG_LOG_FORMAT, 0, 0, "text",
		  false },
		{ "gateway", "syslog_facility", GW_CONFIG_FACILITY, 0, 0,
		  "daemon", false },
		{ "gateway", "metrics", GW_CONFIG_HOSTPORT, 0, 0, NULL, false },
		{ "gateway", "metrics_allow", GW_CONFIG_CIDR_LIST, 0, 0, NULL,
		  false },
		{ "gateway", "metrics_max_connections", GW_CONFIG_UINT, 1, 1024,
		  "16", false },
		{ "gateway", "metrics_timeout", GW_CONFIG_DURATION, 100, 3600000,
		  "10s", false },
		{ "gateway", "pipe_dir", GW_CONFIG_PATH, 0, 0, NULL, false },
		{ "gateway", "user", GW_CONFIG_STRING, 0, 0, NULL, false },
		{ "gateway", "max_sessions", GW_CONFIG_UINT, 0, 1000000, "0",
		  false },
		{ "gateway", "stop_timeout", GW_CONFIG_DURATION, 0, UINT_MAX,
		  "60s", false },
		{ "tls", "user_store", GW_CONFIG_PATH, 0, 0,
		  "$XDG_CONFIG_HOME/dbgbridge/certs", false },
		{ "tls", "machine_store", GW_CONFIG_PATH, 0, 0,
		  GW_SYSCONFDIR "/dbgbridge/certs", false },
		{ "tls", "ca", GW_CONFIG_PATH, 0, 0, NULL, false },
		{ "route", "serve", GW_CONFIG_SERVER_SPEC, 0, 0, NULL, true },
		{ "route", "connect", GW_CONFIG_CLIENT_SPEC, 0, 0, NULL, true },
		{ "route", "bind", GW_CONFIG_STRING, 0, 0, NULL, false },
		{ "route", "max_sessions", GW_CONFIG_UINT, 0, 1000000, "0", false },
		{ "route", "connect_timeout", GW_CONFIG_DURATION, 1, UINT_MAX,
		  "10s", false },
		{ "route", "handshake_timeout", GW_CONFIG_DURATION, 1, UINT_MAX,
		  "10s", false },
		{ "route", "idle_timeout", GW_CONFIG_DURATION, 0, UINT_MAX, "0",
		  false },
		{ "route", "drain_timeout", GW_CONFIG_DURATION, 1, UINT_MAX,
		  "30s", false },
		{ "route", "allow", GW_CONFIG_CIDR_LIST, 0, 0, NULL, false },
		{ "route", "client_ca", GW_CONFIG_PATH, 0, 0, NULL, false },
		{ "route", "persist", GW_CONFIG_BOOL, 0, 0, "yes", false },
		{ "route", "standby", GW_CONFIG_UINT, 1, 64, "1", false },
		{ "route", "pipe_mode", GW_CONFIG_MODE, 0, 0777, "0600", false },
		{ "route", "pipe_group", GW_CONFIG_STRING, 0, 0, NULL, false },
	};
	const struct gw_config_key	*k;
	size_t				 n, i;

	(void)state;
	k = gw_config_keys(&n);
	assert_non_null(k);
	assert_int_equal(n, sizeof want / sizeof want[0]);
	for (i = 0; i < n; i++) {
		assert_string_equal(k[i].section, want[i].section);
		assert_string_equal(k[i].name, want[i].name);
		assert_int_equal(k[i].type, want[i].type);
		assert_int_equal(k[i].min, want[i].min);
		assert_int_equal(k[i].max, want[i].max);
		if (want[i].def == NULL)
			assert_null(k[i].def);
		else
			assert_string_equal(k[i].def, want[i].def);
		assert_int_equal(k[i].required, want[i].required);
		assert_non_null(k[i].help);
		assert_true(strlen(k[i].help) > 10);
		assert_null(strchr(k[i].help, '\n'));
	}
}

/*
 * The table's fields (config.h "gw_config_key"): words for the enumerated
 * types only, an aux field for specs and lists only, every offset inside its
 * struct, and needs_restart on exactly the [gateway] keys a running daemon
 * cannot change (dbgbridge(8) "SIGHUP").
 */
static void
test_keys_fields(void **state)
{
	static const char *restart[] = {
		"control", "metrics", "metrics_allow", "pipe_dir", "user",
	};
	const struct gw_config_key	*k;
	size_t				 n, i, j, size, nrestart = 0;
	bool				 words, aux;

	(void)state;
	k = gw_config_keys(&n);
	for (i = 0; i < n; i++) {
		words = k[i].type == GW_CONFIG_BOOL ||
		    k[i].type == GW_CONFIG_LEVEL || k[i].type == GW_CONFIG_LOG ||
		    k[i].type == GW_CONFIG_LOG_FORMAT ||
		    k[i].type == GW_CONFIG_FACILITY;
		aux = k[i].type == GW_CONFIG_SERVER_SPEC ||
		    k[i].type == GW_CONFIG_CLIENT_SPEC ||
		    k[i].type == GW_CONFIG_CIDR_LIST;
		if (words != (k[i].words != NULL && k[i].nwords > 0))
			fail_msg("%s.%s: words", k[i].section, k[i].name);
		if (aux != (k[i].aux != GW_CONFIG_NO_FIELD))
			fail_msg("%s.%s: aux", k[i].section, k[i].name);
		size = strcmp(k[i].section, "route") == 0 ?
		    sizeof (struct gw_config_route) : sizeof (struct gw_config);
		assert_true(k[i].field < size);
		assert_true(!aux || k[i].aux < size);
		assert_true(k[i].line_at == GW_CONFIG_NO_FIELD ||
		    k[i].line_at < size);
		for (j = 0; j < k[i].nwords; j++)
			assert_non_null(k[i].words[j].word);
		if (!k[i].needs_restart)
			continue;
		assert_string_equal(k[i].section, "gateway");
		for (j = 0; j < sizeof restart / sizeof restart[0]; j++)
			if (strcmp(restart[j], k[i].name) == 0)
				break;
		if (j == sizeof restart / sizeof restart[0])
			fail_msg("gateway.%s marked needs_restart", k[i].name);
		nrestart++;
	}
	assert_int_equal(nrestart, sizeof restart / sizeof restart[0]);
}

/*
 * gw_config_same, as reload's restart check uses it: each [gateway] and
 * [tls] key changed alone differs in that key and no other.
 */
static void
test_config_same(void **state)
{
	static const struct {
		const char	*name;
		const char	*text;
	} change[] = {
		{ "control", "control = /run/b.sock\n" },
		{ "log_level", "log_level = debug\n" },
		{ "log", "log = syslog\n" },
		{ "log_format", "log_format = json\n" },
		{ "metrics", "metrics = 127.0.0.1:9101\n"
		  "metrics_allow = 127.0.0.0/8\n" },
		{ "metrics_allow", "metrics = 127.0.0.1:9100\n"
		  "metrics_allow = 10.0.0.0/8\n" },
		{ "metrics_allow", "metrics = 127.0.0.1:9100\n"
		  "metrics_allow = 127.0.0.0/8, ::1\n" },
		{ "metrics_max_connections", "metrics_max_connections = 3\n" },
		{ "metrics_timeout", "metrics_timeout = 2s\n" },
		{ "pipe_dir", "pipe_dir = /run/other\n" },
		{ "user", "user = daemon\n" },
		{ "max_sessions", "max_sessions = 7\n" },
		{ "stop_timeout", "stop_timeout = 1s\n" },
		{ "ca", "[tls]\nca = /etc/ssl/ca.pem\n" },
	};
	const char			*base_gw = "[gateway]\n"
	    "metrics = 127.0.0.1:9100\nmetrics_allow = 127.0.0.0/8\n";
	const struct gw_config_key	*k;
	struct gw_config		*a, *a2, *b;
	char				 text[1024];
	size_t				 n, i, j;
	bool				 same;

	(void)state;
	k = gw_config_keys(&n);
	snprintf(text, sizeof text, ROUTE "%s", base_gw);
	a = text_ok(text);
	a2 = text_ok(text);
	for (j = 0; j < n; j++) {
		same = gw_config_same(&k[j], a, a2);
		if (strcmp(k[j].section, "route") == 0)
			assert_false(same);
		else if (!same)
			fail_msg("%s.%s differs between two loads of one file",
			    k[j].section, k[j].name);
	}
	for (i = 0; i < sizeof change / sizeof change[0]; i++) {
		/* A text that sets metrics replaces the base's two lines. */
		snprintf(text, sizeof text, ROUTE "[gateway]\n%s%s",
		    strncmp(change[i].text, "metrics = ", 10) == 0 ? "" :
		    base_gw + strlen("[gateway]\n"), change[i].text);
		b = text_ok(text);
		for (j = 0; j < n; j++) {
			if (strcmp(k[j].section, "route") == 0)
				continue;
			same = gw_config_same(&k[j], a, b);
			if (same == (strcmp(k[j].name, change[i].name) == 0))
				fail_msg("'%s': %s.%s %s", change[i].text,
				    k[j].section, k[j].name, same ? "same" :
				    "differs");
		}
		gw_config_free(b);
	}
	gw_config_free(a);
	gw_config_free(a2);
}

/*
 * The error list (config/errors.h): each entry's place reads "FILE:LINE: ",
 * "FILE: " or "", in the order added; move keeps order and the
 * out-of-memory mark, which reads as a last "out of memory" line.
 */
static void
test_errors_list(void **state)
{
	struct gw_errors	 a = GW_ERRORS_INIT, b = GW_ERRORS_INIT;
	const char		*text, *where;
	char			 buf[64], small[8];

	(void)state;
	assert_true(gw_errors_empty(&a));
	assert_int_equal(gw_errors_count(&a), 0);
	assert_int_equal(gw_errors_add(&a, "/etc/d.ini", 3, "gateway.%s: bad",
	    "log"), 0);
	assert_int_equal(gw_errors_add(&a, "/etc/d.ini", 0, "no route"), 0);
	assert_int_equal(gw_errors_add(&b, NULL, 7, "cannot open %s", "x"), 0);
	b.oom = true;
	assert_false(gw_errors_empty(&a));
	assert_int_equal(gw_errors_move(&a, &b), 0);
	assert_true(gw_errors_empty(&b));
	assert_int_equal(gw_errors_count(&a), 4);
	text = gw_errors_line(&a, 0, &where, buf, sizeof buf);
	assert_string_equal(where, "/etc/d.ini:3: ");
	assert_string_equal(text, "gateway.log: bad");
	text = gw_errors_line(&a, 1, &where, buf, sizeof buf);
	assert_string_equal(where, "/etc/d.ini: ");
	assert_string_equal(text, "no route");
	text = gw_errors_line(&a, 2, &where, buf, sizeof buf);
	assert_string_equal(where, "");
	assert_string_equal(text, "cannot open x");
	text = gw_errors_line(&a, 3, &where, buf, sizeof buf);
	assert_string_equal(where, "");
	assert_string_equal(text, "out of memory");
	/* A place longer than buf is cut, never overrun. */
	text = gw_errors_line(&a, 0, &where, small, sizeof small);
	assert_int_equal(strlen(where), sizeof small - 1);
	gw_errors_free(&a);
	assert_true(gw_errors_empty(&a));
	gw_errors_free(NULL);
}

/* ---------------------------------------------------------------- whole files */

static void
test_bundled(void **state)
{
	struct gw_config	*c;
	struct gw_config_route	*r;

	(void)state;
	c = load_ok("../../config/dbgbridge.ini");
	assert_gateway_defaults(c);
	assert_int_equal(c->nroutes, 1);
	r = &c->routes[0];
	assert_string_equal(r->name, "local");
	assert_string_equal(r->serve_text, "tcp:port=5005");
	assert_int_equal(r->serve->transport, GW_SPEC_TCP);
	assert_int_equal(r->serve->side, GW_SPEC_SERVER);
	assert_int_equal(r->serve->port_lo, 5005);
	assert_int_equal(r->serve->port_hi, 5005);
	assert_null(r->serve->clicon);
	assert_string_equal(r->connect_text, "tcp:server=127.0.0.1,port=5006");
	assert_int_equal(r->connect->transport, GW_SPEC_TCP);
	assert_int_equal(r->connect->side, GW_SPEC_CLIENT);
	assert_string_equal(r->connect->server, "127.0.0.1");
	assert_int_equal(r->connect->port_lo, 5006);
	assert_string_equal(r->bind, "127.0.0.1");
	assert_route_defaults(r);
	gw_config_free(c);
}

static void
test_defaults(void **state)
{
	struct gw_config	*c;
	struct gw_config_route	*r;

	(void)state;
	setenv("XDG_CONFIG_HOME", "/xdg/config", 1);
	c = load_ok("config-minimal.ini");
	assert_gateway_defaults(c);
#ifndef _WIN32	/* %APPDATA%\dbgbridge\certs there: test_default_user_store */
	assert_string_equal(c->user_store, "/xdg/config/dbgbridge/certs");
#endif
	assert_int_equal(c->nroutes, 1);
	r = &c->routes[0];
	assert_string_equal(r->name, "min");
	assert_string_equal(r->serve_text, "tcp:port=5005");
	assert_string_equal(r->connect_text, "tcp:server=127.0.0.1,port=5006");
	assert_null(r->bind);
	assert_route_defaults(r);
	gw_config_free(c);
}

static void
test_default_user_store(void **state)
{
	struct gw_config	*c;

	(void)state;
#ifdef _WIN32
	/* Windows: %APPDATA% (osdep-win32.c), whatever XDG says. */
	setenv("APPDATA", "C:\\Users\\tester\\AppData\\Roaming", 1);
	c = load_ok("config-minimal.ini");
	assert_string_equal(c->user_store,
	    "C:\\Users\\tester\\AppData\\Roaming/dbgbridge/certs");
	gw_config_free(c);
	unsetenv("APPDATA");
	c = load_ok("config-minimal.ini");
	assert_null(c->user_store);
	gw_config_free(c);
	return;
#endif
	/* XDG_CONFIG_HOME must be absolute; otherwise $HOME/.config. */
	setenv("XDG_CONFIG_HOME", "relative/config", 1);
	setenv("HOME", "/home/tester", 1);
	c = load_ok("config-minimal.ini");
	assert_string_equal(c->user_store, "/home/tester/.config/dbgbridge/certs");
	gw_config_free(c);

	unsetenv("XDG_CONFIG_HOME");
	c = load_ok("config-minimal.ini");
	assert_string_equal(c->user_store, "/home/tester/.config/dbgbridge/certs");
	gw_config_free(c);

	/* Neither: no user store. */
	unsetenv("HOME");
	c = load_ok("config-minimal.ini");
	assert_null(c->user_store);
	gw_config_free(c);

	/* A value in the file wins. */
	setenv("XDG_CONFIG_HOME", "/xdg", 1);
	c = text_ok(ROUTE "[tls]\nuser_store = /srv/user-certs\n");
	assert_string_equal(c->user_store, "/srv/user-certs");
	gw_config_free(c);
}

/* pipe_mode takes octal as chmod(1) does; pipe_group is kept as written. */
static void
test_pipe_keys(void **state)
{
	struct gw_config	*c;

	(void)state;
	text_err("[route p]\nserve = npipe:pipe=Dbg\n"
	    "connect = tcp:server=127.0.0.1,port=5006\nallow = 10.0.0.0/8\n",
	    "4: route p.allow: only a tcp or ssl serve has peer addresses to "
	    "check; a pipe's file mode (pipe_mode, pipe_group) or a serial "
	    "port's device decides who may connect");
	c = text_ok("[route p]\nserve = npipe:pipe=Dbg%d\n"
	    "connect = tcp:server=127.0.0.1,port=5006\n"
	    "pipe_mode = 660\npipe_group = debuggers\n");
	assert_int_equal(c->routes[0].pipe_mode, 0660);
	assert_string_equal(c->routes[0].pipe_group, "debuggers");
	gw_config_free(c);
	c = text_ok("[route p]\nserve = npipe:pipe=Dbg\n"
	    "connect = tcp:server=127.0.0.1,port=5006\npipe_mode = 0\n");
	assert_int_equal(c->routes[0].pipe_mode, 0);
	gw_config_free(c);
}

static void
test_full(void **state)
{
	struct gw_config	*c;
	struct gw_config_route	*r;
	const uint8_t		 net10[16] = { 10 };
	const uint8_t		 netfd[16] = { 0xfd };
	const uint8_t		 host[16] = { 192, 168, 1, 7 };

	(void)state;
	c = load_ok("config-full.ini");
	assert_string_equal(c->control, "/run/dbgbridge/control");
	assert_int_equal(c->log_level, GW_LOG_DEBUG);
	assert_string_equal(c->log, "syslog");
	assert_int_equal(c->log_format, GW_LOG_JSON);
	assert_int_equal(c->syslog_facility, GW_LOG_FACILITY_LOCAL3);
	assert_string_equal(c->metrics, "[::1]:9190");
	assert_string_equal(c->pipe_dir, "/run/dbgbridge/pipes");
	assert_string_equal(c->user, "nobody");
	assert_string_equal(c->user_store, "/home/me/certs");
	assert_string_equal(c->machine_store, "/srv/dbgbridge/certs");
	assert_string_equal(c->ca, "/etc/ssl/ca.pem");
	assert_int_equal(c->nroutes, 3);

	r = &c->routes[0];
	assert_string_equal(r->name, "lab7");
	assert_string_equal(r->serve_text,
	    "ssl:proto=tls1,certuser=gateway,port=6000");
	assert_int_equal(r->serve->transport, GW_SPEC_SSL);
	assert_int_equal(r->serve->port_lo, 6000);
	assert_string_equal(r->serve->cert, "gateway");
	assert_string_equal(r->connect_text,
	    "tcp:server=lab7.example.com,port=5005");
	assert_string_equal(r->connect->server, "lab7.example.com");
	assert_string_equal(r->bind, "::1");
	assert_int_equal(r->max_sessions, 8);
	assert_int_equal(r->connect_timeout_ms, 1500);
	assert_int_equal(r->handshake_timeout_ms, 5000);
	assert_int_equal(r->idle_timeout_ms, 7200000);
	assert_int_equal(r->drain_timeout_ms, 60000);
	assert_int_equal(r->nallow, 3);
	/* Host bits are cleared: 10.1.2.3/8 is 10.0.0.0/8. */
	assert_int_equal(r->allow[0].family, AF_INET);
	assert_int_equal(r->allow[0].prefix, 8);
	assert_memory_equal(r->allow[0].addr, net10, 16);
	assert_int_equal(r->allow[1].family, AF_INET6);
	assert_int_equal(r->allow[1].prefix, 8);
	assert_memory_equal(r->allow[1].addr, netfd, 16);
	/* An address is a network of one. */
	assert_int_equal(r->allow[2].family, AF_INET);
	assert_int_equal(r->allow[2].prefix, 32);
	assert_memory_equal(r->allow[2].addr, host, 16);
	assert_string_equal(r->client_ca, "/etc/dbgbridge/clients.pem");
	assert_false(r->persist);
	assert_int_equal(r->standby, 1);

	r = &c->routes[1];
	assert_string_equal(r->name, "reverse");
	assert_string_equal(r->serve->clicon, "desk.example.com");
	assert_int_equal(r->serve->port_lo, 7000);
	assert_int_equal(r->standby, 64);
	assert_null(r->bind);

	/* A route name of 64 bytes, every kind of character. */
	r = &c->routes[2];
	assert_string_equal(r->name, "A-z_0.9xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxx");
	assert_int_equal(strlen(r->name), 64);
	assert_int_equal(r->serve->transport, GW_SPEC_NPIPE);
	assert_string_equal(r->serve->pipe, "dbg");
	gw_config_free(c);
}

static void
test_missing_file(void **state)
{
	(void)state;
	load_err("config-missing.ini", "cannot open " TEST_DATA
	    "/config-missing.ini: No such file or directory");
}

static void
test_all_errors_together(void **state)
{
	(void)state;
	load_err("config-errors4.ini",
	    "2: gateway.log_level: must be one of error, warn, info, debug, "
	    "got 'loud'\n"
	    "6: route lab.connect: tcp: 'port' must be 1-65535, got '70000'\n"
	    "7: route lab.max_sessions: must be 0-1000000, got 'lots'\n"
	    "8: route lab.prsist: unknown key; did you mean 'persist'?");
}

static void
test_unknown(void **state)
{
	(void)state;
	load_err("config-unknown.ini",
	    "1: gatway: unknown section; did you mean [gateway]?\n"
	    "5: gateway.log_levle: unknown key; did you mean 'log_level'?\n"
	    "6: gateway.ca: unknown key; 'ca' belongs in [tls]\n"
	    "7: gateway.colour: unknown key\n"
	    "9: routes lab: unknown section; did you mean [route lab]?\n"
	    "12: mystery: unknown section; sections are [gateway], [tls] and "
	    "[route NAME]\n"
	    "16: tls.store: unknown key\n"
	    "21: route ok.conect_timeout: unknown key; did you mean "
	    "'connect_timeout'?");
	text_err(ROUTE "[rout]\n",
	    "4: rout: unknown section; did you mean [route NAME]?");
	text_err(ROUTE "[tsl]\n", "4: tsl: unknown section; did you mean "
	    "[tls]?");
	text_err(ROUTE "standby_links = 2\n",
	    "4: route t.standby_links: unknown key");
	text_err(ROUTE "[gateway]\nserve = tcp:port=1\n",
	    "5: gateway.serve: unknown key; 'serve' belongs in [route NAME]");
}

static void
test_sections(void **state)
{
	(void)state;
	load_err("config-sections.ini",
	    "1: 'orphan' is outside any section; put it under "
	    "[gateway], [tls] or [route NAME]\n"
	    "2: route: a route needs a name: [route NAME]\n"
	    "4: route bad/name: a route name is 1-64 letters, digits, '-', '_' "
	    "or '.'\n"
	    "5: gateway main: [gateway] takes no name\n"
	    "9: route OK: duplicate route; [route ok] is on line 6\n"
	    "11: route empty.serve: required key is missing (server-side spec: "
	    "where smart clients connect)\n"
	    "11: route empty.connect: required key is missing (client-side "
	    "spec: how to reach the process server)\n"
	    "12: empty section name []\n"
	    "13: route rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr: "
	    "a route name is 1-64 letters, digits, '-', '_' or '.'");
	/* Blanks inside the brackets and around the name do not count. */
	text_err("[ route   x ]\nserve = tcp:port=5005\n",
	    "1: route x.connect: required key is missing (client-side spec: how "
	    "to reach the process server)");
}

static void
test_no_route(void **state)
{
	(void)state;
	load_err("config-noroute.ini", "-: no route: a configuration needs at "
	    "least one [route NAME] with serve and connect");
	text_err("", "-: no route: a configuration needs at least one "
	    "[route NAME] with serve and connect");
}

static void
test_duplicate_key(void **state)
{
	(void)state;
	load_err("config-duplicate.ini",
	    "3: route lab.serve: duplicate key; first given on line 2\n"
	    "6: route lab.connect: duplicate key; first given on line 4\n"
	    "10: gateway.log: duplicate key; first given on line 8");
	/* Keys are case-insensitive, so is the duplicate. */
	text_err(ROUTE "Persist = yes\nPERSIST = no\n",
	    "5: route t.persist: duplicate key; first given on line 4");
}

/*
 * gw_config_load_all: the errors as gw_config_load reports them, and a
 * config of what is valid for the checks after the file's (one pass).
 */
static void
test_load_all(void **state)
{
	static const char text[] =
	    "[gateway]\nlog_level = loud\nuser = someone\n"
	    "[route good]\nserve = ssl:proto=tls1,certuser=gw,port=6000\n"
	    "connect = tcp:server=127.0.0.1,port=5006\n"
	    "[route bad]\nserve = tcp:port=70000\n"
	    "connect = tcp:server=127.0.0.1,port=5007\n";
	struct gw_config	*c = NULL;
	char			 path[PATH_MAX], *cause = NULL;
	char			 where[PATH_MAX + 32];

	(void)state;
	write_ini(text, path, sizeof path);
	assert_int_equal(load_cause(gw_config_load_all, path, &c, &cause), -1);
	assert_non_null(cause);
	assert_non_null(strstr(cause, ":2: gateway.log_level:"));
	assert_non_null(strstr(cause, ":8: route bad.serve: tcp: 'port'"));
	free(cause);
	assert_non_null(c);
	assert_int_equal(c->nroutes, 1);
	assert_string_equal(c->routes[0].name, "good");
	assert_int_equal(c->routes[0].line, 4);
	assert_int_equal(c->routes[0].serve_line, 5);
	assert_int_equal(c->routes[0].connect_line, 6);
	assert_string_equal(c->user, "someone");
	assert_int_equal(c->user_line, 3);
	gw_config_where(c, 5, where, sizeof where);
	assert_true(strncmp(where, path, strlen(path)) == 0);
	assert_string_equal(where + strlen(path), ":5: ");
	gw_config_where(c, 0, where, sizeof where);
	assert_string_equal(where + strlen(path), ": ");
	gw_config_free(c);
	unlink(path);
	/* Nothing to read: no config either. */
	c = NULL;
	assert_int_equal(load_cause(gw_config_load_all, "/nonexistent/d.ini",
	    &c, &cause), -1);
	assert_null(c);
	free(cause);
}

static void
test_continuation(void **state)
{
	struct gw_config	*c;
	struct gw_config_route	*r;
	const char		*serve =
	    "ssl:proto=tls1,certuser=/etc/dbgbridge/certificates/"
	    "issued-by-the-laboratory-ca/renewed-in-2024-for-three-years/"
	    "a-certificate-with-a-rather-long-name-that-does-not-fit-on-one-"
	    "line-of-the-configuration-file.pem,port=6000";

	(void)state;
	c = load_ok("config-continuation.ini");
	r = &c->routes[0];
	assert_true(strlen(serve) > 200);
	assert_string_equal(r->serve_text, serve);
	assert_string_equal(r->serve->cert, "/etc/dbgbridge/certificates/"
	    "issued-by-the-laboratory-ca/renewed-in-2024-for-three-years/"
	    "a-certificate-with-a-rather-long-name-that-does-not-fit-on-one-"
	    "line-of-the-configuration-file.pem");
	assert_int_equal(r->serve->port_lo, 6000);
	assert_string_equal(r->connect_text,
	    "tcp:server=lab7.example.com,port=5005");
	assert_int_equal(r->nallow, 2);
	assert_int_equal(r->allow[1].prefix, 16);
	gw_config_free(c);
}

static void
test_long_line(void **state)
{
	struct gw_config	*c;
	char			*text;
	size_t			 i;

	(void)state;
	/* The broken key is reported once, by line: not as missing. */
	load_err("config-long-line.ini", "3: " SYNTAX "\n5: " SYNTAX);

	/* inih's 200 bytes hold 198 and a newline (and a NUL); not 199. */
	assert_non_null(text = malloc(512));
	for (i = 198; i <= 199; i++) {
		snprintf(text, 512, ROUTE "[gateway]\nuser = %0*d\n",
		    (int)i - 7, 0);
		assert_int_equal(strlen(strstr(text, "user =")), i + 1);
		if (i == 198) {
			c = text_ok(text);
			assert_int_equal(strlen(c->user), 191);
			gw_config_free(c);
		} else
			text_err(text, "5: " SYNTAX);
	}

	/* The last line may fill the buffer when no newline follows. */
	snprintf(text, 512, ROUTE "[gateway]\nuser = %0*d", 199 - 7, 0);
	c = text_ok(text);
	assert_int_equal(strlen(c->user), 192);
	gw_config_free(c);
	free(text);
}

static void
test_syntax(void **state)
{
	(void)state;
	load_err("config-syntax.ini", "4: " SYNTAX);
	text_err(ROUTE "[tls\n", "4: " SYNTAX);
	text_err(ROUTE "= value\n", "4: " SYNTAX);
}

static void
test_password(void **state)
{
	struct gw_config	*c = NULL;
	char			*cause = NULL, path[PATH_MAX];

	(void)state;
	load_err("config-password.ini",
	    "2: route pw.serve: a route spec may not hold 'password'; the "
	    "debugging server checks it and dbgbridge forwards it untouched\n"
	    "3: route pw.connect: a route spec may not hold 'password'; the "
	    "debugging server checks it and dbgbridge forwards it untouched");

	/* The password itself never appears. */
	snprintf(path, sizeof path, "%s/config-password.ini", TEST_DATA);
	assert_int_equal(load_cause(gw_config_load, path, &c, &cause), -1);
	assert_null(strstr(cause, "Secret"));
	free(cause);
}

static void
test_side(void **state)
{
	(void)state;
	load_err("config-side.ini",
	    "2: route swapped.serve: this is a client-side spec; serve needs a "
	    "server-side spec (where smart clients connect), such as "
	    "tcp:port=5005\n"
	    "3: route swapped.connect: this is a server-side spec; connect needs "
	    "a client-side spec (how to reach the process server), such as "
	    "tcp:server=HOST,port=5005");
}

static void
test_ports(void **state)
{
	(void)state;
	load_err("config-ports.ini",
	    "7: route b.serve: port 5005 overlaps route a.serve (port 5005) on "
	    "the same address\n"
	    "12: route c.serve: port 5000:5010 overlaps route a.serve (port "
	    "5005) on the same address\n"
	    "34: route f.serve: port 7000 overlaps route d.serve (port 7000) on "
	    "the same address\n"
	    "41: route g.connect: port 8000 overlaps route g.serve (port 8000) "
	    "on the same address\n"
	    "48: route i.serve: pipe 'dbg' is also served by route h.serve");
}

static void
test_cross(void **state)
{
	(void)state;
	load_err("config-cross.ini",
	    "4: route plain.client_ca: needs an ssl or spipe serve (client "
	    "certificates are part of the TLS handshake)\n"
	    "5: route plain.standby: only a serve with clicon= dials links "
	    "ahead\n"
	    "6: route plain.bind: must be an IPv4 or IPv6 address (without "
	    "brackets) or a host name, got 'not_a_host!'\n"
	    "10: route pipe.bind: only a tcp or ssl serve listens on an "
	    "address\n"
	    "14: route dial.bind: this serve has clicon= and dials out; bind "
	    "applies to a serve that listens");
}

/*
 * gateway.metrics beyond loopback needs gateway.metrics_allow (metrics show
 * every peer and route), and metrics_allow needs metrics.
 */
static void
test_metrics_cross(void **state)
{
	static const char *const	 loopback[] = {
		"127.0.0.1:9190", "127.1.2.3:9190", "[::1]:9190",
		"localhost:9190", "LocalHost:9190", "[::ffff:127.0.0.1]:9190",
	};
	static const char *const	 others[] = {
		"0.0.0.0:9190", "[::]:9190", "10.1.2.3:9190", "lab7:9190",
		"128.0.0.1:9190", "[::2]:9190",
	};
	struct gw_config		*c;
	char				 text[256], expect[256];
	uint8_t				 addr[16];
	int				 family;
	size_t				 i;

	(void)state;
	for (i = 0; i < sizeof loopback / sizeof loopback[0]; i++) {
		snprintf(text, sizeof text, ROUTE "[gateway]\nmetrics = %s\n",
		    loopback[i]);
		c = text_ok(text);
		assert_string_equal(c->metrics, loopback[i]);
		assert_null(c->metrics_allow);
		gw_config_free(c);
	}
	for (i = 0; i < sizeof others / sizeof others[0]; i++) {
		snprintf(text, sizeof text, ROUTE "[gateway]\nmetrics = %s\n",
		    others[i]);
		snprintf(expect, sizeof expect, "gateway.metrics: %s is not a "
		    "loopback address; set gateway.metrics_allow to say who may "
		    "read it", others[i]);
		text_err(text, expect);
	}
	c = text_ok(ROUTE "[gateway]\nmetrics = 0.0.0.0:9190\n"
	    "metrics_allow = 10.0.0.0/8, ::1\n");
	assert_string_equal(c->metrics, "0.0.0.0:9190");
	assert_int_equal(c->nmetrics_allow, 2);
	addr_of("10.9.8.7", &family, addr);
	assert_true(gw_config_cidr_match(c->metrics_allow, c->nmetrics_allow,
	    family, addr));
	addr_of("192.168.1.1", &family, addr);
	assert_false(gw_config_cidr_match(c->metrics_allow, c->nmetrics_allow,
	    family, addr));
	gw_config_free(c);
	text_err(ROUTE "[gateway]\nmetrics_allow = 10.0.0.0/8\n",
	    "gateway.metrics_allow: needs gateway.metrics (the address metrics "
	    "are served on)");
	/* A broken list is its own error, not also "not a loopback address". */
	text_err(ROUTE "[gateway]\nmetrics = 0.0.0.0:9190\n"
	    "metrics_allow = lab7\n",
	    "gateway.metrics_allow: 'lab7' is not an IPv4 or IPv6 address or "
	    "network");
}

/* ---------------------------------------------------------------- values */

static void
test_bad_values(void **state)
{
	static const struct {
		const char	*text;
		const char	*expect;
	} t[] = {
		/* GW_CONFIG_LEVEL, GW_CONFIG_LOG */
		{ ROUTE "[gateway]\nlog_level = loud\n",
		  "gateway.log_level: must be one of error, warn, info, debug, "
		  "got 'loud'" },
		{ ROUTE "[gateway]\nlog = file\n",
		  "gateway.log: must be stderr, syslog or eventlog, or the "
		  "absolute path of a file, got 'file'" },
#ifndef _WIN32
		/* The Windows Event Log: none on Unix. */
		{ ROUTE "[gateway]\nlog = eventlog\n",
		  "gateway.log: eventlog: the Windows Event Log; this platform "
		  "has none (use syslog)" },
#endif
		/* A log file's keys without a log file. */
		{ ROUTE "[gateway]\nlog_keep = 3\n",
		  "gateway.log_keep: only applies with gateway.log = FILE, a "
		  "log file (log is stderr)" },
		{ ROUTE "[gateway]\nlog = syslog\nlog_max_size = 4096\n",
		  "gateway.log_max_size: only applies with gateway.log = FILE, "
		  "a log file (log is syslog)" },
		/* GW_CONFIG_LOG_FORMAT, GW_CONFIG_FACILITY */
		{ ROUTE "[gateway]\nlog_format = xml\n",
		  "gateway.log_format: must be text or json, got 'xml'" },
		{ ROUTE "[gateway]\nlog = syslog\nsyslog_facility = local9\n",
		  "gateway.syslog_facility: must be one of daemon, user, local0, "
		  "local1, local2, local3, local4, local5, local6, local7, got "
		  "'local9'" },
		{ ROUTE "[gateway]\nsyslog_facility = local3\n",
		  "gateway.syslog_facility: only applies with gateway.log = "
		  "syslog (log is stderr)" },
		/* GW_CONFIG_HOSTPORT */
		{ ROUTE "[gateway]\nmetrics = 9100\n",
		  "gateway.metrics: must be HOST:PORT or [IPV6]:PORT, got "
		  "'9100'" },
		{ ROUTE "[gateway]\nmetrics = ::1:9100\n",
		  "gateway.metrics: must be HOST:PORT or [IPV6]:PORT (an IPv6 "
		  "address goes in brackets), got '::1:9100'" },
		{ ROUTE "[gateway]\nmetrics = [::1:9100\n",
		  "gateway.metrics: must be HOST:PORT or [IPV6]:PORT, got "
		  "'[::1:9100'" },
		{ ROUTE "[gateway]\nmetrics = [10.0.0.1]:9100\n",
		  "gateway.metrics: must be HOST:PORT or [IPV6]:PORT, got "
		  "'[10.0.0.1]:9100'" },
		{ ROUTE "[gateway]\nmetrics = bad$host:9100\n",
		  "gateway.metrics: must be HOST:PORT or [IPV6]:PORT, got "
		  "'bad$host:9100'" },
		/* One host-name rule with spec.c's (transports/text.h). */
		{ ROUTE "[gateway]\nmetrics = a..b:9100\n",
		  "gateway.metrics: must be HOST:PORT or [IPV6]:PORT, got "
		  "'a..b:9100'" },
		{ ROUTE "bind = a..b\n",
		  "route t.bind: must be an IPv4 or IPv6 address (without "
		  "brackets) or a host name, got 'a..b'" },
		{ ROUTE "[gateway]\nmetrics = :9100\n",
		  "gateway.metrics: must be HOST:PORT or [IPV6]:PORT, got "
		  "':9100'" },
		{ ROUTE "[gateway]\nmetrics = 10.0.0.300:9100\n",
		  "gateway.metrics: must be HOST:PORT or [IPV6]:PORT, got "
		  "'10.0.0.300:9100'" },
		{ ROUTE "[gateway]\nmetrics = localhost:0\n",
		  "gateway.metrics: port must be 1-65535, got '0'" },
		{ ROUTE "[gateway]\nmetrics = [::1]:65536\n",
		  "gateway.metrics: port must be 1-65535, got '65536'" },
		{ ROUTE "[gateway]\nmetrics = localhost:http\n",
		  "gateway.metrics: port must be 1-65535, got 'http'" },
		/* GW_CONFIG_PATH, GW_CONFIG_STRING: not empty */
		{ ROUTE "[gateway]\ncontrol =\n",
		  "gateway.control: needs a value" },
		{ ROUTE "[gateway]\nuser = ; nobody\n",
		  "gateway.user: needs a value" },
		{ ROUTE "[tls]\nca =\n", "tls.ca: needs a value" },
		{ ROUTE "bind =\n", "route t.bind: needs a value" },
		/* GW_CONFIG_MODE */
		{ ROUTE "pipe_mode = 0999\n",
		  "route t.pipe_mode: must be an octal mode 0000-0777, got "
		  "'0999'" },
		{ ROUTE "pipe_mode = 1777\n",
		  "route t.pipe_mode: must be an octal mode 0000-0777, got "
		  "'1777'" },
		{ ROUTE "pipe_mode = -600\n",
		  "route t.pipe_mode: must be an octal mode 0000-0777, got "
		  "'-600'" },
		{ ROUTE "pipe_mode = rw\n",
		  "route t.pipe_mode: must be an octal mode 0000-0777, got 'rw'" },
		/* GW_CONFIG_UINT */
		{ ROUTE "max_sessions = 1000001\n",
		  "route t.max_sessions: must be 0-1000000, got '1000001'" },
		{ ROUTE "max_sessions = -1\n",
		  "route t.max_sessions: must be 0-1000000, got '-1'" },
		{ ROUTE "max_sessions = 1e3\n",
		  "route t.max_sessions: must be 0-1000000, got '1e3'" },
		{ ROUTE "max_sessions = 99999999999999999999999\n",
		  "route t.max_sessions: must be 0-1000000, got "
		  "'99999999999999999999999'" },
		{ ROUTE_CLICON "standby = 0\n",
		  "route t.standby: must be 1-64, got '0'" },
		{ ROUTE_CLICON "standby = 65\n",
		  "route t.standby: must be 1-64, got '65'" },
		/* GW_CONFIG_DURATION */
		{ ROUTE "connect_timeout = 0\n",
		  "route t.connect_timeout: must be at least 1ms, got '0'" },
		{ ROUTE "handshake_timeout = 0ms\n",
		  "route t.handshake_timeout: must be at least 1ms, got '0ms'" },
		{ ROUTE "connect_timeout = 10\n",
		  "route t.connect_timeout: '10' needs a unit: ms, s, m or h" },
		{ ROUTE "idle_timeout = 5d\n",
		  "route t.idle_timeout: '5d' is not a duration: use 0 or a "
		  "number followed by ms, s, m or h" },
		{ ROUTE "drain_timeout = 5000h\n",
		  "route t.drain_timeout: '5000h' is too long (at most "
		  "4294967295ms, about 1193h)" },
		/* GW_CONFIG_BOOL */
		{ ROUTE "persist = maybe\n",
		  "route t.persist: must be yes or no (or true/false, on/off, "
		  "1/0), got 'maybe'" },
		{ ROUTE "persist = y\n",
		  "route t.persist: must be yes or no (or true/false, on/off, "
		  "1/0), got 'y'" },
		/* GW_CONFIG_CIDR_LIST */
		{ ROUTE "allow = 10.0.0.0/33\n",
		  "route t.allow: '10.0.0.0/33': prefix must be 0-32" },
		{ ROUTE "allow = fe80::/129\n",
		  "route t.allow: 'fe80::/129': prefix must be 0-128" },
		{ ROUTE "allow = 10.0.0.0/\n",
		  "route t.allow: '10.0.0.0/': prefix must be 0-32" },
		{ ROUTE "allow = 10.0.0.0/-8\n",
		  "route t.allow: '10.0.0.0/-8': prefix must be 0-32" },
		{ ROUTE "allow = ::1, 10.0.0.0/8x\n",
		  "route t.allow: '10.0.0.0/8x': prefix must be 0-32" },
		{ ROUTE "allow = host.example.com\n",
		  "route t.allow: 'host.example.com' is not an IPv4 or IPv6 "
		  "address or network" },
		{ ROUTE "allow = 10.0.0/8\n",
		  "route t.allow: '10.0.0/8' is not an IPv4 or IPv6 address or "
		  "network" },
		{ ROUTE "allow = 10.0.0.0/8,,::1\n",
		  "route t.allow: empty entry in '10.0.0.0/8,,::1'" },
		{ ROUTE "allow = 10.0.0.0/8,\n",
		  "route t.allow: empty entry in '10.0.0.0/8,'" },
		/* GW_CONFIG_SERVER_SPEC, GW_CONFIG_CLIENT_SPEC */
		{ ROUTE_NO_SERVE "serve = tcp:port=70000\n",
		  "route t.serve: tcp: 'port' must be 1-65535, got '70000'" },
		{ ROUTE_NO_CONNECT "connect = tcp:server=lab,port=70000\n",
		  "route t.connect: tcp: 'port' must be 1-65535, got '70000'" },
		{ ROUTE_NO_SERVE "serve =\n", "route t.serve: needs a value" },
		{ ROUTE_NO_SERVE "serve = kdsrv:server=@{tcp:server=lab,"
		  "port=5005},trans=@{com:port=com1,baud=115200}\n",
		  "route t.serve: this is a client-side spec; serve needs a "
		  "server-side spec (where smart clients connect), such as "
		  "tcp:port=5005" },
		{ ROUTE_NO_CONNECT "connect = kdsrv:server=@{tcp:server=lab,"
		  "port=5005,password=Pw1},trans=@{com:port=com1,baud=115200}\n",
		  "route t.connect: a route spec may not hold 'password'; the "
		  "debugging server checks it and dbgbridge forwards it "
		  "untouched" },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		text_err(t[i].text, t[i].expect);
}

static void
test_good_values(void **state)
{
	static const struct {
		const char	*word;
		bool		 value;
	} bools[] = {
		{ "yes", true }, { "no", false }, { "true", true },
		{ "false", false }, { "on", true }, { "off", false },
		{ "1", true }, { "0", false }, { "YES", true }, { "Off", false },
	};
	static const struct {
		const char		*word;
		enum gw_log_level	 level;
	} levels[] = {
		{ "error", GW_LOG_ERROR }, { "warn", GW_LOG_WARN },
		{ "info", GW_LOG_INFO }, { "debug", GW_LOG_DEBUG },
		{ "DEBUG", GW_LOG_DEBUG },
	};
	static const char *metrics[] = {
		"127.0.0.1:9190", "[::1]:9190", "[::]:1", "localhost:65535",
		"metrics.example.com.:9190", "gw-1:80", "lab_7:9190",
	};
	static const char *binds[] = {
		"127.0.0.1", "0.0.0.0", "::1", "fe80::1", "localhost",
		"gw-1.example.com",
		/* '_' as in server= (transports/text.h) */
		"lab_7.example-1.net",
	};
	static const struct {
		const char	*text;
		unsigned	 ms;
	} durations[] = {
		{ "0", 0 }, { "0s", 0 }, { "250ms", 250 }, { "10s", 10000 },
		{ "5m", 300000 }, { "2h", 7200000 }, { "1193h", 4294800000U },
		{ "4294967295ms", 4294967295U },
	};
	struct gw_config	*c;
	char			 text[512];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof bools / sizeof bools[0]; i++) {
		snprintf(text, sizeof text, ROUTE "persist = %s\n", bools[i].word);
		c = text_ok(text);
		assert_int_equal(c->routes[0].persist, bools[i].value);
		gw_config_free(c);
	}
	for (i = 0; i < sizeof levels / sizeof levels[0]; i++) {
		snprintf(text, sizeof text, ROUTE "[gateway]\nlog_level = %s\n",
		    levels[i].word);
		c = text_ok(text);
		assert_int_equal(c->log_level, levels[i].level);
		gw_config_free(c);
	}
	for (i = 0; i < sizeof metrics / sizeof metrics[0]; i++) {
		/* Any address, with metrics_allow (see test_metrics_cross). */
		snprintf(text, sizeof text, ROUTE "[gateway]\nmetrics = %s\n"
		    "metrics_allow = 192.0.2.0/24\n", metrics[i]);
		c = text_ok(text);
		assert_string_equal(c->metrics, metrics[i]);
		gw_config_free(c);
	}
	for (i = 0; i < sizeof binds / sizeof binds[0]; i++) {
		snprintf(text, sizeof text, ROUTE "bind = %s\n", binds[i]);
		c = text_ok(text);
		assert_string_equal(c->routes[0].bind, binds[i]);
		gw_config_free(c);
	}
	for (i = 0; i < sizeof durations / sizeof durations[0]; i++) {
		snprintf(text, sizeof text, ROUTE "idle_timeout = %s\n",
		    durations[i].text);
		c = text_ok(text);
		assert_int_equal(c->routes[0].idle_timeout_ms, durations[i].ms);
		gw_config_free(c);
	}

	c = text_ok(ROUTE "max_sessions = 1000000\nconnect_timeout = 1ms\n"
	    "[gateway]\nlog = STDERR\n");
	assert_int_equal(c->routes[0].max_sessions, 1000000);
	assert_int_equal(c->routes[0].connect_timeout_ms, 1);
	assert_string_equal(c->log, "stderr");
	gw_config_free(c);

	c = text_ok(ROUTE_CLICON "standby = 1\n");
	assert_int_equal(c->routes[0].standby, 1);
	gw_config_free(c);

	c = text_ok(ROUTE_SSL "client_ca = /etc/ca.pem\n");
	assert_string_equal(c->routes[0].client_ca, "/etc/ca.pem");
	gw_config_free(c);

	/* A value keeps its inner blanks; inline comments go. */
	c = text_ok(ROUTE "[gateway]\npipe_dir = /srv/my pipes ; comment\n");
	assert_string_equal(c->pipe_dir, "/srv/my pipes");
	gw_config_free(c);
}

/* ---------------------------------------------------------------- durations */

static void
test_duration(void **state)
{
	static const struct {
		const char	*text;
		unsigned	 ms;
		const char	*cause;
	} t[] = {
		{ "0", 0, NULL },
		{ "00", 0, NULL },
		{ "0ms", 0, NULL },
		{ "1ms", 1, NULL },
		{ "1500ms", 1500, NULL },
		{ "10s", 10000, NULL },
		{ "90s", 90000, NULL },
		{ "5m", 300000, NULL },
		{ "2h", 7200000, NULL },
		{ "1193h", 4294800000U, NULL },
		{ "71582m", 4294920000U, NULL },
		{ "4294967s", 4294967000U, NULL },
		{ "4294967295ms", 4294967295U, NULL },
		{ "4294967296ms", 0,
		  "'4294967296ms' is too long (at most 4294967295ms, about 1193h)" },
		{ "4294968s", 0,
		  "'4294968s' is too long (at most 4294967295ms, about 1193h)" },
		{ "1194h", 0,
		  "'1194h' is too long (at most 4294967295ms, about 1193h)" },
		{ "99999999999999999999999h", 0,
		  "'99999999999999999999999h' is too long (at most 4294967295ms, "
		  "about 1193h)" },
		{ "10", 0, "'10' needs a unit: ms, s, m or h" },
		{ "99999999999999999999999", 0,
		  "'99999999999999999999999' needs a unit: ms, s, m or h" },
		{ "", 0, "'' is not a duration: use 0 or a number followed by ms, "
		  "s, m or h" },
		{ "s", 0, "'s' is not a duration: use 0 or a number followed by "
		  "ms, s, m or h" },
		{ "10x", 0, "'10x' is not a duration: use 0 or a number followed "
		  "by ms, s, m or h" },
		{ "10S", 0, "'10S' is not a duration: use 0 or a number followed "
		  "by ms, s, m or h" },
		{ "10 s", 0, "'10 s' is not a duration: use 0 or a number followed "
		  "by ms, s, m or h" },
		{ "1.5s", 0, "'1.5s' is not a duration: use 0 or a number followed "
		  "by ms, s, m or h" },
		{ "-1s", 0, "'-1s' is not a duration: use 0 or a number followed "
		  "by ms, s, m or h" },
		{ "+1s", 0, "'+1s' is not a duration: use 0 or a number followed "
		  "by ms, s, m or h" },
		{ "1h30m", 0, "'1h30m' is not a duration: use 0 or a number "
		  "followed by ms, s, m or h" },
	};
	unsigned	 ms;
	char		*cause;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		ms = 12345;
		cause = NULL;
		if (t[i].cause == NULL) {
			assert_int_equal(gw_config_parse_duration(t[i].text, &ms,
			    &cause), 0);
			assert_null(cause);
			assert_int_equal(ms, t[i].ms);
		} else {
			assert_int_equal(gw_config_parse_duration(t[i].text, &ms,
			    &cause), -1);
			assert_int_equal(ms, 12345);
			assert_non_null(cause);
			assert_string_equal(cause, t[i].cause);
			free(cause);
		}
	}
}

/* ---------------------------------------------------------------- CIDR */

static void
test_cidr_parse(void **state)
{
	struct gw_config	*c;
	struct gw_config_route	*r;
	struct gw_config_cidr	 want;

	(void)state;
	c = text_ok(ROUTE "allow = 192.168.1.77/26, 2001:db8::1234/32, "
	    "::ffff:10.9.8.7/104 , 0.0.0.0/0,::/0,172.16.0.1,fe80::1,"
	    "10.1.2.3/13\n");
	r = &c->routes[0];
	assert_int_equal(r->nallow, 8);

	want = cidr("192.168.1.64", 26);
	assert_memory_equal(&r->allow[0], &want, sizeof want);
	want = cidr("2001:db8::", 32);
	assert_memory_equal(&r->allow[1], &want, sizeof want);
	want = cidr("::ffff:10.0.0.0", 104);
	assert_memory_equal(&r->allow[2], &want, sizeof want);
	want = cidr("0.0.0.0", 0);
	assert_memory_equal(&r->allow[3], &want, sizeof want);
	want = cidr("::", 0);
	assert_memory_equal(&r->allow[4], &want, sizeof want);
	want = cidr("172.16.0.1", 32);
	assert_memory_equal(&r->allow[5], &want, sizeof want);
	want = cidr("fe80::1", 128);
	assert_memory_equal(&r->allow[6], &want, sizeof want);
	want = cidr("10.0.0.0", 13);
	assert_memory_equal(&r->allow[7], &want, sizeof want);

	assert_true(match(r->allow, r->nallow, "192.168.1.100"));
	assert_true(match(r->allow, r->nallow, "2001:db8:ffff::1"));
	gw_config_free(c);
}

static void
test_cidr_match(void **state)
{
	struct gw_config_cidr	v4[] = { cidr("10.0.0.0", 8) };
	struct gw_config_cidr	v4odd[] = { cidr("172.16.0.0", 12) };
	struct gw_config_cidr	v6[] = { cidr("fd00::", 8) };
	struct gw_config_cidr	host[] = { cidr("192.0.2.7", 32) };
	struct gw_config_cidr	host6[] = { cidr("2001:db8::7", 128) };
	struct gw_config_cidr	any4[] = { cidr("0.0.0.0", 0) };
	struct gw_config_cidr	any6[] = { cidr("::", 0) };
	struct gw_config_cidr	mapped[] = { cidr("::ffff:10.0.0.0", 104) };
	struct gw_config_cidr	mapped96[] = { cidr("::ffff:0.0.0.0", 96) };
	struct gw_config_cidr	v6zero[] = { cidr("::", 64) };
	struct gw_config_cidr	both[] = { cidr("192.0.2.0", 24),
				    cidr("2001:db8::", 32) };
	uint8_t			addr[16] = { 10, 0, 0, 1 };

	(void)state;
	/* IPv4 networks, and IPv4-mapped IPv6 addresses in them. */
	assert_true(match(v4, 1, "10.0.0.0"));
	assert_true(match(v4, 1, "10.255.255.255"));
	assert_false(match(v4, 1, "11.0.0.0"));
	assert_false(match(v4, 1, "9.255.255.255"));
	assert_true(match(v4, 1, "::ffff:10.1.2.3"));
	assert_false(match(v4, 1, "::ffff:11.1.2.3"));
	assert_false(match(v4, 1, "::10.1.2.3"));	/* not mapped */
	assert_false(match(v4, 1, "fd00::1"));
	assert_true(match(v4odd, 1, "172.31.255.255"));
	assert_false(match(v4odd, 1, "172.32.0.0"));
	assert_false(match(v4odd, 1, "172.15.255.255"));
	assert_true(match(host, 1, "192.0.2.7"));
	assert_false(match(host, 1, "192.0.2.6"));
	assert_true(match(host, 1, "::ffff:192.0.2.7"));

	/* IPv6 networks. */
	assert_true(match(v6, 1, "fd12:3456::1"));
	assert_false(match(v6, 1, "fe80::1"));
	assert_false(match(v6, 1, "10.0.0.1"));
	assert_true(match(host6, 1, "2001:db8::7"));
	assert_false(match(host6, 1, "2001:db8::8"));

	/* Prefix 0: every address of the family. */
	assert_true(match(any4, 1, "0.0.0.0"));
	assert_true(match(any4, 1, "255.255.255.255"));
	assert_true(match(any4, 1, "::ffff:1.2.3.4"));
	assert_false(match(any4, 1, "2001:db8::1"));
	assert_true(match(any6, 1, "2001:db8::1"));
	assert_true(match(any6, 1, "::"));
	/* ::/0 is IPv6 only: no IPv4 peer, however a listener sees it. */
	assert_false(match(any6, 1, "1.2.3.4"));
	assert_false(match(any6, 1, "127.0.0.1"));
	assert_false(match(any6, 1, "::ffff:1.2.3.4"));
	assert_false(match(v6, 1, "::ffff:1.2.3.4"));
	assert_true(match(both, 2, "::ffff:192.0.2.9"));
	assert_false(match(both, 2, "::ffff:32.1.13.184"));	/* 2001:db8 */
	/* ::ffff:0:0/96 written on purpose holds every IPv4 peer. */
	assert_true(match(mapped96, 1, "1.2.3.4"));
	assert_true(match(mapped96, 1, "::ffff:1.2.3.4"));
	assert_false(match(mapped96, 1, "2001:db8::1"));
	/* A wider IPv6 network that covers ::ffff:0:0/96 is still IPv6 only. */
	assert_false(match(v6zero, 1, "1.2.3.4"));
	assert_true(match(v6zero, 1, "::1"));

	/* A mapped network holds IPv4 addresses. */
	assert_true(match(mapped, 1, "10.200.0.1"));
	assert_true(match(mapped, 1, "::ffff:10.200.0.1"));
	assert_false(match(mapped, 1, "11.0.0.1"));

	/* Lists: any network. */
	assert_true(match(both, 2, "192.0.2.200"));
	assert_true(match(both, 2, "2001:db8:1::1"));
	assert_false(match(both, 2, "198.51.100.1"));
	assert_false(match(both, 1, "2001:db8:1::1"));

	/* An empty list matches everything; an unknown family nothing. */
	assert_true(gw_config_cidr_match(NULL, 0, AF_INET, addr));
	assert_true(gw_config_cidr_match(NULL, 0, AF_INET6, addr));
	assert_false(gw_config_cidr_match(any4, 1, AF_UNIX, addr));
	assert_false(gw_config_cidr_match(any6, 1, AF_UNIX, addr));
}

/* ---------------------------------------------------------------- -s / -c */

static void
test_from_args(void **state)
{
	struct gw_config	*c = NULL;
	struct gw_config_route	*r;
	char			*cause = NULL;

	(void)state;
	setenv("XDG_CONFIG_HOME", "/xdg", 1);
	assert_int_equal(args_cause("tcp:port=5005",
	    "tcp:server=lab7,port=5006", false, &c, &cause), 0);
	assert_null(cause);
	assert_null(c->path);
	assert_gateway_defaults(c);
#ifndef _WIN32	/* %APPDATA% there: test_default_user_store */
	assert_string_equal(c->user_store, "/xdg/dbgbridge/certs");
#endif
	assert_int_equal(c->nroutes, 1);
	r = &c->routes[0];
	assert_string_equal(r->name, "cli");
	assert_string_equal(r->serve_text, "tcp:port=5005");
	assert_int_equal(r->serve->port_lo, 5005);
	assert_string_equal(r->connect_text, "tcp:server=lab7,port=5006");
	assert_string_equal(r->connect->server, "lab7");
	assert_null(r->bind);
	assert_false(r->persist);
	r->persist = true;
	assert_route_defaults(r);
	gw_config_free(c);

	c = NULL;
	assert_int_equal(args_cause("tcp:port=5005",
	    "tcp:server=lab7,port=5006", true, &c, &cause), 0);
	assert_true(c->routes[0].persist);
	gw_config_free(c);
}

static void
test_from_args_errors(void **state)
{
	static const struct {
		const char	*serve;
		const char	*connect;
		const char	*expect;
	} t[] = {
		{ "tcp:port=70000", "tcp:server=lab7,port=5006",
		  "route cli.serve: tcp: 'port' must be 1-65535, got '70000'" },
		{ "tcp:port=70000", "tcp:port=5006",
		  "route cli.serve: tcp: 'port' must be 1-65535, got '70000'\n"
		  "route cli.connect: this is a server-side spec; connect needs "
		  "a client-side spec (how to reach the process server), such "
		  "as tcp:server=HOST,port=5005" },
		{ "tcp:port=5005,password=Secret1", "tcp:server=lab7,port=5006",
		  "route cli.serve: a route spec may not hold 'password'; the "
		  "debugging server checks it and dbgbridge forwards it "
		  "untouched" },
		{ "", "tcp:server=lab7,port=5006",
		  "route cli.serve: needs a value" },
		{ NULL, NULL,
		  "route cli.serve: required key is missing (server-side spec: "
		  "where smart clients connect)\n"
		  "route cli.connect: required key is missing (client-side spec: "
		  "how to reach the process server)" },
		{ "tcp:port=5005", "tcp:clicon=lab7,port=5005",
		  "route cli.connect: port 5005 overlaps route cli.serve (port "
		  "5005) on the same address" },
	};
	struct gw_config	*c;
	char			*cause;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		c = NULL;
		cause = NULL;
		assert_int_equal(args_cause(t[i].serve, t[i].connect,
		    true, &c, &cause), -1);
		assert_null(c);
		assert_non_null(cause);
		assert_string_equal(cause, t[i].expect);
		free(cause);
	}
}

static void
test_free_null(void **state)
{
	(void)state;
	gw_config_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_table),
		cmocka_unit_test(test_keys_fields),
		cmocka_unit_test(test_config_same),
		cmocka_unit_test(test_errors_list),
		cmocka_unit_test_setup_teardown(test_bundled, env_save,
		    env_restore),
		cmocka_unit_test_setup_teardown(test_defaults, env_save,
		    env_restore),
		cmocka_unit_test_setup_teardown(test_default_user_store,
		    env_save, env_restore),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_pipe_keys),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_all_errors_together),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_no_route),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_load_all),
		cmocka_unit_test(test_continuation),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_password),
		cmocka_unit_test(test_side),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_cross),
		cmocka_unit_test(test_metrics_cross),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_good_values),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_cidr_parse),
		cmocka_unit_test(test_cidr_match),
		cmocka_unit_test_setup_teardown(test_from_args, env_save,
		    env_restore),
		cmocka_unit_test(test_from_args_errors),
		cmocka_unit_test(test_free_null),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
