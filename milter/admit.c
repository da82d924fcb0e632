/*
 * NAME
 *	admit - what happens to each connection libmilter accepts
 * SYNOPSIS
 *	#include "admit.h"
 *
 *	admit_init();			before smfi_main(), after the privilege drop
 *	admit_set_peers(policy);	at start and at each reload
 *	admit_stop();			on a stop signal, before the wake-up
 * DESCRIPTION
 *	libmilter gives no access to the connections it accepts, so this
 *	module interposes accept(2): the program's own definition wins over
 *	the C library's for libmilter's calls, shared or static.  It accepts
 *	with the accept4 system call (not the libc wrapper, which would be
 *	this function again), then:
 *
 *	- Only trusted peers are served (peer.c): a connection from anyone
 *	  else is closed before libmilter reads a byte of it, and libmilter
 *	  is told EAGAIN.  The policy in force is swapped at a reload under
 *	  a lock; a connection is judged by the policy of its accept.
 *	  Refusals are logged once a minute per peer (user id or address),
 *	  with the number refused since the last line.
 *
 *	- TCP connections get TCP_NODELAY.  On an inet: socket a milter
 *	  reply that follows another small write (libmilter sends the
 *	  change-sender request and the final reply separately) would wait
 *	  for the peer's delayed ACK under Nagle's algorithm: about 40 ms
 *	  per message on Linux loopback.  Unix-domain connections have no
 *	  Nagle.
 *
 *	- The descriptor limit of select().  libmilter built without its
 *	  worker pool (EL7's 8.14.7, EL8's 8.15, EL9's 8.16: one thread per
 *	  connection) waits with select(), which cannot watch a descriptor
 *	  of FD_SETSIZE (1024) or more.  Given one, libmilter closes it,
 *	  counts an accept() failure, sleeps 1 s, 2 s, 3 s... and after 16
 *	  returns from smfi_main(): the daemon would be gone.  Here such a
 *	  connection is closed at once and libmilter is told EAGAIN, which
 *	  it takes as "nothing to accept now": the connections it has keep
 *	  being served, and Postfix applies milter_default_action (tempfail)
 *	  to the refused one.  The worker pool (Debian's 8.17) uses poll()
 *	  and has no such limit; which build is in use is found once, by
 *	  looking for the pool's controller in the loaded libmilter.
 *
 *	- Out of descriptors (EMFILE, ENFILE).  The pending connection stays
 *	  in the listen queue, select() reports it again at once, and
 *	  libmilter would spin at 100% CPU until a descriptor is free.  A
 *	  spare descriptor kept for this is given up, the connection is
 *	  accepted and closed, and the spare taken again.
 *
 *	Refusals are logged once a minute at most, with their count, not
 *	once per connection.  Only libmilter's listener thread calls
 *	accept(), so the counters need no lock.
 * DIAGNOSTICS
 *	Errors of accept are returned unchanged, except the two cases
 *	above.  A failing setsockopt only costs latency and is ignored.
 */

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <pthread.h>
#include <string.h>

#include "admit.h"
#include "log.h"
#include "peer.h"

#define REFUSAL_LOG_SECONDS	60	/* at most one refusal line per this */

static int max_fd;			/* refuse descriptors >= this; 0: no limit */
static int spare_fd = -1;		/* given up to drain the queue on EMFILE */
static time_t refused_logged;		/* listener thread only */
static unsigned long refused_fd;	/* since the last refusal line */
static unsigned long refused_nofile;

static int stopping;			/* admit_stop() was called */
static pthread_mutex_t peers_lock = PTHREAD_MUTEX_INITIALIZER;
static struct peer_policy *peers;	/* NULL: none installed, refuse all */

/* Refusal log lines, per peer: a small table, the oldest entry reused. */
#define REFUSED_SLOTS	32
static struct refused_peer {
    enum peer_kind kind;
    uid_t   uid;
    struct netaddr addr;
    time_t  logged;			/* 0: free slot */
    unsigned long since;		/* refused since the last line */
} refused_peers[REFUSED_SLOTS];		/* listener thread only */

int     accept(int, struct sockaddr *, socklen_t *);

/* admit_libmilter_pool - is the loaded libmilter built with its worker pool? */

int
admit_libmilter_pool(void)
{
    /* The pool's controller exists only in -D_FFR_WORKERS_POOL builds. */
    return (dlsym(RTLD_DEFAULT, "mi_pool_controller_init") != NULL);
}

/* admit_init - learn libmilter's model, keep a spare descriptor, say so */

void
admit_init(void)
{
    struct rlimit rl;
    unsigned long limit = 0;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
	limit = rl.rlim_cur == RLIM_INFINITY ? 0 : (unsigned long) rl.rlim_cur;
    spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (admit_libmilter_pool()) {
	max_fd = 0;
	log_info("libmilter: worker pool, poll(); open descriptor limit %lu", limit);
	return;
    }
    max_fd = FD_SETSIZE;
    log_info("libmilter: one thread per connection, select(): connections on "
	     "descriptor %d or higher are refused; open descriptor limit %lu",
	     FD_SETSIZE, limit);
}

/* note_refused - count a refused connection; log the counts now and then */

static void
note_refused(unsigned long *counter)
{
    time_t  now = time(NULL);

    ++*counter;
    if (refused_logged != 0 && now - refused_logged < REFUSAL_LOG_SECONDS)
	return;
    refused_logged = now;
    if (refused_fd)
	log_warning("refused %lu connection%s: libmilter's select() cannot watch "
		    "descriptor %d or higher; Postfix tempfails them (this line comes "
		    "at most once a minute)", refused_fd, refused_fd == 1 ? "" : "s", max_fd);
    if (refused_nofile)
	log_warning("refused %lu connection%s: out of file descriptors (raise LimitNOFILE, "
		    "see docs/reliability.md); Postfix tempfails them (this line comes at "
		    "most once a minute)", refused_nofile, refused_nofile == 1 ? "" : "s");
    refused_fd = refused_nofile = 0;
}

