/*
 * NAME
 *	import_syntax - Postfix table syntax into envfrom-milter's, piece by piece
 * SYNOPSIS
 *	#include "import_syntax.h"
 *
 *	regex = import_parse_pattern(&cp, &pat, &why);
 *	status = import_strip_captures(regex, &buf);
 *	status = import_translate_result(result, &buf, &maxref);
 *	why = import_result_problem(result, maxref, err, sizeof(err));
 *	import_squote(&buf, value);
 * DESCRIPTION
 *	The translating half of envfrom-milter -I: each function turns one
 *	piece of a regexp_table(5) or pcre_table(5) entry into what an
 *	envfrom-milter config says, or says why it cannot.  import.c walks
 *	the table and puts the pieces together into rules.
 *
 *	import_parse_pattern() reads "[!]/regex/flags".  Postfix tables
 *	ignore case by default and the "i" flag makes a pattern
 *	case-sensitive; so does envfrom-milter, so "i" becomes an inline
 *	(?-i:...) group.  m, s and U become inline flags, A a \A anchor; E
 *	is what envfrom-milter always does.  The "x" flag is refused: it
 *	means different things in the two table types.
 *
 *	import_strip_captures() makes capturing groups non-capturing, for
 *	the look-aheads that "if" patterns become, so $N keeps its meaning;
 *	it refuses back-references, which would lose theirs.
 *
 *	import_translate_result() writes $1, ${1} and $(1) as ${1}; $$
 *	stays.  import_result_problem() says why a result cannot be a
 *	rewrite: a control character, or a constant that is not a usable
 *	envelope sender (the loader would refuse it).
 *
 *	import_squote() writes a value in single quotes, where libconfuse
 *	keeps backslashes and ${...} as they are.  They all write into
 *	strings of strbuf.c.
 * DIAGNOSTICS
 *	Out of memory sets the strbuf's failed; import_parse_pattern() then
 *	returns NULL with *why left alone.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "import_syntax.h"

/* import_strip_captures - copy regex with capturing groups made non-capturing;
 * -1 on a back-reference */

int
import_strip_captures(const char *re, struct strbuf *b)
{
    const char *cp = re;
    int     in_class = 0;

    while (*cp) {
	if (*cp == '\\' && cp[1]) {
	    if (!in_class && (isdigit((unsigned char) cp[1]) || cp[1] == 'g' || cp[1] == 'k'))
		return (-1);
	    if (cp[1] == 'Q') {			/* \Q...\E is literal */
		const char *end = strstr(cp + 2, "\\E");
		size_t  n = end ? (size_t) (end + 2 - cp) : strlen(cp);

		strbuf_add(b, cp, n);
		cp += n;
		continue;
	    }
	    strbuf_add(b, cp, 2);
	    cp += 2;
	    continue;
	}
	if (in_class) {
	    if (*cp == '[' && cp[1] == ':') {	/* [:alpha:] */
		const char *end = strstr(cp + 2, ":]");
		size_t  n = end ? (size_t) (end + 2 - cp) : 1;

		strbuf_add(b, cp, n);
		cp += n;
		continue;
	    }
	    if (*cp == ']')
		in_class = 0;
	    strbuf_add(b, cp++, 1);
	    continue;
	}
	if (*cp == '[') {
	    in_class = 1;
	    strbuf_add(b, cp++, 1);
	    if (*cp == '^')
		strbuf_add(b, cp++, 1);
	    if (*cp == ']')			/* a leading ] is literal */
		strbuf_add(b, cp++, 1);
	    continue;
	}
	if (*cp == '(' && cp[1] != '?' && cp[1] != '*') {
	    strbuf_str(b, "(?:");
	    cp++;
	    continue;
	}
	if (*cp == '(' && cp[1] == '?'
	    && ((cp[2] == '<' && cp[3] != '=' && cp[3] != '!')
		|| cp[2] == '\'' || (cp[2] == 'P' && cp[3] == '<'))) {
	    const char *end = strpbrk(cp + 3, ">'");

	    if (end == NULL)
		return (-1);
	    strbuf_str(b, "(?:");
	    cp = end + 1;
	    continue;
	}
	strbuf_add(b, cp++, 1);
    }
    return (0);
}

/* import_parse_pattern - "[!]/regex/flags" at *cpp; NULL with why on error */

