/*
 * gateway.c: the loop, the routes and the signals.  See gateway.h.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/control.h"
#include "gateway/gateway.h"
#include "gateway/log.h"
#include "gateway/metrics.h"
#include "gateway/notify.h"
#include "gateway/session.h"

/* Does a route still use this configuration? */
static bool
gateway_config_used(struct gw_gateway *gw, const struct gw_config *config)
{
	struct gw_route	*r;

	TAILQ_FOREACH(r, &gw->routes, entry) {
		if (r->config == config)
			return (true);
	}
	return (false);
}

/* Free a route and, with its last route, a configuration a reload replaced. */
static void
gateway_route_free(struct gw_gateway *gw, struct gw_route *route)
{
	struct gw_config	*config = route->config;

	TAILQ_REMOVE(&gw->routes, route, entry);
	gw_route_free(route);
	if (config != gw->config && !gateway_config_used(gw, config))
		gw_config_free(config);
}

/* Free closed sessions, then retired routes whose last session has gone. */
static void
gateway_reap(evutil_socket_t fd, short what, void *arg)
{
	struct gw_gateway	*gw = arg;
	struct gw_route		*r, *next;

	(void)fd;
	(void)what;
	gw_session_reap(gw);
	for (r = TAILQ_FIRST(&gw->routes); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		if (r->reaped && r->nsessions == 0)
			gateway_route_free(gw, r);
	}
}

/* Append "line" to a newline-separated message list. */
static void
gateway_append(char **list, const char *line)
{
	char	*n;

	if (asprintf(&n, "%s%s%s", *list != NULL ? *list : "",
	    *list != NULL ? "\n" : "", line) == -1)
		return;
	free(*list);
	*list = n;
}

/* [gateway] user: the account exists (checked by -n, before binding). */
static int
gateway_user_check(const struct gw_config *config, char **errors)
{
	char	line[160];

	if (config->user == NULL || getpwnam(config->user) != NULL)
		return (0);
	snprintf(line, sizeof line, "gateway.user: no such user '%s'",
	    config->user);
	gateway_append(errors, line);
	return (-1);
}

/*
 * [gateway] user: once everything is bound, become that user (setgid,
 * initgroups, setuid, in that order, and check that root cannot be had
 * back: setuid(2), initgroups(3)).  The runtime directory becomes the user's
 * so its sockets can still be removed at exit.  Without root, only the
 * current user is accepted.  Returns 0, or -1 (logged).
 */
