/*
 * test_control.c: the control request parser, the reload's diffing: which
 * routes of a new file may keep a running listener or clicon pool, and the
 * control socket's one refusal told apart (another live daemon serves it).
 */
#include <sys/stat.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "config/config.h"
#include "gateway/control.h"
#include "gateway/gateway.h"
#include "gateway/report.h"
#include "gateway/route.h"

struct parse_case {
	const char	*line;
	const char	*cmd;		/* NULL: an error is expected */
	const char	*arg;
	bool		 json;
	long		 timeout_ms;
	const char	*why;
};

static void
test_parse(void **state)
{
	static const struct parse_case cases[] = {
		{ "list", "list", NULL, false, -1, NULL },
		{ "list --json", "list", NULL, true, -1, NULL },
		{ "--json show 12", "show", "12", true, -1, NULL },
		{ "  disconnect\t7  ", "disconnect", "7", false, -1, NULL },
		{ "wait lab --timeout 500", "wait", "lab", false, 500, NULL },
		{ "wait --timeout 0", "wait", NULL, false, 0, NULL },
		{ "end", "end", NULL, false, -1, NULL },
		{ "", NULL, NULL, false, -1, "empty request" },
		{ "   ", NULL, NULL, false, -1, "empty request" },
		{ "show 1 2", NULL, NULL, false, -1, "too many arguments" },
		{ "wait --timeout", NULL, NULL, false, -1,
		  "--timeout takes milliseconds or a duration such as 10s" },
		{ "wait --timeout -5", NULL, NULL, false, -1,
		  "--timeout takes milliseconds or a duration such as 10s" },
		{ "wait --timeout 10s", "wait", NULL, false, 10000, NULL },
		{ "wait --timeout=250ms lab", "wait", "lab", false, 250, NULL },
		{ "--timeout=2m wait", "wait", NULL, false, 120000, NULL },
		{ "wait --timeout 10x", NULL, NULL, false, -1,
		  "--timeout takes milliseconds or a duration such as 10s" },
		{ "wait --timeout=", NULL, NULL, false, -1,
		  "--timeout takes milliseconds or a duration such as 10s" },
		{ "wait --timeout 900h", NULL, NULL, false, -1,
		  "--timeout takes milliseconds or a duration such as 10s" },
		{ "wait --timeout 99999999999999999999", NULL, NULL, false, -1,
		  "--timeout takes milliseconds or a duration such as 10s" },
	};
	struct gw_control_req	 req;
	const char		*why;
	char			 line[128];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(line, sizeof line, "%s", cases[i].line);
		why = NULL;
		if (cases[i].cmd == NULL) {
			if (gw_control_parse(line, &req, &why) != -1)
				fail_msg("'%s' parsed", cases[i].line);
			assert_string_equal(why, cases[i].why);
			continue;
		}
		if (gw_control_parse(line, &req, &why) != 0)
			fail_msg("'%s': %s", cases[i].line, why);
		assert_string_equal(req.cmd, cases[i].cmd);
		if (cases[i].arg == NULL)
			assert_null(req.arg);
		else
			assert_string_equal(req.arg, cases[i].arg);
		assert_int_equal(req.json, cases[i].json);
		assert_int_equal(req.timeout_ms, cases[i].timeout_ms);
	}
}

/* Routes built from an INI text, as gw_gateway_reload builds them. */
static struct gw_config *
load(const char *text)
{
	char			 path[] = "/tmp/test_control.XXXXXX";
	struct gw_config	*c = NULL;
	struct gw_errors	 errors = GW_ERRORS_INIT;
	int			 fd;

	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	if (gw_config_load(path, &c, &errors) != 0)
		fail_msg("%s", errors.n > 0 ? errors.v[0].text :
		    "out of memory");
	unlink(path);
	return (c);
}

