/*
 * NAME
 *	loadgen - load, soak and stop-under-load test client for envfrom-milter
 * SYNOPSIS
 *	loadgen -W DIR
 *	loadgen -s SOCKET -p PID -C DIR [-c CONNS] [-n MESSAGES] [-d SECONDS]
 *		[-r RELOAD_MS] [-w WARMUP_MESSAGES] [-K STOP_MS] [-S SEED]
 * DESCRIPTION
 *	-W DIR writes the rule sets this program knows the answers for:
 *	DIR/conf.a and DIR/conf.b (the same decisions written differently:
 *	other rule names, regex spellings, comments and a rule that never
 *	matches) and DIR/conf.bad (a config that does not load), and DIR/conf
 *	as a copy of conf.a for the daemon to start with.
 *
 *	The run opens CONNS milter connections (Postfix's side of the
 *	protocol, tests/session.c) and waits until all of them are open and
 *	negotiated, so that many are concurrent for sure; then each
 *	connection sends messages until MESSAGES have been sent and at least
 *	SECONDS have passed.  A message has a sender, a client address, a
 *	SASL login or none, one to four recipients with transport and next
 *	hop, and a From: header or none, drawn from small sets so that every
 *	rule is hit often.  Every reply is checked against the decision
 *	computed by model() below, from the rules as documented, with plain
 *	string tests: it shares no code with the daemon.
 *
 *	Meanwhile the configuration is replaced and SIGUSR1 sent to PID every
 *	RELOAD_MS: conf.a, conf.b, conf.bad in turn (a failed reload must
 *	keep the rules in force).  Some messages are abandoned: the client
 *	drops the connection after MAIL or after RCPT (and opens a new one),
 *	or aborts the message and carries on; connections are also closed
 *	and reopened every few dozen messages, as SMTP sessions end.
 *
 *	Before the run a warm-up of WARMUP_MESSAGES (default 2000) lets the
 *	daemon reach its working size; the daemon's RSS and open file
 *	descriptors (/proc/PID) are read after the warm-up and again after
 *	the run, each time once every connection is closed.
 *
 *	-K STOP_MS sends SIGTERM to PID STOP_MS into the run instead and
 *	measures how long the daemon takes to exit.  Messages cut off by the
 *	stop count as interrupted (Postfix tempfails them); any reply that
 *	did arrive must still be right: a message that should be rewritten
 *	must never end with a plain "continue".
 *
 *	Output: a "loadgen:" line of name=value figures; the first wrong
 *	replies are described on "# " lines.
 * DIAGNOSTICS
 *	Exit 0 when nothing was wrong and no reply was an error (after -K:
 *	errors caused by the stop are expected); 1 otherwise; 64 on usage.
 */

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "session.h"

#define MAX_RCPT	4
#define ADDR_LEN	128
#define SHOW_WRONG	10

/* One made-up message. */
struct msg {
    char    local[ADDR_LEN];		/* sender local part, "" with domain "" = <> */
    char    domain[ADDR_LEN];
    const char *client;			/* client address */
    char    family;			/* '4' or '6' */
    int     lan;			/* client in 192.168.0.0/16 */
    const char *login;			/* NULL: not authenticated */
    size_t  nrcpt;
    char    rcpt[MAX_RCPT][ADDR_LEN];
    const char *mailer[MAX_RCPT];
    const char *host[MAX_RCPT];
    const char *from;			/* From: header value, NULL: none */
    const char *from_domain;		/* its address's domain */
};

/* Shared counters (__atomic) and settings. */
static struct {
    const char *spec;
    pid_t   pid;
    const char *dir;
    int     conns;
    unsigned long target;		/* messages to send */
    double  min_seconds;
    int     reload_ms;
    int     stop_ms;			/* -K */
    unsigned seed;
    int     phase_done;			/* stop sending new messages: __atomic */
    int     stopping;			/* SIGTERM sent: __atomic */
    unsigned long sent;
    unsigned long checked;
    unsigned long rewritten;
    unsigned long unchanged;
    unsigned long wrong;
    unsigned long errors;
    unsigned long interrupted;
    unsigned long dropped;
    unsigned long aborted;
    unsigned long reconnects;
    unsigned long reloads;
    unsigned long bad_reloads;
    int     peak_fds;
    int     running;			/* client threads not yet finished: __atomic */
    pthread_mutex_t lock;		/* for the wrong-reply descriptions */
    int     shown;
    pthread_barrier_t barrier;
} G;

