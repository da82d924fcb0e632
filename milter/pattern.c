/*
 * NAME
 *	pattern - compiled PCRE2 patterns with Postfix-style negation
 * SYNOPSIS
 *	#include "pattern.h"
 *
 *	pat = pattern_compile("!^root@", PATTERN_CASELESS, err, sizeof(err));
 *	res = pattern_test(pat, &limits, match_data, subject, len, &pcre_err);
 * DESCRIPTION
 *	A pattern is a PCRE2 regular expression, optionally preceded by "!"
 *	(as in Postfix's !/pattern/): the condition then holds when the
 *	expression does NOT match.  Expressions are compiled once, at config
 *	load, with JIT when the library has it; the compiled code is shared
 *	read-only by all threads (PCRE2 allows that).  Match data is per call
 *	site and never shared.
 *
 *	$ only matches at the very end of the subject (PCRE2_DOLLAR_ENDONLY),
 *	so "a@b.example\n" does not match /^.*@b\.example$/.  Subjects are
 *	bytes (no UTF mode): invalid UTF-8 in a hostile address cannot make a
 *	match fail with an error, and case folding is ASCII, as in addresses.
 *	Patterns are compiled with PCRE2_NEVER_UTF and PCRE2_NEVER_UCP, so a
 *	leading (*UTF) or (*UCP) cannot switch that off: it is an error.
 *
 *	pattern_scratch_get() lends an evaluation what matching needs:
 *	match data and a JIT stack of its own, from a pool that belongs to
 *	the rule set.  Scratch space is reused from message to message and
 *	from thread to thread, so its memory is touched once; left to itself,
 *	PCRE2's JIT takes 32 KiB of the calling thread's stack, and libmilter
 *	(Debian's worker pool) starts new threads all the time, each of which
 *	would page that stack in again.
 *
 *	pattern_test() bounds every match with the ruleset's match and depth
 *	limits, so a catastrophic expression returns PATTERN_ERROR quickly
 *	instead of hanging or overflowing a milter thread's stack.  Callers
 *	treat PATTERN_ERROR as "does not hold", also for negated patterns.
 *
 *	Without JIT (pcre_jit = false, or JIT refused: SELinux execmem),
 *	PCRE2 before 10.30 (EL7's 10.23) matches by recursing on the calling
 *	thread's stack, 432 bytes per level of depth on x86-64, and a thread
 *	of libmilter has whatever stack the process gives threads (8 MiB,
 *	or 2 MiB under a smaller ulimit -s).  So there the depth limit of
 *	each match is also held to what is left of the thread's stack:
 *	(free stack - PATTERN_STACK_RESERVE) / PATTERN_STACK_PER_LEVEL, with
 *	a margin of more than two for other compilers' frames.  No
 *	depth_limit the config accepts can then overflow a stack.  10.30 and
 *	later keep their backtracking frames on the heap.
 * DIAGNOSTICS
 *	pattern_compile() returns NULL and fills err with "error in regex at
 *	offset N: message", a sentence about (*UTF) or (*UCP), or "out of
 *	memory".
 */

/* pthread_getattr_np(): the stack of the thread a match runs on. */
#define _GNU_SOURCE

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"

/*
 * PCRE2's errors for (*UTF) and (*UCP) under PCRE2_NEVER_UTF/_UCP: 174 and
 * 175 in 10.23 as in later versions, but named (PCRE2_ERROR_UTF_IS_DISABLED,
 * ...) only by later headers, so by number here.
 */
#define UTF_IS_DISABLED	174
#define UCP_IS_DISABLED	175

#define JIT_STACK_START	(32 * 1024)
#define JIT_STACK_MAX	(512 * 1024)

struct pattern_pool {
    pthread_mutex_t lock;
    struct pattern_scratch *free;
};

struct pattern {
    pcre2_code *code;
    char   *source;			/* as written, including any "!" */
    int     negated;
    int     jit;			/* JIT-compiled: matching uses the JIT stack */
    unsigned captures;
};

/* The calling thread's stack: lowest usable address, once known (NULL: unknown). */
static __thread char *stack_low;
static __thread int stack_looked;

/* scratch_free - release scratch space (NULL is fine) */

static void
scratch_free(struct pattern_scratch *s)
{
    if (s == NULL)
	return;
    if (s->md)
	pcre2_match_data_free(s->md);
    if (s->lim.mctx)
	pcre2_match_context_free(s->lim.mctx);
    if (s->jit)
	pcre2_jit_stack_free(s->jit);
    free(s);
}

/* pattern_limits_init - create the shared match context; -1 when out of memory */

