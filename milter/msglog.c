/*
 * NAME
 *	msglog - the log lines about one message's sender
 * SYNOPSIS
 *	#include "msglog.h"
 *
 *	msglog_rewrite(LOG_LVL_INFO, qid, rule, old, new, "");
 * DESCRIPTION
 *	The one info line per rewritten message ("QID: rule R: sender <old>
 *	-> <new>"), and the warnings, errors and debug lines about a
 *	connection, a sender, a recipient or a From: left alone, with the
 *	queue id first.  Every text that came from
 *	the network goes through log_quote().  Kept out of callbacks.c so
 *	that the wording of what an admin reads is in one place.
 * DIAGNOSTICS
 *	None.
 */

#include "log.h"
#include "msglog.h"
#include "netaddr.h"
#include "plan.h"

/* msglog_sender - a sender (as given) and what is wrong with it */

void
msglog_sender(enum log_level level, const char *qid, const char *arg, const char *why,
	            const char *outcome)
{
    char    q[LOG_QUOTE_BUF];

    log_msg(level, "%s: sender %s: %s%s", qid, log_quote(q, sizeof(q), arg), why, outcome);
}

/* msglog_decision - debug: a sender and what the rules decided */

void
msglog_decision(const char *qid, const char *sender, const char *what, const char *rule)
{
    char    q[LOG_QUOTE_BUF];

    log_debug("%s: sender <%s>: %s%s", qid, log_quote(q, sizeof(q), sender), what, rule);
}

/* msglog_rcpt - debug: a recipient and Postfix's routing for it */

void
msglog_rcpt(const char *qid, const char *arg, const char *mailer, const char *host)
{
    char    qa[LOG_QUOTE_BUF];
    char    qm[LOG_QUOTE_BUF];
    char    qn[LOG_QUOTE_BUF];

    log_debug("%s: recipient %s, transport %s, nexthop %s", qid,
	      log_quote(qa, sizeof(qa), arg), log_quote(qm, sizeof(qm), mailer),
	      log_quote(qn, sizeof(qn), host));
}

/* msglog_rewrite - the one line per rewritten message */

void
msglog_rewrite(enum log_level level, const char *qid, const char *rule,
	             const char *old, const char *new, const char *note)
{
    char    qo[LOG_QUOTE_BUF];
    char    qn[LOG_QUOTE_BUF];

    log_msg(level, "%s: rule %s: sender <%s> -> <%s>%s", qid, rule,
	    log_quote(qo, sizeof(qo), old), log_quote(qn, sizeof(qn), new), note);
}

/*
 * msglog_unchanged - the sender is already what the rule makes of it: no
 * rewrite to report (info only when the From: header changed)
 */

void
msglog_unchanged(const char *qid, const char *rule, const char *sender, const char *note)
{
    char    q[LOG_QUOTE_BUF];

    if (*note)
	log_info("%s: rule %s: sender <%s> unchanged (already the rule's)%s", qid, rule,
		 log_quote(q, sizeof(q), sender), note);
    else
	log_debug("%s: sender <%s>: already what rule %s makes of it; nothing to change",
		  qid, log_quote(q, sizeof(q), sender), rule);
}

/* msglog_invalid - a rewrite whose result is no usable sender */

void
msglog_invalid(const char *qid, const char *rule, const char *old, const char *result,
	             const char *why)
{
    char    qo[LOG_QUOTE_BUF];
    char    qn[LOG_QUOTE_BUF];

    log_error("%s: rule %s: rewriting <%s> gave \"%s\", which is not a usable "
	      "sender (%s); message passes unchanged", qid, rule,
	      log_quote(qo, sizeof(qo), old), log_quote(qn, sizeof(qn), result ? result : ""),
	      why);
}

/* msglog_connect - debug: who connected, and on which listener */

void
msglog_connect(const char *hostname, const struct netaddr *client, int local,
	               const char *listener)
{
    char    qh[LOG_QUOTE_BUF];
    char    ql[LOG_QUOTE_BUF];
    char    ip[64] = "unknown";

    if (client != NULL)
	netaddr_format(client, ip, sizeof(ip));
    log_debug("connect from %s [%s]%s, listener %s", log_quote(qh, sizeof(qh), hostname),
	      ip, local ? " (local submission: port 0)" : "",
	      log_quote(ql, sizeof(ql), listener));
}

/* msglog_from - why a plan leaves From: alone, as a warning (nothing if it does not) */

void
msglog_from(const char *qid, const struct plan *p, unsigned count)
{
    switch (p->from) {
    case PLAN_FROM_NOT_NEGOTIATED:
	log_warning("%s: From: not rewritten: header changes were not "
		    "negotiated on this connection", qid);
	break;
    case PLAN_FROM_NONE:
    case PLAN_FROM_SEVERAL:
	log_warning("%s: From: not rewritten: the message has %u From: headers", qid, count);
	break;
    case PLAN_FROM_UNUSABLE:
	log_warning("%s: From: not rewritten: %s", qid, p->from_why);
	break;
    default:
	break;
    }
}
