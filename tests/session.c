/*
 * NAME
 *	session - play Postfix's SMTP sessions against a milter, for load tools
 * SYNOPSIS
 *	#include "session.h"
 *
 *	sess_open(&s, "unix:/tmp/x/sock", 5000, SESS_STAGES);
 *	sess_connect(&s, &client);
 *	sess_message(&s, &msg, SESS_EOM, &eom);	eom.mods[] holds chgfrom etc.
 *	mc_reply_free(&eom);
 *	sess_close(&s, 1);
 * DESCRIPTION
 *	The part of Postfix's smtpd and cleanup that talks to a milter, as
 *	tests/reliability/loadgen and tests/bench/milter-load both need it,
 *	over tests/miltc.c.  sess_open() connects and negotiates, offering
 *	everything Postfix 3.x offers.  sess_connect() sends the connect
 *	macros and command, then HELO with its macros unless the client
 *	sends none.  sess_message() plays one transaction: MAIL, each RCPT,
 *	DATA, the headers, end of headers, a body chunk and end of message,
 *	each with its macros, then the abort with which Postfix ends a
 *	transaction (RSET or the next MAIL); it can stop after MAIL or after
 *	the recipients, for a client that gives up there.
 *
 *	As Postfix does: a step the filter declined at negotiation is not
 *	sent, nor are its macros; after "accept" nothing more of the message
 *	(at MAIL) or of the connection (at connect) is sent.
 *
 *	Every reply is checked: a step not sent, a step the filter asked to
 *	get without a reply, "continue", or "accept" at a stage the caller
 *	named (accept_at) is right; anything else fails the session.  The
 *	end-of-message reply goes back to the caller, whose rules say which
 *	modifications are right.
 *
 *	One struct sess per connection; none shares state, so each thread
 *	can drive its own.
 * DIAGNOSTICS
 *	Functions return 0 on success, -1 with "stage: why" in s->mc.err.
 */

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "session.h"

/* failed - prefix the message miltc left (or why) with the stage; returns -1 */

static int
failed(struct sess *s, const char *stage, const char *why)
{
    char   *err = s->mc.err;
    size_t  sl = strlen(stage);
    size_t  wl = strlen(why ? why : err);

    /* In place, since miltc's message is already there; cut to fit. */
    if (sl + 2 + wl >= sizeof(s->mc.err))
	wl = sizeof(s->mc.err) - sl - 3;
    memmove(err + sl + 2, why ? why : err, wl);
    err[sl + 2 + wl] = 0;
    memcpy(err, stage, sl);
    memcpy(err + sl, ": ", 2);
    return (-1);
}

/* checked - the outcome of one step: rc from miltc, then the reply; 0 if right */

static int
checked(struct sess *s, const char *stage, unsigned bit, int rc, struct mc_reply *r)
{
    char    why[64];

    if (rc < 0)
	return (failed(s, stage, NULL));
    /* Code 0 without skipped: a step negotiated "no reply". */
    if (r->skipped || r->code == 'c' || r->code == 0
	|| (r->code == 'a' && (s->accept_at & bit)))
	return (0);
    snprintf(why, sizeof(why), "unexpected reply %s", mc_code_name(r->code));
    return (failed(s, stage, why));
}

/* step - check one step's reply and release it; 0 if right */

static int
step(struct sess *s, const char *stage, unsigned bit, int rc, struct mc_reply *r)
{
    int     bad = checked(s, stage, bit, rc, r);

    mc_reply_free(r);
    return (bad);
}

/* sent - will miltc send this command (not declined, nothing accepted)? */

static int
sent(const struct sess *s, unsigned long no_step, char cmd)
{
    if (s->mc.protocol & no_step)
	return (0);
    /* A message accepted ends with it; a new one starts at MAIL. */
    return (s->mc.accepted == 0 || (s->mc.accepted == 1 && cmd == 'M'));
}

/* macros - the macro packet that goes before cmd, when cmd is sent; 0 or -1 */

static int
macros(struct sess *s, unsigned long no_step, char cmd, const char *const *namevals)
{
    if (namevals == NULL || !sent(s, no_step, cmd))
	return (0);
    return (miltc_macro(&s->mc, cmd, namevals));
}

/* sess_open - connect to spec and negotiate as Postfix 3.x; 0, or -1 closed */

