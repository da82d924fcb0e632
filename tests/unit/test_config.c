/*
 * NAME
 *	test_config - defaults, the socket setting and its overrides, what the rules need
 */

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "config.h"
#include "tap.h"

/* load - config from text, NULL on error */

static struct config *
load(const char *text, struct config_msgs *msgs)
{
    memset(msgs, 0, sizeof(*msgs));
    return (config_load_text("t.conf", text, strlen(text), msgs));
}

int
main(void)
{
    struct config_msgs msgs;
    struct config *cf;
    char    err[256];
    size_t  i;

    cf = load("", &msgs);
    ok(cf != NULL, "an empty config loads");
    is_str(cf->socket.text, "inet:8894@127.0.0.1", "default socket");
    is_long(cf->socket.kind, SOCKSPEC_INET, "default socket is inet");
    is_str(cf->user, "envfrom-milter", "default user");
    is_str(cf->socket_group, "postfix", "default socket group");
    is_long(cf->socket_mode, 0660, "default socket mode");
    is_long(cf->log_level, LOG_LVL_INFO, "default log level");
    is_long(cf->log_facility, LOG_MAIL, "default facility");
    is_long((long) cf->rules->limits.match_limit, 100000, "default match limit");
    is_long((long) cf->rules->nrules, 0, "no rules");
    is_long((long) msgs.errors, 0, "no errors");
    is_long((long) msgs.n, 1, "one warning (no rules)");
    config_free(cf);
    config_msgs_free(&msgs);

    cf = load("rule 'a' { sender = 'x' rewrite = 'a@b.example' }\n", &msgs);
    is_long(cf->rules->needs, 0, "sender-only rules need no recipients or headers");
    config_free(cf);
    config_msgs_free(&msgs);
    cf = load("rule 'a' { recipient = 'x' rewrite = 'a@b.example' }\n", &msgs);
    is_long(cf->rules->needs, RS_NEED_RCPT, "a recipient rule needs RCPT");
    config_free(cf);
    config_msgs_free(&msgs);
    cf = load("rule 'a' { nexthop = 'x' rewrite = 'a@b.example' }\n", &msgs);
    is_long(cf->rules->needs, RS_NEED_RCPT | RS_NEED_NEXTHOP, "a nexthop rule needs RCPT and its macros");
    config_free(cf);
    config_msgs_free(&msgs);
    cf = load("rule 'a' { helo = 'x' rewrite = 'a@b.example' }\n", &msgs);
    is_long(cf->rules->needs, RS_NEED_HELO, "a helo rule needs HELO");
    is_long(cf->rules->conds, COND_BIT(COND_HELO), "and tests helo only");
    config_free(cf);
    config_msgs_free(&msgs);
    cf = load("rule 'a' { origin = 'local' rewrite = 'a@b.example' }\n"
	      "rule 'b' { authenticated = 'any' client = '10.0.0.0/8' rewrite = 'a@b.example' }\n",
	      &msgs);
    is_long(cf->rules->needs, RS_NEED_CONNECT, "origin and client need connect");
    is_long(cf->rules->conds, COND_BIT(COND_ORIGIN) | COND_BIT(COND_CLIENT),
	    "authenticated = any is no condition");
    config_free(cf);
    config_msgs_free(&msgs);
    cf = load("rule 'a' { origin = 'lan' authenticated = 'maybe' recipient_mode = 'some' "
	      "recipient = 'x' rewrite = 'a@b.example' }\n", &msgs);
    ok(cf == NULL, "bad keywords fail the load");
    is_long((long) msgs.errors, 3, "one error per bad keyword");
    for (i = 0; i < msgs.n; i++)
	if (strstr(msgs.v[i].text, "origin = \"lan\": expected \"any\", \"smtp\" or \"local\"")
	    || strstr(msgs.v[i].text, "authenticated = \"maybe\": expected \"any\", \"yes\" or \"no\"")
	    || strstr(msgs.v[i].text, "recipient_mode = \"some\": expected \"any\" or \"all\""))
	    msgs.v[i].line = -1;
    for (i = 0; i < msgs.n && msgs.v[i].line == -1; i++)
	;
    is_long((long) i, (long) msgs.n, "each names its option and the words it takes");
    config_free(cf);
    config_msgs_free(&msgs);
    cf = load("rule 'a' { header_from = 'x' rewrite = 'a@b.example' }\n", &msgs);
    is_long(cf->rules->needs, RS_NEED_HEADERS, "a header_from rule needs headers");
    config_free(cf);
    config_msgs_free(&msgs);
    cf = load("rule 'a' { rewrite = 'a@b.example' rewrite_header_from = true "
	      "original_header = 'X-Old' }\n", &msgs);
    is_long(cf->rules->needs, RS_NEED_HEADERS | RS_ACT_CHGHDRS | RS_ACT_ADDHDRS,
	    "header actions need headers and header changes");
    config_free(cf);
    config_msgs_free(&msgs);

    cf = load("rule 'a' { sender = '(' rewrite = 'a@b.example' }\n"
	      "rule 'b' { sender = ')' rewrite = 'a@b.example' }\n", &msgs);
    ok(cf == NULL, "a config with errors does not load");
    is_long((long) msgs.errors, 2, "both errors reported");
    config_msgs_free(&msgs);

    /* The socket's syntax is sockspec.c's (test_sockspec); here, that the load reports it. */
    cf = load("socket = 'tcp:8894@127.0.0.1'\n", &msgs);
    ok(cf == NULL && msgs.errors == 1, "a bad socket fails the load");
    for (i = 0; i < msgs.n && !msgs.v[i].is_error; i++)
	;
    if (i < msgs.n)
	is_str(msgs.v[i].text, "t.conf:1: socket \"tcp:8894@127.0.0.1\": expected unix:/PATH, "
	       "inet:PORT@ADDRESS or inet6:PORT@ADDRESS", "bad socket message");
    config_msgs_free(&msgs);
    cf = load("socket = 'inet:8894@0.0.0.0'\nrule 'a' { sender = 'x' rewrite = 'a@b.example' }\n", &msgs);
    ok(cf != NULL && msgs.errors == 0 && msgs.n == 1, "a wildcard socket loads with a warning");
    if (msgs.n > 0)
	ok(strstr(msgs.v[0].text, "is not on loopback") != NULL, "warning: not on loopback");
    config_msgs_free(&msgs);
    if (cf == NULL)
	return (tap_done());

    /* -s and -u on the command line */
    err[0] = 0;
    is_long(config_override(cf, "unix:/run/x.sock", "nobody", err, sizeof(err)), 0,
	    "override -s and -u");
    is_str(cf->socket.text, "unix:/run/x.sock", "-s replaces the socket");
    is_str(cf->socket.path, "/run/x.sock", "-s is parsed");
    is_str(cf->user, "nobody", "-u replaces the user");
    is_long(config_override(cf, "unix:run/x.sock", NULL, err, sizeof(err)), -1, "a bad -s");
    is_str(err, "-s: socket \"unix:run/x.sock\": the path must be absolute", "bad -s message");
    is_str(cf->socket.text, "unix:/run/x.sock", "a bad -s leaves the socket");
    is_long(config_override(cf, NULL, NULL, err, sizeof(err)), 0, "no override");
    is_str(cf->user, "nobody", "nothing changed");
    config_free(cf);
    return (tap_done());
}
