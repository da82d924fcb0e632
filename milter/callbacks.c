/*
 * NAME
 *	callbacks - the libmilter callbacks of envfrom-milter
 * SYNOPSIS
 *	#include "callbacks.h"
 *
 *	callbacks_register();
 * DESCRIPTION
 *	This module is the only one that knows libmilter's callbacks.  It
 *	collects what the MTA tells about a connection and a message, hands
 *	it to the evaluator (eval.c) as it arrives, and at end of message
 *	has apply.c carry out the decision's plan (plan.c), the same plan
 *	envfrom-milter -t prints.
 *
 *	State: per connection and per message, in a struct conn reached with
 *	smfi_getpriv(); nothing is shared between connections except the
 *	immutable rule set, held through a reference-counted snapshot
 *	(current.c).  Rules are bound per connection, as OpenDKIM binds its
 *	configuration: a connection takes the rules in force when the MTA
 *	negotiates, what it negotiates follows from them (negotiate.c), and
 *	every message on it is decided by them until it closes.  A reload
 *	therefore applies from the next SMTP session (smtpd) or the next
 *	sendmail(1) message (cleanup).  Each message also holds its own
 *	reference, from MAIL FROM to end of message or abort.  An MTA that
 *	cannot change the sender is refused at negotiation, so its
 *	milter_default_action applies instead of mail leaving unrewritten.
 *
 *	Replies: every step before end of message is negotiated "no reply"
 *	(negotiate.c), so the MTA hears from us once per message, at its
 *	end, and those callbacks return SMFIS_NOREPLY (reply()).  libmilter
 *	itself answers "continue" to an MTA that does not know "no reply".
 *	Over TCP every callback first ACKs what the MTA sent (ack.c).
 *
 *	Outcomes:
 *	- A message that no rule can affect is known at MAIL FROM; the
 *	  remaining steps do nothing for it, and end of message answers
 *	  "continue".
 *	- An unparseable sender: warning, message passes unchanged.
 *	- A rewrite result that is no usable address: error logged with the
 *	  queue id, message passes unchanged (never half-rewritten).
 *	- Out of memory, or smfi_chgfrom()/header changes failing: the
 *	  message is tempfailed as a whole, never passed on unrewritten
 *	  (see Failures).
 *	- A rewrite that would not change the sender (postsuper -r re-runs
 *	  non_smtpd_milters on already rewritten mail) sends nothing and
 *	  logs no rewrite (debug: "already what rule R makes of it"); it
 *	  counts as a message the rule decided, like a keep rule's.
 *
 *	Failures: once a message cannot be decided, it is tempfailed as a
 *	whole, at a stage where a tempfail covers the whole message:
 *	- negotiation: the connection is refused (the MTA applies its
 *	  milter_default_action, tempfail by default);
 *	- connect, HELO: the connection is marked (struct conn, failed), and
 *	  every message offered on it is tempfailed;
 *	- MAIL FROM, RCPT and headers: the message is marked (struct msg,
 *	  failed) and end of message, which the MTA always sends for a
 *	  message nobody refused, returns SMFIS_TEMPFAIL (these steps are
 *	  not answered; and a tempfail at RCPT would refuse only that
 *	  recipient, leaving those before it the message unrewritten);
 *	- end of message: SMFIS_TEMPFAIL.
 * DIAGNOSTICS
 *	One info line per rewrite: queue id, rule, old and new sender; none
 *	when the sender stays (only the From: header may have changed).
 *	Untrusted text in log lines is escaped with log_quote().
 */

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <libmilter/mfapi.h>

#include "ack.h"
#include "addr.h"
#include "apply.h"
#include "callbacks.h"
#include "current.h"
#include "eval.h"
#include "log.h"
#include "msglog.h"
#include "negotiate.h"
#include "plan.h"

#define QID_LEN		64

/* Set once before smfi_main(). */
static unsigned tcp_port;		/* the listening TCP port; 0: a unix socket */
static long tcp_timeout;		/* smfi_settimeout()'s, for ack_socket() */
static int ack_warned;			/* ack_socket() failed once: said so */

/* The steps negotiated "no reply", by callback (reply()). */
enum step {
    STEP_CONNECT, STEP_HELO, STEP_MAIL, STEP_RCPT, STEP_HEADER, STEP_COUNT
};
static const unsigned long step_nr[STEP_COUNT] = {
    SMFIP_NR_CONN, SMFIP_NR_HELO, SMFIP_NR_MAIL, SMFIP_NR_RCPT, SMFIP_NR_HDR,
};

