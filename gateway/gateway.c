/*
 * gateway.c: the loop, the routes and the signals.  See gateway.h.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "osdep/compat.h"

#include "gateway/control.h"
#include "gateway/gateway.h"
#include "gateway/log.h"
#include "gateway/metrics.h"
#include "gateway/notify.h"
#include "gateway/session.h"
#include "tls/tls.h"
#include "transports/transport.h"
#include "transports/spec.h"

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

struct gw_route_counters *
gw_gateway_counters(struct gw_gateway *gw, const char *name)
{
	struct gw_route_counters	*c;

	TAILQ_FOREACH(c, &gw->counters, entry) {
		if (strcmp(c->name, name) == 0)
			return (c);
	}
	if ((c = calloc(1, sizeof *c)) == NULL)
		return (NULL);
	if ((c->name = strdup(name)) == NULL) {
		free(c);
		return (NULL);
	}
	TAILQ_INSERT_TAIL(&gw->counters, c, entry);
	return (c);
}

/*
 * The routes now running have their names' counts shown from now on (and a
 * TLS serve its handshake histogram, for good: a series never disappears).
 */
static void
gateway_counters_commit(struct gw_gateway *gw)
{
	struct gw_route	*r;

	TAILQ_FOREACH(r, &gw->routes, entry) {
		r->counters->committed = true;
		if (gw_spec_is_tls(r->conf->serve))
			r->counters->handshake = true;
	}
}

/* A reload failed: forget the names only its new routes had made. */
static void
gateway_counters_prune(struct gw_gateway *gw)
{
	struct gw_route_counters	*c, *next;

	for (c = TAILQ_FIRST(&gw->counters); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->committed)
			continue;
		TAILQ_REMOVE(&gw->counters, c, entry);
		free(c->name);
		free(c);
	}
}

/* [gateway] user: the account exists (checked by -n, before binding). */
static int
gateway_user_check(const struct gw_config *config, struct gw_errors *errors)
{
	const char	*platform = gw_os_platform_lacks_users();
	size_t		 i;
	int		 rc = 0;

	/*
	 * Where there are no users, user, pipe_group and pipe_mode have no
	 * meaning: say so rather than ignore them (doc/design.md "Building
	 * for Windows").
	 */
	if (platform != NULL) {
		if (config->user != NULL) {
			gw_errors_add(errors, config->path, config->user_line,
			    "gateway.user: has no meaning on %s (there is no "
			    "user to become); remove it", platform);
			rc = -1;
		}
		for (i = 0; i < config->nroutes; i++) {
			if (config->routes[i].pipe_group != NULL) {
				gw_errors_add(errors, config->path,
				    config->routes[i].line, "route %s: "
				    "pipe_group has no meaning on %s; remove it",
				    config->routes[i].name, platform);
				rc = -1;
			}
			if (config->routes[i].pipe_mode != 0600) {
				gw_errors_add(errors, config->path,
				    config->routes[i].line, "route %s: "
				    "pipe_mode has no meaning on %s; remove it",
				    config->routes[i].name, platform);
				rc = -1;
			}
		}
		return (rc);
	}
	if (config->user == NULL || gw_os_user_exists(config->user))
		return (0);
	/* FILE:LINE, as every configuration error (dbgbridge.ini(5)). */
	gw_errors_add(errors, config->path, config->user_line,
	    "gateway.user: no such user '%s'", config->user);
	return (-1);
}

/*
 * After the drop: say so when the user cannot write a directory where the
 * daemon has sockets (what: "pipe_dir", "control"): they stay after exit
 * and a reload cannot add one there (dbgbridge.ini(5) user).
 */
static void
gateway_user_writes(const char *user, const char *dir, const char *what)
{
	if (gw_os_dir_writable(dir) == 0)
		return;
	gw_log_warn("gateway.user: %s cannot write %s (%s: %s): the sockets "
	    "there stay after exit (the next start removes them as stale) and "
	    "a reload cannot add one there; give the directory to %s to "
	    "change that", user, dir, what, strerror(errno), user);
}

/* The directory of the control socket path, malloc'd, or NULL. */
static char *
gateway_control_dir(struct gw_gateway *gw)
{
	char	*path, *slash;

	if (gw->control == NULL)
		return (NULL);
	path = gw->config->control != NULL ? strdup(gw->config->control) :
	    gw_control_default_path();
	if (path != NULL && (slash = strrchr(path, '/')) != NULL)
		*(slash == path ? slash + 1 : slash) = '\0';
	return (path);
}

/*
 * [gateway] user: once everything is bound, become that user (setgid,
 * initgroups, setuid, in that order, and check that root cannot be had
 * back: setuid(2), initgroups(3)).  No directory is given to the user here
 * (only a runtime directory made for it: gateway_runtime_make); the operator
 * decides who may write pipe_dir (dbgbridge.ini(5) user), and a directory
 * the user cannot write is said in a warning.  Without root, only
 * the current user is accepted.  Returns 0, or -1 (logged).
 */
static int
gateway_drop_privileges(struct gw_gateway *gw)
{
	const char	*user = gw->config->user;
	struct gw_route	*r;
	unsigned long	 uid, gid;
	char		*dir, *why;
	bool		 pipes = false;

	if (user == NULL)
		return (0);
	if (gw_os_user_id(user, &uid) == -1) {
		gw_log_error("gateway.user: no such user '%s'", user);
		return (-1);
	}
	if (!gw_os_is_root()) {
		if (uid == gw_os_euid())
			return (0);
		gw_log_error("gateway.user: becoming '%s' needs root; dbgbridge "
		    "runs as uid %lu", user, gw_os_euid());
		return (-1);
	}
	/* Named while root: the default path depends on who we are. */
	dir = gateway_control_dir(gw);
	if (gw_os_become_user(user, &uid, &gid, &why) == -1) {
		gw_log_error("gateway.user: %s", why != NULL ? why :
		    "out of memory");
		free(why);
		free(dir);
		return (-1);
	}
	gw_log_info("running as user %s (uid %lu, gid %lu)", user, uid, gid);
	TAILQ_FOREACH(r, &gw->routes, entry) {
		if (gw_transport_in_pipe_dir(r->serve_ops))
			pipes = true;
	}
	if (pipes)
		gateway_user_writes(user, gw->pipe_dir, "pipe_dir");
	if (dir != NULL && (!pipes || strcmp(dir, gw->pipe_dir) != 0))
		gateway_user_writes(user, dir, "control");
	free(dir);
	return (0);
}

