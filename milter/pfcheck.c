/*
 * NAME
 *	pfcheck - check the OCN path through Postfix against the rules
 * SYNOPSIS
 *	#include "pfcheck.h"
 *
 *	struct pfc_input in = { ... };	(postconf output, files, ops)
 *	struct pfc_report rep = { 0 };
 *
 *	pfcheck(&in, &rep);
 *	pfc_report_print(&rep, stdout);
 *	pfc_report_free(&rep);
 * DESCRIPTION
 *	The checks of envfrom-milter -P, over Postfix's settings as postconf
 *	prints them (pfconf.c parses them) and envfrom-milter's loaded
 *	config.  Each problem on the way from this server to OCN becomes a
 *	finding that names the file and line to change and, where one
 *	setting fixes it, that setting.  Errors are what makes mail wait,
 *	bounce, leave unrewritten or expose the OCN password; warnings are
 *	what may be meant but deserves a look.
 *
 *	What is checked, in this order:
 *	- the milter: smtpd_milters and non_smtpd_milters name the socket
 *	  of envfrom-milter's config (libmilter and Postfix write it
 *	  differently), no smtpd listener drops it, milter_default_action
 *	  is tempfail (also per milter, Postfix 3.0), something answers on
 *	  the socket;
 *	- rewriting after the milter: sender_canonical_maps (the old
 *	  recipe), canonical_maps, masquerade_domains, smtp_generic_maps;
 *	- the relay: relayhost set, bracketed, a port OCN takes; mynetworks
 *	  (Postfix 2.10 trusts the whole subnet by default); soft_bounce;
 *	- SASL: enabled, the password maps exist, are postmap'ed, not older
 *	  than their source and not readable by others, have a key for the
 *	  relayhost (Postfix looks up the host name first, then the
 *	  relayhost as written), allow PLAIN/LOGIN, and Cyrus has a PLAIN or
 *	  LOGIN plug-in (SASL_PATH of import_environment, else the system's
 *	  plug-in directories);
 *	- TLS: a level that cannot fall back to clear text, one that checks
 *	  the certificate, a CA file, a name the certificate can carry;
 *	  port 465 needs smtp_tls_wrappermode (3.x) or, on 2.10, the stunnel
 *	  route; that route (relayhost on loopback) needs no TLS in Postfix,
 *	  a running stunnel, and a stunnel config that verifies OCN;
 *	- the rules, by evaluating them (eval.c) for mail that leaves, from a
 *	  LAN client and from sendmail(1), and for mail to each local
 *	  domain: leaving mail must be rewritten, local mail should not;
 *	  each address they rewrite to must be the SASL login Postfix uses
 *	  for it (OCN refuses anything else with 553), and not the shipped
 *	  example's placeholder.
 *
 *	pftls.c holds the TLS and stunnel checks, pflogin.c the SASL and rule
 *	checks; pfctx.h what they share.
 *
 *	The system is reached only through in->ops (table lookups, stat,
 *	connecting to a socket, reading a file), so the unit tests run every
 *	check on canned data.
 * DIAGNOSTICS
 *	pfcheck() returns the number of errors found, or -1 when out of
 *	memory.
 */

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "linemap.h"
#include "pfcheck.h"
#include "pfctx.h"
#include "sockspec.h"
#include "vec.h"

/* --- the report ---------------------------------------------------------- */

/* pfc_add - record one finding */

void
pfc_add(struct pfc *c, enum pfc_severity sev, const char *file, int line,
    const char *fix, const char *fmt,...)
{
    struct pfc_report *r = c->rep;
    struct pfc_finding *f;
    va_list ap;
    char   *text;
    int     len;

    if (r->nomem)
	return;
    va_start(ap, fmt);
    len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0 || (text = malloc(len + 1)) == NULL) {
	r->nomem = 1;
	return;
    }
    va_start(ap, fmt);
    (void) vsnprintf(text, len + 1, fmt, ap);
    va_end(ap);
    if (VEC_RESERVE(r->v, r->alloc, r->n + 1, 16) < 0) {
	free(text);
	r->nomem = 1;
	return;
    }
    f = &r->v[r->n];
    f->severity = sev;
    f->line = line;
    f->text = text;
    f->file = strdup(file);
    f->fix = fix && *fix ? strdup(fix) : NULL;
    if (f->file == NULL || (fix && *fix && f->fix == NULL)) {
	free(f->file);
	free(f->fix);
	free(text);
	r->nomem = 1;
	return;
    }
    r->n++;
    if (sev == PFC_ERROR)
	r->errors++;
    else
	r->warnings++;
}

