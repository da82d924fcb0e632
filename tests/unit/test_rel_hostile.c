/*
 * NAME
 *	test_rel_hostile - catastrophic patterns and hostile subjects, in process
 * SYNOPSIS
 *	build/tests/unit/test_rel_hostile
 * DESCRIPTION
 *	With the default limits (config.c: match_limit 100000, depth_limit
 *	5000) every pattern known for catastrophic backtracking, run against
 *	a long subject it cannot match, must:
 *
 *	- give up (PCRE2 match or depth limit) so the rule does not match,
 *	  even when the pattern is negated;
 *	- log one warning that names the rule and shows the subject escaped
 *	  and cut to LOG_QUOTE_MAX bytes;
 *	- decide within 50 ms, eval_start() to eval_finish().
 *
 *	Subjects: the sender at ADDR_MAX_LEN (longer ones never reach the
 *	rules), and 64 KiB for a SASL login and a transport macro, which are
 *	not length-checked.  The limits must also not be so tight that a
 *	legitimate long address fails a reasonable pattern.  The time of each
 *	case is printed as a TAP comment (docs/reliability.md quotes them).
 * DIAGNOSTICS
 *	Exit status 1 when a test failed.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "config.h"
#include "eval.h"
#include "log.h"
#include "tap.h"

#define BUDGET_MS	50.0
#define BIG		(64 * 1024)

/* Each with the tail that defeats PCRE2's required-text shortcut. */
static const struct hostile {
    const char *pattern;
    const char *tail;			/* after the a's */
} catastrophic[] = {
    {"^(a+)+$", "!"},
    {"^(a|a)*$", "!"},
    {"^(a|aa)+$", "!"},
    {"(.*a){20}", "!"},
    {"^(\\w+\\s?)*$", "!"},
    {"^([a-z0-9]+)*@example\\.com$", "!@example.com"},
    {"^(?:a+|b)*c$", "!c"},
    {"^((a+)*)+$", "!"},
};

#define NHOSTILE	(sizeof(catastrophic) / sizeof(catastrophic[0]))

/* hostile_subject - a's then the pattern's tail, len bytes in all */

static void
hostile_subject(char *buf, size_t len, const struct hostile *h)
{
    size_t  tail = strlen(h->tail);

    memset(buf, 'a', len - tail);
    memcpy(buf + len - tail, h->tail, tail + 1);
}

/* now_ms - monotonic clock in milliseconds */

static double
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

/* load - a config from text; NULL (and a failed test) if it does not load */

static struct config *
load(const char *text)
{
    struct config_msgs m;
    struct config *cf;

    memset(&m, 0, sizeof(m));
    cf = config_load_text("hostile.conf", text, strlen(text), &m);
    if (cf == NULL) {
	config_msgs_print(&m, stdout);
	ok(0, "config loads");
    }
    config_msgs_free(&m);
    return (cf);
}

/* struct run - what one evaluation did */
struct run {
    enum decision_kind kind;
    double  ms;
    char    log[8192];			/* what it logged */
};

/* evaluate - one message through eval, timed, with stderr (the log) captured */

static void
evaluate(const struct config *cf, const struct eval_env *env,
	         const struct eval_rcpt *rcpt, struct run *out)
{
    struct decision d;
    struct eval *e;
    FILE   *tmp = tmpfile();
    int     saved = dup(STDERR_FILENO);
    size_t  n;
    double  t0;

    memset(out, 0, sizeof(*out));
    fflush(stderr);
    dup2(fileno(tmp), STDERR_FILENO);
    t0 = now_ms();
    e = eval_start(cf->rules, env);
    if (rcpt != NULL)
	(void) eval_rcpt(e, rcpt);
    (void) eval_finish(e, &d);
    out->ms = now_ms() - t0;
    out->kind = d.kind;
    decision_clear(&d);
    eval_free(e);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(tmp);
    n = fread(out->log, 1, sizeof(out->log) - 1, tmp);
    out->log[n] = 0;
    fclose(tmp);
}

/* log_is_safe - the captured log: printable ASCII lines, none too long */