struct msg {
    struct snapshot *snap;
    struct eval *eval;			/* NULL: nothing to do for this message */
    struct eval_env env;
    char    qid[QID_LEN];		/* env.logid points here */
    char   *sender;			/* internal form */
    char   *auth;
    struct plan_from from;		/* the From: headers, parsed once */
    const char *failed;			/* undecidable, why: end of message tempfails it */
};

struct conn {
    unsigned long actions;		/* negotiated SMFIF_* */
    unsigned long noreply;		/* negotiated SMFIP_NR_* */
    int     ack_fd;			/* TCP socket to ACK at once, or -1 (ack.c) */
    struct snapshot *snap;		/* this connection's rules (NULL: none) */
    int     want_headers;		/* header step negotiated */
    int     has_client;
    struct netaddr client;
    int     local;			/* Postfix non_smtpd_milters submission */
    char   *listener;			/* {daemon_name} */
    char   *helo;			/* the last HELO/EHLO name */
    int     failed;			/* connect failed: tempfail every message */
    struct msg msg;
};

/* msg_reset - forget the current message */

static void
msg_reset(struct msg *m)
{
    eval_free(m->eval);
    current_release(m->snap);
    free(m->sender);
    free(m->auth);
    plan_from_clear(&m->from);
    memset(m, 0, sizeof(*m));
}

/* msg_undecidable - forget the message but its queue id; end of message tempfails it */

static void
msg_undecidable(struct msg *m, const char *why)
{
    char    qid[QID_LEN];

    memcpy(qid, m->qid, sizeof(qid));
    msg_reset(m);
    memcpy(m->qid, qid, sizeof(qid));
    m->failed = why;
}

/* msg_fail - out of memory at stage: end of message will tempfail the message */

static void
msg_fail(struct msg *m, const char *stage)
{
    log_error("%s: out of memory at %s; the message will be tempfailed at its end",
	      m->qid, stage);
    msg_undecidable(m, "it could not be decided (out of memory before its end)");
}

/* conn_ack - this connection's state, after ACKing what the MTA sent; may be NULL */

static struct conn *
conn_ack(SMFICTX *ctx)
{
    struct conn *c = smfi_getpriv(ctx);

    if (c != NULL && c->ack_fd >= 0)
	ack_now(c->ack_fd);
    return (c);
}

/* conn_get - this connection's state, created on first use; NULL if out of memory */

static struct conn *
conn_get(SMFICTX *ctx)
{
    struct conn *c;

    if ((c = conn_ack(ctx)) != NULL)
	return (c);
    if ((c = calloc(1, sizeof(*c))) == NULL) {
	log_error("out of memory for a new connection");
	return (NULL);
    }
    c->actions = SMFIF_CHGFROM;
    c->ack_fd = -1;
    smfi_setpriv(ctx, c);
    return (c);
}

/*
 * reply - what a step before end of message returns: nothing when it was
 * negotiated "no reply", else "continue".  The steps' failures are kept
 * for end of message (DESCRIPTION), so there is no other answer.
 */

static sfsistat
reply(const struct conn *c, enum step step)
{
    return (c != NULL && (c->noreply & step_nr[step]) ? SMFIS_NOREPLY : SMFIS_CONTINUE);
}

/* update_qid - take the queue id once the MTA knows it */

static void
update_qid(SMFICTX *ctx, struct msg *m)
{
    const char *qid = smfi_getsymval(ctx, "i");

    /* Quote only what changed: this runs at MAIL, each RCPT and end of message. */
    if (qid != NULL && *qid != 0) {
	if (strcmp(qid, m->qid) != 0)
	    log_quote(m->qid, sizeof(m->qid), qid);
    } else if (m->qid[0] == 0) {
	strcpy(m->qid, "NOQUEUE");
    }
}

/*
 * The log helpers (msglog.c) quote untrusted text.  They hold the quoting
 * buffers, kept out of the callbacks' own stack frames (another file):
 * libmilter keeps starting new threads, and every stack page a callback
 * reaches is a page fault in each of them.
 */

/* macro - the value of the macro condition c comes in, or NULL */

static const char *
macro(SMFICTX *ctx, enum cond_id c)
{
    /* libmilter's prototype lacks the const; it does not write the name. */
    return (smfi_getsymval(ctx, (char *) cond_defs[c].macro));
}

/* efm_negotiate - request only the steps and actions the rules need */

