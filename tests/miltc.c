/*
 * NAME
 *	miltc - the MTA side of the milter protocol, for tests and benchmarks
 * SYNOPSIS
 *	#include "miltc.h"
 *
 *	miltc_open(&m, "unix:/tmp/x/sock", 5000);
 *	miltc_negotiate(&m, MC_ACT_ALL, MC_P_ALL);
 *	miltc_macro(&m, 'M', (const char *[]){"{auth_authen}", "zzzzz", NULL});
 *	miltc_mail(&m, (const char *[]){"<alice@home.example>", NULL}, &reply);
 *	miltc_eom(&m, &reply);		reply.mods[] holds chgfrom etc.
 * DESCRIPTION
 *	Speaks milter protocol version 6 as Postfix does: option
 *	negotiation, macro packets, connect, HELO, MAIL, RCPT, DATA, headers,
 *	end of headers, body, end of message, abort, quit.  It honours what
 *	the filter negotiated: a step the filter asked not to receive is not
 *	sent (reply.skipped = 1), a step marked "no reply" is sent without
 *	waiting.  Every read is bounded by the timeout, so a hung filter fails
 *	the test instead of hanging it.  Written from the protocol
 *	description in libmilter's mfdef.h; shares no code with the daemon,
 *	so it checks the daemon independently.
 * DIAGNOSTICS
 *	Functions return 0 on success, -1 with a message in m->err.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "miltc.h"

#define MC_MAX_PACKET	(1024 * 1024)

/* fail - record an error message; returns -1 */

static int __attribute__((format(printf, 2, 3)))
fail(struct miltc *m, const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(m->err, sizeof(m->err), fmt, ap);
    va_end(ap);
    return (-1);
}

/* miltc_open - connect to unix:/path, /path, inet:PORT@HOST or inet6:PORT@HOST */

