/*
 * NAME
 *	test_pfconf - postconf output, main.cf/master.cf lines, milter sockets
 * DESCRIPTION
 *	Table-driven tests of the parsing half of envfrom-milter -P: canned
 *	postconf -x/-n/-M output as Postfix 2.10 and 3.x print it, main.cf
 *	and master.cf texts, the two socket syntaxes, relayhost forms.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pfconf.h"
#include "tap.h"

/* test_params - "name = value" lines; the last one for a name wins */

static void
test_params(void)
{
    struct pf_params pp;

    memset(&pp, 0, sizeof(pp));
    ok(pf_params_parse(&pp, "relayhost = [smtp.ocn.ne.jp]:587\n"
		       "mydestination =\n"
		       "smtpd_milters = inet:127.0.0.1:8891,  inet:127.0.0.1:8894  \n"
		       "    continuation = ignored\n"
		       "relayhost = [127.0.0.1]:11125\n"
		       "no equals sign here\n"
		       "last = no newline") == 0, "params parse");
    is_str(pf_param(&pp, "relayhost"), "[127.0.0.1]:11125", "the last setting wins");
    is_str(pf_param(&pp, "mydestination"), "", "an empty value is a value");
    is_str(pf_param(&pp, "smtpd_milters"), "inet:127.0.0.1:8891,  inet:127.0.0.1:8894",
	   "trailing white space trimmed, inner kept");
    is_str(pf_param(&pp, "last"), "no newline", "last line without newline");
    ok(pf_param(&pp, "continuation") == NULL, "indented lines are not parameters");
    ok(pf_param(&pp, "smtp_tls_wrappermode") == NULL, "absent: NULL");
    is_long((long) pp.n, 4, "four parameters");
    pf_params_free(&pp);
}

/* test_maincf_line - where main.cf sets a parameter */

static void
test_maincf_line(void)
{
    static const char *maincf =
	"# relayhost = [commented]\n"		/* 1 */
	"relayhost = [smtp.ocn.ne.jp]:25\n"	/* 2 */
	"smtpd_milters =\n"			/* 3 */
	"    inet:127.0.0.1:8891\n"		/* 4: continuation */
	"relayhost_extra = x\n"			/* 5 */
	"relayhost=[smtp.ocn.ne.jp]:587\n"	/* 6 */
	"  relayhost = indented\n"		/* 7 */
	"mynetworks    =    127.0.0.0/8\n";	/* 8 */

    is_long(pf_maincf_line(maincf, "relayhost"), 6, "the last of two settings");
    is_long(pf_maincf_line(maincf, "smtpd_milters"), 3, "a value on the next line");
    is_long(pf_maincf_line(maincf, "mynetworks"), 8, "spaces around =");
    is_long(pf_maincf_line(maincf, "relayhost_extra"), 5, "a longer name");
    is_long(pf_maincf_line(maincf, "inet"), 0, "continuation text is no parameter");
    is_long(pf_maincf_line(maincf, "soft_bounce"), 0, "absent: 0");
    is_long(pf_maincf_line("", "relayhost"), 0, "empty file");
}

/* test_master - postconf -M entries, their master.cf lines, -o overrides */

static void
test_master(void)
{
    /* As postconf -M prints it (2.10 and 3.x alike): one line per entry. */
    static const char *postconf_m =
	"smtp       inet  n       -       n       -       -       smtpd\n"
	"submission inet  n       -       y       -       -       smtpd -o syslog_name=postfix/submission -o smtpd_milters= -o smtpd_tls_security_level=encrypt\n"
	"smtp       unix  -       -       n       -       -       smtp -o smtp_tls_security_level=may\n"
	"relay      unix  -       -       n       -       -       smtp -o { smtp_tls_wrappermode = yes }\n"
	"short line\n";
    static const char *mastercf =
	"# ==========\n"				/* 1 */
	"smtp      inet  n       -       n       -       -       smtpd\n"	/* 2 */
	"#submission inet n       -       n       -       -       smtpd\n"	/* 3 */
	"submission inet n       -       y       -       -       smtpd\n"	/* 4 */
	"  -o syslog_name=postfix/submission\n"	/* 5 */
	"  -o smtpd_milters=\n"			/* 6 */
	"  -o smtpd_tls_security_level=encrypt\n"	/* 7 */
	"smtp      unix  -       -       n       -       -       smtp\n"	/* 8 */
	"  -o smtp_tls_security_level=may\n"	/* 9 */
	"relay     unix  -       -       n       -       -       smtp\n"	/* 10 */
	"  -o { smtp_tls_wrappermode = yes }\n";	/* 11 */
    struct pf_master pm;
    const struct pf_service *s;

    memset(&pm, 0, sizeof(pm));
    ok(pf_master_parse(&pm, postconf_m) == 0, "postconf -M parses");
    is_long((long) pm.n, 4, "four entries (a short line is no entry)");
    pf_master_lines(&pm, mastercf);
    s = &pm.v[1];
    is_str(s->name, "submission", "entry 2 name");
    is_str(s->chroot, "y", "entry 2 chroot column");
    is_str(s->command, "smtpd", "entry 2 command");
    is_long(s->line, 4, "entry 2 found on line 4, not the commented line 3");
    is_str(pf_service_opt(s, "smtpd_milters"), "", "-o smtpd_milters= is empty");
    is_str(pf_service_opt(s, "syslog_name"), "postfix/submission", "-o syslog_name");
    ok(pf_service_opt(s, "smtpd_tls") == NULL, "a prefix of a name is not the name");
    is_long(pf_service_opt_line(s, mastercf, "smtpd_milters"), 6, "line of its -o");
    is_long(pf_service_opt_line(s, mastercf, "nothing"), 4, "no such -o: the entry's line");
    s = &pm.v[2];
    is_long(s->line, 8, "smtp unix on line 8 (same name, other type)");
    is_str(pf_service_opt(s, "smtp_tls_security_level"), "may", "client override");
    is_long(pf_service_opt_line(s, mastercf, "smtp_tls_security_level"), 9, "its line");
    s = &pm.v[3];
    is_str(pf_service_opt(s, "smtp_tls_wrappermode"), "yes", "-o { name = value }");
    is_long(pf_service_opt_line(s, mastercf, "smtp_tls_wrappermode"), 11, "its line");
    ok(pm.v[0].line == 2, "smtp inet on line 2");
    pf_master_free(&pm);
}