static sfsistat
efm_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
	              unsigned long f2, unsigned long f3, unsigned long *pf0,
	              unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
    struct conn *c;
    struct snapshot *snap;
    const struct ruleset *rs = NULL;
    struct negotiation n;
    int     transport = NEGOTIATE_UNIX;
    int     class;

    (void) f2;
    (void) f3;
    /*
     * Refuse before allocating, so a refused connection holds nothing.
     * libmilter still calls efm_close() after a refusal (its engine calls
     * xxfi_close for every connection that did not QUIT), which is why
     * efm_close() takes a NULL private pointer.
     */
    if ((f0 & SMFIF_CHGFROM) == 0) {
	log_error("the MTA cannot change the envelope sender (needs Postfix 2.6 or "
		  "later with milter_protocol = 6); refusing the connection");
	return (SMFIS_REJECT);
    }
    if ((c = conn_get(ctx)) == NULL)
	return (SMFIS_REJECT);
    /* The connection's rules, until close (DESCRIPTION). */
    if ((snap = current_acquire()) != NULL)
	rs = snapshot_config(snap)->rules;
    current_release(c->snap);
    c->snap = snap;
    if (tcp_port) {
	c->ack_fd = ack_socket(ctx, tcp_port, tcp_timeout);
	transport = c->ack_fd >= 0 ? NEGOTIATE_TCP_ACK : NEGOTIATE_TCP;
	if (c->ack_fd < 0 && __sync_bool_compare_and_swap(&ack_warned, 0, 1))
	    log_warning("cannot ACK the MTA's TCP writes at once with this libmilter; "
			"HELO and DATA will be answered to keep Nagle from delaying mail "
			"(a unix socket needs neither)");
    }
    negotiate_plan(&n, rs ? rs->needs : 0, rs ? rs->conds : 0, transport,
		   log_enabled(LOG_LVL_DEBUG), f0, f1);
    if (n.header_changes_missing)
	log_warning("the MTA does not offer header changes; rewrite_header_from "
		    "and original_header will be skipped on this connection");
    for (class = 0; class < NEGOTIATE_CLASSES; class++)
	if (n.macros[class][0] && smfi_setsymlist(ctx, class, n.macros[class]) != MI_SUCCESS) {
	    log_error("could not ask the MTA for macros; refusing the connection");
	    return (SMFIS_REJECT);
	}
    c->actions = n.actions;
    c->noreply = n.noreply;
    c->want_headers = n.want_headers;
    *pf0 = n.actions;
    *pf1 = n.steps;
    *pf2 = 0;
    *pf3 = 0;
    return (SMFIS_CONTINUE);
}

/* efm_connect - remember who the client is */

static sfsistat
efm_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
    struct conn *c;
    const char *listener;

    (void) hostname;
    if ((c = conn_get(ctx)) == NULL)
	return (SMFIS_TEMPFAIL);
    c->has_client = netaddr_from_sockaddr(hostaddr, &c->client) == 0;
    /* Postfix's cleanup simulates the client of sendmail(1) mail with port 0. */
    c->local = 0;
    if (hostaddr != NULL && hostaddr->sa_family == AF_INET)
	c->local = ((struct sockaddr_in *) hostaddr)->sin_port == 0;
    else if (hostaddr != NULL && hostaddr->sa_family == AF_INET6)
	c->local = ((struct sockaddr_in6 *) hostaddr)->sin6_port == 0;
    free(c->listener);
    c->listener = NULL;
    if ((listener = macro(ctx, COND_LISTENER)) != NULL
	&& (c->listener = strdup(listener)) == NULL) {
	log_error("out of memory at connect; every message on this connection "
		  "will be tempfailed");
	c->failed = 1;
	return (reply(c, STEP_CONNECT));
    }
    if (log_enabled(LOG_LVL_DEBUG))
	msglog_connect(hostname, c->has_client ? &c->client : NULL, c->local, c->listener);
    return (reply(c, STEP_CONNECT));
}

/* efm_helo - remember the HELO/EHLO name; a later one replaces it */

static sfsistat
efm_helo(SMFICTX *ctx, char *name)
{
    struct conn *c;
    char   *copy;

    if ((c = conn_get(ctx)) == NULL)
	return (SMFIS_TEMPFAIL);
    /* Without ack.c, TCP asks for the step when no rule tests it (Nagle). */
    if (c->snap == NULL || !(snapshot_config(c->snap)->rules->needs & RS_NEED_HELO))
	return (reply(c, STEP_HELO));
    if ((copy = strdup(name ? name : "")) == NULL) {
	/* As at connect: every message on this connection is tempfailed. */
	log_error("out of memory at HELO; every message on this connection "
		  "will be tempfailed");
	c->failed = 1;
	return (reply(c, STEP_HELO));
    }
    free(c->helo);
    c->helo = copy;
    return (reply(c, STEP_HELO));
}

