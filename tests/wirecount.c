/*
 * NAME
 *	wirecount - count the milter protocol's packets between an MTA and a milter
 * SYNOPSIS
 *	wirecount -l LISTEN -c MILTER -o FILE [-t SECONDS]
 * DESCRIPTION
 *	A relay for one MTA's milter connections: it listens on LISTEN
 *	(inet:PORT@127.0.0.1 or unix:/path), and for each connection it
 *	accepts opens one to MILTER (the same syntax), passes every byte on
 *	unchanged in both directions, and reads the packets as they go by
 *	(4-byte length, command letter, data).  When a connection ends, one
 *	line goes to FILE:
 *
 *	    conn=N mta=O:1,D:7,M:1,R:1,E:1,Q:1 milter=O:1,c:1,e:1 answers=1 eom=1
 *
 *	mta: the commands the MTA sent, by letter (D is a macro packet);
 *	milter: the milter's replies by letter (O the negotiation reply; c
 *	continue, a accept, t tempfail, r reject, y reply code, s skip;
 *	modifications such as e change sender, h add header, m change
 *	header, i insert header come before an end-of-message reply).
 *	answers: the milter's replies that answer a command (c a d r t s
 *	y), not the negotiation, modifications or progress; eom: the MTA's
 *	end-of-message commands.  Nothing is changed, delayed or reordered:
 *	the MTA and the milter see each other as if connected directly
 *	(each direction is written as soon as it is read).  Over TCP the
 *	relay ACKs the MTA at once and sends to the milter without Nagle,
 *	so it adds no delayed-ACK wait of its own (ack.c's reason).
 *
 *	For tests that count what a real Postfix and the milter say to each
 *	other, from the wire rather than from either side's logs.  Runs
 *	until SIGTERM or for at most SECONDS (default 600); loopback and
 *	unix sockets only.
 * DIAGNOSTICS
 *	Exit 0 on SIGTERM or timeout, 1 on errors (printed), 64 on usage.
 */

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "miltc.h"

#define MAX_PAIRS	64

/* One direction of a connection: the bytes of the packet being read. */
struct stream {
    unsigned char hdr[5];		/* length and command letter */
    size_t  have;			/* of hdr */
    unsigned long left;			/* data bytes still to skip */
    unsigned long count[256];		/* packets by letter */
};

struct pair {
    int     mta;			/* accepted from the MTA */
    int     milter;			/* opened to the milter */
    struct stream up;			/* MTA -> milter */
    struct stream down;			/* milter -> MTA */
};

static volatile sig_atomic_t stop;

/* on_term - SIGTERM: finish */

static void
on_term(int sig)
{
    (void) sig;
    stop = 1;
}

/* parse - account for n bytes of one direction */

static void
parse(struct stream *s, const unsigned char *buf, size_t n)
{
    size_t  i = 0;
    unsigned long len;

    while (i < n) {
	if (s->left > 0) {
	    size_t  skip = n - i < s->left ? n - i : s->left;

	    s->left -= skip;
	    i += skip;
	    continue;
	}
	s->hdr[s->have++] = buf[i++];
	if (s->have < 5)
	    continue;
	len = ((unsigned long) s->hdr[0] << 24) | ((unsigned long) s->hdr[1] << 16)
	    | ((unsigned long) s->hdr[2] << 8) | s->hdr[3];
	s->count[s->hdr[4]]++;
	s->left = len > 0 ? len - 1 : 0;
	s->have = 0;
    }
}

/* format - "A:1,B:2" of the letters counted */

static void
format(const struct stream *s, char *out, size_t len)
{
    size_t  used = 0;
    int     c;

    out[0] = 0;
    for (c = 0; c < 256 && used < len; c++)
	if (s->count[c])
	    used += snprintf(out + used, len - used, "%s%c:%lu", used ? "," : "",
			     c >= 0x21 && c < 0x7f ? c : '?', s->count[c]);
}

/* listen_on - a listening socket for inet:PORT@HOST or unix:/path */

static int
listen_on(const char *spec)
{
    struct sockaddr_in sin;
    struct sockaddr_un sun;
    const char *at;
    int     fd;
    int     one = 1;

    if (strncmp(spec, "unix:", 5) == 0) {
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(spec + 5) >= sizeof(sun.sun_path))
	    return (-1);
	strcpy(sun.sun_path, spec + 5);
	(void) unlink(sun.sun_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0
	    || bind(fd, (struct sockaddr *) &sun, sizeof(sun)) < 0
	    || chmod(sun.sun_path, 0666) < 0 || listen(fd, 64) < 0)
	    return (-1);
	return (fd);
    }
    if (strncmp(spec, "inet:", 5) != 0 || (at = strchr(spec, '@')) == NULL)
	return (-1);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short) atoi(spec + 5));
    if (inet_pton(AF_INET, at + 1, &sin.sin_addr) != 1
	|| (fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
	return (-1);
    (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *) &sin, sizeof(sin)) < 0 || listen(fd, 64) < 0)
	return (-1);
    return (fd);
}

/* pair_close - the connection ended: write its line */

