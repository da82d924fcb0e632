/*
 * NAME
 *	addr - envelope and header addresses: parse, quote, check
 * SYNOPSIS
 *	#include "addr.h"
 *
 *	status = addr_parse("<\"john doe\"@example.com>", &internal, &why);
 *	external = addr_external(internal, 1);	-> "<\"john doe\"@example.com>"
 *	why = addr_check_rewrite(internal);
 *	status = addr_header_mailbox("John <j@example.com>", &mb, &why);
 *	value = addr_header_replace(value, &mb, "new@example.net");
 * DESCRIPTION
 *	Rules match addresses in Postfix's internal form: no angle brackets,
 *	no source route, quoted local parts unquoted ("john doe"@example.com
 *	becomes john doe@example.com), one trailing dot of the domain removed.
 *	That is what Postfix's own regexp/pcre tables see, so patterns copied
 *	from a sender_canonical_maps table keep their meaning.
 *
 *	addr_parse() accepts what Postfix hands a milter: "<addr>" from
 *	smtpd, bare "addr" from the non-SMTP (sendmail(1)) path, "<>" or ""
 *	for the null sender (so is "<\"\">", which unquotes to nothing, as in
 *	Postfix), and "<@route,@route:addr>".  It refuses control
 *	characters (NUL cannot occur: milter strings end at NUL), unbalanced
 *	brackets or quotes, unquoted spaces, and addresses longer than
 *	ADDR_MAX_LEN; 8-bit bytes (SMTPUTF8) are kept as they are.
 *
 *	addr_external() converts back to the form written on the wire,
 *	quoting the local part when it is not a dot-atom, so a rewritten
 *	sender can never be reinterpreted by the MTA as something else.
 *
 *	addr_check_rewrite() decides whether the result of a rewrite may be
 *	used as an envelope sender: local@domain, no control characters, a
 *	syntactically valid domain (a hostname, [IPv4] or [IPv6:address]:
 *	nothing that a header parser could read as a comment or a list), at
 *	most ADDR_PATH_MAX bytes.
 *
 *	addr_header_mailbox() finds the one mailbox of a header value such
 *	as From: (display names, quoted strings, comments, folding and a
 *	domain literal after "@" are understood) and returns where its
 *	addr-spec lies, so that addr_header_replace() can change the address
 *	and keep everything else (display name, encoded words, comments)
 *	byte for byte.
 * DIAGNOSTICS
 *	ADDR_INVALID with a static reason in *why; ADDR_NOMEM.
 */

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"

#define IS_CTRL(c)	((unsigned char) (c) < 0x20 || (unsigned char) (c) == 0x7f)
#define IS_WSP(c)	((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n')

/* addr_parse - envelope argument to internal form */

enum addr_status
addr_parse(const char *arg, char **internal, const char **why)
{
    const char *b = arg;
    const char *e = arg + strlen(arg);
    const char *cp;
    const char *close = NULL;
    int     in_quote = 0;
    char   *out;
    char   *op;
    char   *at;

    *internal = NULL;
    while (b < e && (*b == ' ' || *b == '\t'))
	b++;
    while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
	e--;
    if (e - b > ADDR_MAX_LEN + 2) {
	*why = "address too long";
	return (ADDR_INVALID);
    }
    for (cp = b; cp < e; cp++) {
	if (IS_CTRL(*cp)) {
	    *why = "control character in address";
	    return (ADDR_INVALID);
	}
    }

    /* Find the brackets, ignoring any inside quoted strings. */
    for (cp = b; cp < e; cp++) {
	if (in_quote) {
	    if (*cp == '\\' && cp + 1 < e)
		cp++;
	    else if (*cp == '"')
		in_quote = 0;
	} else if (*cp == '"') {
	    in_quote = 1;
	} else if (*cp == '<' && cp != b) {
	    *why = "unbalanced angle brackets";
	    return (ADDR_INVALID);
	} else if (*cp == '>') {
	    if (*b != '<' || close != NULL) {
		*why = "unbalanced angle brackets";
		return (ADDR_INVALID);
	    }
	    close = cp;
	}
    }
    if (in_quote) {
	*why = "unterminated quoted string";
	return (ADDR_INVALID);
    }
    if (*b == '<' && b < e) {
	if (close == NULL) {
	    *why = "unbalanced angle brackets";
	    return (ADDR_INVALID);
	}
	if (close != e - 1) {
	    *why = "text after closing angle bracket";
	    return (ADDR_INVALID);
	}
	b++;
	e--;
    }
    if (b == e) {
	if ((*internal = strdup("")) == NULL)
	    return (ADDR_NOMEM);
	return (ADDR_NULL);
    }

    /* Drop a source route: @hop1,@hop2:user@domain. */
    if (*b == '@') {
	if ((cp = memchr(b, ':', e - b)) == NULL) {
	    *why = "source route without ':'";
	    return (ADDR_INVALID);
	}
	b = cp + 1;
	if (b == e) {
	    *why = "empty address after source route";
	    return (ADDR_INVALID);
	}
    }

    /* Unquote. */
    if ((out = malloc(e - b + 1)) == NULL)
	return (ADDR_NOMEM);
    for (op = out, cp = b; cp < e; cp++) {
	if (*cp == '"') {
	    for (cp++; cp < e && *cp != '"'; cp++) {
		if (*cp == '\\' && cp + 1 < e)
		    cp++;
		*op++ = *cp;
	    }
	} else if (*cp == ' ' || *cp == '\t') {
	    free(out);
	    *why = "unquoted space in address";
	    return (ADDR_INVALID);
	} else {
	    *op++ = *cp;
	}
    }
    *op = 0;
    /* <""> unquotes to nothing: that is the null sender, as in Postfix. */
    if (op == out) {
	*internal = out;
	return (ADDR_NULL);
    }
    /* user@example.com. is user@example.com. */
    if ((at = strrchr(out, '@')) != NULL && op - at > 2 && op[-1] == '.')
	*--op = 0;
    *internal = out;
    return (ADDR_OK);
}

