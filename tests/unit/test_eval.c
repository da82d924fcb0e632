/*
 * NAME
 *	test_eval - rule evaluation: order, conditions, captures, early decisions
 * DESCRIPTION
 *	Each case loads a small config from text and evaluates one message
 *	description; the outcome is compared as a string: "none",
 *	"keep RULE", "rewrite RULE NEW" or "invalid RULE WHY".
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "eval.h"
#include "tap.h"

struct msg {
    const char *sender;
    const char *client;
    const char *auth;
    const char *listener;
    int     local;
    const char *rcpts[4];		/* "addr[,mailer[,host]]" */
    const char *header_from;		/* internal address, or NULL */
    const char *helo;			/* HELO/EHLO name, or NULL */
};

static char outcome[512];

/* load - config from text; NULL (with the messages printed) on error */

static struct config *
load(const char *text)
{
    struct config_msgs msgs;
    struct config *cf;

    memset(&msgs, 0, sizeof(msgs));
    cf = config_load_text("test.conf", text, strlen(text), &msgs);
    if (cf == NULL) {
	size_t  i;

	for (i = 0; i < msgs.n; i++)
	    printf("# %s\n", msgs.v[i].text);
    }
    config_msgs_free(&msgs);
    return (cf);
}

/* decide - evaluate m against the config; the outcome as a string */

static const char *
decide(const struct config *cf, const struct msg *m, int *settled_at_mail)
{
    struct eval_env env;
    struct eval *e;
    struct decision d;
    char    buf[4][256];
    int     i;

    memset(&env, 0, sizeof(env));
    env.logid = "TEST";
    env.sender = m->sender;
    env.auth = m->auth;
    env.listener = m->listener;
    env.local = m->local;
    env.helo = m->helo;
    if (m->client)
	env.has_client = netaddr_parse(m->client, &env.client) >= 0;
    e = eval_start(cf->rules, &env);
    if (settled_at_mail)
	(void) eval_settled(e, settled_at_mail);
    for (i = 0; i < 4 && m->rcpts[i]; i++) {
	struct eval_rcpt rc = {0, 0, 0};
	char   *comma;

	snprintf(buf[i], sizeof(buf[i]), "%s", m->rcpts[i]);
	rc.addr = buf[i];
	if ((comma = strchr(buf[i], ',')) != NULL) {
	    *comma = 0;
	    rc.mailer = comma + 1;
	    if ((comma = strchr(comma + 1, ',')) != NULL) {
		*comma = 0;
		rc.host = comma + 1;
	    }
	}
	eval_rcpt(e, &rc);
    }
    eval_header_from(e, m->header_from);
    eval_finish(e, &d);
    switch (d.kind) {
    case DECISION_NONE:
	snprintf(outcome, sizeof(outcome), "none");
	break;
    case DECISION_KEEP:
	snprintf(outcome, sizeof(outcome), "keep %s", d.rule->name);
	break;
    case DECISION_REWRITE:
	snprintf(outcome, sizeof(outcome), "rewrite %s %s", d.rule->name, d.sender);
	break;
    case DECISION_INVALID:
	snprintf(outcome, sizeof(outcome), "invalid %s %s", d.rule->name, d.why);
	break;
    }
    decision_clear(&d);
    eval_free(e);
    return (outcome);
}

static const char *const ocn_conf =
"rule 'ocn' {\n"
"  sender = '^(.+)@home\\.example$'\n"
"  rewrite = 'zzzzz@xxx.ocn.ne.jp'\n"
"  client = { '192.168.0.0/16', '127.0.0.1', '::1' }\n"
"}\n";