static int
gateway_drop_privileges(struct gw_gateway *gw)
{
	const char	*user = gw->config->user;
	struct passwd	*pw;

	if (user == NULL)
		return (0);
	if ((pw = getpwnam(user)) == NULL) {
		gw_log_error("gateway.user: no such user '%s'", user);
		return (-1);
	}
	if (getuid() != 0 || geteuid() != 0) {
		if (pw->pw_uid == geteuid())
			return (0);
		gw_log_error("gateway.user: becoming '%s' needs root; dbgbridge "
		    "runs as uid %lu", user, (unsigned long)geteuid());
		return (-1);
	}
	if (chown(gw->pipe_dir, pw->pw_uid, pw->pw_gid) == -1 && errno != ENOENT)
		gw_log_warn("gateway.user: %s: chown: %s", gw->pipe_dir,
		    strerror(errno));
	if (setgid(pw->pw_gid) == -1 || initgroups(pw->pw_name,
	    pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1) {
		gw_log_error("gateway.user: cannot become '%s': %s", user,
		    strerror(errno));
		return (-1);
	}
	if (pw->pw_uid != 0 && (setuid(0) != -1 || seteuid(0) != -1)) {
		gw_log_error("gateway.user: root could be regained after "
		    "becoming '%s'", user);
		return (-1);
	}
	gw_log_info("running as user %s (uid %lu, gid %lu)", user,
	    (unsigned long)pw->pw_uid, (unsigned long)pw->pw_gid);
	return (0);
}

char *
gw_gateway_runtime_dir(void)
{
	const char	*xdg = getenv("XDG_RUNTIME_DIR");
	const char	*sd = getenv("RUNTIME_DIRECTORY");
	char		*dir;

	/* systemd's RuntimeDirectory=: the first of its paths. */
	if (sd != NULL && sd[0] == '/')
		return (strndup(sd, strcspn(sd, ":")));
	if (getuid() == 0)
		return (strdup("/run/dbgbridge"));
	if (xdg != NULL && xdg[0] == '/')
		return (asprintf(&dir, "%s/dbgbridge", xdg) == -1 ? NULL : dir);
	return (asprintf(&dir, "/tmp/dbgbridge-%lu", (unsigned long)getuid()) ==
	    -1 ? NULL : dir);
}

/* Where npipe and spipe names live: [gateway] pipe_dir, else the runtime dir. */
static char *
gateway_pipe_dir(const struct gw_config *config)
{
	if (config->pipe_dir != NULL)
		return (strdup(config->pipe_dir));
	return (gw_gateway_runtime_dir());
}

struct gw_gateway *
gw_gateway_new(struct gw_config *config, char **cause)
{
	struct gw_gateway	*gw;
	struct gw_route		*route;
	char			*why;
	struct rlimit		 rl;
	size_t			 i;

	*cause = NULL;
	if ((gw = calloc(1, sizeof *gw)) == NULL) {
		gw_config_free(config);
		*cause = strdup("out of memory");
		return (NULL);
	}
	gw->config = config;
	if ((gw->pipe_dir = gateway_pipe_dir(config)) == NULL) {
		gw_gateway_free(gw);
		*cause = strdup("out of memory");
		return (NULL);
	}
	TAILQ_INIT(&gw->routes);
	TAILQ_INIT(&gw->closed);
	/*
	 * Read once: only another process (prlimit(1)) could change it, and a
	 * lower limit than we know of only makes accept(2) fail with EMFILE,
	 * which pauses accepting (transports/transport.c).
	 */
	gw->fd_limit = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur :
	    RLIM_INFINITY;
	if ((gw->base = event_base_new()) == NULL ||
	    (gw->reap = event_new(gw->base, -1, 0, gateway_reap, gw)) == NULL) {
		*cause = strdup("cannot make the event loop");
		gw_gateway_free(gw);
		return (NULL);
	}
	gateway_user_check(config, cause);
	for (i = 0; i < config->nroutes; i++) {
		why = NULL;
		route = gw_route_new(gw, config, &config->routes[i], &why);
		if (route == NULL) {
			gateway_append(cause, why != NULL ? why : "out of memory");
			free(why);
			continue;
		}
		TAILQ_INSERT_TAIL(&gw->routes, route, entry);
	}
	if (*cause != NULL) {
		gw_gateway_free(gw);
		return (NULL);
	}
	return (gw);
}

/* The host a smart client uses to reach a route: its bind address, or us. */
static void
gateway_host(const struct gw_config_route *conf, char *host, size_t size)
{
	if (conf->bind != NULL && strcmp(conf->bind, "0.0.0.0") != 0 &&
	    strcmp(conf->bind, "::") != 0) {
		snprintf(host, size, "%s", conf->bind);
		return;
	}
	if (gethostname(host, size) != 0 || host[0] == '\0')
		snprintf(host, size, "localhost");
	host[size - 1] = '\0';
}

void
gw_gateway_print(struct gw_gateway *gw, FILE *out)
{
	struct gw_route			*route;
	const struct gw_config_route	*conf;
	char				*serve, *connect, *client, host[256];

	TAILQ_FOREACH(route, &gw->routes, entry) {
		conf = route->conf;
		gateway_host(conf, host, sizeof host);
		serve = gw_spec_canonical(conf->serve);
		connect = gw_spec_canonical(conf->connect);
		client = gw_spec_client_string(conf->serve, conf->connect, host);
		fprintf(out, "route %s\n", conf->name);
		fprintf(out, "  serve    %s%s%s\n", serve != NULL ? serve : "?",
		    conf->bind != NULL ? " on " : "",
		    conf->bind != NULL ? conf->bind : "");
		fprintf(out, "  connect  %s\n", connect != NULL ? connect : "?");
		fprintf(out, "  client   %s\n", client != NULL ? client : "?");
		free(serve);
		free(connect);
		free(client);
	}
}

/* Log each line of a newline-separated list at a level. */
static void
gateway_log_lines(enum gw_log_level level, const char *prefix,
    const char *lines)
{
	const char	*p, *nl;

	for (p = lines; p != NULL && *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		gw_log(level, "%s: %.*s", prefix, nl != NULL ? (int)(nl - p) :
		    (int)strlen(p), p);
		if (nl == NULL)
			break;
	}
}

static void
gateway_reload_log(struct gw_gateway *gw, const char *why)
{
	char	*cause = NULL, prefix[64];

	snprintf(prefix, sizeof prefix, "%s: reload", why);
	if (gw_gateway_reload(gw, &cause) == -1)
		gateway_log_lines(GW_LOG_ERROR, prefix, cause != NULL ? cause :
		    "out of memory; the configuration is unchanged");
	else
		gateway_log_lines(GW_LOG_INFO, prefix, cause);
	free(cause);
}

/* Keys a running daemon cannot change: they need a restart. */
static void
gateway_reload_fixed(const struct gw_config *old, const struct gw_config *new,
    char **errors)
{
	const struct {
		const char	*key;
		const char	*a, *b;
	} k[] = {
		{ "control", old->control, new->control },
		{ "metrics", old->metrics, new->metrics },
		{ "pipe_dir", old->pipe_dir, new->pipe_dir },
		{ "user", old->user, new->user },
	};
	char	line[160];
	size_t	i;

	for (i = 0; i < sizeof k / sizeof k[0]; i++) {
		if (k[i].a == NULL ? k[i].b == NULL : k[i].b != NULL &&
		    strcmp(k[i].a, k[i].b) == 0)
			continue;
		snprintf(line, sizeof line, "gateway.%s: changing it needs a "
		    "restart; the running daemon keeps the old value", k[i].key);
		gateway_append(errors, line);
	}
	if (old->nmetrics_allow != new->nmetrics_allow ||
	    (old->nmetrics_allow != 0 && memcmp(old->metrics_allow,
	    new->metrics_allow, old->nmetrics_allow *
	    sizeof *old->metrics_allow) != 0))
		gateway_append(errors, "gateway.metrics_allow: changing it "
		    "needs a restart; the running daemon keeps the old value");
}

static int
gateway_reload(struct gw_gateway *gw, char **cause)
{
	struct gw_route_list	 fresh;
	struct gw_config	*config, *old_config = gw->config;
	struct gw_route		*r, *old, *next, **took_listen, **took_prepare;
	char			*why, *errors = NULL;
	size_t			 i, n = 0, kept = 0, added = 0, retired = 0;

	*cause = NULL;
	if (old_config->path == NULL) {
		*cause = strdup("this daemon runs a route from -s/-c: there is "
		    "no file to reload");
		return (-1);
	}
	if (gw_config_load(old_config->path, &config, cause) == -1)
		return (-1);
	gateway_reload_fixed(old_config, config, &errors);
	TAILQ_INIT(&fresh);
	took_listen = calloc(config->nroutes + 1, sizeof *took_listen);
	took_prepare = calloc(config->nroutes + 1, sizeof *took_prepare);
	if (took_listen == NULL || took_prepare == NULL)
		gateway_append(&errors, "out of memory");
	for (i = 0; errors == NULL && i < config->nroutes; i++) {
		why = NULL;
		if ((r = gw_route_new(gw, config, &config->routes[i], &why)) ==
		    NULL) {
			gateway_append(&errors, why != NULL ? why :
			    "out of memory");
			free(why);
			continue;
		}
		TAILQ_INSERT_TAIL(&fresh, r, entry);
	}
	/* Hand over what did not change; then bind what is new. */
	for (r = TAILQ_FIRST(&fresh), n = 0; errors == NULL && r != NULL;
	    r = TAILQ_NEXT(r, entry), n++) {
		TAILQ_FOREACH(old, &gw->routes, entry) {
			if (old->state != GW_ROUTE_SERVING)
				continue;
			if (took_listen[n] == NULL && old->listener != NULL &&
			    gw_route_same_listen(r, old)) {
				gw_route_take(r, old, true, false);
				took_listen[n] = old;
			}
			if (took_prepare[n] == NULL &&
			    old->connect_state != NULL &&
			    gw_route_same_prepare(r, old)) {
				gw_route_take(r, old, false, true);
				took_prepare[n] = old;
			}
		}
		why = NULL;
		if (gw_route_start_missing(r, &why) == -1) {
			gateway_append(&errors, why != NULL ? why :
			    "out of memory");
			free(why);
		}
	}
	if (errors != NULL) {
		/* Give back what was handed over; the old routes go on. */
		for (r = TAILQ_FIRST(&fresh), n = 0; r != NULL; r = next, n++) {
			next = TAILQ_NEXT(r, entry);
			if (took_listen != NULL && took_listen[n] != NULL)
				gw_route_take(took_listen[n], r, true, false);
			if (took_prepare != NULL && took_prepare[n] != NULL)
				gw_route_take(took_prepare[n], r, false, true);
			TAILQ_REMOVE(&fresh, r, entry);
			gw_route_free(r);
		}
		gw_config_free(config);
		free(took_listen);
		free(took_prepare);
		if (asprintf(cause, "%s\nthe configuration is unchanged",
		    errors) == -1)
			*cause = NULL;
		free(errors);
		return (-1);
	}
	for (n = 0; n < config->nroutes; n++)
		kept += took_listen[n] != NULL;
	free(took_listen);
	free(took_prepare);

	/* Commit: the old routes step aside, the new ones serve. */
	for (old = TAILQ_FIRST(&gw->routes); old != NULL; old = next) {
		next = TAILQ_NEXT(old, entry);
		if (old->state == GW_ROUTE_SERVING) {
			gw_route_retire(old);
			retired++;
		}
		if (old->nsessions == 0 && (old->reaped ||
		    old->state == GW_ROUTE_ENDED))
			gateway_route_free(gw, old);
	}
	while ((r = TAILQ_LAST(&fresh, gw_route_list)) != NULL) {
		TAILQ_REMOVE(&fresh, r, entry);
		TAILQ_INSERT_HEAD(&gw->routes, r, entry);
	}
	added = config->nroutes - kept;
	gw->config = config;
	if (!gateway_config_used(gw, old_config))
		gw_config_free(old_config);
	gw_log_configure(config);
	if (asprintf(cause, "%zu route%s: %zu listener%s kept, %zu new, %zu "
	    "old route%s retired", config->nroutes, config->nroutes == 1 ? "" :
	    "s", kept, kept == 1 ? "" : "s", added, retired, retired == 1 ?
	    "" : "s") == -1)
		*cause = NULL;
	return (0);
}

/*
 * The reload proper is gateway_reload; around it the service manager hears
 * RELOADING=1, then READY=1 whatever the outcome (notify.h), for SIGHUP and
 * `ctl reload` alike.  Once the daemon is stopping it hears nothing more.
 */
int
gw_gateway_reload(struct gw_gateway *gw, char **cause)
{
	int	rc;

	if (gw->stopping) {
		*cause = strdup("the daemon is stopping; nothing is reloaded");
		return (-1);
	}
	if (!gw->notified_stopping)
		gw_notify_reloading();
	rc = gateway_reload(gw, cause);
	if (!gw->notified_stopping)
		gw_notify_reloaded(gw->config->nroutes, rc == -1);
	return (rc);
}

void
gw_gateway_check_stopping(struct gw_gateway *gw)
{
	struct gw_route	*r;
	size_t		 n = 0;

	if (gw->notified_stopping)
		return;
	TAILQ_FOREACH(r, &gw->routes, entry) {
		if (r->state == GW_ROUTE_SERVING)
			return;
		n += r->nsessions;
	}
	gw->notified_stopping = true;
	gw_notify_stopping(n);
}

/* Sessions open over every route (retired ones too). */
static unsigned
gateway_nsessions(struct gw_gateway *gw)
{
	struct gw_route	*r;
	unsigned	 n = 0;

	TAILQ_FOREACH(r, &gw->routes, entry)
		n += r->nsessions;
	return (n);
}

/*
 * The stop deadline (or a second signal): reset every session still open
 * (dbgbridge(8) "SIGNALS").  Each closes with a reset of both its links,
 * never a FIN: its streams were cut.
 */
static void
gateway_stop_reset(struct gw_gateway *gw, const char *reason)
{
	struct gw_route		*r, *rnext;
	struct gw_session	*s;

	for (r = TAILQ_FIRST(&gw->routes); r != NULL; r = rnext) {
		rnext = TAILQ_NEXT(r, entry);
		/* Each close unlinks its session; the last one ends r. */
		while ((s = TAILQ_FIRST(&r->sessions)) != NULL) {
			s->stop_closed = true;
			gw_session_cut(s, reason);
		}
	}
}

static void
gateway_stop_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct gw_gateway	*gw = arg;

	(void)fd;
	(void)what;
	gw_log_info("stop: stop_timeout passed; resetting %u open session%s",
	    gateway_nsessions(gw), gateway_nsessions(gw) == 1 ? "" : "s");
	gateway_stop_reset(gw, "stopped: deadline");
}

