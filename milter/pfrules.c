/*
 * NAME
 *	pfrules - the rules' senders against the OCN login Postfix uses
 * SYNOPSIS
 *	#include "pfctx.h"
 *
 *	pfc_check_rules(c);
 * DESCRIPTION
 *	pfc_check_rules() evaluates the rules (eval.c) for mail that leaves,
 *	from a LAN client over SMTP and from sendmail(1), and for mail to
 *	each local domain: leaving mail must be rewritten, local mail should
 *	not be.  Each address the rules rewrite to (what those messages got,
 *	and every rule's constant rewrite) must be the login Postfix uses for
 *	mail with that sender (its own entry first with
 *	smtp_sender_dependent_authentication; pflogin.c finds the entries),
 *	must survive masquerading, and must not be the shipped example's
 *	placeholder.
 * DIAGNOSTICS
 *	Findings go to the report (pfc_add); out of memory sets its nomem.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "eval.h"
#include "netaddr.h"
#include "pfctx.h"

/* An address the rules rewrite to, and the rule that does. */
struct target {
    char   *addr;
    const struct rule *rule;
};

/* --- the rules ----------------------------------------------------------- */

/* simulate - what the rules do with one message to one recipient */

static int
simulate(const struct pfc *c, const char *sender, int local, const char *ip,
	         const char *rcpt, const char *mailer, const char *host, struct decision *d)
{
    struct eval_env env;
    struct eval_rcpt r;
    struct eval *e;
    int     rc;

    memset(&env, 0, sizeof(env));
    memset(d, 0, sizeof(*d));
    env.logid = "check";
    env.sender = sender;
    env.listener = pfc_Pv(c, "myhostname");
    env.local = local;
    if (netaddr_parse(ip, &env.client) >= 0)
	env.has_client = 1;
    r.addr = rcpt;
    r.mailer = mailer;
    r.host = host;
    if ((e = eval_start(c->in->cf->rules, &env)) == NULL)
	return (-1);
    (void) eval_rcpt(e, &r);
    rc = eval_finish(e, d);
    eval_free(e);
    return (rc);
}

/* lan_client - an address of the LAN from mynetworks, else 127.0.0.1 */

static void
lan_client(const struct pfc *c, char *buf, size_t len)
{
    char  **v;
    size_t  n;
    size_t  i;
    unsigned a, b, cc, d;

    snprintf(buf, len, "127.0.0.1");
    if ((v = pf_split(pfc_Pv(c, "mynetworks"), &n)) == NULL)
	return;
    for (i = 0; i < n; i++) {
	if (sscanf(v[i], "%u.%u.%u.%u", &a, &b, &cc, &d) == 4 && a != 127
	    && a < 256 && b < 256 && cc < 256 && d < 255) {
	    snprintf(buf, len, "%u.%u.%u.%u", a, b, cc, d + 1);
	    break;
	}
    }
    pf_split_free(v, n);
}

/* rule_line - the config line of a rule's key (NULL: the rule itself) */

static int
rule_line(const struct pfc *c, const struct rule *r, const char *key)
{
    int     line = 0;

    if (c->have_lm && r && (line = linemap_line(&c->lm, r->name, key)) == 0)
	line = linemap_line(&c->lm, r->name, NULL);
    return (line);
}

/* add_target - remember an address the rules rewrite to */

static int
add_target(struct target **t, size_t *n, const char *addr, const struct rule *r)
{
    struct target *nv;
    size_t  i;

    for (i = 0; i < *n; i++)
	if (strcasecmp((*t)[i].addr, addr) == 0)
	    return (0);
    if ((nv = realloc(*t, (*n + 1) * sizeof(*nv))) == NULL)
	return (-1);
    *t = nv;
    if ((nv[*n].addr = strdup(addr)) == NULL)
	return (-1);
    nv[*n].rule = r;
    (*n)++;
    return (0);
}

/* check_leaving - mail that leaves must be rewritten */

