#ifndef EFM_EVAL_H
#define EFM_EVAL_H

/*
 * eval.h - decide a message's new envelope sender, as early as the data allows
 */

#include <stdio.h>

#include "netaddr.h"
#include "rules.h"

/* What is known at MAIL FROM. Strings must outlive the evaluation. */
struct eval_env {
    const char *logid;			/* queue id, or "NOQUEUE", for log lines */
    const char *sender;			/* internal form; "" is the null sender */
    int     has_client;			/* client is a known IP address */
    struct netaddr client;
    const char *auth;			/* SASL login, NULL if none */
    const char *listener;		/* {daemon_name}, NULL if unknown */
    int     local;			/* submitted with sendmail(1), not SMTP */
};

/* One recipient: its address and Postfix's resolution, NULL when unknown. */
struct eval_rcpt {
    const char *addr;			/* internal form */
    const char *mailer;			/* {rcpt_mailer}: transport */
    const char *host;			/* {rcpt_host}: next hop */
};

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
