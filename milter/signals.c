/*
 * NAME
 *	signals - one thread takes every signal: reload, counters, stop
 * SYNOPSIS
 *	#include "signals.h"
 *
 *	signals_block();			before any thread exists
 *	signals_start(&spec, reload);		just before smfi_main()
 * DESCRIPTION
 *	SIGUSR1 calls reload(), SIGUSR2 logs the per-rule counters, and
 *	SIGTERM, SIGINT and SIGHUP stop the daemon.  All of them are blocked
 *	in every thread and taken by one sigwaitinfo() thread, so nothing
 *	runs in signal context.
 *
 *	Why stopping is ours and not libmilter's: libmilter's smfi_main()
 *	starts its own sigwait() thread for SIGTERM/SIGINT/SIGHUP, which
 *	would race ours for each signal, and when it stops the milter its
 *	listener notices only when its poll() times out, up to 5 seconds
 *	later.  So this module defines sigwait() for libmilter's thread (the
 *	program's definition wins over the C library's, as with accept() in
 *	admit.c): it blocks for good and never takes a signal.  On a stop
 *	signal our thread calls smfi_stop(), which needs a lock the listener
 *	holds while it polls, and connects to our own socket until the stop
 *	has taken effect (an inet socket with its own address family, trying
 *	every address its name resolves to): each connection wakes the
 *	listener, which then lets go of the lock and, once stopped, leaves.  smfi_main() then returns;
 *	connections still in progress are dropped, and Postfix applies
 *	milter_default_action (tempfail) to their messages.
 *
 *	libmilter's worker pool (Debian's build) can deadlock when it stops
 *	with sessions in progress: its pool controller destroys the pool
 *	mutex while workers and the listener still use it, an unlock then
 *	fails, and every thread, the listener in smfi_main() included, waits
 *	for good (tests/reliability/stop.t hit it in one stop of three under
 *	load).  So after the stop the signal thread waits STOP_GRACE_MS for
 *	main() to report that smfi_main() has returned
 *	(signals_main_returned()); if it has not, it logs that and ends the
 *	process with status 0, which drops the connections just the same.
 * DIAGNOSTICS
 *	Logged: the signal that stops the daemon; a warning when libmilter
 *	did not stop in time.  signals_start() returns -1 if the thread
 *	cannot be created.
 */

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "admit.h"
#include "current.h"
#include "log.h"
#include "signals.h"
#include "sockspec.h"

#define STOP_GRACE_MS	2000		/* for smfi_main() to return after a stop */

static sigset_t our_signals;
static struct sockspec wake_spec;	/* our own listening socket */
static void (*reload_fn) (void);
static int main_returned;		/* smfi_main() has returned: __atomic */
static pthread_mutex_t wake_lock = PTHREAD_MUTEX_INITIALIZER;

int     sigwait(const sigset_t *, int *);

/* sigwait - libmilter's signal thread waits here for good (see DESCRIPTION) */

int
sigwait(const sigset_t *set, int *sig)
{
    sigset_t none;

    (void) set;
    (void) sig;
    sigfillset(&none);
    pthread_sigmask(SIG_BLOCK, &none, NULL);
    for (;;)
	pause();
    return (0);
}

/* signals_block - block our signals in this thread and every later one */

void
signals_block(void)
{
    sigemptyset(&our_signals);
    sigaddset(&our_signals, SIGUSR1);
    sigaddset(&our_signals, SIGUSR2);
    sigaddset(&our_signals, SIGTERM);
    sigaddset(&our_signals, SIGINT);
    sigaddset(&our_signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &our_signals, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/*
 * wake_socket - a socket whose connect() gives up after 200 ms: a full
 * listen queue (the listener no longer accepting) must not hold the
 * stop, nor main() waiting for a wake-up under way
 */

static int
wake_socket(int family)
{
    struct timeval tv = {0, 200 * 1000};
    int     fd;

    if ((fd = socket(family, SOCK_STREAM, 0)) >= 0)
	(void) setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    return (fd);
}

/* wake_once - connect once to our own socket; under wake_lock */

static void
wake_once(void)
{
    struct sockaddr_un sun;
    struct addrinfo *res = NULL;
    struct addrinfo *ai;
    int     fd = -1;

    if (sockspec_is_unix(&wake_spec)) {
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", wake_spec.path);
	if ((fd = wake_socket(AF_UNIX)) >= 0)
	    (void) connect(fd, (struct sockaddr *) &sun, sizeof(sun));
    } else if (sockspec_resolve(&wake_spec, 1, &res) == 0) {
	/* Every address the name has: "localhost" can be ::1 first. */
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
	    if ((fd = wake_socket(ai->ai_family)) < 0)
		continue;
	    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		close(fd);
		fd = -1;
	    }
	}
	freeaddrinfo(res);
    }
    if (fd >= 0)
	close(fd);
}

