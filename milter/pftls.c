/*
 * NAME
 *	pftls - the checks of -P for TLS to OCN and the stunnel route
 * SYNOPSIS
 *	#include "pfctx.h"
 *
 *	pfc_check_tls(c);		the SMTP client's TLS settings
 *	pfc_find_tunnel(c);		is a relayhost on loopback the stunnel route?
 *	pfc_check_loopback_relay(c);	something answers there
 *	pfc_check_stunnel(c);		that stunnel verifies OCN, speaks TLS 1.2
 * DESCRIPTION
 *	The password goes to OCN with AUTH PLAIN or LOGIN: it must never
 *	travel in clear text or to an impostor.  So the SMTP client's level
 *	must not fall back to clear text (may, none) and should check the
 *	certificate (secure or verify, with a CA file and a name OCN's
 *	certificate carries); port 465 is TLS from the first byte, which
 *	Postfix 3.x does with smtp_tls_wrappermode and 2.10 only through
 *	stunnel.  On the stunnel route (relayhost on loopback, a stunnel
 *	config accepting there) Postfix needs no TLS of its own, and the
 *	stunnel config must verify OCN's certificate and offer TLS 1.2
 *	(stunnel 4.56's default is TLS 1.0, which OCN refuses).
 *
 *	Part of pfcheck.c's run; the findings go through pfc_add().
 * DIAGNOSTICS
 *	None of its own.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pfctx.h"

/* --- TLS ----------------------------------------------------------------- */

/* tls_level - the SMTP client's TLS level, the legacy switches included */

static const char *
tls_level(const struct pfc *c, const char **file, int *line)
{
    const char *v = pfc_client_param(c, "smtp_tls_security_level", file, line);

    if (*v)
	return (v);
    if (pf_bool(pfc_P(c, "smtp_enforce_tls")))
	return ("encrypt");
    return (pf_bool(pfc_P(c, "smtp_use_tls")) ? "may" : "none");
}

/* check_cert_match - a name OCN's certificate can carry */

static void
check_cert_match(struct pfc *c, const char *level)
{
    const char *name = strcasecmp(level, "secure") == 0
	? "smtp_tls_secure_cert_match" : "smtp_tls_verify_cert_match";
    const char *v = pfc_Pv(c, name);
    char  **items;
    size_t  n;
    size_t  i;
    int     keyword = 0;
    int     literal = 0;
    int     names_host = 0;
    char    fix[FIX_MAX];

    if ((items = pf_split(v, &n)) == NULL)
	return;
    for (i = 0; i < n; i++) {
	if (strcasecmp(items[i], "nexthop") == 0 || strcasecmp(items[i], "dot-nexthop") == 0
	    || strcasecmp(items[i], "hostname") == 0)
	    keyword = 1;
	else {
	    literal = 1;
	    if (strcasecmp(items[i], c->relay.host) == 0)
		names_host = 1;
	}
    }
    pf_split_free(items, n);
    if (!literal && pf_host_is_ip(c->relay.host)) {
	pfc_fix_set(c, fix, sizeof(fix), c->maincf, name, "smtp.ocn.ne.jp");
	pfc_add(c, PFC_ERROR, c->maincf, pfc_M(c, name), fix,
	    "%s = %s with relayhost %s: the certificate would have to name the "
	    "address %s, which no public certificate does, so every delivery waits",
	    name, v, c->relay_text, c->relay.host);
    } else if (literal && !keyword && !names_host && !pf_host_is_ip(c->relay.host)) {
	pfc_add(c, PFC_WARNING, c->maincf, pfc_M(c, name), NULL,
	    "%s = %s does not name the relay host %s: its certificate must carry "
	    "one of those names", name, v, c->relay.host);
    }
}

/* check_tls_ca - what the certificate is checked against */

