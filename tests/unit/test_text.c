/*
 * test_text.c: the shared text rules (transports/text.h): edit distance and
 * "did you mean", bounded numbers, host names and addresses.  Table driven.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "transports/text.h"

#define NITEMS(a)	(sizeof (a) / sizeof (a)[0])

static void
test_distance(void **state)
{
	static const struct {
		const char	*a, *b;
		size_t		 d;
	} cases[] = {
		{ "", "", 0 },
		{ "port", "port", 0 },
		{ "PORT", "port", 0 },		/* case-insensitive */
		{ "prot", "port", 1 },		/* a swap is one edit */
		{ "pot", "port", 1 },
		{ "ports", "port", 1 },
		{ "pxrt", "port", 1 },
		{ "", "port", 4 },
		{ "log_levle", "log_level", 1 },
		{ "gatway", "gateway", 1 },
		{ "abc", "xyz", 3 },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "a", SIZE_MAX },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < NITEMS(cases); i++) {
		if (gw_text_distance(cases[i].a, cases[i].b) != cases[i].d)
			fail_msg("distance('%s', '%s') != %zu", cases[i].a,
			    cases[i].b, cases[i].d);
		if (gw_text_distance(cases[i].b, cases[i].a) != cases[i].d)
			fail_msg("distance('%s', '%s') not symmetric",
			    cases[i].b, cases[i].a);
	}
}

static void
test_nearest(void **state)
{
	static const char *const names[] = {
		"port", "pipe", "server", "clicon", NULL, "password", "tcp",
	};
	static const struct {
		const char	*word;
		const char	*near;	/* NULL: no suggestion */
	} cases[] = {
		{ "prot", "port" },
		{ "pipr", "pipe" },
		{ "servr", "server" },
		{ "sevrer", "server" },		/* swap + nothing else */
		{ "srvr", "server" },		/* two edits, long name */
		{ "pt", NULL },			/* two edits, short name */
		{ "passwrd", "password" },
		{ "tc", "tcp" },
		{ "t", NULL },			/* shorter than the distance */
		{ "x", NULL },
		{ "zzzzzz", NULL },
		{ "PORT", "port" },
	};
	const char	*got;
	size_t		 i;

	(void)state;
	for (i = 0; i < NITEMS(cases); i++) {
		got = gw_text_nearest(cases[i].word, names, NITEMS(names));
		if (cases[i].near == NULL ? got != NULL :
		    got == NULL || strcmp(got, cases[i].near) != 0)
			fail_msg("nearest('%s') = '%s', want '%s'",
			    cases[i].word, got ? got : "(none)",
			    cases[i].near ? cases[i].near : "(none)");
	}
	assert_null(gw_text_nearest("port", names, 0));
}

static void
test_number(void **state)
{
	static const struct {
		const char	*text;
		unsigned long	 max;
		int		 rc;
		unsigned long	 value;
	} cases[] = {
		{ "0", 10, 0, 0 },
		{ "65535", 65535, 0, 65535 },
		{ "65536", 65535, -1, 0 },
		{ "007", 10, 0, 7 },
		{ "", 10, -1, 0 },
		{ "+1", 10, -1, 0 },
		{ "-1", 10, -1, 0 },
		{ " 1", 10, -1, 0 },
		{ "1 ", 10, -1, 0 },
		{ "0x10", 100, -1, 0 },
		{ "1e3", 10000, -1, 0 },
		{ "4294967295", 4294967295UL, 0, 4294967295UL },
		{ "4294967296", 4294967295UL, -1, 0 },
		{ "99999999999999999999999999", (unsigned long)-1, -1, 0 },
	};
	unsigned long	 v;
	size_t		 i;

	(void)state;
	for (i = 0; i < NITEMS(cases); i++) {
		v = 12345;
		if (gw_text_number(cases[i].text, cases[i].max, &v) !=
		    cases[i].rc)
			fail_msg("number('%s', %lu): wrong result",
			    cases[i].text, cases[i].max);
		if (cases[i].rc == 0 && v != cases[i].value)
			fail_msg("number('%s') = %lu", cases[i].text, v);
		if (cases[i].rc != 0 && v != 12345)
			fail_msg("number('%s') changed *out", cases[i].text);
	}
}

static void
test_host(void **state)
{
	static const struct {
		const char	*text;
		bool		 host;		/* gw_text_host_ok */
		bool		 address;	/* gw_text_address_ok */
	} cases[] = {
		{ "lab7", true, true },
		{ "Lab7.example.com", true, true },
		{ "lab7.example.com.", true, true },	/* rooted */
		{ "lab_7.example-1.net", true, true },	/* '_': NetBIOS */
		{ "_ldap._tcp.example.com", true, true },
		{ "gw-1", true, true },
		{ "10.0.0.7", true, true },
		{ "0.0.0.0", true, true },
		{ "1a", true, true },
		{ "::1", false, true },
		{ "fe80::1", false, true },
		{ "[::1]", false, false },
		{ "", false, false },
		{ ".", false, false },
		{ "a..b", false, false },
		{ ".a", false, false },
		{ "-a", false, false },
		{ "a-", false, false },
		{ "a.-b", false, false },
		{ "my host", false, false },
		{ "lab$7", false, false },
		{ "lab7:5005", false, false },
		{ "10.0.0.999", false, false },		/* digits: an address */
		{ "10.0.0", false, false },
		{ "123", false, false },
		{ "a.123", false, false },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  false, false },			/* a 64-byte label */
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  true, true },				/* 63 */
	};
	char	 longname[300];
	size_t	 i;

	(void)state;
	for (i = 0; i < NITEMS(cases); i++) {
		if (gw_text_host_ok(cases[i].text, strlen(cases[i].text)) !=
		    cases[i].host)
			fail_msg("host_ok('%s') != %d", cases[i].text,
			    cases[i].host);
		if (gw_text_address_ok(cases[i].text) != cases[i].address)
			fail_msg("address_ok('%s') != %d", cases[i].text,
			    cases[i].address);
	}
	/* Only len bytes are read: "lab7" out of "lab7:5005". */
	assert_true(gw_text_host_ok("lab7:5005", 4));
	assert_true(gw_text_host_ok("10.0.0.7,port=1", 8));
	/* 253 bytes at most: 126 labels "a." = 252 bytes, one more "a". */
	for (i = 0; i < 252; i += 2)
		memcpy(longname + i, "a.", 2);
	longname[252] = 'a';
	longname[253] = '\0';
	assert_true(gw_text_host_ok(longname, 253));
	longname[253] = 'a';
	longname[254] = '\0';
	assert_false(gw_text_host_ok(longname, 254));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distance),
		cmocka_unit_test(test_nearest),
		cmocka_unit_test(test_number),
		cmocka_unit_test(test_host),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
