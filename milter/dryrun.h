#ifndef EFM_DRYRUN_H
#define EFM_DRYRUN_H

/*
 * dryrun.h - envfrom-milter -t: the rules' decision for one made-up message
 */

#include <stddef.h>

#include "config.h"

#define DRYRUN_MAX_RCPTS	1000

/* The message -t describes; NULL or 0 where not given. */
struct dryrun_request {
    const char *sender;			/* -t, as written */
    char  **rcpts;			/* -r ADDR[,TRANSPORT[,NEXTHOP]], split in place */
    size_t  nrcpt;
    const char *login;			/* -a */
    const char *ip;			/* -i */
    const char *helo;			/* -e */
    const char *listener;		/* -l */
    int     local;			/* -L */
    const char *from_header;		/* -H */
    int     verbose;			/* -v */
};

int	dryrun(const struct config *, const struct dryrun_request *);

#endif
