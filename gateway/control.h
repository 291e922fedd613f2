/*
 * control.h: the control socket, and the `dbgbridge ctl` client that talks
 * to it (doc/design.md "Interfaces"; issue "Connect, disconnect, end").
 *
 * The channel is a pipe served by the npipe endpoint (transports/transport.h
 * gw_npipe_listen), named by the platform (osdep.h gw_os_control_pipe): on
 * Unix a Unix-domain stream socket, mode 0600; on Windows the named pipe
 * \\.\pipe\dbgbridge-NAME, local clients only.  A request is one line of
 * at most GW_CONTROL_MAX_LINE bytes: COMMAND [ARG] [--json] [--timeout MS].
 * The reply is a status line, "ok" or "error MESSAGE", then
 * the body, then the daemon closes the connection.  Commands:
 *
 *   list                one row per route and per session
 *   show ID             every field of one session
 *   disconnect ID       DisconnectProcessServer for one session: the server
 *                       gets EOF, its answer still reaches the client, the
 *                       session ends; the route goes on
 *   end [ROUTE]         EndProcessServer for a route, or every route: stop
 *                       serving, drain, close; with none left the daemon exits
 *   wait [ROUTE]        WaitForProcessServerEnd: the reply comes when the
 *                       route (or every route) has ended: "ended", or
 *                       "timeout" after --timeout MS (or 10s, 2m)
 *   stats               totals since start
 *   reload              reload the file (gw_gateway_reload): "ok" and what
 *                       changed, or the first error (all are logged)
 *
 * --json (list, show, stats) makes the body one JSON document (RFC 8259),
 * with the fields of gateway/report.h.
 */
#ifndef GW_CONTROL_H
#define GW_CONTROL_H

#include <stdbool.h>

struct gw_gateway;
struct gw_control;

/* The longest request line, in bytes, newline excluded. */
#define GW_CONTROL_MAX_LINE	1024

/* One parsed request; the strings point into the parsed line. */
struct gw_control_req {
	char		*cmd;
	char		*arg;		/* the one positional argument, or NULL */
	bool		 json;		/* --json */
	long		 timeout_ms;	/* --timeout MS; -1 when absent */
};

/*
 * A --timeout value: milliseconds ("500"), or a duration with a unit as the
 * configuration writes them ("10s", "250ms", "2m"; dbgbridge.ini(5)
 * "Durations").  Stores milliseconds (0 to INT_MAX) in *ms.  Returns 0, or -1
 * for NULL, a negative, a malformed or a too large value.
 */
int	 gw_control_parse_timeout(const char *text, long *ms);

/*
 * Parse a request line (without its newline): COMMAND [ARG] [--json]
 * [--timeout T | --timeout=T] (T as gw_control_parse_timeout takes it),
 * words split on blanks, options anywhere.  line is cut up in place and req
 * points into it.  Returns 0, or -1 with *why a static message ("--timeout
 * takes milliseconds or a duration such as 10s", "too many arguments",
 * "empty request").  Commands are checked by the caller.
 */
int	 gw_control_parse(char *line, struct gw_control_req *req,
	    const char **why);

/*
 * Serve the control channel at path: the pipe gw_os_control_pipe names,
 * made by gw_npipe_listen with mode 0600 and, on Windows, for local clients
 * only (on Unix a Unix-domain socket whose directory must pass
 * gw_npipe_dir_open, trusting the [gateway] user too; a stale socket left by
 * a dead daemon is removed, a live one is not).  Returns the control server
 * (owned by the caller), or NULL with a malloc'd *cause naming the path;
 * *busy is set only when another live daemon serves that path (errno
 * EADDRINUSE from gw_npipe_listen; a refused directory is not busy).
 */
struct gw_control *gw_control_start(struct gw_gateway *gw, const char *path,
	    bool *busy, char **cause);

/* True while a reply is still being written (NULL: false). */
bool	 gw_control_pending(struct gw_control *ctl);

/* A route ended: answer the `wait` requests it satisfies. */
void	 gw_control_route_ended(struct gw_control *ctl);

/*
 * Stop serving: close every connection (the gateway has already waited for
 * pending replies: gw_gateway_check_exit), remove the socket.  NULL is a
 * no-op.
 */
void	 gw_control_free(struct gw_control *ctl);

/*
 * The `dbgbridge ctl` client: argv holds COMMAND and its arguments (argv[0]
 * is "ctl"); -S PATH picks the socket.  Prints the body on stdout and errors
 * on stderr.  Connects through gw_os_control_dial: on Unix only once PATH's
 * directory passes gw_npipe_dir_open (placed: a directory root made for a
 * service's user is accepted) and the socket gw_npipe_sock_check, and talks
 * only to a peer gw_npipe_peer_check accepts (dbgbridge(8) ENVIRONMENT).
 * Returns the exit status: 0 ok, 1 for
 * `wait` that timed out, 2 for any error (no daemon at PATH, a directory or
 * socket another user could have put there, no such session or route, bad
 * usage).
 */
int	 gw_ctl_main(int argc, char **argv);

/*
 * The control socket's default path: DIR/control, DIR being the runtime
 * directory gw_gateway_runtime_dir() names.  Returns a malloc'd path.
 */
char	*gw_control_default_path(void);

#endif /* GW_CONTROL_H */
