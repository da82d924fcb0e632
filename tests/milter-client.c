/*
 * NAME
 *	milter-client - drive a milter with a script, printing every reply
 * SYNOPSIS
 *	milter-client -s SOCKET [-t TIMEOUT_MS] [SCRIPT]
 * DESCRIPTION
 *	Plays the MTA (see miltc.c) for the protocol tests.  The script (a
 *	file or stdin) has one command per line; "#" starts a comment line:
 *
 *	negotiate [ACTIONS [STEPS]]	option negotiation (hex; default: all,
 *					as Postfix 3.x offers)
 *	macros				print the macro lists the filter set at
 *					negotiation ("macros: mail=i ..." by
 *					class, or "macros: none"); once set,
 *					a macro packet of a class with a list
 *					carries only listed names, as Postfix
 *					sends them
 *	macro STAGE NAME=VALUE...	one macro packet; VALUE may be "quoted"
 *					(in quotes: \r \n \t \xHH \" \\)
 *	connect HOST FAMILY PORT ADDR	FAMILY is 4, 6, L or U
 *	helo NAME
 *	mail ARG...			ARG may be "quoted"; "" is empty; in
 *					quotes \r \n \t \xHH are those bytes,
 *					\" and \\ the character
 *	rcpt ARG...
 *	data
 *	header NAME: VALUE
 *	eoh
 *	body TEXT
 *	eom
 *	abort
 *	quit
 *	raw CMD ARG...			one packet of command CMD whose data is
 *					each ARG followed by a NUL, unchecked
 *					(e.g. "raw D Mx": a macro name with no
 *					value, which Postfix never sends); no
 *					reply is read
 *	bytes HEX			these bytes alone (hex digits), e.g.
 *					half a packet: "bytes 0000001044"
 *	wait-closed MS			wait up to MS for the filter to close
 *					the connection: "wait-closed: closed"
 *					or "wait-closed: open after MS ms"
 *	close				drop the connection (no QUIT)
 *	reopen				open a new connection
 *	kill SIGNAL			signal $MILTER_PID (USR1, TERM, ...)
 *	sleep MS			a fixed pause: for stalls, not to wait
 *					for the daemon (see waitlog)
 *	waitlog TEXT			wait until the file $MILTER_LOG (the
 *					daemon's log) holds TEXT, a fixed
 *					string: the rest of the line; at most
 *					the timeout (-t) times
 *					$ENVFROM_WAIT_SCALE, then an error
 *	elapsed				print "elapsed: N ms" since the last
 *					elapsed (or the start); for timing
 *					tests, not for golden output
 *
 *	Output: one line per reply, "COMMAND: REPLY"; for eom each
 *	modification first ("eom: chgfrom <x@y>", "eom: chgheader From[1] =
 *	value", "eom: insheader [0] Name = value"), then the final reply.
 *	Steps the filter declined print "skipped"; what follows an "accept"
 *	is not sent, as Postfix does not, and prints "skipped (accepted)".  Control characters in
 *	values are shown as \r, \n, \t or \xHH.
 * DIAGNOSTICS
 *	Exit 0 when the script ran to its end, 1 on a protocol or I/O error
 *	(printed as "COMMAND: error: why"), 64 on usage errors.
 */

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "miltc.h"

#define MAX_ARGS	64

static struct timespec started;		/* when the connection was opened */

/* show - print s with control characters escaped */

static void
show(const char *s)
{
    for (; *s; s++) {
	unsigned char c = (unsigned char) *s;

	if (c == '\r')
	    fputs("\\r", stdout);
	else if (c == '\n')
	    fputs("\\n", stdout);
	else if (c == '\t')
	    fputs("\\t", stdout);
	else if (c < 0x20 || c == 0x7f)
	    printf("\\x%02x", c);
	else
	    putchar(c);
    }
}

/* unescape - the escape at cp (a backslash) into *out; returns its last byte */

static char *
unescape(char *cp, char **out)
{
    static const char hexdigits[] = "0123456789abcdef";
    const char *h1;
    const char *h2;

    switch (cp[1]) {
    case 'r':
	*(*out)++ = '\r';
	return (cp + 1);
    case 'n':
	*(*out)++ = '\n';
	return (cp + 1);
    case 't':
	*(*out)++ = '\t';
	return (cp + 1);
    case 'x':
	if (cp[2] && cp[3] && (h1 = strchr(hexdigits, tolower((unsigned char) cp[2])))
	    && (h2 = strchr(hexdigits, tolower((unsigned char) cp[3])))) {
	    *(*out)++ = (char) ((h1 - hexdigits) << 4 | (h2 - hexdigits));
	    return (cp + 3);
	}
	break;
    }
    *(*out)++ = cp[1];			/* \" and \\: the character itself */
    return (cp + 1);
}