/* test_split - Postfix lists */

static void
test_split(void)
{
    char  **v;
    size_t  n;

    v = pf_split(" inet:127.0.0.1:8891, inet:127.0.0.1:8894\t{ inet:127.0.0.1:8893, "
		 "default_action = accept },,unix:x ", &n);
    ok(v != NULL, "split");
    is_long((long) n, 4, "four items, braces kept together");
    is_str(v[0], "inet:127.0.0.1:8891", "item 1");
    is_str(v[2], "{ inet:127.0.0.1:8893, default_action = accept }", "item 3: the group");
    is_str(v[3], "unix:x", "item 4");
    ok(v[4] == NULL, "NULL-terminated");
    pf_split_free(v, n);
    v = pf_split("", &n);
    ok(v != NULL && n == 0, "empty list");
    pf_split_free(v, n);
}

/* test_version - mail_version into a comparable number */

static void
test_version(void)
{
    is_long(pf_version("2.10.1"), 2010, "2.10.1");
    is_long(pf_version("3.7.11"), 3007, "3.7.11");
    is_long(pf_version("3.10-20240101"), 3010, "a snapshot");
    is_long(pf_version(""), -1, "empty");
    is_long(pf_version("x"), -1, "garbage");
    ok(pf_version("2.10.1") < 3000 && pf_version("3.0.0") >= 3000, "2.10 < 3.0");
}

/* test_sockets - the two syntaxes of one socket */

static void
test_sockets(void)
{
    static const struct {
	const char *milter;		/* libmilter syntax */
	const char *postfix;		/* Postfix syntax */
	int     chrooted;
	int     same;
    }       t[] = {
	{"inet:8894@127.0.0.1", "inet:127.0.0.1:8894", 0, 1},
	{"inet:8894@127.0.0.1", "inet:localhost:8894", 0, 1},
	{"inet:8894@localhost", "inet:127.0.0.1:8894", 0, 1},
	{"inet:8894@127.0.0.1", "inet:127.0.0.1:8891", 0, 0},
	{"inet:8894@127.0.0.1", "inet:192.168.1.2:8894", 0, 0},
	{"inet:8894", "inet:192.168.1.2:8894", 0, 1},
	{"inet:8894@0.0.0.0", "inet:127.0.0.1:8894", 0, 1},
	{"inet6:8894@[::1]", "inet:[::1]:8894", 0, 1},
	{"inet6:8894@::1", "inet:[::1]:8894", 0, 1},
	{"inet:8894@127.0.0.1", "{ inet:127.0.0.1:8894, default_action = accept }", 0, 1},
	{"unix:/var/spool/postfix/efm/s.sock", "unix:efm/s.sock", 0, 1},
	{"unix:/var/spool/postfix/efm/s.sock", "unix:efm/s.sock", 1, 1},
	{"unix:/var/spool/postfix/efm/s.sock", "unix:/efm/s.sock", 1, 1},
	{"unix:/var/spool/postfix/efm/s.sock", "unix:/efm/s.sock", 0, 0},
	{"local:/run/efm/s.sock", "unix:/run/efm/s.sock", 0, 1},
	{"/run/efm/s.sock", "unix:/run/efm//s.sock", 0, 1},
	{"unix:/run/efm/s.sock", "unix:/run/efm/s.sock", 1, 0},
	{"unix:/run/efm/s.sock", "inet:127.0.0.1:8894", 0, 0},
	{"inet:8894@127.0.0.1", "unix:/run/efm/s.sock", 0, 0},
    };
    struct pf_sock m;
    struct pf_sock p;
    size_t  i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
	if (pf_sock_libmilter(t[i].milter, &m) < 0 || pf_sock_postfix(t[i].postfix, &p) < 0) {
	    ok(0, "parse %s / %s", t[i].milter, t[i].postfix);
	    continue;
	}
	is_long(pf_sock_same(&m, &p, "/var/spool/postfix", t[i].chrooted), t[i].same,
		"%s %s %s%s", t[i].milter, t[i].same ? "is" : "is not", t[i].postfix,
		t[i].chrooted ? " (chrooted)" : "");
    }
    ok(pf_sock_libmilter("inet:@127.0.0.1", &m) < 0, "libmilter: no port");
    ok(pf_sock_libmilter("tcp:8894", &m) < 0, "libmilter: unknown kind");
    ok(pf_sock_postfix("inet:8894@127.0.0.1", &p) < 0, "Postfix: libmilter syntax has no HOST:PORT");
    ok(pf_sock_postfix("inet:127.0.0.1:", &p) < 0, "Postfix: no port");
    ok(pf_sock_postfix("unix:", &p) < 0, "Postfix: no path");
}

