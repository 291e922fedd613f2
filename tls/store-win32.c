/*
 * store-win32.c: where certuser= and machuser= look on Windows (doc/design.md
 * "Windows certificate stores").  See tls_int.h.
 *
 * A value holding '/' or '\' is a PEM file, as off Windows.  Anything else
 * names a certificate in a system store, as the debugger docs mean it:
 * certuser= the current user's personal store (CERT_SYSTEM_STORE_CURRENT_USER,
 * "My"), machuser= the local machine's (CERT_SYSTEM_STORE_LOCAL_MACHINE, "My"),
 * by SHA-1 thumbprint (40 hex digits, spaces or ':' allowed:
 * CERT_FIND_SHA1_HASH), by SHA-256 thumbprint (64, compared here, as off
 * Windows) or else by subject (CERT_FIND_SUBJECT_STR: the value is a
 * case-insensitive substring of the subject; the first match wins).  The
 * certificate is decoded from its DER form (pbCertEncoded, d2i_X509); its
 * private key stays where CryptoAPI keeps it (a key marked not exportable
 * works) and is used through OpenSSL's CAPI engine, found by the container,
 * provider and key set that the certificate's CERT_KEY_PROV_INFO_PROP_ID
 * names (the Win32 docs, "CRYPT_KEY_PROV_INFO").
 *
 * What the engine cannot do is said, not worked around: a key held by CNG
 * alone (a key storage provider, dwProvType 0) is out of its reach, and a
 * CryptoAPI RSA key signs PKCS #1 v1.5 only (CryptSignHash), so such a
 * context serves TLS 1.2 with rsa_pkcs1 signatures: TLS 1.3 signs with
 * RSA-PSS only (RFC 8446 section 4.2.3).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

/*
 * The ENGINE API is deprecated in OpenSSL 3.0, yet 3.0 has no provider for
 * CryptoAPI keys: the CAPI engine built into libcrypto is the way in.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <winsock2.h>	/* before windows.h: tls.h brings libevent's */
#include <windows.h>
#include <wincrypt.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "osdep/compat.h"
#include "osdep/pump-win32.h"

#include "tls/tls.h"
#include "tls/tls_int.h"

/* What a server signs with a CryptoAPI RSA key: PKCS #1 v1.5 only. */
#define STORE_SIGALGS	"RSA+SHA256:RSA+SHA384:RSA+SHA512"
/*
 * What it still accepts from a client certificate ([route] client_ca): the
 * client's key is not ours, so every algorithm TLS 1.2 allows.
 */
#define STORE_CLIENT_SIGALGS \
	"ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512:ed25519:ed448:" \
	"rsa_pss_pss_sha256:rsa_pss_pss_sha384:rsa_pss_pss_sha512:" \
	"rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:" \
	"RSA+SHA256:RSA+SHA384:RSA+SHA512"

/* The CAPI engine, initialised once (a functional reference, never let go). */
static ENGINE	*store_engine;

static const char *
store_key(enum gw_spec_cert_store store)
{
	return (store == GW_SPEC_CERT_MACHINE ? "machuser" : "certuser");
}

/* The store's name as certutil and the MMC snap-in spell it, for messages. */
static const char *
store_where(enum gw_spec_cert_store store)
{
	return (store == GW_SPEC_CERT_MACHINE ? "LocalMachine\\My" :
	    "CurrentUser\\My");
}

static const char *
store_whose(enum gw_spec_cert_store store)
{
	return (store == GW_SPEC_CERT_MACHINE ? "the local machine's" :
	    "the current user's");
}

/* OpenSSL's queued errors with their data, "; "-joined, into buf. */
static void
store_queue(char *buf, size_t size)
{
	unsigned long	 e;
	const char	*r, *data;
	int		 flags;
	size_t		 o = 0;

	buf[0] = '\0';
	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
		if (o + 3 >= size)
			continue;
		r = ERR_reason_error_string(e);
		o += snprintf(buf + o, size - o, "%s%s%s%s", o ? "; " : "",
		    r != NULL ? r : "unknown error",
		    (flags & ERR_TXT_STRING) && data[0] != '\0' ? ": " : "",
		    (flags & ERR_TXT_STRING) ? data : "");
		if (o >= size)
			o = size - 1;
	}
	if (o == 0)
		snprintf(buf, size, "no reason given");
}