static void
check_leaving(struct pfc *c, const char *what, const char *sender, int local,
	              const char *ip, struct target **t, size_t *nt)
{
    struct decision d;
    char    fix[FIX_MAX];
    char    rcpt_arg[600];
    const char *why;

    snprintf(rcpt_arg, sizeof(rcpt_arg), "%s%s%s%s", REMOTE_RCPT, local ? "" : ",",
	     local ? "" : pfc_Pv(c, "default_transport"), "");
    if (!local && c->have_relay) {
	size_t  l = strlen(rcpt_arg);

	snprintf(rcpt_arg + l, sizeof(rcpt_arg) - l, ",%s", c->relay_text);
    }
    if (simulate(c, sender, local, ip, REMOTE_RCPT, local ? NULL : pfc_Pv(c, "default_transport"),
		 local ? NULL : (c->have_relay ? c->relay_text : NULL), &d) < 0) {
	c->rep->nomem = 1;
	return;
    }
    if (d.kind == DECISION_REWRITE) {
	if (add_target(t, nt, d.sender, d.rule) < 0)
	    c->rep->nomem = 1;
	decision_clear(&d);
	return;
    }
    switch (d.kind) {
    case DECISION_KEEP:
	why = "a keep rule decides";
	break;
    case DECISION_INVALID:
	why = "the rewrite gives no usable address";
	break;
    default:
	why = "no rule holds";
	break;
    }
    snprintf(fix, sizeof(fix), "see why: envfrom-milter -c %s -t %s -r %s%s%s -v",
	     c->in->conf_path, sender, rcpt_arg, local ? " -L" : " -i ", local ? "" : ip);
    pfc_add(c, PFC_ERROR, c->in->conf_path, d.rule ? rule_line(c, d.rule, NULL) : 0, fix,
	"%s from %s to %s keeps its sender (%s%s%s%s): OCN refuses it (553 "
	"... not owned by user)", what, sender, REMOTE_RCPT, why,
	d.rule ? ": rule \"" : "", d.rule ? d.rule->name : "", d.rule ? "\"" : "");
    decision_clear(&d);
}

/* check_local - mail that stays on this server should keep its sender */

static void
check_local(struct pfc *c, const char *sender)
{
    struct decision d;
    char    rcpt[300];
    char  **v;
    size_t  n;
    size_t  i;

    if ((v = pf_split(pfc_Pv(c, "mydestination"), &n)) == NULL)
	return;
    for (i = 0; i < n; i++) {
	if (strchr(v[i], ':') || strchr(v[i], '/'))
	    continue;				/* a table, not a domain */
	snprintf(rcpt, sizeof(rcpt), "postmaster@%s", v[i]);
	if (simulate(c, sender, 1, "127.0.0.1", rcpt, NULL, NULL, &d) < 0) {
	    c->rep->nomem = 1;
	    break;
	}
	if (d.kind == DECISION_REWRITE && strcasecmp(d.sender, sender) != 0)
	    pfc_add(c, PFC_WARNING, c->in->conf_path, rule_line(c, d.rule, NULL), NULL,
		"rule \"%s\" also rewrites mail for %s, which this server delivers "
		"itself (mydestination): local mail gets %s as its sender; if %s is "
		"this server's own domain, add it to the rule's recipient pattern",
		d.rule->name, rcpt, d.sender, v[i]);
	decision_clear(&d);
    }
    pf_split_free(v, n);
}

/* split_login - "login:password" into its two halves (login in buf) */

static const char *
split_login(const char *value, char *buf, size_t len)
{
    const char *colon = strchr(value, ':');

    snprintf(buf, len, "%.*s", (int) (colon ? colon - value : (long) strlen(value)), value);
    return (colon ? colon + 1 : "");
}

/* pfc_check_account - an entry of the password maps is not the example's */

void
pfc_check_account(struct pfc *c, const char *table, const char *key, const char *value)
{
    char    login[300];
    char    src[PATH_MAX];
    char    db[PATH_MAX];
    const char *pw = split_login(value, login, sizeof(login));
    const char *at = strchr(login, '@');

    if (!pfc_table_files(table, src, sizeof(src), db, sizeof(db)))
	snprintf(src, sizeof(src), "%s", table);
    char    fix[FIX_MAX];

    snprintf(fix, sizeof(fix), "put your OCN account (mail address) and password "
	     "there, then run: postmap %s", table);
    if (at && (strncasecmp(login, EXAMPLE_USER "@", strlen(EXAMPLE_USER) + 1) == 0
	       || strcasecmp(at + 1, EXAMPLE_DOMAIN) == 0))
	pfc_add(c, PFC_ERROR, src, pfc_key_line(c, table, key), fix,
	    "the account for %s is %s, the shipped example's placeholder", key, login);
    if (strcmp(pw, EXAMPLE_PASSWORD) == 0)
	pfc_add(c, PFC_ERROR, src, pfc_key_line(c, table, key), c->rep->n
	    && strstr(c->rep->v[c->rep->n - 1].text, "the account for") ? NULL : fix,
	    "the password for %s is \"%s\", the shipped example's placeholder", key, pw);
}