/*
 * SIGTERM, SIGINT: stop accepting on every route at once; sessions already
 * relaying run to their own end, up to [gateway] stop_timeout, when those
 * still open are reset.  A second signal resets them at once.
 */
static void
gateway_stop(struct gw_gateway *gw, int sig)
{
	struct gw_route	*route, *next;
	unsigned	 ms = gw->config->stop_timeout_ms, n;
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	if (gw->stopping) {
		gw_log_info("%s again: resetting %u open session%s now",
		    strsignal(sig), gateway_nsessions(gw),
		    gateway_nsessions(gw) == 1 ? "" : "s");
		if (gw->stop_timer != NULL)
			evtimer_del(gw->stop_timer);
		gateway_stop_reset(gw, "stopped: signal");
		return;
	}
	gw->stopping = true;
	n = gateway_nsessions(gw);
	gw_log_info("%s: stopping: no new sessions; %u open session%s may run "
	    "to their end for up to %u ms (stop_timeout), then are reset",
	    strsignal(sig), n, n == 1 ? "" : "s", ms);
	if ((gw->stop_timer = evtimer_new(gw->base, gateway_stop_deadline,
	    gw)) == NULL || evtimer_add(gw->stop_timer, &tv) == -1) {
		gw_log_error("stop: cannot arm the stop deadline; resetting "
		    "every open session now");
		gateway_stop_reset(gw, "stopped: deadline");
	}
	for (route = TAILQ_FIRST(&gw->routes); route != NULL; route = next) {
		next = TAILQ_NEXT(route, entry);
		gw_route_stop(route, "route ended");
	}
	if (ms == 0)
		gateway_stop_reset(gw, "stopped: deadline");
}