static void
test_reload_diffing(void **state)
{
	static const char old_text[] =
	    "[route a]\nserve = tcp:port=5005\nbind = 127.0.0.1\n"
	    "connect = tcp:server=127.0.0.1,port=5006\n"
	    "[route p]\nserve = npipe:pipe=Dbg\n"
	    "connect = tcp:clicon=127.0.0.1,port=7000\n";
	/*
	 * a: the same listener in another spelling, a changed timeout;
	 * b: a's port on another address; p: its pipe's mode changed;
	 * q: p's pipe and the same clicon connect.
	 */
	static const char new_text[] =
	    "[route a]\nserve = TCP:Port=5005\nbind = 127.0.0.1\n"
	    "connect = tcp:server=127.0.0.1,port=5006\nidle_timeout = 1h\n"
	    "[route b]\nserve = tcp:port=5005\nbind = ::1\n"
	    "connect = tcp:server=127.0.0.1,port=5006\n"
	    "[route p]\nserve = npipe:pipe=Dbg\npipe_mode = 0660\n"
	    "connect = tcp:server=127.0.0.1,port=5006\n"
	    "[route q]\nserve = npipe:pipe=Dbg2\n"
	    "connect = tcp:port=7000,clicon=127.0.0.1\n";
	struct gw_gateway	 gw;
	struct gw_config	*oc, *nc;
	struct gw_route		*o[2], *n[4];
	struct gw_route_counters *c;
	char			*cause = NULL;
	size_t			 i;

	(void)state;
	memset(&gw, 0, sizeof gw);
	gw.pipe_dir = (char *)"/tmp";
	TAILQ_INIT(&gw.counters);
	oc = load(old_text);
	nc = load(new_text);
	for (i = 0; i < 2; i++)
		if ((o[i] = gw_route_new(&gw, oc, &oc->routes[i], &cause)) ==
		    NULL)
			fail_msg("%s", cause);
	for (i = 0; i < 4; i++)
		if ((n[i] = gw_route_new(&gw, nc, &nc->routes[i], &cause)) ==
		    NULL)
			fail_msg("%s", cause);

	assert_true(gw_route_same_listen(n[0], o[0]));	/* canonical form */
	assert_false(gw_route_same_listen(n[1], o[0]));	/* other bind */
	assert_false(gw_route_same_listen(n[2], o[1]));	/* pipe_mode */
	assert_false(gw_route_same_listen(n[3], o[1]));	/* other pipe */
	assert_false(gw_route_same_listen(n[0], o[1]));

	/* Only a clicon connect has a pool to keep, matched by its spec. */
	assert_false(gw_route_same_prepare(n[0], o[0]));
	assert_false(gw_route_same_prepare(n[2], o[1]));
	assert_true(gw_route_same_prepare(n[3], o[1]));	/* key order */

	/* A route name's counts are one, whatever the reload made anew. */
	assert_ptr_equal(n[0]->counters, o[0]->counters);
	assert_ptr_equal(n[2]->counters, o[1]->counters);
	assert_ptr_not_equal(n[1]->counters, n[0]->counters);
	assert_string_equal(n[3]->counters->name, "q");

	for (i = 0; i < 2; i++)
		gw_route_free(o[i]);
	for (i = 0; i < 4; i++)
		gw_route_free(n[i]);
	while ((c = TAILQ_FIRST(&gw.counters)) != NULL) {
		TAILQ_REMOVE(&gw.counters, c, entry);
		free(c->name);
		free(c);
	}
	gw_config_free(oc);
	gw_config_free(nc);
}

/*
 * `ctl list --json` prints each route's specs in canonical form: a kdsrv
 * net: key is masked like a password (dbgbridge.ini(5) "trans=").
 */
