/*
 * NAME
 *	test_prefilter - required literals, and never ruling out a match
 * DESCRIPTION
 *	A table of expressions and the literal prefilter_literal() must find
 *	(or give up on), then the property that matters: for every pattern
 *	and subject where PCRE2 says the pattern matches (with and without
 *	PATTERN_CASELESS), prefilter_mark() marks the rule.  Checked on
 *	hand-picked tricky expressions and on 40,000 random ones built from
 *	regex pieces (fixed seed, so failures reproduce).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"
#include "prefilter.h"
#include "tap.h"

static const struct {
    const char *re;
    const char *want;
} literals[] = {
    {"^(.+)@home\\.example$", "@home.example"},
    {"@(mail|smtp)\\.host5\\.example$", ".host5.example"},
    {"^user5@", "user5@"},
    {"^(.+)@HOME\\.Example$", "@home.example"},
    {"abc|defg", ""},
    {"(?i)abcd", ""},
    {"(?x)ab cd", ""},
    {"ab?cdef", "cdef"},
    {"abcd*ef", "abc"},
    {"abc+de", "abc"},
    {"x{0,3}yzw", "yzw"},
    {"xyz{2}w", "xyz"},
    {"wxy{,2}z", "wx"},
    {"[abc]defg", "defg"},
    {"\\d+@example\\.com", "@example.com"},
    {"foo\\Qbar", ""},
    {"abcd(?#c)", ""},
    {"\\x41bcd", ""},
    {"abc\\1", ""},
    {"a{x}bcde", ""},
    {"(*UTF)abcd", ""},
    {"abc(?=defg)hi", "abc"},
    {"[]abc]wxyz", "wxyz"},
    {"[^]x]yyyy", "yyyy"},
    {"a[[:alpha:]]bbbb", "bbbb"},
    {"(?<name>abc)defg", ""},
    {"(?:abc|x)defg", "defg"},
    {"abc)", ""},
    {"a\\.b\\-c", "a.b-c"},
    {"ab*?cdef", "cdef"},
    {"\\bword\\b", "word"},
};

/* holds - does re (compiled with flags) match subject? -1 if it does not compile */

static int
holds(const char *re, int flags, const char *subject, const struct pattern_limits *lim)
{
    char    err[256];
    struct pattern *p = pattern_compile(re, flags, err, sizeof(err));
    pcre2_match_data *md;
    int     r;

    if (p == NULL)
	return (-1);
    md = pcre2_match_data_create(16, NULL);
    r = pattern_test(p, lim, md, subject, strlen(subject), NULL) == PATTERN_TRUE;
    pcre2_match_data_free(md);
    pattern_free(p);
    return (r);
}

/* marked - is rule 0 (re) a candidate for subject, as eval_start() decides? */

static int
marked(const char *re, const char *subject)
{
    struct prefilter *pf = prefilter_create();
    unsigned char state = 0;
    int     indexed = prefilter_add(pf, 0, re);

    prefilter_mark(pf, subject, &state, 1);
    prefilter_free(pf);
    return (indexed == 0 || state == 1);
}

/* rnd - deterministic pseudo-random numbers */

static unsigned long
rnd(unsigned long *seed)
{
    *seed = *seed * 6364136223846793005UL + 1442695040888963407UL;
    return (*seed >> 33);
}

