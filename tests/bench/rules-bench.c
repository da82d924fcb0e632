/*
 * NAME
 *	rules-bench - config load time, memory and decision time for N rules
 * SYNOPSIS
 *	rules-bench -n RULES -d DIR [-T SECONDS]
 *	rules-bench -c CONFIG [-f SENDER] [-i CLIENT_IP] [-T SECONDS]
 * DESCRIPTION
 *	Times the deciding code (milter/ without libmilter) the way the
 *	daemon runs it for one message: eval_start() at MAIL FROM, then
 *	eval_settled(), eval_finish(), decision_clear() and eval_free().
 *
 *	With -n it writes DIR/rules-RULES.conf with RULES rules of three
 *	kinds in turn (an anchored domain with a capture, an anchored local
 *	part, an unanchored domain suffix; each with a client block), so that
 *	no pattern is a duplicate of another, and decides for a sender that
 *	no rule matches: the worst case, every rule is tested.  It also
 *	decides for a sender that only the last rule matches (a rewrite with
 *	captures after testing every other rule).
 *
 *	With -c it loads CONFIG and decides for SENDER (default
 *	alice@home.example) from CLIENT_IP (default 192.168.1.5).
 *
 *	Load time is the wall time of config_load() (read, libconfuse parse,
 *	every pattern compiled with JIT).  Memory is VmRSS of this process
 *	before the load and after it and malloc_trim(), as in the daemon.  Decision time is the median over 7
 *	batches of repeated decisions, each batch running for about
 *	SECONDS / 7 (default 1 s in all).
 *
 *	Output, one line:
 *	"rules=N load_ms=X rss_before_kib=N rss_after_kib=N decide_us=X
 *	decide_last_us=X" (decide_last_us only with -n).
 * DIAGNOSTICS
 *	Config errors are printed; exit 1 then, 64 on usage errors.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "eval.h"
#include "log.h"

#define BATCHES	7

/* now - monotonic seconds */

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* rss_kib - this process's VmRSS, or -1 */

static long
rss_kib(void)
{
    char    line[256];
    long    kib = -1;
    FILE   *fp;

    if ((fp = fopen("/proc/self/status", "r")) == NULL)
	return (-1);
    while (fgets(line, sizeof(line), fp) != NULL)
	if (strncmp(line, "VmRSS:", 6) == 0)
	    kib = strtol(line + 6, NULL, 10);
    fclose(fp);
    return (kib);
}

/* write_config - DIR/rules-N.conf with n distinct rules; the path, or NULL */

static char *
write_config(const char *dir, unsigned long n)
{
    static char path[4096];
    unsigned long i;
    FILE   *fp;

    snprintf(path, sizeof(path), "%s/rules-%lu.conf", dir, n);
    if ((fp = fopen(path, "w")) == NULL) {
	perror(path);
	return (NULL);
    }
    fprintf(fp, "# %lu generated rules; no rule matches alice@home.example\n"
	    "socket = \"inet:22999@127.0.0.1\"\nuser = \"nobody\"\n"
	    "log_level = \"error\"\n", n);
    for (i = 0; i < n; i++) {
	fprintf(fp, "rule \"r%lu\" {\n", i);
	switch (i % 3) {
	case 0:
	    fprintf(fp, "    sender = '^(.+)@dept%lu\\.example\\.com$'\n"
		    "    rewrite = '$1@relay%lu.example.net'\n", i, i);
	    break;
	case 1:
	    fprintf(fp, "    sender = '^user%lu@'\n"
		    "    rewrite = 'user%lu@relay.example.net'\n", i, i);
	    break;
	default:
	    fprintf(fp, "    sender = '@(mail|smtp)\\.host%lu\\.example$'\n"
		    "    rewrite = 'host%lu@relay.example.net'\n", i, i);
	    break;
	}
	fprintf(fp, "    client = { \"10.%lu.%lu.0/24\", \"192.168.0.0/16\" }\n}\n",
		(i / 256) % 256, i % 256);
    }
    if (fclose(fp) != 0) {
	perror(path);
	return (NULL);
    }
    return (path);
}

/* decide - one message's decision, as the daemon makes it; 0 or -1 */

static int
decide(const struct ruleset *rs, const struct eval_env *env, enum decision_kind *kind)
{
    struct eval *e;
    struct decision d;
    int     settled;

    if ((e = eval_start(rs, env)) == NULL)
	return (-1);
    (void) eval_settled(e, &settled);
    if (eval_finish(e, &d) < 0) {
	eval_free(e);
	return (-1);
    }
    *kind = d.kind;
    decision_clear(&d);
    eval_free(e);
    return (0);
}