/* now_s - monotonic seconds */

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* rnd - xorshift32, one state per thread */

static unsigned
rnd(unsigned *s)
{
    unsigned x = *s;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return (*s = x);
}

#define PICK(s, arr)	((arr)[rnd(s) % (sizeof(arr) / sizeof((arr)[0]))])
#define ADD(v, n)	__atomic_add_fetch(&(v), (n), __ATOMIC_RELAXED)
#define GET(v)		__atomic_load_n(&(v), __ATOMIC_ACQUIRE)
#define SET(v, n)	__atomic_store_n(&(v), (n), __ATOMIC_RELEASE)

/*
 * The rule set.  conf.a and conf.b must decide the same; model() is
 * written from the rules below, as a reader of envfrom-milter.conf(5)
 * would apply them: first rule whose every condition holds; patterns
 * ignore case; a null sender matches no rule; a rewrite equal to the
 * sender changes nothing.
 */
static const char conf_a[] =
"# loadgen rules, variant A\n"
"log_level = \"info\"\n"
"socket_group = \"\"\n"
"rule \"keep-system\" {\n"
"    sender = '^(postmaster|mailer-daemon)@'\n"
"    keep = true\n"
"}\n"
"rule \"lan\" {\n"
"    sender = '^([^@]+)@home\\.example$'\n"
"    client = { \"192.168.0.0/16\" }\n"
"    rewrite = '${1}.lan@relay.example'\n"
"}\n"
"rule \"authenticated\" {\n"
"    authenticated = \"yes\"\n"
"    sender = '^([^@]+)@'\n"
"    rewrite = 'auth-$1@relay.example'\n"
"}\n"
"rule \"partner\" {\n"
"    sender = '@corp\\.example$'\n"
"    recipient = '@partner\\.example$'\n"
"    rewrite = 'gw@corp.example'\n"
"}\n"
"rule \"all-external\" {\n"
"    sender = '@corp\\.example$'\n"
"    recipient = '!@corp\\.example$'\n"
"    recipient_mode = \"all\"\n"
"    rewrite = 'ext@corp.example'\n"
"}\n"
"rule \"ocn\" {\n"
"    nexthop = 'ocn\\.ne\\.jp'\n"
"    rewrite = 'zzzzz@xxx.ocn.ne.jp'\n"
"}\n"
"rule \"brand\" {\n"
"    header_from = '@brand\\.example$'\n"
"    rewrite = 'brand@relay.example'\n"
"}\n";

static const char conf_b[] =
"# loadgen rules, variant B: same decisions as A, written differently\n"
"log_level = \"info\"\n"
"socket_group = \"\"\n"
"match_limit = 200000\n"
"rule \"b-never\" {\n"
"    sender = '^never-[0-9]{40}@'\n"
"    rewrite = 'never@relay.example'\n"
"}\n"
"rule \"b-keep\" {\n"
"    sender = '^(?:postmaster|mailer-daemon)@'\n"
"    keep = true\n"
"}\n"
"/* LAN clients */\n"
"rule \"b-lan\" {\n"
"    client = { \"192.168.0.0/17\", \"192.168.128.0/17\" }\n"
"    sender = '^(?<user>[^@]+)@home[.]example$'\n"
"    rewrite = '${user}.lan@relay.example'\n"
"}\n"
"rule \"b-auth\" {\n"
"    sender = '^(?<u>[^@]+)@'\n"
"    authenticated = \"yes\"\n"
"    rewrite = 'auth-${u}@relay.example'\n"
"}\n"
"rule \"b-partner\" {\n"
"    recipient = '@partner[.]example$'\n"
"    sender = '@corp[.]example$'\n"
"    rewrite = 'gw@corp.example'\n"
"}\n"
"rule \"b-external\" {\n"
"    recipient_mode = \"all\"\n"
"    recipient = '!@corp[.]example$'\n"
"    sender = '@corp[.]example$'\n"
"    rewrite = 'ext@corp.example'\n"
"}\n"
"rule \"b-ocn\" {\n"
"    nexthop = 'ocn[.]ne[.]jp'\n"
"    rewrite = 'zzzzz@xxx.ocn.ne.jp'\n"
"}\n"
"rule \"b-brand\" {\n"
"    header_from = '@brand[.]example$'\n"
"    rewrite = 'brand@relay.example'\n"
"}\n";

