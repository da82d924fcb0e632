/*
 * NAME
 *	allocfail_core - fail each allocation of building a rule and of
 *	importing a table in turn
 * SYNOPSIS
 *	FAILMALLOC_CTL=CTLFILE LD_PRELOAD=.../failmalloc.so allocfail_core -c CTLFILE
 * DESCRIPTION
 *	With tests/reliability/failmalloc.so preloaded (CTLFILE is its
 *	control file, 24 bytes), runs two jobs in a thread of its own (the
 *	shim fails no allocation of the main thread), failing their Nth
 *	allocation for N = 1, 2, ... until a run makes fewer than N:
 *
 *	- rules: ruleset_add() of one rule with every kind of pattern, a
 *	  CIDR list and a rewrite template whose literal pieces are merged
 *	  (a$$b${1}...: each merge is a realloc), then ruleset_free();
 *	- import: import_text() of a table with an if/endif that cannot be
 *	  translated (its block then matches nothing) and entries inside it.
 *
 *	Each run must end cleanly: the rule is added (0), or refused as out
 *	of memory (-1), or with errors that all say so; the import says 0 only
 *	with the output of a run without failures.  Before and after each
 *	run the shim's count of live blocks must be the same: nothing leaks.
 *
 *	Output: a "# N=..." line for each bad run and one "allocfail_core:"
 *	summary line per job.
 * DIAGNOSTICS
 *	Exit 0 when every run was clean, 1 otherwise, 64 on usage.
 */

#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "import.h"
#include "rules.h"

static long *ctl;			/* the shim's control words */
static int bad;				/* runs that were not clean */

static char reports[1024];		/* what ruleset_add() reported */

/* report - ruleset_add()'s reporter: keep the messages */

static void __attribute__((format(printf, 3, 4)))
report(void *ctx, const char *field, const char *fmt,...)
{
    size_t  used = strlen(reports);
    va_list ap;

    (void) ctx;
    (void) field;
    va_start(ap, fmt);
    vsnprintf(reports + used, sizeof(reports) - used, fmt, ap);
    va_end(ap);
    used = strlen(reports);
    snprintf(reports + used, sizeof(reports) - used, "|");
}

/* job_rules - build one rule; 0 clean, else -1 and why in *out */

static int
job_rules(char **out)
{
    static const char *const clients[] = {"192.168.0.0/16", "::1", "10.0.0.1"};
    struct rule_spec spec;
    struct ruleset *rs;
    int     rc;

    memset(&spec, 0, sizeof(spec));
    spec.name = "every-part";
    spec.cond[COND_SENDER].text = "^(?<user>[^@]+)@(home)\\.example$";
    spec.rewrite = "a$$b${1}c$$d$$e${user}.$2@relay.example";
    spec.cond[COND_CLIENT].list = clients;
    spec.cond[COND_CLIENT].n = 3;
    spec.cond[COND_HELO].text = "^printer\\.";
    spec.cond[COND_AUTH].text = "!^guest$";
    spec.cond[COND_AUTHENTICATED].text = "yes";
    spec.cond[COND_LISTENER].text = "^smtpd$";
    spec.cond[COND_RECIPIENT].text = "@example\\.com$";
    spec.cond[COND_TRANSPORT].text = "^smtp$";
    spec.cond[COND_NEXTHOP].text = "example";
    spec.cond[COND_HEADER_FROM].text = "@home\\.example$";
    spec.original_header = "X-Original-Sender";
    reports[0] = 0;
    *out = NULL;
    if ((rs = ruleset_create(1000, 100)) == NULL)
	return (0);			/* out of memory, said so */
    rc = ruleset_add(rs, &spec, report, NULL);
    if (rc == 0 && rs->nrules != 1)
	rc = -2;
    ruleset_free(rs);
    if (rc == 0 || rc == -1)
	return (0);
    /* Errors are fine only when each is about memory (PCRE2: "failed to get memory"). */
    if (rc > 0) {
	char   *cp;
	char   *msg;

	for (msg = reports; (cp = strchr(msg, '|')) != NULL; msg = cp + 1) {
	    *cp = 0;
	    if (strstr(msg, "memory") == NULL)
		break;
	}
	if (cp == NULL)
	    return (0);
    }
    *out = strdup(rc == -2 ? "added, but the rule set is empty" : reports);
    return (-1);
}

