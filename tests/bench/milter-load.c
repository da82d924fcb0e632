/*
 * NAME
 *	milter-load - drive a milter like Postfix at a chosen concurrency
 * SYNOPSIS
 *	milter-load -s SOCKET [-c CONCURRENCY] [-n MAX_TX] [-T SECONDS]
 *		[-m MSGS_PER_CONN] [-f SENDER] [-i CLIENT_IP] [-e EXPECT]
 *	milter-load -s SOCKET -N
 *	milter-load -s SOCKET -H CONNECTIONS -p PID [-f SENDER] [-i CLIENT_IP]
 *	milter-load -s SOCKET -K PID
 * DESCRIPTION
 *	Load mode (default): CONCURRENCY threads each play Postfix's smtpd
 *	through tests/session.c, one SMTP session after another: negotiation
 *	(offering everything Postfix 3.x offers), connect, then for each
 *	message the macro packets and commands Postfix sends (MAIL, RCPT,
 *	DATA, five headers, end of headers, a body chunk, end of message,
 *	the abort that ends the transaction), then QUIT.  The client sends
 *	no HELO.  Steps the filter declined are not sent, nor their macros,
 *	and nothing more of a message follows an "accept", as in Postfix.
 *
 *	Every reply is checked: continue (or accept) for each command, and at
 *	end of message exactly one change-sender request equal to EXPECT
 *	(-e "<new@sender>"), or none at all with -e none (the default).
 *	Anything else counts as an error.
 *
 *	A transaction is one message.  Its latency runs from the first byte
 *	written for it (the connection itself for the first message of a
 *	session) to the final end-of-message reply.  Each thread first runs
 *	three untimed warm-up transactions.  The run stops after MAX_TX timed
 *	transactions (default 100000) or SECONDS (default 2), whichever
 *	comes first; each read waits at most 5 s.
 *
 *	Output, one line on stdout:
 *	"tx=N errors=N secs=S tps=X p50_us=X p99_us=X max_us=X".
 *
 *	-N negotiates once and prints the filter's answer as
 *	"actions=0x... steps=0x..." (hex), so a reference milter can be told
 *	to ask for exactly the same.
 *
 *	-H opens CONNECTIONS sessions and leaves each in the middle of a
 *	message (after MAIL), then reads VmRSS and VmHWM of process PID from
 *	/proc and prints "connections=N rss_kib=N hwm_kib=N" before closing
 *	them all.
 *
 *	-K opens one inet session, sends one message and prints
 *	"nodelay=1" or "nodelay=0": whether process PID's end of this very
 *	connection has TCP_NODELAY set.  It gets a copy of the socket with
 *	pidfd_getfd(2) (Linux 5.6; needs ptrace rights over PID, e.g. root)
 *	and prints "nodelay=unknown (why)" where that cannot work.
 *
 *	Talks to the socket given and nowhere else; meant for unix sockets
 *	and inet sockets on 127.0.0.1.
 * DIAGNOSTICS
 *	The first errors are described on stderr.  Exit 0 when the run had
 *	no error, 1 when any transaction failed, 64 on usage errors.
 */

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "session.h"

#define TIMEOUT_MS	5000
#define WARMUP		3
#define MAX_THREADS	256
#define MAX_SHOWN	5

/* What every thread sends and expects; set once before the threads start. */
static const char *sock_spec;
static const char *sender = "<alice@home.example>";
static const char *client_ip = "192.168.1.5";
static const char *expect = NULL;	/* NULL: no change-sender request */
static unsigned long max_tx = 100000;
static double max_secs = 2.0;
static unsigned msgs_per_conn = 1;

/* Shared counters: __sync builtins (gcc 4.8 has no <stdatomic.h>). */
static unsigned long tx_started;
static unsigned long errors_shown;
static double deadline;

struct worker {
    pthread_t tid;
    unsigned id;
    unsigned long done;
    unsigned long errors;
    unsigned long nlat;
    unsigned long alloc;
    double *lat;			/* seconds, one per timed transaction */
};