static const char *const many_conf =
"rule 'root-local' { sender = '^root@' recipient = '@home\\.example$' "
"  recipient_mode = 'all' keep = true }\n"
"rule 'by-login' { auth = '^(zzzzz|yyyyy)$' rewrite = 'zzzzz@xxx.ocn.ne.jp' }\n"
"rule 'no-auth-lan' { authenticated = 'no' client = { '192.168.0.0/16' } "
"  sender = '^(?<user>[^@]+)@home\\.example$' rewrite = '${user}.lan@xxx.ocn.ne.jp' }\n"
"rule 'leaving' { transport = '^(smtp|relay)$' nexthop = 'ocn' "
"  rewrite = 'relay@xxx.ocn.ne.jp' }\n"
"rule 'submission' { listener = '^submission$' rewrite = 'sub@xxx.ocn.ne.jp' }\n"
"rule 'cron' { origin = 'local' rewrite = 'cron@xxx.ocn.ne.jp' }\n"
"rule 'hdr' { header_from = '@partner\\.example$' rewrite = 'partner@xxx.ocn.ne.jp' }\n"
"rule 'bounce' { null_sender = true sender = '^$' rewrite = 'mailer-daemon@xxx.ocn.ne.jp' }\n"
"rule 'not-local' { sender = '!@home\\.example$' recipient = '!@home\\.example$' "
"  rewrite = 'other@xxx.ocn.ne.jp' }\n";

static const char *const helo_conf =
"rule 'printer' { helo = '^(printer|scanner)[0-9]*\\.home\\.example$' "
"  client = '192.168.0.0/16' rewrite = 'scan@xxx.ocn.ne.jp' }\n"
"rule 'not-printer' { helo = '!^printer' recipient = '@example\\.com$' "
"  rewrite = 'other@xxx.ocn.ne.jp' }\n";

