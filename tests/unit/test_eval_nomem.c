/*
 * NAME
 *	test_eval_nomem - PCRE2 out of memory is never a decision
 * DESCRIPTION
 *	eval.c's policy: PCRE2 running out of memory is no answer, so the
 *	caller tempfails the message instead of passing it as if nothing had
 *	matched.  This program is linked with -Wl,--wrap=pcre2_match_8: every
 *	match our code makes goes through __wrap_pcre2_match_8(), which
 *	returns PCRE2_ERROR_NOMEMORY for the call chosen by fail_call, and
 *	each point where eval.c matches is failed in turn.
 */

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "eval.h"
#include "tap.h"

int	__real_pcre2_match_8(const pcre2_code *, PCRE2_SPTR, PCRE2_SIZE, PCRE2_SIZE,
			             uint32_t, pcre2_match_data *, pcre2_match_context *);
int	__wrap_pcre2_match_8(const pcre2_code *, PCRE2_SPTR, PCRE2_SIZE, PCRE2_SIZE,
			             uint32_t, pcre2_match_data *, pcre2_match_context *);

static int calls;			/* pcre2_match calls since reset */
static int fail_call;			/* the one to fail (1..), 0: none */
static int fail_with = PCRE2_ERROR_NOMEMORY;

/* __wrap_pcre2_match_8 - pcre2_match(), failing when told to */

int
__wrap_pcre2_match_8(const pcre2_code *code, PCRE2_SPTR subject, PCRE2_SIZE len,
		             PCRE2_SIZE start, uint32_t options, pcre2_match_data *md,
		             pcre2_match_context *mctx)
{
    if (++calls == fail_call)
	return (fail_with);
    return (__real_pcre2_match_8(code, subject, len, start, options, md, mctx));
}

/* load - config from text; NULL on error */

static struct config *
load(const char *text)
{
    struct config_msgs msgs;
    struct config *cf;

    memset(&msgs, 0, sizeof(msgs));
    cf = config_load_text("test.conf", text, strlen(text), &msgs);
    config_msgs_free(&msgs);
    return (cf);
}

/*
 * run - one message (sender, one recipient) with the nth match failing;
 * "start failed", "finish failed" or the decision
 */

static const char *
run(const struct config *cf, int n, int *matches)
{
    static char out[256];
    struct eval_env env;
    struct eval_rcpt rc = {"bob@example.com", NULL, NULL};
    struct eval *e;
    struct decision d;
    int     rc_finish;

    memset(&env, 0, sizeof(env));
    env.logid = "TEST";
    env.sender = "alice@home.example";
    calls = 0;
    fail_call = n;
    if ((e = eval_start(cf->rules, &env)) == NULL) {
	snprintf(out, sizeof(out), "start failed");
    } else {
	(void) eval_rcpt(e, &rc);
	if ((rc_finish = eval_finish(e, &d)) < 0)
	    snprintf(out, sizeof(out), "finish failed");
	else
	    snprintf(out, sizeof(out), "%s %s", d.kind == DECISION_REWRITE ? "rewrite"
		     : d.kind == DECISION_INVALID ? "invalid" : d.kind == DECISION_KEEP
		     ? "keep" : "none", d.sender ? d.sender : "-");
	decision_clear(&d);
	eval_free(e);
    }
    *matches = calls;
    fail_call = 0;
    return (out);
}

int
main(void)
{
    struct config *cf;
    int     matches;

    /* Matches, in order: sender (start), recipient (rcpt), sender again (captures). */
    cf = load("rule 'r' {\n"
	      "    sender = '^(.+)@home\\.example$'\n"
	      "    recipient = '@example\\.com$'\n"
	      "    rewrite = '${1}@relay.example'\n"
	      "}\n");
    ok(cf != NULL, "config loads");
    is_str(run(cf, 0, &matches), "rewrite alice@relay.example", "no failure: rewritten");
    is_long(matches, 3, "three matches: sender, recipient, the capture re-match");
    is_str(run(cf, 1, &matches), "start failed", "out of memory testing the sender: "
	   "eval_start fails");
    is_str(run(cf, 2, &matches), "finish failed", "out of memory testing the recipient: "
	   "eval_finish fails");
    is_str(run(cf, 3, &matches), "finish failed", "out of memory in the capture "
	   "re-match: eval_finish fails (not \"invalid\": that passes the message)");
    /* A limit at the re-match is no answer either way: the message passes unchanged. */
    fail_with = PCRE2_ERROR_MATCHLIMIT;
    is_str(run(cf, 3, &matches), "invalid -", "the match limit at the re-match: "
	   "invalid, so the sender stays");
    config_free(cf);
    return (tap_done());
}
