/*
 * NAME
 *	syslog-sink - receive syslog datagrams on a unix socket, append them to a file
 * SYNOPSIS
 *	syslog-sink [-t SECONDS] SOCKET FILE
 * DESCRIPTION
 *	Postfix before 3.4 logs only through syslog(3), that is to the
 *	datagram socket /dev/log.  The e2e tests run Postfix 2.10 in a mount
 *	namespace of its own where /dev/log leads to SOCKET (tests/e2e/lib.sh),
 *	so that each private instance has a log file of its own, as
 *	maillog_file gives Postfix 3.4 and later, and nothing reaches the
 *	machine's own syslog.
 *
 *	Each datagram becomes one line of FILE: the "<PRI>" prefix is
 *	dropped, a trailing newline or NUL is trimmed, and the line is written
 *	with one write(2) to a file opened for appending, so that a reader
 *	never sees half a line.  SOCKET is created mode 0666 (Postfix's
 *	daemons log as the postfix user) and removed at exit.
 *
 *	The sink stops on SIGTERM, SIGINT or SIGHUP, and by itself after
 *	SECONDS (default 3600): a test that dies without cleaning up leaves
 *	no process behind for long.
 * DIAGNOSTICS
 *	Exit status 0 after a signal or the time limit; 1 with a message on
 *	stderr when the socket or the file cannot be set up; 64 for usage.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

/* on_signal - end the receive loop */

static void
on_signal(int sig)
{
    (void) sig;
    stop = 1;
}

/* usage - the one usage line */

static void
usage(void)
{
    fprintf(stderr, "usage: syslog-sink [-t SECONDS] SOCKET FILE\n");
    exit(64);
}

/* main - bind the socket, then copy datagrams to the file until told to stop */

int
main(int argc, char **argv)
{
    struct sockaddr_un sun;
    struct sigaction sa;
    char    buf[8192 + 2];
    const char *msg;
    ssize_t n;
    long    limit = 3600;
    int     fd;
    int     out;
    int     ch;

    while ((ch = getopt(argc, argv, "t:")) != -1) {
	if (ch != 't' || (limit = atol(optarg)) <= 0)
	    usage();
    }
    if (argc - optind != 2)
	usage();
    if (strlen(argv[optind]) >= sizeof(sun.sun_path)) {
	fprintf(stderr, "syslog-sink: %s: path too long for a unix socket\n", argv[optind]);
	return (1);
    }
    if ((out = open(argv[optind + 1], O_WRONLY | O_CREAT | O_APPEND, 0644)) < 0) {
	fprintf(stderr, "syslog-sink: %s: %s\n", argv[optind + 1], strerror(errno));
	return (1);
    }
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    strcpy(sun.sun_path, argv[optind]);
    (void) unlink(sun.sun_path);
    if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) < 0
	|| bind(fd, (struct sockaddr *) &sun, sizeof(sun)) < 0
	|| chmod(sun.sun_path, 0666) < 0) {
	fprintf(stderr, "syslog-sink: %s: %s\n", sun.sun_path, strerror(errno));
	return (1);
    }

    /* No SA_RESTART: a signal must end the blocking recv(). */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGALRM, &sa, NULL);
    alarm((unsigned) limit);

    while (!stop) {
	if ((n = recv(fd, buf, sizeof(buf) - 2, 0)) < 0) {
	    if (errno == EINTR)
		continue;
	    break;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == 0))
	    n--;
	buf[n] = 0;
	msg = buf;
	if (*msg == '<' && (msg = strchr(buf, '>')) != NULL)
	    msg++;
	else
	    msg = buf;
	n -= msg - buf;
	buf[(msg - buf) + n] = '\n';
	if (write(out, msg, (size_t) n + 1) < 0)
	    continue;			/* a full disk loses lines, not the sink */
    }
    (void) unlink(sun.sun_path);
    return (0);
}
