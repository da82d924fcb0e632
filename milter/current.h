#ifndef EFM_CURRENT_H
#define EFM_CURRENT_H

/*
 * current.h - the configuration in force, reference counted across reloads
 */

#include "config.h"

struct snapshot;

void	current_install(struct config *);
struct snapshot *current_acquire(void);
struct snapshot *current_hold(struct snapshot *);
void	current_release(struct snapshot *);
const struct config *snapshot_config(const struct snapshot *);
void	snapshot_count_hit(struct snapshot *, const struct rule *);
void	current_log_hits(const char *why);

#endif