static void
gateway_signal(evutil_socket_t sig, short what, void *arg)
{
	struct gw_gateway	*gw = arg;

	(void)what;
	if (sig == SIGHUP) {
		gateway_reload_log(gw, "SIGHUP");
		return;
	}
	gateway_stop(gw, (int)sig);
}

void
gw_gateway_route_ended(struct gw_gateway *gw, struct gw_route *route)
{
	struct gw_route	*r;

	if (route->reaped) {
		/* A retired route's last session: free it from the loop. */
		event_active(gw->reap, EV_TIMEOUT, 0);
		return;
	}
	gw_control_route_ended(gw->control);
	TAILQ_FOREACH(r, &gw->routes, entry) {
		if (r->state != GW_ROUTE_ENDED && !r->reaped)
			return;
	}
	gw->exiting = true;
	gw_gateway_check_exit(gw);
}

static void
gateway_exit_now(evutil_socket_t fd, short what, void *arg)
{
	struct gw_gateway	*gw = arg;

	(void)fd;
	(void)what;
	event_base_loopexit(gw->base, NULL);
}

void
gw_gateway_check_exit(struct gw_gateway *gw)
{
	struct timeval	tv = { GW_GATEWAY_EXIT_FLUSH_MS / 1000,
			    (GW_GATEWAY_EXIT_FLUSH_MS % 1000) * 1000 };

	if (!gw->exiting)
		return;
	if (!gw_control_pending(gw->control)) {
		event_base_loopexit(gw->base, NULL);
		return;
	}
	if (gw->exit_timer == NULL && (gw->exit_timer = evtimer_new(gw->base,
	    gateway_exit_now, gw)) != NULL)
		evtimer_add(gw->exit_timer, &tv);
}

