#ifndef EFM_COND_H
#define EFM_COND_H

/*
 * cond.h - the conditions a rule can test, described once as data
 */

#include <stddef.h>

#include "netaddr.h"

/* One value per row of cond_defs[]; the order is the order -t explains them. */
enum cond_id {
    COND_SENDER, COND_CLIENT, COND_HELO, COND_AUTH, COND_AUTHENTICATED,
    COND_LISTENER, COND_ORIGIN, COND_RECIPIENT, COND_TRANSPORT, COND_NEXTHOP,
    COND_HEADER_FROM,
    COND_COUNT
};

/* When a condition's subject is known, in protocol order. */
enum cond_stage {
    COND_AT_CONNECT, COND_AT_HELO, COND_AT_MAIL, COND_AT_RCPT, COND_AT_HEADER,
    COND_STAGE_COUNT
};

enum cond_kind {
    COND_PATTERN,			/* a regex on a string */
    COND_CIDR,				/* a list of address blocks on an address */
    COND_KEYWORD			/* one of a few words; the first means "not tested" */
};

/* What is known at MAIL FROM. Strings must outlive the evaluation. */
struct eval_env {
    const char *logid;			/* queue id, or "NOQUEUE", for log lines */
    const char *sender;			/* internal form; "" is the null sender */
    int     has_client;			/* client is a known IP address */
    struct netaddr client;
    const char *auth;			/* SASL login, NULL if none */
    const char *listener;		/* {daemon_name}, NULL if unknown */
    int     local;			/* submitted with sendmail(1), not SMTP */
    const char *helo;			/* HELO/EHLO name, NULL if none was given */
};

/* One recipient: its address and Postfix's resolution, NULL when unknown. */
struct eval_rcpt {
    const char *addr;			/* internal form */
    const char *mailer;			/* {rcpt_mailer}: transport */
    const char *host;			/* {rcpt_host}: next hop */
};

/* Where a subject is read from: the message, one recipient, the From: address. */
struct cond_data {
    const struct eval_env *env;
    const struct eval_rcpt *rcpt;	/* NULL before RCPT */
    const char *header_from;		/* NULL: absent or unusable */
};

struct cond_def {
    const char *key;			/* the rule option */
    enum cond_kind kind;
    enum cond_stage stage;
    const char *macro;			/* the macro the subject comes in, NULL: the command */
    const char *absent;			/* -t: why it cannot hold when there is no subject */
    const char *const *keywords;	/* COND_KEYWORD: the words, "any" first */
    const char *const *notes;		/* COND_KEYWORD: -t's note per subject word, or NULL */
    int     names_domain;		/* may hold the example's placeholder domain */
    /* The subject: a string (PATTERN, KEYWORD) or an address (CIDR); NULL: unknown. */
    const char *(*subject) (const struct cond_data *);
    const struct netaddr *(*address) (const struct cond_data *);
};

extern const struct cond_def cond_defs[COND_COUNT];

#define COND_BIT(c)	(1u << (c))

int	cond_keyword(const char *const *words, const char *word);
void	cond_keywords_expected(const char *const *words, char *buf, size_t len);
void	cond_stage_keys(enum cond_stage, char *buf, size_t len);
size_t	cond_macros(unsigned conds, enum cond_stage, const char *first,
		            char *buf, size_t len);

#endif
