/*
 * NAME
 *	eval - decide a message's new envelope sender
 * SYNOPSIS
 *	#include "eval.h"
 *
 *	e = eval_start(ruleset, &env);		at MAIL FROM
 *	eval_rcpt(e, &rcpt);			at each RCPT TO
 *	eval_header_from(e, addr);		at the From: header
 *	rule = eval_settled(e, &settled);	any time
 *	eval_finish(e, &decision);		at end of message
 *	eval_free(e);
 * DESCRIPTION
 *	Rules are tried in file order and the first rule whose every
 *	condition holds decides; a condition that a rule does not have is not
 *	tested.  The evaluation is incremental, so that each condition is
 *	tested once, when its data arrives:
 *
 *	- eval_start() tests the conditions known at MAIL FROM (those of the
 *	  connect, HELO and MAIL stages in cond.c's table, and the null
 *	  sender) of every rule up to the first rule that holds outright (one
 *	  with no recipient or header condition); rules after it can never
 *	  decide and are never looked at again.
 *	- eval_rcpt() tests each recipient against the rules still in play:
 *	  the RCPT-stage conditions (recipient, transport, nexthop) are
 *	  tested together on the same recipient; with recipient_mode "any"
 *	  one such recipient makes the rule's recipient condition hold for
 *	  good, with "all" one failing recipient makes the rule fail for good.
 *	- eval_header_from() tests the header conditions once, with the
 *	  address of the message's first From: header (NULL: absent or
 *	  unparseable).
 *
 *	How each condition matches, and what its subject is, comes from its
 *	row in cond.c; only the sender is named here, for its captures.
 *
 *	eval_settled() says whether the outcome is already certain, so the
 *	caller can stop collecting data.  eval_finish() decides with what is
 *	known at end of message, expands the rewrite template with the sender
 *	pattern's captures, and checks the result is a usable address; if it
 *	is not, the decision is DECISION_INVALID and the message must pass
 *	unchanged (never half-rewritten).
 *
 *	Absent data never satisfies a condition: no SASL login never matches
 *	auth (negated or not), an unknown client never matches client, an
 *	unknown transport never matches transport.  A pattern that hits the
 *	PCRE2 match or depth limit counts as not holding, with a warning (at
 *	most MAX_GAVE_UP_WARNINGS per message: a hostile message could carry
 *	a thousand recipients).  PCRE2 running out of memory is no answer,
 *	wherever it happens (message, recipient or header conditions, or
 *	the match again for the captures): eval_start() or eval_finish() then
 *	fails, and the caller tempfails the message rather than pass it as if
 *	nothing had matched.
 *
 *	eval_explain() prints, for envfrom-milter -t, why the deciding rule
 *	held and (verbose) why each earlier rule did not.
 *
 *	An evaluation belongs to one message of one thread; the rule set it
 *	reads is shared and immutable.
 * DIAGNOSTICS
 *	eval_start() returns NULL and eval_finish() -1 when out of memory.
 */

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "eval.h"
#include "log.h"

/* Per-rule state bits. */
#define ST_DEAD		(1 << 0)	/* a condition failed for good */
#define ST_RCPT_HIT	(1 << 1)	/* some recipient satisfied the rule */
#define ST_HDR_HIT	(1 << 2)	/* the From header satisfied the rule */
#define ST_MAYBE	(1 << 3)	/* the prefilter did not rule the sender out */

struct eval {
    const struct ruleset *rs;
    const struct eval_env *env;
    struct pattern_scratch *scratch;	/* match data and JIT stack, lent */
    pcre2_match_data *md;		/* scratch->md */
    unsigned char *state;		/* one byte per rule before cutoff */
    size_t  cutoff;			/* first rule that held outright, or nrules */
    size_t  first_live;			/* no rule before this can decide */
    unsigned long nrcpt;
    unsigned gave_up;			/* match-limit warnings logged */
    int     nomem;			/* PCRE2 ran out of memory: fail the message */
    FILE   *trace;			/* eval_explain() output, else NULL */
};