/* check_target - an address the rules rewrite to is the login OCN sees */

static void
check_target(struct pfc *c, const struct target *t, size_t ntargets)
{
    const char *at = strrchr(t->addr, '@');
    const char *domain = at ? at + 1 : "";
    const char *table = NULL;
    const char *key = t->addr;
    char   *value = NULL;
    char    login[300];
    char    keybuf[300];
    char    src[PATH_MAX];
    char    db[PATH_MAX];
    char    fix[FIX_MAX];
    char  **v;
    size_t  n;
    size_t  i;
    int     line = rule_line(c, t->rule, "rewrite");
    int     r = 0;

    if (at && (strncasecmp(t->addr, EXAMPLE_USER "@", strlen(EXAMPLE_USER) + 1) == 0
	       || strcasecmp(domain, EXAMPLE_DOMAIN) == 0))
	pfc_add(c, PFC_ERROR, c->in->conf_path, line, "put your OCN mail address there",
	    "rule \"%s\" rewrites to %s, the shipped example's placeholder",
	    t->rule->name, t->addr);

    /* Masquerading strips the host part of what the milter set. */
    if (pfc_list_has(pfc_Pv(c, "masquerade_classes"), "envelope_sender")
	&& (v = pf_split(pfc_Pv(c, "masquerade_domains"), &n)) != NULL) {
	for (i = 0; i < n; i++) {
	    const char *m = v[i][0] == '!' ? v[i] + 1 : v[i];
	    size_t  ml = strlen(m);
	    size_t  dl = strlen(domain);

	    if (v[i][0] != '!' && dl > ml + 1 && domain[dl - ml - 1] == '.'
		&& strcasecmp(domain + dl - ml, m) == 0) {
		pfc_add(c, PFC_ERROR, c->maincf, pfc_M(c, "masquerade_domains"), NULL,
		    "masquerade_domains = %s turns %s (rule \"%s\") into %.*s@%s after "
		    "the milter: OCN refuses it", pfc_Pv(c, "masquerade_domains"), t->addr,
		    t->rule->name, (int) (at - t->addr), t->addr, m);
		break;
	    }
	}
	pf_split_free(v, n);
    }

    if (!c->have_relay || c->nmaps == 0 || c->in->ops.lookup == NULL || c->maps_broken)
	return;
    /* smtp_sender_dependent_authentication: the sender's own entry first. */
    if (c->sender_auth) {
	if ((r = pfc_lookup(c, t->addr, &value, &table)) == 0 && at) {
	    snprintf(keybuf, sizeof(keybuf), "@%s", domain);
	    key = keybuf;
	    r = pfc_lookup(c, keybuf, &value, &table);
	}
	if (r > 0)
	    pfc_check_account(c, table, key, value);
    }
    if (r == 0) {
	free(value);
	if ((r = pfc_relay_login(c, &value, &table, &key)) <= 0) {
	    free(value);
	    return;				/* reported by check_relay_key */
	}
    }
    if (r < 0) {
	free(value);
	return;
    }
    (void) split_login(value, login, sizeof(login));
    if (strcasecmp(login, t->addr) != 0) {
	if (!pfc_table_files(table, src, sizeof(src), db, sizeof(db)))
	    snprintf(src, sizeof(src), "%s", table);
	n = snprintf(fix, sizeof(fix), "make them the same: rewrite = '%s' in rule \"%s\", "
		     "or that account in %s", login, t->rule->name, src);
	if (!c->sender_auth && ntargets > 1 && n < sizeof(fix))
	    (void) snprintf(fix + n, sizeof(fix) - n, "\nseveral OCN accounts: "
			    "smtp_sender_dependent_authentication = yes and one %s "
			    "line per address", src);
	pfc_add(c, PFC_ERROR, c->in->conf_path, line, fix,
	    "rule \"%s\" makes the sender %s, but Postfix logs in to OCN as %s "
	    "(%s, key %s%s%d): OCN refuses the mail (553 ... not owned by user)",
	    t->rule->name, t->addr, login, src, key,
	    pfc_key_line(c, table, key) ? ", line " : "", pfc_key_line(c, table, key));
    }
    free(value);
}

