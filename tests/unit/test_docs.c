/*
 * test_docs.c: doc/dbgbridge.ini.5 documents exactly the keys of the key
 * table (config/keys.c, gw_config_keys()), each with the table's default and
 * type, so the page and the table cannot drift apart.
 *
 * The page's form (its header comment says the same): in a subsection whose
 * title holds "[SECTION" ("The [gateway] section", "The [route NAME]
 * sections"), each key is one line
 *
 *	.It Ic KEY Ns = Ns Ar TYPE
 *
 * followed, somewhere in its description, by exactly one of
 *
 *	.No Default\&: Ql VALUE .	VALUE as the table writes it
 *	.No Default\&: none .		the table has no default
 *	.No Required .			the table marks the key required
 *
 * A table default under GW_SYSCONFDIR is written SYSCONFDIR/... on the page.
 * TYPE is one word, itself described in the "Value types" list
 * (".It Ar WORD").
 *
 * A key the table marks needs_restart says so in its description, on a line
 * of its own: "Changing it needs a restart."; no other key has that line.
 * dbgbridge.8's SIGHUP item lists the same keys (".Cm [gateway]", "keys",
 * one ".Cm KEY" line each, "need a restart: ...").  The "Value types" entry
 * of an enumerated type (bool, level, destination, format, facility) names
 * its words in the table's order, one or more per ".Cm" line; a line "to"
 * between two words stands for the table's words from one to the other.
 *
 * And the systemd unit (contrib/dbgbridge.service.in) gives the daemon more
 * time to stop (TimeoutStopSec=) than [gateway] stop_timeout's default, so
 * the daemon resets what is left at its deadline before systemd kills it
 * (dbgbridge.ini(5) stop_timeout).
 */

#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"

#ifndef DOC_DIR
#define DOC_DIR "doc"
#endif
#ifndef GW_SYSCONFDIR
#define GW_SYSCONFDIR "/etc"
#endif

#ifndef UNIT_IN
#define UNIT_IN "contrib/dbgbridge.service.in"
#endif

#define PAGE		DOC_DIR "/dbgbridge.ini.5"
#define PAGE8		DOC_DIR "/dbgbridge.8"
#define MAX_DOC_KEYS	256
#define MAX_TYPES	64
#define MAX_WORDS	32
#define RESTART_LINE	"Changing it needs a restart."

enum doc_default {
	DOC_DEF_MISSING,	/* no default line */
	DOC_DEF_VALUE,		/* .No Default\&: Ql VALUE */
	DOC_DEF_NONE,		/* .No Default\&: none */
	DOC_DEF_REQUIRED,	/* .No Required */
};

struct doc_key {
	char			 section[32];
	char			 name[64];
	char			 type[32];
	int			 line;
	enum doc_default	 def;
	char			 value[256];
	int			 ndefaults;	/* default lines seen */
	bool			 matched;	/* found in the table */
	bool			 restart;	/* has RESTART_LINE */
};

/* The words a "Value types" entry names. */
struct doc_words {
	char			 word[MAX_WORDS][32];
	bool			 range[MAX_WORDS];	/* "to" before it */
	size_t			 n;
};

struct doc {
	struct doc_key		 keys[MAX_DOC_KEYS];
	size_t			 nkeys;
	char			 types[MAX_TYPES][32];	/* "Value types" words */
	struct doc_words	 type_words[MAX_TYPES];	/* their .Cm words */
	size_t			 ntypes;
	char			 errors[8192];		/* form errors */
};

static struct doc	doc;

