/*
 * NAME
 *	test_pfcheck - envfrom-milter -P's checks over canned Postfix settings
 * DESCRIPTION
 *	A made-up system: postconf -x output of Postfix 2.10 or 3.x set up as
 *	the shipped snippet says, main.cf and master.cf texts, password
 *	tables, files with modes and times, listening sockets, plug-in
 *	directories and a stunnel config, all in memory.  Each case changes
 *	one thing and checks the findings: severity, file:line, what is said
 *	and the fix; the baseline must have none.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "pfcheck.h"
#include "tap.h"

#define MAX_ITEMS	16

/* The made-up system. */
struct world {
    int     v210;			/* Postfix 2.10.1, else 3.7.11 */
    const char *set[MAX_ITEMS];		/* "name = value": main.cf settings over the base */
    const char *xonly[MAX_ITEMS];	/* values postconf -x shows that main.cf does not set */
    const char *unset[MAX_ITEMS];	/* base settings main.cf does not have */
    const char *client_opts;		/* -o options of master.cf's smtp unix entry */
    const char *master_extra;		/* more postconf -M lines */
    const char *table[MAX_ITEMS];	/* "TABLE KEY VALUE" entries */
    const char *missing[MAX_ITEMS];	/* files that do not exist */
    int     passwd_mode;		/* 0: 0600 */
    int     db_older;			/* sasl_passwd.db older than the source */
    int     milter_down;
    int     tunnel_up;
    int     no_plugins;
    const char *conf;			/* envfrom-milter.conf, NULL: the OCN one */
    const char *stunnel;		/* stunnel config text */
};

static struct world *W;
static char *maincf;

static const char *base_params =
"config_directory = /etc/postfix\n"
"queue_directory = /var/spool/postfix\n"
"command_directory = /usr/sbin\n"
"default_transport = smtp\n"
"myhostname = server.home.example\n"
"mydomain = home.example\n"
"myorigin = server.home.example\n"
"mydestination = server.home.example, localhost.home.example, localhost\n"
"mynetworks_style = host\n"
"mynetworks = 127.0.0.0/8 192.168.1.0/24\n"
"milter_default_action = tempfail\n"
"smtpd_milters = inet:127.0.0.1:8894\n"
"non_smtpd_milters = inet:127.0.0.1:8894\n"
"relayhost = [smtp.ocn.ne.jp]:587\n"
"smtp_sasl_auth_enable = yes\n"
"smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd\n"
"smtp_sasl_security_options = noanonymous\n"
"smtp_sasl_tls_security_options = noanonymous\n"
"smtp_sasl_mechanism_filter = plain, login\n"
"smtp_sasl_type = cyrus\n"
"smtp_sender_dependent_authentication = no\n"
"smtp_tls_security_level = secure\n"
"smtp_tls_secure_cert_match = smtp.ocn.ne.jp\n"
"smtp_tls_verify_cert_match = hostname\n"
"smtp_tls_CAfile = /etc/pki/tls/certs/ca-bundle.crt\n"
"smtp_tls_CApath =\n"
"smtp_tls_policy_maps =\n"
"smtp_use_tls = no\n"
"smtp_enforce_tls = no\n"
"sender_canonical_maps =\n"
"canonical_maps =\n"
"canonical_classes = envelope_sender, envelope_recipient, header_sender, header_recipient\n"
"masquerade_domains =\n"
"masquerade_classes = envelope_sender, header_sender, header_recipient\n"
"smtp_generic_maps =\n"
"sender_dependent_relayhost_maps =\n"
"smtpd_proxy_filter =\n"
"soft_bounce = no\n"
"import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ XAUTHORITY DISPLAY LANG=C\n";

static const char *base_master =
"smtp       inet  n       -       -       -       -       smtpd\n"
"pickup     unix  n       -       -       60      1       pickup\n"
"cleanup    unix  n       -       -       -       0       cleanup\n"
"smtp       unix  -       -       -       -       -       smtp\n";

static const char *ocn_conf =
"socket = \"inet:8894@127.0.0.1\"\n"
"rule \"ocn\" {\n"
"    recipient = '!@((.+\\.)?home\\.example|localhost)$'\n"
"    rewrite = 'taro@abc.ocn.ne.jp'\n"
"}\n";