static void
check_tls_ca(struct pfc *c, int verifying)
{
    const char *cafile = pfc_Pv(c, "smtp_tls_CAfile");
    const char *capath = pfc_Pv(c, "smtp_tls_CApath");
    struct stat st;
    int     have = 0;

    if (*capath && c->in->ops.stat) {
	if (c->in->ops.stat(c->in->ops.ctx, capath, &st) == 0 && !S_ISDIR(st.st_mode))
	    pfc_add(c, PFC_ERROR, c->maincf, pfc_M(c, "smtp_tls_CApath"),
		"remove it, and name the CA bundle in smtp_tls_CAfile",
		"smtp_tls_CApath = %s is a file: it must be a directory of hashed CA "
		"certificates (a server's own certificate is neither)", capath);
	else if (c->in->ops.stat(c->in->ops.ctx, capath, &st) == 0)
	    have = 1;
    }
    if (*cafile && c->in->ops.stat) {
	if (c->in->ops.stat(c->in->ops.ctx, cafile, &st) < 0)
	    pfc_add(c, verifying ? PFC_ERROR : PFC_WARNING, c->maincf, pfc_M(c, "smtp_tls_CAfile"),
		"EL: /etc/pki/tls/certs/ca-bundle.crt; Debian: /etc/ssl/certs/ca-certificates.crt",
		"smtp_tls_CAfile = %s does not exist%s", cafile, verifying
		? ": no certificate can be verified, every delivery waits" : "");
	else if (!S_ISREG(st.st_mode))
	    pfc_add(c, verifying ? PFC_ERROR : PFC_WARNING, c->maincf, pfc_M(c, "smtp_tls_CAfile"),
		NULL, "smtp_tls_CAfile = %s is not a file", cafile);
	else
	    have = 1;
    }
    if (verifying && !have && !*cafile && !*capath)
	pfc_add(c, PFC_ERROR, c->maincf, 0,
	    "add to main.cf: smtp_tls_CAfile = /etc/pki/tls/certs/ca-bundle.crt",
	    "smtp_tls_CAfile is not set: no certificate can be verified, every "
	    "delivery waits");
}

/* check_wrappermode - port 465 is SMTPS: TLS from the first byte */

static void
check_wrappermode(struct pfc *c)
{
    const char *file;
    const char *wm;
    char    fix[FIX_MAX];
    int     line;
    int     smtps = strcmp(c->relay.port, "465") == 0 || strcmp(c->relay.port, "smtps") == 0;

    if (c->version >= 0 && c->version < 3000) {
	if (pfc_M(c, "smtp_tls_wrappermode"))
	    pfc_add(c, PFC_WARNING, c->maincf, pfc_M(c, "smtp_tls_wrappermode"), "remove it",
		"Postfix %s has no smtp_tls_wrappermode (it came with 3.0): this line "
		"does nothing", c->version_text);
	if (smtps)
	    pfc_add(c, PFC_ERROR, c->maincf, pfc_M(c, "relayhost"),
		"use port 587: relayhost = [smtp.ocn.ne.jp]:587 (STARTTLS)\n"
		"or the stunnel route: block 465-stunnel of main.cf.snippet "
		"and stunnel-ocn.conf",
		"relayhost = %s: Postfix %s cannot speak SMTPS (TLS from the first "
		"byte, port 465; smtp_tls_wrappermode came with 3.0): it waits for a "
		"greeting that never comes", c->relay_text, c->version_text);
	return;
    }
    wm = pfc_client_param(c, "smtp_tls_wrappermode", &file, &line);
    if (smtps && !pf_bool(wm)) {
	pfc_fix_set(c, fix, sizeof(fix), file, "smtp_tls_wrappermode", "yes");
	pfc_add(c, PFC_ERROR, file, line ? line : pfc_M(c, "relayhost"), fix,
	    "relayhost = %s is SMTPS (TLS from the first byte) but "
	    "smtp_tls_wrappermode = %s: Postfix waits for a greeting that never "
	    "comes (\"timed out while receiving the initial server greeting\")",
	    c->relay_text, *wm ? wm : "no");
    } else if (!smtps && pf_bool(wm)) {
	pfc_fix_set(c, fix, sizeof(fix), file, "smtp_tls_wrappermode", "no");
	pfc_add(c, PFC_ERROR, file, line, fix,
	    "smtp_tls_wrappermode = yes towards %s: only port 465 speaks TLS from "
	    "the first byte; port 587 expects STARTTLS", c->relay_text);
    }
}

