/*
 * NAME
 *	cond - the conditions a rule can test, described once as data
 * SYNOPSIS
 *	#include "cond.h"
 *
 *	const struct cond_def *def = &cond_defs[COND_AUTH];
 *	subject = def->subject(&data);
 *	k = cond_keyword(def->keywords, "yes");
 *	cond_keywords_expected(def->keywords, buf, sizeof(buf));
 *	cond_stage_keys(COND_AT_RCPT, buf, sizeof(buf));
 *	n = cond_macros(conds, COND_AT_MAIL, "i", buf, sizeof(buf));
 * DESCRIPTION
 *	cond_defs[] has one row per condition: its config option, how it
 *	matches (a pattern, a list of CIDR blocks or a keyword), the stage
 *	of the SMTP conversation that brings its subject and the macro it
 *	comes in, and what -t says when there is no subject.  Everything
 *	else follows from the row: the config schema (config_rules.c),
 *	compiling and freeing (rules.c), what the MTA must send and when
 *	(rules.c needs, negotiate.c: steps and macro lists), when it is
 *	tested and how it is explained (eval.c), the reachability and
 *	placeholder checks (config_rules.c) and the fuzz reference
 *	evaluator.
 *
 *	To add a condition: a COND_* value in cond.h, a row here with its
 *	subject function, and the data source: the field of struct
 *	eval_env or eval_rcpt the subject function reads, set by the
 *	callback that receives it (callbacks.c) and by -t (dryrun.c).
 *
 *	A subject function returns NULL when the data is unknown; absent
 *	data never satisfies a condition, negated or not.
 *
 *	cond_keyword() gives the index of a word among a keyword row's
 *	words (-1: not one of them), cond_keywords_expected() the list as
 *	an error message shows it ("any", "yes" or "no"), cond_stage_keys()
 *	the options of one stage the same way (recipient, transport or
 *	nexthop).  cond_macros() writes the macro list for one stage of the
 *	conditions in a bit set (COND_BIT), after the caller's own first
 *	macros.
 */

#include <stdio.h>
#include <string.h>

#include "cond.h"

/* subj_sender - the envelope sender, internal form */

static const char *
subj_sender(const struct cond_data *d)
{
    return (d->env->sender);
}

/* addr_client - the client address, if known */

static const struct netaddr *
addr_client(const struct cond_data *d)
{
    return (d->env->has_client ? &d->env->client : NULL);
}

/* subj_helo - the last HELO/EHLO name of the session */

static const char *
subj_helo(const struct cond_data *d)
{
    return (d->env->helo);
}

/* subj_auth - the SASL login; an empty one is none */

static const char *
subj_auth(const struct cond_data *d)
{
    return (d->env->auth && *d->env->auth ? d->env->auth : NULL);
}

/* subj_authenticated - "yes" with a SASL login, else "no" */

static const char *
subj_authenticated(const struct cond_data *d)
{
    return (subj_auth(d) ? "yes" : "no");
}

/* subj_listener - Postfix's {daemon_name} */

static const char *
subj_listener(const struct cond_data *d)
{
    return (d->env->listener);
}

/* subj_origin - "local" for sendmail(1) mail, else "smtp" */

static const char *
subj_origin(const struct cond_data *d)
{
    return (d->env->local ? "local" : "smtp");
}

/* subj_recipient - this recipient's address */

static const char *
subj_recipient(const struct cond_data *d)
{
    return (d->rcpt ? d->rcpt->addr : NULL);
}

/* subj_transport - this recipient's transport, {rcpt_mailer} */

static const char *
subj_transport(const struct cond_data *d)
{
    return (d->rcpt ? d->rcpt->mailer : NULL);
}

/* subj_nexthop - this recipient's next hop, {rcpt_host} */

static const char *
subj_nexthop(const struct cond_data *d)
{
    return (d->rcpt ? d->rcpt->host : NULL);
}

/* subj_header_from - the address of the first From: header */

static const char *
subj_header_from(const struct cond_data *d)
{
    return (d->header_from);
}

/* The keyword rows' words; the first means "not tested". */
static const char *const yes_no[] = {"any", "yes", "no", NULL};
static const char *const origins[] = {"any", "smtp", "local", NULL};
static const char *const origin_notes[] = {NULL, "SMTP submission", "local submission"};