/* test_forms - the Postfix spelling of a libmilter socket, and the mistake */

static void
test_forms(void)
{
    static const struct {
	const char *milter;
	const char *postfix;
    }       t[] = {
	{"inet:8894@127.0.0.1", "inet:127.0.0.1:8894"},
	{"inet:8894", "inet:127.0.0.1:8894"},
	{"inet6:8894@[::1]", "inet:[::1]:8894"},
	{"unix:/var/spool/postfix/efm/s.sock", "unix:efm/s.sock"},
	{"unix:/run/efm/s.sock", "unix:/run/efm/s.sock"},
    };
    struct pf_sock m;
    char    buf[256];
    size_t  i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
	if (pf_sock_libmilter(t[i].milter, &m) < 0) {
	    ok(0, "parse %s", t[i].milter);
	    continue;
	}
	pf_sock_postfix_form(&m, "/var/spool/postfix", buf, sizeof(buf));
	is_str(buf, t[i].postfix, "Postfix writes %s as", t[i].milter);
    }
    ok(pf_sock_is_libmilter_syntax("inet:8894@127.0.0.1"), "libmilter syntax seen");
    ok(pf_sock_is_libmilter_syntax("{ inet:8894@127.0.0.1, default_action = accept }"),
       "libmilter syntax seen in braces");
    ok(!pf_sock_is_libmilter_syntax("inet:127.0.0.1:8894"), "Postfix syntax is not");
    ok(!pf_sock_is_libmilter_syntax("unix:efm/s.sock"), "unix is not");
}

/* test_relay - relayhost forms */

static void
test_relay(void)
{
    static const struct {
	const char *in;
	const char *host;
	const char *port;
	int     bracketed;
	int     rc;
    }       t[] = {
	{"[smtp.ocn.ne.jp]:587", "smtp.ocn.ne.jp", "587", 1, 0},
	{"[smtp.ocn.ne.jp]", "smtp.ocn.ne.jp", "", 1, 0},
	{"smtp.ocn.ne.jp:465", "smtp.ocn.ne.jp", "465", 0, 0},
	{"smtp.ocn.ne.jp", "smtp.ocn.ne.jp", "", 0, 0},
	{" [127.0.0.1]:11125, [backup]:25", "127.0.0.1", "11125", 1, 0},
	{"", "", "", 0, -1},
	{"[unclosed:587", "", "", 0, -1},
    };
    struct pf_relay r;
    size_t  i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
	is_long(pf_relay_parse(t[i].in, &r), t[i].rc, "relayhost '%s' parses", t[i].in);
	if (t[i].rc < 0)
	    continue;
	is_str(r.host, t[i].host, "relayhost '%s' host", t[i].in);
	is_str(r.port, t[i].port, "relayhost '%s' port", t[i].in);
	is_long(r.bracketed, t[i].bracketed, "relayhost '%s' brackets", t[i].in);
    }
    ok(pf_host_is_loopback("127.0.0.1") && pf_host_is_loopback("localhost")
       && pf_host_is_loopback("::1") && !pf_host_is_loopback("smtp.ocn.ne.jp"), "loopback");
    ok(pf_host_is_ip("127.0.0.1") && pf_host_is_ip("::1") && !pf_host_is_ip("smtp.ocn.ne.jp"),
       "addresses and names");
    ok(pf_bool("yes") && pf_bool("YES") && pf_bool("true") && !pf_bool("no")
       && !pf_bool("") && !pf_bool(NULL), "booleans");
}

int
main(void)
{
    test_params();
    test_maincf_line();
    test_master();
    test_split();
    test_version();
    test_sockets();
    test_forms();
    test_relay();
    return (tap_done());
}
