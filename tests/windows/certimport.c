/*
 * certimport.c: put a certificate into a Windows system store for the wine
 * tests of certuser= / machuser= (tests/windows/certstore.sh; doc/design.md
 * "Windows certificate stores").  Wine has no certutil; this does what
 * `certutil -user -importpfx` and `certutil -user -addstore My` do, with the
 * CryptoAPI calls the Win32 docs give for it.
 *
 *   certimport pfx FILE.pfx PASSWORD user|machine
 *	PFXImportCertStore (CRYPT_USER_KEYSET or CRYPT_MACHINE_KEYSET, the
 *	key not exportable) and CertAddCertificateContextToStore into
 *	CurrentUser\My or LocalMachine\My of every certificate with a key.
 *   certimport cer FILE.der user|machine
 *	CertAddEncodedCertificateToStore of a DER certificate, no key.
 *   certimport cng FILE.der user|machine
 *	The same, with a CERT_KEY_PROV_INFO_PROP_ID naming a container of the
 *	CNG "Microsoft Software Key Storage Provider" (dwProvType 0), as
 *	certutil -importpfx into a key storage provider leaves it: wine 8.0
 *	has no key storage provider to import a key into, and dbgbridge only
 *	reads this property to say that such a key is out of its reach.
 *
 *   certimport export SHA1 user|machine
 *	Whether the private key of the certificate with that SHA-1
 *	thumbprint in My can be exported (CryptAcquireCertificatePrivateKey,
 *	CryptExportKey PRIVATEKEYBLOB): prints "exportable" or "not
 *	exportable (0xERROR)", so a test knows the key it used stayed put.
 *
 * Prints "imported SHA1 PROVIDER|-" per certificate (the SHA-1 thumbprint in
 * lower-case hex, the key's provider from CERT_KEY_PROV_INFO_PROP_ID), exits
 * 0, or prints the failing call and its error and exits 1.
 */
#include <windows.h>
#include <wincrypt.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
fail(const char *what)
{
	fprintf(stderr, "certimport: %s failed: error 0x%08lx\n", what,
	    (unsigned long)GetLastError());
	return (1);
}

static unsigned char *
slurp(const char *path, DWORD *len)
{
	FILE		*f;
	unsigned char	*buf;
	long		 n;

	if ((f = fopen(path, "rb")) == NULL || fseek(f, 0, SEEK_END) != 0 ||
	    (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)n)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "certimport: cannot read %s\n", path);
		if (f != NULL)
			fclose(f);
		return (NULL);
	}
	fclose(f);
	*len = (DWORD)n;
	return (buf);
}

static HCERTSTORE
open_my(const char *which)
{
	DWORD	loc = strcmp(which, "machine") == 0 ?
		    CERT_SYSTEM_STORE_LOCAL_MACHINE :
		    CERT_SYSTEM_STORE_CURRENT_USER;

	return (CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, loc, L"My"));
}

static void
report(PCCERT_CONTEXT c)
{
	BYTE			 hash[20];
	DWORD			 n = sizeof hash, i;
	CRYPT_KEY_PROV_INFO	*info;
	DWORD			 size = 0;

	if (!CertGetCertificateContextProperty(c, CERT_SHA1_HASH_PROP_ID, hash,
	    &n))
		n = 0;
	printf("imported ");
	for (i = 0; i < n; i++)
		printf("%02x", hash[i]);
	if (CertGetCertificateContextProperty(c, CERT_KEY_PROV_INFO_PROP_ID,
	    NULL, &size) && (info = malloc(size)) != NULL) {
		if (CertGetCertificateContextProperty(c,
		    CERT_KEY_PROV_INFO_PROP_ID, info, &size))
			printf(" provider=%ls type=%lu container=%ls "
			    "keyspec=%lu flags=0x%lx", info->pwszProvName != NULL ?
			    info->pwszProvName : L"(default)",
			    (unsigned long)info->dwProvType,
			    info->pwszContainerName != NULL ?
			    info->pwszContainerName : L"(none)",
			    (unsigned long)info->dwKeySpec,
			    (unsigned long)info->dwFlags);
		free(info);
	} else
		printf(" -");
	printf("\n");
}