static const struct eval_case {
    const char *name;
    const char *const *conf;
    struct msg m;
    const char *want;
    int     settled_at_mail;		/* -1: don't check */
} cases[] = {
    {"ocn: LAN client rewritten", &ocn_conf,
	{"alice@home.example", "192.168.1.5"}, "rewrite ocn zzzzz@xxx.ocn.ne.jp", 1},
    {"ocn: other client not", &ocn_conf,
	{"alice@home.example", "10.1.1.1"}, "none", 1},
    {"ocn: unknown client not", &ocn_conf,
	{"alice@home.example", NULL}, "none", 1},
    {"ocn: IPv4-mapped client", &ocn_conf,
	{"alice@home.example", "::ffff:192.168.7.7"}, "rewrite ocn zzzzz@xxx.ocn.ne.jp", 1},
    {"ocn: null sender never without null_sender", &ocn_conf,
	{"", "192.168.1.5"}, "none", 1},
    {"ocn: case-insensitive", &ocn_conf,
	{"Alice@Home.EXAMPLE", "::1"}, "rewrite ocn zzzzz@xxx.ocn.ne.jp", 1},
    {"keep when all recipients local", &many_conf,
	{"root@home.example", "192.168.1.5", NULL, NULL, 0,
	    {"a@home.example", "b@home.example"}}, "keep root-local", 0},
    {"all-mode fails on one outside recipient", &many_conf,
	{"root@home.example", "192.168.1.5", NULL, NULL, 0,
	    {"a@home.example", "b@example.com"}}, "rewrite no-auth-lan root.lan@xxx.ocn.ne.jp", 0},
    {"auth login decides before later rules", &many_conf,
	{"alice@home.example", "192.168.1.5", "yyyyy"}, "rewrite by-login zzzzz@xxx.ocn.ne.jp", 1},
    {"absent login never matches auth", &many_conf,
	{"alice@elsewhere.example", "10.0.0.1", NULL, NULL, 0,
	    {"x@home.example,local,mx.home.example"}}, "none", 0},
    {"named capture", &many_conf,
	{"bob@home.example", "192.168.1.9"}, "rewrite no-auth-lan bob.lan@xxx.ocn.ne.jp", 1},
    {"authenticated = no fails for a login", &many_conf,
	{"bob@home.example", "192.168.1.9", "bob", NULL, 0,
	    {"x@example.com,smtp,[smtp.ocn.ne.jp]:587"}}, "rewrite leaving relay@xxx.ocn.ne.jp", 0},
    {"transport and nexthop on the same recipient", &many_conf,
	{"bob@home.example", "10.0.0.1", NULL, NULL, 0,
	    {"x@home.example,local,mx", "y@example.com,smtp,[smtp.ocn.ne.jp]:587"}},
	"rewrite leaving relay@xxx.ocn.ne.jp", 0},
    {"transport and nexthop must hold on one recipient", &many_conf,
	{"bob@home.example", "10.0.0.1", NULL, NULL, 0,
	    {"x@home.example,smtp,mx", "y@home.example,local,ocn"}}, "none", 0},
    {"unknown transport never matches", &many_conf,
	{"bob@home.example", "10.0.0.1", NULL, NULL, 0, {"y@example.com"}}, "none", 0},
    {"listener", &many_conf,
	{"bob@home.example", "10.0.0.1", NULL, "submission", 0, {"x@home.example"}},
	"rewrite submission sub@xxx.ocn.ne.jp", 0},
    {"origin local", &many_conf,
	{"root@home.example", "127.0.0.1", NULL, NULL, 1, {"x@home.example"}},
	"keep root-local", 0},
    {"origin local, outside recipient", &many_conf,
	{"cron@home.example", "127.0.0.1", NULL, NULL, 1, {"x@example.com"}},
	"rewrite cron cron@xxx.ocn.ne.jp", 0},
    {"header From condition", &many_conf,
	{"bob@home.example", NULL, NULL, NULL, 0, {"x@home.example"}, "p@partner.example"},
	"rewrite hdr partner@xxx.ocn.ne.jp", 0},
    {"no From header: header condition fails", &many_conf,
	{"bob@home.example", NULL, NULL, NULL, 0, {"x@home.example"}, NULL}, "none", 0},
    {"null sender with null_sender = true", &many_conf,
	{"", NULL, NULL, NULL, 0, {"x@home.example"}}, "rewrite bounce mailer-daemon@xxx.ocn.ne.jp", 1},
    {"null_sender = true also covers other senders", &many_conf,
	{"carol@other.example", NULL, NULL, NULL, 0, {"x@example.com"}},
	"rewrite not-local other@xxx.ocn.ne.jp", 0},
    {"negated sender and recipient", &many_conf,
	{"carol@other.example", NULL, NULL, NULL, 0, {"x@example.com"}},
	"rewrite not-local other@xxx.ocn.ne.jp", 0},
    {"helo: a printer's EHLO name decides at MAIL", &helo_conf,
	{"scan@home.example", "192.168.1.20", NULL, NULL, 0, {"x@example.com"}, NULL,
	"Scanner2.home.example"}, "rewrite printer scan@xxx.ocn.ne.jp", 1},
    {"helo: the client condition still applies", &helo_conf,
	{"scan@home.example", "10.0.0.1", NULL, NULL, 0, {"x@example.com"}, NULL,
	"printer1.home.example"}, "none", 1},
    {"helo: another name, negated pattern", &helo_conf,
	{"a@home.example", "192.168.1.20", NULL, NULL, 0, {"x@example.com"}, NULL,
	"laptop.home.example"}, "rewrite not-printer other@xxx.ocn.ne.jp", 0},
    {"helo: no HELO never matches, negated or not", &helo_conf,
	{"a@home.example", "192.168.1.20", NULL, NULL, 0, {"x@example.com"}}, "none", 1},
    {"negated recipient fails for a local recipient", &many_conf,
	{"carol@other.example", NULL, NULL, NULL, 0, {"x@home.example"}}, "none", 0},
};

/* test_invalid - a rewrite result that is no address */