static void
pair_close(struct pair *p, unsigned long n, FILE *out)
{
    char    up[512];
    char    down[512];
    const char *cp;
    unsigned long answers = 0;

    format(&p->up, up, sizeof(up));
    format(&p->down, down, sizeof(down));
    for (cp = "cadrtsy"; *cp; cp++)
	answers += p->down.count[(unsigned char) *cp];
    fprintf(out, "conn=%lu mta=%s milter=%s answers=%lu eom=%lu\n", n, up, down,
	    answers, p->up.count['E']);
    fflush(out);
    close(p->mta);
    close(p->milter);
    p->mta = p->milter = -1;
}

/* relay - copy what is readable on from to to; 0 at end of stream or error */

static int
relay(int from, int to, struct stream *s)
{
    unsigned char buf[65536];
    ssize_t n;
    ssize_t off;
    ssize_t w;

    int     on = 1;

    if ((n = read(from, buf, sizeof(buf))) <= 0)
	return (0);
    /* TCP only; on a unix socket these fail, harmlessly. */
    (void) setsockopt(from, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof(on));
    parse(s, buf, (size_t) n);
    for (off = 0; off < n; off += w)
	if ((w = write(to, buf + off, (size_t) (n - off))) <= 0)
	    return (0);
    return (1);
}

int
main(int argc, char **argv)
{
    const char *listen_spec = NULL;
    const char *milter_spec = NULL;
    const char *out_path = NULL;
    struct pair pairs[MAX_PAIRS];
    struct pollfd pfd[1 + 2 * MAX_PAIRS];
    unsigned long conns = 0;
    time_t  deadline;
    long    secs = 600;
    FILE   *out;
    int     lfd;
    int     ch;
    int     i;

    while ((ch = getopt(argc, argv, "c:l:o:t:")) != -1) {
	switch (ch) {
	case 'c':
	    milter_spec = optarg;
	    break;
	case 'l':
	    listen_spec = optarg;
	    break;
	case 'o':
	    out_path = optarg;
	    break;
	case 't':
	    secs = atol(optarg);
	    break;
	default:
	    fprintf(stderr, "usage: wirecount -l LISTEN -c MILTER -o FILE [-t SECONDS]\n");
	    return (64);
	}
    }
    if (!listen_spec || !milter_spec || !out_path) {
	fprintf(stderr, "usage: wirecount -l LISTEN -c MILTER -o FILE [-t SECONDS]\n");
	return (64);
    }
    if ((out = fopen(out_path, "a")) == NULL) {
	perror(out_path);
	return (1);
    }
    if ((lfd = listen_on(listen_spec)) < 0) {
	fprintf(stderr, "wirecount: cannot listen on %s: %s\n", listen_spec, strerror(errno));
	return (1);
    }
    signal(SIGTERM, on_term);
    signal(SIGPIPE, SIG_IGN);
    for (i = 0; i < MAX_PAIRS; i++)
	pairs[i].mta = pairs[i].milter = -1;
    deadline = time(NULL) + secs;
    while (!stop && time(NULL) < deadline) {
	int     n = 0;
	int     k;

	pfd[n].fd = lfd;
	pfd[n++].events = POLLIN;
	for (i = 0; i < MAX_PAIRS; i++) {
	    if (pairs[i].mta < 0)
		continue;
	    pfd[n].fd = pairs[i].mta;
	    pfd[n++].events = POLLIN;
	    pfd[n].fd = pairs[i].milter;
	    pfd[n++].events = POLLIN;
	}
	if (poll(pfd, (nfds_t) n, 200) <= 0)
	    continue;
	if (pfd[0].revents & POLLIN) {
	    struct miltc m;
	    int     fd = accept(lfd, NULL, NULL);

	    for (i = 0; fd >= 0 && i < MAX_PAIRS && pairs[i].mta >= 0; i++)
		;
	    if (fd >= 0 && (i == MAX_PAIRS || miltc_open(&m, milter_spec, 5000) < 0)) {
		fprintf(stderr, "wirecount: %s\n", i == MAX_PAIRS ? "too many connections" : m.err);
		close(fd);
	    } else if (fd >= 0) {
		int     on = 1;

		(void) setsockopt(m.fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		memset(&pairs[i], 0, sizeof(pairs[i]));
		pairs[i].mta = fd;
		pairs[i].milter = m.fd;
	    }
	}
	/* The descriptors polled above, in the same order. */
	for (k = 1; k < n; k += 2) {
	    for (i = 0; i < MAX_PAIRS && pairs[i].mta != pfd[k].fd; i++)
		;
	    if (i == MAX_PAIRS)
		continue;
	    if (((pfd[k].revents & (POLLIN | POLLHUP | POLLERR))
		 && !relay(pairs[i].mta, pairs[i].milter, &pairs[i].up))
		|| ((pfd[k + 1].revents & (POLLIN | POLLHUP | POLLERR))
		    && !relay(pairs[i].milter, pairs[i].mta, &pairs[i].down)))
		pair_close(&pairs[i], ++conns, out);
	}
    }
    for (i = 0; i < MAX_PAIRS; i++)
	if (pairs[i].mta >= 0)
	    pair_close(&pairs[i], ++conns, out);
    fclose(out);
    return (0);
}