/* split - words of line into argv; "quoted words" may hold spaces; returns argc */

static int
split(char *line, char **argv)
{
    int     argc = 0;
    char   *cp = line;
    char   *out;

    while (*cp && argc < MAX_ARGS - 1) {
	while (*cp == ' ' || *cp == '\t')
	    cp++;
	if (*cp == 0)
	    break;
	argv[argc++] = out = cp;
	while (*cp && *cp != ' ' && *cp != '\t') {
	    if (*cp == '"') {
		for (cp++; *cp && *cp != '"'; cp++) {
		    if (*cp == '\\' && cp[1])
			cp = unescape(cp, &out);
		    else
			*out++ = *cp;
		}
		if (*cp == '"')
		    cp++;
	    } else {
		*out++ = *cp++;
	    }
	}
	if (*cp)
	    cp++;
	*out = 0;
    }
    argv[argc] = NULL;
    return (argc);
}

/* print_reply - the modifications and the final reply of one command */

static void
print_reply(const char *cmd, const struct mc_reply *r)
{
    size_t  i;

    for (i = 0; i < r->nmods; i++) {
	const struct mc_mod *m = &r->mods[i];

	printf("%s: ", cmd);
	switch (m->cmd) {
	case 'e':
	    printf("chgfrom ");
	    show(m->a ? m->a : "");
	    if (m->b) {
		putchar(' ');
		show(m->b);
	    }
	    break;
	case 'm':
	case 'i':
	case 'h':
	    if (m->cmd == 'm')
		printf("chgheader %s[%u] = ", m->a ? m->a : "", m->index);
	    else if (m->cmd == 'i')
		printf("insheader [%u] %s = ", m->index, m->a ? m->a : "");
	    else
		printf("addheader %s = ", m->a ? m->a : "");
	    show(m->b ? m->b : "");
	    break;
	default:
	    printf("modification '%c' ", m->cmd);
	    show(m->a ? m->a : "");
	    break;
	}
	putchar('\n');
    }
    if (r->skipped == 1)
	printf("%s: skipped\n", cmd);
    else if (r->skipped == 2)
	printf("%s: skipped (accepted)\n", cmd);
    else if (r->code == 'y') {
	printf("%s: replycode ", cmd);
	show(r->text ? r->text : "");
	putchar('\n');
    } else
	printf("%s: %s\n", cmd, mc_code_name(r->code));
}

/* signal_number - "USR1" or "SIGUSR1" to a number; -1 if unknown */

static int
signal_number(const char *name)
{
    static const struct {
	const char *name;
	int     sig;
    } sigs[] = {
	{"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"TERM", SIGTERM}, {"INT", SIGINT},
	{"HUP", SIGHUP}, {"KILL", SIGKILL}, {"STOP", SIGSTOP}, {"CONT", SIGCONT},
    };
    size_t  i;

    if (strncasecmp(name, "SIG", 3) == 0)
	name += 3;
    for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
	if (strcasecmp(name, sigs[i].name) == 0)
	    return (sigs[i].sig);
    return (-1);
}

/* file_holds - whether the file at path contains text */

static int
file_holds(const char *path, const char *text)
{
    FILE   *fp;
    char   *buf = NULL;
    size_t  len = 0;
    size_t  n;
    char    chunk[8192];
    int     found;

    if ((fp = fopen(path, "r")) == NULL)
	return (0);
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
	char   *nbuf = realloc(buf, len + n + 1);

	if (nbuf == NULL)
	    break;
	buf = nbuf;
	memcpy(buf + len, chunk, n);
	len += n;
    }
    fclose(fp);
    if (buf == NULL)
	return (0);
    buf[len] = 0;
    found = strstr(buf, text) != NULL;
    free(buf);
    return (found);
}

/* wait_log - poll $MILTER_LOG for text; 0 once it is there, -1 on timeout */

static int
wait_log(const char *text, int timeout)
{
    const char *path = getenv("MILTER_LOG");
    const char *scale = getenv("ENVFROM_WAIT_SCALE");
    struct timespec t0, now, pause = {0, 20 * 1000000L};
    double  limit = timeout * (scale != NULL && atoi(scale) > 0 ? atoi(scale) : 1);

    if (path == NULL) {
	fprintf(stderr, "milter-client: waitlog: no $MILTER_LOG\n");
	return (-1);
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
	if (file_holds(path, text))
	    return (0);
	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((now.tv_sec - t0.tv_sec) * 1e3 + (now.tv_nsec - t0.tv_nsec) / 1e6 > limit)
	    break;
	nanosleep(&pause, NULL);
    }
    printf("waitlog: error: not logged within %.0f ms: ", limit);
    show(text);
    putchar('\n');
    return (-1);
}

/* run_line - execute one script line; -1 to stop */