/* One file a route reads again at each reload, for gateway_user_readable. */
struct gateway_file {
	struct gw_route	*route;
	const char	*what;		/* "serve", "connect" */
	char		*key;		/* "certuser 'gw'", "tls.ca", "client_ca" */
	char		*path;
	bool		 dir;		/* a store searched by thumbprint */
	int		 err;		/* errno of the open as the user, 0: ok */
};

static void
gateway_file_add(struct gateway_file **files, size_t *n, struct gw_route *route,
    const char *what, char *key, char *path, bool dir)
{
	struct gateway_file	*f;

	if (key == NULL || path == NULL ||
	    (f = reallocarray(*files, *n + 1, sizeof **files)) == NULL) {
		free(key);
		free(path);
		return;
	}
	*files = f;
	f[*n].route = route;
	f[*n].what = what;
	f[*n].key = key;
	f[*n].path = path;
	f[*n].dir = dir;
	f[*n].err = 0;
	(*n)++;
}

/* The files of one TLS side of a route (route.c route_side loads them). */
static void
gateway_tls_files(struct gateway_file **files, size_t *n, struct gw_route *r,
    bool serve)
{
	const struct gw_spec	*wire = gw_transport_wire(serve ?
				    r->conf->serve : r->conf->connect);
	const char		*what = serve ? "serve" : "connect", *base;
	const char		*ca = serve ? r->conf->client_ca : r->config->ca;
	struct gw_tls_stores	 stores;
	char			*path, *key, *c = NULL, *want;

	if (!gw_spec_is_tls(wire))
		return;
	if (ca != NULL)
		gateway_file_add(files, n, r, what, strdup(serve ? "client_ca" :
		    "tls.ca"), strdup(ca), false);
	if (!serve && ca != NULL)
		return;		/* verified by the CA: no pinned file */
	stores.user_store = r->config->user_store;
	stores.machine_store = r->config->machine_store;
	if ((path = gw_tls_cert_path(wire->cert_store, wire->cert, &stores,
	    &c)) == NULL) {
		free(c);
		return;
	}
	if (asprintf(&key, "%s '%s'", wire->cert_store ==
	    GW_SPEC_CERT_MACHINE ? "machuser" : "certuser", wire->cert) == -1)
		key = NULL;
	/* A thumbprint is found by reading the store: it must be listable. */
	base = wire->cert_store == GW_SPEC_CERT_MACHINE ? stores.machine_store :
	    stores.user_store;
	if (strchr(wire->cert, '/') == NULL && base != NULL &&
	    asprintf(&want, "%s/%s.pem", base, wire->cert) != -1) {
		if (strcmp(want, path) != 0)
			gateway_file_add(files, n, r, what, key != NULL ?
			    strdup(key) : NULL, strdup(base), true);
		free(want);
	}
	gateway_file_add(files, n, r, what, key, path, false);
}

/*
 * [gateway] user with TLS routes: the files a reload reads again must be
 * readable by the user the daemon becomes, or every reload after the drop
 * fails (the configuration stays unchanged).  Still root, ask as that user
 * (a child that becomes the user, setuid(2), and opens each file) and warn,
 * per file, in the log at start and in -n (dbgbridge.ini(5) "user").
 */
static void
gateway_user_readable(struct gw_gateway *gw)
{
	struct gateway_file	*files = NULL;
	struct gw_route		*r;
	const char		*user = gw->config->user;
	const char		**paths = NULL;
	bool			*dirs = NULL;
	int			*errs = NULL;
	unsigned long		 uid;
	size_t			 n = 0, i;
	char			*line;
	const char		*why = NULL;

	if (user == NULL || !gw_os_is_root() ||
	    gw_os_user_id(user, &uid) == -1 || uid == 0)
		return;
	TAILQ_FOREACH(r, &gw->routes, entry) {
		gateway_tls_files(&files, &n, r, true);
		gateway_tls_files(&files, &n, r, false);
	}
	if (n == 0)
		goto out;
	if ((paths = calloc(n, sizeof *paths)) == NULL ||
	    (dirs = calloc(n, sizeof *dirs)) == NULL ||
	    (errs = calloc(n, sizeof *errs)) == NULL) {
		why = "out of memory";
		goto cannot;
	}
	for (i = 0; i < n; i++) {
		paths[i] = files[i].path;
		dirs[i] = files[i].dir;
	}
	if (gw_os_user_can_read(gw->config->user, paths, dirs, n, errs,
	    &why) == -1)
		goto cannot;
	for (i = 0; i < n; i++)
		files[i].err = errs[i];
	for (i = 0; i < n; i++) {
		if (files[i].err == 0)
			continue;
		if (asprintf(&line, "route %s.%s: %s: %s %s is not readable by "
		    "user '%s' (%s): it loaded now, as root, but after the drop "
		    "to '%s' every reload fails (the configuration stays "
		    "unchanged) until '%s' can read it", files[i].route->conf->name,
		    files[i].what, files[i].key, files[i].dir ? "the store" :
		    "the file", files[i].path, user,
		    strerror(files[i].err), user, user) != -1) {
			gw_route_warn(files[i].route, line);
			free(line);
		}
	}
	goto out;
cannot:
	if (asprintf(&line, "gateway.user: cannot check whether user '%s' can "
	    "read the TLS files a reload needs: %s", gw->config->user,
	    why) != -1) {
		gw_route_warn(TAILQ_FIRST(&gw->routes), line);
		free(line);
	}
out:
	for (i = 0; i < n; i++) {
		free(files[i].key);
		free(files[i].path);
	}
	free(files);
	free(paths);
	free(dirs);
	free(errs);
}

char *
gw_gateway_runtime_dir(void)
{
	return (gw_os_runtime_dir());
}

