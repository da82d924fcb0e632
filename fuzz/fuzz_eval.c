/*
 * NAME
 *	fuzz_eval - libFuzzer target: rule evaluation and capture substitution
 * SYNOPSIS
 *	build-fuzz/fuzz/fuzz_eval [libFuzzer options] [CORPUS...]
 * DESCRIPTION
 *	A fixed rule set (below) that uses every condition, both recipient
 *	modes, named, numbered and unset captures, negation and a pattern
 *	that always hits the match limit, evaluated against a fuzzed message.
 *	The input is lines separated by "\n":
 *
 *	    OPTIONS		bit 0 of the first byte: local submission;
 *				bit 1: a From: header is present;
 *				bit 2: the listener is known;
 *				bit 3: the LISTENER line is the HELO name too
 *	    SENDER		the MAIL FROM argument
 *	    LOGIN		SASL login ("" = none)
 *	    CLIENT		client IP ("" or unparseable = unknown)
 *	    LISTENER
 *	    FROM		From: header value
 *	    RCPT...		"address<TAB>transport<TAB>nexthop", one per line
 *
 *	Each message goes through eval_start/eval_rcpt/eval_header_from/
 *	eval_finish as the callbacks drive them, and is checked against a
 *	reference evaluator written here from the documented semantics (every
 *	rule tested on everything, first rule that holds decides), which
 *	shares no decision logic with eval.c:
 *
 *	- the deciding rule is the same;
 *	- whenever eval_settled() or eval_rcpt() said the outcome was
 *	  certain, the final rule is the one it named (the callbacks accept a
 *	  message at MAIL FROM on that word);
 *	- a REWRITE result passes addr_check_rewrite() and its wire form
 *	  parses back to it.
 *
 *	Then a second, fuzzed rule is built from the input's first two lines
 *	as sender pattern and rewrite template (when they compile) and
 *	applied to the third line, which exercises template parsing and
 *	rule_substitute() with any capture layout.
 * DIAGNOSTICS
 *	A failed property calls abort(), which libFuzzer reports.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config.h"
#include "eval.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_eval: %s:%d: property failed: %s\n", \
		__FILE__, __LINE__, #cond); abort(); } } while (0)

#define MAX_RCPT	16

static const char rules_text[] =
"log_level = \"error\"\n"
"match_limit = 20000\n"
"rule \"keep-postmaster\" {\n"
"    sender = '^postmaster@'\n"
"    keep = true\n"
"}\n"
"rule \"lan\" {\n"
"    sender = '^(.+)@home\\.example$'\n"
"    rewrite = '${1}+lan@relay.example'\n"
"    client = { \"192.168.0.0/16\", \"2001:db8::/32\" }\n"
"}\n"
"rule \"auth\" {\n"
"    auth = '^u[0-9]+$'\n"
"    authenticated = \"yes\"\n"
"    sender = '^([^@]+)@'\n"
"    rewrite = 'auth-$1@relay.example'\n"
"}\n"
"rule \"partner-any\" {\n"
"    sender = '@corp\\.example$'\n"
"    recipient = '@partner\\.example$'\n"
"    rewrite = 'gw@corp.example'\n"
"}\n"
"rule \"partner-all\" {\n"
"    sender = '(?<user>[a-z]+)@corp2\\.example$'\n"
"    recipient = '@partner\\.example$'\n"
"    recipient_mode = \"all\"\n"
"    transport = '^smtp$'\n"
"    rewrite = '${user}@corp2-out.example'\n"
"}\n"
"rule \"brand\" {\n"
"    header_from = '@brand\\.example$'\n"
"    sender = '^(.*)$'\n"
"    rewrite = 'brand@brand.example'\n"
"    rewrite_header_from = true\n"
"}\n"
"rule \"ocn\" {\n"
"    nexthop = 'ocn'\n"
"    sender = '!@ocn\\.ne\\.jp$'\n"
"    rewrite = 'zzzzz@xxx.ocn.ne.jp'\n"
"}\n"
"rule \"null\" {\n"
"    null_sender = true\n"
"    sender = '^$'\n"
"    rewrite = 'bounces@relay.example'\n"
"}\n"
"rule \"submission\" {\n"
"    listener = '^submission$'\n"
"    origin = \"smtp\"\n"
"    authenticated = \"no\"\n"
"    rewrite = 'sub@relay.example'\n"
"    recipient = '.'\n"
"}\n"
"rule \"printer\" {\n"
"    helo = '^(printer|scanner)[0-9]*\\.'\n"
"    client = \"192.168.0.0/16\"\n"
"    rewrite = 'scan@relay.example'\n"
"}\n"
"rule \"local\" {\n"
"    origin = \"local\"\n"
"    sender = '^(root|cron)@'\n"
"    rewrite = 'system@relay.example'\n"
"}\n"
"rule \"catastrophic\" {\n"
"    sender = '^(a+)+$'\n"
"    rewrite = 'cat@relay.example'\n"
"}\n"
"rule \"not-admin\" {\n"
"    auth = '!^admin$'\n"
"    recipient = '@x\\.example$'\n"
"    rewrite = 'nonadmin@relay.example'\n"
"}\n"
"rule \"unset-groups\" {\n"
"    sender = '^(?:(a)|b)(c)?@(opt\\.)?(.*)$'\n"
"    rewrite = '$1$2-${3}x@$4'\n"
"    case_sensitive = true\n"
"}\n"
"rule \"literal\" {\n"
"    sender = '^([^@]*)@\\[(.*)\\]$'\n"
"    rewrite = '$1@[$2]'\n"
"}\n";

static struct config *cfg;

/* load_rules - the fixed rule set, once */

