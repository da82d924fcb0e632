/*
 * NAME
 *	pfmilter - the checks of -P for the milter and what rewrites after it
 * SYNOPSIS
 *	#include "pfctx.h"
 *
 *	pfc_check_milters(c);		Postfix passes mail through the milter
 *	pfc_check_canonical(c);		and leaves its sender alone afterwards
 * DESCRIPTION
 *	Mail that never passes envfrom-milter leaves with its own sender,
 *	and OCN refuses it (553).  pfc_check_milters(): smtpd_milters and
 *	non_smtpd_milters name the socket of envfrom-milter's config
 *	(libmilter writes it inet:PORT@HOST, Postfix inet:HOST:PORT, and a
 *	unix: path depends on the chroot), no smtpd listener of master.cf
 *	drops it with its own -o smtpd_milters, milter_default_action is
 *	tempfail (also per milter, Postfix 3.0's "{ socket,
 *	default_action = ... }"), no before-queue proxy filter takes the
 *	envelope out of the milter's hands, and something answers on the
 *	socket.
 *
 *	pfc_check_canonical(): cleanup applies canonical maps to the sender
 *	a milter sets, so sender_canonical_maps (the recipe envfrom-milter
 *	replaces) must go, and canonical_maps on envelope senders and
 *	smtp_generic_maps deserve a look.
 *
 *	Part of pfcheck.c's run; the findings go through pfc_add().
 * DIAGNOSTICS
 *	None of its own.
 */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pfctx.h"

/* --- the milter ---------------------------------------------------------- */

/* service_chrooted - is this master.cf entry chrooted? ("-": y before 3.0) */

static int
service_chrooted(const struct pfc *c, const struct pf_service *s)
{
    if (s == NULL || strcmp(s->chroot, "-") == 0)
	return (c->version >= 0 && c->version < 3000);
    return (strcmp(s->chroot, "y") == 0);
}

/* milter_list_finds - does a milter list name the socket?  1 yes, 0 no;
 * *accept: that entry has its own default_action = accept (Postfix 3.0) */

static int
milter_list_finds(const struct pfc *c, const char *list, int chrooted, int *accept,
		          int *libmilter_form)
{
    struct pf_sock s;
    char  **v;
    size_t  n;
    size_t  i;
    int     found = 0;

    *accept = 0;
    *libmilter_form = 0;
    if ((v = pf_split(list, &n)) == NULL)
	return (0);
    for (i = 0; i < n; i++) {
	if (pf_sock_postfix(v[i], &s) == 0
	    && pf_sock_same(&c->milter, &s, c->queue_dir, chrooted)) {
	    found = 1;
	    if (v[i][0] == '{' && strstr(v[i], "default_action") != NULL) {
		const char *a = strstr(v[i], "default_action") + strlen("default_action");

		a += strspn(a, " \t=");
		if (strncasecmp(a, "accept", 6) == 0)
		    *accept = 1;
	    }
	} else if (pf_sock_is_libmilter_syntax(v[i])) {
	    const char *e = v[i][0] == '{' ? v[i] + 1 + strspn(v[i] + 1, " \t") : v[i];
	    char    spec[300];
	    struct pf_sock lm;

	    /* inet:8894@127.0.0.1 in main.cf: the milter's socket, misspelt. */
	    snprintf(spec, sizeof(spec), "%.*s", (int) strcspn(e, ", \t}"), e);
	    if (pf_sock_libmilter(spec, &lm) == 0 && c->milter.kind != PF_SOCK_UNIX
		&& strcmp(lm.port, c->milter.port) == 0)
		*libmilter_form = 1;
	}
    }
    pf_split_free(v, n);
    return (found);
}

/* check_milter_list - smtpd_milters or non_smtpd_milters */

static void
check_milter_list(struct pfc *c, const char *name, int chrooted, const char *what)
{
    const char *list = pfc_Pv(c, name);
    int     lmform;
    char    fix[FIX_MAX];
    char    newlist[FIX_MAX];
    int     accept;

    if (*list == 0) {
	pfc_fix_set(c, fix, sizeof(fix), c->maincf, name, c->milter_pf);
	pfc_add(c, PFC_ERROR, c->maincf, pfc_M(c, name), fix,
	    "%s is empty: %s never passes envfrom-milter, leaves with its own "
	    "sender, and OCN refuses it (553)", name, what);
	return;
    }
    if (milter_list_finds(c, list, chrooted, &accept, &lmform)) {
	if (accept) {
	    pfc_add(c, PFC_ERROR, c->maincf, pfc_M(c, name), NULL,
		"%s gives envfrom-milter's socket default_action = accept: while "
		"the milter is down, %s leaves unrewritten and OCN refuses it (553); "
		"remove that default_action (milter_default_action = tempfail applies)",
		name, what);
	}
	return;
    }
    if (lmform) {
	snprintf(fix, sizeof(fix), "change it to: %s = %s", name, c->milter_pf);
	pfc_add(c, PFC_ERROR, c->maincf, pfc_M(c, name), fix,
	    "%s = %s is written the libmilter way (inet:PORT@HOST); Postfix writes "
	    "the same socket %s and cannot reach the milter as it stands", name, list,
	    c->milter_pf);
	return;
    }
    snprintf(newlist, sizeof(newlist), "%s, %s", list, c->milter_pf);
    pfc_fix_set(c, fix, sizeof(fix), c->maincf, name, newlist);
    pfc_add(c, PFC_ERROR, c->maincf, pfc_M(c, name), fix,
	"%s = %s does not name envfrom-milter's socket (socket = \"%s\" in %s, "
	"which Postfix writes %s): %s leaves unrewritten", name, list,
	c->milter_spec, c->in->conf_path, c->milter_pf, what);
}