/* efm_envfrom - parse the sender and decide what can be decided now */

static sfsistat
efm_envfrom(SMFICTX *ctx, char **argv)
{
    struct conn *c;
    struct msg *m;
    const char *auth;
    const char *why = NULL;
    const struct rule *r;
    int     settled;

    if ((c = conn_get(ctx)) == NULL)
	return (SMFIS_TEMPFAIL);
    m = &c->msg;
    msg_reset(m);
    update_qid(ctx, m);
    if (c->failed) {
	msg_undecidable(m, "this connection failed at connect or HELO (out of memory)");
	return (reply(c, STEP_MAIL));
    }
    switch (addr_parse(argv[0] ? argv[0] : "", &m->sender, &why)) {
    case ADDR_NOMEM:
	goto nomem;
    case ADDR_INVALID:
	msglog_sender(LOG_LVL_WARNING, m->qid, argv[0], why,
		    "; no rule applies, message passes unchanged");
	msg_reset(m);
	return (reply(c, STEP_MAIL));
    default:
	break;
    }
    if ((auth = macro(ctx, COND_AUTH)) != NULL && *auth
	&& (m->auth = strdup(auth)) == NULL)
	goto nomem;
    if ((m->snap = current_hold(c->snap)) == NULL) {
	log_error("%s: no configuration loaded; the message will be tempfailed at its end",
		  m->qid);
	msg_undecidable(m, "no configuration was loaded");
	return (reply(c, STEP_MAIL));
    }
    m->env.logid = m->qid;
    m->env.sender = m->sender;
    m->env.has_client = c->has_client;
    m->env.client = c->client;
    m->env.auth = m->auth;
    m->env.listener = c->listener;
    m->env.local = c->local;
    m->env.helo = c->helo;
    if ((m->eval = eval_start(snapshot_config(m->snap)->rules, &m->env)) == NULL)
	goto nomem;
    r = eval_settled(m->eval, &settled);
    if (settled && (r == NULL || r->keep)) {
	/* Nothing will change: the later steps and end of message do nothing. */
	if (r != NULL)
	    snapshot_count_hit(m->snap, r);
	if (log_enabled(LOG_LVL_DEBUG))
	    msglog_decision(m->qid, m->sender, r ? "kept by rule " : "no rule can match",
			  r ? r->name : "");
	msg_reset(m);
    }
    return (reply(c, STEP_MAIL));

nomem:
    msg_fail(m, "MAIL FROM");
    return (reply(c, STEP_MAIL));
}

/* efm_envrcpt - one more recipient for the rules that test recipients */

static sfsistat
efm_envrcpt(SMFICTX *ctx, char **argv)
{
    struct conn *c = conn_ack(ctx);
    struct eval_rcpt rc;
    char   *rcpt = NULL;
    const char *why;

    if (c == NULL || c->msg.eval == NULL)
	return (reply(c, STEP_RCPT));
    update_qid(ctx, &c->msg);
    if (addr_parse(argv[0] ? argv[0] : "", &rcpt, &why) == ADDR_NOMEM) {
	/* Not SMFIS_TEMPFAIL: that refuses this recipient only (DESCRIPTION). */
	msg_fail(&c->msg, "RCPT");
	return (reply(c, STEP_RCPT));
    }
    /* An unparseable recipient matches no recipient condition. */
    rc.addr = rcpt;
    rc.mailer = rc.host = NULL;
    if (snapshot_config(c->msg.snap)->rules->needs & RS_NEED_NEXTHOP
	|| log_enabled(LOG_LVL_DEBUG)) {
	rc.mailer = macro(ctx, COND_TRANSPORT);
	rc.host = macro(ctx, COND_NEXTHOP);
    }
    if (log_enabled(LOG_LVL_DEBUG))
	msglog_rcpt(c->msg.qid, argv[0], rc.mailer, rc.host);
    (void) eval_rcpt(c->msg.eval, &rc);
    free(rcpt);
    return (reply(c, STEP_RCPT));
}

/* efm_header - the first From: header, for header_from and rewrite_header_from */