/* now - monotonic seconds */

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* complain - describe one of the first errors on stderr: "stage: why" */

static void
complain(const struct worker *w, const char *why)
{
    if (__sync_fetch_and_add(&errors_shown, 1) < MAX_SHOWN)
	fprintf(stderr, "milter-load: thread %u: %s\n", w->id, why);
}

/* session_open - connect, negotiate and send the client; 0, or -1 (closed or not) */

static int
session_open(struct worker *w, struct sess *s)
{
    char    name[80];
    const char *cmac[] = {"j", "mx.bench.example", "{daemon_name}", "smtpd",
	"{daemon_addr}", "127.0.0.1", "v", "Postfix 3.7", "_", name, NULL};
    struct sess_client c = {"client.bench.example", client_ip, 40000 + w->id, NULL, cmac, NULL};

    snprintf(name, sizeof(name), "client.bench.example [%s]", client_ip);
    if (sess_open(s, sock_spec, TIMEOUT_MS, SESS_STAGES) < 0 || sess_connect(s, &c) < 0) {
	complain(w, s->mc.err);
	return (-1);
    }
    return (0);
}

/* eom_ok - the end-of-message reply is what was expected; 0 if so */

static int
eom_ok(const struct worker *w, const struct mc_reply *r)
{
    char    why[600];

    if (r->skipped == 2 && expect == NULL)
	return (0);			/* accepted at MAIL: nothing to change */
    if (r->skipped) {
	complain(w, "eom: message accepted before end of message, "
		 "but a sender change was expected");
	return (-1);
    }
    if (expect == NULL && r->nmods == 0)
	return (0);
    if (expect != NULL && r->nmods == 1 && r->mods[0].cmd == 'e'
	&& strcmp(r->mods[0].a ? r->mods[0].a : "", expect) == 0
	&& r->mods[0].b == NULL)
	return (0);
    if (r->nmods == 0)
	snprintf(why, sizeof(why), "eom: no modification, expected chgfrom %s", expect);
    else
	snprintf(why, sizeof(why),
		 "eom: %lu modification(s), first '%c' %.200s; expected %s%.200s",
		 (unsigned long) r->nmods, r->mods[0].cmd,
		 r->mods[0].a ? r->mods[0].a : "", expect ? "chgfrom " : "none",
		 expect ? expect : "");
    complain(w, why);
    return (-1);
}

/* message - one message up to stage upto (SESS_MAIL or SESS_EOM); 0 if every reply was right */

static int
message(struct worker *w, struct sess *s, unsigned long seq, unsigned upto)
{
    struct mc_reply r;
    char    qid[32];
    char    rcpt_addr[] = "bob@example.com";
    const char *mail_args[] = {sender, "SIZE=1000", NULL};
    const char *rcpt_args[] = {"<bob@example.com>", NULL};
    const char *mmac[] = {"i", qid, "{mail_addr}", sender, "{mail_host}",
	"bench.example", "{mail_mailer}", "smtp", NULL};
    const char *rmac[] = {"i", qid, "{rcpt_addr}", rcpt_addr, "{rcpt_host}",
	"example.com", "{rcpt_mailer}", "smtp", NULL};
    const char *imac[] = {"i", qid, NULL};
    static const char *const hdrs[] = {
	"Received", "from client.bench.example by mx.bench.example",
	"From", "Alice <alice@home.example>",
	"To", "Bob <bob@example.com>",
	"Subject", "benchmark",
	"Message-ID", "<bench@home.example>", NULL,
    };
    static const char body[] = "Hello Bob,\r\n\r\nthis is a benchmark message.\r\n";
    struct sess_rcpt rcpt = {rcpt_args, rmac};
    struct sess_msg msg = {mail_args, mmac, &rcpt, 1, imac, hdrs, body, sizeof(body) - 1, imac};
    int     bad;

    snprintf(qid, sizeof(qid), "%04X%08lX", w->id, seq);
    if (sess_message(s, &msg, upto, upto == SESS_EOM ? &r : NULL) < 0) {
	complain(w, s->mc.err);
	return (-1);
    }
    if (upto != SESS_EOM)
	return (0);
    bad = eom_ok(w, &r);
    mc_reply_free(&r);
    return (bad);
}