static const char conf_bad[] =
"# loadgen: a config that must not load\n"
"log_level = \"info\"\n"
"socket_group = \"\"\n"
"rule \"broken\" {\n"
"    sender = '^(unclosed@'\n"
"    rewrite = 'x@relay.example'\n"
"}\n";

static const char *const locals[] = {
    "alice", "bob", "Carol", "john doe", "postmaster", "mailer-daemon", "Root", "dave.smith",
};
static const char *const domains[] = {
    "home.example", "HOME.Example", "corp.example", "other.example", "brand.example",
};
static const char *const clients4[] = {"192.168.1.5", "192.168.200.9", "10.0.0.7", "127.0.0.1"};
static const char *const clients6[] = {"2001:db8::25", "::1"};
static const char *const rcpt_locals[] = {"x", "y", "Zed", "w"};
static const char *const rcpt_domains[] = {
    "partner.example", "corp.example", "other.example", "Partner.Example", "gmail.example",
};
static const char *const mailers[] = {"smtp", "lmtp", "relay"};
static const char *const hosts[] = {
    "[smtp.ocn.ne.jp]:587", "mx.partner.example", "local", "mx.other.example",
    "mx.other.example",
};
static const char *const froms[][2] = {
    {"Brand News <news@brand.example>", "brand.example"},
    {"\"Smith, Dave\" <dave@other.example>", "other.example"},
    {"alice@home.example", "home.example"},
    {"=?UTF-8?B?5bGx55Sw?= <yamada@BRAND.example>", "BRAND.example"},
};

/* make_msg - draw one message; the client is the connection's */

static void
make_msg(unsigned *s, struct msg *m, const char *client, char family, int lan)
{
    size_t  i;

    memset(m, 0, sizeof(*m));
    if (rnd(s) % 20 == 0) {
	m->local[0] = m->domain[0] = 0;	/* the null sender */
    } else {
	snprintf(m->local, sizeof(m->local), "%s", PICK(s, locals));
	snprintf(m->domain, sizeof(m->domain), "%s", PICK(s, domains));
    }
    m->client = client;
    m->family = family;
    m->lan = lan;
    m->login = rnd(s) % 4 == 0 ? "user17" : NULL;
    m->nrcpt = 1 + rnd(s) % MAX_RCPT;
    for (i = 0; i < m->nrcpt; i++) {
	snprintf(m->rcpt[i], sizeof(m->rcpt[i]), "%s@%s", PICK(s, rcpt_locals),
		 PICK(s, rcpt_domains));
	m->mailer[i] = PICK(s, mailers);
	m->host[i] = rnd(s) % 10 == 0 ? hosts[0] : hosts[1 + rnd(s) % 4];
    }
    if (rnd(s) % 10 < 7) {
	i = rnd(s) % (sizeof(froms) / sizeof(froms[0]));
	m->from = froms[i][0];
	m->from_domain = froms[i][1];
    }
}

/* domain_is - does addr end in "@domain" (any case)? */

static int
domain_is(const char *addr, const char *domain)
{
    const char *at = strrchr(addr, '@');

    return (at != NULL && strcasecmp(at + 1, domain) == 0);
}

/* model - the new sender (internal form) the rules make, or "" for none */

static void
model(const struct msg *m, char *out, size_t len)
{
    size_t  i;
    int     any_partner = 0;
    int     all_external = m->nrcpt > 0;
    int     ocn = 0;

    out[0] = 0;
    if (m->local[0] == 0)
	return;					/* null sender: no rule */
    for (i = 0; i < m->nrcpt; i++) {
	any_partner |= domain_is(m->rcpt[i], "partner.example");
	all_external &= !domain_is(m->rcpt[i], "corp.example");
	ocn |= strstr(m->host[i], "ocn.ne.jp") != NULL;
    }
    if (strcasecmp(m->local, "postmaster") == 0 || strcasecmp(m->local, "mailer-daemon") == 0)
	return;					/* keep */
    if (strcasecmp(m->domain, "home.example") == 0 && m->lan)
	snprintf(out, len, "%s.lan@relay.example", m->local);
    else if (m->login != NULL)
	snprintf(out, len, "auth-%s@relay.example", m->local);
    else if (strcasecmp(m->domain, "corp.example") == 0 && any_partner)
	snprintf(out, len, "gw@corp.example");
    else if (strcasecmp(m->domain, "corp.example") == 0 && all_external)
	snprintf(out, len, "ext@corp.example");
    else if (ocn)
	snprintf(out, len, "zzzzz@xxx.ocn.ne.jp");
    else if (m->from != NULL && strcasecmp(m->from_domain, "brand.example") == 0)
	snprintf(out, len, "brand@relay.example");
}

