/*
 * NAME
 *	pflogin - the OCN login: Postfix's SASL client and the rules' senders
 * SYNOPSIS
 *	#include "pfctx.h"
 *
 *	pfc_check_sasl(c);
 *	pfc_check_relay_key(c);
 *	pfc_check_rules(c);
 * DESCRIPTION
 *	The checks of envfrom-milter -P (pfcheck.c) that are about who
 *	Postfix logs in to OCN as, and whom the rules make the sender: OCN
 *	takes a message only when the two are the same address.
 *
 *	pfc_check_sasl(): SASL is on for the relay transport, the password
 *	maps exist, are postmap'ed, not older than their source and not
 *	readable by others; the security options allow PLAIN/LOGIN, the
 *	only mechanisms OCN offers, and Cyrus SASL has a plug-in for one of
 *	them (SASL_PATH of import_environment, else the system's plug-in
 *	directories).  pfc_check_relay_key(): the maps have an entry for the
 *	relayhost; Postfix looks up the host name first, then the relayhost
 *	as written (smtp_sasl_glue.c in 2.10 and 3.x).
 *
 *	pfc_check_rules() evaluates the rules (eval.c) for mail that leaves,
 *	from a LAN client over SMTP and from sendmail(1), and for mail to
 *	each local domain: leaving mail must be rewritten, local mail should
 *	not be.  Each address the rules rewrite to (what those messages got,
 *	and every rule's constant rewrite) must be the login Postfix uses for
 *	mail with that sender (its own entry first with
 *	smtp_sender_dependent_authentication), must survive masquerading,
 *	and must not be the shipped example's placeholder.
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

/* --- SASL ---------------------------------------------------------------- */

/* table_files - the source file of a table and its indexed file, if any;
 * 0 when the table has no file of its own */

static int
table_files(const char *table, char *src, size_t slen, char *db, size_t dlen)
{
    static const struct {
	const char *type;
	const char *suffix;		/* NULL: the source is read as it is */
    }       types[] = {
	{"hash", ".db"}, {"btree", ".db"}, {"cdb", ".cdb"}, {"lmdb", ".lmdb"},
	{"dbm", ".pag"}, {"texthash", NULL}, {"regexp", NULL}, {"pcre", NULL},
	{"cidr", NULL},
    };
    const char *colon;
    size_t  tlen;
    size_t  i;

    while (strncmp(table, "proxy:", 6) == 0)
	table += 6;
    if ((colon = strchr(table, ':')) == NULL)
	return (0);
    tlen = colon - table;
    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
	if (strlen(types[i].type) != tlen || strncmp(table, types[i].type, tlen) != 0)
	    continue;
	snprintf(src, slen, "%s", colon + 1);
	if (types[i].suffix)
	    snprintf(db, dlen, "%s%s", colon + 1, types[i].suffix);
	else
	    *db = 0;
	return (1);
    }
    return (0);
}

/* key_line - the line of a table's source file whose key is key; 0 if none */

static int
key_line(const struct pfc *c, const char *table, const char *key)
{
    char    src[PATH_MAX];
    char    db[PATH_MAX];
    char   *text;
    const char *line;
    const char *end;
    size_t  klen = strlen(key);
    int     lineno = 0;
    int     found = 0;

    if (c->in->ops.read_file == NULL || !table_files(table, src, sizeof(src), db, sizeof(db))
	|| (text = c->in->ops.read_file(c->in->ops.ctx, src)) == NULL)
	return (0);
    for (line = text; *line && !found; line = *end ? end + 1 : end) {
	end = line + strcspn(line, "\n");
	lineno++;
	if (*line == '#' || isspace((unsigned char) *line))
	    continue;
	if (strcspn(line, " \t\n") == klen && strncasecmp(line, key, klen) == 0)
	    found = lineno;
    }
    free(text);
    return (found);
}

/* check_map_files - a password table exists, is postmap'ed and private */