/* One message can carry many recipients: cap its match-limit warnings. */
#define MAX_GAVE_UP_WARNINGS	3

#define HAS_RCPT_COND(r)	(((r)->stages & STAGE_BIT(COND_AT_RCPT)) != 0)
#define HAS_HDR_COND(r)		(((r)->stages & STAGE_BIT(COND_AT_HEADER)) != 0)

/* trace - one line of explanation, when explaining */

static void __attribute__((format(printf, 2, 3)))
trace(const struct eval *e, const char *fmt,...)
{
    va_list ap;

    if (e->trace == NULL)
	return;
    va_start(ap, fmt);
    fputs("    ", e->trace);
    vfprintf(e->trace, fmt, ap);
    fputc('\n', e->trace);
    va_end(ap);
}

/* gave_up - a match hit a limit: warn (out of test_pattern's frame: rare, big buffers) */

static __attribute__((noinline)) void
gave_up(struct eval *e, const struct rule *r, const struct pattern *p,
	        const char *label, const char *subject, int pcre_err)
{
    char    qs[LOG_QUOTE_BUF];
    char    qp[LOG_QUOTE_BUF];
    char    msg[128];

    pattern_strerror(pcre_err, msg, sizeof(msg));
    trace(e, "%s '%s' on \"%s\": no (match gave up: %s)", label,
	  pattern_source(p), subject, msg);
    if (++e->gave_up > MAX_GAVE_UP_WARNINGS)
	return;
    log_warning("%s: rule %s: %s pattern \"%s\" on \"%s\": %s; "
		"treated as not matching", e->env->logid, r->name, label,
		log_quote(qp, sizeof(qp), pattern_source(p)),
		log_quote(qs, sizeof(qs), subject), msg);
    if (e->gave_up == MAX_GAVE_UP_WARNINGS)
	log_warning("%s: further match limit warnings for this message are not logged",
		    e->env->logid);
}

/* test_pattern - does pattern p hold for subject? */

static int
test_pattern(struct eval *e, const struct rule *r, const struct pattern *p,
	             const char *label, const char *subject)
{
    int     pcre_err = 0;
    enum pattern_result res;

    res = pattern_test(p, &e->scratch->lim, e->md, subject, strlen(subject), &pcre_err);
    if (res == PATTERN_ERROR) {
	/* No memory is no answer: the message must not pass as "no match". */
	if (pcre_err == PCRE2_ERROR_NOMEMORY)
	    e->nomem = 1;
	else
	    gave_up(e, r, p, label, subject, pcre_err);
	return (0);
    }
    trace(e, "%s '%s' on \"%s\": %s", label, pattern_source(p), subject,
	  res == PATTERN_TRUE ? "yes" : "no");
    return (res == PATTERN_TRUE);
}

/* test_blocks - is the address in one of the condition's blocks? */

static int
test_blocks(struct eval *e, const char *key, const struct cond_value *v,
	            const struct netaddr *addr)
{
    char    ip[64];
    char    block[64];
    size_t  i;

    for (i = 0; i < v->n; i++)
	if (cidr_contains(&v->is.blocks[i], addr))
	    break;
    if (e->trace == NULL)
	return (i < v->n);
    netaddr_format(addr, ip, sizeof(ip));
    if (i < v->n) {
	cidr_format(&v->is.blocks[i], block, sizeof(block));
	trace(e, "%s %s in %s: yes", key, ip, block);
    } else {
	trace(e, "%s %s in none of the rule's %lu block%s: no", key, ip,
	      (unsigned long) v->n, v->n == 1 ? "" : "s");
    }
    return (i < v->n);
}

/* test_cond - does condition c of rule r hold on the data? (cond.c's table) */