/* wire - internal form to <external>: the local part quoted when not a dot-atom */

static void
wire(const char *internal, char *out, size_t len)
{
    const char *at = strrchr(internal, '@');
    size_t  lp = at ? (size_t) (at - internal) : strlen(internal);
    size_t  i;
    int     quote = 0;

    for (i = 0; i < lp; i++)
	quote |= internal[i] == ' ';
    if (quote)
	snprintf(out, len, "<\"%.*s\"%s>", (int) lp, internal, internal + lp);
    else
	snprintf(out, len, "<%s>", internal);
}

/* describe_wrong - print one wrong reply (the first few only) */

static void
describe_wrong(const struct msg *m, const char *want, const char *got)
{
    pthread_mutex_lock(&G.lock);
    if (G.shown++ < SHOW_WRONG)
	printf("# wrong: sender <%s@%s> client %s login %s rcpt[0] %s via %s from %s: "
	       "want %s, got %s\n", m->local, m->domain, m->client,
	       m->login ? m->login : "-", m->rcpt[0], m->host[0],
	       m->from ? m->from : "-", want[0] ? want : "no change", got);
    pthread_mutex_unlock(&G.lock);
}

/* struct conn - one client connection */
struct conn {
    struct sess ss;
    const char *client;
    char    family;
    int     lan;
    unsigned left;			/* messages before this session ends */
};

/* conn_open - connect, negotiate as Postfix 3.x, send the client; -1 on error */

static int
conn_open(struct conn *c, unsigned *s)
{
    const char *connect_macros[] = {"j", "mx.loadgen.example", "{daemon_name}", "smtpd", NULL};
    struct sess_client cl = {"client.loadgen.example", NULL, 0, "client.loadgen.example",
	connect_macros, NULL};

    /* The daemon accepts a message at MAIL (null sender), never elsewhere. */
    if (sess_open(&c->ss, G.spec, 10000, SESS_MAIL) < 0)
	return (-1);
    if (rnd(s) % 4 == 0) {
	c->client = PICK(s, clients6);
	c->family = '6';
	c->lan = 0;
    } else {
	c->client = PICK(s, clients4);
	c->family = '4';
	c->lan = strncmp(c->client, "192.168.", 8) == 0;
    }
    c->left = 20 + rnd(s) % 40;
    cl.addr = c->client;
    cl.port = 40000 + rnd(s) % 1000;
    return (sess_connect(&c->ss, &cl));
}

/* conn_close - drop the connection, with or without QUIT */

static void
conn_close(struct conn *c, int quit)
{
    sess_close(&c->ss, quit);
}

/* error_reply - count a failed exchange: an error, unless the daemon is stopping */

static void
error_reply(struct conn *c, const struct msg *m)
{
    if (GET(G.stopping)) {
	ADD(G.interrupted, 1);
    } else {
	ADD(G.errors, 1);
	pthread_mutex_lock(&G.lock);
	if (G.shown++ < SHOW_WRONG)
	    printf("# error: sender <%s@%s>: %s\n", m->local, m->domain, c->ss.mc.err);
	pthread_mutex_unlock(&G.lock);
    }
    conn_close(c, 0);
}

/* send_message - one message; checks the outcome; -1 when the connection is gone */