/* pfc_report_print - the findings, then one summary line */

void
pfc_report_print(const struct pfc_report *r, FILE *fp)
{
    const struct pfc_finding *f;
    const char *p;
    size_t  i;
    size_t  len;

    for (i = 0; i < r->n; i++) {
	f = &r->v[i];
	if (f->line > 0)
	    fprintf(fp, "%s:%d: ", f->file, f->line);
	else
	    fprintf(fp, "%s: ", f->file);
	fprintf(fp, "%s: %s\n", f->severity == PFC_ERROR ? "error" : "warning", f->text);
	for (p = f->fix; p && *p; p += len + (p[len] == '\n')) {
	    len = strcspn(p, "\n");
	    fprintf(fp, "    %.*s\n", (int) len, p);
	}
    }
    if (r->errors == 0 && r->warnings == 0)
	fprintf(fp, "no problems found\n");
    else
	fprintf(fp, "%lu error%s, %lu warning%s\n", (unsigned long) r->errors,
		r->errors == 1 ? "" : "s", (unsigned long) r->warnings,
		r->warnings == 1 ? "" : "s");
}

/* pfc_report_free - release the findings */

void
pfc_report_free(struct pfc_report *r)
{
    size_t  i;

    for (i = 0; i < r->n; i++) {
	free(r->v[i].file);
	free(r->v[i].text);
	free(r->v[i].fix);
    }
    free(r->v);
    memset(r, 0, sizeof(*r));
}

/* --- parameters ---------------------------------------------------------- */

/* pfc_P - a parameter's value; NULL when this Postfix does not know it */

const char *
pfc_P(const struct pfc *c, const char *name)
{
    const char *v = pf_param(c->in->params, name);

    /* Postfix 2.10's postconf -x leaves out what it does not know. */
    return (v ? v : pf_param(c->in->set, name));
}

/* pfc_Pv - a parameter's value, "" when unknown */

const char *
pfc_Pv(const struct pfc *c, const char *name)
{
    const char *v = pfc_P(c, name);

    return (v ? v : "");
}

/* pfc_M - the main.cf line that sets a parameter, 0 if main.cf does not */

int
pfc_M(const struct pfc *c, const char *name)
{
    return (c->in->maincf ? pf_maincf_line(c->in->maincf, name) : 0);
}

/* pfc_client_param - a parameter of the SMTP client that relays: master.cf's
 * "-o" for default_transport's entry wins over main.cf; *file and *line say
 * where to change it */

const char *
pfc_client_param(const struct pfc *c, const char *name, const char **file, int *line)
{
    const char *v;

    if (c->client && (v = pf_service_opt(c->client, name)) != NULL) {
	*file = c->mastercf;
	*line = pf_service_opt_line(c->client, c->in->mastercf ? c->in->mastercf : "", name);
	/* "-o name=$other" refers to another parameter. */
	if (v[0] == '$' && strspn(v + 1, "abcdefghijklmnopqrstuvwxyz0123456789_")
	    == strlen(v + 1) && pfc_P(c, v + 1))
	    return (pfc_P(c, v + 1));
	return (v);
    }
    *file = c->maincf;
    *line = pfc_M(c, name);
    return (pfc_Pv(c, name));
}

/* pfc_fix_set - the fix line that gives a parameter a value */

void
pfc_fix_set(const struct pfc *c, char *buf, size_t len, const char *file,
	        const char *name, const char *value)
{
    if (file == c->mastercf)
	snprintf(buf, len, "change it to: -o %s=%s", name, value);
    else if (pfc_M(c, name))
	snprintf(buf, len, "change it to: %s = %s", name, value);
    else
	snprintf(buf, len, "add to main.cf: %s = %s", name, value);
}

/* pfc_list_has - does a Postfix list hold item (case-insensitive)? */

int
pfc_list_has(const char *list, const char *item)
{
    char  **v;
    size_t  n;
    size_t  i;
    int     found = 0;

    if ((v = pf_split(list, &n)) == NULL)
	return (0);
    for (i = 0; i < n; i++)
	if (strcasecmp(v[i], item) == 0)
	    found = 1;
    pf_split_free(v, n);
    return (found);
}

/* --- the milter ---------------------------------------------------------- */

/* service_chrooted - is this master.cf entry chrooted? ("-": y before 3.0) */

static int
service_chrooted(const struct pfc *c, const struct pf_service *s)
{
    if (s == NULL || strcmp(s->chroot, "-") == 0)
	return (c->version >= 0 && c->version < 3000);
    return (strcmp(s->chroot, "y") == 0);
}

