/*
 * NAME
 *	current - the configuration in force, reference counted across reloads
 * SYNOPSIS
 *	#include "current.h"
 *
 *	current_install(cfg);			start-up and SIGUSR1 reload
 *	snap = current_acquire();		at MAIL FROM (and negotiation)
 *	snap = current_hold(snap);		one more reference to it
 *	rules = snapshot_config(snap)->rules;
 *	current_release(snap);			end of message, abort, close
 *	snapshot_count_hit(snap, rule);		a message this rule decided
 *	current_log_hits("SIGUSR2");
 * DESCRIPTION
 *	A connection, and each of its messages, is decided with the rules
 *	that were in force when it began, even if a reload happens meanwhile:
 *	each holds a reference to a snapshot, and a snapshot replaced by
 *	current_install() is freed when its last user releases it.  Only
 *	the reference count and the current pointer are shared and changed;
 *	both are under one mutex (the count is never touched outside it).
 *
 *	The per-rule hit counters live in the snapshot, not in the rules,
 *	which stay immutable once compiled: a counter is the one thing
 *	written while messages are served, with atomic adds.  When a
 *	snapshot is freed its counters are logged, so counts survive into
 *	the log across reloads and at exit (current_install(NULL)).
 * DIAGNOSTICS
 *	None.
 */

#include <pthread.h>
#include <stdlib.h>

#include "current.h"
#include "log.h"

struct snapshot {
    struct config *cf;
    unsigned long refs;			/* under lock */
    unsigned long *hits;		/* per rule index; __atomic */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot *current;

/* log_hits - one line per rule with its count */

static void
log_hits(const struct snapshot *s, const char *why)
{
    const struct ruleset *rs = s->cf->rules;
    unsigned long n;
    size_t  i;

    for (i = 0; i < rs->nrules; i++) {
	n = __atomic_load_n(&s->hits[i], __ATOMIC_RELAXED);
	log_info("rule %s: %lu message%s decided (%s)", rs->rules[i]->name,
		 n, n == 1 ? "" : "s", why);
    }
}

/* put - drop one reference; the caller holds the lock. Returns what to free. */

static struct snapshot *
put(struct snapshot *s)
{
    return (--s->refs == 0 ? s : NULL);
}

/* finish - free a snapshot nobody uses any more, outside the lock */

static void
finish(struct snapshot *s, const char *why)
{
    if (s == NULL)
	return;
    log_hits(s, why);
    config_free(s->cf);
    free(s->hits);
    free(s);
}

/* current_install - make cf the config for new messages (NULL at exit) */

void
current_install(struct config *cf)
{
    struct snapshot *s = NULL;
    struct snapshot *old = NULL;

    if (cf != NULL) {
	if ((s = malloc(sizeof(*s))) == NULL
	    || (s->hits = calloc(cf->rules->nrules + 1, sizeof(*s->hits))) == NULL) {
	    free(s);
	    /* Keep the old rules rather than run with none. */
	    log_error("out of memory installing the new configuration; "
		      "keeping the previous one");
	    config_free(cf);
	    return;
	}
	s->cf = cf;
	s->refs = 1;			/* the "current" reference */
    }
    pthread_mutex_lock(&lock);
    if (current != NULL)
	old = put(current);
    current = s;
    pthread_mutex_unlock(&lock);
    finish(old, cf ? "until reload" : "at exit");
}

/* current_acquire - a reference to the config in force (NULL before start) */

struct snapshot *
current_acquire(void)
{
    struct snapshot *s;

    pthread_mutex_lock(&lock);
    if ((s = current) != NULL)
	s->refs++;
    pthread_mutex_unlock(&lock);
    return (s);
}

/* current_hold - one more reference to a snapshot already held (NULL is fine) */

struct snapshot *
current_hold(struct snapshot *s)
{
    if (s == NULL)
	return (NULL);
    pthread_mutex_lock(&lock);
    s->refs++;
    pthread_mutex_unlock(&lock);
    return (s);
}

/* current_release - give back a reference (NULL is fine) */

void
current_release(struct snapshot *s)
{
    struct snapshot *dead;

    if (s == NULL)
	return;
    pthread_mutex_lock(&lock);
    dead = put(s);
    pthread_mutex_unlock(&lock);
    finish(dead, "until reload");
}

/* snapshot_count_hit - count one message decided by rule r of this snapshot */

void
snapshot_count_hit(struct snapshot *s, const struct rule *r)
{
    __atomic_add_fetch(&s->hits[r->index], 1, __ATOMIC_RELAXED);
}

/* snapshot_config - the config a snapshot holds */

const struct config *
snapshot_config(const struct snapshot *s)
{
    return (s->cf);
}

/* current_log_hits - log the counters of the config in force */

void
current_log_hits(const char *why)
{
    struct snapshot *s;

    if ((s = current_acquire()) == NULL)
	return;
    log_hits(s, why);
    current_release(s);
}