/* w_lookup - the table entries of the world */

static int
w_lookup(void *ctx, const char *table, const char *key, char **value)
{
    size_t  i;
    size_t  tl = strlen(table);
    size_t  kl = strlen(key);

    (void) ctx;
    for (i = 0; i < MAX_ITEMS && W->table[i]; i++) {
	const char *e = W->table[i];

	if (strncmp(e, table, tl) == 0 && e[tl] == ' '
	    && strncasecmp(e + tl + 1, key, kl) == 0 && e[tl + 1 + kl] == ' ') {
	    *value = strdup(e + tl + 2 + kl);
	    return (1);
	}
    }
    return (0);
}

/* w_stat - every file exists (0600, a day old) unless listed as missing */

static int
w_stat(void *ctx, const char *path, struct stat *st)
{
    size_t  i;

    (void) ctx;
    for (i = 0; i < MAX_ITEMS && W->missing[i]; i++)
	if (strcmp(W->missing[i], path) == 0) {
	    errno = ENOENT;
	    return (-1);
	}
    memset(st, 0, sizeof(*st));
    st->st_mode = S_IFREG | 0644;
    st->st_mtime = 1000000;
    if (strstr(path, "sasl_passwd")) {
	st->st_mode = S_IFREG | (W->passwd_mode ? W->passwd_mode : 0600);
	if (W->db_older && strstr(path, ".db"))
	    st->st_mtime -= 60;
    }
    if (strcmp(path, "/etc/pki/tls/certs") == 0)
	st->st_mode = S_IFDIR | 0755;
    return (0);
}

/* w_listening - the milter and (if up) the tunnel listen */

static int
w_listening(void *ctx, const struct pf_sock *s)
{
    (void) ctx;
    if (s->kind == PF_SOCK_UNIX || strcmp(s->port, "8894") == 0)
	return (!W->milter_down);
    if (strcmp(s->port, "11125") == 0)
	return (W->tunnel_up);
    return (0);
}

/* w_dir_has - EL's plug-in directory, with PLAIN and LOGIN unless not */

static int
w_dir_has(void *ctx, const char *dir, const char *prefix)
{
    (void) ctx;
    (void) prefix;
    if (strcmp(dir, "/usr/lib64/sasl2") == 0)
	return (!W->no_plugins);
    if (strcmp(dir, "/empty") == 0)
	return (0);
    return (-1);
}

/* w_read_file - sasl_passwd (from the table entries) and the stunnel config */

static char *
w_read_file(void *ctx, const char *path)
{
    char    buf[4096] = "";
    size_t  i;

    (void) ctx;
    if (strcmp(path, "/etc/stunnel/ocn.conf") == 0)
	return (W->stunnel ? strdup(W->stunnel) : NULL);
    for (i = 0; i < MAX_ITEMS && W->table[i]; i++) {
	const char *e = W->table[i];
	size_t  tl = strcspn(e, " ");

	if (tl > 5 && strncmp(e + 5, path, tl - 5) == 0 && strlen(path) == tl - 5) {
	    strncat(buf, e + tl + 1, sizeof(buf) - strlen(buf) - 2);
	    strcat(buf, "\n");
	}
    }
    return (strdup(buf));
}

/* run - pfcheck over the world; the printed report (static) */

