/*
 * NAME
 *	rules - build the compiled, immutable rule set
 * SYNOPSIS
 *	#include "rules.h"
 *
 *	rs = ruleset_create(match_limit, depth_limit);
 *	nerr = ruleset_add(rs, &spec, report, ctx);
 *	...
 *	ruleset_free(rs);
 * DESCRIPTION
 *	ruleset_add() turns one rule as written (struct rule_spec) into its
 *	compiled form, each condition as its row of cond.c says: every
 *	pattern compiled (JIT where available) with the rule's case
 *	sensitivity, every CIDR parsed, every keyword looked up; the rewrite
 *	template split
 *	into literal text and capture references.  It checks everything that
 *	can be checked before mail arrives, and reports each problem through
 *	the caller's reporter naming the offending option, so that a config
 *	with several mistakes is reported completely in one run:
 *
 *	- a regex that does not compile (offset and PCRE2's message);
 *	- a bad CIDR, or a keyword that is not one of the option's words;
 *	- a $N, ${N} or ${name} in rewrite that the sender pattern does not
 *	  define (Postfix's pcre tables check $N the same way); a negated
 *	  sender pattern defines no groups; when the sender pattern itself
 *	  has an error, only that error is reported;
 *	- rewrite and keep both or neither given;
 *	- a rewrite without references whose text is not a usable address.
 *
 *	The set also records what its rules need from the MTA (needs: the
 *	stages of their conditions, the header actions) and which
 *	conditions any rule tests (conds), for the negotiation.
 *
 *	Once built, a rule set is never changed (hit counters live in the
 *	snapshot, current.c), so any number of milter threads may evaluate
 *	it concurrently; see eval.c.
 * DIAGNOSTICS
 *	ruleset_add() returns the number of errors reported, or -1 when out of
 *	memory.
 */

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "rules.h"
#include "vec.h"

/* ruleset_create - an empty rule set with the given PCRE2 limits */

struct ruleset *
ruleset_create(unsigned long match_limit, unsigned long depth_limit)
{
    struct ruleset *rs;

    if ((rs = calloc(1, sizeof(*rs))) == NULL)
	return (NULL);
    if ((rs->prefilter = prefilter_create()) == NULL
	|| pattern_limits_init(&rs->limits, match_limit, depth_limit) < 0) {
	prefilter_free(rs->prefilter);
	free(rs);
	return (NULL);
    }
    return (rs);
}

/* rule_free - release one rule */

static void
rule_free(struct rule *r)
{
    size_t  i;

    if (r == NULL)
	return;
    for (i = 0; i < COND_COUNT; i++) {
	if (cond_defs[i].kind == COND_PATTERN)
	    pattern_free(r->cond[i].is.pattern);
	else if (cond_defs[i].kind == COND_CIDR)
	    free(r->cond[i].is.blocks);
    }
    for (i = 0; i < r->nparts; i++)
	free(r->rewrite[i].text);
    free(r->rewrite);
    free(r->rewrite_src);
    free(r->original_header);
    free(r->name);
    free(r);
}

/* ruleset_free - release a rule set and everything in it (NULL is fine) */

void
ruleset_free(struct ruleset *rs)
{
    size_t  i;

    if (rs == NULL)
	return;
    for (i = 0; i < rs->nrules; i++)
	rule_free(rs->rules[i]);
    free(rs->rules);
    pattern_limits_free(&rs->limits);
    prefilter_free(rs->prefilter);
    free(rs);
}

/* ruleset_find - rule by name, or NULL */

const struct rule *
ruleset_find(const struct ruleset *rs, const char *name)
{
    size_t  i;

    for (i = 0; i < rs->nrules; i++)
	if (strcmp(rs->rules[i]->name, name) == 0)
	    return (rs->rules[i]);
    return (NULL);
}

/* compile_field - compile one optional pattern; 1 if it failed */