/* secure_fix - what "secure" needs besides the level: the name, the CAs */

static void
secure_fix(const struct pfc *c, char *fix, size_t len, int l)
{
    if (l > 0 && (size_t) l < len && pfc_M(c, "smtp_tls_secure_cert_match") == 0)
	l += snprintf(fix + l, len - l,
		      "\nadd to main.cf: smtp_tls_secure_cert_match = smtp.ocn.ne.jp");
    if (l > 0 && (size_t) l < len && *pfc_Pv(c, "smtp_tls_CAfile") == 0)
	(void) snprintf(fix + l, len - l, "\nadd to main.cf: smtp_tls_CAfile = "
			"/etc/pki/tls/certs/ca-bundle.crt (Debian: /etc/ssl/certs/ca-certificates.crt)");
}

/* pfc_check_tls - the password never travels in clear or to an impostor */

void
pfc_check_tls(struct pfc *c)
{
    const char *file;
    const char *level;
    char    fix[FIX_MAX];
    int     line;
    int     l;

    level = tls_level(c, &file, &line);
    if (c->stunnel) {
	if (strcasecmp(level, "none") != 0 && strcasecmp(level, "may") != 0) {
	    pfc_fix_set(c, fix, sizeof(fix), file, "smtp_tls_security_level", "none");
	    pfc_add(c, PFC_ERROR, file, line, fix,
		"smtp_tls_security_level = %s towards %s on loopback: the stunnel "
		"route does TLS in stunnel, Postfix gets no STARTTLS there (\"TLS is "
		"required, but was not offered\")", level, c->relay_text);
	}
	return;
    }
    if (strcasecmp(level, "encrypt") == 0) {
	l = snprintf(fix, sizeof(fix), "change it to: smtp_tls_security_level = secure");
	secure_fix(c, fix, sizeof(fix), l);
	pfc_add(c, PFC_WARNING, file, line, fix,
	    "smtp_tls_security_level = encrypt does not check the certificate: "
	    "an attacker on the path can pose as OCN and collect the password "
	    "(AUTH PLAIN)");
    } else if (strcasecmp(level, "secure") == 0 || strcasecmp(level, "verify") == 0) {
	check_cert_match(c, level);
    } else if (strcasecmp(level, "fingerprint") != 0) {
	l = snprintf(fix, sizeof(fix), "%s smtp_tls_security_level = secure",
		     line ? "change it to:" : "add to main.cf:");
	secure_fix(c, fix, sizeof(fix), l);
	pfc_add(c, PFC_ERROR, file, line, fix,
	    "smtp_tls_security_level = %s while logging in to OCN: without "
	    "STARTTLS (refused, or stripped by an attacker) the password (AUTH "
	    "PLAIN) and the mail go in clear text%s", level, c->loopback
	    ? " (if the relayhost on loopback is a stunnel to OCN, name its config "
	    "with -S FILE)" : "");
    }
    check_tls_ca(c, strcasecmp(level, "secure") == 0 || strcasecmp(level, "verify") == 0);
    if (*pfc_Pv(c, "smtp_tls_policy_maps"))
	pfc_add(c, PFC_WARNING, c->maincf, pfc_M(c, "smtp_tls_policy_maps"), NULL,
	    "smtp_tls_policy_maps = %s may set another TLS level for OCN: not "
	    "checked here", pfc_Pv(c, "smtp_tls_policy_maps"));
    check_wrappermode(c);
}

/* --- the stunnel route --------------------------------------------------- */

/* stunnel_value - key's value between lines from and to (0: the end) of a
 * stunnel config; *line gets its line */