/* record - keep one latency */

static void
record(struct worker *w, double secs)
{
    double *lat;

    if (w->nlat == w->alloc) {
	w->alloc = w->alloc ? 2 * w->alloc : 4096;
	if ((lat = realloc(w->lat, w->alloc * sizeof(*lat))) == NULL) {
	    perror("milter-load: realloc");
	    exit(70);
	}
	w->lat = lat;
    }
    w->lat[w->nlat++] = secs;
}

/* worker_main - sessions of msgs_per_conn messages until the run ends */

static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    struct sess s;
    unsigned long seq = 0;
    unsigned warm = 0;
    int     in_session = 0;
    double  t0;
    int     timed;
    int     bad;

    s.open = 0;
    for (;;) {
	timed = warm >= WARMUP;
	if (timed) {
	    if (now() >= deadline
		|| __sync_fetch_and_add(&tx_started, 1) >= max_tx)
		break;
	}
	t0 = now();
	bad = 0;
	if (!s.open) {
	    if (session_open(w, &s) < 0)
		bad = 1;
	    in_session = 0;
	}
	if (!bad && message(w, &s, seq++, SESS_EOM) < 0)
	    bad = 1;
	if (!bad && ++in_session >= (int) msgs_per_conn) {
	    if (miltc_quit(&s.mc) < 0)
		bad = 1;
	    sess_close(&s, 0);
	}
	if (bad) {
	    /* Start over with a fresh session after any error. */
	    sess_close(&s, 0);
	}
	if (!timed) {
	    warm++;
	    continue;
	}
	if (bad) {
	    w->errors++;
	    continue;
	}
	record(w, now() - t0);
	w->done++;
    }
    sess_close(&s, 1);
    return (NULL);
}

/* cmp_double - qsort order */

static int
cmp_double(const void *a, const void *b)
{
    double  x = *(const double *) a;
    double  y = *(const double *) b;

    return (x < y ? -1 : x > y);
}

/* percentile - the p-th percentile (nearest rank) of sorted v */

static double
percentile(const double *v, unsigned long n, double p)
{
    unsigned long k;

    if (n == 0)
	return (0);
    k = (unsigned long) (p / 100.0 * n + 0.999999);
    if (k < 1)
	k = 1;
    return (v[k > n ? n - 1 : k - 1]);
}

/* run_load - the default mode; exit status */

static int
run_load(unsigned concurrency)
{
    struct worker *w;
    unsigned long done = 0;
    unsigned long errors = 0;
    unsigned long n = 0;
    double *all;
    double  t0;
    double  secs;
    unsigned i;
    int     err;

    if ((w = calloc(concurrency, sizeof(*w))) == NULL) {
	perror("milter-load");
	return (70);
    }
    t0 = now();
    deadline = t0 + max_secs;
    for (i = 0; i < concurrency; i++) {
	w[i].id = i;
	if ((err = pthread_create(&w[i].tid, NULL, worker_main, &w[i])) != 0) {
	    fprintf(stderr, "milter-load: pthread_create: %s\n", strerror(err));
	    return (71);
	}
    }
    for (i = 0; i < concurrency; i++)
	pthread_join(w[i].tid, NULL);
    secs = now() - t0;
    for (i = 0; i < concurrency; i++) {
	done += w[i].done;
	errors += w[i].errors;
    }
    if ((all = malloc((done + 1) * sizeof(*all))) == NULL) {
	perror("milter-load");
	return (70);
    }
    for (i = 0; i < concurrency; i++) {
	if (w[i].nlat > 0)		/* lat is NULL when nothing was timed */
	    memcpy(all + n, w[i].lat, w[i].nlat * sizeof(*all));
	n += w[i].nlat;
	free(w[i].lat);
    }
    qsort(all, n, sizeof(*all), cmp_double);
    printf("tx=%lu errors=%lu secs=%.3f tps=%.1f p50_us=%.0f p99_us=%.0f max_us=%.0f\n",
	   done, errors, secs, done / secs, percentile(all, n, 50) * 1e6,
	   percentile(all, n, 99) * 1e6, n ? all[n - 1] * 1e6 : 0.0);
    free(all);
    free(w);
    return (errors ? 1 : 0);
}

