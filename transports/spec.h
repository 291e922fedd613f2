/*
 * spec.h: the WinDbg transport-string grammar (pure: no I/O, no allocation
 * beyond the parsed result).
 *
 * Rules come from doc/transports.md (cited below by section, §N) and
 * the choices in doc/design.md ("Choices where the debugger docs are
 * silent").  The parser accepts exactly the strings a smart client, dbgsrv,
 * kdsrv or dbengprx accepts; the canonical printer emits the documented key
 * order with lower-case keys and never prints a password.
 */
#ifndef GW_SPEC_H
#define GW_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Which transport a spec names (doc/transports.md §2.2, §2.3, §2.5). */
enum gw_spec_transport {
	GW_SPEC_TCP,
	GW_SPEC_NPIPE,
	GW_SPEC_SSL,
	GW_SPEC_SPIPE,
	GW_SPEC_COM,
	GW_SPEC_KDSRV,		/* client side only: kdsrv:server=@{..},trans=@{..} */
};

/*
 * Which side a spec describes (doc/design.md "Vocabulary"): a server-side spec
 * says how a server is reached (dbgsrv -t, route `serve`); a client-side spec
 * says how a client reaches one (-premote, route `connect`).  GW_SPEC_EITHER is
 * only an argument to gw_spec_parse().
 */
enum gw_spec_side {
	GW_SPEC_SERVER,
	GW_SPEC_CLIENT,
	GW_SPEC_EITHER,
};

/*
 * proto= (doc/design.md "proto="): tls1 means TLS 1.2 or newer; tls1.2 and
 * tls1.3 set the minimum.  ssl2, ssl3, pct1, tls1.0, tls1.1 are refused by the
 * parser.
 */
enum gw_spec_proto {
	GW_SPEC_PROTO_NONE,	/* not a TLS transport */
	GW_SPEC_PROTO_TLS1,	/* "tls1": TLS 1.2 minimum */
	GW_SPEC_PROTO_TLS1_2,	/* "tls1.2" */
	GW_SPEC_PROTO_TLS1_3,	/* "tls1.3" */
};

/*
 * certuser= or machuser= (doc/transports.md §3.1, doc/design.md "certuser= /
 * machuser=").
 */
enum gw_spec_cert_store {
	GW_SPEC_CERT_NONE,
	GW_SPEC_CERT_USER,	/* certuser= : [tls] user_store */
	GW_SPEC_CERT_MACHINE,	/* machuser= : [tls] machine_store */
};

/*
 * One parsed transport string.  Every string member is a NUL-terminated copy
 * owned by the struct (freed by gw_spec_free) or NULL when the key is absent.
 */
struct gw_spec {
	enum gw_spec_transport	 transport;
	enum gw_spec_side	 side;		/* GW_SPEC_SERVER or GW_SPEC_CLIENT */

	/* tcp, ssl: port= ; port_lo == port_hi for an exact port. 0 when absent. */
	uint16_t		 port_lo;
	uint16_t		 port_hi;
	char			*server;	/* server= host, leading "\\" and [] stripped */
	char			*clicon;	/* clicon= host, leading "\\" and [] stripped */
	bool			 ipv6;		/* ipversion=6 */

	/* npipe, spipe */
	char			*pipe;		/* pipe= as given (may hold %d / %x) */

	/* com: port= as given ("com1", "1" or a device path), baud=, channel= */
	char			*com_port;
	unsigned		 baud;		/* bits per second, > 0 */
	unsigned		 channel;	/* 0..254 */

	/* ssl, spipe */
	enum gw_spec_proto	 proto;
	enum gw_spec_cert_store	 cert_store;
	char			*cert;		/* certificate name, path or thumbprint as given */

	/* every transport */
	char			*password;	/* 1..12 alphanumerics, case kept; never printed */
	bool			 hidden;	/* server side, not with clicon */
	bool			 icf_enable;	/* IcfEnable: tcp / npipe listen forms only */

	/* kdsrv */
	struct gw_spec		*inner;		/* server=@{CLIENT-SPEC}, client side */
	char			*trans;		/* trans=@{...} in canonical form, without @{};
						   a net: key= is kept as "key=*" */
};

/*
 * Parse one transport string.
 *
 * text:  the spec, e.g. "tcp:server=lab7,port=5005"; not modified.
 * side:  GW_SPEC_SERVER or GW_SPEC_CLIENT to validate for that side;
 *        GW_SPEC_EITHER accepts a spec valid for either side (the server-side
 *        reading wins when both are valid; the result's side says which).
 * out:   on success *out is a new spec owned by the caller (gw_spec_free).
 * cause: on failure *cause is a malloc'd message owned by the caller, of the
 *        form "TRANSPORT: what is wrong" naming the key, e.g.
 *          tcp: 'port' must be 1-65535, got '70000'
 *          ssl: needs exactly one of 'certuser' or 'machuser'
 *          tcp: 'server' is a client-side key; a server-side spec listens on 'port'
 *          tcp: unknown key 'prot'; did you mean 'port'?
 *          ssl: proto=ssl3 is insecure and refused; use proto=tls1 (TLS 1.2 or newer)
 *
 * Grammar: doc/transports.md §2.1-§2.5 and §3.1-§3.2; transport names and
 * keys are case-insensitive, values keep their case, keys may come in any
 * order, duplicate / unknown / wrong-side / missing keys are errors
 * (doc/design.md "Keys and values").  Returns 0 on success, -1 on error (then
 * *out is untouched).
 */