static int
compile_field(struct pattern **out, const char *src, int flags, const char *key,
	              rule_error_fn report, void *ctx)
{
    char    err[300];

    *out = NULL;
    if (*src == 0 || (src[0] == '!' && src[1] == 0)) {
	report(ctx, key, "%s: empty pattern (leave the option out to not test it)", key);
	return (1);
    }
    if ((*out = pattern_compile(src, flags, err, sizeof(err))) == NULL) {
	report(ctx, key, "%s: %s", key, err);
	return (1);
    }
    return (0);
}

/* compile_blocks - parse a list of CIDR blocks; errors counted, -1 when out of memory */

static int
compile_blocks(struct cond_value *v, const struct cond_spec *cs, const char *key,
	               rule_error_fn report, void *ctx)
{
    char    err[300];
    size_t  i;
    int     errors = 0;

    if ((v->is.blocks = calloc(cs->n, sizeof(*v->is.blocks))) == NULL)
	return (-1);
    for (i = 0; i < cs->n; i++) {
	if (cidr_parse(cs->list[i], &v->is.blocks[v->n], err, sizeof(err)) < 0) {
	    report(ctx, key, "%s: %s", key, err);
	    errors++;
	} else {
	    v->n++;
	}
    }
    return (errors);
}

/* compile_keyword - one of the row's words; 1 if it is none of them */

static int
compile_keyword(struct cond_value *v, const struct cond_def *def, const char *word,
		        rule_error_fn report, void *ctx)
{
    char    expect[200];
    int     k;

    if ((k = cond_keyword(def->keywords, word)) >= 0) {
	v->n = (unsigned) k;
	return (0);
    }
    cond_keywords_expected(def->keywords, expect, sizeof(expect));
    report(ctx, def->key, "%s = \"%s\": expected %s", def->key, word, expect);
    return (1);
}

/* compile_conds - every condition the spec gives; errors counted, -1 when out of memory */

static int
compile_conds(struct rule *r, const struct rule_spec *spec, int flags,
	              rule_error_fn report, void *ctx)
{
    int     errors = 0;
    int     n;
    int     c;

    for (c = 0; c < COND_COUNT; c++) {
	const struct cond_def *def = &cond_defs[c];
	const struct cond_spec *cs = &spec->cond[c];
	struct cond_value *v = &r->cond[c];

	switch (def->kind) {
	case COND_PATTERN:
	    if (cs->text == NULL)
		continue;
	    errors += compile_field(&v->is.pattern, cs->text, flags, def->key, report, ctx);
	    break;
	case COND_CIDR:
	    if (cs->n == 0)
		continue;
	    if ((n = compile_blocks(v, cs, def->key, report, ctx)) < 0)
		return (-1);
	    errors += n;
	    break;
	case COND_KEYWORD:
	    if (cs->text == NULL)
		continue;
	    errors += compile_keyword(v, def, cs->text, report, ctx);
	    /* The first word ("any") means the condition is not tested. */
	    if (v->n == 0)
		continue;
	    break;
	}
	r->conds |= COND_BIT(c);
	r->stages |= STAGE_BIT(def->stage);
    }
    return (errors);
}

/* tmpl_append - add one template piece; -1 when out of memory */

static int
tmpl_append(struct rule *r, int group, const char *text, size_t len)
{
    struct tmpl_part *parts;
    struct tmpl_part *p;
    char   *merged;

    if (group < 0 && len == 0)
	return (0);
    /* Merge adjacent literal text ("$$" splits it). */
    if (group < 0 && r->nparts > 0 && r->rewrite[r->nparts - 1].group < 0) {
	p = &r->rewrite[r->nparts - 1];
	if ((merged = realloc(p->text, p->len + len + 1)) == NULL)
	    return (-1);			/* p->text is still ours to free */
	p->text = merged;
	memcpy(p->text + p->len, text, len);
	p->len += len;
	p->text[p->len] = 0;
	return (0);
    }
    if ((parts = realloc(r->rewrite, (r->nparts + 1) * sizeof(*parts))) == NULL)
	return (-1);
    r->rewrite = parts;
    p = &parts[r->nparts];
    p->group = group;
    p->text = NULL;
    p->len = len;
    if (group < 0) {
	if ((p->text = malloc(len + 1)) == NULL)
	    return (-1);
	memcpy(p->text, text, len);
	p->text[len] = 0;
    }
    r->nparts++;
    return (0);
}