static void
check_map_files(struct pfc *c, const char *table)
{
    char    src[PATH_MAX];
    char    db[PATH_MAX];
    char    fix[FIX_MAX];
    struct stat ss;
    struct stat ds;
    int     have_src;
    int     have_db = 0;

    if (c->in->ops.stat == NULL || !table_files(table, src, sizeof(src), db, sizeof(db)))
	return;
    have_src = c->in->ops.stat(c->in->ops.ctx, src, &ss) == 0;
    if (*db)
	have_db = c->in->ops.stat(c->in->ops.ctx, db, &ds) == 0;
    if (!have_src && !have_db) {
	snprintf(fix, sizeof(fix), "create it from sasl_passwd.example "
		 "(/usr/share/envfrom-milter/postfix/), chmod 600 it%s%s",
		 *db ? ", then: postmap " : "", *db ? table : "");
	c->maps_broken = 1;
	pfc_add(c, PFC_ERROR, c->maincf, pfc_M(c, "smtp_sasl_password_maps"), fix,
	    "smtp_sasl_password_maps names %s, which does not exist: Postfix has no "
	    "OCN password", src);
	return;
    }
    if (*db && !have_db) {
	c->maps_broken = 1;
	snprintf(fix, sizeof(fix), "run: postmap %s", table);
	pfc_add(c, PFC_ERROR, src, 0, fix, "not postmap'ed: %s does not exist, and "
	    "Postfix reads only that (it defers the mail with a lookup error)", db);
    } else if (*db && have_src && ds.st_mtime < ss.st_mtime) {
	snprintf(fix, sizeof(fix), "run: postmap %s", table);
	pfc_add(c, PFC_ERROR, src, 0, fix, "%s is older than its source: Postfix still "
	    "uses what the file said before its last change", db);
    }
    if (have_src && (ss.st_mode & S_IROTH)) {
	snprintf(fix, sizeof(fix), "run: chmod 600 %s%s%s", src, have_db ? " " : "",
		 have_db ? db : "");
	pfc_add(c, PFC_ERROR, src, 0, fix, "readable by every user (mode %04o): it holds "
	    "the OCN password", (unsigned) (ss.st_mode & 07777));
    } else if (have_db && (ds.st_mode & S_IROTH)) {
	snprintf(fix, sizeof(fix), "run: chmod 600 %s %s", have_src ? src : "", db);
	pfc_add(c, PFC_ERROR, db, 0, fix, "readable by every user (mode %04o): it holds "
	    "the OCN password", (unsigned) (ds.st_mode & 07777));
    } else if ((have_src && (ss.st_mode & S_IRGRP)) || (have_db && (ds.st_mode & S_IRGRP))) {
	snprintf(fix, sizeof(fix), "run: chmod 600 %s%s%s", src, have_db ? " " : "",
		 have_db ? db : "");
	pfc_add(c, PFC_WARNING, src, 0, fix, "readable by its group: it holds the OCN "
	    "password; root alone needs to read it");
    }
}

/* plugin_dir_has - a Cyrus PLAIN or LOGIN plug-in in dir: 1, 0, -1 no dir */

static int
plugin_dir_has(const struct pfc *c, const char *dir)
{
    int     p = c->in->ops.dir_has(c->in->ops.ctx, dir, "libplain.so");
    int     l = c->in->ops.dir_has(c->in->ops.ctx, dir, "liblogin.so");

    if (p > 0 || l > 0)
	return (1);
    return (p < 0 && l < 0 ? -1 : 0);
}

/* check_sasl_plugins - Cyrus SASL can do PLAIN or LOGIN */

