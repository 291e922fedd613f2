/*
 * gateway.c: the loop, the routes and the signals.  See gateway.h.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/control.h"
#include "gateway/gateway.h"
#include "gateway/log.h"
#include "gateway/metrics.h"
#include "gateway/session.h"

static void
gateway_reap(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	gw_session_reap(arg);
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

/* Keys the file may set that this build does not act on yet: say so. */
static void
gateway_reserved(const struct gw_config *config)
{
	const struct { const char *key, *value, *what; } r[] = {
		{ "gateway.user", config->user, "dropping privileges" },
	};
	size_t	i;

	for (i = 0; i < sizeof r / sizeof r[0]; i++) {
		if (r[i].value != NULL)
			gw_log_warn("%s: %s is not in this build yet; the key is "
			    "ignored", r[i].key, r[i].what);
	}
}

char *
gw_gateway_runtime_dir(void)
{
	const char	*xdg = getenv("XDG_RUNTIME_DIR");
	char		*dir;

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
	gw->stores.user_store = config->user_store;
	gw->stores.machine_store = config->machine_store;
	TAILQ_INIT(&gw->routes);
	TAILQ_INIT(&gw->closed);
	if ((gw->base = event_base_new()) == NULL ||
	    (gw->reap = event_new(gw->base, -1, 0, gateway_reap, gw)) == NULL) {
		*cause = strdup("cannot make the event loop");
		gw_gateway_free(gw);
		return (NULL);
	}
	gateway_reserved(config);
	for (i = 0; i < config->nroutes; i++) {
		why = NULL;
		route = gw_route_new(gw, &config->routes[i], &why);
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

static void
gateway_signal(evutil_socket_t sig, short what, void *arg)
{
	struct gw_gateway	*gw = arg;
	struct gw_route		*route, *next;

	(void)what;
	if (sig == SIGHUP) {
		gw_log_warn("SIGHUP: reloading is not in this build yet; the "
		    "configuration is unchanged");
		return;
	}
	gw_log_info("%s: ending every route", strsignal((int)sig));
	gw->stopping = true;
	for (route = TAILQ_FIRST(&gw->routes); route != NULL; route = next) {
		next = TAILQ_NEXT(route, entry);
		gw_route_end(route, "route ended");
	}
}

void
gw_gateway_route_ended(struct gw_gateway *gw, struct gw_route *route)
{
	struct gw_route	*r;

	(void)route;
	gw_control_route_ended(gw->control);
	TAILQ_FOREACH(r, &gw->routes, entry) {
		if (r->state != GW_ROUTE_ENDED)
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
	char		*cause = NULL;

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
	event_base_gettimeofday_cached(gw->base, &gw->started);
	event_base_dispatch(gw->base);
	gw_session_reap(gw);
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
