/*
 * NAME
 *	pflogin - the OCN login: Postfix's SASL client and its password maps
 * SYNOPSIS
 *	#include "pfctx.h"
 *
 *	pfc_check_sasl(c);
 *	pfc_check_relay_key(c);
 * DESCRIPTION
 *	The checks of envfrom-milter -P (pfcheck.c) that are about who
 *	Postfix logs in to OCN as: OCN takes a message only when that login
 *	is the sender the rules make (pfrules.c checks that side).
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
 *	The rules' side of the login (whom they make the sender) is
 *	pfrules.c.
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

/* --- SASL ---------------------------------------------------------------- */

/* pfc_table_files - the source file of a table and its indexed file, if any;
 * 0 when the table has no file of its own */

int
pfc_table_files(const char *table, char *src, size_t slen, char *db, size_t dlen)
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

/* pfc_key_line - the line of a table's source file whose key is key; 0 if none */

int
pfc_key_line(const struct pfc *c, const char *table, const char *key)
{
    char    src[PATH_MAX];
    char    db[PATH_MAX];
    char   *text;
    const char *line;
    const char *end;
    size_t  klen = strlen(key);
    int     lineno = 0;
    int     found = 0;

    if (c->in->ops.read_file == NULL || !pfc_table_files(table, src, sizeof(src), db, sizeof(db))
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

    if (c->in->ops.stat == NULL || !pfc_table_files(table, src, sizeof(src), db, sizeof(db)))
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

/* pfc_lookup - the first table of the password maps that has key */

int
pfc_lookup(const struct pfc *c, const char *key, char **value, const char **table)
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
    if ((r = pfc_lookup(c, c->relay.host, value, table)) != 0)
	return (r);
    *key = c->relay_text;
    return (pfc_lookup(c, c->relay_text, value, table));
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
	if (!pfc_table_files(c->maps[0], src, sizeof(src), db, sizeof(db)))
	    snprintf(src, sizeof(src), "%s", c->maps[0]);
	snprintf(fix, sizeof(fix), "add to %s: %s ACCOUNT:PASSWORD%s%s", src,
		 c->relay_text, *db ? "\nthen run: postmap " : "", *db ? c->maps[0] : "");
	pfc_add(c, PFC_ERROR, src, 0, fix, "no entry for relayhost %s (Postfix looks up "
	    "%s, then %s): Postfix sends no SMTP AUTH, and OCN refuses the mail",
	    c->relay_text, c->relay.host, c->relay_text);
    } else if (key == c->relay.host
	       && pfc_lookup(c, c->relay_text, &other, &otable) > 0
	       && strcmp(other, value) != 0) {
	pfc_add(c, PFC_WARNING, c->maincf, pfc_M(c, "smtp_sasl_password_maps"), NULL,
	    "%s has entries for both %s and %s: Postfix uses the one for %s (the "
	    "host name is looked up first)", table, c->relay.host, c->relay_text,
	    c->relay.host);
    }
    free(value);
    free(other);
}
