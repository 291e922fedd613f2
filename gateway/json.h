/*
 * json.h: JSON strings (RFC 8259) for everything dbgbridge writes as JSON:
 * the session and route reports (report.h), and log lines with
 * log_format = json (log.h).  One escaper, so the rules are the same in all.
 */
#ifndef GW_JSON_H
#define GW_JSON_H

struct evbuffer;

/*
 * Append s to out as a JSON string (RFC 8259 section 7): quoted, with '"'
 * and '\\' escaped, control characters (below 0x20, and 0x7f) as \b \f \n \r
 * \t or \u00XX, and bytes that are not well-formed UTF-8 (RFC 3629: overlong
 * forms, surrogates, above U+10FFFF, cut sequences) replaced by \ufffd, so
 * the result is valid UTF-8 (RFC 8259 section 8.1) whatever s holds: a peer
 * cannot end the string, the object or the line.  NULL is appended as null.
 * Returns 0, or -1 when out of memory (out may then hold a part).
 */
int	 gw_json_string(struct evbuffer *out, const char *s);

#endif /* GW_JSON_H */
