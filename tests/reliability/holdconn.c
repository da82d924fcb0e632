/*
 * NAME
 *	holdconn - hold many milter connections open, and see which the daemon keeps
 * SYNOPSIS
 *	holdconn -s SOCKET -n CONNS [-m negotiate|stall|idle|hitrun] [-H SECONDS]
 *		[-p PID] [-d DEADLINE]
 * DESCRIPTION
 *	Opens CONNS connections to the milter at SOCKET, one after the
 *	other, and holds them for SECONDS (default 2) after the last one is
 *	open, watching which the daemon closes.  Each connection, by MODE:
 *
 *	negotiate  (default) completes the option negotiation, as Postfix
 *		   does first: a connection the daemon refuses shows as
 *		   "refused" (closed before or instead of the answer);
 *	stall	   sends the first 3 bytes of a 4-byte packet length and
 *		   nothing more, as a peer that stalls half-way through a
 *		   packet; libmilter waits for the rest;
 *	idle	   sends nothing;
 *	hitrun	   sends a whole session at once (negotiation, a macro
 *		   packet whose strings do not pair up, MAIL, RCPT, end of
 *		   message) and closes at once, without reading: a peer
 *		   that is gone by the time the daemon looks it up.
 *
 *	With -p PID, the daemon's thread count and open descriptors
 *	(/proc/PID) are read once every connection is open, and its CPU time
 *	(user + system, /proc/PID/stat) is measured over the hold.  The run
 *	stops opening connections after DEADLINE seconds (default 60): a
 *	daemon that stalls cannot make this tool run for long.
 *
 *	The descriptor limit is raised to the hard limit first, so that the
 *	tool itself is never the one that runs out.
 *
 *	Output, one line of name=value figures:
 *	  holdconn: opened=N negotiated=N refused=N connect_failed=N
 *	    closed_during_hold=N open_after_hold=N first_close_ms=N
 *	    last_close_ms=N threads=N daemon_fds=N daemon_cpu_ms=N
 *	    open_ms=N
 *	(close times count from the moment the last connection was opened;
 *	-1 when none closed; threads and daemon figures -1 without -p).
 * DIAGNOSTICS
 *	Exit 0 after the run, 64 on usage, 70 when out of memory.
 */

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "miltc.h"

/* now_ms - monotonic milliseconds */