static int
run_line(struct miltc *m, const char *spec, int timeout, char *line)
{
    char   *argv[MAX_ARGS];
    int     argc;
    struct mc_reply r;
    char    acts[256];
    char    steps[512];
    int     rc = 0;
    const char *cmd;

    memset(&r, 0, sizeof(r));
    if (strncmp(line, "waitlog ", 8) == 0)
	return (wait_log(line + 8, timeout));
    if (strncmp(line, "header ", 7) == 0) {
	char   *colon = strchr(line + 7, ':');
	char   *value;

	if (colon == NULL) {
	    fprintf(stderr, "milter-client: header needs NAME: VALUE\n");
	    return (-1);
	}
	*colon = 0;
	value = colon + 1;
	if (*value == ' ' && !(m->protocol & MC_P_HDR_LEADSPC))
	    value++;
	/* Let scripts write folded headers as \n. */
	rc = miltc_header(m, line + 7, value, &r);
	cmd = "header";
	goto done;
    }
    if ((argc = split(line, argv)) == 0)
	return (0);
    cmd = argv[0];
    if (strcmp(cmd, "negotiate") == 0) {
	unsigned long a = argc > 1 ? strtoul(argv[1], NULL, 16) : MC_ACT_ALL;
	unsigned long p = argc > 2 ? strtoul(argv[2], NULL, 16) : MC_P_ALL;

	if ((rc = miltc_negotiate(m, a, p)) == 0) {
	    mc_flag_names(m->actions, 0, acts, sizeof(acts));
	    mc_flag_names(m->protocol, 1, steps, sizeof(steps));
	    printf("negotiate: version=%lu actions=%s steps=%s\n", m->version, acts, steps);
	}
	goto done_noreply;
    } else if (strcmp(cmd, "macros") == 0) {
	static const char *const classes[MC_MACRO_CLASSES] = {
	    "connect", "helo", "mail", "rcpt", "data", "eom", "eoh"};
	int     i;

	printf("macros:%s", m->has_lists ? "" : " none");
	for (i = 0; i < MC_MACRO_CLASSES; i++)
	    if (m->lists[i][0])
		printf(" %s=\"%s\"", classes[i], m->lists[i]);
	printf("\n");
	goto done_noreply;
    } else if (strcmp(cmd, "macro") == 0 && argc >= 2) {
	const char *nv[2 * MAX_ARGS];
	int     n = 0;
	int     i;

	for (i = 2; i < argc; i++) {
	    char   *eq = strchr(argv[i], '=');

	    if (eq == NULL) {
		fprintf(stderr, "milter-client: macro needs NAME=VALUE\n");
		return (-1);
	    }
	    *eq = 0;
	    nv[n++] = argv[i];
	    nv[n++] = eq + 1;
	}
	nv[n] = NULL;
	rc = miltc_macro(m, argv[1][0], nv);
	goto done_noreply;
    } else if (strcmp(cmd, "connect") == 0 && argc == 5) {
	rc = miltc_connect(m, argv[1], argv[2][0], (unsigned) atoi(argv[3]), argv[4], &r);
    } else if (strcmp(cmd, "helo") == 0 && argc == 2) {
	rc = miltc_helo(m, argv[1], &r);
    } else if (strcmp(cmd, "mail") == 0 && argc >= 2) {
	rc = miltc_mail(m, (const char *const *) argv + 1, &r);
    } else if (strcmp(cmd, "rcpt") == 0 && argc >= 2) {
	rc = miltc_rcpt(m, (const char *const *) argv + 1, &r);
    } else if (strcmp(cmd, "data") == 0) {
	rc = miltc_data(m, &r);
    } else if (strcmp(cmd, "eoh") == 0) {
	rc = miltc_eoh(m, &r);
    } else if (strcmp(cmd, "body") == 0) {
	const char *text = line + strlen("body");

	text += *text == ' ';
	rc = miltc_body(m, text, strlen(text), &r);
    } else if (strcmp(cmd, "eom") == 0) {
	rc = miltc_eom(m, &r);
    } else if (strcmp(cmd, "abort") == 0) {
	rc = miltc_abort(m);
	goto done_noreply;
    } else if (strcmp(cmd, "quit") == 0) {
	rc = miltc_quit_wait(m);
	goto done_noreply;
    } else if (strcmp(cmd, "raw") == 0 && argc >= 2 && strlen(argv[1]) == 1) {
	static char data[1024 * 1024];
	size_t  len = 0;
	int     i;

	for (i = 2; i < argc; i++) {
	    size_t  n = strlen(argv[i]) + 1;

	    if (len + n > sizeof(data))
		break;
	    memcpy(data + len, argv[i], n);
	    len += n;
	}
	rc = miltc_raw(m, argv[1][0], data, len);
	goto done_noreply;
    } else if (strcmp(cmd, "bytes") == 0 && argc == 2) {
	static char data[4096];
	size_t  len = 0;
	unsigned byte;
	const char *h;

	for (h = argv[1]; h[0] && h[1] && len < sizeof(data); h += 2) {
	    if (sscanf(h, "%2x", &byte) != 1) {
		fprintf(stderr, "milter-client: bytes needs hex digits\n");
		return (-1);
	    }
	    data[len++] = (char) byte;
	}
	rc = miltc_bytes(m, data, len);
	goto done_noreply;
    } else if (strcmp(cmd, "wait-closed") == 0 && argc == 2) {
	long    limit = atol(argv[1]);

	if (miltc_wait_closed(m, (int) limit) < 0)
	    printf("wait-closed: open after %ld ms\n", limit);
	else
	    printf("wait-closed: closed\n");
	return (0);
    } else if (strcmp(cmd, "close") == 0) {
	miltc_close(m);
	return (0);
    } else if (strcmp(cmd, "reopen") == 0) {
	miltc_close(m);
	if ((rc = miltc_open(m, spec, timeout)) == 0)
	    printf("reopen: connected\n");
	goto done_noreply;
    } else if (strcmp(cmd, "kill") == 0 && argc == 2) {
	const char *pid = getenv("MILTER_PID");
	int     sig = signal_number(argv[1]);

	if (pid == NULL || sig < 0 || kill((pid_t) atol(pid), sig) < 0) {
	    fprintf(stderr, "milter-client: kill %s: no $MILTER_PID or bad signal\n", argv[1]);
	    return (-1);
	}
	return (0);
    } else if (strcmp(cmd, "elapsed") == 0 && argc == 1) {
	static struct timespec last;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (last.tv_sec == 0 && last.tv_nsec == 0)
	    last = started;
	printf("elapsed: %.1f ms\n", (now.tv_sec - last.tv_sec) * 1e3
	       + (now.tv_nsec - last.tv_nsec) / 1e6);
	last = now;
	return (0);
    } else if (strcmp(cmd, "sleep") == 0 && argc == 2) {
	struct timespec ts;
	long    ms = atol(argv[1]);

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
	return (0);
    } else {
	fprintf(stderr, "milter-client: bad command: %s\n", cmd);
	return (-1);
    }
done:
    if (rc == 0)
	print_reply(cmd, &r);
    mc_reply_free(&r);
done_noreply:
    if (rc < 0) {
	printf("%s: error: %s\n", cmd, m->err);
	return (-1);
    }
    return (0);
}