/*
 * [gateway] user, as root: when the daemon makes the runtime directory
 * itself (pipe_dir or control unset, and the directory missing), it makes
 * it for that user (fchown(2) of the directory just made, opened without
 * following a link), so that its sockets can be removed at exit and a
 * reload can add pipes there.  A directory that exists, and any the
 * operator names, keeps its owner (dbgbridge.ini(5) user).  Returns 0, or
 * -1 (logged).
 */
static int
gateway_runtime_make(struct gw_gateway *gw)
{
	char	*dir, *why = NULL;
	int	 made;

	if (gw->config->user == NULL || gw->pipe_uid == 0 || gw_os_euid() != 0 ||
	    (gw->config->pipe_dir != NULL && gw->config->control != NULL))
		return (0);
	if ((dir = gw_gateway_runtime_dir()) == NULL) {
		gw_log_error("runtime directory: out of memory");
		return (-1);
	}
	/* Anything but a fresh directory is left to the listeners' checks. */
	if ((made = gw_os_runtime_make(dir, (unsigned long)gw->pipe_uid,
	    &why)) == 0) {
		free(dir);
		return (0);
	}
	if (made == -1) {
		gw_log_error("gateway.user: %s: cannot make it %s's: %s", dir,
		    gw->config->user, why != NULL ? why : "out of memory");
		free(why);
		free(dir);
		return (-1);
	}
	gw_log_info("%s: made for user %s", dir, gw->config->user);
	free(dir);
	return (0);
}

/* Where npipe and spipe names live: [gateway] pipe_dir, else the runtime dir. */
static char *
gateway_pipe_dir(const struct gw_config *config)
{
	if (config->pipe_dir != NULL)
		return (strdup(config->pipe_dir));
	return (gw_gateway_runtime_dir());
}

static void	gateway_print_route(struct gw_gateway *,
		    const struct gw_config_route *, const struct gw_route *,
		    const char *, FILE *);

/*
 * The gateway for config, its routes built (not listening).  errors: NULL,
 * or an array of config->nroutes where each route that could not be built
 * gets its error (malloc'd).  Every error is also added to cause.
 * Returns the gateway even when a route failed; NULL when out of memory.
 */
static struct gw_gateway *
gateway_build(struct gw_config *config, char **errors,
    struct gw_errors *cause)
{
	struct gw_gateway	*gw;
	struct gw_route		*route;
	unsigned long		 uid;
	char			*why;
	size_t			 i;

	if ((gw = calloc(1, sizeof *gw)) == NULL) {
		gw_config_free(config);
		cause->oom = true;
		return (NULL);
	}
	gw->config = config;
	if ((gw->pipe_dir = gateway_pipe_dir(config)) == NULL) {
		gw_gateway_free(gw);
		cause->oom = true;
		return (NULL);
	}
	TAILQ_INIT(&gw->routes);
	TAILQ_INIT(&gw->closed);
	TAILQ_INIT(&gw->counters);
	/*
	 * Read once: only another process (prlimit(1)) could change it, and a
	 * lower limit than we know of only makes accept(2) fail with EMFILE,
	 * which pauses accepting (transports/transport.c).
	 */
	gw->fd_limit = gw_os_fd_limit();
	if ((gw->base = event_base_new()) == NULL ||
	    (gw->reap = event_new(gw->base, -1, 0, gateway_reap, gw)) == NULL) {
		gw_errors_add(cause, NULL, 0, "cannot make the event loop");
		gw_gateway_free(gw);
		return (NULL);
	}
	/* The user we become may own the directories we serve in. */
	if (gateway_user_check(config, cause) == 0 && config->user != NULL &&
	    gw_os_user_id(config->user, &uid) == 0)
		gw->pipe_uid = (uid_t)uid;
	for (i = 0; i < config->nroutes; i++) {
		why = NULL;
		route = gw_route_new(gw, config, &config->routes[i], &why);
		if (route == NULL) {
			if (why == NULL)
				cause->oom = true;
			else
				gw_errors_add(cause, NULL, 0, "%s", why);
			if (errors != NULL)
				errors[i] = why;
			else
				free(why);
			continue;
		}
		TAILQ_INSERT_TAIL(&gw->routes, route, entry);
	}
	gateway_user_readable(gw);
	return (gw);
}

struct gw_gateway *
gw_gateway_new(struct gw_config *config, struct gw_errors *cause)
{
	struct gw_gateway	*gw;

	if ((gw = gateway_build(config, NULL, cause)) == NULL)
		return (NULL);
	if (!gw_errors_empty(cause)) {
		gw_gateway_free(gw);
		return (NULL);
	}
	gateway_counters_commit(gw);
	return (gw);
}

