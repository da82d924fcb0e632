/*
 * NAME
 *	test_config - defaults, socket syntax, what the rules need from the MTA
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

static const struct {
    const char *spec;
    int     ok;
} sockets[] = {
    {"inet:8894@127.0.0.1", 1},
    {"inet6:8894@[::1]", 1},
    {"inet:8894", 1},
    {"unix:/run/envfrom-milter/sock", 1},
    {"local:/run/x.sock", 1},
    {"unix:relative/sock", 0},
    {"inet:0@127.0.0.1", 0},
    {"inet:65536@127.0.0.1", 0},
    {"inet:port@127.0.0.1", 0},
    {"inet:8894@", 0},
    {"tcp:8894@127.0.0.1", 0},
    {"127.0.0.1:8894", 0},
};

int
main(void)
{
    struct config_msgs msgs;
    struct config *cf;
    char    err[256];
    size_t  i;

    cf = load("", &msgs);
    ok(cf != NULL, "an empty config loads");
    is_str(cf->socket, "inet:8894@127.0.0.1", "default socket");
    is_str(cf->user, "envfrom-milter", "default user");
    is_str(cf->socket_group, "postfix", "default socket group");
    is_long(cf->socket_mode, 0660, "default socket mode");
    is_long(cf->log_level, LOG_LVL_INFO, "default log level");
    is_long(cf->log_facility, LOG_MAIL, "default facility");
    is_long((long) cf->match_limit, 100000, "default match limit");
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

    for (i = 0; i < sizeof(sockets) / sizeof(sockets[0]); i++)
	is_long(config_check_socket(sockets[i].spec, err, sizeof(err)) == 0, sockets[i].ok,
		"socket %s %s", sockets[i].spec, sockets[i].ok ? "accepted" : "refused");
    return (tap_done());
}