/*
 * Serve the control socket: [gateway] control, or the default path.  A
 * default path that another live daemon already serves leaves this one
 * without a control socket, said in a warning; a configured one is an error.
 */
static int
gateway_control(struct gw_gateway *gw)
{
	char	*path, *cause = NULL;
	bool	 busy;

	path = gw->config->control != NULL ? strdup(gw->config->control) :
	    gw_control_default_path();
	if (path == NULL) {
		gw_log_error("control socket: out of memory");
		return (-1);
	}
	gw->control = gw_control_start(gw, path, &busy, &cause);
	if (gw->control != NULL)
		gw_log_info("control socket %s", path);
	else if (gw->config->control == NULL) {
		gw_log_warn("control socket: %s; running without one%s", cause !=
		    NULL ? cause : "out of memory", busy ? " (set [gateway] "
		    "control to give this daemon its own)" : "");
	} else
		gw_log_error("gateway.control: %s", cause != NULL ? cause :
		    "out of memory");
	free(cause);
	free(path);
	return (gw->control == NULL && gw->config->control != NULL ? -1 : 0);
}

int
gw_gateway_run(struct gw_gateway *gw)
{
	struct gw_route	*route;
	char		*cause = NULL, early[64] = "";

	signal(SIGPIPE, SIG_IGN);
	gw->dns = evdns_base_new(gw->base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
	if (gw->dns == NULL)
		gw->dns = evdns_base_new(gw->base, 0);
	gw->sigterm = evsignal_new(gw->base, SIGTERM, gateway_signal, gw);
	gw->sigint = evsignal_new(gw->base, SIGINT, gateway_signal, gw);
	gw->sighup = evsignal_new(gw->base, SIGHUP, gateway_signal, gw);
	if (gw->dns == NULL || gw->sigterm == NULL || gw->sigint == NULL ||
	    gw->sighup == NULL || evsignal_add(gw->sigterm, NULL) == -1 ||
	    evsignal_add(gw->sigint, NULL) == -1 ||
	    evsignal_add(gw->sighup, NULL) == -1) {
		gw_log_error("cannot set up the event loop");
		return (1);
	}
	TAILQ_FOREACH(route, &gw->routes, entry) {
		if (gw_route_start(route, &cause) == -1) {
			gw_log_error("%s", cause != NULL ? cause : "out of memory");
			free(cause);
			return (1);
		}
	}
	if (gateway_control(gw) == -1)
		return (1);
	if (gw_metrics_start(gw, &cause) == -1) {
		gw_log_error("%s", cause != NULL ? cause : "out of memory");
		free(cause);
		return (1);
	}
	if (gateway_drop_privileges(gw) == -1)
		return (1);
	gw_notify_ready(gw->config->nroutes);
	event_base_gettimeofday_cached(gw->base, &gw->started);
	event_base_dispatch(gw->base);
	gw_session_reap(gw);
	if (gw->stopping) {
		if (gw->stop_unstarted != 0)
			snprintf(early, sizeof early, "; %" PRIu64 " not yet "
			    "relaying closed at once", gw->stop_unstarted);
		gw_log_info("stop: %" PRIu64 " sessions ended by themselves, %"
		    PRIu64 " reset%s", gw->stop_ended, gw->stop_reset, early);
	}
	gw_log_info("exiting");
	return (0);
}

void
gw_gateway_free(struct gw_gateway *gw)
{
	struct gw_route	*route;

	if (gw == NULL)
		return;
	while ((route = TAILQ_FIRST(&gw->routes)) != NULL) {
		TAILQ_REMOVE(&gw->routes, route, entry);
		gw_route_free(route);
	}
	gw_session_reap(gw);
	gw_metrics_stop(gw);
	gw_control_free(gw->control);
	if (gw->exit_timer != NULL)
		event_free(gw->exit_timer);
	if (gw->stop_timer != NULL)
		event_free(gw->stop_timer);
	if (gw->reap != NULL)
		event_free(gw->reap);
	if (gw->sigterm != NULL)
		event_free(gw->sigterm);
	if (gw->sigint != NULL)
		event_free(gw->sigint);
	if (gw->sighup != NULL)
		event_free(gw->sighup);
	if (gw->dns != NULL)
		evdns_base_free(gw->dns, 0);
	if (gw->base != NULL)
		event_base_free(gw->base);
	gw_config_free(gw->config);
	free(gw->pipe_dir);
	free(gw);
}
