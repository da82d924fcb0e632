/*
 * NAME
 *	negotiate - what to ask of the MTA for a connection, from its rules
 * SYNOPSIS
 *	#include "negotiate.h"
 *
 *	negotiate_plan(&n, rules->needs, rules->conds, over_tcp, debug,
 *		       offered_actions, offered_steps);
 * DESCRIPTION
 *	negotiate_plan() decides the action flags, the protocol steps and
 *	the macro lists a connection asks for, from what its rule set needs
 *	(rules.h RS_NEED_*, RS_ACT_*) and the conditions it tests (cond.c);
 *	callbacks.c hands the answer to libmilter.  It uses only
 *	libmilter's constants, so it is unit-tested without a milter.
 *
 *	Every step is a round trip that costs Postfix and libmilter more
 *	than our work does, so: body, unknown commands and end-of-headers
 *	are never requested; connect only when some rule tests what it
 *	brings (client, origin, listener), HELO only for helo, recipients
 *	only when some rule tests them, headers only when some rule reads or
 *	changes From:.
 *
 *	On inet sockets HELO and DATA are requested too, although nothing is
 *	done with them: Postfix sends their macro packets whether or not the
 *	step is wanted, and flushes the DATA one on its own when it hands
 *	the milter to cleanup; such a lone write, never answered, holds
 *	Postfix's next packet behind Nagle's algorithm until our delayed ACK
 *	(10-45 ms per message on loopback).  Unix sockets have no Nagle, so
 *	there they are skipped.  No stage is marked "no reply", for the same
 *	reason.
 *
 *	Macros: when the MTA takes macro lists (SMFIF_SETSYMLIST; Postfix
 *	2.6 and later), the lists name exactly the macros of the conditions
 *	tested, each at its own stage (cond.c), and the queue id i at MAIL,
 *	RCPT and end of message for the log lines; at debug level also what
 *	the debug lines show.  A site's milter_*_macros then cannot starve a
 *	rule.  A class given no list (HELO, DATA, end of headers; connect
 *	when no rule tests the listener) keeps the site's milter_*_macros:
 *	Postfix falls back to them for an empty list (milter.c,
 *	MILTER_MACRO_EVAL, the same in 2.10 and 3.x).
 */

#include <stdio.h>
#include <string.h>

#include <libmilter/mfapi.h>

#include "cond.h"
#include "negotiate.h"
#include "rules.h"

/* macro_lists - the macros each class needs; "" where none */

static void
macro_lists(struct negotiation *n, unsigned conds, int debug)
{
    static const struct {
	int     class;
	enum cond_stage stage;
	const char *first;		/* ours: the queue id, and what debug logs */
	const char *debug;
    }       classes[] = {
	{SMFIM_CONNECT, COND_AT_CONNECT, NULL, "{daemon_name}"},
	{SMFIM_HELO, COND_AT_HELO, NULL, NULL},
	{SMFIM_ENVFROM, COND_AT_MAIL, "i", NULL},
	{SMFIM_ENVRCPT, COND_AT_RCPT, "i", "i {rcpt_mailer} {rcpt_host}"},
    };
    size_t  i;

    for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
	(void) cond_macros(conds, classes[i].stage,
			   debug && classes[i].debug ? classes[i].debug : classes[i].first,
			   n->macros[classes[i].class], sizeof(n->macros[0]));
    snprintf(n->macros[SMFIM_EOM], sizeof(n->macros[0]), "i");
}

/* negotiate_plan - the actions, steps and macro lists to ask for */

void
negotiate_plan(struct negotiation *n, unsigned needs, unsigned conds, int over_tcp,
	               int debug, unsigned long offered_actions, unsigned long offered_steps)
{
    unsigned long want = SMFIF_CHGFROM;
    unsigned long skip;

    memset(n, 0, sizeof(*n));
    if (needs & RS_ACT_CHGHDRS)
	want |= SMFIF_CHGHDRS;
    if (needs & RS_ACT_ADDHDRS)
	want |= SMFIF_ADDHDRS;
    n->header_changes_missing = (want & offered_actions) != want;
    n->actions = want & offered_actions;

    skip = SMFIP_NOBODY | SMFIP_NOUNKNOWN | SMFIP_NOEOH;
    if (!over_tcp)			/* see the Nagle note above */
	skip |= SMFIP_NODATA;
    if (!over_tcp && !(needs & RS_NEED_HELO))
	skip |= SMFIP_NOHELO;
    if (!(needs & RS_NEED_CONNECT))
	skip |= SMFIP_NOCONNECT;
    if (!(needs & RS_NEED_RCPT))
	skip |= SMFIP_NORCPT;
    if (!(needs & RS_NEED_HEADERS))
	skip |= SMFIP_NOHDRS;
    n->steps = offered_steps & skip;
    n->want_headers = (needs & RS_NEED_HEADERS) != 0;

    if (offered_actions & SMFIF_SETSYMLIST) {
	n->actions |= SMFIF_SETSYMLIST;
	macro_lists(n, conds, debug);
    }
}
