/*
 * NAME
 *	dryrun - envfrom-milter -t: the rules' decision for one made-up message
 * SYNOPSIS
 *	#include "dryrun.h"
 *
 *	status = dryrun(cf, &request);
 * DESCRIPTION
 *	Builds the message the request describes (sender, recipients with
 *	their transport and next hop, login, client, HELO name, listener,
 *	local submission, From: header), evaluates it as the daemon would (eval.c)
 *	and prints the result: the sender the rules make of it, the deciding
 *	rule and why its conditions held, and the same plan (plan.c) the
 *	daemon carries out: header added, From: changed or why not.  With
 *	verbose, also why each earlier rule did not hold.  No libmilter.
 * DIAGNOSTICS
 *	Exit status: 0 a rule decided, 1 the sender stays, EX_DATAERR for a
 *	bad sender or recipient, EX_USAGE for a bad client address, EX_OSERR
 *	when out of memory.  Notes and errors go to stderr.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "addr.h"
#include "dryrun.h"
#include "eval.h"
#include "log.h"
#include "plan.h"

/* warn_unqualified - -t: the milter never sees a bare name; Postfix adds a domain */

static void
warn_unqualified(const char *what, const char *addr)
{
    if (*addr && strchr(addr, '@') == NULL)
	fprintf(stderr, "envfrom-milter: note: %s \"%s\" has no @domain; Postfix "
		"qualifies bare names (%s@$myorigin or @$myhostname) before a milter "
		"sees them: give the full address\n", what, addr, addr);
}

/* parse_arg - an address argument in internal form; 0, or -1 after saying why */

static int
parse_arg(const char *what, const char *arg, char **out)
{
    const char *why = NULL;

    if (addr_parse(arg, out, &why) < 0) {
	fprintf(stderr, "envfrom-milter: %s \"%s\": %s\n", what, arg,
		why ? why : "out of memory");
	return (-1);
    }
    warn_unqualified(what, *out);
    return (0);
}

/* dryrun - -t: evaluate cf's rules for one made-up message (see dryrun.h) */

