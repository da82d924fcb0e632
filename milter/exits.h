#ifndef EFM_EXITS_H
#define EFM_EXITS_H

/*
 * exits.h - every exit status envfrom-milter uses, listed once
 */

#include <stddef.h>
#include <stdio.h>

struct exit_status {
    int     code;
    const char *name;			/* "EX_USAGE"; NULL for 0, 1 and 2 */
    const char *summary;		/* a few words for -h */
};

extern const struct exit_status exit_statuses[];
extern const size_t exit_status_count;

void	exits_print(FILE *, size_t width);

#endif