int
gw_gateway_check(struct gw_config *config, FILE *out, struct gw_errors *cause)
{
	struct gw_gateway	*gw;
	struct gw_route		*route;
	char			**errors;
	size_t			 i, before = gw_errors_count(cause);

	if ((errors = calloc(config->nroutes + 1, sizeof *errors)) == NULL) {
		gw_config_free(config);
		cause->oom = true;
		return (-1);
	}
	if ((gw = gateway_build(config, errors, cause)) == NULL) {
		free(errors);
		return (-1);
	}
	for (i = 0; out != NULL && i < config->nroutes; i++) {
		TAILQ_FOREACH(route, &gw->routes, entry) {
			if (route->conf == &config->routes[i])
				break;
		}
		gateway_print_route(gw, &config->routes[i], route, errors[i],
		    out);
	}
	for (i = 0; i < config->nroutes; i++)
		free(errors[i]);
	free(errors);
	gw_gateway_free(gw);
	return (gw_errors_count(cause) != before ? -1 : 0);
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

/*
 * With [tls] ca, a spec whose server= stands for this host (a pipe's
 * server=.) is verified against this host's name (gw_transport_local_name):
 * say which, so the certificate can be made to match.
 */
static void
gateway_print_verify(const struct gw_route *route, FILE *out)
{
	const struct gw_spec	*wire = gw_transport_wire(route->conf->connect);
	char			 name[256];
	const char		*host;

	if (route->config->ca == NULL || !gw_spec_is_tls(wire))
		return;
	if ((host = gw_transport_local_name(route->connect_ops, wire, name,
	    sizeof name)) == NULL)
		return;
	fprintf(out, "  verify   the server's certificate must name this host, "
	    "'%s' (server=. with [tls] ca)\n", host);
}

/*
 * The certificate a smart client names for a TLS serve spec: its SHA-1
 * thumbprint (*id) and a line saying which certificate to import into the
 * client's store (*note).  Both malloc'd, or NULL when the route's own value
 * stands (not TLS, or the certificate cannot be read: the error is reported
 * by the route's own check).
 */
static void
gateway_client_cert(const struct gw_gateway *gw, const struct gw_spec *serve,
    char **id, char **note)
{
	struct gw_tls_stores	 stores;
	char			*where, *why = NULL, *subject = NULL;
	char			 esc[512];
	bool			 machine;

	*id = *note = NULL;
	if (!gw_spec_is_tls(serve) || serve->cert == NULL)
		return;
	stores.user_store = gw->config->user_store;
	stores.machine_store = gw->config->machine_store;
	/* A PEM file, or on Windows the system store that holds it. */
	if (gw_tls_cert_describe(serve->cert_store, serve->cert, &stores,
	    &where, id, &subject, &why) == -1) {
		free(why);
		return;
	}
	machine = serve->cert_store == GW_SPEC_CERT_MACHINE;
	gw_log_escape(esc, sizeof esc, subject);
	if (asprintf(note, "import the certificate of %s (%s) into the smart "
	    "client's %s store (%s), e.g. certutil %s-addstore My FILE.cer", where,
	    esc, machine ? "Local Computer\\Personal" :
	    "Current User\\Personal", machine ? "machuser=" : "certuser=",
	    machine ? "" : "-user ") == -1)
		*note = NULL;
	free(subject);
	free(where);
}

/*
 * One route for -n: route is the one built from conf, or NULL when building
 * it failed with error (which is printed as well).
 */
static void
gateway_print_route(struct gw_gateway *gw, const struct gw_config_route *conf,
    const struct gw_route *route, const char *error, FILE *out)
{
	const struct gw_transport_ops	*ops;
	char				*serve, *connect, *client, host[256];
	const char			*text, *where;
	char				 buf[64];
	char				*cert, *note;
	size_t				 i;

	gateway_host(conf, host, sizeof host);
	serve = gw_spec_canonical(conf->serve);
	connect = gw_spec_canonical(conf->connect);
	gateway_client_cert(gw, conf->serve, &cert, &note);
	client = gw_spec_client_string(conf->serve, conf->connect, host, cert);
	ops = gw_transport_ops_for(gw_transport_wire(conf->serve));
	fprintf(out, "route %s\n", conf->name);
	fprintf(out, "  serve    %s%s%s\n", serve != NULL ? serve : "?",
	    conf->bind != NULL ? " on " : "", conf->bind != NULL ? conf->bind :
	    "");
	fprintf(out, "  connect  %s\n", connect != NULL ? connect : "?");
	if (gw_transport_remote_note(ops) != NULL)
		fprintf(out, "  client   none: %s\n",
		    gw_transport_remote_note(ops));
	else
		fprintf(out, "  client   %s\n", client != NULL ? client : "?");
	if (note != NULL && gw_transport_remote_note(ops) == NULL)
		fprintf(out, "  #        %s\n", note);
	if (route != NULL)
		gateway_print_verify(route, out);
	if (error != NULL)
		fprintf(out, "  %-8s %s\n", "error", error);
	for (i = 0; route != NULL && i < gw_errors_count(&route->warnings);
	    i++) {
		text = gw_errors_line(&route->warnings, i, &where, buf,
		    sizeof buf);
		fprintf(out, "  %-8s %s%s\n", "warning", where, text);
	}
	free(serve);
	free(connect);
	free(client);
	free(cert);
	free(note);
}

void
gw_gateway_print(struct gw_gateway *gw, FILE *out)
{
	struct gw_route	*route;

	TAILQ_FOREACH(route, &gw->routes, entry)
		gateway_print_route(gw, route->conf, route, NULL, out);
}

/* Log each line of a list at a level, after "prefix: " (NULL: none). */
static void
gateway_log_lines(enum gw_log_level level, const char *prefix,
    const struct gw_errors *lines)
{
	const char	*text, *where;
	char		 buf[PATH_MAX + 32];
	size_t		 i;

	for (i = 0; i < gw_errors_count(lines); i++) {
		text = gw_errors_line(lines, i, &where, buf, sizeof buf);
		gw_log(level, "%s%s%s%s", prefix != NULL ? prefix : "",
		    prefix != NULL ? ": " : "", where, text);
	}
}

/* SIGHUP's reload has ended: its outcome goes to the log. */
static void
gateway_reload_logged(int rc, const struct gw_errors *outcome, void *arg)
{
	const char	*why = arg;
	char		 prefix[64];

	snprintf(prefix, sizeof prefix, "%s: reload", why);
	gateway_log_lines(rc == -1 ? GW_LOG_ERROR : GW_LOG_INFO, prefix,
	    outcome);
}

static void
gateway_reload_log(struct gw_gateway *gw, char *why)
{
	struct gw_errors	errors = GW_ERRORS_INIT;

	if (gw_gateway_reload(gw, gateway_reload_logged, why, &errors) == -1)
		gateway_reload_logged(-1, &errors, why);
	gw_errors_free(&errors);
}

/*
 * Keys a running daemon cannot change: those the key table marks
 * needs_restart (config/keys.c; dbgbridge(8) "SIGHUP").
 */
static void
gateway_reload_fixed(const struct gw_config *old, const struct gw_config *new,
    struct gw_errors *errors)
{
	const struct gw_config_key	*keys;
	size_t				 n, i;

	keys = gw_config_keys(&n);
	for (i = 0; i < n; i++) {
		if (!keys[i].needs_restart ||
		    gw_config_same(&keys[i], old, new))
			continue;
		gw_errors_add(errors, NULL, 0, "%s.%s: changing it needs a "
		    "restart; the running daemon keeps the old value",
		    keys[i].section, keys[i].name);
	}
}

/*
 * The [tls] keys that differ between a route's old and new files and that its
 * TLS contexts read (ca: a route that connects over TLS; user_store,
 * machine_store: either side over TLS), appended to keys (size bytes) after
 * n keys already there.  Returns how many it appended.
 */
static int
gateway_tls_diff(const struct gw_config *a, const struct gw_config *b,
    const struct gw_config_route *conf, char *keys, size_t size, int n)
{
	const struct {
		const char	*key;
		const char	*a, *b;
		bool		 used;
	} k[] = {
		{ "tls.ca", a->ca, b->ca, gw_spec_is_tls(conf->connect) },
		{ "tls.user_store", a->user_store, b->user_store,
		    gw_spec_is_tls(conf->serve) || gw_spec_is_tls(conf->connect) },
		{ "tls.machine_store", a->machine_store, b->machine_store,
		    gw_spec_is_tls(conf->serve) || gw_spec_is_tls(conf->connect) },
	};
	size_t	i, o = strlen(keys);
	int	added = 0;

	for (i = 0; i < sizeof k / sizeof k[0]; i++) {
		if (!k[i].used || (k[i].a == NULL ? k[i].b == NULL :
		    k[i].b != NULL && strcmp(k[i].a, k[i].b) == 0))
			continue;
		if (size > o)
			o += (size_t)snprintf(keys + o, size - o, "%s%s",
			    n + added > 0 ? ", " : "", k[i].key);
		added++;
	}
	return (added);
}

/*
 * What a reload changes, before it commits: a summary line, then one line
 * per route of the new file and per serving route it drops, in file order
 * (dbgbridge(8) "SIGHUP"), added to out:
 *   3 routes: 1 unchanged, 1 changed, 1 added; 1 removed; 2 listeners kept
 *   route gdb: changed (idle_timeout)
 *   route bulk: unchanged
 *   route n: added
 *   route x: removed
 */
static void
gateway_reload_report(struct gw_gateway *gw, const struct gw_config *config,
    size_t kept, struct gw_errors *out)
{
	const struct gw_config_route	*conf;
	struct gw_route			*old;
	struct gw_errors		 lines = GW_ERRORS_INIT;
	char				 line[512], keys[256];
	size_t				 i, same = 0, changed = 0, added = 0;
	size_t				 removed = 0;
	int				 n;

	for (i = 0; i < config->nroutes; i++) {
		conf = &config->routes[i];
		TAILQ_FOREACH(old, &gw->routes, entry) {
			if (old->state == GW_ROUTE_SERVING &&
			    strcmp(old->conf->name, conf->name) == 0)
				break;
		}
		if (old == NULL) {
			snprintf(line, sizeof line, "route %s: added",
			    conf->name);
			added++;
			gw_errors_add(&lines, NULL, 0, "%s", line);
			continue;
		}
		n = gw_route_conf_diff(old->conf, conf, keys, sizeof keys);
		/* The [tls] keys its contexts read count as its own. */
		n += gateway_tls_diff(old->config, config, conf, keys,
		    sizeof keys, n);
		if (n == 0) {
			snprintf(line, sizeof line, "route %s: unchanged",
			    conf->name);
			same++;
		} else {
			snprintf(line, sizeof line, "route %s: changed (%s)",
			    conf->name, keys);
			changed++;
		}
		gw_errors_add(&lines, NULL, 0, "%s", line);
	}
	TAILQ_FOREACH(old, &gw->routes, entry) {
		if (old->state != GW_ROUTE_SERVING)
			continue;
		for (i = 0; i < config->nroutes; i++) {
			if (strcmp(config->routes[i].name, old->conf->name) ==
			    0)
				break;
		}
		if (i < config->nroutes)
			continue;
		snprintf(line, sizeof line, "route %s: removed", old->conf->name);
		gw_errors_add(&lines, NULL, 0, "%s", line);
		removed++;
	}
	gw_errors_add(out, NULL, 0, "%zu route%s: %zu unchanged, %zu changed, "
	    "%zu added; %zu removed; %zu listener%s kept", config->nroutes,
	    config->nroutes == 1 ? "" : "s", same, changed, added, removed,
	    kept, kept == 1 ? "" : "s");
	gw_errors_move(out, &lines);
}

/*
 * The part of a reload that runs in the loop, once the reload thread has
 * read and checked the file (config, whose ownership passes here): build the
 * new routes, hand over what did not change, bind what is new, commit.
 * outcome receives the report (0) or the errors (-1).
 */
static int
gateway_reload_apply(struct gw_gateway *gw, struct gw_config *config,
    struct gw_errors *outcome)
{
	struct gw_route_list	 fresh;
	struct gw_config	*old_config = gw->config;
	struct gw_route		*r, *old, *next, **took_listen, **took_prepare;
	struct gw_errors	 errors = GW_ERRORS_INIT;
	char			*why;
	size_t			 i, n = 0, kept = 0;

	gateway_reload_fixed(old_config, config, &errors);
	TAILQ_INIT(&fresh);
	took_listen = calloc(config->nroutes + 1, sizeof *took_listen);
	took_prepare = calloc(config->nroutes + 1, sizeof *took_prepare);
	if (took_listen == NULL || took_prepare == NULL)
		errors.oom = true;
	for (i = 0; gw_errors_empty(&errors) && i < config->nroutes; i++) {
		why = NULL;
		if ((r = gw_route_new(gw, config, &config->routes[i], &why)) ==
		    NULL) {
			if (why == NULL)
				errors.oom = true;
			else
				gw_errors_add(&errors, NULL, 0, "%s", why);
			free(why);
			continue;
		}
		TAILQ_INSERT_TAIL(&fresh, r, entry);
	}
	/* Hand over what did not change; then bind what is new. */
	for (r = TAILQ_FIRST(&fresh), n = 0; gw_errors_empty(&errors) &&
	    r != NULL;
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
			if (why == NULL)
				errors.oom = true;
			else
				gw_errors_add(&errors, NULL, 0, "%s", why);
			free(why);
		}
	}
	if (!gw_errors_empty(&errors)) {
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
		gateway_counters_prune(gw);
		gw_config_free(config);
		free(took_listen);
		free(took_prepare);
		gw_errors_add(&errors, NULL, 0, "the configuration is unchanged");
		gw_errors_move(outcome, &errors);
		return (-1);
	}
	for (n = 0; n < config->nroutes; n++)
		kept += took_listen[n] != NULL;
	free(took_listen);
	free(took_prepare);
	gateway_reload_report(gw, config, kept, outcome);

	/* Commit: the old routes step aside, the new ones serve. */
	for (old = TAILQ_FIRST(&gw->routes); old != NULL; old = next) {
		next = TAILQ_NEXT(old, entry);
		if (old->state == GW_ROUTE_SERVING)
			gw_route_retire(old);
		if (old->nsessions == 0 && (old->reaped ||
		    old->state == GW_ROUTE_ENDED))
			gateway_route_free(gw, old);
	}
	while ((r = TAILQ_LAST(&fresh, gw_route_list)) != NULL) {
		TAILQ_REMOVE(&fresh, r, entry);
		TAILQ_INSERT_HEAD(&gw->routes, r, entry);
	}
	gateway_counters_commit(gw);
	TAILQ_FOREACH(r, &gw->routes, entry) {
		if (r->config == config)
			gateway_log_lines(GW_LOG_WARN, NULL, &r->warnings);
	}
	gw->config = config;
	if (!gateway_config_used(gw, old_config))
		gw_config_free(old_config);
	gw_log_configure(config);
	return (0);
}