static int
test_cond(struct eval *e, const struct rule *r, int c, const struct cond_data *data)
{
    const struct cond_def *def = &cond_defs[c];
    const struct cond_value *v = &r->cond[c];
    const struct netaddr *addr;
    const char *subject;
    const char *want;
    int     held;
    int     k;

    if (def->kind == COND_CIDR) {
	if ((addr = def->address(data)) == NULL) {
	    trace(e, "%s: no (%s)", def->key, def->absent);
	    return (0);
	}
	return (test_blocks(e, def->key, v, addr));
    }
    subject = def->subject(data);
    if (def->kind == COND_KEYWORD) {
	want = def->keywords[v->n];
	held = subject != NULL && strcmp(subject, want) == 0;
	k = subject ? cond_keyword(def->keywords, subject) : -1;
	trace(e, "%s = %s: %s%s%s%s", def->key, want, held ? "yes" : "no",
	      def->notes && k > 0 ? " (" : "", def->notes && k > 0 ? def->notes[k] : "",
	      def->notes && k > 0 ? ")" : "");
	return (held);
    }
    if (subject == NULL) {
	trace(e, "%s '%s': no (%s)", def->key, pattern_source(v->is.pattern), def->absent);
	return (0);
    }
    return (test_pattern(e, r, v->is.pattern, def->key, subject));
}

/* test_stage - rule r's conditions of the stages in mask; first failure ends it */

static int
test_stage(struct eval *e, const struct rule *r, unsigned mask,
	           const struct cond_data *data, int all)
{
    int     held = 1;
    int     c;

    for (c = 0; c < COND_COUNT; c++) {
	if (!(r->conds & COND_BIT(c)) || !(mask & STAGE_BIT(cond_defs[c].stage)))
	    continue;
	if (!test_cond(e, r, c, data)) {
	    held = 0;
	    /* When explaining, test everything (all); otherwise stop here. */
	    if (!all || e->trace == NULL)
		return (0);
	}
    }
    return (held);
}

/* The stages whose conditions are known at MAIL FROM. */
#define MESSAGE_STAGES	(STAGE_BIT(COND_AT_CONNECT) | STAGE_BIT(COND_AT_HELO) \
			 | STAGE_BIT(COND_AT_MAIL))

/* test_message - the message-level conditions of rule r */

static int
test_message(struct eval *e, const struct rule *r)
{
    const struct eval_env *env = e->env;
    struct cond_data data = {env, NULL, NULL};
    int     held = 1;

    /* The sender's form comes before any condition. */
    if (env->sender == NULL) {
	trace(e, "sender: no (unparseable sender)");
	return (0);
    } else if (*env->sender == 0 && !r->null_sender) {
	trace(e, "null sender <>: no (the rule has no null_sender = true)");
	if (e->trace == NULL)
	    return (0);
	held = 0;
    } else if (*env->sender == 0) {
	trace(e, "null sender <>: yes (null_sender = true)");
    }
    return (test_stage(e, r, MESSAGE_STAGES, &data, 1) && held);
}

/* test_rcpt - the recipient conditions, together on one recipient */

static int
test_rcpt(struct eval *e, const struct rule *r, const struct eval_rcpt *rc)
{
    struct cond_data data = {e->env, rc, NULL};

    return (test_stage(e, r, STAGE_BIT(COND_AT_RCPT), &data, 0));
}

/* test_header - the From: header conditions (addr NULL: none usable) */

static int
test_header(struct eval *e, const struct rule *r, const char *addr)
{
    struct cond_data data = {e->env, NULL, addr};

    return (test_stage(e, r, STAGE_BIT(COND_AT_HEADER), &data, 1));
}

/* holds_for_good - will rule i hold whatever data is still to come? */

static int
holds_for_good(const struct eval *e, size_t i)
{
    const struct rule *r = e->rs->rules[i];
    unsigned char st = e->state[i];

    return (!(st & ST_DEAD)
	    && (!HAS_RCPT_COND(r) || (!r->recipient_all && (st & ST_RCPT_HIT)))
	    && (!HAS_HDR_COND(r) || (st & ST_HDR_HIT)));
}

