/*
 * main.c: the command line (doc/design.md "Interfaces"; short options follow
 * dbengprx: -s what clients reach, -c how to reach the server, -p persist).
 *
 *   dbgbridge [-f FILE]                 run the routes in an INI file
 *   dbgbridge -s SPEC -c SPEC [-p]      one route from the command line
 *   dbgbridge -n [-f FILE]              check the configuration and print it
 *   dbgbridge spec [--server|--client] SPEC
 *   dbgbridge service install|remove|run ...   (Windows: osdep.h
 *                                       gw_os_service_main)
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "config/config.h"
#include "gateway/control.h"
#include "gateway/gateway.h"
#include "gateway/log.h"
#include "osdep/osdep.h"
#include "tls/tls.h"
#include "transports/spec.h"

/*
 * The default configuration: dbgbridge.ini in the machine's directory
 * (osdep.h gw_os_machine_dir: SYSCONFDIR/dbgbridge, or
 * %ProgramData%\dbgbridge on Windows).  Returns a malloc'd path, or NULL.
 */
static char *
default_config(void)
{
	char	*dir, *path;

	if ((dir = gw_os_machine_dir()) == NULL)
		return (NULL);
	if (asprintf(&path, "%s/dbgbridge.ini", dir) == -1)
		path = NULL;
	free(dir);
	return (path);
}

static void
usage(FILE *f)
{
	char	*def = default_config();

	fprintf(f,
	    "usage: dbgbridge [-n] [-f FILE]\n"
	    "       dbgbridge [-n] -s SERVE-SPEC -c CONNECT-SPEC [-p]\n"
	    "       dbgbridge spec [--server|--client] SPEC\n"
	    "       dbgbridge ctl [-S SOCKET|-f FILE] list|show ID|"
	    "disconnect ID|end [ROUTE]|\n"
	    "                     wait [ROUTE] [--timeout MS|DURATION]|stats|"
	    "reload [--json]\n"
	    "       dbgbridge service install [-f FILE] [--name NAME] "
	    "[--demand]|\n"
	    "                         remove [--name NAME] (Windows)\n"
	    "       dbgbridge --version\n"
	    "\n"
	    "  -f FILE   the INI file (default %s)\n"
	    "  -s SPEC   where smart clients reach dbgbridge (server side)\n"
	    "  -c SPEC   how dbgbridge reaches the process server (client side)\n"
	    "  -p        persist: keep serving after the process server ends\n"
	    "  -n        check the configuration, print every route and the\n"
	    "            string a smart client pastes, and exit\n",
	    def != NULL ? def : "out of memory");
	free(def);
}

/* `dbgbridge spec`: exit 0 with the canonical form, or 2 with the error. */
static int
cmd_spec(int argc, char **argv)
{
	enum gw_spec_side	 side = GW_SPEC_EITHER;
	struct gw_spec		*spec;
	char			*cause = NULL, *canon;
	int			 i;

	for (i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "--server") == 0)
			side = GW_SPEC_SERVER;
		else if (strcmp(argv[i], "--client") == 0)
			side = GW_SPEC_CLIENT;
		else
			break;
	}
	if (i != argc - 1) {
		fprintf(stderr, "usage: dbgbridge spec [--server|--client] SPEC\n");
		return (2);
	}
	if (gw_spec_parse(argv[i], side, &spec, &cause) == -1) {
		fprintf(stderr, "%s\n", cause != NULL ? cause : "out of memory");
		free(cause);
		return (2);
	}
	if ((canon = gw_spec_canonical(spec)) == NULL) {
		gw_spec_free(spec);
		return (2);
	}
	if (side == GW_SPEC_EITHER)
		printf("%s side: %s\n", spec->side == GW_SPEC_SERVER ?
		    "server" : "client", canon);
	else
		printf("%s\n", canon);
	free(canon);
	gw_spec_free(spec);
	return (0);
}