static sfsistat
efm_header(SMFICTX *ctx, char *name, char *value)
{
    struct conn *c = conn_ack(ctx);
    struct msg *m;

    if (c == NULL || c->msg.eval == NULL || strcasecmp(name, "From") != 0)
	return (reply(c, STEP_HEADER));
    m = &c->msg;
    if (m->from.count > 0) {
	m->from.count++;			/* only the first is read */
	return (reply(c, STEP_HEADER));
    }
    if (plan_from_add(&m->from, value) < 0) {
	msg_fail(m, "the From: header");
	return (reply(c, STEP_HEADER));
    }
    eval_header_from(m->eval, plan_from_address(&m->from));
    return (reply(c, STEP_HEADER));
}

/* efm_eom - decide and act */

static sfsistat
efm_eom(SMFICTX *ctx)
{
    struct conn *c = smfi_getpriv(ctx);
    struct msg *m;
    struct decision d;
    struct apply_msg a;
    sfsistat result = SMFIS_CONTINUE;

    if (c != NULL && c->msg.failed) {
	update_qid(ctx, &c->msg);
	log_error("%s: message tempfailed: %s", c->msg.qid, c->msg.failed);
	msg_reset(&c->msg);
	return (SMFIS_TEMPFAIL);
    }
    if (c == NULL || c->msg.eval == NULL)
	return (SMFIS_CONTINUE);
    m = &c->msg;
    update_qid(ctx, m);
    if (eval_finish(m->eval, &d) < 0) {
	log_error("%s: out of memory; message tempfailed", m->qid);
	msg_reset(m);
	return (SMFIS_TEMPFAIL);
    }
    switch (d.kind) {
    case DECISION_NONE:
	if (log_enabled(LOG_LVL_DEBUG))
	    msglog_decision(m->qid, m->sender, "no rule matched", "");
	break;
    case DECISION_KEEP:
	snapshot_count_hit(m->snap, d.rule);
	if (log_enabled(LOG_LVL_DEBUG))
	    msglog_decision(m->qid, m->sender, "kept by rule ", d.rule->name);
	break;
    case DECISION_INVALID:
	msglog_invalid(m->qid, d.rule->name, m->sender, d.sender, d.why);
	break;
    case DECISION_REWRITE:
	a.qid = m->qid;
	a.sender = m->sender;
	a.from = &m->from;
	a.snap = m->snap;
	a.can_add_header = (c->actions & SMFIF_ADDHDRS) != 0;
	a.can_change_header = (c->actions & SMFIF_CHGHDRS) && c->want_headers;
	if (apply_rewrite(ctx, &a, &d) < 0)
	    result = SMFIS_TEMPFAIL;
	break;
    }
    decision_clear(&d);
    msg_reset(m);
    return (result);
}

/* efm_abort - the message ended without end of message */

static sfsistat
efm_abort(SMFICTX *ctx)
{
    struct conn *c = conn_ack(ctx);

    if (c != NULL)
	msg_reset(&c->msg);
    return (SMFIS_CONTINUE);
}

/* efm_close - the connection ended: free everything (priv may be NULL) */

static sfsistat
efm_close(SMFICTX *ctx)
{
    struct conn *c = smfi_getpriv(ctx);

    if (c != NULL) {
	msg_reset(&c->msg);
	current_release(c->snap);
	free(c->listener);
	free(c->helo);
	free(c);
	smfi_setpriv(ctx, NULL);
    }
    return (SMFIS_CONTINUE);
}

static struct smfiDesc desc = {
    "envfrom-milter",			/* filter name */
    SMFI_VERSION,			/* version code */
    SMFIF_CHGFROM | SMFIF_CHGHDRS | SMFIF_ADDHDRS | SMFIF_SETSYMLIST,	/* the most we ask */
    efm_connect,			/* connection info filter */
    efm_helo,				/* SMTP HELO command filter */
    efm_envfrom,			/* envelope sender filter */
    efm_envrcpt,			/* envelope recipient filter */
    efm_header,				/* header filter */
    NULL,				/* end of header */
    NULL,				/* body block filter */
    efm_eom,				/* end of message */
    efm_abort,				/* message aborted */
    efm_close,				/* connection cleanup */
    NULL,				/* unknown SMTP commands */
    NULL,				/* DATA command */
    efm_negotiate			/* option negotiation */
};

/* callbacks_set_tcp - the TCP port the MTA connects to, 0 for unix; the timeout */

void
callbacks_set_tcp(unsigned port, long timeout)
{
    tcp_port = port;
    tcp_timeout = timeout;
}

/* callbacks_register - hand the callbacks to libmilter; MI_SUCCESS or MI_FAILURE */

int
callbacks_register(void)
{
    return (smfi_register(desc));
}