int
miltc_open(struct miltc *m, const char *spec, int timeout_ms)
{
    struct addrinfo hints;
    struct addrinfo *res;
    struct sockaddr_un sun;
    char    host[256];
    char    port[16];
    const char *at;
    int     err;

    memset(m, 0, sizeof(*m));
    m->fd = -1;
    m->timeout_ms = timeout_ms;
    if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0 || spec[0] == '/') {
	const char *path = spec[0] == '/' ? spec : strchr(spec, ':') + 1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
	    return (fail(m, "socket path too long: %s", path));
	strcpy(sun.sun_path, path);
	if ((m->fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
	    return (fail(m, "socket: %s", strerror(errno)));
	if (connect(m->fd, (struct sockaddr *) &sun, sizeof(sun)) < 0) {
	    err = errno;
	    miltc_close(m);
	    return (fail(m, "connect %s: %s", spec, strerror(err)));
	}
	return (0);
    }
    if ((strncmp(spec, "inet:", 5) != 0 && strncmp(spec, "inet6:", 6) != 0)
	|| (at = strchr(spec, '@')) == NULL)
	return (fail(m, "bad socket %s", spec));
    snprintf(port, sizeof(port), "%.*s", (int) (at - strchr(spec, ':') - 1),
	     strchr(spec, ':') + 1);
    snprintf(host, sizeof(host), "%s", at + 1);
    if (host[0] == '[') {
	memmove(host, host + 1, strlen(host));
	host[strcspn(host, "]")] = 0;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_family = spec[4] == '6' ? AF_INET6 : AF_INET;
    if ((err = getaddrinfo(host, port, &hints, &res)) != 0)
	return (fail(m, "%s: %s", spec, gai_strerror(err)));
    if ((m->fd = socket(res->ai_family, SOCK_STREAM, 0)) < 0) {
	freeaddrinfo(res);
	return (fail(m, "socket: %s", strerror(errno)));
    }
    if (connect(m->fd, res->ai_addr, res->ai_addrlen) < 0) {
	err = errno;
	freeaddrinfo(res);
	miltc_close(m);
	return (fail(m, "connect %s: %s", spec, strerror(err)));
    }
    freeaddrinfo(res);
    return (0);
}

/* miltc_close - drop the connection (without QUIT) */

void
miltc_close(struct miltc *m)
{
    if (m->fd >= 0)
	close(m->fd);
    m->fd = -1;
}

/* send_packet - one packet: length, command, data */

static int
send_packet(struct miltc *m, char cmd, const char *data, size_t len)
{
    unsigned char hdr[5];
    struct iovec iov[2];
    uint32_t n = htonl((uint32_t) len + 1);
    ssize_t w;
    size_t  total = len + 5;
    size_t  done = 0;

    memcpy(hdr, &n, 4);
    hdr[4] = (unsigned char) cmd;
    while (done < total) {
	int     k = 0;

	if (done < 5) {
	    iov[k].iov_base = hdr + done;
	    iov[k++].iov_len = 5 - done;
	    iov[k].iov_base = (char *) data;
	    iov[k++].iov_len = len;
	} else {
	    iov[k].iov_base = (char *) data + (done - 5);
	    iov[k++].iov_len = total - done;
	}
	if ((w = writev(m->fd, iov, k)) < 0) {
	    if (errno == EINTR)
		continue;
	    return (fail(m, "write: %s", strerror(errno)));
	}
	done += (size_t) w;
    }
    return (0);
}

/* miltc_raw - any packet, unchecked: for tests of what Postfix never sends */

int
miltc_raw(struct miltc *m, char cmd, const char *data, size_t len)
{
    return (send_packet(m, cmd, data, len));
}

/* miltc_bytes - bytes as they are, e.g. half a packet */

int
miltc_bytes(struct miltc *m, const char *data, size_t len)
{
    ssize_t w;
    size_t  done = 0;

    while (done < len) {
	if ((w = write(m->fd, data + done, len - done)) < 0) {
	    if (errno == EINTR)
		continue;
	    return (fail(m, "write: %s", strerror(errno)));
	}
	done += (size_t) w;
    }
    return (0);
}

/* miltc_wait_closed - ms until the filter closes (reads are discarded); -1 if still open */

long
miltc_wait_closed(struct miltc *m, int limit_ms)
{
    struct timespec t0, now;
    struct pollfd pfd;
    char    buf[4096];
    long    ms;
    ssize_t r;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - t0.tv_sec) * 1000L + (now.tv_nsec - t0.tv_nsec) / 1000000L;
	if (ms >= limit_ms)
	    return (-1);
	pfd.fd = m->fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, (int) (limit_ms - ms)) <= 0)
	    continue;
	if ((r = read(m->fd, buf, sizeof(buf))) == 0 || (r < 0 && errno == ECONNRESET)) {
	    clock_gettime(CLOCK_MONOTONIC, &now);
	    return ((now.tv_sec - t0.tv_sec) * 1000L + (now.tv_nsec - t0.tv_nsec) / 1000000L);
	}
    }
}

/* read_full - exactly len bytes, within the timeout */

static int
read_full(struct miltc *m, char *buf, size_t len)
{
    struct pollfd pfd;
    size_t  got = 0;
    ssize_t r;
    int     rc;

    while (got < len) {
	pfd.fd = m->fd;
	pfd.events = POLLIN;
	if ((rc = poll(&pfd, 1, m->timeout_ms)) < 0) {
	    if (errno == EINTR)
		continue;
	    return (fail(m, "poll: %s", strerror(errno)));
	}
	if (rc == 0)
	    return (fail(m, "timeout after %d ms waiting for the filter", m->timeout_ms));
	if ((r = read(m->fd, buf + got, len - got)) < 0) {
	    if (errno == EINTR)
		continue;
	    return (fail(m, "read: %s", strerror(errno)));
	}
	if (r == 0)
	    return (fail(m, "connection closed by the filter"));
	got += (size_t) r;
    }
    return (0);
}

/* read_packet - one packet from the filter; *data is malloc'd and NUL-terminated */