/* local_needs_quotes - is this local part not a plain dot-atom? */

static int
local_needs_quotes(const char *lp, size_t len)
{
    static const char atext_specials[] = "!#$%&'*+-/=?^_`{|}~";
    size_t  i;

    if (len == 0 || lp[0] == '.' || lp[len - 1] == '.')
	return (1);
    for (i = 0; i < len; i++) {
	unsigned char c = (unsigned char) lp[i];

	if (c == '.') {
	    if (lp[i + 1] == '.')
		return (1);
	} else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		     || (c >= '0' && c <= '9') || c >= 0x80
		     || (c != 0 && strchr(atext_specials, c) != NULL))) {
	    return (1);
	}
    }
    return (0);
}

/* addr_external - internal form to wire form, optionally in <> */

char   *
addr_external(const char *internal, int brackets)
{
    const char *at = strrchr(internal, '@');
    size_t  len = strlen(internal);
    size_t  lplen = at ? (size_t) (at - internal) : len;
    char   *out;
    char   *op;
    size_t  i;

    /* Worst case: every local-part byte escaped, plus quotes and brackets. */
    if ((out = malloc(2 * len + 5)) == NULL)
	return (NULL);
    op = out;
    if (brackets)
	*op++ = '<';
    if (len > 0 && local_needs_quotes(internal, lplen)) {
	*op++ = '"';
	for (i = 0; i < lplen; i++) {
	    if (internal[i] == '"' || internal[i] == '\\')
		*op++ = '\\';
	    *op++ = internal[i];
	}
	*op++ = '"';
	memcpy(op, internal + lplen, len - lplen);
	op += len - lplen;
    } else {
	memcpy(op, internal, len);
	op += len;
    }
    if (brackets)
	*op++ = '>';
    *op = 0;
    return (out);
}

/* literal_ok - "[IPv4]" or "[IPv6:address]", the literals in use (RFC 5321 4.1.3) */

static int
literal_ok(const char *dom, size_t len)
{
    char    text[64];
    unsigned char bin[16];

    if (len < 3 || len - 2 >= sizeof(text) || dom[len - 1] != ']')
	return (0);
    memcpy(text, dom + 1, len - 2);
    text[len - 2] = 0;
    if (strncasecmp(text, "IPv6:", 5) == 0)
	return (inet_pton(AF_INET6, text + 5, bin) == 1);
    return (inet_pton(AF_INET, text, bin) == 1);
}

/* domain_ok - a dotted hostname or an address literal */

static int
domain_ok(const char *dom)
{
    size_t  len = strlen(dom);
    size_t  label = 0;
    const char *cp;

    if (len == 0)
	return (0);
    if (dom[0] == '[')
	return (literal_ok(dom, len));
    for (cp = dom; *cp; cp++) {
	unsigned char c = (unsigned char) *cp;

	if (c == '.') {
	    if (label == 0)
		return (0);
	    label = 0;
	} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		   || (c >= '0' && c <= '9') || c == '-' || c == '_' || c >= 0x80) {
	    if (++label > 63)
		return (0);
	} else {
	    return (0);
	}
    }
    return (label > 0);
}

/* addr_check_rewrite - NULL if internal may become the envelope sender, else why not */

const char *
addr_check_rewrite(const char *internal)
{
    const char *at = strrchr(internal, '@');
    const char *cp;

    if (*internal == 0)
	return ("empty address");
    if (strlen(internal) > ADDR_PATH_MAX)
	return ("address longer than 254 bytes");
    for (cp = internal; *cp; cp++)
	if (IS_CTRL(*cp))
	    return ("control character in address");
    if (at == NULL)
	return ("no @domain");
    if (at == internal)
	return ("empty local part");
    if (!domain_ok(at + 1))
	return ("bad domain");
    return (NULL);
}

