/*
 * store.c: certificate names, paths and thumbprints (doc/design.md "certuser= /
 * machuser=").  See tls.h.  What a name means beyond a PEM file is the
 * platform's: tls/store-posix.c, tls/store-win32.c (gw_tls_store_find).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "osdep/compat.h"

#include "tls/tls.h"
#include "tls/tls_int.h"

size_t
gw_tls_thumb_normalise(const char *value, char *out, size_t size)
{
	size_t	n = 0;

	for (; *value != '\0'; value++) {
		if (*value == ' ' || *value == ':')
			continue;
		if (!isxdigit((unsigned char)*value) || n + 1 >= size)
			return (0);
		out[n++] = (char)tolower((unsigned char)*value);
	}
	out[n] = '\0';
	return (n);
}

int
gw_tls_x509_thumb(X509 *x, bool sha256, char *out, size_t size)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 len, i;

	if (!X509_digest(x, sha256 ? EVP_sha256() : EVP_sha1(), md, &len))
		return (-1);
	if (size < (size_t)len * 2 + 1)
		return (-1);
	for (i = 0; i < len; i++)
		snprintf(out + i * 2, 3, "%02x", md[i]);
	return (0);
}

X509 *
gw_tls_read_cert(const char *path, char **cause)
{
	FILE	*f;
	X509	*x;

	if ((f = fopen(path, "r")) == NULL) {
		gw_tls_cause(cause, "cannot open %s: %s", path, strerror(errno));
		return (NULL);
	}
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL)
		gw_tls_cause(cause, "no PEM certificate in %s", path);
	return (x);
}

static const char *
store_key(enum gw_spec_cert_store store)
{
	return (store == GW_SPEC_CERT_MACHINE ? "machuser" : "certuser");
}

char *
gw_tls_cert_path(enum gw_spec_cert_store store, const char *value,
    const struct gw_tls_stores *stores, char **cause)
{
	const char	*dir, *key = store_key(store);
	char		 want[129], have[129], *path = NULL;
	size_t		 n;
	DIR		*d;
	struct dirent	*de;
	X509		*x;

	if (strchr(value, '/') != NULL) {
		if (access(value, R_OK) != 0) {
			gw_tls_cause(cause, "%s '%s': %s", key, value,
			    strerror(errno));
			return (NULL);
		}
		return (strdup(value));
	}
	dir = store == GW_SPEC_CERT_MACHINE ? stores->machine_store :
	    stores->user_store;
	if (dir == NULL) {
		gw_tls_cause(cause, "%s '%s': no certificate store is set",
		    key, value);
		return (NULL);
	}
	n = gw_tls_thumb_normalise(value, want, sizeof want);
	if (n != 40 && n != 64) {
		if (asprintf(&path, "%s/%s.pem", dir, value) == -1)
			return (NULL);
		if (access(path, R_OK) != 0) {
			gw_tls_cause(cause, "%s '%s': no readable %s.pem in %s",
			    key, value, value, dir);
			free(path);
			return (NULL);
		}
		return (path);
	}
	/* A thumbprint: the first certificate of every *.pem in the store. */
	if ((d = opendir(dir)) == NULL) {
		gw_tls_cause(cause, "%s '%s': cannot read store %s: %s", key,
		    value, dir, strerror(errno));
		return (NULL);
	}
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 4, ".pem") != 0)
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) == -1) {
			path = NULL;
			break;
		}
		if ((x = gw_tls_read_cert(path, NULL)) != NULL) {
			n = gw_tls_x509_thumb(x, strlen(want) == 64, have,
			    sizeof have) == 0 && strcmp(have, want) == 0;
			X509_free(x);
			if (n)
				break;
		}
		free(path);
		path = NULL;
	}
	closedir(d);
	if (path == NULL)
		gw_tls_cause(cause, "%s '%s': no certificate with that "
		    "thumbprint in %s", key, value, dir);
	return (path);
}

char *
gw_tls_thumbprint_file(const char *path, bool sha256, char **cause)
{
	X509	*x;
	char	 hex[129], *out;
	size_t	 i, n;

	if ((x = gw_tls_read_cert(path, cause)) == NULL)
		return (NULL);
	if (gw_tls_x509_thumb(x, sha256, hex, sizeof hex) != 0) {
		X509_free(x);
		gw_tls_cause(cause, "cannot digest the certificate in %s", path);
		return (NULL);
	}
	X509_free(x);
	n = strlen(hex) / 2;
	if ((out = malloc(n * 3)) == NULL)
		return (NULL);
	for (i = 0; i < n; i++) {
		out[i * 3] = hex[i * 2];
		out[i * 3 + 1] = hex[i * 2 + 1];
		out[i * 3 + 2] = i + 1 < n ? ':' : '\0';
	}
	return (out);
}

/* The SHA-1 thumbprint and RFC 2253 subject of x, as gw_tls_cert_summary. */
static int
store_x509_summary(X509 *x, const char *what, char **sha1, char **subject,
    char **cause)
{
	BIO	*bio;
	char	 hex[41];
	long	 n;
	char	*p;

	*sha1 = *subject = NULL;
	if (gw_tls_x509_thumb(x, false, hex, sizeof hex) != 0 ||
	    (bio = BIO_new(BIO_s_mem())) == NULL) {
		gw_tls_cause(cause, "cannot digest the certificate in %s", what);
		return (-1);
	}
	X509_NAME_print_ex(bio, X509_get_subject_name(x), 0, XN_FLAG_RFC2253);
	n = BIO_get_mem_data(bio, &p);
	if ((*sha1 = strdup(hex)) == NULL ||
	    (*subject = strndup(p, n > 0 ? (size_t)n : 0)) == NULL) {
		BIO_free(bio);
		free(*sha1);
		*sha1 = NULL;
		gw_tls_cause(cause, "out of memory");
		return (-1);
	}
	BIO_free(bio);
	return (0);
}

int
gw_tls_cert_summary(const char *path, char **sha1, char **subject,
    char **cause)
{
	X509	*x;
	int	 rc;

	*sha1 = *subject = NULL;
	if ((x = gw_tls_read_cert(path, cause)) == NULL)
		return (-1);
	rc = store_x509_summary(x, path, sha1, subject, cause);
	X509_free(x);
	return (rc);
}

int
gw_tls_cert_describe(enum gw_spec_cert_store store, const char *value,
    const struct gw_tls_stores *stores, char **where, char **sha1,
    char **subject, char **cause)
{
	struct gw_tls_cert	cert;
	int			rc;

	*where = *sha1 = *subject = NULL;
	if (gw_tls_store_find(store, value, stores, &cert, cause) == -1)
		return (-1);
	if (cert.path != NULL)
		rc = gw_tls_cert_summary(cert.path, sha1, subject, cause);
	else
		rc = store_x509_summary(cert.x509, cert.where, sha1, subject,
		    cause);
	if (rc == 0 && (*where = strdup(cert.path != NULL ? cert.path :
	    cert.where)) == NULL) {
		free(*sha1);
		free(*subject);
		*sha1 = *subject = NULL;
		gw_tls_cause(cause, "out of memory");
		rc = -1;
	}
	gw_tls_store_clear(&cert);
	return (rc);
}
