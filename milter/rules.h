#ifndef EFM_RULES_H
#define EFM_RULES_H

/*
 * rules.h - the compiled, immutable rule set
 */

#include <stddef.h>

#include "cond.h"
#include "netaddr.h"
#include "pattern.h"
#include "prefilter.h"

/* One condition as written: a pattern or keyword, or (COND_CIDR) a list. */
struct cond_spec {
    const char *text;			/* NULL: not given */
    const char *const *list;
    size_t  n;
};

/* A rule as written in the config file; strings are not kept. */
struct rule_spec {
    const char *name;
    struct cond_spec cond[COND_COUNT];	/* by cond_id */
    const char *rewrite;		/* NULL with keep = true */
    int     keep;			/* first match decides: leave the sender alone */
    const char *recipient_mode;		/* "any" (NULL) or "all" */
    int     case_sensitive;
    int     null_sender;
    int     rewrite_header_from;
    const char *original_header;
};

/* One piece of a rewrite template: literal text or a capture group. */
struct tmpl_part {
    int     group;			/* -1 for literal text */
    char   *text;
    size_t  len;
};

/* One compiled condition, 16 bytes: a rule has a slot for each (cond.h). */
struct cond_value {
    union {
	struct pattern *pattern;	/* COND_PATTERN */
	struct cidr *blocks;		/* COND_CIDR */
    }       is;
    unsigned n;				/* COND_CIDR: blocks; COND_KEYWORD: the word's index */
};

struct rule {
    char   *name;
    size_t  index;			/* position in file order, from 0 */
    unsigned conds;			/* COND_BIT() of each condition it tests */
    unsigned stages;			/* STAGE_BIT() of the stages those need */
    struct cond_value cond[COND_COUNT];
    int     recipient_all;
    int     null_sender;
    int     keep;
    int     rewrite_header_from;
    char   *original_header;
    char   *rewrite_src;
    struct tmpl_part *rewrite;
    size_t  nparts;
    int     prefiltered;		/* the prefilter knows text sender needs */
};

#define STAGE_BIT(s)		(1u << (s))
#define RULE_PATTERN(r, c)	((r)->cond[c].is.pattern)

/* What the loaded rules need from the MTA (ruleset_needs). */
#define RS_NEED_RCPT		(1 << 0)	/* some rule tests recipients */
#define RS_NEED_HEADERS		(1 << 1)	/* some rule reads the From header */
#define RS_ACT_CHGHDRS		(1 << 2)	/* some rule changes the From header */
#define RS_ACT_ADDHDRS		(1 << 3)	/* some rule adds a header */
#define RS_NEED_CONNECT		(1 << 4)	/* some rule tests what connect brings */
#define RS_NEED_NEXTHOP		(1 << 5)	/* some rule tests a recipient's macros */
#define RS_NEED_HELO		(1 << 6)	/* some rule tests the HELO/EHLO name */

struct ruleset {
    struct rule **rules;
    size_t  nrules;
    size_t  alloc;
    struct pattern_limits limits;
    struct prefilter *prefilter;	/* rules whose sender cannot match */
    unsigned max_captures;
    unsigned needs;
    unsigned conds;			/* COND_BIT() of every condition some rule tests */
};

/* Error reporter: key is the option to blame, NULL for the rule itself. */
typedef void (*rule_error_fn) (void *ctx, const char *key, const char *fmt,...)
		__attribute__((format(printf, 3, 4)));

struct ruleset *ruleset_create(unsigned long match_limit, unsigned long depth_limit);
int	ruleset_add(struct ruleset *, const struct rule_spec *, rule_error_fn, void *ctx);
void	ruleset_free(struct ruleset *);
const struct rule *ruleset_find(const struct ruleset *, const char *name);
char   *rule_substitute(const struct rule *, const char *subject,
			        pcre2_match_data *md);

#endif
