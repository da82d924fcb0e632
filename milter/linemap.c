/*
 * NAME
 *	linemap - where each rule and option of a config file was written
 * SYNOPSIS
 *	#include "linemap.h"
 *
 *	linemap_scan(&lm, text, len);
 *	line = linemap_line(&lm, "ocn", "rewrite");
 *	linemap_duplicates(&lm, report, ctx);
 * DESCRIPTION
 *	libconfuse parses the file but keeps no usable line number per
 *	option (its section line counters drift inside nested blocks, and
 *	differ between 2.7 and 3.x).  So that every semantic error can name
 *	FILE:LINE, linemap_scan() reads the same text with a tiny tokenizer
 *	of the libconfuse syntax (comments #, // and block comments, double-
 *	and single-quoted strings, braces, =, +=) and records the line of
 *	each `rule "title" {` and of each `key =` at the top level and directly
 *	inside a rule.  It never fails on bad syntax: reporting that is
 *	libconfuse's job, and a partial map only costs line precision.
 *
 *	libconfuse silently merges two sections with the same title;
 *	linemap_duplicates() finds them, so the daemon can refuse them.
 *
 *	In double-quoted strings libconfuse replaces ${NAME} with an
 *	environment variable and drops the backslash of any escape it does not
 *	know ("\." becomes "."), which silently changes a regex or a rewrite
 *	template; single-quoted strings keep both.  Each option's entry gets
 *	LINEMAP_DQ_ENV / LINEMAP_DQ_ESCAPE when its value has either, so the
 *	loader can refuse the value with advice.  "\\" and "\"" are fine.
 *
 *	A quoted string or a block comment that runs to the end of the text
 *	is recorded with the line where it starts: libconfuse silently
 *	ignores everything after an unclosed comment, and reports an unclosed
 *	string at the end of the file (with a line count that can exceed
 *	the file's), not where the mistake is.
 *
 *	libconfuse's scanner also skips, without a word, a '*' outside quotes
 *	and comments (no unquoted word may contain one) and a '+' not followed
 *	by '='.  So a stray "*" in front of a slash and a star opens a block
 *	comment that can hide any number of rules.  The first such character is
 *	recorded with its line (stray_line, stray_char), so the loader can
 *	refuse the file; a '*' also ends a word here, as it does there.
 * DIAGNOSTICS
 *	linemap_scan() returns -1 when out of memory.  linemap_line()
 *	returns the line of the first occurrence, or 0 if unknown.
 */

#include <stdlib.h>
#include <string.h>

#include "linemap.h"
#include "vec.h"

enum tok { T_EOF, T_WORD, T_STRING, T_LBRACE, T_RBRACE, T_EQ, T_OTHER };

struct scanner {
    const char *p;
    const char *end;
    int     line;
    int     open_string;		/* see struct linemap */
    int     open_comment;
    int     stray_line;
    int     stray_char;
};

struct token {
    enum tok type;
    const char *text;
    size_t  len;
    int     line;
    int     flags;			/* LINEMAP_DQ_* of a double-quoted string */
};

/* skip_space - skip white space and comments, counting lines */

static void
skip_space(struct scanner *sc)
{
    while (sc->p < sc->end) {
	char    c = *sc->p;

	if (c == '\n') {
	    sc->line++;
	    sc->p++;
	} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
	    sc->p++;
	} else if (c == '#' || (c == '/' && sc->p + 1 < sc->end && sc->p[1] == '/')) {
	    while (sc->p < sc->end && *sc->p != '\n')
		sc->p++;
	} else if (c == '/' && sc->p + 1 < sc->end && sc->p[1] == '*') {
	    int     start = sc->line;

	    for (sc->p += 2; sc->p < sc->end; sc->p++) {
		if (*sc->p == '\n')
		    sc->line++;
		else if (*sc->p == '*' && sc->p + 1 < sc->end && sc->p[1] == '/') {
		    sc->p += 2;
		    start = 0;
		    break;
		}
	    }
	    if (start && !sc->open_comment)
		sc->open_comment = start;
	} else {
	    return;
	}
    }
}

/* next_token - the next token of the libconfuse syntax */

static void
next_token(struct scanner *sc, struct token *t)
{
    char    c;

    skip_space(sc);
    t->line = sc->line;
    t->text = sc->p;
    t->len = 0;
    t->flags = 0;
    if (sc->p >= sc->end) {
	t->type = T_EOF;
	return;
    }
    c = *sc->p;
    if (c == '"' || c == '\'') {
	t->type = T_STRING;
	t->text = ++sc->p;
	while (sc->p < sc->end && *sc->p != c) {
	    if (c == '"' && *sc->p == '$' && sc->p + 1 < sc->end && sc->p[1] == '{')
		t->flags |= LINEMAP_DQ_ENV;
	    if (*sc->p == '\\' && sc->p + 1 < sc->end) {
		sc->p++;
		if (c == '"' && *sc->p != '\\' && *sc->p != '"')
		    t->flags |= LINEMAP_DQ_ESCAPE;
	    }
	    if (*sc->p == '\n')
		sc->line++;
	    sc->p++;
	}
	t->len = sc->p - t->text;
	if (sc->p < sc->end)
	    sc->p++;
	else if (!sc->open_string)
	    sc->open_string = t->line;
	return;
    }
    sc->p++;
    switch (c) {
    case '{':
	t->type = T_LBRACE;
	return;
    case '}':
	t->type = T_RBRACE;
	return;
    case '=':
	t->type = T_EQ;
	return;
    case '+':
	if (sc->p < sc->end && *sc->p == '=') {
	    sc->p++;
	    t->type = T_EQ;
	    return;
	}
	/* FALLTHROUGH */
    case '*':
	/* libconfuse skips these without a word: see DESCRIPTION. */
	if (!sc->stray_line) {
	    sc->stray_line = t->line;
	    sc->stray_char = c;
	}
	t->type = T_OTHER;
	return;
    case ',':
    case '(':
    case ')':
	t->type = T_OTHER;
	return;
    }
    while (sc->p < sc->end && strchr(" \t\r\n\f\v{}=,()\"'#+*", *sc->p) == NULL)
	sc->p++;
    t->type = T_WORD;
    t->len = sc->p - t->text;
}