/* Above any group number PCRE2 can give (it allows 65535 groups). */
#define GROUP_TOO_BIG	65536

/* group_number - the value of a string of digits, at most GROUP_TOO_BIG */

static int
group_number(const char *digits)
{
    long    n = 0;

    /* No atoi(): ${4294967297} must not wrap around to ${1}. */
    for (; *digits && n < GROUP_TOO_BIG; digits++)
	n = n * 10 + (*digits - '0');
    return (n < GROUP_TOO_BIG ? (int) n : GROUP_TOO_BIG);
}

#define BRACE_OPEN(cp)	((cp)[1] == '{' ? "{" : "")
#define BRACE_CLOSE(cp)	((cp)[1] == '{' ? "}" : "")

/*
 * parse_template - split rewrite into text and $N/${N}/${name}; errors
 * counted, references in *refs.  unchecked: the sender pattern did not
 * compile, so its groups are unknown; its error is reported already, and
 * the references are checked once it is fixed.
 */

static int
parse_template(struct rule *r, const char *src, int unchecked, int *refs,
	               rule_error_fn report, void *ctx)
{
    const char *cp = src;
    const char *lit = src;
    const struct pattern *sender = RULE_PATTERN(r, COND_SENDER);
    unsigned ngroups = sender ? pattern_capture_count(sender) : 0;
    int     errors = 0;
    int     group;
    char    name[64];
    size_t  len;

    *refs = 0;
    while ((cp = strchr(cp, '$')) != NULL) {
	if (tmpl_append(r, -1, lit, cp - lit) < 0)
	    return (-1);
	if (cp[1] == '$') {			/* $$ is a literal $ */
	    if (tmpl_append(r, -1, "$", 1) < 0)
		return (-1);
	    lit = cp += 2;
	    continue;
	}
	if (isdigit((unsigned char) cp[1])) {	/* $N: one digit, as in Postfix */
	    group = cp[1] - '0';
	    len = 1;
	    lit = cp + 2;
	    snprintf(name, sizeof(name), "%d", group);
	} else if (cp[1] == '{' && (len = strcspn(cp + 2, "}")) > 0
		   && cp[2 + len] == '}' && len < sizeof(name)) {
	    memcpy(name, cp + 2, len);
	    name[len] = 0;
	    lit = cp + 3 + len;
	    if (strspn(name, "0123456789") == len) {
		group = group_number(name);
	    } else if (sender == NULL) {
		group = -1;
	    } else if ((group = pattern_group_by_name(sender, name)) == -2) {
		report(ctx, "rewrite", "rewrite: ${%s}: the sender pattern has more "
		       "than one group of that name", name);
		errors++;
		cp = lit;
		continue;
	    }
	} else {
	    report(ctx, "rewrite", "rewrite: '$' must be followed by a digit, "
		   "{name} or another '$' (write $$ for a literal $)");
	    errors++;
	    lit = cp += 1;
	    continue;
	}
	++*refs;
	if (unchecked) {
	    /* Nothing to say about groups of a pattern that has an error. */
	} else if (group < 1 || (unsigned) group > ngroups) {
	    if (group == 0)
		report(ctx, "rewrite", "rewrite: $0 is not supported; "
		       "use a group around the whole pattern");
	    else if (sender == NULL)
		report(ctx, "rewrite", "rewrite: $%s%s%s used, but the rule has no "
		       "sender pattern to capture it", BRACE_OPEN(cp), name,
		       BRACE_CLOSE(cp));
	    else
		report(ctx, "rewrite", "rewrite: $%s%s%s is not defined by the sender "
		       "pattern \"%s\" (it has %u capture group%s)",
		       BRACE_OPEN(cp), name, BRACE_CLOSE(cp),
		       pattern_source(sender), ngroups, ngroups == 1 ? "" : "s");
	    errors++;
	} else if (tmpl_append(r, group, NULL, 0) < 0) {
	    return (-1);
	}
	cp = lit;
    }
    if (tmpl_append(r, -1, lit, strlen(lit)) < 0)
	return (-1);
    return (errors);
}