static void
load_rules(void)
{
    struct config_msgs msgs;

    /* Warnings (match limit) are formatted but not written: no noise. */
    log_set_level(LOG_LVL_ERROR);
    memset(&msgs, 0, sizeof(msgs));
    cfg = config_load_text("fuzz_eval.conf", rules_text, strlen(rules_text), &msgs);
    if (cfg == NULL) {
	config_msgs_print(&msgs, stderr);
	abort();
    }
    config_msgs_free(&msgs);
}

/* holds - reference test of one pattern on a possibly absent subject */

static int
holds(const struct ruleset *rs, const struct pattern *p, pcre2_match_data *md,
          const char *subject)
{
    if (subject == NULL)
	return (0);
    return (pattern_test(p, &rs->limits, md, subject, strlen(subject), NULL) == PATTERN_TRUE);
}

/* cond_holds - reference: does condition c of r hold on the data (cond.c's row)? */

static int
cond_holds(const struct ruleset *rs, const struct rule *r, int c, pcre2_match_data *md,
	           const struct cond_data *data)
{
    const struct cond_def *def = &cond_defs[c];
    const struct cond_value *v = &r->cond[c];
    const struct netaddr *addr;
    const char *subject;
    size_t  k;

    switch (def->kind) {
    case COND_CIDR:
	if ((addr = def->address(data)) == NULL)
	    return (0);
	for (k = 0; k < v->n; k++)
	    if (cidr_contains(&v->is.blocks[k], addr))
		return (1);
	return (0);
    case COND_KEYWORD:
	subject = def->subject(data);
	return (subject != NULL && strcmp(subject, def->keywords[v->n]) == 0);
    case COND_PATTERN:
	return (holds(rs, v->is.pattern, md, def->subject(data)));
    }
    return (0);
}

/* stage_holds - reference: every condition of r at stage holds on the data */

static int
stage_holds(const struct ruleset *rs, const struct rule *r, enum cond_stage stage,
	            pcre2_match_data *md, const struct cond_data *data)
{
    int     c;

    for (c = 0; c < COND_COUNT; c++)
	if ((r->conds & COND_BIT(c)) && cond_defs[c].stage == stage
	    && !cond_holds(rs, r, c, md, data))
	    return (0);
    return (1);
}

/* reference_rule - the first rule whose every condition holds, or NULL */

