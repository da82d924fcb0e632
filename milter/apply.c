/*
 * NAME
 *	apply - carry out a rewrite decision's plan through libmilter
 * SYNOPSIS
 *	#include "apply.h"
 *
 *	if (apply_rewrite(ctx, &msg, &decision) < 0)
 *		tempfail the message;
 * DESCRIPTION
 *	At end of message, for a DECISION_REWRITE: plan.c works out the
 *	new sender, the header to add and the new From: (the same plan
 *	envfrom-milter -t prints), and this module asks the MTA for each
 *	(smfi_chgfrom, smfi_insheader, smfi_chgheader), counts the rule's
 *	hit and logs the one line per rewrite.  Split from callbacks.c,
 *	which keeps the per-connection and per-message state.
 * DIAGNOSTICS
 *	-1, with an error logged with the queue id, when memory runs out or
 *	the MTA refuses a change: the caller tempfails the message as a
 *	whole, so it never leaves half-rewritten.  A header that could not
 *	be added because header changes were not negotiated is a warning.
 */

#include "apply.h"
#include "log.h"
#include "msglog.h"

/* apply_rewrite - make the MTA carry out the plan of decision d; 0, or -1 */

int
apply_rewrite(SMFICTX *ctx, const struct apply_msg *m, const struct decision *d)
{
    const struct rule *r = d->rule;
    struct plan p;
    unsigned can = 0;
    int     result = -1;

    if (m->can_add_header)
	can |= PLAN_CAN_ADD_HEADER;
    if (m->can_change_header)
	can |= PLAN_CAN_CHANGE_HEADER;
    if (plan_make(&p, d, m->sender, m->from, can) < 0) {
	log_error("%s: out of memory; message tempfailed", m->qid);
	goto out;
    }
    /* No ESMTP arguments: Postfix ignores or rejects them (platform notes). */
    if (p.sender && smfi_chgfrom(ctx, p.sender, NULL) != MI_SUCCESS) {
	log_error("%s: rule %s: could not change the sender; message tempfailed",
		  m->qid, r->name);
	goto out;
    }
    if (p.add_skipped)
	log_warning("%s: rule %s: %s not added: header changes were not "
		    "negotiated on this connection", m->qid, r->name, r->original_header);
    if (p.add_name && smfi_insheader(ctx, 0, (char *) p.add_name, p.add_value) != MI_SUCCESS) {
	log_error("%s: rule %s: could not add %s; message tempfailed",
		  m->qid, r->name, p.add_name);
	goto out;
    }
    msglog_from(m->qid, &p, m->from->count);
    if (p.from == PLAN_FROM_CHANGE && smfi_chgheader(ctx, "From", 1, p.from_value) != MI_SUCCESS) {
	log_error("%s: could not change the From: header", m->qid);
	log_error("%s: rule %s: From: header rewrite failed; message tempfailed",
		  m->qid, r->name);
	goto out;
    }
    /* Counted either way: the rule decided the message (see SIGUSR2). */
    snapshot_count_hit(m->snap, d->rule);
    if (p.sender)
	msglog_rewrite(LOG_LVL_INFO, m->qid, r->name, m->sender, d->sender,
		     p.from == PLAN_FROM_CHANGE ? "; From: header rewritten" : "");
    else
	msglog_unchanged(m->qid, r->name, m->sender,
		       p.from == PLAN_FROM_CHANGE ? "; From: header rewritten" : "");
    result = 0;
out:
    plan_clear(&p);
    return (result);
}