/* UTF-8 to a malloc'd wide string (the Win32 "W" functions), or NULL. */
static WCHAR *
store_wide(const char *s)
{
	WCHAR	*w;
	int	 n;

	if ((n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0)) <= 0 ||
	    (w = calloc((size_t)n, sizeof *w)) == NULL)
		return (NULL);
	if (MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n) <= 0) {
		free(w);
		return (NULL);
	}
	return (w);
}

/*
 * A wide string to a malloc'd one in codepage cp: CP_ACP for the engine,
 * which turns its strings back with MultiByteToWideChar(CP_ACP); CP_UTF8
 * for messages.
 */
static char *
store_narrow(const WCHAR *w, UINT cp)
{
	char	*s;
	int	 n;

	if ((n = WideCharToMultiByte(cp, 0, w, -1, NULL, 0, NULL,
	    NULL)) <= 0 || (s = malloc((size_t)n)) == NULL)
		return (NULL);
	if (WideCharToMultiByte(cp, 0, w, -1, s, n, NULL, NULL) <= 0) {
		free(s);
		return (NULL);
	}
	return (s);
}

/* The first certificate of the store whose DER form has this SHA-256. */
static PCCERT_CONTEXT
store_find_sha256(HCERTSTORE h, const char *want)
{
	PCCERT_CONTEXT		 c = NULL;
	const unsigned char	*p;
	X509			*x;
	char			 have[65];
	int			 match;

	while ((c = CertEnumCertificatesInStore(h, c)) != NULL) {
		p = c->pbCertEncoded;
		if ((x = d2i_X509(NULL, &p, (long)c->cbCertEncoded)) == NULL) {
			ERR_clear_error();
			continue;
		}
		match = gw_tls_x509_thumb(x, true, have, sizeof have) == 0 &&
		    strcmp(have, want) == 0;
		X509_free(x);
		if (match)
			return (c);	/* CertEnum... freed none: ours */
	}
	return (NULL);
}