static int
stunnel_value(const char *text, int from, int to, const char *key, char *buf,
	              size_t len, int *line)
{
    const char *p;
    const char *end;
    const char *eq;
    size_t  klen = strlen(key);
    size_t  n;
    int     lineno = 0;
    int     found = 0;

    for (p = text; *p; p = *end ? end + 1 : end) {
	end = p + strcspn(p, "\n");
	lineno++;
	if (lineno < from || (to && lineno >= to))
	    continue;
	p += strspn(p, " \t");
	if (*p == ';' || *p == '#' || (eq = memchr(p, '=', end - p)) == NULL)
	    continue;
	for (n = eq - p; n > 0 && isspace((unsigned char) p[n - 1]); n--)
	     /* void */ ;
	if (n != klen || strncasecmp(p, key, klen) != 0)
	    continue;
	eq++;
	eq += strspn(eq, " \t");
	for (n = end - eq; n > 0 && isspace((unsigned char) eq[n - 1]); n--)
	     /* void */ ;
	snprintf(buf, len, "%.*s", (int) n, eq);
	*line = found = lineno;
    }
    return (found != 0);
}

/* stunnel_accepts - does "accept = [HOST:]PORT" take the relayhost? */

static int
stunnel_accepts(const struct pfc *c, const char *accept)
{
    const char *colon = strrchr(accept, ':');
    const char *port = colon ? colon + 1 : accept;
    char    host[256];

    if (strcmp(port, *c->relay.port ? c->relay.port : "25") != 0)
	return (0);
    if (colon == NULL)
	return (1);
    snprintf(host, sizeof(host), "%.*s", (int) (colon - accept), accept);
    return (strcasecmp(host, c->relay.host) == 0
	    || (pf_host_is_loopback(host) && pf_host_is_loopback(c->relay.host)));
}

/* pfc_find_tunnel - relayhost on loopback: is it the stunnel route?  Yes when
 * the stunnel config (-S, else /etc/stunnel/ocn.conf) has a service that
 * accepts there; a config that exists but has none is an error */

void
pfc_find_tunnel(struct pfc *c)
{
    const char *path = c->in->stunnel_conf ? c->in->stunnel_conf : "/etc/stunnel/ocn.conf";
    char   *text = NULL;
    const char *p;
    const char *end;
    char    val[PATH_MAX];
    int     lineno = 0;
    int     first = 0;
    int     section = 0;
    int     line;

    if (!c->loopback)
	return;
    if (c->in->ops.read_file)
	text = c->in->ops.read_file(c->in->ops.ctx, path);
    if (text == NULL) {
	if (c->in->stunnel_conf)
	    pfc_add(c, PFC_WARNING, path, 0, NULL, "cannot read this stunnel config "
		    "(-S): the stunnel route to relayhost %s is not checked", c->relay_text);
	return;
    }
    /* The sections; the one whose accept takes the relayhost's port. */
    for (p = text; *p; p = *end ? end + 1 : end) {
	end = p + strcspn(p, "\n");
	lineno++;
	if (p[strspn(p, " \t")] != '[')
	    continue;
	if (first == 0)
	    first = lineno;
	if (section && c->st_from == 0
	    && stunnel_value(text, section + 1, lineno, "accept", val, sizeof(val), &line)
	    && stunnel_accepts(c, val)) {
	    c->st_from = section;
	    c->st_to = lineno;
	}
	section = lineno;
    }
    if (section && c->st_from == 0
	&& stunnel_value(text, section + 1, 0, "accept", val, sizeof(val), &line)
	&& stunnel_accepts(c, val)) {
	c->st_from = section;
	c->st_to = 0;
    }
    if (c->st_from == 0) {
	pfc_add(c, PFC_ERROR, path, 0, NULL, "no service here accepts on %s:%s, where "
		"relayhost = %s sends the mail", c->relay.host,
		*c->relay.port ? c->relay.port : "25", c->relay_text);
	free(text);
	return;
    }
    c->stunnel = 1;
    c->st_text = text;
    c->st_path = path;
    c->st_global_end = first;
}

/* pfc_check_loopback_relay - something must listen on a relayhost on loopback */