static const char *
run(struct world *w, size_t *errors, size_t *warnings)
{
    static char *out;
    struct pf_params params;
    struct pf_params set;
    struct pf_master master;
    struct pfc_input in;
    struct pfc_report rep;
    struct config_msgs msgs;
    struct config *cf;
    const char *conf = w->conf ? w->conf : ocn_conf;
    size_t  len = 0;
    size_t  i;
    char    settext[4096] = "";
    char    xtext[4096] = "";
    char    mtext[4096];
    char   *base;
    char   *line;
    FILE   *fp;

    W = w;
    memset(&params, 0, sizeof(params));
    memset(&set, 0, sizeof(set));
    memset(&master, 0, sizeof(master));
    memset(&rep, 0, sizeof(rep));
    memset(&msgs, 0, sizeof(msgs));
    (void) pf_params_parse(&params, base_params);
    (void) pf_params_parse(&params, w->v210 ? "mail_version = 2.10.1\n" : "mail_version = 3.7.11\n");
    /* main.cf: the base, then the case's settings (last wins, as in Postfix) */
    for (i = 0; i < MAX_ITEMS && w->set[i]; i++) {
	strcat(settext, w->set[i]);
	strcat(settext, "\n");
    }
    for (i = 0; i < MAX_ITEMS && w->xonly[i]; i++) {
	strcat(xtext, w->xonly[i]);
	strcat(xtext, "\n");
    }
    (void) pf_params_parse(&params, settext);
    (void) pf_params_parse(&params, xtext);
    /* main.cf and postconf -n: the base without the unset names, then the case's */
    base = strdup(base_params);
    for (i = 0; i < MAX_ITEMS && w->unset[i]; i++) {
	size_t  nl = strlen(w->unset[i]);

	for (line = base; *line; line += strcspn(line, "\n") + 1)
	    if (strncmp(line, w->unset[i], nl) == 0 && line[nl] == ' ')
		memset(line, '#', strcspn(line, "\n"));
    }
    free(maincf);
    maincf = malloc(strlen(base) + strlen(settext) + 1);
    strcpy(maincf, base);
    strcat(maincf, settext);
    (void) pf_params_parse(&set, maincf);
    free(base);
    snprintf(mtext, sizeof(mtext), "%s%s\n", base_master, w->client_opts ? w->client_opts : "");
    mtext[strlen(base_master) - 1] = ' ';	/* the options go on the smtp unix line */
    (void) pf_master_parse(&master, mtext);
    if (w->master_extra)
	(void) pf_master_parse(&master, w->master_extra);
    if ((cf = config_load_text("envfrom-milter.conf", conf, strlen(conf), &msgs)) == NULL)
	for (i = 0; i < msgs.n; i++)
	    printf("# %s\n", msgs.v[i].text);
    config_msgs_free(&msgs);

    memset(&in, 0, sizeof(in));
    in.config_dir = "/etc/postfix";
    in.params = &params;
    in.set = &set;
    in.maincf = maincf;
    in.master = &master;
    in.mastercf = "";
    in.conf_path = "envfrom-milter.conf";
    in.cf = cf;
    in.conf_text = conf;
    in.ops.lookup = w_lookup;
    in.ops.stat = w_stat;
    in.ops.listening = w_listening;
    in.ops.dir_has = w_dir_has;
    in.ops.read_file = w_read_file;
    (void) pfcheck(&in, &rep);
    free(out);
    out = NULL;
    fp = open_memstream(&out, &len);
    pfc_report_print(&rep, fp);
    fclose(fp);
    *errors = rep.errors;
    *warnings = rep.warnings;
    pfc_report_free(&rep);
    pf_params_free(&params);
    pf_params_free(&set);
    pf_master_free(&master);
    if (cf)
	config_free(cf);
    return (out);
}

/* expect - a case: how many errors and warnings, and text the report holds */

static void
expect(const char *name, struct world *w, size_t want_errors, size_t want_warnings,
       const char *text1, const char *text2)
{
    size_t  e;
    size_t  wn;
    const char *out = run(w, &e, &wn);
    int     good;

    good = e == want_errors && wn == want_warnings
	&& (text1 == NULL || strstr(out, text1)) && (text2 == NULL || strstr(out, text2));
    ok(good, "%s: %lu error(s), %lu warning(s)%s%s%s%s", name, (unsigned long) want_errors,
       (unsigned long) want_warnings, text1 ? ", \"" : "", text1 ? text1 : "",
       text1 ? "\"" : "", text2 ? " ..." : "");
    if (!good)
	printf("# got %lu error(s), %lu warning(s):\n# %s", (unsigned long) e,
	       (unsigned long) wn, out);
}

#define ACCT	"hash:/etc/postfix/sasl_passwd [smtp.ocn.ne.jp]:587 taro@abc.ocn.ne.jp:secret"

