#ifndef EFM_APPLY_H
#define EFM_APPLY_H

/*
 * apply.h - carry out a rewrite decision's plan through libmilter
 */

#include <libmilter/mfapi.h>

#include "current.h"
#include "eval.h"
#include "plan.h"

/* What apply_rewrite() needs of the message and its connection. */
struct apply_msg {
    const char *qid;			/* for the log lines */
    const char *sender;			/* the old sender, internal form */
    const struct plan_from *from;	/* the From: headers seen */
    struct snapshot *snap;		/* the rules: the hit is counted there */
    int     can_add_header;		/* SMFIF_ADDHDRS negotiated */
    int     can_change_header;		/* SMFIF_CHGHDRS and the header step negotiated */
};

int	apply_rewrite(SMFICTX *, const struct apply_msg *, const struct decision *);

#endif