/* holds_at_end - does rule i hold with everything known at end of message? */

static int
holds_at_end(const struct eval *e, size_t i)
{
    const struct rule *r = e->rs->rules[i];
    unsigned char st = e->state[i];

    if (st & ST_DEAD)
	return (0);
    if (HAS_RCPT_COND(r)
	&& (r->recipient_all ? e->nrcpt == 0 : !(st & ST_RCPT_HIT)))
	return (0);
    return (!HAS_HDR_COND(r) || (st & ST_HDR_HIT));
}

/* advance - skip rules that can no longer decide */

static void
advance(struct eval *e)
{
    while (e->first_live < e->cutoff && (e->state[e->first_live] & ST_DEAD))
	e->first_live++;
}

/* eval_start - test the message-level conditions; NULL when out of memory */

struct eval *
eval_start(const struct ruleset *rs, const struct eval_env *env)
{
    struct eval *e;
    size_t  i;

    if ((e = calloc(1, sizeof(*e))) == NULL)
	return (NULL);
    e->rs = rs;
    e->env = env;
    if ((e->scratch = pattern_scratch_get(&rs->limits, rs->max_captures + 1)) == NULL
	|| (rs->nrules > 0 && (e->state = calloc(rs->nrules, 1)) == NULL)) {
	eval_free(e);
	return (NULL);
    }
    e->md = e->scratch->md;
    /* A rule the prefilter indexed but did not mark cannot match the sender. */
    if (env->sender != NULL)
	prefilter_mark(rs->prefilter, env->sender, e->state, ST_MAYBE);
    for (i = 0; i < rs->nrules; i++) {
	const struct rule *r = rs->rules[i];

	if (r->prefiltered && env->sender != NULL && !(e->state[i] & ST_MAYBE))
	    e->state[i] = ST_DEAD;
	else if (!test_message(e, r))
	    e->state[i] = ST_DEAD;
	else if (!HAS_RCPT_COND(r) && !HAS_HDR_COND(r))
	    break;
    }
    e->cutoff = i;
    advance(e);
    if (e->nomem) {
	eval_free(e);
	return (NULL);
    }
    return (e);
}

/* eval_settled - the deciding rule if already certain (*settled = 1), else NULL */

const struct rule *
eval_settled(const struct eval *e, int *settled)
{
    if (e->first_live < e->cutoff) {
	*settled = holds_for_good(e, e->first_live);
	return (*settled ? e->rs->rules[e->first_live] : NULL);
    }
    *settled = 1;
    return (e->cutoff < e->rs->nrules ? e->rs->rules[e->cutoff] : NULL);
}

/* eval_rcpt - account for one recipient; returns 1 once the outcome is certain */

int
eval_rcpt(struct eval *e, const struct eval_rcpt *rc)
{
    int     settled;
    size_t  i;

    e->nrcpt++;
    (void) eval_settled(e, &settled);
    if (settled)
	return (1);
    for (i = e->first_live; i < e->cutoff; i++) {
	const struct rule *r = e->rs->rules[i];

	if ((e->state[i] & ST_DEAD) || !HAS_RCPT_COND(r)
	    || (!r->recipient_all && (e->state[i] & ST_RCPT_HIT)))
	    continue;
	if (test_rcpt(e, r, rc))
	    e->state[i] |= ST_RCPT_HIT;
	else if (r->recipient_all)
	    e->state[i] |= ST_DEAD;
    }
    advance(e);
    (void) eval_settled(e, &settled);
    return (settled);
}

/* eval_header_from - account for the From header's address (NULL: none usable) */