int
main(int argc, char **argv)
{
	CRYPT_DATA_BLOB	 blob;
	HCERTSTORE	 pfx, my;
	PCCERT_CONTEXT	 c = NULL, added;
	WCHAR		 wpass[256];
	WCHAR		 container[] = L"dbgbridge-test-cng";
	WCHAR		 provider[] = L"Microsoft Software Key Storage Provider";
	CRYPT_KEY_PROV_INFO ksp;
	BYTE		 hash[20];
	HCRYPTPROV	 prov;
	HCRYPTKEY	 key;
	DWORD		 spec;
	BOOL		 own;
	DWORD		 size, n = 0;
	BOOL		 machine;

	if (argc == 5 && strcmp(argv[1], "pfx") == 0) {
		machine = strcmp(argv[4], "machine") == 0;
		if ((blob.pbData = slurp(argv[2], &blob.cbData)) == NULL)
			return (1);
		if (MultiByteToWideChar(CP_UTF8, 0, argv[3], -1, wpass,
		    sizeof wpass / sizeof wpass[0]) == 0)
			return (fail("MultiByteToWideChar"));
		if ((pfx = PFXImportCertStore(&blob, wpass, machine ?
		    CRYPT_MACHINE_KEYSET : CRYPT_USER_KEYSET)) == NULL)
			return (fail("PFXImportCertStore"));
		if ((my = open_my(argv[4])) == NULL)
			return (fail("CertOpenStore"));
		while ((c = CertEnumCertificatesInStore(pfx, c)) != NULL) {
			size = 0;
			if (!CertGetCertificateContextProperty(c,
			    CERT_KEY_PROV_INFO_PROP_ID, NULL, &size))
				continue;	/* a chain certificate */
			if (!CertAddCertificateContextToStore(my, c,
			    CERT_STORE_ADD_REPLACE_EXISTING, &added))
				return (fail("CertAddCertificateContextToStore"));
			report(added);
			CertFreeCertificateContext(added);
			n++;
		}
		CertCloseStore(my, 0);
		CertCloseStore(pfx, 0);
		if (n == 0) {
			fprintf(stderr, "certimport: no certificate with a key "
			    "in %s\n", argv[2]);
			return (1);
		}
		return (0);
	}
	if (argc == 4 && (strcmp(argv[1], "cer") == 0 ||
	    strcmp(argv[1], "cng") == 0)) {
		if ((blob.pbData = slurp(argv[2], &blob.cbData)) == NULL)
			return (1);
		if ((my = open_my(argv[3])) == NULL)
			return (fail("CertOpenStore"));
		if (!CertAddEncodedCertificateToStore(my, X509_ASN_ENCODING,
		    blob.pbData, blob.cbData, CERT_STORE_ADD_REPLACE_EXISTING,
		    &added))
			return (fail("CertAddEncodedCertificateToStore"));
		if (strcmp(argv[1], "cng") == 0) {
			memset(&ksp, 0, sizeof ksp);
			ksp.pwszContainerName = container;
			ksp.pwszProvName = provider;
			ksp.dwProvType = 0;
			ksp.dwFlags = strcmp(argv[3], "machine") == 0 ?
			    CRYPT_MACHINE_KEYSET : 0;
			ksp.dwKeySpec = 0;
			if (!CertSetCertificateContextProperty(added,
			    CERT_KEY_PROV_INFO_PROP_ID, 0, &ksp))
				return (fail("CertSetCertificateContextProperty"));
		}
		report(added);
		CertFreeCertificateContext(added);
		CertCloseStore(my, 0);
		return (0);
	}
	if (argc == 4 && strcmp(argv[1], "export") == 0 &&
	    strlen(argv[2]) == 40) {
		for (n = 0; n < 20; n++)
			hash[n] = (BYTE)strtoul((char[3]){ argv[2][n * 2],
			    argv[2][n * 2 + 1], '\0' }, NULL, 16);
		blob.cbData = 20;
		blob.pbData = hash;
		if ((my = open_my(argv[3])) == NULL)
			return (fail("CertOpenStore"));
		if ((c = CertFindCertificateInStore(my, X509_ASN_ENCODING, 0,
		    CERT_FIND_SHA1_HASH, &blob, NULL)) == NULL)
			return (fail("CertFindCertificateInStore"));
		if (!CryptAcquireCertificatePrivateKey(c, 0, NULL, &prov,
		    &spec, &own))
			return (fail("CryptAcquireCertificatePrivateKey"));
		/* wine 8.0 says 3 for a key-exchange key (store-win32.c). */
		if (!CryptGetUserKey(prov, spec == AT_SIGNATURE ? AT_SIGNATURE :
		    AT_KEYEXCHANGE, &key))
			return (fail("CryptGetUserKey"));
		size = 0;
		if (CryptExportKey(key, 0, PRIVATEKEYBLOB, 0, NULL, &size))
			printf("exportable\n");
		else
			printf("not exportable (0x%08lx)\n",
			    (unsigned long)GetLastError());
		CryptDestroyKey(key);
		if (own)
			CryptReleaseContext(prov, 0);
		CertFreeCertificateContext(c);
		CertCloseStore(my, 0);
		return (0);
	}
	fprintf(stderr, "usage: certimport pfx FILE.pfx PASSWORD user|machine\n"
	    "       certimport cer|cng FILE.der user|machine\n"
	    "       certimport export SHA1 user|machine\n");
	return (2);
}