/* Row shapes: option, stage, macro, -t's words for no subject, ... */
#define PATTERN(key, stage, macro, absent, dom, fn) \
    {key, COND_PATTERN, stage, macro, absent, NULL, NULL, dom, fn, NULL}
#define KEYWORD(key, stage, macro, words, notes, fn) \
    {key, COND_KEYWORD, stage, macro, NULL, words, notes, 0, fn, NULL}

const struct cond_def cond_defs[COND_COUNT] = {
    [COND_SENDER] = PATTERN("sender", COND_AT_MAIL, NULL, "unparseable sender", 1,
			    subj_sender),
    [COND_CLIENT] = {"client", COND_CIDR, COND_AT_CONNECT, NULL,
	"client address unknown", NULL, NULL, 0, NULL, addr_client},
    [COND_HELO] = PATTERN("helo", COND_AT_HELO, NULL, "no HELO/EHLO name given", 1,
			  subj_helo),
    [COND_AUTH] = PATTERN("auth", COND_AT_MAIL, "{auth_authen}", "not authenticated", 1,
			  subj_auth),
    [COND_AUTHENTICATED] = KEYWORD("authenticated", COND_AT_MAIL, "{auth_authen}",
				   yes_no, NULL, subj_authenticated),
    [COND_LISTENER] = PATTERN("listener", COND_AT_CONNECT, "{daemon_name}",
			      "no listener known", 0, subj_listener),
    [COND_ORIGIN] = KEYWORD("origin", COND_AT_CONNECT, NULL, origins, origin_notes,
			    subj_origin),
    [COND_RECIPIENT] = PATTERN("recipient", COND_AT_RCPT, NULL, "no recipient known", 1,
			       subj_recipient),
    [COND_TRANSPORT] = PATTERN("transport", COND_AT_RCPT, "{rcpt_mailer}",
			       "no transport known", 0, subj_transport),
    [COND_NEXTHOP] = PATTERN("nexthop", COND_AT_RCPT, "{rcpt_host}", "no nexthop known", 1,
			     subj_nexthop),
    [COND_HEADER_FROM] = PATTERN("header_from", COND_AT_HEADER, NULL,
				 "no usable From: header", 1, subj_header_from),
};

/* cond_keyword - index of word in a keyword list, or -1 */

int
cond_keyword(const char *const *words, const char *word)
{
    int     i;

    for (i = 0; words[i]; i++)
	if (strcmp(word, words[i]) == 0)
	    return (i);
    return (-1);
}

/* join - words as a sentence lists them: a, b or c (quote: "a", "b" or "c") */

static void
join(const char *const *words, int quote, char *buf, size_t len)
{
    size_t  used = 0;
    int     i;

    buf[0] = 0;
    for (i = 0; words[i] && used < len; i++)
	used += snprintf(buf + used, len - used, "%s%s%s%s",
			 i == 0 ? "" : words[i + 1] ? ", " : " or ",
			 quote ? "\"" : "", words[i], quote ? "\"" : "");
}

/* cond_keywords_expected - "\"a\", \"b\" or \"c\"", for error messages */

void
cond_keywords_expected(const char *const *words, char *buf, size_t len)
{
    join(words, 1, buf, len);
}

/* cond_stage_keys - the options of the conditions of one stage: "a, b or c" */

void
cond_stage_keys(enum cond_stage stage, char *buf, size_t len)
{
    const char *keys[COND_COUNT + 1];
    int     n = 0;
    int     c;

    for (c = 0; c < COND_COUNT; c++)
	if (cond_defs[c].stage == stage)
	    keys[n++] = cond_defs[c].key;
    keys[n] = NULL;
    join(keys, 0, buf, len);
}

/* cond_macros - the macros of stage for the conditions in conds, after first; length */

size_t
cond_macros(unsigned conds, enum cond_stage stage, const char *first,
	            char *buf, size_t len)
{
    size_t  used = 0;
    int     c;

    buf[0] = 0;
    if (first && *first)
	used = snprintf(buf, len, "%s", first);
    for (c = 0; c < COND_COUNT && used < len; c++) {
	const char *m = cond_defs[c].macro;

	/* Two rows may share a macro (auth, authenticated): list it once. */
	if (!(conds & COND_BIT(c)) || cond_defs[c].stage != stage || m == NULL
	    || (used > 0 && strstr(buf, m) != NULL))
	    continue;
	used += snprintf(buf + used, len - used, "%s%s", used ? " " : "", m);
    }
    return (used < len ? used : len - 1);
}
