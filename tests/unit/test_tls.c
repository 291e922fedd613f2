/*
 * test_tls.c: the certificate store, thumbprints, context checks and real
 * handshakes (pinning match and mismatch) over a socketpair.
 */
#include <sys/stat.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "osdep/compat.h"
#include "osdep/net.h"
#include "tls/tls.h"

static char	tmpdir[64];

/*
 * Write a self-signed P-256 certificate for CN and its key to DIR/NAME.pem,
 * valid from `from` to `to` seconds from now.
 */
static void
make_cert_dated(const char *name, const char *cn, long from, long to)
{
	EVP_PKEY	*key = EVP_EC_gen("P-256");
	X509		*x = X509_new();
	X509_NAME	*n;
	char		 path[256];
	FILE		*f;

	assert_non_null(key);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), from);
	X509_gmtime_adj(X509_getm_notAfter(x), to);
	X509_set_pubkey(x, key);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, n);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	snprintf(path, sizeof path, "%s/%s.pem", tmpdir, name);
	assert_non_null(f = fopen(path, "w"));
	assert_true(PEM_write_X509(f, x));
	assert_true(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL));
	fclose(f);
	chmod(path, 0600);
	X509_free(x);
	EVP_PKEY_free(key);
}

/* Valid from a minute ago for an hour. */
static void
make_cert(const char *name, const char *cn)
{
	make_cert_dated(name, cn, -60, 3600);
}

static int
setup(void **state)
{
	char	cmd[512];

	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_tls.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	make_cert("alpha", "alpha.test");
	make_cert("beta", "beta.test");
	/* Valid for a day that ended an hour ago. */
	make_cert_dated("old", "old.test", -90000, -3600);
	/* alpha's certificate without its key: what a connecting side pins. */
	snprintf(cmd, sizeof cmd, "openssl x509 -in %s/alpha.pem -out "
	    "%s/alpha-only.pem && chmod 600 %s/alpha-only.pem", tmpdir, tmpdir,
	    tmpdir);
	return (system(cmd) == 0 ? 0 : -1);
}

static int
teardown(void **state)
{
	char	cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return (system(cmd) == 0 ? 0 : -1);
}

static struct gw_tls_stores
stores(void)
{
	struct gw_tls_stores	st = { tmpdir, "/nonexistent/machine" };

	return (st);
}

static void
test_path_by_name(void **state)
{
	struct gw_tls_stores	 st = stores();
	char			*p, *cause = NULL, want[256];

	(void)state;
	p = gw_tls_cert_path(GW_SPEC_CERT_USER, "alpha", &st, &cause);
	snprintf(want, sizeof want, "%s/alpha.pem", tmpdir);
	assert_non_null(p);
	assert_string_equal(p, want);
	free(p);

	assert_null(gw_tls_cert_path(GW_SPEC_CERT_USER, "gamma", &st, &cause));
	snprintf(want, sizeof want, "certuser 'gamma': no readable gamma.pem "
	    "in %s", tmpdir);
	assert_string_equal(cause, want);
	free(cause);

	assert_null(gw_tls_cert_path(GW_SPEC_CERT_MACHINE, "alpha", &st,
	    &cause));
	assert_string_equal(cause, "machuser 'alpha': no readable alpha.pem "
	    "in /nonexistent/machine");
	free(cause);
}

static void
test_path_by_path(void **state)
{
	struct gw_tls_stores	 st = stores();
	char			*p, *cause = NULL, path[256];

	(void)state;
	snprintf(path, sizeof path, "%s/beta.pem", tmpdir);
	assert_non_null(p = gw_tls_cert_path(GW_SPEC_CERT_MACHINE, path, &st,
	    &cause));
	assert_string_equal(p, path);
	free(p);
	assert_null(gw_tls_cert_path(GW_SPEC_CERT_USER, "/no/such.pem", &st,
	    &cause));
	assert_string_equal(cause, "certuser '/no/such.pem': No such file or "
	    "directory");
	free(cause);
}

/* Thumbprints as the certificates snap-in shows them: spaced pairs, any case. */
static void
test_path_by_thumbprint(void **state)
{
	struct gw_tls_stores	 st = stores();
	char			 path[256], spaced[200], *t, *p, *cause = NULL;
	size_t			 i, o;
	int			 sha256;

	(void)state;
	snprintf(path, sizeof path, "%s/beta.pem", tmpdir);
	for (sha256 = 0; sha256 <= 1; sha256++) {
		assert_non_null(t = gw_tls_thumbprint_file(path, sha256, &cause));
		assert_int_equal(strlen(t), sha256 ? 95 : 59);
		/* "ab:cd:..." to "AB CD ..." */
		for (i = 0, o = 0; t[i] != '\0'; i++)
			spaced[o++] = t[i] == ':' ? ' ' :
			    (char)(t[i] >= 'a' && t[i] <= 'f' ? t[i] - 32 : t[i]);
		spaced[o] = '\0';
		p = gw_tls_cert_path(GW_SPEC_CERT_USER, spaced, &st, &cause);
		assert_non_null(p);
		assert_string_equal(p, path);
		free(p);
		free(t);
	}
	p = gw_tls_cert_path(GW_SPEC_CERT_USER,
	    "0000000000000000000000000000000000000000", &st, &cause);
	assert_null(p);
	assert_non_null(strstr(cause, "no certificate with that thumbprint"));
	free(cause);
}

