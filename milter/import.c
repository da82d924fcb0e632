/*
 * NAME
 *	import - translate a Postfix sender_canonical regexp:/pcre: table
 * SYNOPSIS
 *	#include "import.h"
 *
 *	status = import_table("/etc/postfix/sender_maps", stdout, stderr);
 *	status = import_text(name, text, len, stdout);
 * DESCRIPTION
 *	Prints envfrom-milter rules equivalent to a Postfix regexp_table(5)
 *	or pcre_table(5) used as sender_canonical_maps, for envfrom-milter -I.
 *	The output is a config fragment that loads as it is.
 *
 *	This half walks the table: it reads the file, joins continuation
 *	lines into logical lines, keeps the stack of "if /pattern/" ...
 *	"endif" (and "if !/pattern/"), and makes each "/pattern/flags result"
 *	entry ("!/pattern/ result": a negated sender pattern) a rule with
 *	sender and rewrite.  The enclosing if patterns become look-ahead
 *	conditions in front of the entry's own pattern.  import_syntax.c
 *	translates the pieces: pattern and flags, capture groups, $N, quoting.
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
#include "import_syntax.h"
#include "pattern.h"

#define MAX_IF_DEPTH	16
#define MAX_TABLE_SIZE	(16 * 1024 * 1024)

/* One table being translated: the output, the if/endif stack, counts. */
struct import {
    FILE   *out;
    const char *name;
    struct tpat ifs[MAX_IF_DEPTH];	/* regex NULL: an if that matches nothing */
    int     depth;
    int     skipped;			/* entries that became comments */
    int     rules;
};

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
    struct strbuf sender = {NULL, 0, 0, 0, 0};
    struct strbuf rewrite = {NULL, 0, 0, 0, 0};
    struct strbuf out = {NULL, 0, 0, 0, 0};
    struct pattern *compiled;
    unsigned maxref;
    unsigned groups;
    int     rc;
    char    err[300];
    char   *res;
    size_t  rlen;
    int     i;

    if ((main_pat.regex = import_parse_pattern(&cp, &main_pat, &why)) == NULL) {
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
    if ((rc = import_translate_result(res, &rewrite, &maxref)) < 0) {
	skip_entry(im, line, text, rc == -2 ? "$0 (the whole match) has no "
		   "equivalent; put a group around the whole pattern and use $1"
		   : "a $ in the result that is not $N, ${N}, $(N) or $$");
	free(res);
	goto done;
    }
    /* The loader checks a constant result; a translation must pass that check. */
    why = rewrite.failed ? "out of memory" : import_result_problem(res, maxref, err, sizeof(err));
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
	    strbuf_str(&sender, "!");
	else if (main_pat.regex[0] == '!')
	    strbuf_str(&sender, "\\");	/* /!x/ is a literal "!", not negation */
	strbuf_str(&sender, main_pat.regex);
    } else {
	strbuf_str(&sender, "^");
	for (i = 0; i < im->depth; i++) {
	    strbuf_str(&sender, im->ifs[i].negated ? "(?![\\s\\S]*?(?:" : "(?=[\\s\\S]*?(?:");
	    strbuf_str(&sender, im->ifs[i].regex ? im->ifs[i].regex : "(*FAIL)");
	    strbuf_str(&sender, "))");
	}
	if (main_pat.negated) {
	    strbuf_str(&sender, "(?![\\s\\S]*?(?:");
	    if (import_strip_captures(main_pat.regex, &sender) < 0) {
		skip_entry(im, line, text, "back-reference in a pattern inside if/endif");
		goto done;
	    }
	    strbuf_str(&sender, "))");
	} else {
	    strbuf_str(&sender, "[\\s\\S]*?(?:");
	    strbuf_str(&sender, main_pat.regex);
	    strbuf_str(&sender, ")");
	}
    }
    if (sender.failed || rewrite.failed) {
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
    strbuf_str(&out, "    sender = ");
    import_squote(&out, sender.s);
    strbuf_str(&out, "\n    rewrite = ");
    import_squote(&out, rewrite.s);
    if (out.failed) {
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
    struct strbuf stripped = {NULL, 0, 0, 0, 0};
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
	if ((p.regex = import_parse_pattern(&cp, &p, &why)) == NULL
	    || import_strip_captures(p.regex, &stripped) < 0 || stripped.failed) {
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
    struct strbuf logical = {NULL, 0, 0, 0, 0};
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
	    strbuf_str(&logical, " ");
	    while (n > 0 && (*cp == ' ' || *cp == '\t'))
		cp++, n--;
	    strbuf_add(&logical, cp, n);
	} else if (n == 0 || cp[0] == '#' || cp[0] == ' ' || cp[0] == '\t') {
	    /* Blank, comment, or white space with nothing to continue. */
	} else {
	    if (logical.len > 0)
		do_line(&im, start_line, logical.s);
	    logical.len = 0;
	    strbuf_add(&logical, cp, n);
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
    if (logical.failed)
	im.skipped++;
    return (im.skipped > 0 ? 2 : 0);
}

/* import_table - translate a table file; see DIAGNOSTICS */

int
import_table(const char *path, FILE *out, FILE *err)
{
    struct strbuf text = {NULL, 0, 0, MAX_TABLE_SIZE - 1, 0};
    int     status;

    if (strbuf_read_file(&text, path) < 0) {
	if (text.failed == STRBUF_NOMEM)
	    fprintf(err, "envfrom-milter: out of memory\n");
	else
	    fprintf(err, "envfrom-milter: %s: %s\n", path,
		    text.failed ? "table too large" : strerror(errno));
	free(text.s);
	return (text.failed == STRBUF_NOMEM ? EX_OSERR : EX_NOINPUT);
    }
    status = import_text(path, text.s, text.len, out);
    free(text.s);
    if (status != 0)
	fprintf(err, "envfrom-milter: some entries of %s could not be translated; "
		"see the comments in the output\n", path);
    return (status);
}