int
gw_tls_store_find(enum gw_spec_cert_store store, const char *value,
    const struct gw_tls_stores *stores, struct gw_tls_cert *cert,
    char **cause)
{
	const char		*key = store_key(store);
	const unsigned char	*p;
	char			 hex[129], why[256], *q;
	BYTE			 sha1[20];
	CRYPT_HASH_BLOB		 blob;
	HCERTSTORE		 h;
	PCCERT_CONTEXT		 c;
	WCHAR			*wvalue;
	DWORD			 err;
	size_t			 n, i;

	(void)stores;	/* the directories: PEM files by path here */
	memset(cert, 0, sizeof *cert);
	if (strpbrk(value, "/\\") != NULL) {
		if (access(value, R_OK) != 0) {
			gw_tls_cause(cause, "%s '%s': %s", key, value,
			    strerror(errno));
			return (-1);
		}
		if ((cert->path = strdup(value)) == NULL) {
			gw_tls_cause(cause, "out of memory");
			return (-1);
		}
		return (0);
	}
	h = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0,
	    (store == GW_SPEC_CERT_MACHINE ? CERT_SYSTEM_STORE_LOCAL_MACHINE :
	    CERT_SYSTEM_STORE_CURRENT_USER) | CERT_STORE_OPEN_EXISTING_FLAG |
	    CERT_STORE_READONLY_FLAG, L"My");
	if (h == NULL) {
		err = GetLastError();
		if (err == ERROR_FILE_NOT_FOUND)
			gw_tls_cause(cause, "%s '%s': no certificate in %s "
			    "store (%s): the store does not exist", key, value,
			    store_whose(store), store_where(store));
		else
			gw_tls_cause(cause, "%s '%s': cannot open %s store "
			    "(%s): %s", key, value, store_whose(store),
			    store_where(store), gw_win_strerror_hex(err, why,
			    sizeof why));
		return (-1);
	}
	n = gw_tls_thumb_normalise(value, hex, sizeof hex);
	if (n == 40) {
		for (i = 0; i < sizeof sha1; i++)
			sha1[i] = (BYTE)strtoul((char[3]){ hex[i * 2],
			    hex[i * 2 + 1], '\0' }, NULL, 16);
		blob.cbData = sizeof sha1;
		blob.pbData = sha1;
		c = CertFindCertificateInStore(h, X509_ASN_ENCODING |
		    PKCS_7_ASN_ENCODING, 0, CERT_FIND_SHA1_HASH, &blob, NULL);
	} else if (n == 64)
		c = store_find_sha256(h, hex);
	else {
		if ((wvalue = store_wide(value)) == NULL) {
			CertCloseStore(h, 0);
			gw_tls_cause(cause, "%s '%s': not a valid UTF-8 name",
			    key, value);
			return (-1);
		}
		c = CertFindCertificateInStore(h, X509_ASN_ENCODING |
		    PKCS_7_ASN_ENCODING, 0, CERT_FIND_SUBJECT_STR_W, wvalue,
		    NULL);
		free(wvalue);
	}
	/* A context keeps its store open until it is freed (the Win32 docs). */
	CertCloseStore(h, 0);
	if (c == NULL) {
		if (n == 40 || n == 64)
			gw_tls_cause(cause, "%s '%s': no certificate with that "
			    "SHA-%s thumbprint in %s store (%s)", key, value,
			    n == 40 ? "1" : "256", store_whose(store),
			    store_where(store));
		else
			gw_tls_cause(cause, "%s '%s': no certificate whose "
			    "subject contains '%s' in %s store (%s)", key,
			    value, value, store_whose(store),
			    store_where(store));
		return (-1);
	}
	p = c->pbCertEncoded;
	if ((cert->x509 = d2i_X509(NULL, &p, (long)c->cbCertEncoded)) == NULL) {
		store_queue(why, sizeof why);
		CertFreeCertificateContext(c);
		gw_tls_cause(cause, "%s '%s': OpenSSL cannot decode the "
		    "certificate found in %s: %s", key, value,
		    store_where(store), why);
		return (-1);
	}
	if ((q = strdup(store_where(store))) == NULL) {
		gw_tls_store_clear(cert);
		CertFreeCertificateContext(c);
		gw_tls_cause(cause, "out of memory");
		return (-1);
	}
	cert->where = q;
	cert->handle = (void *)c;
	return (0);
}

/* x's subject in RFC 2253 form, as -n and the session lines give it. */
static void
store_subject(X509 *x, char *buf, size_t size)
{
	BIO	*bio;
	int	 n = 0;

	if ((bio = BIO_new(BIO_s_mem())) != NULL) {
		X509_NAME_print_ex(bio, X509_get_subject_name(x), 0,
		    XN_FLAG_RFC2253);
		n = BIO_read(bio, buf, (int)size - 1);
		BIO_free(bio);
	}
	buf[n > 0 ? n : 0] = '\0';
}

/* The CAPI engine, loaded and initialised on first use; NULL with why. */
static ENGINE *
store_capi(char *why, size_t size)
{
	ENGINE	*e;

	if (store_engine != NULL)
		return (store_engine);
	ERR_clear_error();
	if (OPENSSL_init_crypto(OPENSSL_INIT_ENGINE_CAPI, NULL) != 1 ||
	    (e = ENGINE_by_id("capi")) == NULL) {
		store_queue(why, size);
		return (NULL);
	}
	if (ENGINE_init(e) != 1) {
		store_queue(why, size);
		ENGINE_free(e);
		return (NULL);
	}
	ENGINE_free(e);		/* the functional reference stays */
	store_engine = e;
	return (e);
}