/* run_negotiate - print what the filter asks for */

static int
run_negotiate(void)
{
    struct miltc m;

    if (miltc_open(&m, sock_spec, TIMEOUT_MS) < 0
	|| miltc_negotiate(&m, MC_ACT_ALL, MC_P_ALL) < 0) {
	fprintf(stderr, "milter-load: %s\n", m.err);
	miltc_close(&m);
	return (1);
    }
    printf("actions=0x%lx steps=0x%lx\n", m.actions, m.protocol);
    (void) miltc_quit(&m);
    miltc_close(&m);
    return (0);
}

/* proc_kib - a "Name:   N kB" field of /proc/PID/status, or -1 */

static long
proc_kib(long pid, const char *field)
{
    char    path[64];
    char    line[256];
    long    kib = -1;
    size_t  len = strlen(field);
    FILE   *fp;

    snprintf(path, sizeof(path), "/proc/%ld/status", pid);
    if ((fp = fopen(path, "r")) == NULL)
	return (-1);
    while (fgets(line, sizeof(line), fp) != NULL)
	if (strncmp(line, field, len) == 0 && line[len] == ':')
	    kib = strtol(line + len + 1, NULL, 10);
    fclose(fp);
    return (kib);
}

/* run_hold - n sessions each in the middle of a message; print the daemon's RSS */

static int
run_hold(unsigned n, long pid)
{
    struct worker w;
    struct sess *s;
    unsigned i;
    int     status = 0;

    memset(&w, 0, sizeof(w));
    if ((s = calloc(n, sizeof(*s))) == NULL) {
	perror("milter-load");
	return (70);
    }
    for (i = 0; i < n; i++) {
	w.id = i;
	if (session_open(&w, &s[i]) < 0 || message(&w, &s[i], 0, SESS_MAIL) < 0) {
	    status = 1;
	    break;
	}
    }
    if (status == 0) {
	/* Let the daemon's threads settle before looking. */
	usleep(200000);
	printf("connections=%u rss_kib=%ld hwm_kib=%ld\n", n,
	       proc_kib(pid, "VmRSS"), proc_kib(pid, "VmHWM"));
    }
    for (i = 0; i < n; i++)
	sess_close(&s[i], 1);
    free(s);
    return (status);
}

/* peer_nodelay - TCP_NODELAY of PID's end of connection fd; 1, 0, or -1 with why */

static int
peer_nodelay(int fd, long pid, char *why, size_t len)
{
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_getfd)
    struct sockaddr_storage mine;
    struct sockaddr_storage theirs;
    socklen_t mlen = sizeof(mine);
    socklen_t tlen;
    struct dirent *de;
    char    path[64];
    DIR    *dir;
    int     pidfd;
    int     copy;
    int     on = -1;
    socklen_t olen = sizeof(on);

    if (getsockname(fd, (struct sockaddr *) &mine, &mlen) < 0) {
	snprintf(why, len, "getsockname: %s", strerror(errno));
	return (-1);
    }
    if ((pidfd = (int) syscall(SYS_pidfd_open, (pid_t) pid, 0)) < 0) {
	snprintf(why, len, "pidfd_open: %s", strerror(errno));
	return (-1);
    }
    snprintf(path, sizeof(path), "/proc/%ld/fd", pid);
    if ((dir = opendir(path)) == NULL) {
	snprintf(why, len, "%s: %s", path, strerror(errno));
	close(pidfd);
	return (-1);
    }
    snprintf(why, len, "no socket of process %ld is connected to us", pid);
    while ((de = readdir(dir)) != NULL) {
	if (de->d_name[0] == '.')
	    continue;
	if ((copy = (int) syscall(SYS_pidfd_getfd, pidfd, atoi(de->d_name), 0)) < 0) {
	    snprintf(why, len, "pidfd_getfd: %s", strerror(errno));
	    continue;
	}
	tlen = sizeof(theirs);
	/* The daemon's end is the socket whose peer is our local address. */
	if (getpeername(copy, (struct sockaddr *) &theirs, &tlen) == 0
	    && tlen == mlen && memcmp(&theirs, &mine, mlen) == 0) {
	    if (getsockopt(copy, IPPROTO_TCP, TCP_NODELAY, &on, &olen) < 0)
		snprintf(why, len, "getsockopt: %s", strerror(errno));
	    close(copy);
	    break;
	}
	close(copy);
    }
    closedir(dir);
    close(pidfd);
    return (on < 0 ? -1 : on != 0);