static int
log_is_safe(const char *log)
{
    const char *cp;
    size_t  linelen = 0;

    for (cp = log; *cp; cp++) {
	if (*cp == '\n') {
	    linelen = 0;
	    continue;
	}
	if ((unsigned char) *cp < 0x20 || (unsigned char) *cp >= 0x7f)
	    return (0);
	if (++linelen > 4 * LOG_QUOTE_MAX + 512)
	    return (0);
    }
    return (1);
}

/* sender_patterns - each catastrophic pattern on a sender of ADDR_MAX_LEN bytes */

static void
sender_patterns(void)
{
    char    conf[512];
    char    subject[ADDR_MAX_LEN + 1];
    struct eval_env env;
    struct config *cf;
    struct run r;
    size_t  i;
    int     neg;

    /* "aaaa...a!": nothing matches, every way of splitting the a's is tried. */
    for (i = 0; i < NHOSTILE; i++) {
	hostile_subject(subject, ADDR_MAX_LEN, &catastrophic[i]);
	for (neg = 0; neg < 2; neg++) {
	    snprintf(conf, sizeof(conf), "rule \"hostile\" {\n sender = '%s%s'\n"
		     " rewrite = 'x@relay.example'\n}\n", neg ? "!" : "",
		     catastrophic[i].pattern);
	    if ((cf = load(conf)) == NULL)
		continue;
	    memset(&env, 0, sizeof(env));
	    env.logid = "HOSTILE";
	    env.sender = subject;
	    evaluate(cf, &env, NULL, &r);
	    printf("# sender %s%s on %d bytes: %.2f ms\n", neg ? "!" : "",
		   catastrophic[i].pattern, ADDR_MAX_LEN, r.ms);
	    is_long(r.kind, DECISION_NONE, "%s%s: the rule does not match",
		       neg ? "!" : "", catastrophic[i].pattern);
	    ok(r.ms < BUDGET_MS, "... decided in %.2f ms (< %.0f)", r.ms, BUDGET_MS);
	    ok(strstr(r.log, "warning: HOSTILE: rule hostile: sender pattern") != NULL
		  && strstr(r.log, "treated as not matching") != NULL,
		  "... one warning names the rule");
	    ok(strstr(r.log, "aaaa...\"") != NULL && log_is_safe(r.log),
		  "... with the subject cut to %d bytes", LOG_QUOTE_MAX);
	    config_free(cf);
	}
    }
}

/* big_macros - 64 KiB login and transport values: not length-checked, still bounded */

static void
big_macros(void)
{
    static const char conf[] =
    "rule \"login\" {\n auth = '^(a+)+$'\n rewrite = 'x@relay.example'\n}\n"
    "rule \"transport\" {\n transport = '^(\\w+\\s?)*$'\n rewrite = 'y@relay.example'\n}\n";
    struct eval_env env;
    struct eval_rcpt rc;
    struct config *cf;
    struct run r;
    char   *big;

    if ((cf = load(conf)) == NULL || (big = malloc(BIG + 1)) == NULL)
	return;
    memset(big, 'a', BIG);
    big[BIG - 1] = '!';
    big[BIG] = 0;
    memset(&env, 0, sizeof(env));
    env.logid = "HOSTILE";
    env.sender = "someone@example.com";
    env.auth = big;
    memset(&rc, 0, sizeof(rc));
    rc.addr = "rcpt@example.net";
    rc.mailer = big;
    evaluate(cf, &env, &rc, &r);
    printf("# 64 KiB login and 64 KiB transport, two patterns: %.2f ms\n", r.ms);
    is_long(r.kind, DECISION_NONE, "64 KiB login and transport: no rule matches");
    ok(r.ms < BUDGET_MS, "... decided in %.2f ms (< %.0f)", r.ms, BUDGET_MS);
    ok(strstr(r.log, "rule login: auth pattern") != NULL
	  && strstr(r.log, "rule transport: transport pattern") != NULL,
	  "... both give up with a warning");
    ok(log_is_safe(r.log), "... and the log lines stay short and printable");
    free(big);
    config_free(cf);
}

/* escaped_subject - control, 8-bit and backslash bytes are escaped in the warning */

