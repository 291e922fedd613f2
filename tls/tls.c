/*
 * tls.c: TLS contexts, pinning, bufferevents and error strings.  See tls.h.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include "gateway/log.h"
#include "osdep/osdep.h"
#include "tls/tls.h"
#include "tls/tls_int.h"

/* Forward-secret AEAD suites for TLS 1.2; TLS 1.3 suites are all AEAD. */
#define TLS_CIPHERS_12 "ECDHE+AESGCM:ECDHE+CHACHA20"

struct gw_tls_ctx {
	SSL_CTX		*ssl_ctx;
	bool		 server;
	X509		*pin;		/* connecting side without ca */
	char		*name;		/* certuser / machuser value, for messages */
	char		*warning;	/* gw_tls_ctx_warning, or NULL */
};

/* SSL ex_data slot: a malloc'd message from the certificate check. */
static int tls_msg_index = -1;
/* SSL ex_data slot: the event that retries a close_notify (freed with it). */
static int tls_retry_index = -1;

static void	tls_retry_free(void *, void *, CRYPTO_EX_DATA *, int, long,
		    void *);

void
gw_tls_cause(char **cause, const char *fmt, ...)
{
	va_list	ap;

	if (cause == NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(cause, fmt, ap) == -1)
		*cause = NULL;
	va_end(ap);
}

static void
tls_msg_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	(void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
	free(ptr);
}

/* The reasons on OpenSSL's error queue, "; "-joined, into buf. */
static void
tls_queue_reasons(char *buf, size_t size)
{
	unsigned long	 e;
	const char	*r;
	size_t		 o = 0;

	buf[0] = '\0';
	while ((e = ERR_get_error()) != 0) {
		if (o + 3 >= size)
			continue;
		r = ERR_reason_error_string(e);
		o += snprintf(buf + o, size - o, "%s%s", o ? "; " : "",
		    r != NULL ? r : "unknown error");
		if (o >= size)
			o = size - 1;
	}
}

static const char *
tls_key(const struct gw_spec *spec)
{
	return (spec->cert_store == GW_SPEC_CERT_MACHINE ? "machuser" :
	    "certuser");
}

static int
tls_min_version(enum gw_spec_proto proto)
{
	return (proto == GW_SPEC_PROTO_TLS1_3 ? TLS1_3_VERSION :
	    TLS1_2_VERSION);
}