/*
 * wake_listener - wake_once(), so that the listener sees the stop.  The
 * lock lets main() wait, before the process exits, for a wake-up that is
 * still under way (signals_main_returned).
 */

static void
wake_listener(void)
{
    pthread_mutex_lock(&wake_lock);
    wake_once();
    pthread_mutex_unlock(&wake_lock);
}

/* stopper - smfi_stop() waits for a lock the listener holds while it polls */

static void *
stopper(void *arg)
{
    int    *done = arg;

    (void) smfi_stop();
    __atomic_store_n(done, 1, __ATOMIC_RELEASE);
    return (NULL);
}

/* stop_milter - smfi_stop(), with wake-up connections until it has taken effect */

static void
stop_milter(void)
{
    static int done;
    struct timespec ts = {0, 20 * 1000 * 1000};
    pthread_t tid;
    int     i;

    admit_stop();
    if (pthread_create(&tid, NULL, stopper, &done) != 0) {
	(void) smfi_stop();			/* slow, but it still stops */
	return;
    }
    pthread_detach(tid);
    /* Each connection makes the listener's poll() return and drop its lock. */
    for (i = 0; i < 250 && !__atomic_load_n(&done, __ATOMIC_ACQUIRE); i++) {
	wake_listener();
	nanosleep(&ts, NULL);
    }
    wake_listener();
}

/* signals_main_returned - main() says smfi_main() has returned */

void
signals_main_returned(void)
{
    struct timespec ts = {0, 10 * 1000 * 1000};
    int     i;

    __atomic_store_n(&main_returned, 1, __ATOMIC_RELEASE);
    /* A wake-up under way ends within 200 ms (wake_socket); wait no longer. */
    for (i = 0; i < 50; i++) {
	if (pthread_mutex_trylock(&wake_lock) == 0) {
	    pthread_mutex_unlock(&wake_lock);
	    return;
	}
	nanosleep(&ts, NULL);
    }
}

/* await_stop - give smfi_main() STOP_GRACE_MS to return, then end the process */

static void
await_stop(void)
{
    struct timespec ts = {0, 10 * 1000 * 1000};
    int     i;

    for (i = 0; i < STOP_GRACE_MS / 10; i++) {
	if (__atomic_load_n(&main_returned, __ATOMIC_ACQUIRE))
	    return;
	nanosleep(&ts, NULL);
    }
    log_warning("libmilter did not stop within %d ms (its worker pool can "
		"deadlock when stopped with sessions in progress); exiting now: "
		"the MTA tempfails the messages in progress", STOP_GRACE_MS);
    (void) sockspec_unlink(&wake_spec);
    _exit(0);
}

/* signal_thread - take our signals one at a time */

static void *
signal_thread(void *arg)
{
    siginfo_t info;
    int     sig;

    (void) arg;
    for (;;) {
	if ((sig = sigwaitinfo(&our_signals, &info)) < 0)
	    continue;
	switch (sig) {
	case SIGUSR1:
	    reload_fn();
	    break;
	case SIGUSR2:
	    current_log_hits("SIGUSR2");
	    break;
	default:
	    log_info("stopping on signal %d (%s)", sig, sig == SIGTERM ? "SIGTERM"
		     : sig == SIGINT ? "SIGINT" : "SIGHUP");
	    stop_milter();
	    await_stop();
	    return (NULL);
	}
    }
}

/* signals_start - start the signal thread; -1 on error */

int
signals_start(const struct sockspec *spec, void (*reload) (void))
{
    pthread_t tid;
    int     err;

    wake_spec = *spec;
    reload_fn = reload;
    if ((err = pthread_create(&tid, NULL, signal_thread, NULL)) != 0) {
	log_error("cannot start the signal thread: %s", strerror(err));
	return (-1);
    }
    pthread_detach(tid);
    return (0);
}
