/*
 * NAME
 *	import - translate a Postfix sender_canonical regexp:/pcre: table
 * SYNOPSIS
 *	#include "import.h"
 *
 *	status = import_table("/etc/postfix/sender_maps", stdout, stderr);
 * DESCRIPTION
 *	Prints envfrom-milter rules equivalent to a Postfix regexp_table(5)
 *	or pcre_table(5) used as sender_canonical_maps, for envfrom-milter -I.
 *	The output is a config fragment that loads as it is:
 *
 *	- "/pattern/flags result" becomes a rule with sender and rewrite;
 *	  "!/pattern/ result" a negated sender pattern.
 *	- Postfix tables ignore case by default and the "i" flag makes a
 *	  pattern case-sensitive; so does envfrom-milter, so "i" becomes an
 *	  inline (?-i:...) group.  m, s and U become inline flags, A a \A
 *	  anchor.  E is what envfrom-milter always does.
 *	- $1, ${1} and $(1) in the result become ${1}; $$ stays.
 *	- "if /pattern/" ... "endif" (and "if !/pattern/") become look-ahead
 *	  conditions in front of each enclosed pattern, with their capture
 *	  groups made non-capturing so $N keeps its meaning.
 *	- Values are written in single quotes, where libconfuse keeps
 *	  backslashes and ${...} as they are.
 *
 *	What cannot be translated is printed as a comment saying why, with
 *	the original line: the "x" flag (it means different things in the two
 *	table types), back-references inside "if" patterns, results that are
 *	not a complete address, patterns PCRE2 does not accept.
 * DIAGNOSTICS
 *	import_table() returns 0 when every entry was translated, 2 when some
 *	became comments, EX_NOINPUT when the table cannot be read.
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "addr.h"
#include "import.h"
#include "pattern.h"
#include "vec.h"

#define MAX_IF_DEPTH	16
#define MAX_TABLE_SIZE	(16 * 1024 * 1024)

/* A growable string. */
struct buf {
    char   *s;
    size_t  len;
    size_t  alloc;
    int     nomem;
};

/* One pattern as written: regex, negation, flags. */
struct tpat {
    char   *regex;			/* translated to PCRE2, flags inline */
    int     negated;
};

struct import {
    FILE   *out;
    const char *name;
    struct tpat ifs[MAX_IF_DEPTH];	/* regex NULL: an if that matches nothing */
    int     depth;
    int     skipped;			/* entries that became comments */
    int     rules;
};

/* buf_add - append len bytes */

static void
buf_add(struct buf *b, const char *s, size_t len)
{
    if (b->nomem)
	return;
    if (len >= SIZE_MAX - b->len || VEC_RESERVE(b->s, b->alloc, b->len + len + 1, 256) < 0) {
	b->nomem = 1;
	return;
    }
    memcpy(b->s + b->len, s, len);
    b->len += len;
    b->s[b->len] = 0;
}

/* buf_str - append a string */

static void
buf_str(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

/* strip_captures - copy regex with capturing groups made non-capturing; -1 on back-reference */

static int
strip_captures(const char *re, struct buf *b)
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

		buf_add(b, cp, n);
		cp += n;
		continue;
	    }
	    buf_add(b, cp, 2);
	    cp += 2;
	    continue;
	}
	if (in_class) {
	    if (*cp == '[' && cp[1] == ':') {	/* [:alpha:] */
		const char *end = strstr(cp + 2, ":]");
		size_t  n = end ? (size_t) (end + 2 - cp) : 1;

		buf_add(b, cp, n);
		cp += n;
		continue;
	    }
	    if (*cp == ']')
		in_class = 0;
	    buf_add(b, cp++, 1);
	    continue;
	}
	if (*cp == '[') {
	    in_class = 1;
	    buf_add(b, cp++, 1);
	    if (*cp == '^')
		buf_add(b, cp++, 1);
	    if (*cp == ']')			/* a leading ] is literal */
		buf_add(b, cp++, 1);
	    continue;
	}
	if (*cp == '(' && cp[1] != '?' && cp[1] != '*') {
	    buf_str(b, "(?:");
	    cp++;
	    continue;
	}
	if (*cp == '(' && cp[1] == '?'
	    && ((cp[2] == '<' && cp[3] != '=' && cp[3] != '!')
		|| cp[2] == '\'' || (cp[2] == 'P' && cp[3] == '<'))) {
	    const char *end = strpbrk(cp + 3, ">'");

	    if (end == NULL)
		return (-1);
	    buf_str(b, "(?:");
	    cp = end + 1;
	    continue;
	}
	buf_add(b, cp++, 1);
    }
    return (0);
}

