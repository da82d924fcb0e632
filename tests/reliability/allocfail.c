/*
 * NAME
 *	allocfail - fail each allocation of a message in turn, through the protocol
 * SYNOPSIS
 *	allocfail -s SOCKET -c CTLFILE [-m MAX]
 * DESCRIPTION
 *	Drives envfrom-milter running with tests/reliability/failmalloc.so
 *	preloaded (CTLFILE is the shim's control file).  For N = 1, 2, ...
 *	it arms the shim to fail the Nth allocation made in libmilter's
 *	session threads (where the callbacks run) and sends one message that
 *	the rules in allocfail.t rewrite, changing From: and adding a
 *	header; then it disarms the shim and sends the same message again
 *	as a control.  It stops at the first N whose message made fewer than
 *	N allocations: every allocation point of a message has then failed
 *	once.  The message has two recipients, so that a failure can come
 *	at a RCPT after a recipient was already accepted.
 *
 *	With an allocation failing, a message may be tempfailed as a whole,
 *	its connection dropped (the MTA applies milter_default_action,
 *	tempfail), or still be rewritten correctly, but never pass
 *	unrewritten or be rewritten wrongly; and every control message
 *	afterwards must be rewritten: the daemon lives and still works.
 *	Outcomes are judged for the whole message, as the MTA applies them:
 *	a tempfail at RCPT refuses only that recipient, so the message still
 *	goes on to the others and is judged by its end of message; only when
 *	every recipient was refused does it count as tempfailed.
 *
 *	Output: one "# N=..." line per step, naming the command in which the
 *	allocation failed, and an "allocfail:" summary (rcpt_tempfail: steps
 *	where a recipient was refused; rcpt2_failed_tempfail: failures in the
 *	second RCPT, after one recipient was accepted, that tempfailed the
 *	whole message).
 * DIAGNOSTICS
 *	Exit 0 when every outcome was acceptable, 1 otherwise, 64 on usage.
 */

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "miltc.h"

#define WANT_FROM	"<alice.lan@relay.example>"
#define WANT_HEADER	"Alice <alice.lan@relay.example>"
#define WANT_ORIGINAL	"<alice@home.example>"

enum outcome { REWRITTEN, TEMPFAIL, DROPPED, UNCHANGED, WRONG, N_OUTCOMES };

static const char *const outcome_name[] = {
    "rewritten", "tempfail", "dropped", "UNCHANGED", "WRONG",
};

/* step - check one reply: -1 dropped, 1 tempfail, 2 accepted, 0 continue */

static int
step(int rc, struct mc_reply *r)
{
    int     code;

    if (rc < 0)
	return (-1);
    code = r->code;
    if (r->skipped == 2)
	return (2);
    mc_reply_free(r);
    if (code == 't')
	return (1);
    if (code == 'a')
	return (2);
    if (code != 'c' && code != 0)
	return (-1);
    return (0);
}

/* judge_eom - classify the end-of-message reply */

static enum outcome
judge_eom(struct mc_reply *r, char *why, size_t len)
{
    const char *from = NULL;
    const char *hdr = NULL;
    const char *orig = NULL;
    size_t  i;

    if (r->code == 't')
	return (TEMPFAIL);
    for (i = 0; i < r->nmods; i++) {
	if (r->mods[i].cmd == 'e')
	    from = r->mods[i].a;
	else if (r->mods[i].cmd == 'm' && r->mods[i].a && strcmp(r->mods[i].a, "From") == 0)
	    hdr = r->mods[i].b;
	else if (r->mods[i].cmd == 'i')
	    orig = r->mods[i].b;
    }
    if (r->code != 'c') {
	snprintf(why, len, "final reply '%c'", r->code ? r->code : '0');
	return (WRONG);
    }
    if (from == NULL) {
	snprintf(why, len, "no chgfrom (%lu modifications)", (unsigned long) r->nmods);
	return (UNCHANGED);
    }
    if (strcmp(from, WANT_FROM) != 0 || hdr == NULL || strcmp(hdr, WANT_HEADER) != 0
	|| orig == NULL || strcmp(orig, WANT_ORIGINAL) != 0) {
	snprintf(why, len, "chgfrom %s, From: %s, original %s", from, hdr ? hdr : "-",
		 orig ? orig : "-");
	return (WRONG);
    }
    return (REWRITTEN);
}

