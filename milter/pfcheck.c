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
 *	pfcheck() runs the checks in this order, each in its module:
 *	- the milter: smtpd_milters and non_smtpd_milters name the socket,
 *	  mail waits while the milter is down; rewriting after the milter:
 *	  sender_canonical_maps (the old recipe), canonical_maps,
 *	  smtp_generic_maps (pfmilter.c);
 *	- the relay: relayhost set, bracketed, a port OCN takes; mynetworks;
 *	  soft_bounce (pfrelay.c);
 *	- SASL: enabled, the password maps usable and with a key for the
 *	  relayhost, PLAIN/LOGIN allowed and a plug-in for them (pflogin.c);
 *	- TLS: a level that cannot fall back to clear text and checks the
 *	  certificate; port 465; the stunnel route (pftls.c);
 *	- the rules, by evaluating them (eval.c) for mail that leaves and
 *	  mail that stays: each address they rewrite to must be the SASL
 *	  login Postfix uses for it, and not the shipped example's
 *	  placeholder (pfrules.c, with pflogin.c's look-ups).
 *	The SASL and TLS checks run only when the relayhost could be read.
 *
 *	This module holds what they all use (pfctx.h declares it): the
 *	report, to which pfc_add() adds a finding, and the look-ups of a
 *	parameter (pfc_P, pfc_Pv), of the main.cf line that sets it
 *	(pfc_M), of the SMTP client's setting where master.cf may override
 *	main.cf (pfc_client_param) and of master.cf entries.
 *
 *	The system is reached only through in->ops (table lookups, stat,
 *	connecting to a socket, reading a file), so the unit tests run every
 *	check on canned data.
 * DIAGNOSTICS
 *	pfcheck() returns the number of errors found, or -1 when out of
 *	memory.
 */

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
	*line = pfc_service_line(c, c->client, name);
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

/* pfc_find_service - the first master.cf entry of that name, type and command
 * (each NULL: any) */

const struct pf_service *
pfc_find_service(const struct pfc *c, const char *name, const char *type, const char *command)
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

/* pfc_service_line - the master.cf line of an entry's "-o name=..." */

int
pfc_service_line(const struct pfc *c, const struct pf_service *s, const char *name)
{
    return (pf_service_opt_line(s, c->in->mastercf ? c->in->mastercf : "", name));
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

/* --- the run ------------------------------------------------------------ */

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
    c.client = pfc_find_service(&c, transport, "unix", NULL);
    c.sender_auth = pf_bool(pfc_P(&c, "smtp_sender_dependent_authentication"));
    if (in->conf_text && linemap_scan(&c.lm, in->conf_text, strlen(in->conf_text)) == 0)
	c.have_lm = 1;

    pfc_check_milters(&c);
    pfc_check_canonical(&c);
    pfc_check_relay(&c);
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