/* One caller waiting for a reload's outcome. */
struct gateway_waiter {
	gw_gateway_reload_cb		*cb;
	void				*arg;
	bool				 started;	/* the running thread
							   read the file after
							   it asked */
	TAILQ_ENTRY(gateway_waiter)	 entry;
};

/*
 * The reload thread and its waiters.  The thread only reads and checks the
 * file (gw_config_load, which touches nothing the loop uses); it reports by
 * sending one byte on fds[1] (a socket pair), and the loop joins it, applies the result and
 * answers every waiter that asked before the thread started.  Those who
 * asked meanwhile get a run of their own after it, which reads the file as
 * it is then.
 */
struct gw_gateway_reload {
	struct gw_gateway		*gw;
	struct gw_os_thread		*thread;
	bool				 running;
	evutil_socket_t			 fds[2];
	struct event			*done;
	char				*path;		/* the thread's copy */
	int				 rc;		/* the thread's result */
	struct gw_config		*config;
	struct gw_errors		 errors;	/* the thread's */
	TAILQ_HEAD(, gateway_waiter)	 waiters;
};

static void *
gateway_reload_main(void *arg)
{
	struct gw_gateway_reload	*rl = arg;
	char				 c = 0;

	rl->rc = gw_config_load(rl->path, &rl->config, &rl->errors);
	while (send(rl->fds[1], &c, 1, 0) == -1 && errno == EINTR)
		;
	return (NULL);
}