static struct gw_spec
tls_spec(const char *cert)
{
	struct gw_spec	spec;

	memset(&spec, 0, sizeof spec);
	spec.transport = GW_SPEC_SSL;
	spec.proto = GW_SPEC_PROTO_TLS1;
	spec.cert_store = GW_SPEC_CERT_USER;
	spec.cert = (char *)cert;
	spec.server = (char *)"127.0.0.1";
	return (spec);
}

/*
 * A certificate with no key, whatever its mode: said as such, with how to
 * make a PEM that does hold the key (never "readable by group or others").
 */
static void
test_server_needs_key(void **state)
{
	struct gw_tls_stores	 st = stores();
	struct gw_spec		 spec = tls_spec("alpha-only");
	char			 path[256], want[1024], *cause = NULL;
	mode_t			 modes[] = { 0600, 0644 };
	size_t			 i;

	(void)state;
	snprintf(path, sizeof path, "%s/alpha-only.pem", tmpdir);
	snprintf(want, sizeof want, "certuser 'alpha-only': %s holds no "
	    "private key; the serving side needs the certificate and its key "
	    "in one PEM (cat cert.pem key.pem > %s; chmod 600 %s)", path, path,
	    path);
	for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		assert_int_equal(chmod(path, modes[i]), 0);
		assert_null(gw_tls_server_new(&spec, &st, NULL, &cause));
		assert_string_equal(cause, want);
		free(cause);
		cause = NULL;
	}
	assert_int_equal(chmod(path, 0600), 0);
}

/* A private key others can read is refused, naming the mode and the fix. */
static void
test_server_key_mode(void **state)
{
	struct gw_tls_stores	 st = stores();
	struct gw_spec		 spec = tls_spec("alpha");
	struct gw_tls_ctx	*ctx;
	char			 path[256], want[512], *cause = NULL;

	(void)state;
	snprintf(path, sizeof path, "%s/alpha.pem", tmpdir);
	assert_int_equal(chmod(path, 0640), 0);
	assert_null(gw_tls_server_new(&spec, &st, NULL, &cause));
	snprintf(want, sizeof want, "certuser 'alpha': %s holds the private "
	    "key and is readable by group or others (mode 0640); chmod 600 it",
	    path);
	assert_string_equal(cause, want);
	free(cause);
	assert_int_equal(chmod(path, 0600), 0);
	assert_non_null(ctx = gw_tls_server_new(&spec, &st, NULL, &cause));
	gw_tls_ctx_free(ctx);
}

static void
test_server_key_mismatch(void **state)
{
	struct gw_tls_stores	 st = stores();
	struct gw_spec		 spec = tls_spec("mixed");
	char			 cmd[512], *cause = NULL;

	(void)state;
	/* alpha's certificate followed by beta's key. */
	snprintf(cmd, sizeof cmd, "cd %s && openssl x509 -in alpha.pem > "
	    "mixed.pem && openssl pkey -in beta.pem >> mixed.pem 2>/dev/null "
	    "&& chmod 600 mixed.pem",
	    tmpdir);
	assert_int_equal(system(cmd), 0);
	assert_null(gw_tls_server_new(&spec, &st, NULL, &cause));
	assert_non_null(strstr(cause, "does not match its certificate"));
	free(cause);
}

/* One handshake between a server and a client context over a socketpair. */
struct hs {
	short	 events;
	char	*error;
};

static void
hs_event(struct bufferevent *bev, short what, void *arg)
{
	struct hs	*h = arg;

	h->events |= what;
	if ((what & BEV_EVENT_ERROR) && h->error == NULL)
		h->error = gw_tls_error(bev);
	if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF))
		bufferevent_disable(bev, EV_READ | EV_WRITE);
}

static void
handshake(const char *server_cert, const char *pin, struct hs *srv,
    struct hs *cli, char *version, size_t vsize, char *subject, size_t ssize)
{
	struct gw_tls_stores	 st = stores();
	struct gw_spec		 s_spec = tls_spec(server_cert), c_spec = tls_spec(pin);
	struct gw_tls_ctx	*s_ctx, *c_ctx;
	struct event_base	*base = event_base_new();
	struct bufferevent	*sb, *cb;
	struct timeval		 tv = { 5, 0 };
	evutil_socket_t		 fds[2];
	char			*cause = NULL;

