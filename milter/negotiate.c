/*
 * NAME
 *	negotiate - what to ask of the MTA for a connection, from its rules
 * SYNOPSIS
 *	#include "negotiate.h"
 *
 *	negotiate_plan(&n, rules->needs, rules->conds, transport, debug,
 *		       offered_actions, offered_steps);
 * DESCRIPTION
 *	negotiate_plan() decides the action flags, the protocol steps and
 *	the macro lists a connection asks for, from what its rule set needs
 *	(rules.h RS_NEED_*, RS_ACT_*) and the conditions it tests (cond.c);
 *	callbacks.c hands the answer to libmilter.  It uses only
 *	libmilter's constants, so it is unit-tested without a milter.
 *
 *	Every answered step is a round trip that costs Postfix and libmilter
 *	more than our work does, so the aim is one answer per message, at
 *	end of message, where the decision is made anyway:
 *	- body, unknown commands and end-of-headers are never requested;
 *	  connect only when some rule tests what it brings (client, origin,
 *	  listener), HELO only for helo, recipients only when some rule tests
 *	  them, headers only when some rule reads or changes From:;
 *	- every step requested before end of message is "no reply"
 *	  (SMFIP_NR_*): Postfix 2.6 and later write it without waiting, and
 *	  libmilter answers "continue" itself for an MTA that cannot.  A
 *	  failure at those steps therefore waits for end of message, where a
 *	  tempfail covers the whole message (callbacks.c), and a message no
 *	  rule can change is no longer "accepted" at MAIL FROM: Postfix
 *	  sends its remaining steps, unanswered, in the same write.
 *
 *	TCP: Postfix writes a message's envelope steps in one write when it
 *	hands the milter to cleanup at DATA, and the end of message in a
 *	second one.  It does not disable Nagle's algorithm, so the second
 *	write waits until we ACK the first, and nothing we send carries that
 *	ACK when the first needs no answer: the kernel's delayed ACK holds
 *	every message 10-45 ms on loopback.  When callbacks.c can ACK at
 *	once (ack.c, transport NEGOTIATE_TCP_ACK) TCP is negotiated as a
 *	unix socket is.  When it cannot (NEGOTIATE_TCP) the old cure stays:
 *	HELO and DATA are asked for and answered, so an answer carries the
 *	ACK before Postfix's next write.
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
negotiate_plan(struct negotiation *n, unsigned needs, unsigned conds, int transport,
	               int debug, unsigned long offered_actions, unsigned long offered_steps)
{
    unsigned long want = SMFIF_CHGFROM;
    unsigned long skip;
    static const struct {
	unsigned long skip;		/* SMFIP_NO* */
	unsigned long noreply;		/* its SMFIP_NR_* */
    }       optional[] = {
	{SMFIP_NOCONNECT, SMFIP_NR_CONN}, {SMFIP_NOHELO, SMFIP_NR_HELO},
	{SMFIP_NORCPT, SMFIP_NR_RCPT}, {SMFIP_NOHDRS, SMFIP_NR_HDR},
    };
    unsigned long noreply;
    size_t  i;
    int     nagle;

    memset(n, 0, sizeof(*n));
    if (needs & RS_ACT_CHGHDRS)
	want |= SMFIF_CHGHDRS;
    if (needs & RS_ACT_ADDHDRS)
	want |= SMFIF_ADDHDRS;
    n->header_changes_missing = (want & offered_actions) != want;
    n->actions = want & offered_actions;

    skip = SMFIP_NOBODY | SMFIP_NOUNKNOWN | SMFIP_NOEOH;
    nagle = transport == NEGOTIATE_TCP;	/* see TCP above */
    if (!nagle)
	skip |= SMFIP_NODATA;
    if (!nagle && !(needs & RS_NEED_HELO))
	skip |= SMFIP_NOHELO;
    if (!(needs & RS_NEED_CONNECT))
	skip |= SMFIP_NOCONNECT;
    if (!(needs & RS_NEED_RCPT))
	skip |= SMFIP_NORCPT;
    if (!(needs & RS_NEED_HEADERS))
	skip |= SMFIP_NOHDRS;
    /* Each step asked for is "no reply"; a skipped one needs none. */
    noreply = SMFIP_NR_MAIL;
    for (i = 0; i < sizeof(optional) / sizeof(optional[0]); i++)
	if (!(skip & optional[i].skip))
	    noreply |= optional[i].noreply;
    if (nagle)				/* its answer carries our ACK (TCP above) */
	noreply &= ~SMFIP_NR_HELO;
    n->noreply = offered_steps & noreply;
    skip |= n->noreply;
    n->steps = offered_steps & skip;
    n->want_headers = (needs & RS_NEED_HEADERS) != 0;

    if (offered_actions & SMFIF_SETSYMLIST) {
	n->actions |= SMFIF_SETSYMLIST;
	macro_lists(n, conds, debug);
    }
}
