/*
 * store-posix.c: where certuser= and machuser= look off Windows: PEM files,
 * named or found by thumbprint in the store directories (doc/design.md
 * "certuser= / machuser="; gw_tls_cert_path in tls/store.c).  There is no
 * key held elsewhere: the PEM carries it.  See tls_int.h.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "tls/tls.h"
#include "tls/tls_int.h"

int
gw_tls_store_find(enum gw_spec_cert_store store, const char *value,
    const struct gw_tls_stores *stores, struct gw_tls_cert *cert,
    char **cause)
{
	memset(cert, 0, sizeof *cert);
	if ((cert->path = gw_tls_cert_path(store, value, stores,
	    cause)) == NULL)
		return (-1);
	return (0);
}

int
gw_tls_store_use_key(SSL_CTX *ssl_ctx, const struct gw_tls_cert *cert,
    const struct gw_spec *spec, char **cause)
{
	(void)ssl_ctx;
	(void)cert;
	gw_tls_cause(cause, "%s '%s': no certificate store holds keys on this "
	    "platform", spec->cert_store == GW_SPEC_CERT_MACHINE ? "machuser" :
	    "certuser", spec->cert);
	return (-1);
}

void
gw_tls_store_clear(struct gw_tls_cert *cert)
{
	free(cert->path);
	X509_free(cert->x509);
	free(cert->where);
	memset(cert, 0, sizeof *cert);
}