static void
test_invalid(void)
{
    struct config *cf = load("rule 'r' { sender = '^([^@]*)@' rewrite = '$1' }\n");
    struct msg m = {"alice@x.example"};

    is_str(decide(cf, &m, NULL), "invalid r no @domain", "rewrite result without @");
    m.sender = "@x.example";
    is_str(decide(cf, &m, NULL), "invalid r empty address", "empty rewrite result");
    config_free(cf);
    cf = load("rule 'r' { sender = '^(a)?(b)@' rewrite = 'x$1y$2@z.example' }\n");
    m.sender = "b@q";
    is_str(decide(cf, &m, NULL), "rewrite r xyb@z.example", "unset group expands to nothing");
    config_free(cf);
    cf = load("rule 'r' { sender = '.' rewrite = 'cost$$@z.example' }\n");
    m.sender = "b@q";
    is_str(decide(cf, &m, NULL), "rewrite r cost$@z.example", "$$ is a literal $");
    config_free(cf);
}

/* test_first_match - file order decides; later rules are not tried */

static void
test_first_match(void)
{
    struct config *cf = load("rule 'a' { sender = 'x' rewrite = 'a@z.example' }\n"
			     "rule 'b' { sender = 'x' rewrite = 'b@z.example' }\n");
    struct msg m = {"x@q"};

    is_str(decide(cf, &m, NULL), "rewrite a a@z.example", "first matching rule decides");
    config_free(cf);
    cf = load("rule 'a' { recipient = 'far' rewrite = 'a@z.example' }\n"
	      "rule 'b' { sender = 'x' rewrite = 'b@z.example' }\n");
    {
	struct msg m2 = {"x@q", NULL, NULL, NULL, 0, {"near@q", "far@q"}};
	struct msg m3 = {"x@q", NULL, NULL, NULL, 0, {"near@q"}};
	int     settled = -1;

	is_str(decide(cf, &m2, &settled), "rewrite a a@z.example",
	       "an earlier recipient rule wins once a recipient matches");
	is_long(settled, 0, "... so the outcome was not settled at MAIL");
	is_str(decide(cf, &m3, NULL), "rewrite b b@z.example",
	       "the later rule decides when no recipient matched");
    }
    config_free(cf);
}

/* test_many_rules - 10,000 rules that do not match, then one that does */

static void
test_many_rules(void)
{
    size_t  n = 10000;
    size_t  size = n * 80 + 200;
    char   *text = malloc(size);
    size_t  len = 0;
    size_t  i;
    struct config *cf;
    struct msg m = {"needle@home.example"};

    for (i = 0; i < n; i++)
	len += snprintf(text + len, size - len,
			"rule 'r%lu' { sender = '^user%lu@' rewrite = 'r%lu@z.example' }\n",
			(unsigned long) i, (unsigned long) i, (unsigned long) i);
    snprintf(text + len, size - len, "rule 'last' { sender = '^needle@' rewrite = 'n@z.example' }\n");
    cf = load(text);
    ok(cf != NULL && cf->rules->nrules == n + 1, "10,001 rules load");
    is_str(decide(cf, &m, NULL), "rewrite last n@z.example", "the last of 10,001 rules decides");
    m.sender = "user9999@x";
    is_str(decide(cf, &m, NULL), "rewrite r9999 r9999@z.example", "rule 9999 decides");
    config_free(cf);
    free(text);
}

int
main(void)
{
    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
	struct config *cf = load(*cases[i].conf);
	int     settled = -1;

	if (cf == NULL) {
	    ok(0, "%s: config loads", cases[i].name);
	    continue;
	}
	is_str(decide(cf, &cases[i].m, &settled), cases[i].want, "%s", cases[i].name);
	if (cases[i].settled_at_mail >= 0)
	    is_long(settled, cases[i].settled_at_mail, "%s: settled at MAIL", cases[i].name);
	config_free(cf);
    }
    test_invalid();
    test_first_match();
    test_many_rules();
    return (tap_done());
}