int
sess_open(struct sess *s, const char *spec, int timeout_ms, unsigned accept_at)
{
    int     on = 1;

    s->open = 0;
    s->accept_at = accept_at;
    if (miltc_open(&s->mc, spec, timeout_ms) < 0)
	return (failed(s, "open", NULL));
    s->open = 1;

    /*
     * Postfix writes a macro packet and its command in one write (one
     * VSTREAM flush); miltc writes them one by one.  Under Nagle the
     * second write would wait for the filter's delayed ACK: a stall of
     * this client, not of the filter, so switch Nagle off on our side.
     * (Fails harmlessly on unix sockets.)
     */
    (void) setsockopt(s->mc.fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    if (miltc_negotiate(&s->mc, MC_ACT_ALL, MC_P_ALL) < 0) {
	(void) failed(s, "negotiate", NULL);
	sess_close(s, 0);
	return (-1);
    }
    return (0);
}

/* sess_connect - the client's connect and, if it sends one, HELO; 0 if right */

int
sess_connect(struct sess *s, const struct sess_client *c)
{
    struct mc_reply r;
    char    family = strchr(c->addr, ':') ? '6' : '4';

    if (macros(s, MC_P_NOCONNECT, 'C', c->connect_macros) < 0)
	return (failed(s, "connect", NULL));
    if (step(s, "connect", SESS_CONNECT,
	     miltc_connect(&s->mc, c->name, family, c->port, c->addr, &r), &r) < 0)
	return (-1);
    if (c->helo == NULL)
	return (0);
    if (macros(s, MC_P_NOHELO, 'H', c->helo_macros) < 0)
	return (failed(s, "helo", NULL));
    return (step(s, "helo", SESS_HELO, miltc_helo(&s->mc, c->helo, &r), &r));
}

/* sess_message - one transaction up to SESS_MAIL, SESS_RCPT or SESS_EOM; 0 if right */

int
sess_message(struct sess *s, const struct sess_msg *m, unsigned upto, struct mc_reply *eom)
{
    struct miltc *mc = &s->mc;
    struct mc_reply r;
    size_t  i;

    /* *eom: the caller's to free on success, empty on failure; unused before EOM. */
    if (eom != NULL)
	memset(eom, 0, sizeof(*eom));
    if (macros(s, MC_P_NOMAIL, 'M', m->mail_macros) < 0)
	return (failed(s, "mail", NULL));
    if (step(s, "mail", SESS_MAIL, miltc_mail(mc, m->mail_args, &r), &r) < 0)
	return (-1);
    if (upto == SESS_MAIL)
	return (0);
    for (i = 0; i < m->nrcpt; i++) {
	if (macros(s, MC_P_NORCPT, 'R', m->rcpts[i].macros) < 0)
	    return (failed(s, "rcpt", NULL));
	if (step(s, "rcpt", SESS_RCPT, miltc_rcpt(mc, m->rcpts[i].args, &r), &r) < 0)
	    return (-1);
    }
    if (upto == SESS_RCPT)
	return (0);
    if (macros(s, MC_P_NODATA, 'T', m->data_macros) < 0)
	return (failed(s, "data", NULL));
    if (step(s, "data", SESS_DATA, miltc_data(mc, &r), &r) < 0)
	return (-1);
    for (i = 0; m->headers != NULL && m->headers[i] && m->headers[i + 1]; i += 2)
	if (step(s, "header", SESS_HEADER,
		 miltc_header(mc, m->headers[i], m->headers[i + 1], &r), &r) < 0)
	    return (-1);
    if (step(s, "eoh", SESS_EOH, miltc_eoh(mc, &r), &r) < 0)
	return (-1);
    if (m->body != NULL
	&& step(s, "body", SESS_BODY, miltc_body(mc, m->body, m->body_len, &r), &r) < 0)
	return (-1);
    if (macros(s, 0, 'E', m->eom_macros) < 0)
	return (failed(s, "eom", NULL));
    if (checked(s, "eom", SESS_EOM, miltc_eom(mc, eom), eom) < 0) {
	mc_reply_free(eom);
	return (-1);
    }
    if (sess_abort(s) < 0) {
	mc_reply_free(eom);
	return (-1);
    }
    return (0);
}

/* sess_abort - end the transaction, as Postfix does at RSET or the next MAIL */

int
sess_abort(struct sess *s)
{
    /* Nothing more goes to a filter that accepted the connection. */
    if (s->mc.accepted == 2)
	return (0);
    if (miltc_abort(&s->mc) < 0)
	return (failed(s, "abort", NULL));
    return (0);
}

/* sess_close - drop the connection, after QUIT if quit is set */

void
sess_close(struct sess *s, int quit)
{
    if (s->open && quit)
	(void) miltc_quit(&s->mc);
    if (s->open)
	miltc_close(&s->mc);
    s->open = 0;
}