static unsigned long rcpt_tempfails;	/* messages with a recipient refused */
static long *ctl;			/* the shim's control words */
static long failures_before;		/* ctl[1] when the message began */
static const char *failed_at;		/* the command the failure came in */

/* note_stage - after a command: did the failure come in it? */

static void
note_stage(const char *stage)
{
    if (failed_at == NULL && __atomic_load_n(&ctl[1], __ATOMIC_SEQ_CST) > failures_before)
	failed_at = stage;
}

/* message - one message, as Postfix sends it; its outcome */

static enum outcome
message(const char *spec, char *why, size_t len)
{
    static const char *const cmacros[] = {"j", "mx.home.example", "{daemon_name}", "smtpd", NULL};
    static const char *const mmacros[] = {"{auth_authen}", "", NULL};
    static const char *const rmacros[] = {"{rcpt_mailer}", "smtp", "{rcpt_host}", "mx.example.com", NULL};
    static const char *const emacros[] = {"i", "AF0001", NULL};
    static const char *const mail[] = {"<alice@home.example>", "SIZE=100", NULL};
    static const char *const rcpt1[] = {"<bob@example.com>", NULL};
    static const char *const rcpt2[] = {"<carol@example.com>", NULL};
    static const char *const *const rcpts[] = {rcpt1, rcpt2};
    struct miltc m;
    struct mc_reply r;
    enum outcome out = DROPPED;
    int     refused = 0;
    int     s;
    int     i;

    why[0] = 0;
    failed_at = NULL;
    failures_before = __atomic_load_n(&ctl[1], __ATOMIC_SEQ_CST);
    if (miltc_open(&m, spec, 5000) < 0)
	return (DROPPED);
    memset(&r, 0, sizeof(r));
    /*
     * No "no reply" offered: libmilter then answers every step itself, so
     * the command an allocation failed in is the one that was waiting.
     */
    if (miltc_negotiate(&m, MC_ACT_ALL, MC_P_ALL & ~MC_P_NR_ANY) < 0
	|| miltc_macro(&m, 'C', cmacros) < 0)
	goto done;
    s = step(miltc_connect(&m, "pc.home.example", '4', 40001, "192.168.1.5", &r), &r);
    note_stage("connect");
    if (s != 0)
	goto stepped;
    if (miltc_macro(&m, 'M', mmacros) < 0)
	goto done;
    s = step(miltc_mail(&m, mail, &r), &r);
    note_stage("mail");
    if (s != 0)
	goto stepped;
    for (i = 0; i < 2; i++) {
	if (miltc_macro(&m, 'R', rmacros) < 0)
	    goto done;
	/* A tempfail here refuses this recipient only: the message goes on. */
	s = step(miltc_rcpt(&m, rcpts[i], &r), &r);
	note_stage(i == 0 ? "rcpt1" : "rcpt2");
	if (s == 1)
	    refused++;
	else if (s != 0)
	    goto stepped;
    }
    if (refused > 0)
	rcpt_tempfails++;
    if (refused == 2) {			/* no recipient left: nothing is delivered */
	s = 1;
	goto stepped;
    }
    s = step(miltc_header(&m, "From", "Alice <alice@home.example>", &r), &r);
    note_stage("headers");
    if (s != 0 || (s = step(miltc_header(&m, "Subject", "allocation failure", &r), &r)) != 0
	|| (s = step(miltc_eoh(&m, &r), &r)) != 0)
	goto stepped;
    note_stage("headers");
    if (miltc_macro(&m, 'E', emacros) < 0 || miltc_eom(&m, &r) < 0)
	goto done;
    note_stage("eom");
    out = judge_eom(&r, why, len);
    mc_reply_free(&r);
    (void) miltc_quit(&m);
    goto done;
stepped:
    out = s == 1 ? TEMPFAIL : s == 2 ? UNCHANGED : DROPPED;
    if (s == 2)
	snprintf(why, len, "accepted before end of message");
done:
    if (out == DROPPED && why[0] == 0)
	snprintf(why, len, "%s", m.err);
    miltc_close(&m);
    return (out);
}

