/*
 * NAME
 *	pfrelay - the checks of -P for the relayhost and who may relay
 * SYNOPSIS
 *	#include "pfctx.h"
 *
 *	pfc_check_relay(c);
 *	if (c->have_relay) ...the SASL and TLS checks, which need it...
 * DESCRIPTION
 *	OCN blocks port 25 to other servers (OP25B), so mail must go to the
 *	relayhost, bracketed (no MX lookup), on a port OCN takes from its
 *	users: 587 (STARTTLS) or 465 (SMTPS).  pfc_check_relay() checks that
 *	and records the relayhost in c->relay, c->relay_text and c->loopback
 *	(the stunnel route) for the checks that follow; c->have_relay says
 *	it could be read.  It also warns about what sends mail through OCN
 *	as the account's owner without being meant to: mynetworks left to
 *	its default (Postfix 2.10 trusts the whole subnet), and about
 *	sender_dependent_relayhost_maps (not checked) and soft_bounce.
 *
 *	Part of pfcheck.c's run; the findings go through pfc_add().
 * DIAGNOSTICS
 *	None of its own.
 */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pfctx.h"

/* --- the relay ----------------------------------------------------------- */

/* relay_fix - "relayhost = [host]:PORT" for a suggestion */

static void
relay_fix(const struct pfc *c, char *buf, size_t len, const char *port)
{
    snprintf(buf, len, "change it to: relayhost = [%s]:%s",
	     c->relay.host[0] ? c->relay.host : "smtp.ocn.ne.jp", port);
}

/* pfc_check_relay - relayhost, mynetworks, soft_bounce */

void
pfc_check_relay(struct pfc *c)
{
    const char *v = pfc_Pv(c, "relayhost");
    const char *host;
    char    fix[FIX_MAX];
    size_t  n;
    char  **items;

    if (*v == 0 || pf_relay_parse(v, &c->relay) < 0) {
	pfc_add(c, PFC_ERROR, c->maincf, pfc_M(c, "relayhost"),
	    "add to main.cf: relayhost = [smtp.ocn.ne.jp]:587",
	    "relayhost is not set: mail goes straight to each recipient's server on "
	    "port 25, which OCN blocks (OP25B)");
	return;
    }
    c->have_relay = 1;
    host = c->relay.host;
    c->loopback = pf_host_is_loopback(host);
    if ((items = pf_split(v, &n)) != NULL) {
	snprintf(c->relay_text, sizeof(c->relay_text), "%s", n ? items[0] : v);
	if (n > 1)
	    pfc_add(c, PFC_WARNING, c->maincf, pfc_M(c, "relayhost"), NULL,
		"relayhost names %lu hosts: only the first, %s, is checked",
		(unsigned long) n, items[0]);
	pf_split_free(items, n);
    }
    if (!c->relay.bracketed && !pf_host_is_ip(host)) {
	snprintf(fix, sizeof(fix), "change it to: relayhost = [%s]%s%s (and the "
		 "sasl_passwd key with it)", host, *c->relay.port ? ":" : "", c->relay.port);
	pfc_add(c, PFC_WARNING, c->maincf, pfc_M(c, "relayhost"), fix,
	    "relayhost = %s without brackets: Postfix looks up MX records of %s "
	    "first; [%s] sends to that host itself", v, host, host);
    }
    if ((*c->relay.port == 0 || strcmp(c->relay.port, "25") == 0 || strcmp(c->relay.port, "smtp") == 0)
	&& strlen(host) >= 10 && strcasecmp(host + strlen(host) - 10, ".ocn.ne.jp") == 0) {
	relay_fix(c, fix, sizeof(fix), "587");
	pfc_add(c, PFC_ERROR, c->maincf, pfc_M(c, "relayhost"), fix,
	    "relayhost = %s: OCN takes mail from its users only on port 587 "
	    "(STARTTLS) or 465 (SMTPS), with SMTP AUTH", v);
    }
    if (*(v = pfc_Pv(c, "sender_dependent_relayhost_maps")) != 0)
	pfc_add(c, PFC_WARNING, c->maincf, pfc_M(c, "sender_dependent_relayhost_maps"), NULL,
	    "sender_dependent_relayhost_maps = %s: relay hosts chosen by sender "
	    "are not checked here, only relayhost", v);
    if (pf_param(c->in->set, "mynetworks") == NULL
	&& strcasecmp(pfc_Pv(c, "mynetworks_style"), "host") != 0)
	pfc_add(c, PFC_WARNING, c->maincf, 0,
	    "add to main.cf: mynetworks = 127.0.0.0/8, 192.168.1.0/24 (your LAN "
	    "in place of 192.168.1.0/24)",
	    "mynetworks is not set: Postfix %s trusts every host of this server's "
	    "%s (mynetworks_style = %s; postconf mynetworks lists them), and each "
	    "of them can send mail through OCN as your account", c->version_text,
	    strcasecmp(pfc_Pv(c, "mynetworks_style"), "class") == 0 ? "network classes" : "subnets",
	    pfc_Pv(c, "mynetworks_style"));
    if (pf_bool(pfc_P(c, "soft_bounce")))
	pfc_add(c, PFC_WARNING, c->maincf, pfc_M(c, "soft_bounce"), "remove it once the set-up works",
	    "soft_bounce = yes: mail OCN refuses stays in the queue instead of "
	    "bouncing; good while testing, not for good");
}