static int
send_message(struct conn *c, unsigned *s)
{
    struct msg m;
    struct mc_reply r;
    char    want[ADDR_LEN * 2];
    char    want_wire[ADDR_LEN * 2 + 8];
    char    sender[ADDR_LEN * 2 + 8];
    char    qid[32];
    const char *mail_args[] = {sender, "SIZE=1234", NULL};
    const char *mail_macros[] = {"{auth_authen}", "", "{mail_addr}", "", NULL};
    const char *rcpt_macros[MAX_RCPT][7];
    const char *rcpt_args[MAX_RCPT][2];
    const char *eom_macros[] = {"i", qid, NULL};
    const char *headers[] = {"From", NULL, "Subject", "load", NULL};
    char    rcpt_wire[MAX_RCPT][ADDR_LEN + 2];
    struct sess_rcpt rcpts[MAX_RCPT];
    struct sess_msg sm = {mail_args, mail_macros, rcpts, 0, NULL, headers, NULL, 0, eom_macros};
    unsigned fate = rnd(s) % 100;	/* 0-2 drop after MAIL, 3-4 after RCPT, 5-6 abort */
    const char *got = NULL;
    size_t  i;

    make_msg(s, &m, c->client, c->family, c->lan);
    model(&m, want, sizeof(want));
    if (m.local[0])
	snprintf(sender, sizeof(sender), "<%s%s@%s%s>", strchr(m.local, ' ') ? "\"" : "",
		 m.local, strchr(m.local, ' ') ? "\"" : "", m.domain);
    else
	snprintf(sender, sizeof(sender), "<>");
    snprintf(qid, sizeof(qid), "LG%08X", rnd(s));
    mail_macros[1] = m.login ? m.login : "";
    mail_macros[3] = sender;
    for (i = 0; i < m.nrcpt; i++) {
	snprintf(rcpt_wire[i], sizeof(rcpt_wire[i]), "<%s>", m.rcpt[i]);
	rcpt_args[i][0] = rcpt_wire[i];
	rcpt_args[i][1] = NULL;
	rcpt_macros[i][0] = "{rcpt_mailer}";
	rcpt_macros[i][1] = m.mailer[i];
	rcpt_macros[i][2] = "{rcpt_host}";
	rcpt_macros[i][3] = m.host[i];
	rcpt_macros[i][4] = "{rcpt_addr}";
	rcpt_macros[i][5] = m.rcpt[i];
	rcpt_macros[i][6] = NULL;
	rcpts[i].args = rcpt_args[i];
	rcpts[i].macros = rcpt_macros[i];
    }
    sm.nrcpt = m.nrcpt;
    /* Without a From: header only Subject: goes. */
    headers[1] = m.from;
    if (m.from == NULL)
	sm.headers = headers + 2;
    ADD(G.sent, 1);

    if (sess_message(&c->ss, &sm, fate < 3 ? SESS_MAIL : fate < 7 ? SESS_RCPT : SESS_EOM,
		     &r) < 0) {
	error_reply(c, &m);
	return (-1);
    }
    if (fate < 5) {
	ADD(G.dropped, 1);
	conn_close(c, 0);			/* mid-message, as a crashing client would */
	return (-1);
    }
    if (fate < 7) {
	ADD(G.aborted, 1);
	if (sess_abort(&c->ss) < 0) {
	    error_reply(c, &m);
	    return (-1);
	}
	return (0);
    }
    /* Outcome: the chgfrom, if any (none when accepted at MAIL). */
    for (i = 0; i < r.nmods; i++)
	if (r.mods[i].cmd == 'e')
	    got = r.mods[i].a;
    wire(want, want_wire, sizeof(want_wire));
    /* The daemon sends nothing when the rewrite gives the same address. */
    if (want[0] && strcmp(want_wire, sender) == 0)
	want[0] = 0;
    if (want[0] == 0 ? got != NULL : got == NULL || strcmp(got, want_wire) != 0) {
	ADD(G.wrong, 1);
	describe_wrong(&m, want[0] ? want_wire : "", got ? got : "no change");
    } else if (got != NULL) {
	ADD(G.rewritten, 1);
    } else {
	ADD(G.unchanged, 1);
    }
    ADD(G.checked, 1);
    mc_reply_free(&r);
    return (0);
}

/* client - one connection's thread */

