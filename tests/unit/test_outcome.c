/*
 * test_outcome.c: the close reasons as a type (gateway/outcome.h): every
 * reason has a name and its own metrics class, the texts the log has always
 * used are spelled the same from (reason, detail), a failed connect's errno
 * maps to its reason, and a session's one log line says the first reason,
 * with ", then DEADLINE" when a deadline cut a session already ending.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <event2/event.h>

#include "config/config.h"
#include "gateway/gateway.h"
#include "gateway/log.h"
#include "gateway/metrics.h"
#include "gateway/outcome.h"
#include "gateway/route.h"
#include "gateway/session.h"
#include "transports/spec.h"
#include "transports/transport.h"

/* Every reason: a name of its own, and a metrics class of its own. */
static void
test_names(void **state)
{
	const char	*name, *other;
	int		 i, j;

	(void)state;
	assert_int_equal(GW_ROUTE_NREASONS, GW_CLOSE_NREASONS);
	for (i = 0; i < GW_CLOSE_NREASONS; i++) {
		name = gw_close_name((enum gw_close)i);
		assert_non_null(name);
		if (name[0] == '\0' || strcspn(name, ":,\"\\\n") != strlen(name))
			fail_msg("reason %d: name \"%s\" is empty or holds a "
			    "character a class or a label cannot", i, name);
		for (j = 0; j < i; j++) {
			other = gw_close_name((enum gw_close)j);
			if (strcmp(name, other) == 0)
				fail_msg("reasons %d and %d share the name %s",
				    j, i, name);
		}
		/* Its metrics class is itself, labelled with its name. */
		if (gw_metrics_reason_class(name) != (size_t)i)
			fail_msg("reason %d (%s) has no metrics class of its "
			    "own: %s", i, name, gw_metrics_reason_name(
			    gw_metrics_reason_class(name)));
		assert_string_equal(gw_metrics_reason_name((size_t)i), name);
	}
	/* Out of range is "other", never a crash. */
	assert_string_equal(gw_close_name(GW_CLOSE_NREASONS), "other");
	assert_string_equal(gw_close_name((enum gw_close)-1), "other");
	assert_false(gw_close_dial((enum gw_close)GW_CLOSE_NREASONS));
}