void
pfc_check_loopback_relay(struct pfc *c)
{
    struct pf_sock s;

    memset(&s, 0, sizeof(s));
    s.kind = PF_SOCK_INET;
    snprintf(s.host, sizeof(s.host), "%s", c->relay.host);
    snprintf(s.port, sizeof(s.port), "%s", *c->relay.port ? c->relay.port : "25");
    if (c->in->ops.listening && c->in->ops.listening(c->in->ops.ctx, &s) == 0)
	pfc_add(c, PFC_ERROR, c->maincf, pfc_M(c, "relayhost"),
		c->stunnel ? "start it: systemctl enable --now stunnel-ocn" : NULL,
		"relayhost = %s, but nothing listens there%s, and mail waits",
		c->relay_text, c->stunnel ? ": the stunnel route to OCN's port 465 "
		"is not running" : "");
}

/* pfc_check_stunnel - the stunnel route verifies OCN and speaks what OCN takes */

void
pfc_check_stunnel(struct pfc *c)
{
    const char *path = c->st_path;
    const char *text = c->st_text;
    const char *p;
    struct stat st;
    char    val[PATH_MAX];
    char    fix[FIX_MAX];
    int     from = c->st_from;
    int     to = c->st_to;
    int     line;

#define ST_VALUE(key) \
	(stunnel_value(text, from + 1, to, (key), val, sizeof(val), &line) \
	 || (c->st_global_end > 1 \
	     && stunnel_value(text, 1, c->st_global_end, (key), val, sizeof(val), &line)))
    if (!ST_VALUE("client") || !pf_bool(val))
	pfc_add(c, PFC_ERROR, path, from, "add to that service: client = yes",
	    "the service for relayhost %s is not a client (client = yes): it would "
	    "wait for TLS from Postfix", c->relay_text);
    if (ST_VALUE("connect")) {
	p = strrchr(val, ':');
	if (p == NULL || (strcmp(p + 1, "465") != 0 && strcmp(p + 1, "smtps") != 0))
	    pfc_add(c, PFC_WARNING, path, line, NULL, "connect = %s: OCN speaks SMTPS (TLS "
		"from the first byte) on port 465", val);
    }
    if (!(ST_VALUE("verifyChain") && pf_bool(val))
	&& (!ST_VALUE("verify") || atoi(val) < 2))
	pfc_add(c, PFC_ERROR, path, ST_VALUE("verify") ? line : from, "verify = 2",
	    "stunnel does not check OCN's certificate: anyone on the path can pose "
	    "as OCN and collect the password");
    if (ST_VALUE("CAfile")) {
	if (c->in->ops.stat && c->in->ops.stat(c->in->ops.ctx, val, &st) < 0)
	    pfc_add(c, PFC_ERROR, path, line, NULL, "CAfile = %s does not exist: stunnel "
		"cannot verify OCN, and mail waits", val);
    } else if (!ST_VALUE("CApath")) {
	pfc_add(c, PFC_ERROR, path, from, "CAfile = /etc/pki/tls/certs/ca-bundle.crt",
	    "no CAfile: stunnel cannot verify OCN's certificate");
    }
    if (!ST_VALUE("sslVersion") && !ST_VALUE("sslVersionMin"))
	pfc_add(c, PFC_WARNING, path, from, "sslVersion = TLSv1.2",
	    "no sslVersion: stunnel 4.56 (CentOS 7) then offers TLS 1.0 only, which "
	    "OCN refuses (it takes TLS 1.2 or newer)");
    if (!ST_VALUE("checkHost")) {
	snprintf(fix, sizeof(fix), "stunnel 5.15 and later: checkHost = smtp.ocn.ne.jp\n"
		 "stunnel 4.56: port 587 with smtp_tls_security_level = secure checks the name");
	pfc_add(c, PFC_WARNING, path, from, fix, "stunnel checks that OCN's certificate "
	    "comes from a CA in CAfile, not that it was issued to smtp.ocn.ne.jp: "
	    "any certificate a public CA signed passes");
    }
#undef ST_VALUE
}

/* --- all of it ----------------------------------------------------------- */