/* The certificate's key location (CERT_KEY_PROV_INFO_PROP_ID), malloc'd. */
static CRYPT_KEY_PROV_INFO *
store_prov_info(PCCERT_CONTEXT c, DWORD *err)
{
	CRYPT_KEY_PROV_INFO	*info;
	DWORD			 size = 0;

	if (!CertGetCertificateContextProperty(c, CERT_KEY_PROV_INFO_PROP_ID,
	    NULL, &size)) {
		*err = GetLastError();
		return (NULL);
	}
	if ((info = malloc(size)) == NULL) {
		*err = ERROR_NOT_ENOUGH_MEMORY;
		return (NULL);
	}
	if (!CertGetCertificateContextProperty(c, CERT_KEY_PROV_INFO_PROP_ID,
	    info, &size)) {
		*err = GetLastError();
		free(info);
		return (NULL);
	}
	return (info);
}

/*
 * The provider's name: the one the certificate names, else the default
 * provider of that type for the user or the machine (CryptGetDefaultProvider).
 */
static char *
store_provider(const CRYPT_KEY_PROV_INFO *info)
{
	WCHAR	 name[256];
	DWORD	 len = sizeof name;

	if (info->pwszProvName != NULL && info->pwszProvName[0] != L'\0')
		return (store_narrow(info->pwszProvName, CP_ACP));
	if (!CryptGetDefaultProviderW(info->dwProvType, NULL,
	    (info->dwFlags & CRYPT_MACHINE_KEYSET) ? CRYPT_MACHINE_DEFAULT :
	    CRYPT_USER_DEFAULT, name, &len))
		return (NULL);
	return (store_narrow(name, CP_ACP));
}