/* domain_in - does a Postfix list or value mention this domain? */

static int
domain_in(const char *value, const char *domain)
{
    const char *p;
    size_t  dl = strlen(domain);

    for (p = value; *p; p++)
	if (strncasecmp(p, domain, dl) == 0
	    && (p == value || p[-1] == '.' || p[-1] == ' ' || p[-1] == ',' || p[-1] == '@')
	    && (p[dl] == 0 || p[dl] == ',' || p[dl] == ' '))
	    return (1);
    return (0);
}

/* has_text - does line[0..len) contain text? */

static int
has_text(const char *line, size_t len, const char *text)
{
    size_t  tl = strlen(text);
    size_t  i;

    for (i = 0; i + tl <= len; i++)
	if (memcmp(line + i, text, tl) == 0)
	    return (1);
    return (0);
}

/* check_home_placeholder - the example's home.example left in the rules */

static void
check_home_placeholder(struct pfc *c)
{
    const char *line;
    const char *end;
    const char *hash;
    int     lineno = 0;

    if (c->in->conf_text == NULL || domain_in(pfc_Pv(c, "myhostname"), EXAMPLE_HOME)
	|| domain_in(pfc_Pv(c, "mydomain"), EXAMPLE_HOME)
	|| domain_in(pfc_Pv(c, "mydestination"), EXAMPLE_HOME))
	return;
    for (line = c->in->conf_text; *line; line = *end ? end + 1 : end) {
	end = line + strcspn(line, "\n");
	lineno++;
	hash = memchr(line, '#', end - line);
	if (has_text(line, (hash ? hash : end) - line, "home\\.example")) {
	    pfc_add(c, PFC_ERROR, c->in->conf_path, lineno,
		"write this server's own domains there (\\. for each dot)",
		"home\\.example is the shipped example's domain, but this server is "
		"%s (mydomain %s, mydestination %s)", pfc_Pv(c, "myhostname"),
		pfc_Pv(c, "mydomain"), *pfc_Pv(c, "mydestination") ? pfc_Pv(c, "mydestination") : "empty");
	    return;
	}
    }
}

/* pfc_check_rules - the rules rewrite what leaves, to the account Postfix logs
 * in with */

void
pfc_check_rules(struct pfc *c)
{
    struct target *t = NULL;
    size_t  nt = 0;
    size_t  i;
    char    sender[600];
    char    ip[64];
    const struct ruleset *rs;

    if (c->in->cf == NULL) {
	pfc_add(c, PFC_ERROR, c->in->conf_path, 0, NULL, "has errors (listed above; "
	    "envfrom-milter -n shows them too): the rules were not checked");
	return;
    }
    rs = c->in->cf->rules;
    lan_client(c, ip, sizeof(ip));
    snprintf(sender, sizeof(sender), "user@%s", pfc_Pv(c, "mydomain"));
    check_leaving(c, "LAN mail (over SMTP)", sender, 0, ip, &t, &nt);
    snprintf(sender, sizeof(sender), "root@%s", pfc_Pv(c, "myorigin"));
    check_leaving(c, "cron mail (sendmail(1))", sender, 1, "127.0.0.1", &t, &nt);
    check_local(c, sender);
    for (i = 0; i < rs->nrules; i++) {
	const struct rule *r = rs->rules[i];

	if (!r->keep && r->rewrite_src && strchr(r->rewrite_src, '$') == NULL
	    && add_target(&t, &nt, r->rewrite_src, r) < 0)
	    c->rep->nomem = 1;
    }
    check_home_placeholder(c);
    for (i = 0; i < nt; i++)
	check_target(c, &t[i], nt);
    for (i = 0; i < nt; i++)
	free(t[i].addr);
    free(t);
}