/* add_entry - record one (section, key, line); -1 when out of memory */

static int
add_entry(struct linemap *lm, const char *section, const char *key,
	          size_t keylen, int line)
{
    struct linemap_entry *e;

    if (VEC_RESERVE(lm->v, lm->alloc, lm->n + 1, 32) < 0)
	return (-1);
    e = &lm->v[lm->n];
    e->line = line;
    e->flags = 0;
    e->section = NULL;
    e->key = NULL;
    if ((section && (e->section = strdup(section)) == NULL)
	|| (key && (e->key = strndup(key, keylen)) == NULL)) {
	free(e->section);
	free(e->key);
	return (-1);
    }
    lm->n++;
    return (0);
}

/* linemap_scan - record where rules and options are; -1 when out of memory */

int
linemap_scan(struct linemap *lm, const char *text, size_t len)
{
    struct scanner sc = {text, text + len, 1, 0, 0, 0, 0};
    struct token t;
    struct token u;
    struct token title;
    char   *section = NULL;		/* current rule title */
    int     depth = 0;
    int     rc = 0;
    long    value_of = -1;		/* entry whose value is being read */

    memset(lm, 0, sizeof(*lm));
    next_token(&sc, &t);
    while (t.type != T_EOF && rc == 0) {
	if (t.type == T_STRING && value_of >= 0)
	    lm->v[value_of].flags |= t.flags;
	if (t.type == T_LBRACE) {
	    depth++;
	} else if (t.type == T_RBRACE) {
	    if (depth > 0 && --depth == 0) {
		free(section);
		section = NULL;
	    }
	} else if (t.type == T_WORD && depth == 0 && t.len == 4
		   && memcmp(t.text, "rule", 4) == 0) {
	    next_token(&sc, &title);
	    if (title.type != T_STRING && title.type != T_WORD) {
		t = title;
		continue;
	    }
	    next_token(&sc, &u);
	    value_of = -1;
	    if (u.type == T_LBRACE) {
		free(section);
		if ((section = strndup(title.text, title.len)) == NULL
		    || add_entry(lm, section, NULL, 0, t.line) < 0)
		    rc = -1;
		depth = 1;
		next_token(&sc, &t);
	    } else {
		t = u;
	    }
	    continue;
	} else if (t.type == T_WORD && (depth == 0 || (depth == 1 && section))) {
	    next_token(&sc, &u);
	    value_of = -1;
	    if (u.type == T_EQ) {
		if (add_entry(lm, section, t.text, t.len, t.line) < 0)
		    rc = -1;
		value_of = (long) lm->n - 1;
	    }
	    t = u;
	    continue;
	}
	next_token(&sc, &t);
    }
    free(section);
    if (rc < 0) {
	linemap_free(lm);
	return (rc);
    }
    lm->lines = sc.line;
    lm->open_string = sc.open_string;
    lm->open_comment = sc.open_comment;
    lm->stray_line = sc.stray_line;
    lm->stray_char = sc.stray_char;
    return (0);
}

/* same - compare possibly-NULL strings */

static int
same(const char *a, const char *b)
{
    return (a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0);
}

/* linemap_line - line of the first (section, key); 0 if unknown */

int
linemap_line(const struct linemap *lm, const char *section, const char *key)
{
    size_t  i;

    for (i = 0; i < lm->n; i++)
	if (same(lm->v[i].section, section) && same(lm->v[i].key, key))
	    return (lm->v[i].line);
    return (0);
}

/* by_title - order rule entries by title, then line */

static int
by_title(const void *a, const void *b)
{
    const struct linemap_entry *x = *(const struct linemap_entry *const *) a;
    const struct linemap_entry *y = *(const struct linemap_entry *const *) b;
    int     c = strcmp(x->section, y->section);

    return (c ? c : (x->line > y->line) - (x->line < y->line));
}

/* linemap_duplicates - report every rule title used twice; -1 when out of memory */

int
linemap_duplicates(const struct linemap *lm, linemap_dup_fn report, void *ctx)
{
    const struct linemap_entry **rules;
    size_t  n = 0;
    size_t  i;
    size_t  first = 0;

    if ((rules = malloc((lm->n + 1) * sizeof(*rules))) == NULL)
	return (-1);
    for (i = 0; i < lm->n; i++)
	if (lm->v[i].section && lm->v[i].key == NULL)
	    rules[n++] = &lm->v[i];
    qsort(rules, n, sizeof(*rules), by_title);
    for (i = 1; i < n; i++) {
	if (strcmp(rules[i]->section, rules[first]->section) == 0)
	    report(ctx, rules[i]->section, rules[i]->line, rules[first]->line);
	else
	    first = i;
    }
    free(rules);
    return (0);
}

/* linemap_free - release the map */

void
linemap_free(struct linemap *lm)
{
    size_t  i;

    for (i = 0; i < lm->n; i++) {
	free(lm->v[i].section);
	free(lm->v[i].key);
    }
    free(lm->v);
    memset(lm, 0, sizeof(*lm));
}