/* admit_stop - the daemon is stopping: serve no new connection */

void
admit_stop(void)
{
    __atomic_store_n(&stopping, 1, __ATOMIC_RELEASE);
}

/* admit_set_peers - install the peer policy; the old one is freed */

void
admit_set_peers(struct peer_policy *p)
{
    struct peer_policy *old;

    pthread_mutex_lock(&peers_lock);
    old = peers;
    peers = p;
    pthread_mutex_unlock(&peers_lock);
    peer_policy_free(old);
}

/* same_peer - one refusal log entry for this peer? */

static int
same_peer(const struct refused_peer *r, const struct peer *who)
{
    if (r->kind != who->kind)
	return (0);
    if (who->kind == PEER_LOCAL)
	return (r->uid == who->uid);
    if (who->kind == PEER_REMOTE)
	return (memcmp(&r->addr, &who->addr, sizeof(r->addr)) == 0);
    return (1);				/* every unidentified peer is one entry */
}

/* note_refused_peer - log a refused peer, at most once a minute per peer */

static void
note_refused_peer(const struct peer *who)
{
    struct refused_peer *r = NULL;
    time_t  now = time(NULL);
    char    text[256];
    char    more[64];
    size_t  i;

    for (i = 0; i < REFUSED_SLOTS && r == NULL; i++)
	if (refused_peers[i].logged != 0 && same_peer(&refused_peers[i], who))
	    r = &refused_peers[i];
    if (r != NULL && now - r->logged < REFUSAL_LOG_SECONDS) {
	r->since++;
	return;
    }
    if (r == NULL) {
	r = &refused_peers[0];
	for (i = 1; i < REFUSED_SLOTS; i++)
	    if (refused_peers[i].logged < r->logged)
		r = &refused_peers[i];
	r->kind = who->kind;
	r->uid = who->uid;
	r->addr = who->addr;
	r->since = 0;
    }
    peer_format(who, text, sizeof(text));
    more[0] = 0;
    if (r->since)
	snprintf(more, sizeof(more), "; %lu more from it since the last line", r->since);
    if (who->kind == PEER_UNKNOWN)
	log_warning("refused a milter connection from %s: cannot tell who it is (%s)%s",
		    text, who->why, more);
    else if (who->kind == PEER_LOCAL)
	log_warning("refused a milter connection from %s: not root, the daemon's user "
		    "or one of peer_users%s", text, more);
    else
	log_warning("refused a milter connection from %s: not in peer_networks%s", text, more);
    r->logged = now;
    r->since = 0;
}

/* trusted - is the peer of s one the daemon serves? */

static int
trusted(int s)
{
    struct peer who;
    int     ok = 0;

    pthread_mutex_lock(&peers_lock);
    if (peers != NULL) {
	peer_identify(peers, s, &who);
	ok = peer_trusted(peers, &who);
    } else {
	memset(&who, 0, sizeof(who));
	snprintf(who.why, sizeof(who.why), "no peer policy installed");
    }
    pthread_mutex_unlock(&peers_lock);
    if (!ok)
	note_refused_peer(&who);
    return (ok);
}

/* drain_one - out of descriptors: accept the pending connection on the spare and close it */

static void
drain_one(int fd)
{
    struct timespec ts = {0, 100 * 1000 * 1000};
    int     s;

    if (spare_fd >= 0) {
	close(spare_fd);
	if ((s = (int) syscall(SYS_accept4, fd, NULL, NULL, 0)) >= 0)
	    close(s);
	spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    /* No spare left (a session thread got the descriptor): do not spin. */
    if (spare_fd < 0)
	nanosleep(&ts, NULL);
}

/* nodelay - TCP_NODELAY on a TCP connection (DESCRIPTION) */

static void
nodelay(int s)
{
#ifndef ADMIT_NO_NODELAY		/* make nodelay-selftest: nodelay.t must notice */
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof(ss);
    int     on = 1;

    if (getsockname(s, (struct sockaddr *) &ss, &sslen) == 0
	&& (ss.ss_family == AF_INET || ss.ss_family == AF_INET6))
	(void) setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
#else
    (void) s;
#endif
}

/* accept - accept(2) for libmilter: TCP_NODELAY, descriptor limits (DESCRIPTION) */

int
accept(int fd, struct sockaddr *addr, socklen_t *addrlen)
{
    int     s;

    s = (int) syscall(SYS_accept4, fd, addr, addrlen, 0);
    if (s < 0) {
	if (errno == EMFILE || errno == ENFILE) {
	    drain_one(fd);
	    note_refused(&refused_nofile);
	    errno = EAGAIN;
	}
	return (-1);
    }
    if (max_fd > 0 && s >= max_fd) {
	close(s);
	note_refused(&refused_fd);
	errno = EAGAIN;
	return (-1);
    }
    /*
     * Stopping: the wake-up connections (signals.c) need no look-up or log.
     * The pause lets smfi_stop() take the lock the listener retakes at
     * once after an EAGAIN (it waits for it in another thread, signals.c).
     */
    if (__atomic_load_n(&stopping, __ATOMIC_ACQUIRE)) {
	struct timespec pause = {0, 2 * 1000 * 1000};

	close(s);
	(void) nanosleep(&pause, NULL);
	errno = EAGAIN;
	return (-1);
    }
    if (!trusted(s)) {
	close(s);
	errno = EAGAIN;
	return (-1);
    }
    nodelay(s);
    return (s);
}