/* The texts of today's log lines, from (reason, detail), and back. */
static void
test_old_strings(void **state)
{
	static const struct {
		enum gw_close	 why;
		const char	*detail;
		const char	*text;
	} cases[] = {
		{ GW_CLOSE_CLIENT_CLOSED, NULL, "client closed" },
		{ GW_CLOSE_SERVER_CLOSED, NULL, "server closed" },
		{ GW_CLOSE_CLIENT_ERROR, "Connection timed out",
		  "client error: Connection timed out" },
		{ GW_CLOSE_SERVER_ERROR, "connection closed",
		  "server error: connection closed" },
		{ GW_CLOSE_CLIENT_RESET, NULL, "client reset" },
		{ GW_CLOSE_SERVER_RESET, NULL, "server reset" },
		{ GW_CLOSE_CLIENT_HUNG_UP, NULL, "client device hung up" },
		{ GW_CLOSE_SERVER_HUNG_UP, NULL, "server device hung up" },
		{ GW_CLOSE_CLIENT_LINK, "out of memory",
		  "client link: out of memory" },
		{ GW_CLOSE_SERVER_LINK, "out of memory",
		  "server link: out of memory" },
		{ GW_CLOSE_HANDSHAKE_FAILED, "certificate verify failed",
		  "handshake failed: certificate verify failed" },
		{ GW_CLOSE_HANDSHAKE_TIMEOUT, NULL, "handshake timeout" },
		{ GW_CLOSE_CONNECT_TIMEOUT, NULL, "connect timeout" },
		{ GW_CLOSE_CONNECT_TIMEOUT, "no process server has dialled in",
		  "connect timeout: no process server has dialled in" },
		{ GW_CLOSE_SERVER_REFUSED, NULL, "server refused" },
		{ GW_CLOSE_SERVER_UNREACHABLE, "No route to host",
		  "server unreachable: No route to host" },
		{ GW_CLOSE_SERVER_UNREACHABLE, "out of memory",
		  "server unreachable: out of memory" },
		{ GW_CLOSE_SERIAL_BUSY, NULL, "serial port busy" },
		{ GW_CLOSE_IDLE_TIMEOUT, NULL, "idle timeout" },
		{ GW_CLOSE_DRAIN_TIMEOUT, NULL, "drain timeout" },
		{ GW_CLOSE_ACCESS_DENIED, NULL, "access denied" },
		{ GW_CLOSE_SESSION_LIMIT, NULL, "session limit" },
		{ GW_CLOSE_DESCRIPTOR_LIMIT, "Too many open files",
		  "descriptor limit: Too many open files" },
		{ GW_CLOSE_OPERATOR, NULL, "disconnected by operator" },
		{ GW_CLOSE_ROUTE_ENDED, NULL, "route ended" },
		{ GW_CLOSE_ROUTE_ENDED_OPERATOR, NULL,
		  "route ended by operator" },
		{ GW_CLOSE_SERVER_ENDED, NULL, "process server ended" },
		{ GW_CLOSE_STOPPED, "deadline", "stopped: deadline" },
		{ GW_CLOSE_STOPPED, "signal", "stopped: signal" },
		{ GW_CLOSE_CLOSED, NULL, "closed" },
	};
	bool	 seen[GW_CLOSE_NREASONS] = { false };
	char	*text;
	size_t	 i;
	int	 j;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_non_null(text = gw_close_text(cases[i].why,
		    cases[i].detail));
		assert_string_equal(text, cases[i].text);
		free(text);
		/* Read back, the text names the same reason. */
		if (gw_metrics_reason_class(cases[i].text) !=
		    (size_t)cases[i].why)
			fail_msg("\"%s\" counts as \"%s\", not \"%s\"",
			    cases[i].text, gw_metrics_reason_name(
			    gw_metrics_reason_class(cases[i].text)),
			    gw_close_name(cases[i].why));
		seen[cases[i].why] = true;
	}
	/* Every reason the daemon gives is in the table ("other" it never). */
	for (j = 0; j < GW_CLOSE_NREASONS; j++) {
		if (!seen[j] && j != GW_CLOSE_OTHER)
			fail_msg("reason %s has no case", gw_close_name(
			    (enum gw_close)j));
	}
	/* An empty detail is kept, as "%s: %s" always wrote it. */
	assert_non_null(text = gw_close_text(GW_CLOSE_SERVER_UNREACHABLE, ""));
	assert_string_equal(text, "server unreachable: ");
	free(text);
}

/* The reasons that say the process server could not be reached. */
static void
test_dial(void **state)
{
	int	i;
	bool	want;

	(void)state;
	for (i = 0; i < GW_CLOSE_NREASONS; i++) {
		want = i == GW_CLOSE_HANDSHAKE_FAILED ||
		    i == GW_CLOSE_CONNECT_TIMEOUT ||
		    i == GW_CLOSE_SERVER_REFUSED ||
		    i == GW_CLOSE_SERVER_UNREACHABLE ||
		    i == GW_CLOSE_SERIAL_BUSY;
		if (gw_close_dial((enum gw_close)i) != want)
			fail_msg("%s: dial failure %s, want %s",
			    gw_close_name((enum gw_close)i),
			    want ? "no" : "yes", want ? "yes" : "no");
	}
}

/* A failed connect's errno (gw_endpoint_connect_cb) is its reason. */
static void
test_connect(void **state)
{
	(void)state;
	assert_int_equal(gw_close_connect(EBUSY), GW_CLOSE_SERIAL_BUSY);
	assert_int_equal(gw_close_connect(ECONNREFUSED),
	    GW_CLOSE_SERVER_REFUSED);
	assert_int_equal(gw_close_connect(ETIMEDOUT),
	    GW_CLOSE_SERVER_UNREACHABLE);
	assert_int_equal(gw_close_connect(EPERM), GW_CLOSE_SERVER_UNREACHABLE);
	assert_int_equal(gw_close_connect(0), GW_CLOSE_SERVER_UNREACHABLE);
}

/* ---------------------------------------------------------------- sessions */

