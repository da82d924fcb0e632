/*
 * NAME
 *	plan - everything a rewrite decision asks the MTA to do, worked out once
 * SYNOPSIS
 *	#include "plan.h"
 *
 *	plan_from_add(&from, value);		for each From: header
 *	plan_make(&plan, &decision, old_sender, &from, PLAN_CAN_...);
 *	... carry it out (callbacks.c) or print it (dryrun, -t) ...
 *	plan_clear(&plan);
 *	plan_from_clear(&from);
 * DESCRIPTION
 *	A DECISION_REWRITE says which rule decided and what the new sender
 *	is.  What follows from it is decided here, once, with no libmilter,
 *	for both the daemon and the dry run:
 *
 *	- the sender changes only if the new one differs (postsuper -r
 *	  sends already rewritten mail through the milter again);
 *	- the rule's original_header is added only with such a change, and
 *	  only if the MTA lets us add headers;
 *	- From: (rewrite_header_from) changes only if the MTA lets us change
 *	  headers, the message has exactly one From:, it holds one usable
 *	  mailbox, and that mailbox is not already the new sender; the
 *	  display name, comments and encoding are kept byte for byte.
 *
 *	The From: header is parsed once, when it arrives (plan_from_add):
 *	the header_from condition and the From: rewrite use that one reading.
 * DIAGNOSTICS
 *	plan_make() and plan_from_add() return -1 when out of memory, and
 *	leave nothing to free but what plan_clear()/plan_from_clear() free.
 */

#include <stdlib.h>
#include <string.h>

#include "plan.h"

/* plan_from_add - one more From: header; the first is parsed; -1 out of memory */

int
plan_from_add(struct plan_from *f, const char *value)
{
    if (++f->count > 1)
	return (0);
    if ((f->value = strdup(value)) == NULL)
	return (-1);
    f->why = NULL;
    f->status = addr_header_mailbox(value, &f->mb, &f->why);
    return (f->status == ADDR_NOMEM ? -1 : 0);
}

/* plan_from_clear - forget the From: headers */

void
plan_from_clear(struct plan_from *f)
{
    free(f->value);
    free(f->mb.internal);
    memset(f, 0, sizeof(*f));
}

/* plan_from_address - the first From:'s address, internal form; NULL if none */

const char *
plan_from_address(const struct plan_from *f)
{
    return (f->count > 0 && f->status == ADDR_OK ? f->mb.internal : NULL);
}

/* plan_make - the plan for a DECISION_REWRITE (see DESCRIPTION); 0 or -1 */

int
plan_make(struct plan *p, const struct decision *d, const char *old_sender,
	          const struct plan_from *f, unsigned can)
{
    const struct rule *r = d->rule;

    memset(p, 0, sizeof(*p));
    p->rule = r;
    if (strcmp(d->sender, old_sender) != 0) {
	if ((p->sender = addr_external(d->sender, 1)) == NULL)
	    return (-1);
	if (r->original_header && !(can & PLAN_CAN_ADD_HEADER)) {
	    p->add_skipped = 1;
	} else if (r->original_header) {
	    p->add_name = r->original_header;
	    if ((p->add_value = addr_external(old_sender, 1)) == NULL)
		return (-1);
	}
    }
    if (!r->rewrite_header_from)
	p->from = PLAN_FROM_NOT_ASKED;
    else if (!(can & PLAN_CAN_CHANGE_HEADER))
	p->from = PLAN_FROM_NOT_NEGOTIATED;
    else if (f == NULL || f->count == 0)
	p->from = PLAN_FROM_NONE;
    else if (f->count > 1)
	p->from = PLAN_FROM_SEVERAL;
    else if (f->status != ADDR_OK) {
	p->from = PLAN_FROM_UNUSABLE;
	p->from_why = f->why ? f->why : "no address in header";
    } else if (strcmp(f->mb.internal, d->sender) == 0)
	p->from = PLAN_FROM_SAME;
    else {
	p->from = PLAN_FROM_CHANGE;
	if ((p->from_value = addr_header_replace(f->value, &f->mb, d->sender)) == NULL)
	    return (-1);
    }
    return (0);
}

/* plan_clear - release what a plan holds */

void
plan_clear(struct plan *p)
{
    free(p->sender);
    free(p->add_value);
    free(p->from_value);
    memset(p, 0, sizeof(*p));
}
