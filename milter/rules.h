#ifndef EFM_RULES_H
#define EFM_RULES_H

/*
 * rules.h - the compiled, immutable rule set
 */

#include <stddef.h>

#include "netaddr.h"
#include "pattern.h"
#include "prefilter.h"

/* Where a rule's option came from, so config.c can name the line. */
enum rule_field {
    RF_RULE, RF_SENDER, RF_REWRITE, RF_KEEP, RF_CLIENT, RF_AUTH,
    RF_RECIPIENT, RF_TRANSPORT, RF_NEXTHOP, RF_LISTENER, RF_HEADER_FROM,
    RF_ORIGINAL_HEADER, RF_REWRITE_HEADER_FROM, RF_NULL_SENDER,
    RF_FIELD_COUNT
};

enum rule_tristate { TRI_ANY = 0, TRI_YES, TRI_NO };
enum rule_origin { ORIGIN_ANY = 0, ORIGIN_SMTP, ORIGIN_LOCAL };

/* A rule as written in the config file; strings are not kept. */
struct rule_spec {
    const char *name;
    const char *sender;
    const char *rewrite;		/* NULL with keep = true */
    int     keep;			/* first match decides: leave the sender alone */
    const char *const *client;
    size_t  nclient;
    const char *auth;
    enum rule_tristate authenticated;
    const char *listener;
    enum rule_origin origin;
    const char *recipient;
    const char *transport;
    const char *nexthop;
    int     recipient_all;		/* recipient_mode = "all" */
    const char *header_from;
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

struct rule {
    char   *name;
    size_t  index;			/* position in file order, from 0 */
    struct pattern *sender;
    struct pattern *auth;
    struct pattern *listener;
    struct pattern *recipient;
    struct pattern *transport;
    struct pattern *nexthop;
    struct pattern *header_from;
    struct cidr *client;
    size_t  nclient;
    enum rule_tristate authenticated;
    enum rule_origin origin;
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

/* What the loaded rules need from the MTA (ruleset_needs). */
#define RS_NEED_RCPT		(1 << 0)	/* some rule tests recipients */
#define RS_NEED_HEADERS		(1 << 1)	/* some rule reads the From header */
#define RS_ACT_CHGHDRS		(1 << 2)	/* some rule changes the From header */
#define RS_ACT_ADDHDRS		(1 << 3)	/* some rule adds a header */
#define RS_NEED_CONNECT		(1 << 4)	/* some rule tests client, origin or listener */
#define RS_NEED_NEXTHOP		(1 << 5)	/* some rule tests transport or nexthop */

struct ruleset {
    struct rule **rules;
    size_t  nrules;
    size_t  alloc;
    struct pattern_limits limits;
    struct prefilter *prefilter;	/* rules whose sender cannot match */
    unsigned max_captures;
    unsigned needs;
};

/* Error reporter: field says which option to blame. */
typedef void (*rule_error_fn) (void *ctx, enum rule_field field, const char *fmt,...)
		__attribute__((format(printf, 3, 4)));

struct ruleset *ruleset_create(unsigned long match_limit, unsigned long depth_limit);
int	ruleset_add(struct ruleset *, const struct rule_spec *, rule_error_fn, void *ctx);
void	ruleset_free(struct ruleset *);
const struct rule *ruleset_find(const struct ruleset *, const char *name);
char   *rule_substitute(const struct rule *, const char *subject,
			        pcre2_match_data *md);

#endif