int
gw_tls_store_use_key(SSL_CTX *ssl_ctx, const struct gw_tls_cert *cert,
    const struct gw_spec *spec, char **cause)
{
	PCCERT_CONTEXT		 c = cert->handle;
	CRYPT_KEY_PROV_INFO	*info;
	const char		*key = store_key(spec->cert_store);
	char			 why[512], subject[256];
	char			*prov = NULL, *cont = NULL, *u8;
	ENGINE			*e;
	EVP_PKEY		*pkey = NULL;
	DWORD			 err, keyspec;
	int			 rc = -1;

	store_subject(cert->x509, subject, sizeof subject);
	if ((info = store_prov_info(c, &err)) == NULL) {
		if (err == (DWORD)CRYPT_E_NOT_FOUND)
			gw_tls_cause(cause, "%s '%s': the certificate %s in %s "
			    "has no private key there; import it with its key "
			    "(a PFX: certutil %s-importpfx FILE.pfx)", key,
			    spec->cert, subject, cert->where,
			    spec->cert_store == GW_SPEC_CERT_MACHINE ? "" :
			    "-user ");
		else
			gw_tls_cause(cause, "%s '%s': cannot read where the "
			    "key of %s in %s is kept: %s", key, spec->cert,
			    subject, cert->where, gw_win_strerror_hex(err, why,
			    sizeof why));
		return (-1);
	}
	if (info->dwProvType == 0) {
		u8 = info->pwszProvName != NULL ?
		    store_narrow(info->pwszProvName, CP_UTF8) : NULL;
		gw_tls_cause(cause, "%s '%s': the private key of %s in %s is "
		    "held by CNG (key storage provider '%s'), which OpenSSL's "
		    "CAPI engine cannot use; import the PFX into a CryptoAPI "
		    "provider (certutil %s-csp \"Microsoft Enhanced RSA and "
		    "AES Cryptographic Provider\" -importpfx FILE.pfx) or name "
		    "a PEM file", key, spec->cert, subject, cert->where,
		    u8 != NULL ? u8 : "?", spec->cert_store ==
		    GW_SPEC_CERT_MACHINE ? "" : "-user ");
		free(u8);
		free(info);
		return (-1);
	}
	if (spec->proto == GW_SPEC_PROTO_TLS1_3) {
		gw_tls_cause(cause, "%s '%s': proto=tls1.3 needs RSA-PSS "
		    "signatures (RFC 8446 section 4.2.3), which a key in %s "
		    "cannot make through CryptoAPI (PKCS #1 v1.5 only); use "
		    "proto=tls1 or tls1.2, or a PEM file", key, spec->cert,
		    cert->where);
		free(info);
		return (-1);
	}
	if ((e = store_capi(why, sizeof why)) == NULL) {
		gw_tls_cause(cause, "%s '%s': OpenSSL's CAPI engine is not "
		    "available: %s", key, spec->cert, why);
		free(info);
		return (-1);
	}
	if ((prov = store_provider(info)) == NULL ||
	    info->pwszContainerName == NULL ||
	    (cont = store_narrow(info->pwszContainerName, CP_ACP)) == NULL) {
		gw_tls_cause(cause, "%s '%s': the key of %s in %s names no "
		    "usable container or provider", key, spec->cert, subject,
		    cert->where);
		goto out;
	}
	/*
	 * The engine's settings for the load (e_capi.c's ctrls): find the key
	 * by container name in that provider, of that type and key spec, in
	 * the user's or the machine's key set (CRYPT_MACHINE_KEYSET, which the
	 * engine takes from "store_flags" bit 0).  The settings are the
	 * engine's, not the load's: contexts are made on the loop's thread,
	 * one at a time.  csp_type before csp_name, which checks the name
	 * against the type.
	 */
	/*
	 * dwKeySpec is AT_KEYEXCHANGE or AT_SIGNATURE (the Win32 docs); wine
	 * 8.0's PFXImportCertStore records 3, both bits, for a key it put in
	 * the key-exchange slot.  Anything but AT_SIGNATURE is read as that.
	 */
	keyspec = info->dwKeySpec == AT_SIGNATURE ? AT_SIGNATURE :
	    AT_KEYEXCHANGE;
	ERR_clear_error();
	if (ENGINE_ctrl_cmd(e, "lookup_method", 3, NULL, NULL, 0) != 1 ||
	    ENGINE_ctrl_cmd(e, "store_flags", (info->dwFlags &
	    CRYPT_MACHINE_KEYSET) ? 1 : 0, NULL, NULL, 0) != 1 ||
	    ENGINE_ctrl_cmd(e, "key_type", (long)keyspec, NULL, NULL, 0) != 1 ||
	    ENGINE_ctrl_cmd(e, "csp_type", (long)info->dwProvType, NULL, NULL,
	    0) != 1 ||
	    ENGINE_ctrl_cmd(e, "csp_name", 0, prov, NULL, 0) != 1) {
		store_queue(why, sizeof why);
		gw_tls_cause(cause, "%s '%s': the CAPI engine refused the "
		    "key's provider '%s' (type %lu): %s", key, spec->cert, prov,
		    (unsigned long)info->dwProvType, why);
		goto out;
	}
	if ((pkey = ENGINE_load_private_key(e, cont, NULL, NULL)) == NULL) {
		store_queue(why, sizeof why);
		gw_tls_cause(cause, "%s '%s': cannot use the private key of %s "
		    "(container '%s' of '%s'): %s", key, spec->cert, subject,
		    cont, prov, why);
		goto out;
	}
	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
		gw_tls_cause(cause, "%s '%s': the private key of %s is not "
		    "RSA; through CryptoAPI dbgbridge's suites (ECDHE with RSA "
		    "or ECDSA signatures) can use an RSA key only", key,
		    spec->cert, subject);
		goto out;
	}
	if (SSL_CTX_use_PrivateKey(ssl_ctx, pkey) != 1 ||
	    SSL_CTX_set_max_proto_version(ssl_ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set1_sigalgs_list(ssl_ctx, STORE_SIGALGS) != 1 ||
	    SSL_CTX_set1_client_sigalgs_list(ssl_ctx,
	    STORE_CLIENT_SIGALGS) != 1) {
		store_queue(why, sizeof why);
		gw_tls_cause(cause, "%s '%s': cannot use the private key of "
		    "%s: %s", key, spec->cert, subject, why);
		goto out;
	}
	rc = 0;
out:
	EVP_PKEY_free(pkey);
	free(prov);
	free(cont);
	free(info);
	return (rc);
}

void
gw_tls_store_clear(struct gw_tls_cert *cert)
{
	free(cert->path);
	X509_free(cert->x509);
	free(cert->where);
	if (cert->handle != NULL)
		CertFreeCertificateContext(cert->handle);
	memset(cert, 0, sizeof *cert);
}