static void	gateway_reload_done(evutil_socket_t, short, void *);

/*
 * The thread's wake-up: a connected socket pair (evutil_socketpair), both
 * ends nonblocking and closed on exec.  Returns 0, or -1 with errno.
 */
static int
gateway_reload_pair(evutil_socket_t fds[2])
{
	int	i, err;

	if (evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == -1)
		return (-1);
	for (i = 0; i < 2; i++) {
		if (evutil_make_socket_nonblocking(fds[i]) == -1 ||
		    evutil_make_socket_closeonexec(fds[i]) == -1) {
			err = errno;
			evutil_closesocket(fds[0]);
			evutil_closesocket(fds[1]);
			errno = err;
			return (-1);
		}
	}
	return (0);
}

/* Start a thread that reads the file for every waiter so far. */
static int
gateway_reload_start(struct gw_gateway *gw, struct gw_errors *cause)
{
	struct gw_gateway_reload	*rl = gw->reload;
	struct gateway_waiter		*w;
	int				 err;

	if (rl == NULL) {
		if ((rl = calloc(1, sizeof *rl)) == NULL)
			goto oom;
		rl->gw = gw;
		rl->fds[0] = rl->fds[1] = -1;
		TAILQ_INIT(&rl->waiters);
		gw->reload = rl;
	}
	if (rl->fds[0] == -1 && gateway_reload_pair(rl->fds) == -1) {
		err = errno;
		rl->fds[0] = rl->fds[1] = -1;
		goto fail;
	}
	if (rl->done == NULL) {
		if ((rl->done = event_new(gw->base, rl->fds[0], EV_READ |
		    EV_PERSIST, gateway_reload_done, rl)) == NULL)
			goto oom;
		if (event_add(rl->done, NULL) == -1) {
			event_free(rl->done);
			rl->done = NULL;
			goto oom;
		}
	}
	free(rl->path);
	if ((rl->path = strdup(gw->config->path)) == NULL)
		goto oom;
	rl->rc = -1;
	rl->config = NULL;
	gw_errors_free(&rl->errors);
	/* Signals stay with the loop's thread (libevent's evsignal). */
	if ((err = gw_os_thread_start(&rl->thread, gateway_reload_main,
	    rl)) != 0)
		goto fail;
	rl->running = true;
	TAILQ_FOREACH(w, &rl->waiters, entry)
		w->started = true;
	if (!gw->notified_stopping)
		gw_notify_reloading();
	return (0);
oom:
	gw_errors_add(cause, NULL, 0, "out of memory; the configuration is "
	    "unchanged");
	return (-1);
fail:
	gw_errors_add(cause, NULL, 0, "cannot start reading the file: %s; the "
	    "configuration is unchanged", strerror(err));
	return (-1);
}