static void *
client(void *arg)
{
    unsigned s = G.seed ^ (unsigned) (size_t) arg * 2654435761U;
    struct conn c;

    if (s == 0)
	s = 1;
    memset(&c, 0, sizeof(c));
    if (conn_open(&c, &s) < 0) {
	ADD(G.errors, 1);
	printf("# error: opening connection: %s\n", c.ss.mc.err);
	conn_close(&c, 0);
    }
    /* Twice: every connection open, then counted (run_phase), then go. */
    pthread_barrier_wait(&G.barrier);
    pthread_barrier_wait(&G.barrier);
    while (!GET(G.phase_done)) {
	if (__atomic_load_n(&G.sent, __ATOMIC_RELAXED) >= G.target && G.min_seconds <= 0)
	    break;
	if (!c.ss.open) {
	    if (GET(G.stopping))
		break;
	    ADD(G.reconnects, 1);
	    if (conn_open(&c, &s) < 0) {
		if (GET(G.stopping))
		    break;
		ADD(G.errors, 1);
		printf("# error: reconnecting: %s\n", c.ss.mc.err);
		conn_close(&c, 0);
		break;
	    }
	}
	if (send_message(&c, &s) == 0 && --c.left == 0)
	    conn_close(&c, 1);			/* the SMTP session ends */
    }
    conn_close(&c, 1);
    __atomic_sub_fetch(&G.running, 1, __ATOMIC_RELEASE);
    return (NULL);
}

/* write_file - write text to DIR/NAME via a temporary file and rename; -1 on error */

static int
write_file(const char *dir, const char *name, const char *text)
{
    char    tmp[4096];
    char    path[4096];
    FILE   *fp;

    snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if ((fp = fopen(tmp, "w")) == NULL)
	return (-1);
    fputs(text, fp);
    if (fclose(fp) != 0 || chmod(tmp, 0644) < 0 || rename(tmp, path) < 0)
	return (-1);
    return (0);
}

/* reloader - replace the config and send SIGUSR1 every reload_ms */

static void *
reloader(void *arg)
{
    static const char *const cycle[] = {conf_b, conf_bad, conf_a, conf_b, conf_a, conf_bad};
    struct timespec ts;
    size_t  i = 0;

    (void) arg;
    ts.tv_sec = G.reload_ms / 1000;
    ts.tv_nsec = (G.reload_ms % 1000) * 1000000L;
    while (!GET(G.phase_done) && !GET(G.stopping)) {
	nanosleep(&ts, NULL);
	if (GET(G.phase_done) || GET(G.stopping))
	    break;
	if (write_file(G.dir, "conf", cycle[i]) < 0 || kill(G.pid, SIGUSR1) < 0) {
	    printf("# error: reload: %s\n", strerror(errno));
	    ADD(G.errors, 1);
	    break;
	}
	ADD(G.reloads, 1);
	if (cycle[i] == conf_bad)
	    ADD(G.bad_reloads, 1);
	i = (i + 1) % (sizeof(cycle) / sizeof(cycle[0]));
    }
    /* Leave a good config behind. */
    (void) write_file(G.dir, "conf", conf_a);
    return (NULL);
}

/* proc_rss_kb - VmRSS of pid in KiB, -1 if unknown */

static long
proc_rss_kb(pid_t pid)
{
    char    path[64];
    char    line[256];
    long    kb = -1;
    FILE   *fp;

    snprintf(path, sizeof(path), "/proc/%ld/status", (long) pid);
    if ((fp = fopen(path, "r")) == NULL)
	return (-1);
    while (fgets(line, sizeof(line), fp) != NULL)
	if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
	    break;
    fclose(fp);
    return (kb);
}

/* proc_fds - open file descriptors of pid, -1 if unknown */

static int
proc_fds(pid_t pid)
{
    char    path[64];
    struct dirent *de;
    DIR    *d;
    int     n = 0;

    snprintf(path, sizeof(path), "/proc/%ld/fd", (long) pid);
    if ((d = opendir(path)) == NULL)
	return (-1);
    while ((de = readdir(d)) != NULL)
	n += de->d_name[0] != '.';
    closedir(d);
    return (n);
}

/* proc_gone - has pid exited (gone, or a zombie waiting for its parent)? */