int
main(void)
{
    struct world w;

#define CASE(...) do { memset(&w, 0, sizeof(w)); w.table[0] = ACCT; __VA_ARGS__; } while (0)

    CASE();
    expect("baseline (3.x)", &w, 0, 0, "no problems found", NULL);
    CASE(w.v210 = 1);
    expect("baseline (2.10)", &w, 0, 0, "no problems found", NULL);

    /* The milter. */
    CASE(w.set[0] = "smtpd_milters =");
    expect("smtpd_milters empty", &w, 1, 0, "/etc/postfix/main.cf:40: error: smtpd_milters is empty",
	   "change it to: smtpd_milters = inet:127.0.0.1:8894");
    CASE(w.set[0] = "smtpd_milters = inet:8894@127.0.0.1");
    expect("libmilter syntax", &w, 1, 0, "written the libmilter way",
	   "change it to: smtpd_milters = inet:127.0.0.1:8894");
    CASE(w.set[0] = "non_smtpd_milters = inet:127.0.0.1:8891");
    expect("another milter only", &w, 1, 0, "does not name envfrom-milter's socket",
	   "non_smtpd_milters = inet:127.0.0.1:8891, inet:127.0.0.1:8894");
    CASE(w.set[0] = "smtpd_milters = inet:localhost:8891, inet:localhost:8894");
    expect("localhost is 127.0.0.1", &w, 0, 0, NULL, NULL);
    CASE(w.set[0] = "smtpd_milters = { inet:127.0.0.1:8894, default_action = accept }");
    expect("per-milter accept (3.0)", &w, 1, 0, "default_action = accept", NULL);
    CASE(w.set[0] = "milter_default_action = accept");
    expect("default accept", &w, 1, 0, "main.cf:40: error: milter_default_action = accept",
	   "change it to: milter_default_action = tempfail");
    CASE(w.set[0] = "milter_default_action = reject");
    expect("default reject", &w, 0, 1, "milter_default_action = reject", NULL);
    CASE(w.milter_down = 1);
    expect("milter down", &w, 0, 1, "nothing answers on envfrom-milter's socket", NULL);
    CASE(w.master_extra = "submission inet n - n - - smtpd -o smtpd_milters=\n");
    expect("listener drops the milter", &w, 0, 1, "the submission listener overrides", NULL);
    CASE(w.master_extra = "submission inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:8894\n");
    expect("listener keeps the milter", &w, 0, 0, NULL, NULL);
    /* A unix socket: "-" in master.cf means chrooted before Postfix 3.0. */
    CASE(w.conf = "socket = \"unix:/var/spool/postfix/efm/s.sock\"\n"
	 "rule \"ocn\" { recipient = '!@((.+\\.)?home\\.example|localhost)$'  "
	 "rewrite = 'taro@abc.ocn.ne.jp' }\n",
	 w.set[0] = "smtpd_milters = unix:/var/spool/postfix/efm/s.sock",
	 w.set[1] = "non_smtpd_milters = unix:efm/s.sock", w.v210 = 1);
    expect("unix socket, absolute path, chrooted (2.10)", &w, 1, 0,
	   "smtpd_milters = unix:/var/spool/postfix/efm/s.sock does not name", "unix:efm/s.sock");
    w.v210 = 0;
    expect("unix socket, absolute path, not chrooted (3.x)", &w, 0, 0, NULL, NULL);

    /* Rewriting after the milter. */
    CASE(w.set[0] = "sender_canonical_classes = envelope_sender",
	 w.set[1] = "sender_canonical_maps = regexp:/etc/postfix/sender_maps");
    expect("the seed recipe", &w, 1, 0, "main.cf:41: error: sender_canonical_maps",
	   "remove (line 40): sender_canonical_classes = envelope_sender");
    CASE(w.set[0] = "masquerade_domains = ocn.ne.jp");
    expect("masquerading the OCN address", &w, 1, 0, "into taro@ocn.ne.jp", NULL);
    CASE(w.set[0] = "canonical_maps = hash:/etc/postfix/canonical");
    expect("canonical_maps", &w, 0, 1, "canonical_maps = hash:/etc/postfix/canonical", NULL);

    /* The relay. */
    CASE(w.set[0] = "relayhost =");
    expect("no relayhost", &w, 1, 0, "OP25B", "relayhost = [smtp.ocn.ne.jp]:587");
    CASE(w.set[0] = "relayhost = [smtp.ocn.ne.jp]:25",
	 w.table[0] = "hash:/etc/postfix/sasl_passwd [smtp.ocn.ne.jp]:25 taro@abc.ocn.ne.jp:s");
    expect("port 25", &w, 1, 0, "only on port 587", NULL);
    CASE(w.set[0] = "relayhost = smtp.ocn.ne.jp:587",
	 w.table[0] = "hash:/etc/postfix/sasl_passwd smtp.ocn.ne.jp:587 taro@abc.ocn.ne.jp:s");
    expect("no brackets", &w, 0, 1, "without brackets", NULL);
    CASE(w.v210 = 1, w.set[0] = "mynetworks_style = subnet", w.unset[0] = "mynetworks");
    expect("mynetworks unset, subnet (2.10)", &w, 0, 1, "Postfix 2.10.1 trusts every host",
	   "mynetworks_style = subnet");
    CASE(w.set[0] = "soft_bounce = yes");
    expect("soft_bounce", &w, 0, 1, "soft_bounce = yes", NULL);

    /* SASL. */
    CASE(w.set[0] = "smtp_sasl_auth_enable = no");
    expect("SASL off", &w, 1, 0, "smtp_sasl_auth_enable = no",
	   "change it to: smtp_sasl_auth_enable = yes");
    CASE(w.client_opts = "-o smtp_sasl_auth_enable=no");
    expect("SASL off in master.cf for the relay transport", &w, 1, 0,
	   "/etc/postfix/master.cf: error: relayhost", "change it to: -o smtp_sasl_auth_enable=yes");
    CASE(w.set[0] = "smtp_sasl_password_maps =");
    expect("no password map", &w, 1, 0, "smtp_sasl_password_maps is not set", NULL);
    CASE(w.missing[0] = "/etc/postfix/sasl_passwd.db");
    expect("not postmap'ed", &w, 1, 0, "not postmap'ed", "run: postmap hash:/etc/postfix/sasl_passwd");
    CASE(w.missing[0] = "/etc/postfix/sasl_passwd", w.missing[1] = "/etc/postfix/sasl_passwd.db");
    expect("no password file", &w, 1, 0, "which does not exist", NULL);
    CASE(w.db_older = 1);
    expect(".db older", &w, 1, 0, "older than its source", NULL);
    CASE(w.passwd_mode = 0644);
    expect("world-readable", &w, 1, 0, "readable by every user (mode 0644)", NULL);
    CASE(w.passwd_mode = 0640);
    expect("group-readable", &w, 0, 1, "readable by its group", NULL);
    CASE(w.table[0] = "hash:/etc/postfix/sasl_passwd smtp.ocn.ne.jp:587 taro@abc.ocn.ne.jp:s");
    expect("no key", &w, 1, 0, "no entry for relayhost [smtp.ocn.ne.jp]:587",
	   "Postfix looks up smtp.ocn.ne.jp, then [smtp.ocn.ne.jp]:587");
    CASE(w.table[0] = "hash:/etc/postfix/sasl_passwd smtp.ocn.ne.jp taro@abc.ocn.ne.jp:s");
    expect("the bare host name is a key too", &w, 0, 0, NULL, NULL);
    CASE(w.table[0] = "hash:/etc/postfix/sasl_passwd smtp.ocn.ne.jp jiro@abc.ocn.ne.jp:s",
	 w.table[1] = "hash:/etc/postfix/sasl_passwd [smtp.ocn.ne.jp]:587 taro@abc.ocn.ne.jp:s");
    expect("host key wins over the relayhost key", &w, 1, 1, "Postfix uses the one for smtp.ocn.ne.jp",
	   "logs in to OCN as jiro@abc.ocn.ne.jp");
    CASE(w.table[0] = "hash:/etc/postfix/sasl_passwd [smtp.ocn.ne.jp]:587 jiro@abc.ocn.ne.jp:s");
    expect("login is not the rewrite", &w, 1, 0,
	   "envfrom-milter.conf:4: error: rule \"ocn\" makes the sender taro@abc.ocn.ne.jp, but "
	   "Postfix logs in to OCN as jiro@abc.ocn.ne.jp (/etc/postfix/sasl_passwd, key "
	   "[smtp.ocn.ne.jp]:587, line 1)", NULL);
    CASE(w.set[0] = "smtp_sasl_tls_security_options = noplaintext");
    expect("noplaintext with TLS", &w, 1, 0, "smtp_sasl_tls_security_options = noplaintext", NULL);
    CASE(w.unset[0] = "smtp_sasl_security_options", w.unset[1] = "smtp_sasl_tls_security_options",
	 w.xonly[0] = "smtp_sasl_security_options = noplaintext, noanonymous",
	 w.xonly[1] = "smtp_sasl_tls_security_options = noplaintext, noanonymous");
    expect("noplaintext by default", &w, 1, 0, "main.cf: error: smtp_sasl_security_options = "
	   "noplaintext", "add to main.cf: smtp_sasl_security_options = noanonymous");
    CASE(w.set[0] = "smtp_sasl_mechanism_filter = cram-md5");
    expect("filter without PLAIN/LOGIN", &w, 1, 0, "leaves out PLAIN and LOGIN", NULL);
    CASE(w.no_plugins = 1);
    expect("no plug-ins", &w, 1, 0, "No worthy mechs found", "yum install cyrus-sasl-plain");
    CASE(w.set[0] = "import_environment = MAIL_CONFIG SASL_PATH=/empty");
    expect("SASL_PATH without plug-ins", &w, 1, 0, "SASL_PATH=/empty", NULL);

    /* TLS. */
    CASE(w.set[0] = "smtp_tls_security_level = may");
    expect("may", &w, 1, 0, "go in clear text", "change it to: smtp_tls_security_level = secure");
    CASE(w.set[0] = "smtp_tls_security_level =", w.set[1] = "smtp_use_tls = yes");
    expect("legacy smtp_use_tls", &w, 1, 0, "smtp_tls_security_level = may while", NULL);
    CASE(w.set[0] = "smtp_tls_security_level =", w.set[1] = "smtp_enforce_tls = yes");
    expect("legacy smtp_enforce_tls", &w, 0, 1, "encrypt does not check the certificate", NULL);
    CASE(w.set[0] = "smtp_tls_security_level = encrypt");
    expect("encrypt", &w, 0, 1, "pose as OCN", NULL);
    CASE(w.client_opts = "-o smtp_tls_security_level=none");
    expect("none for the relay transport in master.cf", &w, 1, 0,
	   "/etc/postfix/master.cf: error: smtp_tls_security_level = none", NULL);
    CASE(w.set[0] = "smtp_tls_security_level = verify");
    expect("verify", &w, 0, 0, NULL, NULL);
    CASE(w.set[0] = "relayhost = [192.0.2.1]:587", w.set[1] = "smtp_tls_secure_cert_match = nexthop",
	 w.table[0] = "hash:/etc/postfix/sasl_passwd [192.0.2.1]:587 taro@abc.ocn.ne.jp:s");
    expect("secure towards an address", &w, 1, 0, "would have to name the address 192.0.2.1", NULL);
    CASE(w.set[0] = "smtp_tls_secure_cert_match = smtp.example.net");
    expect("secure, another name", &w, 0, 1, "does not name the relay host", NULL);
    CASE(w.missing[0] = "/etc/pki/tls/certs/ca-bundle.crt");
    expect("no CA file", &w, 1, 0, "does not exist: no certificate can be verified", NULL);
    CASE(w.set[0] = "smtp_tls_CAfile =");
    expect("CA file not set", &w, 1, 0, "smtp_tls_CAfile is not set", NULL);
    CASE(w.set[0] = "smtp_tls_CApath = /etc/letsencrypt/live/x/cert.pem");
    expect("CApath is a file", &w, 1, 0, "must be a directory", NULL);
    CASE(w.set[0] = "smtp_tls_CApath = /etc/pki/tls/certs");
    expect("CApath is a directory", &w, 0, 0, NULL, NULL);

    /* Port 465. */
    CASE(w.set[0] = "relayhost = [smtp.ocn.ne.jp]:465",
	 w.table[0] = "hash:/etc/postfix/sasl_passwd [smtp.ocn.ne.jp]:465 taro@abc.ocn.ne.jp:s");
    expect("465 without wrappermode (3.x)", &w, 1, 0, "smtp_tls_wrappermode = no",
	   "add to main.cf: smtp_tls_wrappermode = yes");
    w.set[1] = "smtp_tls_wrappermode = yes";
    expect("465 with wrappermode (3.x)", &w, 0, 0, NULL, NULL);
    w.v210 = 1;
    expect("465 with wrappermode (2.10)", &w, 1, 1, "has no smtp_tls_wrappermode",
	   "cannot speak SMTPS");
    CASE(w.set[0] = "smtp_tls_wrappermode = yes");
    expect("wrappermode towards 587", &w, 1, 0, "expects STARTTLS", NULL);

    /* The stunnel route. */
#define STUNNEL_OK "foreground = yes\n[ocn-smtps]\nclient = yes\naccept = 127.0.0.1:11125\n" \
	"connect = smtp.ocn.ne.jp:465\nsslVersion = TLSv1.2\nverify = 2\n" \
	"CAfile = /etc/pki/tls/certs/ca-bundle.crt\ncheckHost = smtp.ocn.ne.jp\n"
#define TUNNEL w.set[0] = "relayhost = [127.0.0.1]:11125", \
	w.set[1] = "smtp_tls_security_level = none", \
	w.table[0] = "hash:/etc/postfix/sasl_passwd [127.0.0.1]:11125 taro@abc.ocn.ne.jp:s"
    CASE(TUNNEL, w.tunnel_up = 1, w.stunnel = STUNNEL_OK);
    expect("stunnel route", &w, 0, 0, NULL, NULL);
    CASE(TUNNEL, w.stunnel = STUNNEL_OK);
    expect("stunnel down", &w, 1, 0, "nothing listens there", NULL);
    CASE(TUNNEL, w.tunnel_up = 1, w.set[1] = "smtp_tls_security_level = secure",
	 w.stunnel = STUNNEL_OK);
    expect("stunnel route with STARTTLS asked", &w, 1, 0, "TLS is required", NULL);
    CASE(TUNNEL, w.tunnel_up = 1, w.stunnel = "[ocn-smtps]\nclient = yes\n"
	 "accept = 11125\nconnect = smtp.ocn.ne.jp:465\n");
    expect("stunnel as 4.56 would start it", &w, 2, 2, "/etc/stunnel/ocn.conf:1: error: stunnel "
	   "does not check OCN's certificate", "no sslVersion");
    CASE(TUNNEL, w.tunnel_up = 1, w.stunnel = "[other]\naccept = 127.0.0.1:2525\n");
    expect("no stunnel service for the port: not the stunnel route, clear text", &w, 2, 0,
	   "no service here accepts on 127.0.0.1:11125", "go in clear text");
    CASE(TUNNEL, w.tunnel_up = 1);
    expect("no stunnel config: a loopback relay in clear text", &w, 1, 0,
	   "name its config with -S FILE", NULL);
    CASE(w.set[0] = "relayhost = [127.0.0.1]:11125", w.tunnel_up = 1,
	 w.table[0] = "hash:/etc/postfix/sasl_passwd [127.0.0.1]:11125 taro@abc.ocn.ne.jp:s");
    expect("a loopback relay with STARTTLS, no stunnel: checked as any relay", &w, 0, 0, NULL, NULL);
    w.tunnel_up = 0;
    expect("a loopback relay with nothing listening", &w, 1, 0, "nothing listens there, and mail waits",
	   NULL);

    /* The rules. */
    CASE(w.conf = "rule \"ocn\" { transport = '^smtp$'  rewrite = 'taro@abc.ocn.ne.jp' }\n");
    expect("cron mail not rewritten", &w, 1, 0, "cron mail (sendmail(1)) from root@server.home.example",
	   "-t root@server.home.example -r someone@example.com -L -v");
    CASE(w.conf = "rule \"lan\" { client = { \"192.168.1.0/24\" }  rewrite = 'taro@abc.ocn.ne.jp' }\n");
    expect("LAN rule: cron mail missed, LAN mail rewritten", &w, 1, 0, "cron mail", NULL);
    CASE(w.conf = "rule \"all\" { sender = '.'  rewrite = 'taro@abc.ocn.ne.jp' }\n");
    expect("a rule for every sender: local mail too", &w, 0, 3,
	   "also rewrites mail for postmaster@localhost", NULL);
    CASE(w.conf = "rule \"ocn\" {\n recipient = '!@((.+\\.)?home\\.example|localhost)$'\n"
	 " rewrite = 'zzzzz@xxx.ocn.ne.jp'\n}\n",
	 w.table[0] = "hash:/etc/postfix/sasl_passwd [smtp.ocn.ne.jp]:587 zzzzz@xxx.ocn.ne.jp:password");
    expect("placeholders", &w, 3, 0, "envfrom-milter.conf:3: error: rule \"ocn\" rewrites to "
	   "zzzzz@xxx.ocn.ne.jp, the shipped example's placeholder",
	   "the password for [smtp.ocn.ne.jp]:587 is \"password\"");
    CASE(w.set[0] = "mydomain = example.jp", w.set[1] = "myhostname = mail.example.jp",
	 w.set[2] = "myorigin = example.jp", w.set[3] = "mydestination = example.jp, localhost");
    expect("home.example left in the rules", &w, 1, 1, "envfrom-milter.conf:3: error: "
	   "home\\.example is the shipped example's domain", "postmaster@example.jp");
    CASE(w.conf = "rule \"ocn\" { recipient = 'broken(' rewrite = 'x@y' }\n");
    expect("config that does not load", &w, 1, 0, "the rules were not checked", NULL);

    /* Several accounts: smtp_sender_dependent_authentication. */
#define FAMILY_CONF "rule \"taro\" {\n sender = '^taro@home\\.example$'\n" \
	" recipient = '!@((.+\\.)?home\\.example|localhost)$'\n rewrite = 'zz1@aaa.ocn.ne.jp'\n}\n" \
	"rule \"hanako\" {\n sender = '^hanako@home\\.example$'\n" \
	" recipient = '!@((.+\\.)?home\\.example|localhost)$'\n rewrite = 'yy2@bbb.ocn.ne.jp'\n}\n" \
	"rule \"ocn\" {\n recipient = '!@((.+\\.)?home\\.example|localhost)$'\n" \
	" rewrite = 'zz1@aaa.ocn.ne.jp'\n}\n"
    CASE(w.conf = FAMILY_CONF, w.set[0] = "smtp_sender_dependent_authentication = yes",
	 w.table[0] = "hash:/etc/postfix/sasl_passwd zz1@aaa.ocn.ne.jp zz1@aaa.ocn.ne.jp:a",
	 w.table[1] = "hash:/etc/postfix/sasl_passwd yy2@bbb.ocn.ne.jp yy2@bbb.ocn.ne.jp:b",
	 w.table[2] = "hash:/etc/postfix/sasl_passwd [smtp.ocn.ne.jp]:587 zz1@aaa.ocn.ne.jp:a");
    expect("family: a login per sender", &w, 0, 0, NULL, NULL);
    w.set[0] = "smtp_sender_dependent_authentication = no";
    expect("family without sender-dependent authentication", &w, 1, 0,
	   "rule \"hanako\" makes the sender yy2@bbb.ocn.ne.jp, but Postfix logs in to OCN as "
	   "zz1@aaa.ocn.ne.jp", "smtp_sender_dependent_authentication = yes");
    w.set[0] = "smtp_sender_dependent_authentication = yes";
    w.table[1] = NULL;
    w.table[2] = NULL;
    w.table[1] = "hash:/etc/postfix/sasl_passwd [smtp.ocn.ne.jp]:587 zz1@aaa.ocn.ne.jp:a";
    expect("family: one sender without its own entry", &w, 1, 0,
	   "rule \"hanako\" makes the sender yy2@bbb.ocn.ne.jp", NULL);

    return (tap_done());
}