int
main(void)
{
    static const char *const pieces[] = {
	"a", "b", "c", "@", ".", "\\.", "x", "ab", "home", "EX", "?", "*", "+",
	"{0,2}", "{2}", "(", ")", "(a|b)", "[ab]", "[^c]", "^", "$", "|", "\\d",
	"\\w", "(?:ab)", "(?=a)", "{", "}", "-", "\\-", "E", "Ab", "a+?", "a??",
    };
    static const char *const subjects_base[] = {
	"", "a", "ab", "abc", "alice@home.example", "x@ab.home", "AB@HOME.EX",
	"aaaa", "abab@x.ex", "b.a@c", "home.example", "@@..", "a-b", "ex-ab",
    };
    struct pattern_limits lim;
    unsigned long seed = 5;
    unsigned long checked = 0;
    unsigned long bad = 0;
    unsigned long matches = 0;
    char    buf[256];
    char    re[128];
    char    subject[512];
    size_t  i;
    size_t  j;
    int     f;
    int     k;

    pattern_limits_init(&lim, 100000, 5000);
    for (i = 0; i < sizeof(literals) / sizeof(literals[0]); i++) {
	prefilter_literal(literals[i].re, buf, sizeof(buf));
	is_str(buf, literals[i].want, "literal of %s", literals[i].re);
    }

    /* The hand-picked ones against subjects made from their own literals. */
    for (i = 0; i < sizeof(literals) / sizeof(literals[0]); i++) {
	for (j = 0; j < sizeof(subjects_base) / sizeof(subjects_base[0]) + 2; j++) {
	    const char *s = j < sizeof(subjects_base) / sizeof(subjects_base[0]) ?
		subjects_base[j] : j % 2 ? literals[i].want : "Alice@Home.Example";

	    for (f = 0; f <= PATTERN_CASELESS; f += PATTERN_CASELESS) {
		if (holds(literals[i].re, f, s, &lim) == 1 && (matches++, !marked(literals[i].re, s))) {
		    bad++;
		    printf("# ruled out a match: /%s/ on \"%s\"\n", literals[i].re, s);
		}
		checked++;
	    }
	}
    }

    /* Random expressions against random subjects. */
    for (k = 0; k < 40000; k++) {
	int     n = 1 + (int) (rnd(&seed) % 8);

	re[0] = 0;
	while (n-- > 0 && strlen(re) < sizeof(re) - 8)
	    strcat(re, pieces[rnd(&seed) % (sizeof(pieces) / sizeof(pieces[0]))]);
	if (rnd(&seed) % 2) {
	    /* A subject that contains what the pattern might need. */
	    snprintf(subject, sizeof(subject), "%s%s%s",
		     subjects_base[rnd(&seed) % (sizeof(subjects_base) / sizeof(subjects_base[0]))],
		     prefilter_literal(re, buf, sizeof(buf)) ? buf : "",
		     rnd(&seed) % 2 ? "x@AB.home" : "");
	    if (rnd(&seed) % 2)
		for (i = 0; subject[i]; i++)
		    if (subject[i] >= 'a' && subject[i] <= 'z' && rnd(&seed) % 2)
			subject[i] -= 'a' - 'A';
	} else {
	    for (i = 0; i < rnd(&seed) % 12; i++)
		subject[i] = "abcxAEh@.-"[rnd(&seed) % 10];
	    subject[i] = 0;
	}
	f = rnd(&seed) % 2 ? PATTERN_CASELESS : 0;
	if (holds(re, f, subject, &lim) == 1 && (matches++, !marked(re, subject))) {
	    bad++;
	    if (bad < 10)
		printf("# ruled out a match: /%s/ on \"%s\"\n", re, subject);
	}
	checked++;
    }
    ok(bad == 0, "no match ruled out: %lu pattern/subject pairs, %lu matching, %lu wrong",
       checked, matches, bad);

    /* Many rules sharing text still spread over the table and stay exact. */
    {
	struct prefilter *pf = prefilter_create();
	unsigned char *state = calloc(20000, 1);
	unsigned long hits = 0;

	for (i = 0; i < 20000; i++) {
	    snprintf(re, sizeof(re), "^(.+)@dept%lu\\.example\\.com$", (unsigned long) i);
	    prefilter_add(pf, i, re);
	}
	prefilter_mark(pf, "bob@DEPT1234.example.com", state, 1);
	for (i = 0; i < 20000; i++)
	    hits += state[i];
	ok(state[1234] == 1, "20000 rules: the matching one is marked");
	ok(hits <= 12, "20000 rules: %lu marked for one sender", hits);
	prefilter_mark(pf, "alice@home.example", memset(state, 0, 20000), 1);
	for (hits = 0, i = 0; i < 20000; i++)
	    hits += state[i];
	ok(hits == 0, "20000 rules: none marked for an unrelated sender");
	free(state);
	prefilter_free(pf);
    }
    pattern_limits_free(&lim);
    return (tap_done());
}