/* The thread has ended: apply its result and answer its waiters. */
static void
gateway_reload_done(evutil_socket_t fd, short what, void *arg)
{
	struct gw_gateway_reload	*rl = arg;
	struct gw_gateway		*gw = rl->gw;
	struct gateway_waiter		*w;
	struct gw_errors		 outcome = GW_ERRORS_INIT;
	char				 buf[16];
	int				 rc;

	(void)what;
	while (recv(fd, buf, sizeof buf, 0) > 0)
		;
	if (!rl->running)
		return;
	gw_os_thread_join(rl->thread);
	rl->running = false;
	if (gw->stopping) {
		/*
		 * A stop came while the file was read: nothing new listens,
		 * and no further run starts; every waiter is told so.
		 */
		gw_config_free(rl->config);
		rc = -1;
		gw_errors_add(&outcome, NULL, 0, "the daemon is stopping; "
		    "nothing is reloaded");
		TAILQ_FOREACH(w, &rl->waiters, entry)
			w->started = true;
	} else if (rl->rc == 0)
		rc = gateway_reload_apply(gw, rl->config, &outcome);
	else {
		rc = -1;
		gw_errors_move(&outcome, &rl->errors);
	}
	rl->config = NULL;
	gw_errors_free(&rl->errors);
	if (!gw->notified_stopping)
		gw_notify_reloaded(gw->config->nroutes, rc == -1);
	/* A callback may cancel other waiters: take one at a time. */
	for (;;) {
		TAILQ_FOREACH(w, &rl->waiters, entry) {
			if (w->started)
				break;
		}
		if (w == NULL)
			break;
		TAILQ_REMOVE(&rl->waiters, w, entry);
		w->cb(rc, &outcome, w->arg);
		free(w);
	}
	gw_errors_free(&outcome);
	if (TAILQ_EMPTY(&rl->waiters) || gateway_reload_start(gw, &outcome) == 0)
		return;
	while ((w = TAILQ_FIRST(&rl->waiters)) != NULL) {
		TAILQ_REMOVE(&rl->waiters, w, entry);
		w->cb(-1, &outcome, w->arg);
		free(w);
	}
	gw_errors_free(&outcome);
}

int
gw_gateway_reload(struct gw_gateway *gw, gw_gateway_reload_cb *cb, void *arg,
    struct gw_errors *cause)
{
	struct gateway_waiter	*w;

	if (gw->stopping) {
		gw_errors_add(cause, NULL, 0, "the daemon is stopping; nothing "
		    "is reloaded");
		return (-1);
	}
	if (gw->config->path == NULL) {
		gw_errors_add(cause, NULL, 0, "this daemon runs a route from "
		    "-s/-c: there is no file to reload");
		return (-1);
	}
	if ((w = calloc(1, sizeof *w)) == NULL) {
		gw_errors_add(cause, NULL, 0, "out of memory; the configuration "
		    "is unchanged");
		return (-1);
	}
	w->cb = cb;
	w->arg = arg;
	if (gw->reload == NULL || !gw->reload->running) {
		if (gateway_reload_start(gw, cause) == -1) {
			free(w);
			return (-1);
		}
		w->started = true;	/* the thread starts after this ask */
	}
	TAILQ_INSERT_TAIL(&gw->reload->waiters, w, entry);
	return (0);
}

void
gw_gateway_reload_cancel(struct gw_gateway *gw, void *arg)
{
	struct gateway_waiter	*w, *next;

	if (gw->reload == NULL)
		return;
	for (w = TAILQ_FIRST(&gw->reload->waiters); w != NULL; w = next) {
		next = TAILQ_NEXT(w, entry);
		if (w->arg == arg) {
			TAILQ_REMOVE(&gw->reload->waiters, w, entry);
			free(w);
		}
	}
}

/*
 * Free everything (no callback runs).  A thread still reading is not waited
 * for: its read may never end (a FIFO, a hung file system) and the stop must
 * not wait on it (dbgbridge(8) "SIGNALS").  It is detached and keeps rl, and
 * its descriptors, to write into until the process exits.
 */
