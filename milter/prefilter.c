/*
 * NAME
 *	prefilter - skip rules whose sender pattern cannot match, without PCRE2
 * SYNOPSIS
 *	#include "prefilter.h"
 *
 *	pf = prefilter_create();
 *	indexed = prefilter_add(pf, rule_index, "^(.+)@home\\.example$");
 *	prefilter_mark(pf, "alice@home.example", state, CANDIDATE);
 *	prefilter_free(pf);
 * DESCRIPTION
 *	With thousands of rules, calling pcre2_match() for every rule's
 *	sender pattern costs more than the rest of a message's work.  Most
 *	patterns contain text that every match must contain: "@home.example"
 *	in ^(.+)@home\.example$.  A sender without that text cannot match,
 *	so its rule can be ruled out with a table lookup.
 *
 *	prefilter_literal() finds, in the source of a (not negated) regular
 *	expression, the longest run of plain characters that any match must
 *	contain.  It reads only the top level of the expression and gives up
 *	(returns 0, "nothing known") on anything it does not fully
 *	understand: top-level alternation, inline options such as (?x) or
 *	(?i), \Q..\E, comments, verbs, escapes other than punctuation and the
 *	fixed set \d \w \s \b ..., unbalanced brackets.  Groups, classes and
 *	lookarounds are skipped whole; a character followed by ?, * or {0,..}
 *	is dropped.  Letters are folded to lower case, and the subject is
 *	folded the same way, so the test is never stricter than PCRE2's, with
 *	or without PCRE2_CASELESS.  This is only valid for the options
 *	pattern.c compiles with (no PCRE2_EXTENDED, no UTF).
 *
 *	prefilter_add() files a rule's literal under one of its 4-byte
 *	substrings, the one whose hash bucket is the least used so far, so
 *	that rules sharing a domain still spread over the table.
 *	prefilter_mark() looks up every 4-byte substring of the subject and,
 *	for each entry filed there whose whole literal occurs in the subject,
 *	sets bit in state[rule].  A rule that prefilter_add() indexed and that
 *	did not get the bit cannot match; rules not indexed must be tested as
 *	before.  Subjects longer than PREFILTER_MAX_SUBJECT mark every rule.
 *
 *	Built once per rule set and read-only afterwards: any number of
 *	threads may call prefilter_mark() at once.
 * DIAGNOSTICS
 *	prefilter_create() returns NULL and prefilter_add() -1 when out of
 *	memory.
 */

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prefilter.h"
#include "vec.h"

#define MAX_LITERAL	255

struct pf_entry {
    size_t  rule;
    uint32_t gram;			/* the folded 4 bytes it is filed under */
    size_t  off;			/* its literal: text + off, len bytes */
    size_t  len;
    long    next;			/* next entry in the bucket, -1: none */
};

struct prefilter {
    struct pf_entry *v;
    size_t  n;
    size_t  alloc;
    long   *head;			/* first entry of each bucket, -1: none */
    unsigned *count;			/* entries per bucket */
    unsigned bits;			/* 1 << bits buckets */
    char   *text;			/* every literal, folded, back to back */
    size_t  text_len;
    size_t  text_alloc;
};

/* fold - ASCII lower case, as PCRE2's default tables fold without UTF */