/* parse_pattern - "[!]/regex/flags" at *cpp; NULL with why on error */

static char *
parse_pattern(const char **cpp, struct tpat *p, const char **why)
{
    const char *cp = *cpp;
    const char *start;
    const char *close;
    char    delim;
    int     case_sensitive = 0;
    int     anchored = 0;
    char    on[8];
    size_t  non = 0;
    struct buf b = {0, 0, 0, 0};

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
	buf_str(&b, "\\A");
    if (non > 0 || case_sensitive) {
	buf_str(&b, "(?");
	buf_add(&b, on, non);
	if (case_sensitive)
	    buf_str(&b, "-i");
	buf_str(&b, ":");
    } else if (anchored) {
	buf_str(&b, "(?:");
    }
    if (close == start)			/* // matches everything; '' is refused */
	buf_str(&b, "(?:)");
    else
	buf_add(&b, start, close - start);
    if (non > 0 || case_sensitive || anchored)
	buf_str(&b, ")");
    *cpp = cp;
    return (b.nomem ? NULL : b.s);
}

/* squote - value in single quotes, escaped for libconfuse */

static void
squote(struct buf *b, const char *s)
{
    buf_str(b, "'");
    for (; *s; s++) {
	if (*s == '\'')
	    buf_str(b, "\\'");
	else if (*s == '\\' && (s[1] == '\\' || s[1] == '\'' || s[1] == 0))
	    buf_str(b, "\\\\");
	else
	    buf_add(b, s, 1);
    }
    buf_str(b, "'");
}

/* translate_result - Postfix $N, ${N}, $(N) to ${N}; -1 on a bad $, -2 on $0 */

static int
translate_result(const char *res, struct buf *b, unsigned *maxref)
{
    const char *cp;

    *maxref = 0;
    for (cp = res; *cp; cp++) {
	if (*cp != '$') {
	    buf_add(b, cp, 1);
	    continue;
	}
	if (cp[1] == '$') {
	    buf_str(b, "$$");
	    cp++;
	} else if (cp[1] == '0') {
	    return (-2);
	} else if (isdigit((unsigned char) cp[1])) {
	    buf_add(b, "${", 2);
	    buf_add(b, cp + 1, 1);
	    buf_add(b, "}", 1);
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
	    buf_str(b, "${");
	    buf_add(b, cp + 2, end - (cp + 2));
	    buf_str(b, "}");
	    if (n > *maxref)
		*maxref = n;
	    cp = end;
	} else {
	    return (-1);
	}
    }
    return (0);
}

/* result_problem - why a result cannot become a rewrite, or NULL */

static const char *
result_problem(const char *res, unsigned maxref, char *why, size_t len)
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

/* skip_entry - print an entry we could not translate */

static void
skip_entry(struct import *im, int line, const char *text, const char *why)
{
    fprintf(im->out, "# %s, line %d: not translated: %s\n#   %s\n\n", im->name, line,
	    why, text);
    im->skipped++;
}

/* do_entry - one "/pattern/flags result" line */