int
pattern_limits_init(struct pattern_limits *lim, unsigned long match_limit,
		            unsigned long depth_limit)
{
    uint32_t on_stack = 0;

    lim->match_limit = match_limit;
    lim->depth_limit = depth_limit;
    lim->no_jit = 0;
    lim->pool = NULL;
    /* Obsolete from 10.30 on (always 0 there): frames live on the heap. */
#ifdef PCRE2_CONFIG_STACKRECURSE
    if (pcre2_config(PCRE2_CONFIG_STACKRECURSE, &on_stack) < 0)
	on_stack = 0;
#endif
    lim->stack_recursion = on_stack != 0;
    if ((lim->mctx = pcre2_match_context_create(NULL)) == NULL)
	return (-1);
    if ((lim->pool = calloc(1, sizeof(*lim->pool))) == NULL) {
	pcre2_match_context_free(lim->mctx);
	lim->mctx = NULL;
	return (-1);
    }
    pthread_mutex_init(&lim->pool->lock, NULL);
    pcre2_set_match_limit(lim->mctx, (uint32_t) match_limit);
    /* pcre2_set_depth_limit appeared in 10.30; the old name still works. */
#if PCRE2_MAJOR > 10 || (PCRE2_MAJOR == 10 && PCRE2_MINOR >= 30)
    pcre2_set_depth_limit(lim->mctx, (uint32_t) depth_limit);
#else
    pcre2_set_recursion_limit(lim->mctx, (uint32_t) depth_limit);
#endif
    return (0);
}

/* pattern_limits_free - release the shared match context */

void
pattern_limits_free(struct pattern_limits *lim)
{
    struct pattern_scratch *s;

    if (lim->pool) {
	while ((s = lim->pool->free) != NULL) {
	    lim->pool->free = s->next;
	    scratch_free(s);
	}
	pthread_mutex_destroy(&lim->pool->lock);
	free(lim->pool);
	lim->pool = NULL;
    }
    if (lim->mctx)
	pcre2_match_context_free(lim->mctx);
    lim->mctx = NULL;
}

/* pattern_scratch_get - scratch space for one evaluation; NULL when out of memory */

struct pattern_scratch *
pattern_scratch_get(const struct pattern_limits *lim, uint32_t ovec)
{
    struct pattern_scratch *s;

    pthread_mutex_lock(&lim->pool->lock);
    if ((s = lim->pool->free) != NULL)
	lim->pool->free = s->next;
    pthread_mutex_unlock(&lim->pool->lock);
    if (s != NULL && s->ovec >= ovec)
	return (s);
    scratch_free(s);
    if ((s = calloc(1, sizeof(*s))) == NULL)
	return (NULL);
    s->ovec = ovec;
    s->lim = *lim;
    s->lim.pool = NULL;
    if ((s->lim.mctx = pcre2_match_context_copy(lim->mctx)) == NULL
	|| (s->md = pcre2_match_data_create(ovec, NULL)) == NULL) {
	scratch_free(s);
	return (NULL);
    }
    /* Without JIT (or its memory) PCRE2 falls back to the thread's stack. */
    if ((s->jit = pcre2_jit_stack_create(JIT_STACK_START, JIT_STACK_MAX, NULL)) != NULL)
	pcre2_jit_stack_assign(s->lim.mctx, NULL, s->jit);
    return (s);
}

/* pattern_scratch_put - give scratch space back to the set's pool (NULL is fine) */

void
pattern_scratch_put(const struct pattern_limits *lim, struct pattern_scratch *s)
{
    if (s == NULL)
	return;
    pthread_mutex_lock(&lim->pool->lock);
    s->next = lim->pool->free;
    lim->pool->free = s;
    pthread_mutex_unlock(&lim->pool->lock);
}

/* pattern_compile - compile "[!]regex"; NULL with a message in err on failure */

struct pattern *
pattern_compile(const char *source, int flags, char *err, size_t errlen)
{
    struct pattern *pat;
    const char *regex = source;
    uint32_t options = PCRE2_DOLLAR_ENDONLY | PCRE2_NEVER_UTF | PCRE2_NEVER_UCP;
    uint32_t captures;
    int     errcode;
    PCRE2_SIZE erroffset;
    char    msg[256];

    if ((pat = calloc(1, sizeof(*pat))) == NULL
	|| (pat->source = strdup(source)) == NULL) {
	free(pat);
	snprintf(err, errlen, "out of memory");
	return (NULL);
    }
    if (*regex == '!') {
	pat->negated = 1;
	regex++;
    }
    if (flags & PATTERN_CASELESS)
	options |= PCRE2_CASELESS;
    pat->code = pcre2_compile((PCRE2_SPTR) regex, PCRE2_ZERO_TERMINATED,
			      options, &errcode, &erroffset, NULL);
    if (pat->code == NULL && errcode == UTF_IS_DISABLED) {
	snprintf(err, errlen, "(*UTF) is not allowed: addresses are matched as "
		 "bytes (in UTF mode, an address that is not valid UTF-8 would make "
		 "the test fail with an error)");
	pattern_free(pat);
	return (NULL);
    }
    if (pat->code == NULL && errcode == UCP_IS_DISABLED) {
	snprintf(err, errlen, "(*UCP) is not allowed: \\w, \\d and case folding "
		 "stay ASCII, as in addresses");
	pattern_free(pat);
	return (NULL);
    }
    if (pat->code == NULL) {
	pcre2_get_error_message(errcode, (PCRE2_UCHAR *) msg, sizeof(msg));
	/* Offsets count from the start of the string as written. */
	snprintf(err, errlen, "error in regex at offset %lu: %s",
		 (unsigned long) erroffset + pat->negated, msg);
	pattern_free(pat);
	return (NULL);
    }
    /* No JIT (platform or SELinux execmem denial) just means slower matching. */
    pat->jit = !(flags & PATTERN_NO_JIT)
	&& pcre2_jit_compile(pat->code, PCRE2_JIT_COMPLETE) == 0;
    pcre2_pattern_info(pat->code, PCRE2_INFO_CAPTURECOUNT, &captures);
    pat->captures = pat->negated ? 0 : captures;
    return (pat);
}