static unsigned char
fold(unsigned char c)
{
    return (c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

/* gram_at - the 4 bytes at s as one number */

static uint32_t
gram_at(const unsigned char *s)
{
    return ((uint32_t) s[0] << 24 | (uint32_t) s[1] << 16 | (uint32_t) s[2] << 8 | s[3]);
}

/* bucket - hash a gram into the table */

static size_t
bucket(const struct prefilter *pf, uint32_t gram)
{
    return ((uint32_t) (gram * 2654435761u) >> (32 - pf->bits));
}

/* skip_class - past the ] of the class starting at p; NULL if unterminated */

static const unsigned char *
skip_class(const unsigned char *p)
{
    p++;
    if (*p == '^')
	p++;
    if (*p == ']')				/* a leading ] is a member */
	p++;
    while (*p != ']') {
	if (*p == 0)
	    return (NULL);
	if (*p == '\\') {
	    if (p[1] == 0)
		return (NULL);
	    p += 2;
	} else if (*p == '[' && p[1] == ':') {	/* [:alpha:] */
	    const unsigned char *end = (const unsigned char *) strstr((const char *) p, ":]");

	    if (end == NULL)
		return (NULL);
	    p = end + 2;
	} else {
	    p++;
	}
    }
    return (p + 1);
}

/* skip_group - past the ) closing the group starting at p; NULL if unbalanced */

static const unsigned char *
skip_group(const unsigned char *p)
{
    int     depth = 0;

    for (;;) {
	switch (*p) {
	case 0:
	    return (NULL);
	case '\\':
	    if (p[1] == 0)
		return (NULL);
	    p += 2;
	    break;
	case '[':
	    if ((p = skip_class(p)) == NULL)
		return (NULL);
	    break;
	case '(':
	    depth++;
	    p++;
	    break;
	case ')':
	    p++;
	    if (--depth == 0)
		return (p);
	    break;
	default:
	    p++;
	    break;
	}
    }
}

/* quantifier - {n}, {n,}, {n,m} or {,m} at p: past it, *min set; NULL if none */

static const unsigned char *
quantifier(const unsigned char *p, unsigned long *min)
{
    const unsigned char *q = p + 1;

    *min = 0;
    if (!isdigit(*q) && !(*q == ',' && isdigit(q[1])))
	return (NULL);
    while (isdigit(*q))
	*min = *min * 10 + (*q++ - '0');
    if (*q == ',')
	for (q++; isdigit(*q); q++)
	     /* void */ ;
    return (*q == '}' ? q + 1 : NULL);
}

/* prefilter_literal - text every match of regex contains, folded, into buf; its length */

size_t
prefilter_literal(const char *regex, char *buf, size_t size)
{
    const unsigned char *p = (const unsigned char *) regex;
    const unsigned char *q;
    unsigned char run[MAX_LITERAL + 1];
    size_t  rl = 0;
    size_t  best = 0;
    int     last_lit = 0;		/* the previous atom is run[rl - 1] */
    unsigned long min;

#define END_RUN() do { \
	if (rl > best) { \
	    best = rl < size - 1 ? rl : size - 1; \
	    memcpy(buf, run, best); \
	    buf[best] = 0; \
	} \
	rl = 0; \
	last_lit = 0; \
    } while (0)
#define APPEND(c) do { \
	if (rl < MAX_LITERAL) \
	    run[rl++] = fold(c); \
	last_lit = 1; \
    } while (0)
#define SKIP_MODIFIER() do { if (*p == '+' || *p == '?') p++; } while (0)

    if (size == 0)
	return (0);
    buf[0] = 0;
    /* Constructs that change how the rest reads: not worth understanding. */
    if (strstr(regex, "\\Q") || strstr(regex, "(?#") || strstr(regex, "(*"))
	return (0);
    while (*p) {
	switch (*p) {
	case '\\':
	    if (p[1] == 0)
		return (0);
	    if (isalnum(p[1])) {
		/* Only escapes known to be exactly two characters and no text. */
		if (strchr("dDwWsSbBAzZGhHvVRX", p[1]) == NULL)
		    return (0);
		END_RUN();
	    } else {
		APPEND(p[1]);
	    }
	    p += 2;
	    break;
	case '[':
	    END_RUN();
	    if ((p = skip_class(p)) == NULL)
		return (0);
	    break;
	case '(':
	    END_RUN();
	    /* Plain, non-capturing and lookaround groups; no inline options. */
	    if (p[1] == '?' && !(p[2] == ':' || p[2] == '=' || p[2] == '!'
				 || (p[2] == '<' && (p[3] == '=' || p[3] == '!'))))
		return (0);
	    if ((p = skip_group(p)) == NULL)
		return (0);
	    break;
	case ')':
	case '|':
	    return (0);
	case '.':
	case '^':
	case '$':
	    END_RUN();
	    p++;
	    break;
	case '*':
	case '?':
	    if (last_lit && rl > 0)
		rl--;			/* that character is optional */
	    END_RUN();
	    p++;
	    SKIP_MODIFIER();
	    break;
	case '+':
	    END_RUN();
	    p++;
	    SKIP_MODIFIER();
	    break;
	case '{':
	    if ((q = quantifier(p, &min)) == NULL)
		return (0);
	    if (min == 0 && last_lit && rl > 0)
		rl--;
	    END_RUN();
	    p = q;
	    SKIP_MODIFIER();
	    break;
	default:
	    APPEND(*p);
	    p++;
	    break;
	}
    }
    END_RUN();
    return (best);
#undef END_RUN
#undef APPEND
#undef SKIP_MODIFIER
}

/* prefilter_create - an empty prefilter; NULL when out of memory */

