/* tls_int.h: helpers shared by the files of tls/ only (OpenSSL types allowed). */
#ifndef GW_TLS_INT_H
#define GW_TLS_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tls/tls.h"

/* Set *cause (if cause is not NULL) to a malloc'd printf-formatted message. */
void	 gw_tls_cause(char **cause, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Lower-case hex SHA-256 / SHA-1 digest of x's DER form into out (size bytes). */
int	 gw_tls_x509_thumb(X509 *x, bool sha256, char *out, size_t size);

/* The first certificate in a PEM file, or NULL with *cause. Caller frees. */
X509	*gw_tls_read_cert(const char *path, char **cause);

/*
 * ' ' and ':' dropped, lower-cased: the hex digits of a thumbprint value into
 * out (size bytes).  Returns how many, or 0 when value holds anything else.
 */
size_t	 gw_tls_thumb_normalise(const char *value, char *out, size_t size);

/*
 * What a certuser= / machuser= value names (doc/design.md "certuser= /
 * machuser="): a PEM file, or a certificate in the platform's store.
 */
struct gw_tls_cert {
	char		*path;		/* the PEM file, or NULL: in a store */
	X509		*x509;		/* the store's certificate, or NULL */
	char		*where;		/* the store, for messages, or NULL */
	void		*handle;	/* the platform's, for the key */
};

/*
 * The platform's lookup (tls/store-posix.c: gw_tls_cert_path; on Windows
 * tls/store-win32.c: the system stores, "Windows certificate stores").
 * Fills *cert (which gw_tls_store_clear empties) and returns 0, or returns
 * -1 with a malloc'd *cause naming the key, the value and where it looked.
 */
int	 gw_tls_store_find(enum gw_spec_cert_store store, const char *value,
	    const struct gw_tls_stores *stores, struct gw_tls_cert *cert,
	    char **cause);

/*
 * The private key of a store's certificate (cert->path NULL) into ssl_ctx,
 * used where it lives, and what that key allows of the context (the
 * protocol versions, the signature algorithms).  spec: the serving spec
 * (proto=, the key and value for messages).  Returns 0, or -1 with a
 * malloc'd *cause saying why the key cannot be used.
 */
int	 gw_tls_store_use_key(SSL_CTX *ssl_ctx, const struct gw_tls_cert *cert,
	    const struct gw_spec *spec, char **cause);

/* Free what *cert holds and zero it (a zeroed one is a no-op). */
void	 gw_tls_store_clear(struct gw_tls_cert *cert);

#endif