static void
do_entry(struct import *im, int line, const char *text)
{
    const char *cp = text;
    const char *why = NULL;
    struct tpat main_pat;
    struct buf sender = {0, 0, 0, 0};
    struct buf rewrite = {0, 0, 0, 0};
    struct buf out = {0, 0, 0, 0};
    struct pattern *compiled;
    unsigned maxref;
    unsigned groups;
    int     rc;
    char    err[300];
    char   *res;
    size_t  rlen;
    int     i;

    if ((main_pat.regex = parse_pattern(&cp, &main_pat, &why)) == NULL) {
	skip_entry(im, line, text, why ? why : "out of memory");
	return;
    }
    while (isspace((unsigned char) *cp))
	cp++;
    rlen = strlen(cp);
    while (rlen > 0 && isspace((unsigned char) cp[rlen - 1]))
	rlen--;
    if (rlen == 0) {
	skip_entry(im, line, text, "no result");
	goto done;
    }
    if (strcspn(cp, " \t") < rlen) {
	skip_entry(im, line, text, "white space in the result (in Postfix tables a "
		   "comment must start its own line)");
	goto done;
    }
    if ((res = strndup(cp, rlen)) == NULL) {
	skip_entry(im, line, text, "out of memory");
	goto done;
    }
    if ((rc = translate_result(res, &rewrite, &maxref)) < 0) {
	skip_entry(im, line, text, rc == -2 ? "$0 (the whole match) has no "
		   "equivalent; put a group around the whole pattern and use $1"
		   : "a $ in the result that is not $N, ${N}, $(N) or $$");
	free(res);
	goto done;
    }
    /* The loader checks a constant result; a translation must pass that check. */
    why = rewrite.nomem ? "out of memory" : result_problem(res, maxref, err, sizeof(err));
    free(res);
    if (why != NULL) {
	skip_entry(im, line, text, why);
	goto done;
    }
    if (strchr(rewrite.s, '@') == NULL) {
	skip_entry(im, line, text, "the result is not a complete address (no @domain); "
		   "envfrom-milter needs one");
	goto done;
    }
    if (maxref == 0 && (why = addr_check_rewrite(rewrite.s)) != NULL) {
	skip_entry(im, line, text, why);
	goto done;
    }
    if (maxref > 0 && main_pat.negated) {
	skip_entry(im, line, text, "$N with a negated pattern (it has no groups)");
	goto done;
    }

    /* Enclosing if/endif conditions become look-aheads; captures stay the main pattern's. */
    if (im->depth == 0) {
	if (main_pat.negated)
	    buf_str(&sender, "!");
	else if (main_pat.regex[0] == '!')
	    buf_str(&sender, "\\");	/* /!x/ is a literal "!", not negation */
	buf_str(&sender, main_pat.regex);
    } else {
	buf_str(&sender, "^");
	for (i = 0; i < im->depth; i++) {
	    buf_str(&sender, im->ifs[i].negated ? "(?![\\s\\S]*?(?:" : "(?=[\\s\\S]*?(?:");
	    buf_str(&sender, im->ifs[i].regex ? im->ifs[i].regex : "(*FAIL)");
	    buf_str(&sender, "))");
	}
	if (main_pat.negated) {
	    buf_str(&sender, "(?![\\s\\S]*?(?:");
	    if (strip_captures(main_pat.regex, &sender) < 0) {
		skip_entry(im, line, text, "back-reference in a pattern inside if/endif");
		goto done;
	    }
	    buf_str(&sender, "))");
	} else {
	    buf_str(&sender, "[\\s\\S]*?(?:");
	    buf_str(&sender, main_pat.regex);
	    buf_str(&sender, ")");
	}
    }
    if (sender.nomem || rewrite.nomem) {
	skip_entry(im, line, text, "out of memory");
	goto done;
    }
    if ((compiled = pattern_compile(sender.s, PATTERN_CASELESS, err, sizeof(err))) == NULL) {
	skip_entry(im, line, text, err);
	goto done;
    }
    groups = pattern_capture_count(compiled);
    pattern_free(compiled);
    if (maxref > groups) {
	snprintf(err, sizeof(err), "the result uses $%u but the pattern has %u group(s)",
		 maxref, groups);
	skip_entry(im, line, text, err);
	goto done;
    }
    buf_str(&out, "    sender = ");
    squote(&out, sender.s);
    buf_str(&out, "\n    rewrite = ");
    squote(&out, rewrite.s);
    if (out.nomem) {
	skip_entry(im, line, text, "out of memory");
	goto done;
    }
    fprintf(im->out, "# %s, line %d: %s\nrule \"import-%d\" {\n%s\n}\n\n",
	    im->name, line, text, line, out.s);
    im->rules++;
done:
    free(main_pat.regex);
    free(sender.s);
    free(rewrite.s);
    free(out.s);
}

/* do_line - one logical line of the table */