/* main - arm, send, disarm, check, for every allocation point */

int
main(int argc, char **argv)
{
    const char *spec = NULL;
    const char *ctl_path = NULL;
    unsigned long counts[N_OUTCOMES] = {0};
    unsigned long control_bad = 0;
    long    max = 2000;
    unsigned long rcpt2_tempfail = 0;
    long    n;
    long    points = -1;
    char    why[512];
    int     ch;
    int     fd;

    while ((ch = getopt(argc, argv, "c:m:s:")) != -1) {
	switch (ch) {
	case 'c':
	    ctl_path = optarg;
	    break;
	case 'm':
	    max = atol(optarg);
	    break;
	case 's':
	    spec = optarg;
	    break;
	default:
	    fprintf(stderr, "usage: allocfail -s SOCKET -c CTLFILE [-m MAX]\n");
	    return (64);
	}
    }
    if (spec == NULL || ctl_path == NULL) {
	fprintf(stderr, "usage: allocfail -s SOCKET -c CTLFILE [-m MAX]\n");
	return (64);
    }
    if ((fd = open(ctl_path, O_RDWR)) < 0
	|| (ctl = mmap(NULL, 2 * sizeof(long), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0))
	== MAP_FAILED) {
	perror(ctl_path);
	return (1);
    }
    close(fd);
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (n = 1; n <= max && points < 0; n++) {
	long    before = __atomic_load_n(&ctl[1], __ATOMIC_SEQ_CST);
	enum outcome out;
	enum outcome control;
	const char *where;
	int     injected;

	__atomic_store_n(&ctl[0], n, __ATOMIC_SEQ_CST);
	out = message(spec, why, sizeof(why));
	where = failed_at;
	/* Give a dropped session's thread time to finish before disarming. */
	usleep(out == DROPPED ? 50000 : 0);
	__atomic_store_n(&ctl[0], 0, __ATOMIC_SEQ_CST);
	injected = __atomic_load_n(&ctl[1], __ATOMIC_SEQ_CST) > before;
	control = message(spec, why + strlen(why), sizeof(why) - strlen(why));
	if (!injected) {
	    /* The message made fewer than n allocations: all points done. */
	    points = n - 1;
	    if (out != REWRITTEN) {
		printf("# N=%ld nothing failed, yet the message was %s %s\n", n,
		       outcome_name[out], why);
		counts[out]++;
	    }
	} else {
	    counts[out]++;
	    /* The case of issue 12: a recipient accepted, then a failure. */
	    if (where && strcmp(where, "rcpt2") == 0 && out == TEMPFAIL)
		rcpt2_tempfail++;
	}
	if (control != REWRITTEN)
	    control_bad++;
	if (injected || out != REWRITTEN || control != REWRITTEN)
	    printf("# N=%ld %s%s message: %s, control message: %s%s%s\n", n,
		   injected ? "failed allocation at " : "no failure,",
		   injected ? (where ? where : "?") : "", outcome_name[out],
		   outcome_name[control], why[0] ? " -- " : "", why);
    }
    printf("allocfail: points=%ld tempfail=%lu dropped=%lu rewritten=%lu unchanged=%lu "
	   "wrong=%lu control_failures=%lu rcpt_tempfail=%lu rcpt2_failed_tempfail=%lu\n",
	   points, counts[TEMPFAIL], counts[DROPPED], counts[REWRITTEN], counts[UNCHANGED],
	   counts[WRONG], control_bad, rcpt_tempfails, rcpt2_tempfail);
    return (points <= 0 || counts[UNCHANGED] || counts[WRONG] || control_bad);
}