static int
read_packet(struct miltc *m, char *cmd, char **data, size_t *len)
{
    uint32_t n;

    if (read_full(m, (char *) &n, 4) < 0)
	return (-1);
    n = ntohl(n);
    if (n < 1 || n > MC_MAX_PACKET)
	return (fail(m, "bad packet length %lu", (unsigned long) n));
    if ((*data = malloc(n)) == NULL)
	return (fail(m, "out of memory"));
    if (read_full(m, *data, n) < 0) {
	free(*data);
	return (-1);
    }
    *cmd = (*data)[0];
    memmove(*data, *data + 1, n - 1);
    (*data)[n - 1] = 0;
    *len = n - 1;
    return (0);
}

/* strings_packet - join NUL-terminated strings into one buffer */

static char *
strings_packet(const char *const *v, size_t *len)
{
    size_t  n = 0;
    size_t  i;
    char   *buf;
    char   *cp;

    for (i = 0; v[i]; i++)
	n += strlen(v[i]) + 1;
    if ((buf = malloc(n + 1)) == NULL)
	return (NULL);
    for (cp = buf, i = 0; v[i]; i++) {
	strcpy(cp, v[i]);
	cp += strlen(v[i]) + 1;
    }
    *len = n;
    return (buf);
}

/* string_at - the NUL-terminated string at offset *off of data, advancing *off */

static char *
string_at(const char *data, size_t len, size_t *off)
{
    const char *s;
    char   *out;
    size_t  n;

    if (*off >= len)
	return (NULL);
    s = data + *off;
    n = strnlen(s, len - *off);
    if ((out = malloc(n + 1)) == NULL)
	return (NULL);
    memcpy(out, s, n);
    out[n] = 0;
    *off += n + 1;
    return (out);
}

/* read_reply - replies until a final one; modifications collected */

static int
read_reply(struct miltc *m, struct mc_reply *r)
{
    char    cmd;
    char   *data;
    size_t  len;
    size_t  off;
    uint32_t idx;

    for (;;) {
	if (read_packet(m, &cmd, &data, &len) < 0)
	    return (-1);
	switch (cmd) {
	case 'c':
	case 'a':
	case 'r':
	case 't':
	case 'd':
	case 's':
	    r->code = cmd;
	    free(data);
	    return (0);
	case 'y':
	    r->code = cmd;
	    r->text = data;
	    return (0);
	case 'p':				/* progress: keep waiting */
	    free(data);
	    continue;
	case 'e':
	case 'h':
	case '+':
	case '-':
	case '2':
	case 'm':
	case 'i':
	case 'q':
	case 'b':
	    if (r->nmods == MC_MAX_MODS) {
		free(data);
		return (fail(m, "more than %d modifications", MC_MAX_MODS));
	    }
	    {
		struct mc_mod *mod = &r->mods[r->nmods++];

		memset(mod, 0, sizeof(*mod));
		mod->cmd = cmd;
		off = 0;
		if ((cmd == 'm' || cmd == 'i') && len >= 4) {
		    memcpy(&idx, data, 4);
		    mod->index = ntohl(idx);
		    off = 4;
		}
		if (cmd == 'b') {
		    if ((mod->a = malloc(len + 1)) != NULL) {
			memcpy(mod->a, data, len);
			mod->a[len] = 0;
		    }
		} else {
		    mod->a = string_at(data, len, &off);
		    mod->b = string_at(data, len, &off);
		}
	    }
	    free(data);
	    continue;
	default:
	    free(data);
	    return (fail(m, "unexpected reply '%c' (0x%02x)", cmd, (unsigned char) cmd));
	}
    }
}

/* command - send one command and, unless told not to, read its reply */