struct prefilter *
prefilter_create(void)
{
    struct prefilter *pf;
    size_t  i;

    if ((pf = calloc(1, sizeof(*pf))) == NULL)
	return (NULL);
    pf->bits = 6;
    if ((pf->head = malloc(sizeof(*pf->head) << pf->bits)) == NULL
	|| (pf->count = calloc((size_t) 1 << pf->bits, sizeof(*pf->count))) == NULL) {
	prefilter_free(pf);
	return (NULL);
    }
    for (i = 0; i < (size_t) 1 << pf->bits; i++)
	pf->head[i] = -1;
    return (pf);
}

/* prefilter_free - release a prefilter (NULL is fine) */

void
prefilter_free(struct prefilter *pf)
{
    if (pf == NULL)
	return;
    free(pf->v);
    free(pf->head);
    free(pf->count);
    free(pf->text);
    free(pf);
}

/* link_entry - put entry i at the head of its bucket */

static void
link_entry(struct prefilter *pf, size_t i)
{
    size_t  b = bucket(pf, pf->v[i].gram);

    pf->v[i].next = pf->head[b];
    pf->head[b] = (long) i;
    pf->count[b]++;
}

/* grow_table - twice the buckets, entries linked again; -1 when out of memory */

static int
grow_table(struct prefilter *pf)
{
    unsigned bits = pf->bits + 1;
    long   *head;
    unsigned *count;
    size_t  i;

    if ((head = malloc(sizeof(*head) << bits)) == NULL)
	return (-1);
    if ((count = calloc((size_t) 1 << bits, sizeof(*count))) == NULL) {
	free(head);
	return (-1);
    }
    for (i = 0; i < (size_t) 1 << bits; i++)
	head[i] = -1;
    free(pf->head);
    free(pf->count);
    pf->head = head;
    pf->count = count;
    pf->bits = bits;
    for (i = 0; i < pf->n; i++)
	link_entry(pf, i);
    return (0);
}

/* prefilter_add - index rule by its sender regex: 1 indexed, 0 not, -1 out of memory */

int
prefilter_add(struct prefilter *pf, size_t rule, const char *regex)
{
    char    lit[MAX_LITERAL + 1];
    const unsigned char *u = (const unsigned char *) lit;
    struct pf_entry *e;
    size_t  len;
    size_t  i;
    size_t  pick = 0;

    if ((len = prefilter_literal(regex, lit, sizeof(lit))) < PREFILTER_GRAM)
	return (0);
    if (VEC_RESERVE(pf->v, pf->alloc, pf->n + 1, 16) < 0
	|| VEC_RESERVE(pf->text, pf->text_alloc, pf->text_len + len, 256) < 0)
	return (-1);
    if (pf->n >= (size_t) 1 << pf->bits && grow_table(pf) < 0)
	return (-1);
    /* File it under its least crowded 4 bytes. */
    for (i = 1; i + PREFILTER_GRAM <= len; i++)
	if (pf->count[bucket(pf, gram_at(u + i))] < pf->count[bucket(pf, gram_at(u + pick))])
	    pick = i;
    e = &pf->v[pf->n];
    e->rule = rule;
    e->gram = gram_at(u + pick);
    e->off = pf->text_len;
    e->len = len;
    memcpy(pf->text + pf->text_len, lit, len);
    pf->text_len += len;
    link_entry(pf, pf->n++);
    return (1);
}

/* contains - does s (n bytes) contain lit (len bytes)? */

static int
contains(const unsigned char *s, size_t n, const char *lit, size_t len)
{
    size_t  i;

    for (i = 0; i + len <= n; i++)
	if (s[i] == (unsigned char) lit[0] && memcmp(s + i, lit, len) == 0)
	    return (1);
    return (0);
}

/* prefilter_mark - set bit in state[rule] of every indexed rule that may match subject */

void
prefilter_mark(const struct prefilter *pf, const char *subject,
	               unsigned char *state, unsigned char bit)
{
    unsigned char s[PREFILTER_MAX_SUBJECT];
    size_t  n = strlen(subject);
    size_t  i;
    long    k;

    if (pf == NULL || pf->n == 0)
	return;
    if (n > sizeof(s)) {
	for (i = 0; i < pf->n; i++)
	    state[pf->v[i].rule] |= bit;
	return;
    }
    for (i = 0; i < n; i++)
	s[i] = fold((unsigned char) subject[i]);
    for (i = 0; i + PREFILTER_GRAM <= n; i++) {
	uint32_t g = gram_at(s + i);

	for (k = pf->head[bucket(pf, g)]; k >= 0; k = pf->v[k].next) {
	    const struct pf_entry *e = &pf->v[k];

	    if (e->gram == g && !(state[e->rule] & bit)
		&& contains(s, n, pf->text + e->off, e->len))
		state[e->rule] |= bit;
	}
    }
}