/* pfc_check_milters - the milter is attached, and mail waits while it is down */

void
pfc_check_milters(struct pfc *c)
{
    const struct pf_service *smtpd = pfc_find_service(c, NULL, "inet", "smtpd");
    const struct pf_service *cleanup = pfc_find_service(c, "cleanup", "unix", NULL);
    const char *action = pfc_Pv(c, "milter_default_action");
    const char *v;
    char    fix[FIX_MAX];
    size_t  i;
    int     accept;
    int     r;

    check_milter_list(c, "smtpd_milters", service_chrooted(c, smtpd),
		      "mail received over SMTP (LAN PCs)");
    check_milter_list(c, "non_smtpd_milters", service_chrooted(c, cleanup),
		      "mail submitted with sendmail(1) (cron, scripts)");

    /* A listener of its own that drops the milter. */
    for (i = 0; c->in->master && i < c->in->master->n; i++) {
	const struct pf_service *s = &c->in->master->v[i];
	int     lmform;

	if (strcmp(s->command, "smtpd") != 0 || strcmp(s->type, "inet") != 0
	    || (v = pf_service_opt(s, "smtpd_milters")) == NULL)
	    continue;
	if (milter_list_finds(c, v, service_chrooted(c, s), &accept, &lmform))
	    continue;
	pfc_add(c, PFC_WARNING, c->mastercf, pfc_service_line(c, s, "smtpd_milters"),
	    NULL, "the %s listener overrides smtpd_milters (-o smtpd_milters=%s): "
	    "mail received there skips envfrom-milter; if it can leave through OCN, "
	    "add %s to that list", s->name, v, c->milter_pf);
    }

    if (strcasecmp(action, "tempfail") != 0) {
	pfc_fix_set(c, fix, sizeof(fix), c->maincf, "milter_default_action", "tempfail");
	if (strcasecmp(action, "accept") == 0)
	    pfc_add(c, PFC_ERROR, c->maincf, pfc_M(c, "milter_default_action"), fix,
		"milter_default_action = accept: while envfrom-milter is down or "
		"fails, mail leaves with its own sender and OCN refuses it (553)");
	else
	    pfc_add(c, PFC_WARNING, c->maincf, pfc_M(c, "milter_default_action"), fix,
		"milter_default_action = %s: while envfrom-milter is down or fails, "
		"mail is refused (reject) or held (quarantine) instead of waiting "
		"to be retried", action);
    }
    if (*(v = pfc_Pv(c, "smtpd_proxy_filter")) != 0)
	pfc_add(c, PFC_WARNING, c->maincf, pfc_M(c, "smtpd_proxy_filter"), NULL,
	    "smtpd_proxy_filter = %s: with a before-queue proxy filter, milters in "
	    "smtpd cannot change the envelope sender", v);
    if (c->in->ops.listening && (r = c->in->ops.listening(c->in->ops.ctx, &c->milter)) == 0)
	pfc_add(c, PFC_WARNING, c->in->conf_path, 0,
	    "start it: systemctl enable --now envfrom-milter",
	    "nothing answers on envfrom-milter's socket %s: the milter is not "
	    "running, and until it is, mail waits (milter_default_action = tempfail)",
	    c->milter_spec);
}

/* --- rewriting after the milter ------------------------------------------ */

/* pfc_check_canonical - Postfix rewrites the sender again after the milter */

void
pfc_check_canonical(struct pfc *c)
{
    const char *v;
    char    fix[FIX_MAX];
    int     l;

    if (*(v = pfc_Pv(c, "sender_canonical_maps")) != 0) {
	l = snprintf(fix, sizeof(fix), "remove: sender_canonical_maps = %s", v);
	if (pfc_M(c, "sender_canonical_classes") && l > 0 && (size_t) l < sizeof(fix))
	    l += snprintf(fix + l, sizeof(fix) - l, "\nremove (line %d): "
			  "sender_canonical_classes = %s", pfc_M(c, "sender_canonical_classes"),
			  pfc_Pv(c, "sender_canonical_classes"));
	if (pfc_M(c, "local_header_rewrite_clients") && l > 0 && (size_t) l < sizeof(fix))
	    (void) snprintf(fix + l, sizeof(fix) - l, "\nremove (line %d) unless "
			    "needed for other reasons: local_header_rewrite_clients = %s",
			    pfc_M(c, "local_header_rewrite_clients"),
			    pfc_Pv(c, "local_header_rewrite_clients"));
	pfc_add(c, PFC_ERROR, c->maincf, pfc_M(c, "sender_canonical_maps"), fix,
	    "sender_canonical_maps = %s: Postfix rewrites the sender again after "
	    "envfrom-milter (cleanup applies canonical maps to the sender a milter "
	    "sets), and the two fight: remove the old recipe", v);
    }
    if (*(v = pfc_Pv(c, "canonical_maps")) != 0
	&& pfc_list_has(pfc_Pv(c, "canonical_classes"), "envelope_sender"))
	pfc_add(c, PFC_WARNING, c->maincf, pfc_M(c, "canonical_maps"), NULL,
	    "canonical_maps = %s also applies to envelope senders after "
	    "envfrom-milter: make sure it leaves the OCN address alone", v);
    if (*(v = pfc_Pv(c, "smtp_generic_maps")) != 0)
	pfc_add(c, PFC_WARNING, c->maincf, pfc_M(c, "smtp_generic_maps"), NULL,
	    "smtp_generic_maps = %s rewrites the sender again when mail leaves "
	    "through smtp(8): make sure it leaves the OCN address alone", v);
}