/* A gateway with one route and no loop running: enough for a close. */
struct fixture {
	struct gw_gateway	 gw;
	struct gw_config_route	 conf;
	struct gw_route		 route;
	struct gw_route_counters counters;
};

static void
noop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

static int
fixture_setup(void **state)
{
	struct fixture	*f = calloc(1, sizeof *f);
	char		*cause = NULL;

	assert_non_null(f);
	assert_non_null(f->gw.base = event_base_new());
	assert_non_null(f->gw.reap = event_new(f->gw.base, -1, 0, noop,
	    NULL));
	TAILQ_INIT(&f->gw.routes);
	TAILQ_INIT(&f->gw.closed);
	TAILQ_INIT(&f->gw.counters);
	f->conf.name = "lab";
	f->counters.name = "lab";
	f->counters.committed = true;
	TAILQ_INSERT_TAIL(&f->gw.counters, &f->counters, entry);
	assert_int_equal(gw_spec_parse("tcp:port=5005", GW_SPEC_SERVER,
	    &f->conf.serve, &cause), 0);
	assert_int_equal(gw_spec_parse("tcp:server=127.0.0.1,port=5006",
	    GW_SPEC_CLIENT, &f->conf.connect, &cause), 0);
	f->route.gateway = &f->gw;
	f->route.conf = &f->conf;
	f->route.counters = &f->counters;
	f->route.serve_ops = gw_transport_ops(GW_SPEC_TCP);
	f->route.connect_ops = gw_transport_ops(GW_SPEC_TCP);
	TAILQ_INIT(&f->route.sessions);
	TAILQ_INSERT_TAIL(&f->gw.routes, &f->route, entry);
	gw_log_init(GW_LOG_INFO, false);
	*state = f;
	return (0);
}

static int
fixture_teardown(void **state)
{
	struct fixture	*f = *state;

	gw_session_reap(&f->gw);
	gw_spec_free(f->conf.serve);
	gw_spec_free(f->conf.connect);
	event_free(f->gw.reap);
	event_base_free(f->gw.base);
	free(f);
	return (0);
}

/* A session on the route, in state, with no links: as the accept made it. */
static struct gw_session *
session_new(struct fixture *f, enum gw_session_state st)
{
	struct gw_session	*s = calloc(1, sizeof *s);

	assert_non_null(s);
	assert_non_null(s->timer = evtimer_new(f->gw.base, noop, NULL));
	assert_non_null(s->flush = evtimer_new(f->gw.base, noop, NULL));
	s->id = 7;
	s->route = &f->route;
	s->state = st;
	s->client.session = s->server.session = s;
	s->client.side = "client";
	s->server.side = "server";
	s->client.ops = f->route.serve_ops;
	s->server.ops = f->route.connect_ops;
	snprintf(s->client.peer, sizeof s->client.peer, "127.0.0.1:40176");
	snprintf(s->server.peer, sizeof s->server.peer, "127.0.0.1:5006");
	TAILQ_INSERT_TAIL(&f->route.sessions, s, entry);
	f->route.nsessions++;
	f->counters.open++;
	return (s);
}

/*
 * How a session ends: closed, or cut at a deadline, with or without a first
 * reason recorded before.
 */
enum how { CLOSE, CUT, FIRST_THEN_CUT, FIRST_THEN_CLOSE };

/*
 * A session in state st, ended as how says with first (when recorded first)
 * and last: its log line's reason="..." value (malloc'd).
 */
static char *
closed_reason(struct fixture *f, enum gw_session_state st, enum how how,
    enum gw_close first, const char *first_detail, enum gw_close last,
    const char *last_detail)
{
	struct gw_session	*s = session_new(f, st);
	FILE			*capture;
	char			 line[2048], esc[512], *r, *end;
	int			 saved;

	fflush(stderr);
	assert_non_null(capture = tmpfile());
	assert_true((saved = dup(2)) != -1);
	assert_true(dup2(fileno(capture), 2) != -1);
	if (how == FIRST_THEN_CUT || how == FIRST_THEN_CLOSE)
		gw_session_reason(s, first, first_detail);
	if (how == CUT || how == FIRST_THEN_CUT)
		gw_session_cut(s, last, last_detail);
	else
		gw_session_close(s, last, last_detail);
	fflush(stderr);
	assert_true(dup2(saved, 2) != -1);
	close(saved);
	rewind(capture);
	line[0] = '\0';
	while (fgets(line, sizeof line, capture) != NULL &&
	    strstr(line, " info session 7 route=lab ") == NULL)
		line[0] = '\0';
	fclose(capture);
	if ((r = strstr(line, " reason=\"")) == NULL)
		fail_msg("no session line: %s", line);
	r += 9;
	assert_non_null(end = strrchr(r, '"'));
	*end = '\0';
	/* The text ctl show prints as "ending: ...", escaped for the log. */
	gw_log_escape(esc, sizeof esc, gw_session_reason_text(s));
	assert_string_equal(esc, r);
	return (strdup(r));
}