int
dryrun(const struct config *cf, const struct dryrun_request *rq)
{
    const char *sender_arg = rq->sender;
    char  **rcpt_args = rq->rcpts;
    size_t  nrcpt = rq->nrcpt;
    const char *from_header = rq->from_header;
    struct eval_env env;
    struct eval_rcpt rcpts[DRYRUN_MAX_RCPTS];
    struct plan_from from;
    struct plan plan;
    struct decision d;
    struct eval *e = NULL;
    char   *sender = NULL;
    char   *out;
    size_t  i;
    size_t  nparsed = 0;
    int     status;

    log_open("envfrom-milter", LOG_TO_STDERR, 0);
    log_set_level(LOG_LVL_WARNING);
    memset(&env, 0, sizeof(env));
    memset(&from, 0, sizeof(from));
    memset(&plan, 0, sizeof(plan));
    memset(&d, 0, sizeof(d));
    env.logid = "dry-run";
    if (parse_arg("sender", sender_arg, &sender) < 0) {
	status = EX_DATAERR;
	goto out;
    }
    env.sender = sender;
    env.auth = rq->login;
    env.listener = rq->listener;
    env.local = rq->local;
    env.helo = rq->helo;
    if (rq->ip != NULL) {
	if (netaddr_parse(rq->ip, &env.client) < 0) {
	    fprintf(stderr, "envfrom-milter: -i %s: not an IPv4 or IPv6 address\n", rq->ip);
	    status = EX_USAGE;
	    goto out;
	}
	env.has_client = 1;
    }
    for (i = 0; i < nrcpt; i++) {
	char   *addr = rcpt_args[i];
	char   *comma;
	char   *internal;

	rcpts[i].mailer = rcpts[i].host = NULL;
	if ((comma = strchr(addr, ',')) != NULL) {
	    *comma++ = 0;
	    rcpts[i].mailer = comma;
	    if ((comma = strchr(comma, ',')) != NULL) {
		*comma++ = 0;
		rcpts[i].host = comma;
	    }
	}
	if (parse_arg("recipient", addr, &internal) < 0) {
	    status = EX_DATAERR;
	    goto out;
	}
	rcpts[i].addr = internal;
	nparsed = i + 1;
    }
    if (from_header != NULL && plan_from_add(&from, from_header) < 0) {
	status = EX_OSERR;
	goto out;
    }
    if (from_header != NULL && plan_from_address(&from) == NULL)
	fprintf(stderr, "envfrom-milter: From: header \"%s\": %s: header_from "
		"conditions will not hold\n", from_header, from.why ? from.why : "no address");
    if ((e = eval_start(cf->rules, &env)) == NULL) {
	status = EX_OSERR;
	goto out;
    }
    for (i = 0; i < nrcpt; i++)
	(void) eval_rcpt(e, &rcpts[i]);
    if (from_header != NULL)
	eval_header_from(e, plan_from_address(&from));
    if (eval_finish(e, &d) < 0 || (d.kind == DECISION_REWRITE
	&& plan_make(&plan, &d, sender, &from, PLAN_CAN_ADD_HEADER | PLAN_CAN_CHANGE_HEADER) < 0)) {
	status = EX_OSERR;
	goto out;
    }

    /* Line 1: the resulting sender; line 2: the deciding rule; then why. */
    out = addr_external(d.kind == DECISION_REWRITE ? d.sender : sender, 1);
    printf("%s\n", out ? out : "?");
    free(out);
    status = (d.kind == DECISION_REWRITE || d.kind == DECISION_KEEP) ? 0 : 1;
    if (d.rule != NULL)
	printf("rule \"%s\" (#%lu): ", d.rule->name, (unsigned long) d.rule->index + 1);
    switch (d.kind) {
    case DECISION_NONE:
	printf("no rule matched: sender unchanged\n");
	break;
    case DECISION_KEEP:
	printf("keep: sender unchanged\n");
	break;
    case DECISION_INVALID:
	printf("its rewrite gave \"%s\", which is not a usable sender (%s): "
	       "sender unchanged\n", d.sender ? d.sender : "", d.why);
	break;
    case DECISION_REWRITE:
	printf("sender rewritten\n");
	break;
    }
    if (d.rule != NULL)
	(void) eval_explain(e, d.rule->index, rcpts, nrcpt, plan_from_address(&from), stdout);
    /* The same plan the daemon carries out (plan.c). */
    if (plan.add_name)
	printf("    header added: %s: %s\n", plan.add_name, plan.add_value);
    if (plan.from == PLAN_FROM_NONE || plan.from == PLAN_FROM_UNUSABLE)
	printf("    From: header not rewritten: %s\n", from_header ? "unusable" : "none given (-H)");
    else if (plan.from == PLAN_FROM_CHANGE)
	printf("    header changed: From: %s\n", plan.from_value);
    if (rq->verbose) {
	size_t  last = d.rule ? d.rule->index : cf->rules->nrules;

	for (i = 0; i < last; i++) {
	    printf("rule \"%s\" (#%lu): did not hold\n", cf->rules->rules[i]->name,
		   (unsigned long) i + 1);
	    (void) eval_explain(e, i, rcpts, nrcpt, plan_from_address(&from), stdout);
	}
    } else if (d.kind == DECISION_NONE && cf->rules->nrules > 0) {
	printf("(use -v to see why each rule did not hold)\n");
    }
out:
    /* Every way out releases everything: the sanitizer builds check. */
    decision_clear(&d);
    eval_free(e);
    for (i = 0; i < nparsed; i++)
	free((char *) rcpts[i].addr);
    plan_clear(&plan);
    plan_from_clear(&from);
    free(sender);
    return (status);
}