/* pattern_free - release a compiled pattern (NULL is fine) */

void
pattern_free(struct pattern *pat)
{
    if (pat == NULL)
	return;
    if (pat->code)
	pcre2_code_free(pat->code);
    free(pat->source);
    free(pat);
}

/* pattern_source - the pattern as written in the config */

const char *
pattern_source(const struct pattern *pat)
{
    return (pat->source);
}

/* pattern_negated - does the pattern start with "!"? */

int
pattern_negated(const struct pattern *pat)
{
    return (pat->negated);
}

/* pattern_capture_count - groups usable in a rewrite (0 for negated patterns) */

unsigned
pattern_capture_count(const struct pattern *pat)
{
    return (pat->captures);
}

/* pattern_group_by_name - number of a uniquely named group; -1 unknown, -2 ambiguous */

int
pattern_group_by_name(const struct pattern *pat, const char *name)
{
    int     n;

    if (pat->negated)
	return (-1);
    n = pcre2_substring_number_from_name(pat->code, (PCRE2_SPTR) name);
    if (n == PCRE2_ERROR_NOUNIQUESUBSTRING)
	return (-2);
    return (n < 0 ? -1 : n);
}

/* pattern_stack_depth - the depth a match may reach without JIT in stack_bytes of stack */

unsigned long
pattern_stack_depth(size_t stack_bytes)
{
    if (stack_bytes <= PATTERN_STACK_RESERVE + PATTERN_STACK_PER_LEVEL)
	return (1);
    return ((stack_bytes - PATTERN_STACK_RESERVE) / PATTERN_STACK_PER_LEVEL);
}

/* stack_free - bytes of this thread's stack below here; 0 if unknown */

static size_t
stack_free(void)
{
    pthread_attr_t attr;
    void   *addr;
    size_t  size;
    size_t  guard = 0;
    char    here;

    if (!stack_looked) {
	stack_looked = 1;
	if (pthread_getattr_np(pthread_self(), &attr) == 0) {
	    if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
		(void) pthread_attr_getguardsize(&attr, &guard);
		stack_low = (char *) addr + guard;
	    }
	    pthread_attr_destroy(&attr);
	}
    }
    if (stack_low == NULL || &here <= stack_low)
	return (0);
    return ((size_t) (&here - stack_low));
}

/* depth_for_stack - set this match's depth limit to what the stack can take */

static void
depth_for_stack(const struct pattern_limits *lim)
{
    size_t  free_bytes = stack_free();
    /* Stack unknown: assume the smallest a libmilter thread gets here (1 MiB). */
    unsigned long cap = pattern_stack_depth(free_bytes ? free_bytes : 1024 * 1024);

    if (cap > lim->depth_limit)
	cap = lim->depth_limit;
#if PCRE2_MAJOR > 10 || (PCRE2_MAJOR == 10 && PCRE2_MINOR >= 30)
    pcre2_set_depth_limit(lim->mctx, (uint32_t) cap);
#else
    pcre2_set_recursion_limit(lim->mctx, (uint32_t) cap);
#endif
}

/* pattern_test - does the condition hold for subject? */

enum pattern_result
pattern_test(const struct pattern *pat, const struct pattern_limits *lim,
	             pcre2_match_data *md, const char *subject, size_t len,
	             int *pcre_err)
{
    int     rc;

    /* lim is the evaluation's own copy (scratch): its context is ours to set. */
    if (!pat->jit && lim && lim->stack_recursion)
	depth_for_stack(lim);
    rc = pcre2_match(pat->code, (PCRE2_SPTR) subject, len, 0, 0, md,
		     lim ? lim->mctx : NULL);
    if (rc >= 0)
	return (pat->negated ? PATTERN_FALSE : PATTERN_TRUE);
    if (rc == PCRE2_ERROR_NOMATCH)
	return (pat->negated ? PATTERN_TRUE : PATTERN_FALSE);
    if (pcre_err)
	*pcre_err = rc;
    return (PATTERN_ERROR);
}

/* pattern_strerror - PCRE2's text for a match error code */

const char *
pattern_strerror(int pcre_err, char *buf, size_t len)
{
    if (pcre2_get_error_message(pcre_err, (PCRE2_UCHAR *) buf, len) < 0)
	snprintf(buf, len, "PCRE2 error %d", pcre_err);
    return (buf);
}