static int
command(struct miltc *m, char cmd, const char *data, size_t len,
	        unsigned long no_step, unsigned long no_reply, struct mc_reply *r)
{
    memset(r, 0, sizeof(*r));
    /* Like Postfix: after "accept" nothing more of that message (or connection). */
    if (cmd == 'M' && m->accepted == 1)
	m->accepted = 0;
    if (m->accepted) {
	r->skipped = 2;
	return (0);
    }
    if (m->protocol & no_step) {
	r->skipped = 1;
	return (0);
    }
    if (send_packet(m, cmd, data, len) < 0)
	return (-1);
    if (m->protocol & no_reply)
	return (0);
    if (read_reply(m, r) < 0) {
	/* A reply cut off after its modifications: callers see none. */
	mc_reply_free(r);
	return (-1);
    }
    if (r->code == 'a' && cmd == 'C')
	m->accepted = 2;
    else if (r->code == 'a' && cmd != 'R' && cmd != 'E')
	m->accepted = 1;
    return (0);
}

/* read_lists - the macro lists after the negotiation reply's 12 bytes */

static void
read_lists(struct miltc *m, const char *data, size_t len)
{
    size_t  off = 12;
    uint32_t class;
    size_t  n;

    m->has_lists = 0;
    memset(m->lists, 0, sizeof(m->lists));
    while (off + 4 < len) {
	memcpy(&class, data + off, 4);
	class = ntohl(class);
	off += 4;
	n = strnlen(data + off, len - off);
	if (class < MC_MACRO_CLASSES)
	    snprintf(m->lists[class], sizeof(m->lists[0]), "%.*s", (int) n, data + off);
	m->has_lists = 1;
	off += n + 1;
    }
}

/* listed - may the MTA send macro name at stage, given the filter's lists? */

static int
listed(const struct miltc *m, char stage, const char *name)
{
    const char *cp = strchr(MC_MACRO_STAGES, stage);
    const char *list;
    size_t  len = strlen(name);

    /*
     * As Postfix (milter.c MILTER_MACRO_EVAL): a class the filter set no
     * list for keeps the site's milter_*_macros, here whatever the script
     * sends.
     */
    if (!m->has_lists || cp == NULL || m->lists[cp - MC_MACRO_STAGES][0] == 0)
	return (1);
    for (list = m->lists[cp - MC_MACRO_STAGES]; (list = strstr(list, name)) != NULL; list += len)
	if ((list == m->lists[cp - MC_MACRO_STAGES] || list[-1] == ' ')
	    && (list[len] == 0 || list[len] == ' '))
	    return (1);
    return (0);
}

/* miltc_negotiate - offer actions and protocol steps; learn what the filter wants */

int
miltc_negotiate(struct miltc *m, unsigned long actions, unsigned long protocol)
{
    uint32_t v[3];
    char    cmd;
    char   *data;
    size_t  len;

    v[0] = htonl(6);
    v[1] = htonl((uint32_t) actions);
    v[2] = htonl((uint32_t) protocol);
    if (send_packet(m, 'O', (const char *) v, sizeof(v)) < 0
	|| read_packet(m, &cmd, &data, &len) < 0)
	return (-1);
    if (cmd != 'O' || len < 12) {
	free(data);
	return (fail(m, "negotiation: expected 'O', got '%c'", cmd));
    }
    memcpy(v, data, 12);
    read_lists(m, data, len);
    free(data);
    m->version = ntohl(v[0]);
    m->actions = ntohl(v[1]);
    m->protocol = ntohl(v[2]);
    if ((m->actions & ~actions) != 0)
	return (fail(m, "negotiation: filter wants actions 0x%lx that were not offered",
		     m->actions & ~actions));
    if ((m->protocol & ~protocol) != 0)
	return (fail(m, "negotiation: filter wants steps 0x%lx that were not offered",
		     m->protocol & ~protocol));
    return (0);
}

/* miltc_macro - one macro packet for stage (a command letter) */

int
miltc_macro(struct miltc *m, char stage, const char *const *namevals)
{
    const char *kept[2 * 64 + 1];
    size_t  len;
    size_t  n = 0;
    size_t  i;
    char   *buf;
    char   *pkt;
    int     rc;

    /* Only the macros the filter asked for, as Postfix sends them. */
    for (i = 0; namevals[i] && namevals[i + 1] && n + 2 < sizeof(kept) / sizeof(kept[0]); i += 2)
	if (listed(m, stage, namevals[i])) {
	    kept[n++] = namevals[i];
	    kept[n++] = namevals[i + 1];
	}
    kept[n] = NULL;
    if ((buf = strings_packet(kept, &len)) == NULL
	|| (pkt = malloc(len + 1)) == NULL) {
	free(buf);
	return (fail(m, "out of memory"));
    }
    pkt[0] = stage;
    memcpy(pkt + 1, buf, len);
    rc = send_packet(m, 'D', pkt, len + 1);
    free(pkt);
    free(buf);
    return (rc);
}