void
eval_header_from(struct eval *e, const char *addr)
{
    size_t  i;

    for (i = e->first_live; i < e->cutoff; i++) {
	const struct rule *r = e->rs->rules[i];

	if ((e->state[i] & ST_DEAD) || !HAS_HDR_COND(r))
	    continue;
	if (test_header(e, r, addr))
	    e->state[i] |= ST_HDR_HIT;
	else
	    e->state[i] |= ST_DEAD;
    }
    advance(e);
}

/* decide_rule - which rule decides, with what is known now (NULL: none) */

static struct rule *
decide_rule(const struct eval *e)
{
    size_t  i;

    for (i = e->first_live; i < e->cutoff; i++)
	if (holds_at_end(e, i))
	    return (e->rs->rules[i]);
    return (e->cutoff < e->rs->nrules ? e->rs->rules[e->cutoff] : NULL);
}

/* eval_finish - the decision at end of message; -1 when out of memory */

int
eval_finish(struct eval *e, struct decision *d)
{
    struct rule *r;
    const char *subject = e->env->sender;
    size_t  i;
    int     refs = 0;
    int     pcre_err = 0;

    memset(d, 0, sizeof(*d));
    if (e->nomem)
	return (-1);
    if ((r = decide_rule(e)) == NULL)
	return (0);
    d->rule = r;
    if (r->keep) {
	d->kind = DECISION_KEEP;
	return (0);
    }
    for (i = 0; i < r->nparts; i++)
	refs |= r->rewrite[i].group >= 0;
    /* Captures: match the sender pattern again (it held, so it matches). */
    if (refs && pattern_test(RULE_PATTERN(r, COND_SENDER), &e->scratch->lim, e->md, subject,
			     strlen(subject), &pcre_err) != PATTERN_TRUE) {
	/* No memory is no answer here either (DESCRIPTION). */
	if (pcre_err == PCRE2_ERROR_NOMEMORY) {
	    d->rule = NULL;
	    return (-1);
	}
	d->kind = DECISION_INVALID;
	d->why = "the sender pattern no longer matches (match limit?)";
	return (0);
    }
    if ((d->sender = rule_substitute(r, subject, refs ? e->md : NULL)) == NULL)
	return (-1);
    /* A constant rewrite was checked when the config was loaded. */
    if (refs && (d->why = addr_check_rewrite(d->sender)) != NULL)
	d->kind = DECISION_INVALID;
    else
	d->kind = DECISION_REWRITE;
    return (0);
}

/* decision_clear - release what eval_finish() allocated */

void
decision_clear(struct decision *d)
{
    free(d->sender);
    memset(d, 0, sizeof(*d));
}

/* eval_free - release an evaluation (NULL is fine) */

void
eval_free(struct eval *e)
{
    if (e == NULL)
	return;
    pattern_scratch_put(&e->rs->limits, e->scratch);
    free(e->state);
    free(e);
}

/* eval_explain - print why rule i holds or not (envfrom-milter -t); returns held */

int
eval_explain(struct eval *e, size_t i, const struct eval_rcpt *rcpts, size_t nrcpt,
	             const char *header_from, FILE *fp)
{
    const struct rule *r = e->rs->rules[i];
    int     held;
    int     hits = 0;
    int     rcpt_ok;
    size_t  k;

    e->trace = fp;
    held = test_message(e, r);
    if (HAS_RCPT_COND(r)) {
	for (k = 0; k < nrcpt; k++)
	    hits += test_rcpt(e, r, &rcpts[k]);
	rcpt_ok = r->recipient_all ? (nrcpt > 0 && hits == (int) nrcpt) : hits > 0;
	held &= rcpt_ok;
	trace(e, "recipients: %d of %lu matched (recipient_mode = %s): %s", hits,
	      (unsigned long) nrcpt, r->recipient_all ? "all" : "any", rcpt_ok ? "yes" : "no");
    }
    if (HAS_HDR_COND(r) && !test_header(e, r, header_from))
	held = 0;
    e->trace = NULL;
    return (held);
}