/* The one log line spells each way to end as it always has. */
static void
test_session_line(void **state)
{
	struct fixture		*f = *state;
	struct gw_route_stats	*st = &f->counters.stats;
	char			*r;

	r = closed_reason(f, GW_SESSION_RELAYING, FIRST_THEN_CUT,
	    GW_CLOSE_CLIENT_CLOSED, NULL, GW_CLOSE_DRAIN_TIMEOUT, NULL);
	assert_string_equal(r, "client closed, then drain timeout");
	free(r);
	assert_int_equal(st->closed[GW_CLOSE_CLIENT_CLOSED], 1);
	assert_int_equal(st->closed[GW_CLOSE_DRAIN_TIMEOUT], 0);

	r = closed_reason(f, GW_SESSION_DRAINING, FIRST_THEN_CUT,
	    GW_CLOSE_SERVER_ERROR, "Broken pipe", GW_CLOSE_STOPPED,
	    "deadline");
	assert_string_equal(r, "server error: Broken pipe, then stopped: "
	    "deadline");
	free(r);
	assert_int_equal(st->closed[GW_CLOSE_SERVER_ERROR], 1);

	/* A cut with no reason yet is the deadline alone. */
	r = closed_reason(f, GW_SESSION_RELAYING, CUT, 0, NULL,
	    GW_CLOSE_STOPPED, "deadline");
	assert_string_equal(r, "stopped: deadline");
	free(r);
	assert_int_equal(st->closed[GW_CLOSE_STOPPED], 1);

	/* A close keeps the first reason, and counts it. */
	r = closed_reason(f, GW_SESSION_DRAINING, FIRST_THEN_CLOSE,
	    GW_CLOSE_SERVER_RESET, NULL, GW_CLOSE_CLOSED, NULL);
	assert_string_equal(r, "server reset");
	free(r);
	assert_int_equal(st->closed[GW_CLOSE_SERVER_RESET], 1);
	assert_int_equal(st->closed[GW_CLOSE_CLOSED], 0);

	/* Refused at accept for want of descriptors: a class of its own. */
	r = closed_reason(f, GW_SESSION_ACCEPTED, CLOSE, 0, NULL,
	    GW_CLOSE_DESCRIPTOR_LIMIT, "Too many open files");
	assert_string_equal(r, "descriptor limit: Too many open files");
	free(r);
	assert_int_equal(st->closed[GW_CLOSE_DESCRIPTOR_LIMIT], 1);

	/* While connecting: a dial failure, with the transport's detail. */
	r = closed_reason(f, GW_SESSION_CONNECTING, CLOSE, 0, NULL,
	    gw_close_connect(ECONNREFUSED), NULL);
	assert_string_equal(r, "server refused");
	free(r);
	r = closed_reason(f, GW_SESSION_CONNECTING, CLOSE, 0, NULL,
	    GW_CLOSE_HANDSHAKE_FAILED, "a \"quoted\" peer");
	assert_string_equal(r, "handshake failed: a \\\"quoted\\\" peer");
	free(r);
	assert_int_equal(st->dial_failures, 2);

	assert_int_equal(st->closed[GW_CLOSE_OTHER], 0);
	assert_int_equal(f->route.nsessions, 0);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_old_strings),
		cmocka_unit_test(test_dial),
		cmocka_unit_test(test_connect),
		cmocka_unit_test_setup_teardown(test_session_line,
		    fixture_setup, fixture_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