static void
test_routes_json_masks_key(void **state)
{
	static const char text[] =
	    "[route kd]\nserve = tcp:port=5005\nbind = 127.0.0.1\n"
	    "connect = kdsrv:server=@{tcp:server=lab7,port=5006},"
	    "trans=@{net:port=50000,key=Sekr3t.K3y.A.B}\n";
	struct gw_gateway	 gw;
	struct gw_config	*c;
	struct gw_route		*r;
	struct gw_route_counters *k;
	struct evbuffer		*out = evbuffer_new();
	char			*cause = NULL, *doc;
	size_t			 len;

	(void)state;
	memset(&gw, 0, sizeof gw);
	gw.pipe_dir = (char *)"/tmp";
	TAILQ_INIT(&gw.routes);
	TAILQ_INIT(&gw.counters);
	c = load(text);
	if ((r = gw_route_new(&gw, c, &c->routes[0], &cause)) == NULL)
		fail_msg("%s", cause);
	TAILQ_INSERT_TAIL(&gw.routes, r, entry);
	assert_int_equal(gw_report_routes_json(&gw, out), 0);
	len = evbuffer_get_length(out);
	doc = calloc(1, len + 1);
	assert_non_null(doc);
	evbuffer_copyout(out, doc, len);
	assert_non_null(strstr(doc, "\"connect\":\"kdsrv:server=@{tcp:server="
	    "lab7,port=5006},trans=@{net:port=50000,key=*}\""));
	assert_null(strstr(doc, "Sekr3t"));
	free(doc);
	evbuffer_free(out);
	TAILQ_REMOVE(&gw.routes, r, entry);
	gw_route_free(r);
	while ((k = TAILQ_FIRST(&gw.counters)) != NULL) {
		TAILQ_REMOVE(&gw.counters, k, entry);
		free(k->name);
		free(k);
	}
	gw_config_free(c);
}

/*
 * gw_control_start says busy only when another live daemon serves the path,
 * as npipe's listen reports it (errno EADDRINUSE), not when the cause merely
 * reads so: a refused directory whose name holds "another live process" is
 * an error, not busy.
 */
static void
test_control_busy(void **state)
{
	struct gw_gateway	 gw;
	struct gw_control	*ctl, *ctl2;
	char			 tmp[] = "/tmp/dbgb-ctlbusy-XXXXXX";
	char			 path[256], odd[128], opath[256];
	char			*cause = NULL;
	bool			 busy = true;

	(void)state;
	memset(&gw, 0, sizeof gw);
	assert_non_null(gw.base = event_base_new());
	assert_non_null(mkdtemp(tmp));
	snprintf(path, sizeof path, "%s/control", tmp);
	ctl = gw_control_start(&gw, path, &busy, &cause);
	if (ctl == NULL)
		fail_msg("%s: %s", path, cause);
	assert_false(busy);

	/* The same path again: the first one serves it. */
	ctl2 = gw_control_start(&gw, path, &busy, &cause);
	assert_null(ctl2);
	assert_true(busy);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "another live process serves this pipe"));
	free(cause);
	cause = NULL;

	/* A directory others may write is refused: an error, not busy. */
	snprintf(odd, sizeof odd, "%s/another live process", tmp);
	assert_int_equal(mkdir(odd, 0700), 0);
	assert_int_equal(chmod(odd, 0777), 0);
	snprintf(opath, sizeof opath, "%s/control", odd);
	busy = true;
	ctl2 = gw_control_start(&gw, opath, &busy, &cause);
	assert_null(ctl2);
	assert_non_null(cause);
	if (busy)
		fail_msg("refused, not served by another process, but said "
		    "busy: %s", cause);
	free(cause);
	cause = NULL;

	/* No directory in the path: an error, not busy. */
	busy = true;
	assert_null(gw_control_start(&gw, "control", &busy, &cause));
	assert_false(busy);
	free(cause);

	gw_control_free(ctl);
	assert_int_equal(rmdir(odd), 0);
	assert_int_equal(rmdir(tmp), 0);
	event_base_free(gw.base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_reload_diffing),
		cmocka_unit_test(test_routes_json_masks_key),
		cmocka_unit_test(test_control_busy),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
