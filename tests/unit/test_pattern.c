/*
 * NAME
 *	test_pattern - PCRE2 patterns: negation, case, anchoring, limits
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pattern.h"
#include "tap.h"

/* t - compile and test in one step; -2 if it does not compile */

static int
t(const char *re, int flags, const char *subject, const struct pattern_limits *lim)
{
    char    err[256];
    struct pattern *p = pattern_compile(re, flags, err, sizeof(err));
    pcre2_match_data *md;
    int     r;

    if (p == NULL)
	return (-2);
    md = pcre2_match_data_create(10, NULL);
    r = pattern_test(p, lim, md, subject, strlen(subject), NULL);
    pcre2_match_data_free(md);
    pattern_free(p);
    return (r);
}

int
main(void)
{
    struct pattern_limits lim;
    struct pattern *p;
    char    err[256];
    char    subject[70000];
    struct timespec a, b;
    double  ms;
    int     pcre_err = 0;
    pcre2_match_data *md;

    pattern_limits_init(&lim, 100000, 5000);
    is_long(t("@home\\.example$", PATTERN_CASELESS, "a@HOME.Example", &lim), PATTERN_TRUE,
	    "caseless by flag");
    is_long(t("@home\\.example$", 0, "a@HOME.Example", &lim), PATTERN_FALSE,
	    "case-sensitive without the flag");
    is_long(t("!^root@", PATTERN_CASELESS, "alice@x", &lim), PATTERN_TRUE,
	    "negated pattern holds when the regex does not match");
    is_long(t("!^root@", PATTERN_CASELESS, "root@x", &lim), PATTERN_FALSE,
	    "negated pattern fails when the regex matches");
    is_long(t("@x\\.example$", 0, "a@x.example\n", &lim), PATTERN_FALSE,
	    "$ does not match before a final newline (DOLLAR_ENDONLY)");
    is_long(t("(unclosed", 0, "x", &lim), -2, "bad regex does not compile");
    p = pattern_compile("!(a)(b)", 0, err, sizeof(err));
    is_long(pattern_capture_count(p), 0, "negated pattern defines no groups");
    pattern_free(p);
    p = pattern_compile("^(?<user>.+)@(.+)$", 0, err, sizeof(err));
    is_long(pattern_capture_count(p), 2, "capture count");
    is_long(pattern_group_by_name(p, "user"), 1, "named group number");
    is_long(pattern_group_by_name(p, "nope"), -1, "unknown group name");
    pattern_free(p);
    p = pattern_compile("(?J)(?<u>a)|(?<u>b)", 0, err, sizeof(err));
    is_long(pattern_group_by_name(p, "u"), -2, "duplicate group name is ambiguous");
    pattern_free(p);
    ok(pattern_compile("a(b", 0, err, sizeof(err)) == NULL
       && strcmp(err, "error in regex at offset 3: missing closing parenthesis") == 0,
       "compile error names the offset and PCRE2's message");
    ok(pattern_compile("!a(b", 0, err, sizeof(err)) == NULL
       && strcmp(err, "error in regex at offset 4: missing closing parenthesis") == 0,
       "offset counts the ! as written");

    /* Subjects are bytes: a pattern cannot switch UTF (or Unicode classes) on. */
    is_long(t("!(*UTF)^root@", PATTERN_CASELESS, "a\xff@x", &lim), -2,
	    "(*UTF) does not compile (else \"a\\xff@x\" is a UTF-8 error, not \"no match\")");
    ok(pattern_compile("!(*UTF)^root@", 0, err, sizeof(err)) == NULL
       && strstr(err, "(*UTF) is not allowed") != NULL, "... and says why: %s", err);
    ok(pattern_compile("(*UCP)\\w@x", 0, err, sizeof(err)) == NULL
       && strstr(err, "(*UCP) is not allowed") != NULL, "(*UCP) does not compile: %s", err);
    is_long(t("^a.@x$", 0, "a\xff@x", &lim), PATTERN_TRUE, "an 8-bit byte is one character");

    /* A catastrophic pattern gives up quickly instead of hanging the thread. */
    memset(subject, 'a', 65536);
    strcpy(subject + 65536, "!@x");
    p = pattern_compile("^(a+)+$", 0, err, sizeof(err));
    md = pcre2_match_data_create(10, NULL);
    clock_gettime(CLOCK_MONOTONIC, &a);
    is_long(pattern_test(p, &lim, md, subject, strlen(subject), &pcre_err), PATTERN_ERROR,
	    "nested quantifiers on 64 KiB: limit reached, not a match");
    clock_gettime(CLOCK_MONOTONIC, &b);
    ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
    ok(ms < 50, "... and gave up in %.1f ms (< 50)", ms);
    ok(pcre_err == PCRE2_ERROR_MATCHLIMIT || pcre_err == PCRE2_ERROR_RECURSIONLIMIT
       || pcre_err == PCRE2_ERROR_JIT_STACKLIMIT, "... with a limit error (%d)", pcre_err);
    pcre2_match_data_free(md);
    pattern_free(p);
    pattern_limits_free(&lim);
    return (tap_done());
}
