/* tls_int.h: helpers shared by the files of tls/ only (OpenSSL types allowed). */
#ifndef GW_TLS_INT_H
#define GW_TLS_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509.h>

/* Set *cause (if cause is not NULL) to a malloc'd printf-formatted message. */
void	 gw_tls_cause(char **cause, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Lower-case hex SHA-256 / SHA-1 digest of x's DER form into out (size bytes). */
int	 gw_tls_x509_thumb(X509 *x, bool sha256, char *out, size_t size);

/* The first certificate in a PEM file, or NULL with *cause. Caller frees. */
X509	*gw_tls_read_cert(const char *path, char **cause);

#endif