static int
proc_gone(pid_t pid)
{
    char    path[64];
    char    buf[512];
    char   *cp;
    FILE   *fp;
    int     gone = 1;

    snprintf(path, sizeof(path), "/proc/%ld/stat", (long) pid);
    if ((fp = fopen(path, "r")) == NULL)
	return (1);
    if (fgets(buf, sizeof(buf), fp) != NULL && (cp = strrchr(buf, ')')) != NULL)
	gone = cp[1] == ' ' && (cp[2] == 'Z' || cp[2] == 'X');
    fclose(fp);
    return (gone);
}

/* settle - wait until the daemon has closed the connections we closed */

static int
settle(int baseline)
{
    int     fds = proc_fds(G.pid);
    int     i;

    /* libmilter closes a session when it notices EOF; give it a moment. */
    for (i = 0; i < 100 && baseline >= 0 && fds > baseline; i++) {
	usleep(20000);
	fds = proc_fds(G.pid);
    }
    usleep(200000);
    return (proc_fds(G.pid));
}

/* run_phase - CONNS threads until target messages (and min_seconds) are done */

static double
run_phase(unsigned long target, double min_seconds, int reload, int stop_ms)
{
    pthread_t *tids;
    pthread_t rtid;
    pthread_attr_t attr;
    double  t0;
    double  stop_at = 0;
    int     i;
    int     fds;

    SET(G.phase_done, 0);
    G.target = __atomic_load_n(&G.sent, __ATOMIC_RELAXED) + target;
    G.min_seconds = min_seconds;
    pthread_barrier_init(&G.barrier, NULL, (unsigned) G.conns + 1);
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    if ((tids = calloc((size_t) G.conns, sizeof(*tids))) == NULL)
	exit(70);
    SET(G.running, G.conns);
    for (i = 0; i < G.conns; i++)
	if (pthread_create(&tids[i], &attr, client, (void *) (size_t) (i + 1)) != 0) {
	    printf("# cannot create thread %d\n", i);
	    exit(70);
	}
    pthread_barrier_wait(&G.barrier);
    /*
     * Every connection is open and no client has started: the daemon
     * holds them all at once.  Counted before the clients go on, since
     * some drop their connection in the middle of the first message, and
     * a daemon with a thread per connection (EL's libmilter) closes it
     * at once.
     */
    if ((fds = proc_fds(G.pid)) > G.peak_fds)
	G.peak_fds = fds;
    pthread_barrier_wait(&G.barrier);
    t0 = now_s();
    if (reload)
	pthread_create(&rtid, NULL, reloader, NULL);
    for (;;) {
	double  t = now_s() - t0;

	if (stop_ms > 0 && !GET(G.stopping) && t * 1000 >= stop_ms) {
	    SET(G.stopping, 1);
	    stop_at = now_s();
	    kill(G.pid, SIGTERM);
	}
	if (GET(G.stopping) && stop_at > 0 && proc_gone(G.pid)) {
	    printf("loadgen: stop_ms=%.0f\n", (now_s() - stop_at) * 1000);
	    stop_at = 0;
	    SET(G.phase_done, 1);
	}
	if (stop_ms > 0 && GET(G.stopping) && now_s() - t0 > stop_ms / 1000.0 + 10) {
	    printf("# the daemon did not exit within 10 s of SIGTERM\n");
	    ADD(G.errors, 1);
	    SET(G.phase_done, 1);
	}
	if (stop_ms == 0 && __atomic_load_n(&G.sent, __ATOMIC_RELAXED) >= G.target
	    && t >= min_seconds)
	    SET(G.phase_done, 1);
	/* A daemon that died (or clients that all gave up) ends the run. */
	if (!GET(G.stopping) && !GET(G.phase_done)
	    && (GET(G.running) == 0 || proc_gone(G.pid))) {
	    if (proc_gone(G.pid))
		printf("# error: the daemon (pid %ld) is gone\n", (long) G.pid);
	    ADD(G.errors, 1);
	    SET(G.phase_done, 1);
	}
	if (GET(G.phase_done))
	    break;
	usleep(10000);
    }
    for (i = 0; i < G.conns; i++)
	pthread_join(tids[i], NULL);
    if (reload)
	pthread_join(rtid, NULL);
    pthread_barrier_destroy(&G.barrier);
    pthread_attr_destroy(&attr);
    free(tids);
    return (now_s() - t0);
}

/* usage - exit 64 */

