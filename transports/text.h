/*
 * text.h: small text rules shared by the transport-string grammar
 * (transports/spec.c) and the configuration loader (config/): "did you mean"
 * suggestions, bounded decimal numbers, host names and addresses.
 *
 * Pure: no I/O, no global state, no allocation.  transports/ depends on no
 * other module; config/ uses this file through transports/.
 */
#ifndef GW_TEXT_H
#define GW_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Longest word (bytes) compared for a "did you mean" suggestion. */
#define GW_TEXT_WORD_MAX	32

/*
 * Optimal string alignment distance between a and b, ASCII
 * case-insensitive: the number of letters added, dropped or changed, or
 * adjacent pairs swapped, that turn one into the other.  Returns SIZE_MAX
 * when either is longer than GW_TEXT_WORD_MAX bytes.
 */
size_t	 gw_text_distance(const char *a, const char *b);

/*
 * The one "did you mean" rule (dbgbridge.ini(5) "ERRORS", doc/transports.md
 * §2): the name of names[0..n-1] nearest to word, or NULL when none is
 * close.  A name is close when its distance from word is at most 1 for names
 * of up to four letters and 2 for longer ones, and less than word's length
 * (so a one-letter word suggests nothing).  NULL entries are skipped; on a
 * tie the first wins.  The returned pointer is one of names.
 */
const char *gw_text_nearest(const char *word, const char *const *names,
	    size_t n);

/*
 * A decimal number: one or more ASCII digits, no sign, blank or base prefix,
 * at most max.  *out receives the value.  Returns 0, or -1 (text empty, not
 * all digits, or above max; *out unchanged).
 */
int	 gw_text_number(const char *s, unsigned long max, unsigned long *out);

/*
 * A host name or an IPv4 address, the len bytes at s (no NUL needed), by one
 * rule for every key that names a host (server=, clicon=, bind=, metrics=;
 * dbgbridge.ini(5) "bind", doc/transports.md §2.4 "name"):
 *   - an IPv4 address in dotted-quad form (inet_pton(3) AF_INET), or
 *   - a host name (RFC 1123 §2.1): at most 253 bytes, an optional final '.',
 *     dot-separated labels of 1-63 letters, digits, '-' and '_', none
 *     starting or ending with '-'.  '_' is accepted (RFC 1123 does not allow
 *     it) because NetBIOS names and DNS service labels carry it.  A last
 *     label of digits only is a mistyped IPv4 address, not a name.
 * Returns true when s is one.
 */
bool	 gw_text_host_ok(const char *s, size_t len);

/*
 * gw_text_host_ok, or an IPv6 address without brackets or zone (inet_pton(3)
 * AF_INET6, RFC 4291 §2.2), for the NUL-terminated s.  Returns true when s is
 * one.
 */
bool	 gw_text_address_ok(const char *s);

#endif /* GW_TEXT_H */