/* main - open the socket and run the script */

int
main(int argc, char **argv)
{
    struct miltc m;
    const char *spec = NULL;
    int     timeout = 10000;
    static char line[1024 * 1024];	/* hostile cases send 64 KiB addresses */
    FILE   *fp = stdin;
    int     ch;
    int     status = 0;

    while ((ch = getopt(argc, argv, "s:t:")) != -1) {
	switch (ch) {
	case 's':
	    spec = optarg;
	    break;
	case 't':
	    timeout = atoi(optarg);
	    break;
	default:
	    fprintf(stderr, "usage: milter-client -s SOCKET [-t TIMEOUT_MS] [SCRIPT]\n");
	    return (64);
	}
    }
    if (spec == NULL || argc - optind > 1) {
	fprintf(stderr, "usage: milter-client -s SOCKET [-t TIMEOUT_MS] [SCRIPT]\n");
	return (64);
    }
    if (optind < argc && (fp = fopen(argv[optind], "r")) == NULL) {
	perror(argv[optind]);
	return (64);
    }
    signal(SIGPIPE, SIG_IGN);
    clock_gettime(CLOCK_MONOTONIC, &started);
    if (miltc_open(&m, spec, timeout) < 0) {
	printf("open: error: %s\n", m.err);
	return (1);
    }
    while (fgets(line, sizeof(line), fp) != NULL) {
	size_t  len = strlen(line);
	char   *cp;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
	    line[--len] = 0;
	for (cp = line; isspace((unsigned char) *cp); cp++)
	    ;
	if (*cp == 0 || *cp == '#')
	    continue;
	/* \r and \n escapes let a script send folded header lines. */
	if (strncmp(cp, "header ", 7) == 0) {
	    char   *in;
	    char   *out;

	    for (in = out = cp; *in; in++) {
		if (in[0] == '\\' && (in[1] == 'n' || in[1] == 'r' || in[1] == 't')) {
		    *out++ = in[1] == 'n' ? '\n' : in[1] == 'r' ? '\r' : '\t';
		    in++;
		} else {
		    *out++ = *in;
		}
	    }
	    *out = 0;
	}
	if (run_line(&m, spec, timeout, cp) < 0) {
	    status = 1;
	    break;
	}
	fflush(stdout);
    }
    miltc_close(&m);
    return (status);
}