int	 gw_spec_parse(const char *text, enum gw_spec_side side,
	    struct gw_spec **out, char **cause);

/* Free a spec from gw_spec_parse (NULL is a no-op). */
void	 gw_spec_free(struct gw_spec *spec);

/*
 * The canonical form of a spec (doc/design.md "Keys and values"): lower-case
 * transport and keys, the key order of the documented syntax line for its form
 * (doc/transports.md §2.2, §2.3, §2.5), flags as bare words ("hidden",
 * "icfenable"), "ipversion=6", a port range as "A:B", and "password=*" in place
 * of any password and "key=*" in place of a kdsrv trans=@{net:...} key.
 * Returns a malloc'd string owned by the caller, or NULL when out of memory.
 */
char	*gw_spec_canonical(const struct gw_spec *spec);

/*
 * The longest pipe= name in bytes (doc/transports.md §3.1 pipe=;
 * dbgbridge.ini(5) "pipe="): off Windows a pipe is a Unix-domain socket named
 * pipe_dir/NAME, and the whole path must fit sockaddr_un's sun_path (unix(7))
 * with its NUL; the shortest pipe_dir, "/", leaves this much for NAME.  On the
 * server side the length counts each %d at 10 bytes and each %x at 8 (a process
 * id at its widest).  The length with the configured pipe_dir is checked by
 * gw_npipe_path (transports/transport.h).
 */
#define GW_SPEC_PIPE_MAX	106

/*
 * The rule for a pipe= name (doc/transports.md §2.1 "pipe names must not
 * contain spaces or quotation marks", §3.1 pipe=; dbgbridge.8 "Transport
 * strings"), the one both the grammar (gw_spec_parse, so `spec` and `-n`) and
 * the daemon (gw_npipe_path) apply:
 *   - 1 to GW_SPEC_PIPE_MAX bytes;
 *   - no space, tab, '"', ',' or control character, no '/', and not "." or
 *     ".." (the name is one file in pipe_dir);
 *   - server side (GW_SPEC_SERVER): a '%' starts %d or %x (at most two of
 *     them: the first becomes the process id, a second the thread id) or %%
 *     (a literal '%'); any other '%' is an error.  Client side: the name the
 *     server ended up with, taken literally ('%' is an ordinary byte).
 * name: the value of pipe=.  side: GW_SPEC_SERVER or GW_SPEC_CLIENT.
 * Returns 0, or -1 with a malloc'd *cause (when cause is not NULL) of the
 * form "'pipe' may not contain '/', got '../x'".
 */
int	 gw_spec_pipe_check(const char *name, enum gw_spec_side side,
	    char **cause);

/*
 * A server-side pipe name as the server creates it (doc/transports.md §3.1):
 * the first two %d / %x codes become pid in decimal / hexadecimal (a second
 * code is the thread id, which for the main thread is the process id on Linux)
 * and "%%" becomes "%".  name must have passed gw_spec_pipe_check for the
 * server side.  out: a buffer of size bytes.  Returns 0, or -1 when the result
 * does not fit or name breaks the rule.
 */
int	 gw_spec_pipe_expand(const char *name, long pid, char *out,
	    size_t size);

/* The transport's lower-case name ("tcp", "npipe", ...). Static storage. */
const char *gw_spec_transport_name(enum gw_spec_transport transport);

/* True for ssl and spipe, and for kdsrv whose inner spec is ssl or spipe. */
bool	 gw_spec_is_tls(const struct gw_spec *spec);

/*
 * The string a smart client pastes to reach a route (dbgbridge(8) "-n").
 *
 * serve:   the route's server-side spec (what dbgbridge offers).
 * connect: the route's client-side spec (how dbgbridge reaches the server);
 *          a kdsrv connect spec makes the result a kernel smart-client string.
 * host:    the name or address the smart client uses to reach dbgbridge
 *          (for clicon= serve specs, the host dbgbridge dials is in serve).
 * cert:    for ssl and spipe, what the smart client writes after certuser= or
 *          machuser= (a SHA-1 thumbprint of the route's certificate, which the
 *          debugger accepts there); NULL keeps the route's own value.
 * Returns a malloc'd string owned by the caller, or NULL when out of memory:
 *   "-premote tcp:server=HOST,port=5005"
 *   "-premote ssl:proto=tls1,certuser=THUMBPRINT,server=HOST,port=6000"
 *   "-premote tcp:clicon=HOST,port=5005"             (serve has clicon=)
 *   "-premote npipe:server=HOST,pipe=NAME"
 *   "-k kdsrv:server=@{tcp:server=HOST,port=5005},trans=@{com:port=com1,baud=57600}"
 * proto= is always tls1, the one TLS value the debugger documents
 * (doc/transports.md §2.4); the route keeps its own minimum.  A server-side
 * port range yields its first port.  Passwords and a net: key= never appear
 * ("key=*").
 */
char	*gw_spec_client_string(const struct gw_spec *serve,
	    const struct gw_spec *connect, const char *host, const char *cert);

#endif /* GW_SPEC_H */
