/*
 * NAME
 *	test_negotiate - the steps, actions and macro lists asked of the MTA
 */

#include <string.h>

#include <libmilter/mfapi.h>

#include "config.h"
#include "negotiate.h"
#include "tap.h"

#define OFFER_ACTIONS	(SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGFROM | SMFIF_SETSYMLIST)
#define OFFER_STEPS	(SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT \
			 | SMFIP_NOBODY | SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOUNKNOWN \
			 | SMFIP_NODATA | SMFIP_SKIP | SMFIP_HDR_LEADSPC | SMFIP_NR_CONN \
			 | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_DATA \
			 | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY | SMFIP_NR_UNKN)

/* plan - negotiate for the rules in text */

static void
plan(const char *text, int tcp, int debug, unsigned long offer, struct negotiation *n)
{
    struct config_msgs msgs;
    struct config *cf;

    memset(&msgs, 0, sizeof(msgs));
    cf = config_load_text("t.conf", text, strlen(text), &msgs);
    ok(cf != NULL, "config loads: %.40s", text);
    negotiate_plan(n, cf ? cf->rules->needs : 0, cf ? cf->rules->conds : 0, tcp, debug,
		   offer, OFFER_STEPS);
    config_free(cf);
    config_msgs_free(&msgs);
}

int
main(void)
{
    struct negotiation n;

    /* The shipped config's kind of rule: recipients only. */
    plan("rule 'ocn' { recipient = '!@home\\.example$' rewrite = 'a@b.example' }\n",
	 0, 0, OFFER_ACTIONS, &n);
    is_long((long) n.actions, SMFIF_CHGFROM | SMFIF_SETSYMLIST, "change sender, set lists");
    is_long((long) n.steps, SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOBODY | SMFIP_NOHDRS
	    | SMFIP_NOEOH | SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_NR_MAIL | SMFIP_NR_RCPT,
	    "unix: only MAIL, RCPT, EOM; MAIL and RCPT unanswered");
    is_long((long) n.noreply, SMFIP_NR_MAIL | SMFIP_NR_RCPT, "noreply lists the NR steps");
    is_str(n.macros[SMFIM_CONNECT], "", "no connect macros");
    is_str(n.macros[SMFIM_HELO], "", "no HELO macros");
    is_str(n.macros[SMFIM_ENVFROM], "i", "MAIL: the queue id");
    is_str(n.macros[SMFIM_ENVRCPT], "i", "RCPT: the queue id");
    is_str(n.macros[SMFIM_EOM], "i", "EOM: the queue id");
    is_str(n.macros[SMFIM_DATA], "", "no DATA macros");

    plan("rule 'ocn' { recipient = '!@home\\.example$' rewrite = 'a@b.example' }\n",
	 NEGOTIATE_TCP, 0, OFFER_ACTIONS, &n);
    is_long((long) (n.steps & (SMFIP_NOHELO | SMFIP_NODATA | SMFIP_NR_HELO | SMFIP_NR_DATA)), 0,
	    "TCP without ack.c: HELO and DATA asked for and answered (Nagle)");
    ok((n.steps & SMFIP_NR_MAIL) && (n.steps & SMFIP_NR_RCPT), "MAIL and RCPT still unanswered");

    plan("rule 'ocn' { recipient = '!@home\\.example$' rewrite = 'a@b.example' }\n",
	 NEGOTIATE_TCP_ACK, 0, OFFER_ACTIONS, &n);
    is_long((long) n.steps, SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOBODY | SMFIP_NOHDRS
	    | SMFIP_NOEOH | SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_NR_MAIL | SMFIP_NR_RCPT,
	    "TCP with ack.c: as on unix");

    plan("rule 'a' { client = '10.0.0.0/8' header_from = 'x' rewrite = 'a@b.example' }\n",
	 NEGOTIATE_UNIX, 0, OFFER_ACTIONS, &n);
    is_long((long) n.noreply, SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_HDR,
	    "connect and headers asked for: unanswered too; no NR for skipped RCPT");

    plan("rule 'p' { helo = '^printer' rewrite = 'a@b.example' }\n", 0, 0, OFFER_ACTIONS, &n);
    is_long((long) (n.steps & SMFIP_NOHELO), 0, "helo: the HELO step is asked for on unix");
    ok((n.steps & SMFIP_NORCPT) && (n.steps & SMFIP_NOCONNECT), "and nothing else");

    plan("rule 'a' { auth = '^u$' authenticated = 'yes' listener = 'x' transport = 'smtp' "
	 "nexthop = 'x' rewrite = 'a@b.example' }\n", 0, 0, OFFER_ACTIONS, &n);
    is_str(n.macros[SMFIM_CONNECT], "{daemon_name}", "listener: {daemon_name} at connect");
    is_str(n.macros[SMFIM_ENVFROM], "i {auth_authen}", "auth: {auth_authen} once at MAIL");
    is_str(n.macros[SMFIM_ENVRCPT], "i {rcpt_mailer} {rcpt_host}",
	   "transport, nexthop: their macros at RCPT");

    plan("rule 'a' { rewrite = 'a@b.example' }\n", 0, 1, OFFER_ACTIONS, &n);
    is_str(n.macros[SMFIM_CONNECT], "{daemon_name}", "debug: the listener for the log");
    is_str(n.macros[SMFIM_ENVRCPT], "i {rcpt_mailer} {rcpt_host}",
	   "debug: the recipient's resolution for the log");

    plan("rule 'a' { rewrite = 'a@b.example' rewrite_header_from = true }\n", 0, 0,
	 SMFIF_CHGFROM, &n);
    is_long((long) n.actions, SMFIF_CHGFROM, "no lists where the MTA takes none");
    ok(n.header_changes_missing, "header changes wanted but not offered: said");
    is_str(n.macros[SMFIM_ENVFROM], "", "and no lists set");
    is_long((long) (n.steps & SMFIP_NOHDRS), 0, "rewrite_header_from reads headers");
    return (tap_done());
}