/* Print each entry of a list of errors, one line each. */
static void
print_errors(const char *what, const struct gw_errors *errors)
{
	const char	*text, *where;
	char		 buf[PATH_MAX + 32];
	size_t		 i;

	for (i = 0; i < gw_errors_count(errors); i++) {
		text = gw_errors_line(errors, i, &where, buf, sizeof buf);
		fprintf(stderr, "dbgbridge: %s%s%s%s\n", what != NULL ? what :
		    "", what != NULL ? ": " : "", where, text);
	}
}

/*
 * The daemon: the options above, then the routes run until stopped.  Also
 * what a Windows service runs (gw_os_service_main calls it with "-f FILE"
 * on the service's thread).  Returns the exit status: 0, 1 (the
 * configuration or a route failed, said in the log), 2 (usage).
 */
static int
run_daemon(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char		*file = NULL, *serve = NULL, *connect = NULL;
	bool			 check = false, persist = false;
	bool			 default_file = false;
	char			*owned = NULL;
	struct gw_config	*config;
	struct gw_gateway	*gw;
	struct gw_errors	 errors = GW_ERRORS_INIT;
	int			 ch, rc;

	while ((ch = getopt_long(argc, argv, "f:s:c:pnh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			file = optarg;
			break;
		case 's':
			serve = optarg;
			break;
		case 'c':
			connect = optarg;
			break;
		case 'p':
			persist = true;
			break;
		case 'n':
			check = true;
			break;
		case 'h':
			usage(stdout);
			return (0);
		case 'V':
			printf("dbgbridge %s (%s, libevent %s)\n", PACKAGE_VERSION,
			    gw_tls_version(), event_get_version());
			return (0);
		default:
			usage(stderr);
			return (2);
		}
	}
	if (optind != argc || (serve == NULL) != (connect == NULL) ||
	    (serve != NULL && file != NULL) || (persist && serve == NULL)) {
		usage(stderr);
		return (2);
	}

	if (serve != NULL)
		rc = gw_config_from_args(serve, connect, persist, &config,
		    &errors);
	else {
		default_file = file == NULL;
		if (file == NULL && (file = owned = default_config()) == NULL) {
			fprintf(stderr, "dbgbridge: out of memory\n");
			return (1);
		}
		rc = gw_config_load_all(file, &config, &errors);
	}
	if (rc == -1) {
		/*
		 * Every error in one pass (dbgbridge(8) "-n"): the certificates
		 * and users of what did parse are checked too, and -n prints
		 * the routes it can.
		 */
		if (config != NULL)
			(void)gw_gateway_check(config, check ? stdout : NULL,
			    &errors);
		print_errors(NULL, &errors);
		gw_errors_free(&errors);
		/* The usual first run: from the source tree, no -f. */
		if (default_file && access(file, F_OK) == -1)
			fprintf(stderr, "dbgbridge: no configuration at the "
			    "default path; name one with -f FILE (the source "
			    "tree has config/dbgbridge.ini)\n");
		free(owned);
		return (1);
	}
	free(owned);	/* the configuration keeps its own copy */
	if (check) {
		/* Lines go to stderr: -n opens no log file or event source. */
		rc = gw_gateway_check(config, stdout, &errors);
		if (rc == -1)
			print_errors(NULL, &errors);
		gw_errors_free(&errors);
		return (rc == -1 ? 1 : 0);
	}
	if (gw_log_configure(config) == -1) {
		gw_config_free(config);
		return (1);
	}
	gw_os_tune_allocator();
	if ((gw = gw_gateway_new(config, &errors)) == NULL) {
		print_errors(NULL, &errors);
		gw_errors_free(&errors);
		return (1);
	}
	rc = gw_gateway_run(gw);
	gw_gateway_free(gw);
	return (rc);
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "spec") == 0)
		return (cmd_spec(argc - 1, argv + 1));
	if (argc > 1 && strcmp(argv[1], "ctl") == 0)
		return (gw_ctl_main(argc - 1, argv + 1));
	if (argc > 1 && strcmp(argv[1], "service") == 0)
		return (gw_os_service_main(argc - 1, argv + 1, run_daemon));
	return (run_daemon(argc, argv));
}
