/*
 * tls.h: the only module that includes OpenSSL.  Contexts for the serving and
 * the connecting side, the certificate store (names, paths, thumbprints),
 * pinning and chain verification, and error strings.  Callers see libevent
 * types only.
 *
 * Rules: doc/design.md "Choices where the debugger docs are silent" (proto=,
 * certuser= / machuser=), RFC 8446 and RFC 5246 for TLS, RFC 6125 for the host
 * name check (through X509_VERIFY_PARAM / SSL_set1_host).
 */
#ifndef GW_TLS_H
#define GW_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/bufferevent.h>
#include <event2/util.h>

#include "transports/spec.h"

struct gw_tls_ctx;

/* Where certuser= and machuser= names are looked up ([tls] section). */
struct gw_tls_stores {
	const char	*user_store;	/* directory for certuser= */
	const char	*machine_store;	/* directory for machuser= */
};

/*
 * Resolve a certuser= / machuser= value to a PEM file (doc/design.md "certuser=
 * / machuser="):
 *   - a value holding '/' is a path;
 *   - 40 or 64 hex digits (pairs may be separated by spaces or ':') is a SHA-1
 *     or SHA-256 thumbprint of a certificate's DER form, matched against the
 *     first certificate of every *.pem file in the store directory;
 *   - anything else is NAME, looked up as DIR/NAME.pem.
 * store: GW_SPEC_CERT_USER or GW_SPEC_CERT_MACHINE picks the directory.
 * Returns a malloc'd path owned by the caller, or NULL with a malloc'd *cause
 * naming the key, the value and the directory searched.
 */
char	*gw_tls_cert_path(enum gw_spec_cert_store store, const char *value,
	    const struct gw_tls_stores *stores, char **cause);

/*
 * The serving side of ssl / spipe: the certificate chain and private key from
 * the PEM that the spec's certuser= / machuser= names, the minimum version from
 * proto= (TLS 1.2 at least), forward-secret AEAD suites, no renegotiation, no
 * compression.  client_ca (a PEM file, or NULL) requires and verifies client
 * certificates.  Refuses a PEM that group or others may read (it holds the
 * private key), and checks that the key matches the certificate.
 * Returns a context owned by the caller (gw_tls_ctx_free), or NULL with a
 * malloc'd *cause ("certuser 'x': cannot load key from /p: ...").
 */
struct gw_tls_ctx *gw_tls_server_new(const struct gw_spec *spec,
	    const struct gw_tls_stores *stores, const char *client_ca,
	    char **cause);

/*
 * The connecting side of ssl / spipe.  With ca NULL the server's leaf
 * certificate must equal the certificate in the PEM the spec names (pinning,
 * doc/design.md "certuser= / machuser=": the client names the same certificate
 * as the server); with ca set the chain is verified against that file and the
 * host name against spec's server= (RFC 6125).  Same errors as
 * gw_tls_server_new.
 */
struct gw_tls_ctx *gw_tls_client_new(const struct gw_spec *spec,
	    const struct gw_tls_stores *stores, const char *ca, char **cause);

/*
 * What a context found worth a warning when it was made, for the log and
 * `dbgbridge -n` (dbgbridge.ini(5) "certuser="): today a pinned certificate
 * whose notAfter has passed (RFC 5280 §4.1.2.5), which pinning still accepts
 * since a pin is matched by identity; each handshake that meets it logs a
 * warning too.  Returns a string owned by ctx, or NULL when there is none.
 */
const char *gw_tls_ctx_warning(const struct gw_tls_ctx *ctx);

/*
 * Free a context (NULL is a no-op).  Free it only once every link made from it
 * is gone: the pinning check reads it during each handshake.
 */
void	 gw_tls_ctx_free(struct gw_tls_ctx *ctx);

/*
 * A TLS bufferevent over a connected or accepted socket.
 * fd: the socket; ownership passes to the bufferevent (closed on free) on
 * success, stays with the caller on failure.  host: server name for SNI and
 * the RFC 6125 check on the connecting side (NULL on the serving side).
 * The handshake starts at once; BEV_EVENT_CONNECTED reports its end, and
 * BEV_EVENT_ERROR a failure (see gw_tls_error).  A peer's close_notify and a
 * TCP close without one both read as BEV_EVENT_EOF.
 * Returns the bufferevent, or NULL with a malloc'd *cause.
 */
struct bufferevent *gw_tls_bufferevent_new(struct gw_tls_ctx *ctx,
	    struct event_base *base, evutil_socket_t fd, const char *host,
	    char **cause);

/*
 * Half-close the write direction of a TLS link: send close_notify once every
 * buffered byte has been written (RFC 8446 §6.1), keep reading.  Call only
 * when the output buffer is empty.  Returns 0, or -1 when the alert could not
 * be written now (the link then closes with the session).
 */
int	 gw_tls_half_close(struct bufferevent *bev);

/*
 * After the bufferevent's EOF, re-arm its writing when bytes are still owed
 * to the peer: libevent 2.1's bufferevent_openssl stops both directions on a
 * close_notify, which would strand them.  It may report EOF once more; the
 * caller ignores repeats.  No-op on a non-TLS bufferevent or an empty output.
 */
void	 gw_tls_resume_writing(struct bufferevent *bev);

/*
 * The negotiated version ("TLSv1.3") and the peer certificate's subject
 * (RFC 2253 form, "" when the peer sent none), each written NUL-terminated
 * into the caller's buffer of the given size in bytes.
 */
void	 gw_tls_describe(struct bufferevent *bev, char *version, size_t vsize,
	    char *subject, size_t ssize);

/*
 * Why the link failed: the certificate check result when there was one
 * ("server certificate does not match the pinned certificate ..."), else the
 * OpenSSL errors queued on the bufferevent, else the socket error.  A first
 * record that is not TLS at all (RFC 8446 section 5.1) is said plainly: "the
 * client spoke plain text (not TLS) to an ssl port (wrong version number)".
 * Returns a malloc'd string owned by the caller (never NULL unless out of
 * memory).
 */
char	*gw_tls_error(struct bufferevent *bev);

/*
 * The hex thumbprint ("ab:cd:...") of the DER certificate in a PEM file, with
 * SHA-256 when sha256 is true, else SHA-1.  Returns malloc'd text or NULL with
 * a malloc'd *cause.  (Used by `dbgbridge -n` and the tests.)
 */
char	*gw_tls_thumbprint_file(const char *path, bool sha256, char **cause);

/*
 * What a smart client needs to name the certificate in a PEM file: its SHA-1
 * thumbprint as 40 lower-case hex digits with no separators (the debugger
 * accepts a thumbprint in certuser= / machuser=, doc/transports.md §2.4) and
 * its subject in RFC 2253 form (unescaped: for display on the operator's
 * terminal).  Both malloc'd, owned by the caller.  Returns 0, or -1 with both
 * NULL and a malloc'd *cause naming the file ("cannot read /p: No such file
 * ...").
 */
int	 gw_tls_cert_summary(const char *path, char **sha1, char **subject,
	    char **cause);

/* The OpenSSL version this process runs with ("OpenSSL 3.0.17 1 Jul 2025"). */
const char *gw_tls_version(void);

#endif /* GW_TLS_H */