	assert_non_null(s_ctx = gw_tls_server_new(&s_spec, &st, NULL, &cause));
	assert_non_null(c_ctx = gw_tls_client_new(&c_spec, &st, NULL, &cause));
	assert_int_equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	evutil_make_socket_nonblocking(fds[0]);
	evutil_make_socket_nonblocking(fds[1]);
	assert_non_null(sb = gw_tls_bufferevent_new(s_ctx, base, fds[0], NULL,
	    &cause));
	assert_non_null(cb = gw_tls_bufferevent_new(c_ctx, base, fds[1],
	    "127.0.0.1", &cause));
	memset(srv, 0, sizeof *srv);
	memset(cli, 0, sizeof *cli);
	bufferevent_setcb(sb, NULL, NULL, hs_event, srv);
	bufferevent_setcb(cb, NULL, NULL, hs_event, cli);
	bufferevent_enable(sb, EV_READ | EV_WRITE);
	bufferevent_enable(cb, EV_READ | EV_WRITE);
	event_base_loopexit(base, &tv);
	while (!(srv->events && cli->events) && event_base_loop(base,
	    EVLOOP_ONCE) == 0 && !event_base_got_exit(base))
		;
	gw_tls_describe(cb, version, vsize, subject, ssize);
	bufferevent_free(sb);
	bufferevent_free(cb);
	gw_tls_ctx_free(s_ctx);
	gw_tls_ctx_free(c_ctx);
	event_base_free(base);
}

static void
test_pin_match(void **state)
{
	struct hs	srv, cli;
	char		version[32], subject[128];

	(void)state;
	/* The client pins with the certificate alone, no key. */
	handshake("alpha", "alpha-only", &srv, &cli, version, sizeof version,
	    subject, sizeof subject);
	assert_int_equal(cli.events, BEV_EVENT_CONNECTED);
	assert_int_equal(srv.events, BEV_EVENT_CONNECTED);
	assert_string_equal(version, "TLSv1.3");
	assert_string_equal(subject, "CN=alpha.test");
}

static void
test_pin_mismatch(void **state)
{
	struct hs	srv, cli;
	char		version[32], subject[128];

	(void)state;
	handshake("beta", "alpha-only", &srv, &cli, version, sizeof version,
	    subject, sizeof subject);
	assert_true(cli.events & BEV_EVENT_ERROR);
	assert_false(cli.events & BEV_EVENT_CONNECTED);
	assert_non_null(cli.error);
	assert_non_null(strstr(cli.error, "/CN=beta.test"));
	assert_non_null(strstr(cli.error, "does not match the pinned "
	    "certificate 'alpha-only'"));
	/* The server hears the client's alert. */
	assert_true(srv.events & (BEV_EVENT_ERROR | BEV_EVENT_EOF));
	assert_false(srv.events & BEV_EVENT_CONNECTED);
	if (srv.error != NULL)
		assert_non_null(strstr(srv.error, "certificate"));
	free(cli.error);
	free(srv.error);
}

/*
 * A pinned certificate that has expired is still the one named (a pin is
 * matched by identity): accepted, but the context carries a warning that
 * names it and the date, for the log and -n.
 */
static void
test_pin_expired(void **state)
{
	struct gw_tls_stores	 st = stores();
	struct gw_spec		 spec = tls_spec("old");
	struct gw_tls_ctx	*ctx;
	struct hs		 srv, cli;
	const char		*w;
	char			 version[32], subject[128], *cause = NULL;

	(void)state;
	assert_non_null(ctx = gw_tls_client_new(&spec, &st, NULL, &cause));
	assert_non_null(w = gw_tls_ctx_warning(ctx));
	assert_non_null(strstr(w, "certuser 'old': the pinned certificate "
	    "/CN=old.test expired on "));
	assert_non_null(strstr(w, " UTC; a server that presents it is still "
	    "accepted (a pin is matched by identity)"));
	gw_tls_ctx_free(ctx);
	/* A valid pin warns of nothing. */
	spec = tls_spec("alpha-only");
	assert_non_null(ctx = gw_tls_client_new(&spec, &st, NULL, &cause));
	assert_null(gw_tls_ctx_warning(ctx));
	gw_tls_ctx_free(ctx);
	/* And the handshake with the expired one succeeds. */
	handshake("old", "old", &srv, &cli, version, sizeof version, subject,
	    sizeof subject);
	assert_int_equal(cli.events, BEV_EVENT_CONNECTED);
	assert_string_equal(subject, "CN=old.test");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_by_name),
		cmocka_unit_test(test_path_by_path),
		cmocka_unit_test(test_path_by_thumbprint),
		cmocka_unit_test(test_server_needs_key),
		cmocka_unit_test(test_server_key_mode),
		cmocka_unit_test(test_server_key_mismatch),
		cmocka_unit_test(test_pin_match),
		cmocka_unit_test(test_pin_mismatch),
		cmocka_unit_test(test_pin_expired),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
