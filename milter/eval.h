#ifndef EFM_EVAL_H
#define EFM_EVAL_H

/*
 * eval.h - decide a message's new envelope sender, as early as the data allows
 */

#include <stdio.h>

#include "netaddr.h"
#include "rules.h"

/* struct eval_env and struct eval_rcpt, the data the rules test: cond.h. */

enum decision_kind {
    DECISION_NONE = 0,			/* no rule matched: leave the sender alone */
    DECISION_KEEP,			/* a keep rule matched: leave it alone */
    DECISION_REWRITE,			/* change the sender to decision.sender */
    DECISION_INVALID			/* the rewrite gave no usable address: leave it */
};

struct decision {
    enum decision_kind kind;
    const struct rule *rule;		/* the deciding rule, NULL for NONE */
    char   *sender;			/* new internal-form sender (REWRITE, INVALID) */
    const char *why;			/* why the result is INVALID */
};

struct eval;

struct eval *eval_start(const struct ruleset *, const struct eval_env *);
int	eval_rcpt(struct eval *, const struct eval_rcpt *);
void	eval_header_from(struct eval *, const char *addr);
const struct rule *eval_settled(const struct eval *, int *settled);
int	eval_finish(struct eval *, struct decision *);
void	eval_free(struct eval *);
void	decision_clear(struct decision *);
int	eval_explain(struct eval *, size_t rule, const struct eval_rcpt *rcpts,
		             size_t nrcpt, const char *header_from, FILE *fp);

#endif