static void
check_sasl_plugins(struct pfc *c)
{
    static const char *dirs[] = {
	"/usr/lib64/sasl2", "/usr/lib/sasl2", "/usr/lib/x86_64-linux-gnu/sasl2",
	"/usr/lib/aarch64-linux-gnu/sasl2", "/usr/local/lib/sasl2",
    };
    const char *type = pfc_Pv(c, "smtp_sasl_type");
    char  **env;
    size_t  n;
    size_t  i;
    const char *sasl_path = NULL;
    int     any_dir = 0;
    int     found = 0;
    int     r;

    if (c->in->ops.dir_has == NULL || (*type && strcasecmp(type, "cyrus") != 0))
	return;
    /* Postfix passes its daemons only what import_environment lists. */
    if ((env = pf_split(pfc_Pv(c, "import_environment"), &n)) == NULL)
	return;
    for (i = 0; i < n; i++)
	if (strncmp(env[i], "SASL_PATH=", 10) == 0)
	    sasl_path = env[i] + 10;
    if (sasl_path) {
	r = plugin_dir_has(c, sasl_path);
	if (r <= 0)
	    pfc_add(c, PFC_ERROR, c->maincf, pfc_M(c, "import_environment"),
		"remove SASL_PATH from import_environment, or put the plug-ins there",
		"import_environment sets SASL_PATH=%s, which has no Cyrus PLAIN or "
		"LOGIN plug-in: Postfix logs \"No worthy mechs found\" and defers "
		"every message", sasl_path);
	pf_split_free(env, n);
	return;
    }
    pf_split_free(env, n);
    for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
	r = plugin_dir_has(c, dirs[i]);
	if (r >= 0)
	    any_dir = 1;
	if (r > 0)
	    found = 1;
    }
    if (!any_dir)
	pfc_add(c, PFC_WARNING, c->maincf, 0, NULL, "no Cyrus SASL plug-in directory "
	    "found (/usr/lib64/sasl2 on EL): cannot tell whether PLAIN/LOGIN are there");
    else if (!found)
	pfc_add(c, PFC_ERROR, c->maincf, 0,
	    "EL: yum install cyrus-sasl-plain; Debian: apt-get install libsasl2-modules",
	    "no Cyrus SASL PLAIN or LOGIN plug-in is installed: Postfix logs \"No "
	    "worthy mechs found\" and defers every message (OCN offers only PLAIN "
	    "and LOGIN)");
}

/* pfc_check_sasl - Postfix logs in to OCN */

void
pfc_check_sasl(struct pfc *c)
{
    const char *file;
    const char *v;
    const char *opts_name;
    char    fix[FIX_MAX];
    int     line;
    size_t  i;
    int     tls;

    v = pfc_client_param(c, "smtp_sasl_auth_enable", &file, &line);
    if (!pf_bool(v)) {
	pfc_fix_set(c, fix, sizeof(fix), file, "smtp_sasl_auth_enable", "yes");
	pfc_add(c, PFC_ERROR, file, line, fix, "relayhost is %s but smtp_sasl_auth_enable "
	    "= %s: Postfix sends no SMTP AUTH, and OCN refuses the mail", c->relay_text,
	    *v ? v : "no");
    }
    v = pfc_Pv(c, "smtp_sasl_password_maps");
    if ((c->maps = pf_split(v, &c->nmaps)) == NULL)
	c->nmaps = 0;
    if (c->nmaps == 0)
	pfc_add(c, PFC_ERROR, c->maincf, pfc_M(c, "smtp_sasl_password_maps"),
	    "add to main.cf: smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd",
	    "smtp_sasl_password_maps is not set: Postfix has no OCN account to log in with");
    for (i = 0; i < c->nmaps; i++)
	check_map_files(c, c->maps[i]);

    /* With TLS in Postfix, smtp_sasl_tls_security_options applies. */
    v = pfc_client_param(c, "smtp_tls_security_level", &file, &line);
    tls = *v && strcasecmp(v, "none") != 0;
    opts_name = tls ? "smtp_sasl_tls_security_options" : "smtp_sasl_security_options";
    if (tls && pfc_M(c, opts_name) == 0 && strstr(pfc_Pv(c, opts_name), "$") == NULL
	&& strcmp(pfc_Pv(c, opts_name), pfc_Pv(c, "smtp_sasl_security_options")) == 0)
	opts_name = "smtp_sasl_security_options";	/* its default refers there */
    v = pfc_Pv(c, opts_name);
    if (pfc_list_has(v, "noplaintext")) {
	pfc_fix_set(c, fix, sizeof(fix), c->maincf, opts_name, "noanonymous");
	pfc_add(c, PFC_ERROR, c->maincf, pfc_M(c, opts_name), fix,
	    "%s = %s rules out PLAIN and LOGIN, the only mechanisms OCN offers: "
	    "Postfix cannot log in (\"no mechanism available\")", opts_name, v);
    }
    v = pfc_Pv(c, "smtp_sasl_mechanism_filter");
    if (*v && strchr(v, ':') == NULL && !pfc_list_has(v, "plain") && !pfc_list_has(v, "login")) {
	pfc_fix_set(c, fix, sizeof(fix), c->maincf, "smtp_sasl_mechanism_filter", "plain, login");
	pfc_add(c, PFC_ERROR, c->maincf, pfc_M(c, "smtp_sasl_mechanism_filter"), fix,
	    "smtp_sasl_mechanism_filter = %s leaves out PLAIN and LOGIN, the only "
	    "mechanisms OCN offers", v);
    }
    check_sasl_plugins(c);
}