/* find_service - the first master.cf entry running command (type or NULL) */

static const struct pf_service *
find_service(const struct pfc *c, const char *name, const char *type, const char *command)
{
    size_t  i;

    for (i = 0; c->in->master && i < c->in->master->n; i++) {
	const struct pf_service *s = &c->in->master->v[i];

	if ((name == NULL || strcmp(s->name, name) == 0)
	    && (type == NULL || strcmp(s->type, type) == 0)
	    && (command == NULL || strcmp(s->command, command) == 0))
	    return (s);
    }
    return (NULL);
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

/* check_milters - the milter is attached, and mail waits while it is down */

static void
check_milters(struct pfc *c)
{
    const struct pf_service *smtpd = find_service(c, NULL, "inet", "smtpd");
    const struct pf_service *cleanup = find_service(c, "cleanup", "unix", NULL);
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
	pfc_add(c, PFC_WARNING, c->mastercf,
	    pf_service_opt_line(s, c->in->mastercf ? c->in->mastercf : "", "smtpd_milters"),
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

/* check_canonical - Postfix rewrites the sender again after the milter */

static void
check_canonical(struct pfc *c)
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

/* --- the relay ----------------------------------------------------------- */

/* relay_fix - "relayhost = [host]:PORT" for a suggestion */

static void
relay_fix(const struct pfc *c, char *buf, size_t len, const char *port)
{
    snprintf(buf, len, "change it to: relayhost = [%s]:%s",
	     c->relay.host[0] ? c->relay.host : "smtp.ocn.ne.jp", port);
}

/* check_relay - relayhost, mynetworks, soft_bounce */

static void
check_relay(struct pfc *c)
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

/* pfcheck - every check; the number of errors, -1 when out of memory */

int
pfcheck(const struct pfc_input *in, struct pfc_report *rep)
{
    struct pfc c;
    struct sockspec def;
    const struct sockspec *spec = NULL;
    char    why[256];
    char    transport[128];
    char   *value = NULL;
    const char *table;
    const char *key;

    memset(&c, 0, sizeof(c));
    c.in = in;
    c.rep = rep;
    snprintf(c.maincf, sizeof(c.maincf), "%s/main.cf", in->config_dir);
    snprintf(c.mastercf, sizeof(c.mastercf), "%s/master.cf", in->config_dir);
    snprintf(c.version_text, sizeof(c.version_text), "%s", pfc_Pv(&c, "mail_version"));
    c.version = pf_version(c.version_text);
    c.queue_dir = pfc_Pv(&c, "queue_directory");
    if (in->cf)
	spec = &in->cf->socket;
    else if (sockspec_parse(&def, CONFIG_DEFAULT_SOCKET, why, sizeof(why)) == 0)
	spec = &def;
    c.milter_spec = spec ? spec->text : CONFIG_DEFAULT_SOCKET;
    if (spec == NULL || pf_sock_from_spec(spec, &c.milter) < 0)
	memset(&c.milter, 0, sizeof(c.milter));
    pf_sock_postfix_form(&c.milter, c.queue_dir, c.milter_pf, sizeof(c.milter_pf));
    snprintf(transport, sizeof(transport), "%.*s",
	     (int) strcspn(pfc_Pv(&c, "default_transport"), ":"), pfc_Pv(&c, "default_transport"));
    c.client = find_service(&c, transport, "unix", NULL);
    c.sender_auth = pf_bool(pfc_P(&c, "smtp_sender_dependent_authentication"));
    if (in->conf_text && linemap_scan(&c.lm, in->conf_text, strlen(in->conf_text)) == 0)
	c.have_lm = 1;

    check_milters(&c);
    check_canonical(&c);
    check_relay(&c);
    if (c.have_relay) {
	pfc_check_sasl(&c);
	pfc_check_relay_key(&c);
	if (c.nmaps && in->ops.lookup && !c.maps_broken
	    && pfc_relay_login(&c, &value, &table, &key) > 0)
	    pfc_check_account(&c, table, key, value);
	free(value);
	pfc_find_tunnel(&c);
	if (c.loopback)
	    pfc_check_loopback_relay(&c);
	pfc_check_tls(&c);
	if (c.stunnel)
	    pfc_check_stunnel(&c);
    }
    pfc_check_rules(&c);

    pf_split_free(c.maps, c.nmaps);
    free(c.st_text);
    if (c.have_lm)
	linemap_free(&c.lm);
    return (rep->nomem ? -1 : (int) rep->errors);
}