static void
doc_error(const char *fmt, ...)
{
	size_t	 len = strlen(doc.errors);
	va_list	 ap;

	if (len >= sizeof doc.errors - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(doc.errors + len, sizeof doc.errors - len, fmt, ap);
	va_end(ap);
	len = strlen(doc.errors);
	if (len < sizeof doc.errors - 1) {
		doc.errors[len] = '\n';
		doc.errors[len + 1] = '\0';
	}
}

/* Copy the first blank-delimited word of s into out (size bytes). */
static void
doc_word(const char *s, char *out, size_t size)
{
	size_t	n = strcspn(s, " \t");

	if (n >= size)
		n = size - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

static bool
starts(const char *s, const char *prefix)
{
	return (strncmp(s, prefix, strlen(prefix)) == 0);
}

/* A default line's rest after "Ql ": the value, less a trailing " ." etc. */
static void
doc_value(const char *s, char *out, size_t size)
{
	size_t	n = strlen(s);

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	/* mdoc closing punctuation: a lone ". , ; : ) ]" after a blank. */
	if (n >= 2 && strchr(".,;:)]", s[n - 1]) != NULL && s[n - 2] == ' ')
		n -= 2;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

static void
doc_default_line(struct doc_key *k, const char *rest, int line)
{
	k->ndefaults++;
	if (rest == NULL) {
		k->def = DOC_DEF_REQUIRED;
		return;
	}
	if (starts(rest, "Ql ")) {
		k->def = DOC_DEF_VALUE;
		doc_value(rest + 3, k->value, sizeof k->value);
	} else if (starts(rest, "none")) {
		k->def = DOC_DEF_NONE;
	} else {
		doc_error("line %d: [%s] %s: default line not of the form "
		    "'.No Default\\&: Ql VALUE .' or '.No Default\\&: none .'",
		    line, k->section, k->name);
	}
}

/*
 * One line of a "Value types" entry: the words of a ".Cm" line (mdoc
 * punctuation dropped) go to w; a line "to" makes the next word the end of a
 * range (*range carries it to that word).
 */
static void
doc_type_line(struct doc_words *w, const char *buf, bool *range)
{
	char	 copy[512], *tok, *save;

	if (strcmp(buf, "to") == 0) {
		*range = true;
		return;
	}
	if (!starts(buf, ".Cm "))
		return;
	if (strlen(buf + 4) >= sizeof copy) {
		doc_error("a .Cm line longer than %zu bytes", sizeof copy);
		return;
	}
	memcpy(copy, buf + 4, strlen(buf + 4) + 1);
	for (tok = strtok_r(copy, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save)) {
		if (strchr(".,;:()", tok[0]) != NULL && tok[1] == '\0')
			continue;
		if (w->n == MAX_WORDS) {
			doc_error("more than %d words in a value type",
			    MAX_WORDS);
			return;
		}
		snprintf(w->word[w->n], sizeof w->word[0], "%s", tok);
		w->range[w->n++] = *range;
		*range = false;
	}
}

/* Read and parse the page into doc. */
static int
doc_load(void **state)
{
	FILE		*f;
	char		 buf[4096], *p, *nl;
	char		 section[32] = "";
	bool		 value_types = false, range = false;
	struct doc_key	*cur = NULL;
	int		 line = 0, depth = 0;
	const char	*rest;

	(void)state;
	memset(&doc, 0, sizeof doc);
	if ((f = fopen(PAGE, "r")) == NULL) {
		print_error("cannot open %s\n", PAGE);
		return (-1);
	}
	while (fgets(buf, sizeof buf, f) != NULL) {
		line++;
		if ((nl = strchr(buf, '\n')) != NULL)
			*nl = '\0';
		if (starts(buf, ".Sh") || starts(buf, ".Ss")) {
			section[0] = '\0';
			cur = NULL;
			value_types = starts(buf, ".Ss Value types");
			if (starts(buf, ".Ss") && (p = strchr(buf, '[')) != NULL) {
				p++;
				doc_word(p, section, sizeof section);
				section[strcspn(section, "]")] = '\0';
			}
			continue;
		}
		if (starts(buf, ".Bl")) {
			depth++;
			continue;
		}
		if (starts(buf, ".El")) {
			if (--depth <= 0)
				cur = NULL;
			continue;
		}
		if (value_types && depth == 1 && starts(buf, ".It Ar ")) {
			if (doc.ntypes < MAX_TYPES)
				doc_word(buf + 7, doc.types[doc.ntypes++],
				    sizeof doc.types[0]);
			continue;
		}
		if (value_types && depth == 1 && doc.ntypes > 0) {
			doc_type_line(&doc.type_words[doc.ntypes - 1], buf,
			    &range);
			continue;
		}
		if (section[0] == '\0')
			continue;
		if (starts(buf, ".It Ic ") && (p = strstr(buf,
		    " Ns = Ns Ar ")) != NULL) {
			if (doc.nkeys == MAX_DOC_KEYS) {
				doc_error("more than %d keys", MAX_DOC_KEYS);
				break;
			}
			cur = &doc.keys[doc.nkeys++];
			snprintf(cur->section, sizeof cur->section, "%s",
			    section);
			doc_word(buf + 7, cur->name, sizeof cur->name);
			doc_word(p + strlen(" Ns = Ns Ar "), cur->type,
			    sizeof cur->type);
			cur->line = line;
			continue;
		}
		if (starts(buf, ".It ") && depth == 1) {
			/* Another item in a key list that is not a key. */
			doc_error("line %d: item in the [%s] key list not of the "
			    "form '.It Ic KEY Ns = Ns Ar TYPE': %s", line,
			    section, buf);
			cur = NULL;
			continue;
		}
		if (strcmp(buf, RESTART_LINE) == 0) {
			if (cur == NULL)
				doc_error("line %d: '%s' outside a key", line,
				    RESTART_LINE);
			else
				cur->restart = true;
			continue;
		}
		rest = NULL;
		if (starts(buf, ".No Default\\&: "))
			rest = buf + strlen(".No Default\\&: ");
		else if (starts(buf, ".No Default: "))
			rest = buf + strlen(".No Default: ");
		if (rest != NULL || starts(buf, ".No Required")) {
			if (cur == NULL)
				doc_error("line %d: default line outside a key: "
				    "%s", line, buf);
			else
				doc_default_line(cur, rest, line);
		}
	}
	fclose(f);
	return (0);
}

static struct doc_key *
doc_find(const char *section, const char *name)
{
	size_t	i;

	for (i = 0; i < doc.nkeys; i++)
		if (strcmp(doc.keys[i].section, section) == 0 &&
		    strcmp(doc.keys[i].name, name) == 0)
			return (&doc.keys[i]);
	return (NULL);
}

/* The page's word for a table type (see "Value types"); NULL: none yet. */
static const char *
doc_type_word(enum gw_config_type type)
{
	switch (type) {
	case GW_CONFIG_STRING:		return ("string");
	case GW_CONFIG_PATH:		return ("path");
	case GW_CONFIG_BOOL:		return ("bool");
	case GW_CONFIG_UINT:		return ("number");
	case GW_CONFIG_MODE:		return ("mode");
	case GW_CONFIG_DURATION:	return ("duration");
	case GW_CONFIG_LEVEL:		return ("level");
	case GW_CONFIG_LOG:		return ("destination");
	case GW_CONFIG_LOG_FORMAT:	return ("format");
	case GW_CONFIG_FACILITY:	return ("facility");
	case GW_CONFIG_HOSTPORT:	return ("hostport");
	case GW_CONFIG_SERVER_SPEC:	return ("spec");
	case GW_CONFIG_CLIENT_SPEC:	return ("spec");
	case GW_CONFIG_CIDR_LIST:	return ("networks");
	default:			return (NULL);
	}
}

/* The table's default as the page writes it: SYSCONFDIR/... for sysconfdir. */
static void
table_default(const char *def, char *out, size_t size)
{
	size_t	n = strlen(GW_SYSCONFDIR);

	if (strncmp(def, GW_SYSCONFDIR, n) == 0 && def[n] == '/')
		snprintf(out, size, "SYSCONFDIR%s", def + n);
	else
		snprintf(out, size, "%s", def);
}

/* The page parses: no item or default line of an unknown form. */
static void
test_page_form(void **state)
{
	(void)state;
	if (doc.errors[0] != '\0') {
		print_error("%s: %s", PAGE, doc.errors);
		fail_msg("%s does not keep the key list's form (see its header "
		    "comment)", PAGE);
	}
	assert_true(doc.nkeys > 0);
	assert_true(doc.ntypes > 0);
}

/* The set of (section, key) on the page equals the key table's. */
static void
test_keys_match_table(void **state)
{
	const struct gw_config_key	*keys;
	struct doc_key			*d;
	size_t				 n, i, j;
	int				 bad = 0;

	(void)state;
	keys = gw_config_keys(&n);
	for (i = 0; i < doc.nkeys; i++)
		doc.keys[i].matched = false;
	for (i = 0; i < n; i++) {
		if ((d = doc_find(keys[i].section, keys[i].name)) == NULL) {
			print_error("%s: key [%s] %s is in the key table but not "
			    "documented\n", PAGE, keys[i].section, keys[i].name);
			bad++;
			continue;
		}
		d->matched = true;
	}
	for (i = 0; i < doc.nkeys; i++) {
		d = &doc.keys[i];
		if (!d->matched) {
			print_error("%s:%d: key [%s] %s is documented but not in "
			    "the key table (config/keys.c)\n", PAGE, d->line,
			    d->section, d->name);
			bad++;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(doc.keys[j].section, d->section) == 0 &&
			    strcmp(doc.keys[j].name, d->name) == 0) {
				print_error("%s:%d: key [%s] %s is documented "
				    "twice (first on line %d)\n", PAGE, d->line,
				    d->section, d->name, doc.keys[j].line);
				bad++;
			}
		}
	}
	if (bad != 0)
		fail_msg("%d difference(s) between %s and the key table", bad,
		    PAGE);
}

/* Each documented default (or "none", or "Required") is the table's. */
static void
test_defaults_match_table(void **state)
{
	const struct gw_config_key	*keys, *k;
	struct doc_key			*d;
	char				 want[256];
	size_t				 n, i;
	int				 bad = 0;

	(void)state;
	keys = gw_config_keys(&n);
	for (i = 0; i < n; i++) {
		k = &keys[i];
		if ((d = doc_find(k->section, k->name)) == NULL)
			continue;	/* test_keys_match_table names it */
		if (d->ndefaults != 1) {
			print_error("%s:%d: [%s] %s has %d default lines, want "
			    "exactly one ('.No Default\\&: Ql VALUE .', "
			    "'.No Default\\&: none .' or '.No Required .')\n",
			    PAGE, d->line, d->section, d->name, d->ndefaults);
			bad++;
			continue;
		}
		if (k->required) {
			if (d->def != DOC_DEF_REQUIRED) {
				print_error("%s:%d: [%s] %s is required in the "
				    "key table; the page must say '.No "
				    "Required .'\n", PAGE, d->line, d->section,
				    d->name);
				bad++;
			}
			continue;
		}
		if (k->def == NULL) {
			if (d->def != DOC_DEF_NONE) {
				print_error("%s:%d: [%s] %s has no default in "
				    "the key table; the page says %s\n", PAGE,
				    d->line, d->section, d->name,
				    d->def == DOC_DEF_REQUIRED ? "required" :
				    d->value);
				bad++;
			}
			continue;
		}
		table_default(k->def, want, sizeof want);
		if (d->def != DOC_DEF_VALUE || strcmp(d->value, want) != 0) {
			print_error("%s:%d: [%s] %s: the page's default is '%s', "
			    "the key table's '%s'\n", PAGE, d->line, d->section,
			    d->name, d->def == DOC_DEF_VALUE ? d->value :
			    d->def == DOC_DEF_NONE ? "none" : "required",
			    want);
			bad++;
		}
	}
	if (bad != 0)
		fail_msg("%d default(s) differ between %s and the key table",
		    bad, PAGE);
}

/* The unit's TimeoutStopSec= (seconds) exceeds stop_timeout's default. */
static void
test_unit_stop_timeout(void **state)
{
	const struct gw_config_key	*keys;
	FILE				*f;
	char				 line[512], *cause = NULL, *end;
	unsigned long			 stop_s = 0;
	unsigned			 def_ms = 0;
	size_t				 n, i;
	bool				 found = false;

	(void)state;
	keys = gw_config_keys(&n);
	for (i = 0; i < n; i++) {
		if (strcmp(keys[i].section, "gateway") == 0 &&
		    strcmp(keys[i].name, "stop_timeout") == 0)
			break;
	}
	assert_true(i < n);
	assert_int_equal(gw_config_parse_duration(keys[i].def, &def_ms,
	    &cause), 0);
	if ((f = fopen(UNIT_IN, "r")) == NULL)
		fail_msg("cannot open %s", UNIT_IN);
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "TimeoutStopSec=", 15) != 0)
			continue;
		stop_s = strtoul(line + 15, &end, 10);
		if (*end != 's' && *end != '\n')
			fail_msg("%s: TimeoutStopSec=%s: want seconds", UNIT_IN,
			    line + 15);
		found = true;
	}
	fclose(f);
	if (!found)
		fail_msg("%s has no TimeoutStopSec= line", UNIT_IN);
	if (stop_s * 1000 <= def_ms)
		fail_msg("%s: TimeoutStopSec=%lus does not exceed [gateway] "
		    "stop_timeout's default (%u ms)", UNIT_IN, stop_s, def_ms);
}