/* addr_header_mailbox - locate the single mailbox in a header value */

enum addr_status
addr_header_mailbox(const char *value, struct addr_mailbox *mb, const char **why)
{
    size_t  i;
    size_t  angle_open = 0;
    size_t  angle_close = 0;
    int     have_open = 0;
    int     have_close = 0;
    int     in_quote = 0;
    int     in_literal = 0;
    int     depth = 0;
    size_t  tok_start = 0;
    size_t  tok_end = 0;
    int     have_tok = 0;
    int     gap = 0;
    int     words = 0;
    enum addr_status status;
    char   *spec;

    mb->internal = NULL;
    for (i = 0; value[i]; i++) {
	char    c = value[i];
	int     inside = have_open && !have_close;
	int     tokchar = 0;

	if (in_quote) {
	    if (c == '\\' && value[i + 1])
		i++;
	    else if (c == '"')
		in_quote = 0;
	    tokchar = 1;
	} else if (in_literal) {
	    if (c == '\\' && value[i + 1])
		i++;
	    else if (c == ']')
		in_literal = 0;
	    tokchar = 1;
	} else if (depth > 0) {
	    if (c == '\\' && value[i + 1])
		i++;
	    else if (c == '(')
		depth++;
	    else if (c == ')')
		depth--;
	    gap = 1;
	} else if (c == '(') {
	    depth = 1;
	    gap = 1;
	} else if (c == '"') {
	    in_quote = 1;
	    tokchar = 1;
	} else if (c == '[' && i > 0 && value[i - 1] == '@') {
	    /* A domain literal: [IPv6:::1] holds ':', which is no group. */
	    in_literal = 1;
	    tokchar = 1;
	} else if (c == '<') {
	    if (have_open) {
		*why = "more than one '<' in header";
		return (ADDR_INVALID);
	    }
	    have_open = 1;
	    angle_open = i + 1;
	} else if (c == '>') {
	    if (!inside) {
		*why = "unbalanced angle brackets in header";
		return (ADDR_INVALID);
	    }
	    have_close = 1;
	    angle_close = i;
	} else if (c == ',' && !inside) {
	    *why = "more than one mailbox in header";
	    return (ADDR_INVALID);
	} else if (c == ':' && !inside) {
	    *why = "group syntax in header";
	    return (ADDR_INVALID);
	} else if (IS_WSP(c)) {
	    gap = 1;
	} else {
	    tokchar = 1;
	}
	if (tokchar && !inside && !have_close) {
	    if (!have_tok) {
		have_tok = 1;
		tok_start = i;
		words = 1;
	    } else if (gap) {
		words++;
	    }
	    tok_end = i + 1;
	    gap = 0;
	}
	if (tokchar && have_close) {
	    *why = "text after '>' in header";
	    return (ADDR_INVALID);
	}
    }
    if (in_quote || in_literal || depth > 0) {
	*why = "unterminated quoted string, comment or domain literal in header";
	return (ADDR_INVALID);
    }
    if (have_open && !have_close) {
	*why = "unbalanced angle brackets in header";
	return (ADDR_INVALID);
    }
    if (have_open) {
	mb->start = angle_open;
	mb->end = angle_close;
    } else {
	if (!have_tok) {
	    *why = "no address in header";
	    return (ADDR_INVALID);
	}
	if (words > 1) {
	    *why = "display name without angle brackets in header";
	    return (ADDR_INVALID);
	}
	mb->start = tok_start;
	mb->end = tok_end;
    }
    if ((spec = malloc(mb->end - mb->start + 1)) == NULL)
	return (ADDR_NOMEM);
    memcpy(spec, value + mb->start, mb->end - mb->start);
    spec[mb->end - mb->start] = 0;
    status = addr_parse(spec, &mb->internal, why);
    free(spec);
    if (status == ADDR_NULL) {
	free(mb->internal);
	mb->internal = NULL;
	*why = "empty address in header";
	return (ADDR_INVALID);
    }
    return (status);
}

/* addr_header_replace - new header value with the mailbox's address replaced */

char   *
addr_header_replace(const char *value, const struct addr_mailbox *mb,
		            const char *new_internal)
{
    char   *ext;
    char   *out;
    size_t  vlen = strlen(value);
    size_t  elen;

    if ((ext = addr_external(new_internal, 0)) == NULL)
	return (NULL);
    elen = strlen(ext);
    if ((out = malloc(vlen - (mb->end - mb->start) + elen + 1)) != NULL) {
	memcpy(out, value, mb->start);
	memcpy(out + mb->start, ext, elen);
	strcpy(out + mb->start + elen, value + mb->end);
    }
    free(ext);
    return (out);
}