static void
gateway_reload_free(struct gw_gateway_reload *rl)
{
	struct gateway_waiter	*w;

	if (rl == NULL)
		return;
	while ((w = TAILQ_FIRST(&rl->waiters)) != NULL) {
		TAILQ_REMOVE(&rl->waiters, w, entry);
		free(w);
	}
	if (rl->done != NULL)
		event_free(rl->done);
	rl->done = NULL;
	if (rl->running) {
		gw_os_thread_detach(rl->thread);
		return;
	}
	gw_config_free(rl->config);
	gw_errors_free(&rl->errors);
	free(rl->path);
	if (rl->fds[0] != -1)
		evutil_closesocket(rl->fds[0]);
	if (rl->fds[1] != -1)
		evutil_closesocket(rl->fds[1]);
	free(rl);
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

unsigned
gw_gateway_nsessions(const struct gw_gateway *gw)
{
	const struct gw_route	*r;
	unsigned		 n = 0;

	TAILQ_FOREACH(r, &gw->routes, entry)
		n += r->nsessions;
	return (n);
}

/*
 * The stop deadline (or a second signal): reset every session still open
 * (dbgbridge(8) "SIGNALS").  Each closes with a reset of both its links,
 * never a FIN: its streams were cut.  Reason "stopped: DETAIL" (detail:
 * "deadline", "signal").
 */
static void
gateway_stop_reset(struct gw_gateway *gw, const char *detail)
{
	struct gw_route		*r, *rnext;
	struct gw_session	*s;

	for (r = TAILQ_FIRST(&gw->routes); r != NULL; r = rnext) {
		rnext = TAILQ_NEXT(r, entry);
		/* Each close unlinks its session; the last one ends r. */
		while ((s = TAILQ_FIRST(&r->sessions)) != NULL) {
			s->stop_closed = true;
			gw_session_cut(s, GW_CLOSE_STOPPED, detail);
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
	    gw_gateway_nsessions(gw), gw_gateway_nsessions(gw) == 1 ? "" : "s");
	gateway_stop_reset(gw, "deadline");
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

	if (gw->stopping) {
		gw_log_info("%s again: resetting %u open session%s now",
		    gw_os_signal_name(sig), gw_gateway_nsessions(gw),
		    gw_gateway_nsessions(gw) == 1 ? "" : "s");
		if (gw->stop_timer != NULL)
			evtimer_del(gw->stop_timer);
		gateway_stop_reset(gw, "signal");
		return;
	}
	gw->stopping = true;
	n = gw_gateway_nsessions(gw);
	gw_log_info("%s: stopping: no new sessions; %u open session%s may run "
	    "to their end for up to %u ms (stop_timeout), then are reset",
	    gw_os_signal_name(sig), n, n == 1 ? "" : "s", ms);
	if ((gw->stop_timer = evtimer_new(gw->base, gateway_stop_deadline,
	    gw)) == NULL || gw_timer_add_ms(gw->stop_timer, ms) == -1) {
		gw_log_error("stop: cannot arm the stop deadline; resetting "
		    "every open session now");
		gateway_stop_reset(gw, "deadline");
	}
	for (route = TAILQ_FIRST(&gw->routes); route != NULL; route = next) {
		next = TAILQ_NEXT(route, entry);
		gw_route_stop(route, GW_CLOSE_ROUTE_ENDED);
	}
	if (ms == 0)
		gateway_stop_reset(gw, "deadline");
}

static void
gateway_signal(evutil_socket_t sig, short what, void *arg)
{
	static char		 sighup[] = "SIGHUP";
	struct gw_gateway	*gw = arg;

	(void)what;
	if (sig == gw_os_signal_number(GW_OS_SIGNAL_RELOAD)) {
		gateway_reload_log(gw, sighup);
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
	if (!gw->exiting)
		return;
	if (!gw_control_pending(gw->control)) {
		event_base_loopexit(gw->base, NULL);
		return;
	}
	if (gw->exit_timer == NULL && (gw->exit_timer = evtimer_new(gw->base,
	    gateway_exit_now, gw)) != NULL)
		gw_timer_add_ms(gw->exit_timer, GW_GATEWAY_EXIT_FLUSH_MS);
}

/*
 * Serve the control socket: [gateway] control, or the default path.  A
 * default path that another live daemon already serves leaves this one
 * without a control socket, said in a warning; any other failure (a
 * runtime directory another user owns or others can write) is an error, as
 * is any failure of a configured one.
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
	else if (gw->config->control == NULL && busy) {
		gw_log_warn("control socket: %s; running without one (set "
		    "[gateway] control to give this daemon its own)", cause !=
		    NULL ? cause : "out of memory");
	} else
		gw_log_error("%s: %s", gw->config->control != NULL ?
		    "gateway.control" : "control socket", cause != NULL ?
		    cause : "out of memory");
	free(cause);
	free(path);
	return (gw->control == NULL && (gw->config->control != NULL || !busy) ?
	    -1 : 0);
}

/*
 * A part of the daemon did not start: log why (cause: malloc'd, freed here;
 * NULL: out of memory).  Returns 1, gw_gateway_run's exit status for it.
 */
static int
gateway_start_failed(char *cause)
{
	gw_log_error("%s", cause != NULL ? cause : "out of memory");
	free(cause);
	return (1);
}

int
gw_gateway_run(struct gw_gateway *gw)
{
	struct gw_route	*route;
	char		*cause = NULL, early[64] = "";
	int		 reload;

	gw_os_signals_init();
	gw->dns = evdns_base_new(gw->base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
	if (gw->dns == NULL)
		gw->dns = evdns_base_new(gw->base, 0);
	gw->sigterm = evsignal_new(gw->base,
	    gw_os_signal_number(GW_OS_SIGNAL_STOP), gateway_signal, gw);
	gw->sigint = evsignal_new(gw->base,
	    gw_os_signal_number(GW_OS_SIGNAL_INTERRUPT), gateway_signal, gw);
	/* No reload signal on some platforms (osdep.h): ctl reload only. */
	reload = gw_os_signal_number(GW_OS_SIGNAL_RELOAD);
	gw->sighup = reload == -1 ? NULL : evsignal_new(gw->base, reload,
	    gateway_signal, gw);
	if (gw->dns == NULL || gw->sigterm == NULL || gw->sigint == NULL ||
	    (reload != -1 && gw->sighup == NULL) ||
	    evsignal_add(gw->sigterm, NULL) == -1 ||
	    evsignal_add(gw->sigint, NULL) == -1 ||
	    (gw->sighup != NULL && evsignal_add(gw->sighup, NULL) == -1)) {
		gw_log_error("cannot set up the event loop");
		return (1);
	}
	if (gateway_runtime_make(gw) == -1)
		return (1);
	TAILQ_FOREACH(route, &gw->routes, entry)
		gateway_log_lines(GW_LOG_WARN, NULL, &route->warnings);
	TAILQ_FOREACH(route, &gw->routes, entry) {
		if (gw_route_start(route, &cause) == -1)
			return (gateway_start_failed(cause));
	}
	if (gateway_control(gw) == -1)
		return (1);
	if (gw_metrics_start(gw, &cause) == -1)
		return (gateway_start_failed(cause));
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
	struct gw_route			*route;
	struct gw_route_counters	*c;
	struct event			*events[6];
	size_t				 i;

	if (gw == NULL)
		return;
	while ((route = TAILQ_FIRST(&gw->routes)) != NULL) {
		TAILQ_REMOVE(&gw->routes, route, entry);
		gw_route_free(route);
	}
	gw_session_reap(gw);
	gw_metrics_stop(gw);
	gw_control_free(gw->control);
	gateway_reload_free(gw->reload);
	/* The timers and signal events; any may not have been made. */
	events[0] = gw->exit_timer;
	events[1] = gw->stop_timer;
	events[2] = gw->reap;
	events[3] = gw->sigterm;
	events[4] = gw->sigint;
	events[5] = gw->sighup;
	for (i = 0; i < sizeof events / sizeof events[0]; i++) {
		if (events[i] != NULL)
			event_free(events[i]);
	}
	if (gw->dns != NULL)
		evdns_base_free(gw->dns, 0);
	if (gw->base != NULL)
		event_base_free(gw->base);
	while ((c = TAILQ_FIRST(&gw->counters)) != NULL) {
		TAILQ_REMOVE(&gw->counters, c, entry);
		free(c->name);
		free(c);
	}
	gw_config_free(gw->config);
	free(gw->pipe_dir);
	free(gw);
}