#else
    (void) fd;
    (void) pid;
    snprintf(why, len, "this system has no pidfd_getfd");
    return (-1);
#endif
}

/* run_check_nodelay - one message over inet, then look at the daemon's socket */

static int
run_check_nodelay(long pid)
{
    struct worker w;
    struct sess s;
    char    why[160];
    int     on;

    memset(&w, 0, sizeof(w));
    s.open = 0;
    if (session_open(&w, &s) < 0 || message(&w, &s, 0, SESS_EOM) < 0) {
	sess_close(&s, 0);
	return (1);
    }
    on = peer_nodelay(s.mc.fd, pid, why, sizeof(why));
    if (on < 0)
	printf("nodelay=unknown (%s)\n", why);
    else
	printf("nodelay=%d\n", on);
    sess_close(&s, 1);
    return (on < 0 ? 2 : 0);
}

/* usage - explain and exit 64 */

static void
usage(void)
{
    fprintf(stderr,
	    "usage: milter-load -s SOCKET [-c CONCURRENCY] [-n MAX_TX] [-T SECONDS]\n"
	    "                   [-m MSGS_PER_CONN] [-f SENDER] [-i CLIENT_IP] [-e EXPECT|none]\n"
	    "       milter-load -s SOCKET -N\n"
	    "       milter-load -s SOCKET -H CONNECTIONS -p PID\n"
	    "       milter-load -s SOCKET -K PID\n");
    exit(64);
}

/* main - parse the command line and run the chosen mode */

int
main(int argc, char **argv)
{
    unsigned concurrency = 1;
    unsigned hold = 0;
    long    pid = 0;
    long    check_pid = 0;
    int     negotiate_only = 0;
    int     ch;

    while ((ch = getopt(argc, argv, "c:e:f:H:i:K:m:Nn:p:s:T:")) != -1) {
	switch (ch) {
	case 'c':
	    concurrency = (unsigned) atoi(optarg);
	    break;
	case 'e':
	    expect = strcmp(optarg, "none") == 0 ? NULL : optarg;
	    break;
	case 'f':
	    sender = optarg;
	    break;
	case 'H':
	    hold = (unsigned) atoi(optarg);
	    break;
	case 'i':
	    client_ip = optarg;
	    break;
	case 'K':
	    check_pid = atol(optarg);
	    break;
	case 'm':
	    msgs_per_conn = (unsigned) atoi(optarg);
	    break;
	case 'N':
	    negotiate_only = 1;
	    break;
	case 'n':
	    max_tx = strtoul(optarg, NULL, 10);
	    break;
	case 'p':
	    pid = atol(optarg);
	    break;
	case 's':
	    sock_spec = optarg;
	    break;
	case 'T':
	    max_secs = atof(optarg);
	    break;
	default:
	    usage();
	}
    }
    if (sock_spec == NULL || optind != argc || concurrency < 1
	|| concurrency > MAX_THREADS || msgs_per_conn < 1 || max_secs <= 0
	|| max_secs > 600 || (hold > 0 && (pid <= 0 || hold > 1000)))
	usage();
    if (negotiate_only)
	return (run_negotiate());
    if (hold > 0)
	return (run_hold(hold, pid));
    if (check_pid > 0)
	return (run_check_nodelay(check_pid));
    return (run_load(concurrency));
}
