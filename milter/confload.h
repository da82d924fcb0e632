#ifndef EFM_CONFLOAD_H
#define EFM_CONFLOAD_H

/*
 * confload.h - one config load in progress, shared by config.c, config_settings.c
 * and config_rules.c only
 */

#include <confuse.h>

#include "cond.h"
#include "config.h"
#include "linemap.h"

struct load {
    const char *name;			/* file name for messages */
    struct config_msgs *msgs;
    struct linemap lm;
    const char *title;			/* rule being built */
    int     nomem;
};

void	load_msg(struct load *, int is_error, int line, const char *fmt,...)
		__attribute__((format(printf, 4, 5)));
const char *load_str(struct load *, cfg_t *, const char *name);
const char *load_opt_str(struct load *, cfg_t *, const char *name);

#define ERROR_AT(ld, line, ...)		load_msg((ld), 1, (line), __VA_ARGS__)
#define WARNING_AT(ld, line, ...)	load_msg((ld), 0, (line), __VA_ARGS__)

void	config_read_settings(struct load *, cfg_t *, struct config *);
/* The rule section's options: the fixed ones, one per condition, the end. */
#define CONFIG_RULE_OPTS	(7 + COND_COUNT + 1)

void	config_rule_options(cfg_opt_t *opts);
void	config_build_rule(struct load *, struct ruleset *, cfg_t *);
void	config_check_rules(struct load *, const struct ruleset *);

#endif