/* miltc_connect - client name, family ('4' '6' 'L' 'U'), port and address */

int
miltc_connect(struct miltc *m, const char *host, char family, unsigned port,
	              const char *addr, struct mc_reply *r)
{
    size_t  hl = strlen(host);
    size_t  al = strlen(addr);
    size_t  len = hl + 1 + 1 + 2 + al + 1;
    char   *buf;
    uint16_t p = htons((uint16_t) port);
    int     rc;

    if ((buf = malloc(len)) == NULL)
	return (fail(m, "out of memory"));
    memcpy(buf, host, hl + 1);
    buf[hl + 1] = family;
    memcpy(buf + hl + 2, &p, 2);
    memcpy(buf + hl + 4, addr, al + 1);
    /* Family 'U' carries neither port nor address. */
    rc = command(m, 'C', buf, family == 'U' ? hl + 2 : len, MC_P_NOCONNECT,
		 MC_P_NR_CONN, r);
    free(buf);
    return (rc);
}

/* miltc_helo - HELO/EHLO */

int
miltc_helo(struct miltc *m, const char *helo, struct mc_reply *r)
{
    return (command(m, 'H', helo, strlen(helo) + 1, MC_P_NOHELO, MC_P_NR_HELO, r));
}

/* strings_command - MAIL or RCPT with argument strings */

static int
strings_command(struct miltc *m, char cmd, const char *const *args,
		        unsigned long no_step, unsigned long no_reply, struct mc_reply *r)
{
    size_t  len;
    char   *buf;
    int     rc;

    if ((buf = strings_packet(args, &len)) == NULL)
	return (fail(m, "out of memory"));
    rc = command(m, cmd, buf, len, no_step, no_reply, r);
    free(buf);
    return (rc);
}

/* miltc_mail - MAIL FROM: args[0] is the sender as on the wire, then ESMTP args */

int
miltc_mail(struct miltc *m, const char *const *args, struct mc_reply *r)
{
    return (strings_command(m, 'M', args, MC_P_NOMAIL, MC_P_NR_MAIL, r));
}

/* miltc_rcpt - RCPT TO */

int
miltc_rcpt(struct miltc *m, const char *const *args, struct mc_reply *r)
{
    return (strings_command(m, 'R', args, MC_P_NORCPT, MC_P_NR_RCPT, r));
}

/* miltc_data - DATA */

int
miltc_data(struct miltc *m, struct mc_reply *r)
{
    return (command(m, 'T', "", 0, MC_P_NODATA, MC_P_NR_DATA, r));
}

/* miltc_header - one header; value without the leading space unless HDR_LEADSPC */

int
miltc_header(struct miltc *m, const char *name, const char *value, struct mc_reply *r)
{
    const char *v[3] = {name, value, NULL};

    return (strings_command(m, 'L', v, MC_P_NOHDRS, MC_P_NR_HDR, r));
}

/* miltc_eoh - end of headers */

int
miltc_eoh(struct miltc *m, struct mc_reply *r)
{
    return (command(m, 'N', "", 0, MC_P_NOEOH, MC_P_NR_EOH, r));
}

/* miltc_body - one body chunk */

int
miltc_body(struct miltc *m, const char *data, size_t len, struct mc_reply *r)
{
    return (command(m, 'B', data, len, MC_P_NOBODY, MC_P_NR_BODY, r));
}

/* miltc_eom - end of message: modifications, then the final reply */

int
miltc_eom(struct miltc *m, struct mc_reply *r)
{
    return (command(m, 'E', "", 0, 0, 0, r));
}

