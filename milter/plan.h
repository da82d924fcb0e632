#ifndef EFM_PLAN_H
#define EFM_PLAN_H

/*
 * plan.h - everything a rewrite decision asks the MTA to do, worked out once
 */

#include "addr.h"
#include "eval.h"

/* The first From: header of a message, parsed once when it arrives. */
struct plan_from {
    unsigned count;			/* From: headers seen */
    char   *value;			/* the first one, as received; NULL if none */
    enum addr_status status;		/* of its mailbox */
    const char *why;			/* ADDR_INVALID: why */
    struct addr_mailbox mb;		/* ADDR_OK: where its address is */
};

/* What happens to From: when the deciding rule has rewrite_header_from. */
enum plan_from_outcome {
    PLAN_FROM_NOT_ASKED = 0,		/* no rewrite_header_from */
    PLAN_FROM_CHANGE,			/* plan.from_value is the new value */
    PLAN_FROM_SAME,			/* it already has the new address */
    PLAN_FROM_NOT_NEGOTIATED,		/* the MTA does not let us change headers */
    PLAN_FROM_NONE,			/* the message has no From: */
    PLAN_FROM_SEVERAL,			/* more than one From: */
    PLAN_FROM_UNUSABLE			/* no single mailbox in it: plan.from_why */
};

/* What the MTA lets us do besides changing the sender. */
#define PLAN_CAN_ADD_HEADER	(1 << 0)
#define PLAN_CAN_CHANGE_HEADER	(1 << 1)

struct plan {
    const struct rule *rule;		/* the deciding rule */
    char   *sender;			/* new sender, external form; NULL: unchanged */
    const char *add_name;		/* original_header to add, or NULL */
    char   *add_value;			/* ... its value: the old sender, external form */
    int     add_skipped;		/* original_header wanted but not negotiated */
    enum plan_from_outcome from;
    char   *from_value;			/* PLAN_FROM_CHANGE: the new From: value */
    const char *from_why;		/* PLAN_FROM_UNUSABLE: why */
};

int	plan_from_add(struct plan_from *, const char *value);
void	plan_from_clear(struct plan_from *);
const char *plan_from_address(const struct plan_from *);
int	plan_make(struct plan *, const struct decision *, const char *old_sender,
		          const struct plan_from *, unsigned can);
void	plan_clear(struct plan *);

#endif