static const char table[] =
"# a Postfix sender_canonical table\n"
"/^root@(.+)\\.home\\.example$/ admin+$1@relay.example\n"
"if /^(a)\\1/\n"
"/^(.+)@lab\\.example$/ $1@relay.example\n"
"!/^x/ other@relay.example\n"
"endif\n"
"/^(.+)@home\\.example$/ ${1}@relay.example\n";

static char *import_control;		/* the output without failures */

/* job_import - import the table; 0 clean, else -1 and why in *out */

static int
job_import(char **out)
{
    char   *text = NULL;
    size_t  len = 0;
    FILE   *fp;
    int     status;

    *out = NULL;
    if ((fp = open_memstream(&text, &len)) == NULL)
	return (0);
    status = import_text("t.pcre", table, sizeof(table) - 1, fp);
    if (fclose(fp) != 0) {
	free(text);
	return (0);
    }
    if (import_control == NULL) {
	import_control = text;		/* the control run */
	return (status == 2 ? 0 : -1);
    }
    if (status == 2 || (status == 0 && text && strcmp(text, import_control) == 0)) {
	free(text);
	return (0);
    }
    *out = strdup(status == 0 ? "status 0, but the output differs" : "unexpected status");
    free(text);
    return (-1);
}

/* sweep - fail each allocation of job in turn; the number of points */

static long
sweep(const char *name, int (*job) (char **))
{
    long    n;
    long    leaks = 0;
    long    wrong = 0;
    char   *why;

    /* Unarmed first: one-time allocations (stdio, PCRE2 tables) happen here. */
    if (job(&why) < 0) {
	printf("# %s: the control run is not clean: %s\n", name, why ? why : "?");
	free(why);
	bad++;
	return (0);
    }
    for (n = 1;; n++) {
	long    before_live = __atomic_load_n(&ctl[2], __ATOMIC_SEQ_CST);
	long    before_failed = __atomic_load_n(&ctl[1], __ATOMIC_SEQ_CST);
	long    after;
	int     injected;
	int     rc;

	__atomic_store_n(&ctl[0], n, __ATOMIC_SEQ_CST);
	rc = job(&why);
	__atomic_store_n(&ctl[0], 0, __ATOMIC_SEQ_CST);
	injected = __atomic_load_n(&ctl[1], __ATOMIC_SEQ_CST) > before_failed;
	if (rc < 0) {
	    printf("# N=%ld %s: %s\n", n, name, why ? why : "?");
	    wrong++;
	}
	free(why);
	after = __atomic_load_n(&ctl[2], __ATOMIC_SEQ_CST);
	if (after != before_live) {
	    printf("# N=%ld %s: %ld block%s leaked\n", n, name, after - before_live,
		   after - before_live == 1 ? "" : "s");
	    leaks++;
	}
	if (!injected)
	    break;
    }
    printf("allocfail_core: %s points=%ld leaks=%ld wrong=%ld\n", name, n - 1, leaks, wrong);
    bad += leaks + wrong + (n - 1 < 10);
    return (n - 1);
}

/* worker - both sweeps, off the main thread */

static void *
worker(void *arg)
{
    (void) arg;
    (void) sweep("rules", job_rules);
    (void) sweep("import", job_import);
    free(import_control);
    return (NULL);
}

int
main(int argc, char **argv)
{
    const char *ctl_path = NULL;
    pthread_t tid;
    int     ch;
    int     fd;

    while ((ch = getopt(argc, argv, "c:")) != -1) {
	if (ch != 'c') {
	    fprintf(stderr, "usage: allocfail_core -c CTLFILE\n");
	    return (64);
	}
	ctl_path = optarg;
    }
    if (ctl_path == NULL) {
	fprintf(stderr, "usage: allocfail_core -c CTLFILE\n");
	return (64);
    }
    if ((fd = open(ctl_path, O_RDWR)) < 0
	|| (ctl = mmap(NULL, 3 * sizeof(long), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0))
	== MAP_FAILED) {
	perror(ctl_path);
	return (1);
    }
    close(fd);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (pthread_create(&tid, NULL, worker, NULL) != 0 || pthread_join(tid, NULL) != 0) {
	perror("pthread");
	return (1);
    }
    return (bad != 0);
}