static long
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ((long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* proc_threads - the Threads: line of /proc/PID/status; -1 if unknown */

static long
proc_threads(long pid)
{
    char    path[64];
    char    line[256];
    long    n = -1;
    FILE   *fp;

    snprintf(path, sizeof(path), "/proc/%ld/status", pid);
    if ((fp = fopen(path, "r")) == NULL)
	return (-1);
    while (fgets(line, sizeof(line), fp))
	if (sscanf(line, "Threads: %ld", &n) == 1)
	    break;
    fclose(fp);
    return (n);
}

/* proc_fds - open descriptors of PID; -1 if unknown */

static long
proc_fds(long pid)
{
    char    path[64];
    struct dirent *d;
    long    n = 0;
    DIR    *dir;

    snprintf(path, sizeof(path), "/proc/%ld/fd", pid);
    if ((dir = opendir(path)) == NULL)
	return (-1);
    while ((d = readdir(dir)) != NULL)
	n += d->d_name[0] != '.';
    closedir(dir);
    return (n);
}

/* proc_cpu_ms - user + system CPU time of PID in ms; -1 if unknown */

static long
proc_cpu_ms(long pid)
{
    char    path[64];
    char    buf[1024];
    char   *cp;
    unsigned long ut, st;
    size_t  n;
    FILE   *fp;

    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    if ((fp = fopen(path, "r")) == NULL)
	return (-1);
    n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    buf[n] = 0;
    /* Fields 14 and 15, counted after the ")" that ends the command name. */
    if ((cp = strrchr(buf, ')')) == NULL
	|| sscanf(cp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
	return (-1);
    return ((long) ((ut + st) * 1000 / (unsigned long) sysconf(_SC_CLK_TCK)));
}

/* put - append packet CMD with LEN bytes of DATA to buf; the new length */

static size_t
put(char *buf, size_t at, char cmd, const char *data, size_t len)
{
    unsigned long n = (unsigned long) len + 1;

    buf[at++] = (char) (n >> 24);
    buf[at++] = (char) (n >> 16);
    buf[at++] = (char) (n >> 8);
    buf[at++] = (char) n;
    buf[at++] = cmd;
    memcpy(buf + at, data, len);
    return (at + len);
}

/* hitrun_session - the bytes of a whole hostile session */

static size_t
hitrun_session(char *buf)
{
    static const char neg[12] = {0, 0, 0, 6, 0, 0, 1, (char) 0xff, 0, 0, 0, 0};
    static const char odd[] = "M{auth_authen}\0ali\0ce";	/* three strings */
    static const char mail[] = "<a@home.example>";
    static const char rcpt[] = "<b@x.example>";
    size_t  at = 0;

    at = put(buf, at, 'O', neg, sizeof(neg));
    at = put(buf, at, 'D', odd, sizeof(odd));
    at = put(buf, at, 'M', mail, sizeof(mail));
    at = put(buf, at, 'D', odd, sizeof(odd));
    at = put(buf, at, 'R', rcpt, sizeof(rcpt));
    at = put(buf, at, 'E', "", 0);
    return (at);
}

/* usage - the usage lines */

static void
usage(void)
{
    fprintf(stderr, "usage: holdconn -s SOCKET -n CONNS [-m negotiate|stall|idle|hitrun] "
	    "[-H SECONDS] [-p PID] [-d DEADLINE]\n");
    exit(64);
}

/* main - open, hold, watch, report */

int
main(int argc, char **argv)
{
    const char *spec = NULL;
    const char *mode = "negotiate";
    struct miltc *mc;
    struct pollfd *pfd;
    struct rlimit rl;
    long    pid = 0;
    long    hold_s = 2;
    long    deadline_s = 60;
    long    t0, t_open, t;
    long    first_close = -1, last_close = -1;
    long    threads = -1, dfds = -1, cpu0 = -1, cpu1 = -1;
    int     n = 0, opened = 0, negotiated = 0, refused = 0, failed = 0;
    int     closed = 0, still = 0;
    int     ch, i;
    char    junk[256];

    while ((ch = getopt(argc, argv, "d:H:m:n:p:s:")) != -1) {
	switch (ch) {
	case 'd':
	    deadline_s = atol(optarg);
	    break;
	case 'H':
	    hold_s = atol(optarg);
	    break;
	case 'm':
	    mode = optarg;
	    break;
	case 'n':
	    n = atoi(optarg);
	    break;
	case 'p':
	    pid = atol(optarg);
	    break;
	case 's':
	    spec = optarg;
	    break;
	default:
	    usage();
	}
    }
    if (spec == NULL || n <= 0 || hold_s < 0 || deadline_s <= 0
	|| (strcmp(mode, "negotiate") && strcmp(mode, "stall") && strcmp(mode, "idle")
	    && strcmp(mode, "hitrun")))
	usage();
    /* A refused connection is one we may still write to. */
    signal(SIGPIPE, SIG_IGN);
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
	rl.rlim_cur = rl.rlim_max;
	(void) setrlimit(RLIMIT_NOFILE, &rl);
    }
    if ((mc = calloc((size_t) n, sizeof(*mc))) == NULL
	|| (pfd = calloc((size_t) n, sizeof(*pfd))) == NULL)
	return (70);
    for (i = 0; i < n; i++)
	mc[i].fd = -1;

    t0 = now_ms();
    for (i = 0; i < n && now_ms() - t0 < deadline_s * 1000; i++) {
	if (miltc_open(&mc[i], spec, 2000) < 0) {
	    failed++;
	    continue;
	}
	opened++;
	if (strcmp(mode, "negotiate") == 0) {
	    if (miltc_negotiate(&mc[i], MC_ACT_ALL, MC_P_ALL) < 0) {
		refused++;
		miltc_close(&mc[i]);
		continue;
	    }
	    negotiated++;
	} else if (strcmp(mode, "hitrun") == 0) {
	    char    session[512];
	    size_t  len = hitrun_session(session);

	    if (write(mc[i].fd, session, len) != (ssize_t) len)
		refused++;
	    miltc_close(&mc[i]);
	    continue;
	} else if (strcmp(mode, "stall") == 0) {
	    /* Three of the four length bytes: libmilter waits for the fourth. */
	    if (write(mc[i].fd, "\0\0\0", 3) != 3) {
		refused++;
		miltc_close(&mc[i]);
		continue;
	    }
	}
    }
    t_open = now_ms();
    if (pid > 0) {
	threads = proc_threads(pid);
	dfds = proc_fds(pid);
	cpu0 = proc_cpu_ms(pid);
    }

    /* Hold: a readable connection here is one the daemon closed. */
    while ((t = now_ms()) - t_open < hold_s * 1000) {
	int     nfds = 0;

	for (i = 0; i < n; i++) {
	    pfd[i].fd = mc[i].fd;
	    pfd[i].events = POLLIN;
	    pfd[i].revents = 0;
	    nfds += mc[i].fd >= 0;
	}
	if (nfds == 0)
	    break;
	if (poll(pfd, (nfds_t) n, (int) (hold_s * 1000 - (t - t_open))) <= 0)
	    continue;
	for (i = 0; i < n; i++) {
	    if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
		continue;
	    if (read(pfd[i].fd, junk, sizeof(junk)) > 0)
		continue;			/* data, not a close */
	    miltc_close(&mc[i]);
	    closed++;
	    t = now_ms() - t_open;
	    if (first_close < 0)
		first_close = t;
	    last_close = t;
	}
    }
    if (pid > 0)
	cpu1 = proc_cpu_ms(pid);
    for (i = 0; i < n; i++) {
	if (mc[i].fd >= 0) {
	    still++;
	    miltc_close(&mc[i]);
	}
    }
    printf("holdconn: opened=%d negotiated=%d refused=%d connect_failed=%d "
	   "closed_during_hold=%d open_after_hold=%d first_close_ms=%ld "
	   "last_close_ms=%ld threads=%ld daemon_fds=%ld daemon_cpu_ms=%ld open_ms=%ld\n",
	   opened, negotiated, refused, failed, closed, still, first_close, last_close,
	   threads, dfds, cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1, t_open - t0);
    free(mc);
    free(pfd);
    return (0);
}
