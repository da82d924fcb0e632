#ifndef EFM_PATTERN_H
#define EFM_PATTERN_H

/*
 * pattern.h - compiled PCRE2 patterns with Postfix-style "!" negation
 */

#include <stddef.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

struct pattern;

struct pattern_pool;

/* Match limits shared by every pattern of one ruleset (read-only while matching). */
struct pattern_limits {
    pcre2_match_context *mctx;
    unsigned long match_limit;
    unsigned long depth_limit;
    int     no_jit;			/* compile without JIT (pcre_jit = false) */
    int     stack_recursion;		/* PCRE2 < 10.30: the interpreter recurses on the C stack */
    struct pattern_pool *pool;		/* reusable scratch space, NULL in copies */
};

/* What one evaluation needs to match: reused, never shared at once. */
struct pattern_scratch {
    struct pattern_limits lim;		/* the set's limits, with its own JIT stack */
    pcre2_jit_stack *jit;
    pcre2_match_data *md;
    uint32_t ovec;
    struct pattern_scratch *next;	/* in the pool's free list */
};

/* Outcome of pattern_test(). */
enum pattern_result {
    PATTERN_FALSE = 0,		/* the condition does not hold */
    PATTERN_TRUE = 1,		/* the condition holds */
    PATTERN_ERROR = -1		/* match/depth limit or other PCRE2 error: treat as not holding */
};

#define PATTERN_CASELESS	(1 << 0)
#define PATTERN_NO_JIT		(1 << 1)

/* Stack per level of depth_limit without JIT on PCRE2 10.23 (432 measured, x86-64). */
#define PATTERN_STACK_PER_LEVEL	1024
#define PATTERN_STACK_RESERVE	(64 * 1024)	/* for the callback around the match */

int	pattern_limits_init(struct pattern_limits *, unsigned long match_limit,
			            unsigned long depth_limit);
void	pattern_limits_free(struct pattern_limits *);
struct pattern_scratch *pattern_scratch_get(const struct pattern_limits *, uint32_t ovec);
void	pattern_scratch_put(const struct pattern_limits *, struct pattern_scratch *);

struct pattern *pattern_compile(const char *source, int flags, char *err, size_t errlen);
void	pattern_free(struct pattern *);
const char *pattern_source(const struct pattern *);
int	pattern_negated(const struct pattern *);
unsigned pattern_capture_count(const struct pattern *);
int	pattern_group_by_name(const struct pattern *, const char *name);

enum pattern_result pattern_test(const struct pattern *, const struct pattern_limits *,
				         pcre2_match_data *md, const char *subject,
				         size_t len, int *pcre_err);
const char *pattern_strerror(int pcre_err, char *buf, size_t len);
unsigned long pattern_stack_depth(size_t stack_bytes);

#endif