/* miltc_abort - abandon the current message (no reply) */

int
miltc_abort(struct miltc *m)
{
    if (m->accepted == 1) {
	m->accepted = 0;
	return (0);
    }
    return (send_packet(m, 'A', "", 0));
}

/* miltc_quit - end the session (no reply) */

int
miltc_quit(struct miltc *m)
{
    return (send_packet(m, 'Q', "", 0));
}

/*
 * miltc_quit_wait - end the session and wait for the filter to close it.
 * Postfix does not wait; a test does, because commands sent "no reply"
 * are otherwise still unhandled when the test stops the daemon.
 */

int
miltc_quit_wait(struct miltc *m)
{
    struct pollfd pfd;
    char    c;
    ssize_t r;
    int     rc;

    if (send_packet(m, 'Q', "", 0) < 0)
	return (-1);
    for (;;) {
	pfd.fd = m->fd;
	pfd.events = POLLIN;
	if ((rc = poll(&pfd, 1, m->timeout_ms)) < 0 && errno == EINTR)
	    continue;
	if (rc < 0)
	    return (fail(m, "poll: %s", strerror(errno)));
	if (rc == 0)
	    return (fail(m, "timeout after %d ms waiting for the filter to close", m->timeout_ms));
	if ((r = read(m->fd, &c, 1)) < 0 && errno == EINTR)
	    continue;
	if (r < 0 && errno != ECONNRESET)
	    return (fail(m, "read: %s", strerror(errno)));
	if (r > 0)
	    return (fail(m, "the filter sent '%c' after quit", c));
	return (0);
    }
}

/* mc_reply_free - release what a reply holds */

void
mc_reply_free(struct mc_reply *r)
{
    size_t  i;

    for (i = 0; i < r->nmods; i++) {
	free(r->mods[i].a);
	free(r->mods[i].b);
    }
    free(r->text);
    memset(r, 0, sizeof(*r));
}

/* mc_code_name - readable name of a reply code */

const char *
mc_code_name(char code)
{
    switch (code) {
    case 'c':
	return ("continue");
    case 'a':
	return ("accept");
    case 'r':
	return ("reject");
    case 't':
	return ("tempfail");
    case 'd':
	return ("discard");
    case 'y':
	return ("replycode");
    case 's':
	return ("skip");
    case 0:
	return ("no reply");
    default:
	return ("?");
    }
}

/* mc_flag_names - "CHGFROM,CHGHDRS" or "NOHELO,NOBODY" for flags */

void
mc_flag_names(unsigned long flags, int protocol, char *buf, size_t len)
{
    static const char *const act[] = {"ADDHDRS", "CHGBODY", "ADDRCPT", "DELRCPT",
	"CHGHDRS", "QUARANTINE", "CHGFROM", "ADDRCPT_PAR", "SETSYMLIST"};
    static const char *const prot[] = {"NOCONNECT", "NOHELO", "NOMAIL", "NORCPT",
	"NOBODY", "NOHDRS", "NOEOH", "NR_HDR", "NOUNKNOWN", "NODATA", "SKIP",
	"RCPT_REJ", "NR_CONN", "NR_HELO", "NR_MAIL", "NR_RCPT", "NR_DATA",
	"NR_UNKN", "NR_EOH", "NR_BODY", "HDR_LEADSPC"};
    const char *const *names = protocol ? prot : act;
    size_t  n = protocol ? sizeof(prot) / sizeof(prot[0]) : sizeof(act) / sizeof(act[0]);
    size_t  used = 0;
    size_t  i;

    buf[0] = 0;
    for (i = 0; i < n; i++) {
	if (flags & (1UL << i))
	    used += snprintf(buf + used, used < len ? len - used : 0, "%s%s",
			     used ? "," : "", names[i]);
    }
    if (flags >> n)
	snprintf(buf + used, used < len ? len - used : 0, "%s0x%lx", used ? "," : "",
		 flags & ~((1UL << n) - 1));
    if (buf[0] == 0)
	snprintf(buf, len, "none");
}