static void
do_line(struct import *im, int line, const char *text)
{
    const char *cp = text;
    const char *why = NULL;
    struct buf stripped = {0, 0, 0, 0};
    struct tpat p;

    if (strncmp(cp, "endif", 5) == 0 && (cp[5] == 0 || isspace((unsigned char) cp[5]))) {
	if (im->depth == 0) {
	    skip_entry(im, line, text, "endif without if");
	    return;
	}
	free(im->ifs[--im->depth].regex);
	return;
    }
    if (strncmp(cp, "if", 2) == 0 && (isspace((unsigned char) cp[2]) || cp[2] == '!'
				      || cp[2] == '/')) {
	cp += 2;
	while (isspace((unsigned char) *cp))
	    cp++;
	if (im->depth == MAX_IF_DEPTH) {
	    skip_entry(im, line, text, "if nested too deeply");
	    return;
	}
	if ((p.regex = parse_pattern(&cp, &p, &why)) == NULL
	    || strip_captures(p.regex, &stripped) < 0 || stripped.nomem) {
	    /* The whole block would change meaning: keep it, but match nothing. */
	    skip_entry(im, line, text, why ? why : "back-reference in an if pattern; "
		       "the entries inside this if/endif will never match");
	    free(p.regex);
	    free(stripped.s);
	    /* NULL: matches nothing (no allocation that could fail here). */
	    im->ifs[im->depth].regex = NULL;
	    im->ifs[im->depth++].negated = 0;
	    return;
	}
	free(p.regex);
	im->ifs[im->depth].regex = stripped.s;
	im->ifs[im->depth++].negated = p.negated;
	return;
    }
    do_entry(im, line, text);
}

/* import_text - translate a table held in memory; 0 all done, 2 some skipped */

int
import_text(const char *name, const char *text, size_t len, FILE *out)
{
    struct import im;
    struct buf logical = {0, 0, 0, 0};
    const char *cp = text;
    const char *end = text + len;
    int     lineno = 0;
    int     start_line = 0;

    memset(&im, 0, sizeof(im));
    im.out = out;
    im.name = name;
    fprintf(out, "# Rules translated by envfrom-milter -I from %s.\n"
	    "# Remove sender_canonical_maps for this table from main.cf: a sender\n"
	    "# rewritten by the milter passes through canonical maps again.\n\n", name);
    while (cp <= end) {
	const char *nl = memchr(cp, '\n', end - cp);
	const char *eol = nl ? nl : end;
	size_t  n = eol - cp;

	lineno++;
	if (n > 0 && cp[n - 1] == '\r')
	    n--;
	if (n > 0 && (cp[0] == ' ' || cp[0] == '\t') && logical.len > 0) {
	    /* Continuation of the previous logical line. */
	    buf_str(&logical, " ");
	    while (n > 0 && (*cp == ' ' || *cp == '\t'))
		cp++, n--;
	    buf_add(&logical, cp, n);
	} else if (n == 0 || cp[0] == '#' || cp[0] == ' ' || cp[0] == '\t') {
	    /* Blank, comment, or white space with nothing to continue. */
	} else {
	    if (logical.len > 0)
		do_line(&im, start_line, logical.s);
	    logical.len = 0;
	    buf_add(&logical, cp, n);
	    start_line = lineno;
	}
	if (nl == NULL)
	    break;
	cp = nl + 1;
    }
    if (logical.len > 0)
	do_line(&im, start_line, logical.s);
    if (im.depth > 0) {
	fprintf(out, "# %s: %d if without endif at the end of the table\n", name, im.depth);
	im.skipped++;
	while (im.depth > 0)
	    free(im.ifs[--im.depth].regex);
    }
    free(logical.s);
    if (logical.nomem)
	im.skipped++;
    return (im.skipped > 0 ? 2 : 0);
}

/* import_table - translate a table file; see DIAGNOSTICS */

int
import_table(const char *path, FILE *out, FILE *err)
{
    FILE   *fp;
    char   *text;
    size_t  len;
    int     status;

    if ((fp = fopen(path, "r")) == NULL) {
	fprintf(err, "envfrom-milter: %s: %s\n", path, strerror(errno));
	return (EX_NOINPUT);
    }
    if ((text = malloc(MAX_TABLE_SIZE)) == NULL) {
	fclose(fp);
	fprintf(err, "envfrom-milter: out of memory\n");
	return (EX_OSERR);
    }
    len = fread(text, 1, MAX_TABLE_SIZE, fp);
    if (ferror(fp) || len == MAX_TABLE_SIZE) {
	fprintf(err, "envfrom-milter: %s: %s\n", path,
		ferror(fp) ? strerror(errno) : "table too large");
	free(text);
	fclose(fp);
	return (EX_NOINPUT);
    }
    fclose(fp);
    status = import_text(path, text, len, out);
    free(text);
    if (status != 0)
	fprintf(err, "envfrom-milter: some entries of %s could not be translated; "
		"see the comments in the output\n", path);
    return (status);
}