/* lookup - the first table of the password maps that has key */

static int
lookup(const struct pfc *c, const char *key, char **value, const char **table)
{
    size_t  i;
    int     r;

    *value = NULL;
    for (i = 0; c->in->ops.lookup && i < c->nmaps; i++) {
	r = c->in->ops.lookup(c->in->ops.ctx, c->maps[i], key, value);
	if (r > 0) {
	    *table = c->maps[i];
	    return (1);
	}
	if (r < 0) {
	    *table = c->maps[i];
	    return (-1);
	}
    }
    return (0);
}

/* pfc_relay_login - the entry Postfix uses for the relayhost: it looks up the
 * host name first, then the relayhost as written; 1 found, 0 not, -1 error */

int
pfc_relay_login(const struct pfc *c, char **value, const char **table, const char **key)
{
    int     r;

    *key = c->relay.host;
    if ((r = lookup(c, c->relay.host, value, table)) != 0)
	return (r);
    *key = c->relay_text;
    return (lookup(c, c->relay_text, value, table));
}

/* pfc_check_relay_key - the password maps have an entry for the relayhost */

void
pfc_check_relay_key(struct pfc *c)
{
    char   *value = NULL;
    char   *other = NULL;
    const char *table = NULL;
    const char *otable = NULL;
    const char *key;
    char    src[PATH_MAX];
    char    db[PATH_MAX];
    char    fix[FIX_MAX];
    int     r;

    if (c->nmaps == 0 || c->in->ops.lookup == NULL || c->maps_broken)
	return;
    r = pfc_relay_login(c, &value, &table, &key);
    if (r < 0) {
	pfc_add(c, PFC_ERROR, c->maincf, pfc_M(c, "smtp_sasl_password_maps"), NULL,
	    "looking up %s in %s failed: %s", key, table, value ? value : "?");
    } else if (r == 0) {
	if (!table_files(c->maps[0], src, sizeof(src), db, sizeof(db)))
	    snprintf(src, sizeof(src), "%s", c->maps[0]);
	snprintf(fix, sizeof(fix), "add to %s: %s ACCOUNT:PASSWORD%s%s", src,
		 c->relay_text, *db ? "\nthen run: postmap " : "", *db ? c->maps[0] : "");
	pfc_add(c, PFC_ERROR, src, 0, fix, "no entry for relayhost %s (Postfix looks up "
	    "%s, then %s): Postfix sends no SMTP AUTH, and OCN refuses the mail",
	    c->relay_text, c->relay.host, c->relay_text);
    } else if (key == c->relay.host
	       && lookup(c, c->relay_text, &other, &otable) > 0
	       && strcmp(other, value) != 0) {
	pfc_add(c, PFC_WARNING, c->maincf, pfc_M(c, "smtp_sasl_password_maps"), NULL,
	    "%s has entries for both %s and %s: Postfix uses the one for %s (the "
	    "host name is looked up first)", table, c->relay.host, c->relay_text,
	    c->relay.host);
    }
    free(value);
    free(other);
}

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

    if (!table_files(table, src, sizeof(src), db, sizeof(db)))
	snprintf(src, sizeof(src), "%s", table);
    char    fix[FIX_MAX];

    snprintf(fix, sizeof(fix), "put your OCN account (mail address) and password "
	     "there, then run: postmap %s", table);
    if (at && (strncasecmp(login, EXAMPLE_USER "@", strlen(EXAMPLE_USER) + 1) == 0
	       || strcasecmp(at + 1, EXAMPLE_DOMAIN) == 0))
	pfc_add(c, PFC_ERROR, src, key_line(c, table, key), fix,
	    "the account for %s is %s, the shipped example's placeholder", key, login);
    if (strcmp(pw, EXAMPLE_PASSWORD) == 0)
	pfc_add(c, PFC_ERROR, src, key_line(c, table, key), c->rep->n
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
	if ((r = lookup(c, t->addr, &value, &table)) == 0 && at) {
	    snprintf(keybuf, sizeof(keybuf), "@%s", domain);
	    key = keybuf;
	    r = lookup(c, keybuf, &value, &table);
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
	if (!table_files(table, src, sizeof(src), db, sizeof(db)))
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
	    key_line(c, table, key) ? ", line " : "", key_line(c, table, key));
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