/* header_name_ok - a field name as RFC 5322 allows (printable, no colon) */

static int
header_name_ok(const char *name)
{
    const char *cp;

    if (*name == 0)
	return (0);
    for (cp = name; *cp; cp++)
	if (*cp <= ' ' || *cp >= 0x7f || *cp == ':')
	    return (0);
    return (1);
}

/* rule_needs - what rule r needs from the MTA (RS_NEED_*, RS_ACT_*) */

static unsigned
rule_needs(const struct rule *r)
{
    static const unsigned stage_needs[COND_STAGE_COUNT] = {
	[COND_AT_CONNECT] = RS_NEED_CONNECT,
	[COND_AT_HELO] = RS_NEED_HELO,
	[COND_AT_RCPT] = RS_NEED_RCPT,
	[COND_AT_HEADER] = RS_NEED_HEADERS,
    };
    unsigned needs = 0;
    int     c;

    for (c = 0; c < COND_COUNT; c++) {
	if (!(r->conds & COND_BIT(c)))
	    continue;
	needs |= stage_needs[cond_defs[c].stage];
	if (cond_defs[c].stage == COND_AT_RCPT && cond_defs[c].macro)
	    needs |= RS_NEED_NEXTHOP;
    }
    if (r->rewrite_header_from)
	needs |= RS_NEED_HEADERS | RS_ACT_CHGHDRS;
    if (r->original_header)
	needs |= RS_ACT_ADDHDRS;
    return (needs);
}

/* ruleset_add - compile one rule and append it; returns the error count or -1 */