/* cmp_double - qsort order */

static int
cmp_double(const void *a, const void *b)
{
    double  x = *(const double *) a;
    double  y = *(const double *) b;

    return (x < y ? -1 : x > y);
}

/* time_decision - median seconds per decision; exits on out of memory */

static double
time_decision(const struct ruleset *rs, const struct eval_env *env, double secs,
	              enum decision_kind *kind)
{
    double  per[BATCHES];
    double  t0;
    double  t;
    unsigned long n;
    int     b;

    for (b = 0; b < BATCHES; b++) {
	t0 = now();
	n = 0;
	do {
	    if (decide(rs, env, kind) < 0) {
		fprintf(stderr, "rules-bench: out of memory\n");
		exit(70);
	    }
	    n++;
	} while ((t = now() - t0) < secs / BATCHES || n < 3);
	per[b] = t / n;
    }
    qsort(per, BATCHES, sizeof(per[0]), cmp_double);
    return (per[BATCHES / 2]);
}

/* usage - explain and exit 64 */

static void
usage(void)
{
    fprintf(stderr, "usage: rules-bench -n RULES -d DIR [-T SECONDS]\n"
	    "       rules-bench -c CONFIG [-f SENDER] [-i CLIENT_IP] [-T SECONDS]\n");
    exit(64);
}

/* main - load, measure, print one line */

int
main(int argc, char **argv)
{
    struct config_msgs msgs;
    struct config *cf;
    struct eval_env env;
    enum decision_kind kind;
    const char *dir = NULL;
    const char *path = NULL;
    const char *sender = "alice@home.example";
    const char *ip = "192.168.1.5";
    unsigned long nrules = 0;
    double  secs = 1.0;
    double  t0;
    double  load;
    double  per;
    long    before;
    long    after;
    char    last[64];
    int     ch;

    while ((ch = getopt(argc, argv, "c:d:f:i:n:T:")) != -1) {
	switch (ch) {
	case 'c':
	    path = optarg;
	    break;
	case 'd':
	    dir = optarg;
	    break;
	case 'f':
	    sender = optarg;
	    break;
	case 'i':
	    ip = optarg;
	    break;
	case 'n':
	    nrules = strtoul(optarg, NULL, 10);
	    break;
	case 'T':
	    secs = atof(optarg);
	    break;
	default:
	    usage();
	}
    }
    if (optind != argc || (path == NULL) == (dir == NULL)
	|| (dir != NULL && nrules == 0) || secs <= 0 || secs > 60)
	usage();
    if (dir != NULL && (path = write_config(dir, nrules)) == NULL)
	return (1);
    log_open("rules-bench", 1, 0);
    log_set_level(LOG_LVL_ERROR);

    memset(&msgs, 0, sizeof(msgs));
    before = rss_kib();
    t0 = now();
    cf = config_load(path, &msgs);
    load = now() - t0;
#ifdef __GLIBC__
    malloc_trim(0);			/* as the daemon does after every load */
#endif
    after = rss_kib();
    if (cf == NULL) {
	config_msgs_print(&msgs, stderr);
	return (1);
    }
    config_msgs_free(&msgs);

    memset(&env, 0, sizeof(env));
    env.logid = "BENCH";
    env.sender = sender;
    env.has_client = netaddr_parse(ip, &env.client) >= 0;
    per = time_decision(cf->rules, &env, secs, &kind);
    if (dir != NULL && kind != DECISION_NONE) {
	fprintf(stderr, "rules-bench: a rule matched %s; the worst case needs none\n", sender);
	return (1);
    }
    printf("rules=%lu load_ms=%.1f rss_before_kib=%ld rss_after_kib=%ld decide_us=%.2f",
	   (unsigned long) cf->rules->nrules, load * 1e3, before, after, per * 1e6);
    if (dir != NULL) {
	/* The last rule's kind, so that only it matches: every rule is tested. */
	unsigned long i = nrules - 1;

	if (i % 3 == 0)
	    snprintf(last, sizeof(last), "alice@dept%lu.example.com", i);
	else if (i % 3 == 1)
	    snprintf(last, sizeof(last), "user%lu@home.example", i);
	else
	    snprintf(last, sizeof(last), "alice@smtp.host%lu.example", i);
	env.sender = last;
	per = time_decision(cf->rules, &env, secs, &kind);
	if (kind != DECISION_REWRITE) {
	    fprintf(stderr, "rules-bench: %s was not rewritten by the last rule\n", last);
	    return (1);
	}
	printf(" decide_last_us=%.2f", per * 1e6);
    }
    printf("\n");
    config_free(cf);
    return (0);
}