/* Each documented type is the table's, and described under Value types. */
static void
test_types_match_table(void **state)
{
	const struct gw_config_key	*keys, *k;
	struct doc_key			*d;
	const char			*word;
	size_t				 n, i, t;
	int				 bad = 0;

	(void)state;
	keys = gw_config_keys(&n);
	for (i = 0; i < n; i++) {
		k = &keys[i];
		if ((d = doc_find(k->section, k->name)) == NULL)
			continue;
		if ((word = doc_type_word(k->type)) == NULL) {
			print_error("[%s] %s: type %d has no word on the page: "
			    "describe it under Value types in %s and add it to "
			    "doc_type_word() in tests/unit/test_docs.c\n",
			    k->section, k->name, (int)k->type, PAGE);
			bad++;
			continue;
		}
		if (strcmp(d->type, word) != 0) {
			print_error("%s:%d: [%s] %s is documented as '%s', the "
			    "key table's type reads '%s'\n", PAGE, d->line,
			    d->section, d->name, d->type, word);
			bad++;
		}
	}
	for (i = 0; i < doc.nkeys; i++) {
		d = &doc.keys[i];
		for (t = 0; t < doc.ntypes; t++)
			if (strcmp(doc.types[t], d->type) == 0)
				break;
		if (t == doc.ntypes) {
			print_error("%s:%d: [%s] %s: type '%s' is not described "
			    "under Value types\n", PAGE, d->line, d->section,
			    d->name, d->type);
			bad++;
		}
	}
	if (bad != 0)
		fail_msg("%d type(s) differ between %s and the key table", bad,
		    PAGE);
}