static void
escaped_subject(void)
{
    static const char conf[] =
    "rule \"hostile\" {\n sender = '^(a+)+$'\n rewrite = 'x@relay.example'\n}\n";
    char    subject[256];
    struct eval_env env;
    struct config *cf;
    struct run r;

    if ((cf = load(conf)) == NULL)
	return;
    /* A forged second log line, a terminal escape, UTF-8 and a backslash. */
    memset(subject, 'a', 100);
    snprintf(subject + 100, sizeof(subject) - 100, "\r\nerror: forged\x1b[2J\xc3\xbc\\!");
    memset(&env, 0, sizeof(env));
    env.logid = "HOSTILE";
    env.sender = subject;
    evaluate(cf, &env, NULL, &r);
    ok(strstr(r.log, "aaa\\x0d\\x0aerror: forged\\x1b[2J\\xc3\\xbc\\\\!\"") != NULL,
	  "CR, LF, ESC, 8-bit and \\ are escaped in the warning");
    ok(log_is_safe(r.log) && strchr(r.log, '\n') == r.log + strlen(r.log) - 1,
	  "... which stays one line");
    config_free(cf);
}

/* many_rules - twenty catastrophic rules in one message: total time reported */

static void
many_rules(void)
{
    char    conf[8192];
    char    subject[ADDR_MAX_LEN + 1];
    struct eval_env env;
    struct config *cf;
    struct run r;
    size_t  len = 0;
    int     i;

    for (i = 0; i < 20; i++)
	len += snprintf(conf + len, sizeof(conf) - len, "rule \"h%d\" {\n sender = '%s'\n"
			" rewrite = 'x@relay.example'\n}\n", i,
			catastrophic[i % NHOSTILE].pattern);
    if ((cf = load(conf)) == NULL)
	return;
    hostile_subject(subject, ADDR_MAX_LEN, &catastrophic[0]);
    memset(&env, 0, sizeof(env));
    env.logid = "HOSTILE";
    env.sender = subject;
    evaluate(cf, &env, NULL, &r);
    printf("# 20 catastrophic rules on one %d-byte sender: %.2f ms\n", ADDR_MAX_LEN, r.ms);
    is_long(r.kind, DECISION_NONE, "20 catastrophic rules: none matches");
    ok(r.ms < 20 * BUDGET_MS, "... in %.2f ms (< 50 ms per rule)", r.ms);
    config_free(cf);
}

/* legit_long - the limits leave room for real patterns on long addresses */

static void
legit_long(void)
{
    static const char conf[] =
    "rule \"legit\" {\n"
    " sender = '^(?<u>(?:\\w|-|\\.|\\+)+)@(?<d>(?:[a-z0-9-]+\\.)+[a-z]+)$'\n"
    " rewrite = '${u}@relay.example'\n}\n";
    char    subject[ADDR_MAX_LEN + 1];
    struct eval_env env;
    struct config *cf;
    struct run r;
    int     i;

    if ((cf = load(conf)) == NULL)
	return;
    /* 1000 bytes of local part in words of four, then a real domain. */
    for (i = 0; i < 1000; i++)
	subject[i] = i % 5 == 4 ? '.' : 'a' + i % 26;
    subject[999] = 'z';
    snprintf(subject + 1000, sizeof(subject) - 1000, "@mail.home.example");
    memset(&env, 0, sizeof(env));
    env.logid = "LEGIT";
    env.sender = subject;
    evaluate(cf, &env, NULL, &r);
    printf("# legitimate pattern on a %lu-byte sender: %.2f ms\n",
	   (unsigned long) strlen(subject), r.ms);
    is_long(r.kind, DECISION_INVALID, "a %lu-byte sender still matches a "
	       "reasonable pattern (the result is too long to use)",
	       (unsigned long) strlen(subject));
    ok(strstr(r.log, "warning") == NULL, "... without hitting a limit");
    config_free(cf);
}

/* main - run every test */

int
main(void)
{
    log_open("test_rel_hostile", 1, 0);
    log_set_level(LOG_LVL_INFO);
    sender_patterns();
    big_macros();
    escaped_subject();
    many_rules();
    legit_long();
    return (tap_done());
}