static void
usage(void)
{
    fprintf(stderr, "usage: loadgen -W DIR\n"
	    "       loadgen -s SOCKET -p PID -C DIR [-c CONNS] [-n MESSAGES] [-d SECONDS]\n"
	    "               [-r RELOAD_MS] [-w WARMUP] [-K STOP_MS] [-S SEED]\n");
    exit(64);
}

/* main - write the configs, or run */

int
main(int argc, char **argv)
{
    struct rlimit rl;
    unsigned long warmup = 2000;
    unsigned long messages;
    double  seconds;
    long    rss0;
    long    rss1;
    long    rss2 = -1;
    int     fds1;
    int     fds2 = -1;
    double  secs;
    int     ch;

    G.conns = 250;
    G.target = 10000;
    G.min_seconds = 10;
    G.reload_ms = 1000;
    G.seed = 20240601;
    pthread_mutex_init(&G.lock, NULL);
    while ((ch = getopt(argc, argv, "c:C:d:K:n:p:r:s:S:w:W:")) != -1) {
	switch (ch) {
	case 'c':
	    G.conns = atoi(optarg);
	    break;
	case 'C':
	    G.dir = optarg;
	    break;
	case 'd':
	    G.min_seconds = atof(optarg);
	    break;
	case 'K':
	    G.stop_ms = atoi(optarg);
	    break;
	case 'n':
	    G.target = strtoul(optarg, NULL, 10);
	    break;
	case 'p':
	    G.pid = (pid_t) atol(optarg);
	    break;
	case 'r':
	    G.reload_ms = atoi(optarg);
	    break;
	case 's':
	    G.spec = optarg;
	    break;
	case 'S':
	    G.seed = (unsigned) strtoul(optarg, NULL, 10);
	    break;
	case 'w':
	    warmup = strtoul(optarg, NULL, 10);
	    break;
	case 'W':
	    return (write_file(optarg, "conf.a", conf_a) < 0
		    || write_file(optarg, "conf.b", conf_b) < 0
		    || write_file(optarg, "conf.bad", conf_bad) < 0
		    || write_file(optarg, "conf", conf_a) < 0);
	default:
	    usage();
	}
    }
    if (G.spec == NULL || G.pid <= 0 || G.dir == NULL || G.conns < 1 || G.reload_ms < 1)
	usage();
    signal(SIGPIPE, SIG_IGN);
    /* Each connection is a descriptor here too. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t) G.conns + 64) {
	rl.rlim_cur = rl.rlim_max < (rlim_t) G.conns + 64 ? rl.rlim_max : (rlim_t) G.conns + 64;
	(void) setrlimit(RLIMIT_NOFILE, &rl);
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    messages = G.target;
    seconds = G.min_seconds;
    rss0 = proc_rss_kb(G.pid);
    (void) run_phase(warmup, 0, 0, 0);
    fds1 = settle(-1);
    rss1 = proc_rss_kb(G.pid);
    G.sent = G.checked = G.rewritten = G.unchanged = 0;
    G.dropped = G.aborted = G.reconnects = 0;
    /* With -K the load goes on until the daemon has stopped. */
    secs = run_phase(G.stop_ms ? ULONG_MAX / 2 : messages, G.stop_ms ? 0 : seconds,
		     G.stop_ms == 0, G.stop_ms);
    if (!GET(G.stopping)) {
	fds2 = settle(fds1);
	rss2 = proc_rss_kb(G.pid);
    }
    printf("loadgen: connections=%d peak_daemon_fds=%d messages=%lu checked=%lu "
	   "rewritten=%lu unchanged=%lu wrong=%lu errors=%lu interrupted=%lu "
	   "dropped=%lu aborted=%lu reconnects=%lu reloads=%lu bad_reloads=%lu "
	   "seconds=%.1f msg_per_s=%.0f rss_start_kb=%ld rss_before_kb=%ld "
	   "rss_after_kb=%ld fds_before=%d fds_after=%d\n",
	   G.conns, G.peak_fds, G.sent, G.checked, G.rewritten, G.unchanged, G.wrong,
	   G.errors, G.interrupted, G.dropped, G.aborted, G.reconnects, G.reloads,
	   G.bad_reloads, secs, G.sent / (secs > 0 ? secs : 1), rss0, rss1, rss2,
	   fds1, fds2);
    return (G.wrong > 0 || G.errors > 0);
}