/* The keys that say "Changing it needs a restart." are the table's. */
static void
test_restart_match_table(void **state)
{
	const struct gw_config_key	*keys, *k;
	struct doc_key			*d;
	size_t				 n, i;
	int				 bad = 0;

	(void)state;
	keys = gw_config_keys(&n);
	for (i = 0; i < n; i++) {
		k = &keys[i];
		if ((d = doc_find(k->section, k->name)) == NULL)
			continue;
		if (k->needs_restart && !d->restart) {
			print_error("%s:%d: [%s] %s needs a restart in the key "
			    "table; its description must say '%s'\n", PAGE,
			    d->line, d->section, d->name, RESTART_LINE);
			bad++;
		} else if (!k->needs_restart && d->restart) {
			print_error("%s:%d: [%s] %s says '%s'; the key table "
			    "lets a reload change it\n", PAGE, d->line,
			    d->section, d->name, RESTART_LINE);
			bad++;
		}
	}
	if (bad != 0)
		fail_msg("%d restart mark(s) differ between %s and the key "
		    "table", bad, PAGE);
}

/* dbgbridge.8's SIGHUP list of keys that need a restart is the table's. */
static void
test_restart_list_8(void **state)
{
	const struct gw_config_key	*keys;
	FILE				*f;
	char				 lines[2048][128], *nl;
	char				 page[32][64];
	size_t				 nlines = 0, npage = 0, n, i, j, at;
	int				 bad = 0;

	(void)state;
	if ((f = fopen(PAGE8, "r")) == NULL)
		fail_msg("cannot open %s", PAGE8);
	while (nlines < 2048 && fgets(lines[nlines], sizeof lines[0], f) !=
	    NULL) {
		if ((nl = strchr(lines[nlines], '\n')) != NULL)
			*nl = '\0';
		nlines++;
	}
	fclose(f);
	for (at = 0; at < nlines; at++)
		if (starts(lines[at], "need a restart"))
			break;
	if (at == nlines)
		fail_msg("%s: no line starting 'need a restart'", PAGE8);
	for (i = at; i-- > 0 && strcmp(lines[i], "keys") != 0; ) {
		if (!starts(lines[i], ".Cm ") || npage == 32)
			continue;
		doc_word(lines[i] + 4, page[npage++], sizeof page[0]);
	}
	if (i == (size_t)-1 || i == 0 ||
	    strcmp(lines[i - 1], ".Cm [gateway]") != 0)
		fail_msg("%s:%zu: the list of keys that need a restart does "
		    "not start '.Cm [gateway]', 'keys'", PAGE8, at + 1);
	keys = gw_config_keys(&n);
	for (i = 0; i < n; i++) {
		if (!keys[i].needs_restart)
			continue;
		if (strcmp(keys[i].section, "gateway") != 0) {
			print_error("[%s] %s needs a restart; the list in %s "
			    "only names [gateway] keys\n", keys[i].section,
			    keys[i].name, PAGE8);
			bad++;
			continue;
		}
		for (j = 0; j < npage; j++)
			if (strcmp(page[j], keys[i].name) == 0)
				break;
		if (j == npage) {
			print_error("%s:%zu: [gateway] %s needs a restart but "
			    "is not listed\n", PAGE8, at + 1, keys[i].name);
			bad++;
		} else
			page[j][0] = '\0';
	}
	for (j = 0; j < npage; j++) {
		if (page[j][0] != '\0') {
			print_error("%s:%zu: '%s' is listed as needing a restart "
			    "but the key table does not mark it\n", PAGE8,
			    at + 1, page[j]);
			bad++;
		}
	}
	if (bad != 0)
		fail_msg("%d difference(s) between %s's restart list and the "
		    "key table", bad, PAGE8);
}