static const struct rule *
reference_rule(const struct ruleset *rs, const struct eval_env *env,
	               const struct eval_rcpt *rcpts, size_t nrcpt,
	               int have_from, const char *from_addr)
{
    pcre2_match_data *md = pcre2_match_data_create(rs->max_captures + 1, NULL);
    const struct rule *found = NULL;
    struct cond_data data = {env, NULL, NULL};
    size_t  i;
    size_t  k;

    CHECK(md != NULL);
    for (i = 0; i < rs->nrules && found == NULL; i++) {
	const struct rule *r = rs->rules[i];
	int     ok = env->sender != NULL && (*env->sender != 0 || r->null_sender);

	ok = ok && stage_holds(rs, r, COND_AT_CONNECT, md, &data)
	    && stage_holds(rs, r, COND_AT_HELO, md, &data)
	    && stage_holds(rs, r, COND_AT_MAIL, md, &data);
	if (ok && (r->stages & STAGE_BIT(COND_AT_RCPT))) {
	    size_t  hits = 0;

	    for (k = 0; k < nrcpt; k++) {
		struct cond_data rd = {env, &rcpts[k], NULL};

		hits += stage_holds(rs, r, COND_AT_RCPT, md, &rd);
	    }
	    ok = r->recipient_all ? (nrcpt > 0 && hits == nrcpt) : hits > 0;
	}
	if (ok && (r->stages & STAGE_BIT(COND_AT_HEADER))) {
	    struct cond_data hd = {env, NULL, have_from ? from_addr : NULL};

	    ok = stage_holds(rs, r, COND_AT_HEADER, md, &hd);
	}
	if (ok)
	    found = r;
    }
    pcre2_match_data_free(md);
    return (found);
}

/* next_line - split off the next "\n"-terminated field (NULL at the end) */

static char *
next_line(char **cpp)
{
    char   *line = *cpp;
    char   *nl;

    if (line == NULL)
	return (NULL);
    if ((nl = strchr(line, '\n')) != NULL) {
	*nl = 0;
	*cpp = nl + 1;
    } else {
	*cpp = NULL;
    }
    return (line);
}

/* check_decision - the invariants of one decision */

static void
check_decision(const struct decision *d)
{
    const char *why;
    char   *ext;
    char   *back;

    if (d->kind != DECISION_REWRITE)
	return;
    CHECK(d->sender != NULL && addr_check_rewrite(d->sender) == NULL);
    CHECK((ext = addr_external(d->sender, 1)) != NULL);
    CHECK(addr_parse(ext, &back, &why) == ADDR_OK);
    CHECK(strcmp(back, d->sender) == 0);
    free(back);
    free(ext);
}

/* fuzz_message - the fixed rules against one fuzzed message */