int
ruleset_add(struct ruleset *rs, const struct rule_spec *spec,
	            rule_error_fn report, void *ctx)
{
    static const char *const modes[] = {"any", "all", NULL};
    struct rule *r;
    int     flags = (spec->case_sensitive ? 0 : PATTERN_CASELESS)
	| (rs->limits.no_jit ? PATTERN_NO_JIT : 0);
    int     errors = 0;
    int     n;
    int     refs;
    char    expect[100];
    const char *why;
    const struct pattern *sender;

    if ((r = calloc(1, sizeof(*r))) == NULL || (r->name = strdup(spec->name)) == NULL)
	goto nomem;
    r->null_sender = spec->null_sender;
    r->keep = spec->keep;
    r->rewrite_header_from = spec->rewrite_header_from;
    if ((n = compile_conds(r, spec, flags, report, ctx)) < 0)
	goto nomem;
    errors += n;
    sender = RULE_PATTERN(r, COND_SENDER);
    if (spec->recipient_mode != NULL
	&& (r->recipient_all = cond_keyword(modes, spec->recipient_mode)) < 0) {
	cond_keywords_expected(modes, expect, sizeof(expect));
	report(ctx, "recipient_mode", "recipient_mode = \"%s\": expected %s",
	       spec->recipient_mode, expect);
	r->recipient_all = 0;
	errors++;
    }

    if (spec->keep && spec->rewrite) {
	report(ctx, "keep", "keep = true and rewrite exclude each other");
	errors++;
    } else if (!spec->keep && spec->rewrite == NULL) {
	report(ctx, NULL, "rule \"%s\": needs rewrite = \"new@sender\" "
	       "(or keep = true to leave matching mail alone)", spec->name);
	errors++;
    }
    if (spec->keep && (spec->rewrite_header_from || spec->original_header)) {
	report(ctx, spec->rewrite_header_from ? "rewrite_header_from" : "original_header",
	       "keep = true rules change nothing; rewrite_header_from and "
	       "original_header need rewrite");
	errors++;
    }
    if (spec->rewrite) {
	if ((r->rewrite_src = strdup(spec->rewrite)) == NULL)
	    goto nomem;
	if ((n = parse_template(r, spec->rewrite, spec->cond[COND_SENDER].text && !sender,
				&refs, report, ctx)) < 0)
	    goto nomem;
	errors += n;
	/* A constant rewrite can be checked now rather than per message. */
	if (n == 0 && refs == 0
	    && (r->nparts == 0 || (r->nparts == 1 && r->rewrite[0].group < 0))
	    && (why = addr_check_rewrite(r->nparts ? r->rewrite[0].text : "")) != NULL) {
	    report(ctx, "rewrite", "rewrite: \"%s\" is not a usable envelope sender: %s",
		   spec->rewrite, why);
	    errors++;
	}
    }
    if (spec->original_header) {
	if (!header_name_ok(spec->original_header)) {
	    report(ctx, "original_header", "original_header: \"%s\" is not a valid "
		   "header name", spec->original_header);
	    errors++;
	} else if ((r->original_header = strdup(spec->original_header)) == NULL) {
	    goto nomem;
	}
    }

    if (errors > 0) {
	rule_free(r);
	return (errors);
    }
    if (VEC_RESERVE(rs->rules, rs->alloc, rs->nrules + 1, 8) < 0)
	goto nomem;
    /* With thousands of rules, most can be ruled out without PCRE2. */
    if (sender && !pattern_negated(sender)
	&& (r->prefiltered = prefilter_add(rs->prefilter, rs->nrules,
					   pattern_source(sender))) < 0) {
	r->prefiltered = 0;
	goto nomem;
    }
    r->index = rs->nrules;
    rs->rules[rs->nrules++] = r;
    if (sender && pattern_capture_count(sender) > rs->max_captures)
	rs->max_captures = pattern_capture_count(sender);
    rs->conds |= r->conds;
    rs->needs |= rule_needs(r);
    return (0);

nomem:
    rule_free(r);
    return (-1);
}

/* rule_substitute - expand the rewrite template with the groups in md; NULL on ENOMEM */

char   *
rule_substitute(const struct rule *r, const char *subject, pcre2_match_data *md)
{
    PCRE2_SIZE *ovec = md ? pcre2_get_ovector_pointer(md) : NULL;
    uint32_t npairs = md ? pcre2_get_ovector_count(md) : 0;
    size_t  len = 0;
    size_t  i;
    char   *out;
    char   *op;

    /* Two passes: measure, then copy.  Unset groups expand to nothing. */
    for (i = 0; i < r->nparts; i++) {
	const struct tmpl_part *p = &r->rewrite[i];

	if (p->group < 0)
	    len += p->len;
	else if ((uint32_t) p->group < npairs && ovec[2 * p->group] != PCRE2_UNSET)
	    len += ovec[2 * p->group + 1] - ovec[2 * p->group];
    }
    if ((out = malloc(len + 1)) == NULL)
	return (NULL);
    for (op = out, i = 0; i < r->nparts; i++) {
	const struct tmpl_part *p = &r->rewrite[i];

	if (p->group < 0) {
	    memcpy(op, p->text, p->len);
	    op += p->len;
	} else if ((uint32_t) p->group < npairs && ovec[2 * p->group] != PCRE2_UNSET) {
	    memcpy(op, subject + ovec[2 * p->group],
		   ovec[2 * p->group + 1] - ovec[2 * p->group]);
	    op += ovec[2 * p->group + 1] - ovec[2 * p->group];
	}
    }
    *op = 0;
    return (out);
}