/* Each enumerated type's words on the page are the table's, in order. */
static void
test_words_match_table(void **state)
{
	const struct gw_config_key	*keys, *k;
	const struct doc_words		*w;
	const char			*type, *want[MAX_WORDS];
	size_t				 n, i, t, j, from, to, x, nwant;
	int				 bad = 0, checked = 0;

	(void)state;
	keys = gw_config_keys(&n);
	for (i = 0; i < n; i++) {
		k = &keys[i];
		if (k->nwords == 0)
			continue;
		type = doc_type_word(k->type);
		for (t = 0; t < doc.ntypes; t++)
			if (type != NULL && strcmp(doc.types[t], type) == 0)
				break;
		if (t == doc.ntypes) {
			print_error("[%s] %s: no Value types entry for its "
			    "words\n", k->section, k->name);
			bad++;
			continue;
		}
		w = &doc.type_words[t];
		nwant = 0;
		for (j = 0; j < w->n && nwant < MAX_WORDS; j++) {
			if (!w->range[j] || j == 0) {
				want[nwant++] = w->word[j];
				continue;
			}
			/* "A to B": the table's words after A up to B. */
			for (from = 0; from < k->nwords; from++)
				if (strcmp(k->words[from].word,
				    w->word[j - 1]) == 0)
					break;
			for (to = 0; to < k->nwords; to++)
				if (strcmp(k->words[to].word, w->word[j]) == 0)
					break;
			if (from == k->nwords || to == k->nwords || to <= from) {
				want[nwant++] = w->word[j];
				continue;
			}
			for (x = from + 1; x <= to && nwant < MAX_WORDS; x++)
				want[nwant++] = k->words[x].word;
		}
		checked++;
		for (j = 0; j < nwant && j < k->nwords; j++)
			if (strcmp(want[j], k->words[j].word) != 0)
				break;
		if (j != nwant || j != k->nwords) {
			print_error("%s: Value types '%s': word %zu is '%s', "
			    "the key table's ([%s] %s) '%s'\n", PAGE, type,
			    j + 1, j < nwant ? want[j] : "(none)", k->section,
			    k->name, j < k->nwords ? k->words[j].word :
			    "(none)");
			bad++;
		}
	}
	assert_true(checked > 0);
	if (bad != 0)
		fail_msg("%d value type(s) name other words than the key "
		    "table", bad);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_form),
		cmocka_unit_test(test_keys_match_table),
		cmocka_unit_test(test_defaults_match_table),
		cmocka_unit_test(test_types_match_table),
		cmocka_unit_test(test_restart_match_table),
		cmocka_unit_test(test_restart_list_8),
		cmocka_unit_test(test_words_match_table),
		cmocka_unit_test(test_unit_stop_timeout),
	};

	return (cmocka_run_group_tests(tests, doc_load, NULL));
}