char   *
import_parse_pattern(const char **cpp, struct tpat *p, const char **why)
{
    const char *cp = *cpp;
    const char *start;
    const char *close;
    char    delim;
    int     case_sensitive = 0;
    int     anchored = 0;
    char    on[8];
    size_t  non = 0;
    struct strbuf b = {NULL, 0, 0, 0, 0};

    p->negated = 0;
    if (*cp == '!') {
	p->negated = 1;
	cp++;
	while (*cp == ' ' || *cp == '\t')
	    cp++;
    }
    delim = *cp;
    if (delim == 0 || isalnum((unsigned char) delim) || isspace((unsigned char) delim)
	|| delim == '\\') {
	*why = "expected /pattern/";
	return (NULL);
    }
    start = ++cp;
    while (*cp && *cp != delim) {
	if (*cp == '\\' && cp[1])
	    cp++;
	cp++;
    }
    if (*cp != delim) {
	*why = "no closing delimiter";
	return (NULL);
    }
    close = cp;
    for (cp++; *cp && !isspace((unsigned char) *cp); cp++) {
	switch (*cp) {
	case 'i':
	    case_sensitive = !case_sensitive;
	    break;
	case 'm':
	case 's':
	case 'U':
	    if (memchr(on, *cp, non) == NULL)
		on[non++] = *cp;
	    break;
	case 'A':
	    anchored = 1;
	    break;
	case 'E':
	case 'X':
	    break;
	case 'x':
	    *why = "flag x means \"extended\" in pcre: and \"basic regex\" in regexp: "
		"tables; translate this entry by hand";
	    return (NULL);
	default:
	    *why = "unknown flag";
	    return (NULL);
	}
    }
    if (anchored)
	strbuf_str(&b, "\\A");
    if (non > 0 || case_sensitive) {
	strbuf_str(&b, "(?");
	strbuf_add(&b, on, non);
	if (case_sensitive)
	    strbuf_str(&b, "-i");
	strbuf_str(&b, ":");
    } else if (anchored) {
	strbuf_str(&b, "(?:");
    }
    if (close == start)			/* // matches everything; '' is refused */
	strbuf_str(&b, "(?:)");
    else
	strbuf_add(&b, start, close - start);
    if (non > 0 || case_sensitive || anchored)
	strbuf_str(&b, ")");
    *cpp = cp;
    return (b.failed ? NULL : b.s);
}

/* import_squote - value in single quotes, escaped for libconfuse */

void
import_squote(struct strbuf *b, const char *s)
{
    strbuf_str(b, "'");
    for (; *s; s++) {
	if (*s == '\'')
	    strbuf_str(b, "\\'");
	else if (*s == '\\' && (s[1] == '\\' || s[1] == '\'' || s[1] == 0))
	    strbuf_str(b, "\\\\");
	else
	    strbuf_add(b, s, 1);
    }
    strbuf_str(b, "'");
}

/* import_translate_result - Postfix $N, ${N}, $(N) to ${N}; -1 on a bad $,
 * -2 on $0 */

int
import_translate_result(const char *res, struct strbuf *b, unsigned *maxref)
{
    const char *cp;

    *maxref = 0;
    for (cp = res; *cp; cp++) {
	if (*cp != '$') {
	    strbuf_add(b, cp, 1);
	    continue;
	}
	if (cp[1] == '$') {
	    strbuf_str(b, "$$");
	    cp++;
	} else if (cp[1] == '0') {
	    return (-2);
	} else if (isdigit((unsigned char) cp[1])) {
	    strbuf_add(b, "${", 2);
	    strbuf_add(b, cp + 1, 1);
	    strbuf_add(b, "}", 1);
	    if ((unsigned) (cp[1] - '0') > *maxref)
		*maxref = cp[1] - '0';
	    cp++;
	} else if ((cp[1] == '{' || cp[1] == '(') && isdigit((unsigned char) cp[2])) {
	    char    close = cp[1] == '{' ? '}' : ')';
	    const char *end = cp + 2;
	    unsigned n = 0;

	    while (isdigit((unsigned char) *end) && n < 100)
		n = n * 10 + (*end++ - '0');
	    if (*end != close)
		return (-1);
	    if (n == 0)
		return (-2);
	    strbuf_str(b, "${");
	    strbuf_add(b, cp + 2, end - (cp + 2));
	    strbuf_str(b, "}");
	    if (n > *maxref)
		*maxref = n;
	    cp = end;
	} else {
	    return (-1);
	}
    }
    return (0);
}

/* import_result_problem - why a result cannot become a rewrite, or NULL */

const char *
import_result_problem(const char *res, unsigned maxref, char *why, size_t len)
{
    const char *cp;
    const char *bad;
    char   *lit;
    char   *op;

    for (cp = res; *cp; cp++)
	if ((unsigned char) *cp < 0x20 || *cp == 0x7f)
	    return ("control character in the result");
    if (maxref > 0)
	return (NULL);
    /* A constant, with $$ meaning $ as in Postfix. */
    if ((lit = malloc(strlen(res) + 1)) == NULL)
	return ("out of memory");
    for (op = lit, cp = res; *cp; cp++) {
	*op++ = *cp;
	if (cp[0] == '$' && cp[1] == '$')
	    cp++;
    }
    *op = 0;
    bad = addr_check_rewrite(lit);
    free(lit);
    if (bad == NULL)
	return (NULL);
    snprintf(why, len, "the result is not a usable envelope sender: %s", bad);
    return (why);
}
