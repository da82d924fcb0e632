/*
 * NAME
 *	test_linemap - line numbers of rules and options, quoting traps, duplicates
 */

#include <stdio.h>
#include <string.h>

#include "linemap.h"
#include "tap.h"

static const char text[] =
"# comment with rule \"fake\" { sender = 'x' }\n"	/* 1 */
"socket = \"inet:8894@127.0.0.1\"   // trailing\n"	/* 2 */
"/* a block\n"						/* 3 */
"   comment */ user = 'u'\n"				/* 4 */
"rule \"a\" {\n"					/* 5 */
"    sender = '{not a brace}'\n"			/* 6 */
"    client = { \"1.2.3.4\",\n"				/* 7 */
"               \"5.6.7.8\" }\n"			/* 8 */
"    rewrite = \"${x}@y\"\n"				/* 9 */
"}\n"							/* 10 */
"rule b { recipient = \"@a\\.b\" keep = true }\n"	/* 11 */
"rule \"a\" { sender = \"ok\\\\.x\" }\n";		/* 12 */

static const char stray[] =
"rule \"a\" {\n"					/* 1 */
"    sender = 'a'\n"					/* 2 */
"}\n"							/* 3 */
"*/*\n"							/* 4 */
"rule \"b\" {\n"					/* 5 */
"    sender = 'b'\n"					/* 6 */
"}\n";							/* 7 */

static int dups;
static int dup_line;
static int dup_first;

/* dup - duplicate report */

static void
dup(void *ctx, const char *title, int line, int first)
{
    (void) ctx;
    (void) title;
    dups++;
    dup_line = line;
    dup_first = first;
}

/* scan - linemap_scan() of a string */

static int
scan(struct linemap *lm, const char *s)
{
    return (linemap_scan(lm, s, strlen(s)));
}

/* flags_of - flags of the first (section, key) entry */

static int
flags_of(const struct linemap *lm, const char *section, const char *key)
{
    size_t  i;

    for (i = 0; i < lm->n; i++)
	if (((section == NULL && lm->v[i].section == NULL)
	     || (section && lm->v[i].section && strcmp(section, lm->v[i].section) == 0))
	    && lm->v[i].key && strcmp(key, lm->v[i].key) == 0)
	    return (lm->v[i].flags);
    return (-1);
}

int
main(void)
{
    struct linemap lm;

    ok(linemap_scan(&lm, text, strlen(text)) == 0, "scan");
    is_long(linemap_line(&lm, NULL, "socket"), 2, "socket line");
    is_long(linemap_line(&lm, NULL, "user"), 4, "key after a block comment");
    is_long(linemap_line(&lm, "a", NULL), 5, "rule a starts on line 5");
    is_long(linemap_line(&lm, "a", "sender"), 6, "sender line (braces in a string)");
    is_long(linemap_line(&lm, "a", "client"), 7, "list starts on line 7");
    is_long(linemap_line(&lm, "a", "rewrite"), 9, "rewrite line after a two-line list");
    is_long(linemap_line(&lm, "b", NULL), 11, "unquoted title");
    is_long(linemap_line(&lm, "b", "keep"), 11, "two options on one line");
    is_long(linemap_line(&lm, "fake", NULL), 0, "nothing from comments");
    is_long(linemap_line(&lm, NULL, "sender"), 0, "rule options are not top-level");
    is_long(flags_of(&lm, "a", "rewrite"), LINEMAP_DQ_ENV, "${ in double quotes flagged");
    is_long(flags_of(&lm, "b", "recipient"), LINEMAP_DQ_ESCAPE, "\\. in double quotes flagged");
    is_long(flags_of(&lm, "a", "sender"), 0, "single quotes are safe");
    is_long(flags_of(&lm, NULL, "socket"), 0, "plain double quotes are fine");
    linemap_duplicates(&lm, dup, NULL);
    is_long(dups, 1, "one duplicate title");
    is_long(dup_line, 12, "... on line 12");
    is_long(dup_first, 5, "... first defined on line 5");
    is_long(lm.stray_line, 0, "no stray characters");
    linemap_free(&lm);

    /* libconfuse skips '*' and a lone '+' silently; "*" then slash-star opens a comment. */
    ok(linemap_scan(&lm, stray, strlen(stray)) == 0, "scan a stray */*");
    is_long(lm.stray_line, 4, "stray '*' on line 4");
    is_long(lm.stray_char, '*', "... is the '*'");
    is_long(linemap_line(&lm, "b", NULL), 0, "the rule after it is hidden, as libconfuse sees it");
    linemap_free(&lm);
    ok(scan(&lm, "a = x*y\n") == 0 && lm.stray_line == 1 && lm.stray_char == '*',
       "a '*' inside an unquoted word is stray too");
    linemap_free(&lm);
    ok(scan(&lm, "a = 'x'\nb = + 'y'\nc += 'z'\n") == 0 && lm.stray_line == 2
       && lm.stray_char == '+', "a '+' not followed by '=' is stray; += is not");
    linemap_free(&lm);
    ok(scan(&lm, "a = '*/*' /* x* */ b = \"+*\"\n") == 0 && lm.stray_line == 0,
       "'*' and '+' in quotes and comments are fine");
    linemap_free(&lm);
    return (tap_done());
}