static void
fuzz_message(char *text)
{
    struct eval_env env;
    struct eval_rcpt rcpts[MAX_RCPT];
    char   *rcpt_internal[MAX_RCPT];
    struct addr_mailbox mb;
    struct decision d;
    struct eval *e;
    const struct rule *settled_rule = NULL;
    const struct rule *r;
    const struct rule *want;
    char   *cp = text;
    char   *opts;
    char   *sender_arg;
    char   *login;
    char   *client;
    char   *listener;
    char   *from;
    char   *line;
    char   *sender = NULL;
    const char *why;
    size_t  nrcpt = 0;
    size_t  i;
    int     was_settled = 0;
    int     settled;
    int     have_from;

    if ((opts = next_line(&cp)) == NULL || (sender_arg = next_line(&cp)) == NULL)
	return;
    login = next_line(&cp);
    client = next_line(&cp);
    listener = next_line(&cp);
    from = next_line(&cp);
    while (nrcpt < MAX_RCPT && (line = next_line(&cp)) != NULL) {
	char   *tab;

	rcpts[nrcpt].mailer = rcpts[nrcpt].host = NULL;
	if ((tab = strchr(line, '\t')) != NULL) {
	    *tab++ = 0;
	    rcpts[nrcpt].mailer = tab;
	    if ((tab = strchr(tab, '\t')) != NULL) {
		*tab++ = 0;
		rcpts[nrcpt].host = tab;
	    }
	}
	if (addr_parse(line, &rcpt_internal[nrcpt], &why) < 0)
	    rcpt_internal[nrcpt] = NULL;
	rcpts[nrcpt].addr = rcpt_internal[nrcpt];
	nrcpt++;
    }

    memset(&env, 0, sizeof(env));
    env.logid = "FUZZ";
    if (addr_parse(sender_arg, &sender, &why) < 0) {
	/* The callbacks pass an unparseable sender without evaluating. */
	sender = NULL;
	goto done;
    }
    env.sender = sender;
    env.local = opts[0] & 1;
    env.auth = login && *login ? login : NULL;
    env.has_client = client && netaddr_parse(client, &env.client) >= 0;
    env.listener = (opts[0] & 4) ? (listener ? listener : "") : NULL;
    env.helo = (opts[0] & 8) ? (listener ? listener : "") : NULL;
    have_from = (opts[0] & 2) && from != NULL;
    memset(&mb, 0, sizeof(mb));
    if (have_from && addr_header_mailbox(from, &mb, &why) < 0)
	mb.internal = NULL;

    CHECK((e = eval_start(cfg->rules, &env)) != NULL);
    r = eval_settled(e, &settled);
    if (settled) {
	was_settled = 1;
	settled_rule = r;
    }
    for (i = 0; i < nrcpt; i++) {
	int     now = eval_rcpt(e, &rcpts[i]);

	r = eval_settled(e, &settled);
	CHECK(now == settled);
	if (settled && !was_settled) {
	    was_settled = 1;
	    settled_rule = r;
	}
	CHECK(!was_settled || !settled || r == settled_rule);
    }
    if (have_from)
	eval_header_from(e, mb.internal);
    CHECK(eval_finish(e, &d) == 0);
    want = reference_rule(cfg->rules, &env, rcpts, nrcpt, have_from, mb.internal);
    if (d.rule != want) {
	fprintf(stderr, "fuzz_eval: eval decided \"%s\", reference \"%s\"\n",
		d.rule ? d.rule->name : "(none)", want ? want->name : "(none)");
	abort();
    }
    if (was_settled && settled_rule != d.rule) {
	fprintf(stderr, "fuzz_eval: settled on \"%s\" but decided \"%s\"\n",
		settled_rule ? settled_rule->name : "(none)",
		d.rule ? d.rule->name : "(none)");
	abort();
    }
    CHECK(d.rule == NULL || (d.rule->keep ? d.kind == DECISION_KEEP
			     : d.kind == DECISION_REWRITE || d.kind == DECISION_INVALID));
    check_decision(&d);
    decision_clear(&d);
    eval_free(e);
    free(mb.internal);
done:
    for (i = 0; i < nrcpt; i++)
	free(rcpt_internal[i]);
    free(sender);
}

/* ignore_error - ruleset_add()'s reporter for the fuzzed rule: errors are fine */

static void __attribute__((format(printf, 3, 4)))
ignore_error(void *ctx, const char *field, const char *fmt,...)
{
    (void) ctx;
    (void) field;
    (void) fmt;
}

/* fuzz_template - a fuzzed sender pattern and rewrite template */

static void
fuzz_template(char *text)
{
    struct ruleset *rs;
    struct rule_spec spec;
    struct eval_env env;
    struct decision d;
    struct eval *e;
    char   *cp = text;
    char   *pat;
    char   *tmpl;
    char   *subject;

    if ((pat = next_line(&cp)) == NULL || (tmpl = next_line(&cp)) == NULL
	|| (subject = next_line(&cp)) == NULL || strlen(pat) > 200)
	return;
    CHECK((rs = ruleset_create(20000, 1000)) != NULL);
    memset(&spec, 0, sizeof(spec));
    spec.name = "fuzzed";
    spec.cond[COND_SENDER].text = pat;
    spec.rewrite = tmpl;
    spec.null_sender = 1;
    if (ruleset_add(rs, &spec, ignore_error, NULL) == 0) {
	memset(&env, 0, sizeof(env));
	env.logid = "FUZZ";
	env.sender = subject;
	CHECK((e = eval_start(rs, &env)) != NULL);
	CHECK(eval_finish(e, &d) == 0);
	CHECK(d.kind != DECISION_REWRITE || d.rule == rs->rules[0]);
	check_decision(&d);
	decision_clear(&d);
	eval_free(e);
    }
    ruleset_free(rs);
}

/* LLVMFuzzerTestOneInput - one input, read both ways */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char   *text;

    if (cfg == NULL)
	load_rules();
    if (memchr(data, 0, size) != NULL)	/* milter strings hold no NUL */
	return (0);
    if ((text = malloc(size + 1)) == NULL)
	return (0);
    memcpy(text, data, size);
    text[size] = 0;
    fuzz_message(text);
    memcpy(text, data, size);
    text[size] = 0;
    fuzz_template(text);
    free(text);
    return (0);
}