static struct gw_tls_ctx *
tls_ctx_new(const struct gw_spec *spec, bool server, char **cause)
{
	struct gw_tls_ctx	*ctx;
	char			 why[256];

	if (tls_msg_index == -1)
		tls_msg_index = SSL_get_ex_new_index(0, NULL, NULL, NULL,
		    tls_msg_free);
	if (tls_retry_index == -1)
		tls_retry_index = SSL_get_ex_new_index(0, NULL, NULL, NULL,
		    tls_retry_free);
	if ((ctx = calloc(1, sizeof *ctx)) == NULL ||
	    (ctx->name = strdup(spec->cert != NULL ? spec->cert : "")) == NULL) {
		free(ctx);
		gw_tls_cause(cause, "out of memory");
		return (NULL);
	}
	ctx->server = server;
	ctx->ssl_ctx = SSL_CTX_new(server ? TLS_server_method() :
	    TLS_client_method());
	if (ctx->ssl_ctx == NULL) {
		tls_queue_reasons(why, sizeof why);
		gw_tls_cause(cause, "cannot make a TLS context: %s", why);
		free(ctx->name);
		free(ctx);
		return (NULL);
	}
	SSL_CTX_set_app_data(ctx->ssl_ctx, ctx);
	SSL_CTX_set_min_proto_version(ctx->ssl_ctx,
	    tls_min_version(spec->proto));
	/*
	 * A peer that closes TCP without close_notify ends its stream, as with
	 * plain tcp: OpenSSL 3 would report an error instead, which libevent's
	 * allow_dirty_shutdown does not cover.
	 */
	SSL_CTX_set_options(ctx->ssl_ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE |
	    SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_mode(ctx->ssl_ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_cipher_list(ctx->ssl_ctx, TLS_CIPHERS_12);
	return (ctx);
}

/*
 * Whether a PEM file holds a private key block (RFC 7468 "PRIVATE KEY",
 * "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY", ...): 1 yes, 0 no, -1 when the
 * file cannot be read (the loader then says why).
 */
static int
tls_pem_has_key(const char *path)
{
	BIO	*bio;
	char	*name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long	 len;
	int	 found = 0;

	if ((bio = BIO_new_file(path, "r")) == NULL) {
		ERR_clear_error();
		return (-1);
	}
	while (!found && PEM_read_bio(bio, &name, &header, &data, &len) == 1) {
		found = strstr(name, "PRIVATE KEY") != NULL;
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		name = header = NULL;
		data = NULL;
	}
	BIO_free(bio);
	ERR_clear_error();
	return (found);
}

struct gw_tls_ctx *
gw_tls_server_new(const struct gw_spec *spec, const struct gw_tls_stores *stores,
    const char *client_ca, char **cause)
{
	struct gw_tls_ctx	*ctx;
	STACK_OF(X509_NAME)	*names;
	unsigned		 mode;
	char			*path, why[256];

	if ((path = gw_tls_cert_path(spec->cert_store, spec->cert, stores,
	    cause)) == NULL)
		return (NULL);
	if (tls_pem_has_key(path) == 0) {
		gw_tls_cause(cause, "%s '%s': %s holds no private key; the "
		    "serving side needs the certificate and its key in one PEM "
		    "(cat cert.pem key.pem > %s; chmod 600 %s)", tls_key(spec),
		    spec->cert, path, path, path);
		free(path);
		return (NULL);
	}
	/* The serving side's PEM holds the private key: ours alone (ssh(1)). */
	if (gw_os_file_shared(path, &mode) == 1) {
		gw_tls_cause(cause, "%s '%s': %s holds the private key and is "
		    "readable by group or others (mode %04o); chmod 600 it",
		    tls_key(spec), spec->cert, path, mode);
		free(path);
		return (NULL);
	}
	if ((ctx = tls_ctx_new(spec, true, cause)) == NULL) {
		free(path);
		return (NULL);
	}
	if (SSL_CTX_use_certificate_chain_file(ctx->ssl_ctx, path) != 1) {
		tls_queue_reasons(why, sizeof why);
		gw_tls_cause(cause, "%s '%s': cannot load the certificate "
		    "chain from %s: %s", tls_key(spec), spec->cert, path, why);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx->ssl_ctx, path,
	    SSL_FILETYPE_PEM) != 1) {
		if (ERR_GET_REASON(ERR_peek_last_error()) ==
		    X509_R_KEY_VALUES_MISMATCH) {
			ERR_clear_error();
			gw_tls_cause(cause, "%s '%s': the private key in %s does "
			    "not match its certificate", tls_key(spec),
			    spec->cert, path);
			goto fail;
		}
		tls_queue_reasons(why, sizeof why);
		gw_tls_cause(cause, "%s '%s': cannot load the private key from "
		    "%s: %s", tls_key(spec), spec->cert, path, why);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx->ssl_ctx) != 1) {
		tls_queue_reasons(why, sizeof why);
		gw_tls_cause(cause, "%s '%s': the private key in %s does not "
		    "match its certificate", tls_key(spec), spec->cert, path);
		goto fail;
	}
	if (client_ca != NULL) {
		if (SSL_CTX_load_verify_locations(ctx->ssl_ctx, client_ca,
		    NULL) != 1 ||
		    (names = SSL_load_client_CA_file(client_ca)) == NULL) {
			tls_queue_reasons(why, sizeof why);
			gw_tls_cause(cause, "client_ca: cannot load %s: %s",
			    client_ca, why);
			goto fail;
		}
		SSL_CTX_set_client_CA_list(ctx->ssl_ctx, names);
		/*
		 * A resumed session must carry a session id context when peers
		 * are verified, or OpenSSL fails the handshake
		 * (SSL_CTX_set_session_id_context(3)).  Schannel resumes.
		 */
		if (SSL_CTX_set_session_id_context(ctx->ssl_ctx,
		    (const unsigned char *)"dbgbridge", 9) != 1) {
			tls_queue_reasons(why, sizeof why);
			gw_tls_cause(cause, "client_ca: %s", why);
			goto fail;
		}
		SSL_CTX_set_verify(ctx->ssl_ctx, SSL_VERIFY_PEER |
		    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	free(path);
	return (ctx);
fail:
	free(path);
	gw_tls_ctx_free(ctx);
	return (NULL);
}

/*
 * When x's notAfter has passed: true, with the date ("2025-01-02 00:00:00
 * UTC") in buf (RFC 5280 §4.1.2.5).
 */
static bool
tls_expired(X509 *x, char *buf, size_t size)
{
	const ASN1_TIME	*t = X509_get0_notAfter(x);
	struct tm	 tm;

	if (t == NULL || X509_cmp_current_time(t) >= 0)
		return (false);
	if (ASN1_TIME_to_tm(t, &tm) != 1 ||
	    strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, size, "an unreadable date");
	return (true);
}

/*
 * The pinning check (doc/design.md "certuser= / machuser=": the connecting side
 * names the same certificate as the server): the leaf must equal the pinned
 * certificate.  The chain is not consulted.  On a mismatch a message with both
 * SHA-256 thumbprints is kept on the SSL for gw_tls_error.
 */
static int
tls_pin_verify(X509_STORE_CTX *xctx, void *arg)
{
	struct gw_tls_ctx	*ctx = arg;
	X509			*leaf = X509_STORE_CTX_get0_cert(xctx);
	SSL			*ssl;
	char			 got[65], want[65], subject[256], *msg;
	char			 when[64];

	if (leaf != NULL && X509_cmp(leaf, ctx->pin) == 0) {
		/* Pinned by identity: expired or not, it is the one named. */
		if (tls_expired(leaf, when, sizeof when)) {
			X509_NAME_oneline(X509_get_subject_name(leaf), subject,
			    sizeof subject);
			gw_log_warn("TLS: server certificate %s matches the "
			    "pinned certificate '%s' but expired on %s; accepted "
			    "(a pin is matched by identity): renew it", subject,
			    ctx->name, when);
		}
		return (1);
	}
	X509_STORE_CTX_set_error(xctx, X509_V_ERR_CERT_REJECTED);
	ssl = X509_STORE_CTX_get_ex_data(xctx,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ssl == NULL || leaf == NULL)
		return (0);
	gw_tls_x509_thumb(leaf, true, got, sizeof got);
	gw_tls_x509_thumb(ctx->pin, true, want, sizeof want);
	X509_NAME_oneline(X509_get_subject_name(leaf), subject, sizeof subject);
	if (asprintf(&msg, "server certificate %s (sha256 %.16s...) does not "
	    "match the pinned certificate '%s' (sha256 %.16s...)", subject, got,
	    ctx->name, want) != -1) {
		free(SSL_get_ex_data(ssl, tls_msg_index));
		SSL_set_ex_data(ssl, tls_msg_index, msg);
	}
	return (0);
}

struct gw_tls_ctx *
gw_tls_client_new(const struct gw_spec *spec, const struct gw_tls_stores *stores,
    const char *ca, char **cause)
{
	struct gw_tls_ctx	*ctx;
	char			*path, why[256], *c = NULL;
	char			 when[64], subject[256];

	if ((ctx = tls_ctx_new(spec, false, cause)) == NULL)
		return (NULL);
	if (ca != NULL) {
		if (SSL_CTX_load_verify_locations(ctx->ssl_ctx, ca, NULL) != 1) {
			tls_queue_reasons(why, sizeof why);
			gw_tls_cause(cause, "tls.ca: cannot load %s: %s", ca, why);
			goto fail;
		}
		SSL_CTX_set_verify(ctx->ssl_ctx, SSL_VERIFY_PEER, NULL);
		return (ctx);
	}
	if ((path = gw_tls_cert_path(spec->cert_store, spec->cert, stores,
	    cause)) == NULL)
		goto fail;
	ctx->pin = gw_tls_read_cert(path, &c);
	free(path);
	if (ctx->pin == NULL) {
		gw_tls_cause(cause, "%s '%s': %s", tls_key(spec), spec->cert,
		    c != NULL ? c : "cannot read the certificate");
		free(c);
		goto fail;
	}
	if (tls_expired(ctx->pin, when, sizeof when)) {
		X509_NAME_oneline(X509_get_subject_name(ctx->pin), subject,
		    sizeof subject);
		gw_tls_cause(&ctx->warning, "%s '%s': the pinned certificate "
		    "%s expired on %s; a server that presents it is still "
		    "accepted (a pin is matched by identity), with a warning "
		    "each time: renew it", tls_key(spec), spec->cert, subject,
		    when);
	}
	SSL_CTX_set_verify(ctx->ssl_ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_cert_verify_callback(ctx->ssl_ctx, tls_pin_verify, ctx);
	return (ctx);
fail:
	gw_tls_ctx_free(ctx);
	return (NULL);
}

void
gw_tls_ctx_free(struct gw_tls_ctx *ctx)
{
	if (ctx == NULL)
		return;
	SSL_CTX_free(ctx->ssl_ctx);
	X509_free(ctx->pin);
	free(ctx->name);
	free(ctx->warning);
	free(ctx);
}

const char *
gw_tls_ctx_warning(const struct gw_tls_ctx *ctx)
{
	return (ctx != NULL ? ctx->warning : NULL);
}

static bool
tls_is_ip(const char *host)
{
	unsigned char	buf[16];

	return (evutil_inet_pton(AF_INET, host, buf) == 1 ||
	    evutil_inet_pton(AF_INET6, host, buf) == 1);
}

struct bufferevent *
gw_tls_bufferevent_new(struct gw_tls_ctx *ctx, struct event_base *base,
    evutil_socket_t fd, const char *host, char **cause)
{
	struct bufferevent	*bev;
	SSL			*ssl;
	char			 why[256];

	if ((ssl = SSL_new(ctx->ssl_ctx)) == NULL) {
		tls_queue_reasons(why, sizeof why);
		gw_tls_cause(cause, "cannot make a TLS session: %s", why);
		return (NULL);
	}
	if (!ctx->server && host != NULL) {
		if (!tls_is_ip(host))
			SSL_set_tlsext_host_name(ssl, host);
		if (ctx->pin == NULL)
			SSL_set1_host(ssl, host);
	}
	bev = bufferevent_openssl_socket_new(base, fd, ssl, ctx->server ?
	    BUFFEREVENT_SSL_ACCEPTING : BUFFEREVENT_SSL_CONNECTING,
	    BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		/* libevent frees ssl on failure only with CLOSE_ON_FREE set. */
		gw_tls_cause(cause, "cannot make a TLS bufferevent");
		return (NULL);
	}
	/*
	 * No allow_dirty_shutdown: SSL_OP_IGNORE_UNEXPECTED_EOF already reads a
	 * TCP close without close_notify as EOF; libevent's flag would also
	 * turn a reset or a failed write (SSL_ERROR_SYSCALL) into EOF.
	 */
	return (bev);
}

static void
tls_retry_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	(void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
	if (ptr != NULL)
		event_free(ptr);
}

static void
tls_shutdown_retry(evutil_socket_t fd, short what, void *arg)
{
	SSL	*ssl = arg;
	int	 r;

	(void)fd;
	(void)what;
	ERR_clear_error();
	if ((r = SSL_shutdown(ssl)) < 0 &&
	    SSL_get_error(ssl, r) == SSL_ERROR_WANT_WRITE)
		event_add(SSL_get_ex_data(ssl, tls_retry_index), NULL);
	ERR_clear_error();
}

int
gw_tls_half_close(struct bufferevent *bev)
{
	SSL		*ssl = bufferevent_openssl_get_ssl(bev);
	struct event	*ev;
	int		 r;

	if (ssl == NULL)
		return (-1);
	ERR_clear_error();
	if ((r = SSL_shutdown(ssl)) >= 0)
		return (0);
	if (SSL_get_error(ssl, r) != SSL_ERROR_WANT_WRITE) {
		ERR_clear_error();
		return (-1);
	}
	/* The alert waits in OpenSSL: send it when the socket takes more. */
	ERR_clear_error();
	if ((ev = event_new(bufferevent_get_base(bev), bufferevent_getfd(bev),
	    EV_WRITE, tls_shutdown_retry, ssl)) == NULL)
		return (-1);
	SSL_set_ex_data(ssl, tls_retry_index, ev);
	return (event_add(ev, NULL));
}

void
gw_tls_resume_writing(struct bufferevent *bev)
{
	if (bufferevent_openssl_get_ssl(bev) == NULL ||
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		return;
	bufferevent_disable(bev, EV_WRITE);
	bufferevent_enable(bev, EV_WRITE);
}

void
gw_tls_describe(struct bufferevent *bev, char *version, size_t vsize,
    char *subject, size_t ssize)
{
	SSL		*ssl = bufferevent_openssl_get_ssl(bev);
	X509		*peer;
	BIO		*bio;
	int		 n;

	snprintf(version, vsize, "%s", ssl != NULL ? SSL_get_version(ssl) : "");
	subject[0] = '\0';
	if (ssl == NULL || (peer = SSL_get0_peer_certificate(ssl)) == NULL)
		return;
	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return;
	X509_NAME_print_ex(bio, X509_get_subject_name(peer), 0,
	    XN_FLAG_RFC2253);
	n = BIO_read(bio, subject, (int)ssize - 1);
	subject[n > 0 ? n : 0] = '\0';
	BIO_free(bio);
}

/*
 * True when OpenSSL's error means the first record was not TLS at all: a
 * version no TLS record carries, an HTTP request, a proxy CONNECT (RFC 8446
 * section 5.1: every record starts with a content type and a legacy version
 * 0x03xx).
 */
static bool
tls_error_not_tls(unsigned long e)
{
	if (ERR_GET_LIB(e) != ERR_LIB_SSL)
		return (false);
	switch (ERR_GET_REASON(e)) {
	case SSL_R_WRONG_VERSION_NUMBER:
	case SSL_R_HTTP_REQUEST:
	case SSL_R_HTTPS_PROXY_REQUEST:
		return (true);
	default:
		return (false);
	}
}

char *
gw_tls_error(struct bufferevent *bev)
{
	SSL		*ssl = bufferevent_openssl_get_ssl(bev);
	const char	*msg;
	char		 buf[512], *out;
	unsigned long	 e;
	size_t		 o = 0;
	long		 vr;
	int		 err;
	bool		 plain = false;

	if (ssl != NULL && (msg = SSL_get_ex_data(ssl, tls_msg_index)) != NULL)
		return (strdup(msg));
	if (ssl != NULL && (vr = SSL_get_verify_result(ssl)) != X509_V_OK) {
		if (asprintf(&out, "certificate verify failed: %s",
		    X509_verify_cert_error_string(vr)) == -1)
			return (NULL);
		return (out);
	}
	buf[0] = '\0';
	while ((e = bufferevent_get_openssl_error(bev)) != 0) {
		if (!plain)
			plain = tls_error_not_tls(e);
		if (o + 3 >= sizeof buf)
			continue;
		if ((msg = ERR_reason_error_string(e)) == NULL)
			continue;	/* a bare SSL_ERROR_* code, not a reason */
		o += snprintf(buf + o, sizeof buf - o, "%s%s", o ? "; " : "",
		    msg);
		if (o >= sizeof buf)
			o = sizeof buf - 1;
	}
	if (plain) {
		/* Say what happened, then what OpenSSL saw. */
		if (asprintf(&out, "%s (%s)", ssl != NULL &&
		    SSL_is_server(ssl) ? "the client spoke plain text (not TLS) "
		    "to an ssl port" : "the server answered in plain text "
		    "(not TLS)", buf) == -1)
			return (NULL);
		return (out);
	}
	if (o > 0)
		return (strdup(buf));
	err = EVUTIL_SOCKET_ERROR();
	if (err != 0)
		return (strdup(evutil_socket_error_to_string(err)));
	return (strdup("connection closed during the handshake"));
}

const char *
gw_tls_version(void)
{
	return (OpenSSL_version(OPENSSL_VERSION));
}
