/*
 * NAME
 *	peer - who is at the other end of a milter connection, and is it trusted
 * SYNOPSIS
 *	#include "peer.h"
 *
 *	policy = peer_policy_new(users, nusers, users_given, nets, nnets, self,
 *				 err, errlen, warn, warnlen);
 *	peer_identify(policy, fd, &who);
 *	if (peer_trusted(policy, &who)) ...
 * DESCRIPTION
 *	libmilter trusts every byte it reads: a macro packet whose strings
 *	do not pair up makes smfi_getsymval() walk off the end of its list
 *	(sendmail's libmilter, every version).  Postfix never sends one, but
 *	any local user can open a loopback TCP port.  So the daemon serves
 *	only the peers it is told to trust, before libmilter reads a byte:
 *
 *	- local users, by user id: peer_users (default postfix), plus root
 *	  and the daemon's own user (its stop wake-up connects to itself).
 *	  A unix socket tells the peer's user id (SO_PEERCRED).  For a TCP
 *	  connection from this host the owner of the peer's socket is looked
 *	  up in the kernel's socket table: sock_diag (NETLINK_SOCK_DIAG, an
 *	  exact lookup of the connection's four-tuple), else /proc/net/tcp
 *	  and tcp6, which every Linux has;
 *
 *	- other hosts, by address: peer_networks, empty by default.
 *
 *	A peer that cannot be identified (the lookups fail, or the peer
 *	closed before it could be found) is not trusted: fail closed.
 *
 *	The policy is immutable once built; peer_identify() keeps no state,
 *	so both may be used from any thread.
 * DIAGNOSTICS
 *	peer_policy_new() fails on a user named in the config that does not
 *	exist; the default user missing is only a warning.  peer_identify()
 *	says in who->why what it could not find out.
 */

#define _GNU_SOURCE			/* struct ucred */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peer.h"
#include "vec.h"

struct peer_policy {
    uid_t  *uids;
    size_t  nuids;
    size_t  uids_alloc;
    struct cidr *nets;
    size_t  nnets;
    char   *describe;			/* "postfix (uid 89), root, ..." for the log */
};

/* add_uid - append a uid unless present; -1 out of memory */

static int
add_uid(struct peer_policy *p, uid_t uid)
{
    size_t  i;

    for (i = 0; i < p->nuids; i++)
	if (p->uids[i] == uid)
	    return (0);
    if (VEC_RESERVE(p->uids, p->uids_alloc, p->nuids + 1, 4) < 0)
	return (-1);
    p->uids[p->nuids++] = uid;
    return (0);
}

/* describe_add - append "text" to the policy's description */

static int
describe_add(struct peer_policy *p, const char *text)
{
    size_t  old = p->describe ? strlen(p->describe) : 0;
    char   *d;

    if ((d = realloc(p->describe, old + strlen(text) + 3)) == NULL)
	return (-1);
    if (old)
	memcpy(d + old, ", ", 2), old += 2;
    strcpy(d + old, text);
    p->describe = d;
    return (0);
}

/* peer_policy_new - the trusted users and networks; NULL and err on failure */

struct peer_policy *
peer_policy_new(const char *const *users, size_t nusers, int users_given,
		        const struct cidr *nets, size_t nnets, uid_t self,
		        char *err, size_t errlen, char *warn, size_t warnlen)
{
    struct peer_policy *p;
    struct passwd pwbuf, *pw;
    char    pwtext[2048];
    char    text[300];
    size_t  i;

    *err = 0;
    if (warn && warnlen)
	*warn = 0;
    if ((p = calloc(1, sizeof(*p))) == NULL)
	goto nomem;
    for (i = 0; i < nusers; i++) {
	/* The _r form: the caller may hold getpwnam()'s static result. */
	if (getpwnam_r(users[i], &pwbuf, pwtext, sizeof(pwtext), &pw) != 0 || pw == NULL) {
	    if (users_given) {
		snprintf(err, errlen, "peer_users: no user \"%s\" on this system", users[i]);
		peer_policy_free(p);
		return (NULL);
	    }
	    if (warn && warnlen)
		snprintf(warn, warnlen, "peer_users: no user \"%s\" on this system "
			 "(the default): only root and the daemon's own user may connect",
			 users[i]);
	    continue;
	}
	snprintf(text, sizeof(text), "%s (uid %ld)", users[i], (long) pw->pw_uid);
	if (add_uid(p, pw->pw_uid) < 0 || describe_add(p, text) < 0)
	    goto nomem;
    }
    snprintf(text, sizeof(text), "root, uid %ld (the daemon's own)", (long) self);
    if (add_uid(p, 0) < 0 || add_uid(p, self) < 0 || describe_add(p, text) < 0)
	goto nomem;
    if (nnets) {
	if ((p->nets = malloc(nnets * sizeof(*nets))) == NULL)
	    goto nomem;
	memcpy(p->nets, nets, nnets * sizeof(*nets));
	p->nnets = nnets;
    }
    return (p);
nomem:
    snprintf(err, errlen, "peer_users: out of memory");
    peer_policy_free(p);
    return (NULL);
}

/* peer_policy_free - release a policy; NULL is fine */

void
peer_policy_free(struct peer_policy *p)
{
    if (p == NULL)
	return;
    free(p->uids);
    free(p->nets);
    free(p->describe);
    free(p);
}

/* peer_policy_describe - "postfix (uid 89), root, uid 998 (the daemon's own)" */

const char *
peer_policy_describe(const struct peer_policy *p)
{
    return (p->describe);
}

/* peer_policy_nets - how many peer_networks entries */

size_t
peer_policy_nets(const struct peer_policy *p)
{
    return (p->nnets);
}

/* peer_trusted - may this peer talk to the milter? */

int
peer_trusted(const struct peer_policy *p, const struct peer *who)
{
    size_t  i;

    if (who->kind == PEER_LOCAL)
	for (i = 0; i < p->nuids; i++)
	    if (p->uids[i] == who->uid)
		return (1);
    if (who->kind == PEER_LISTED)
	return (1);
    return (0);
}

/* port_of - the port of an inet sockaddr, host order */

static unsigned
port_of(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
	return (ntohs(((const struct sockaddr_in *) ss)->sin_port));
    return (ntohs(((const struct sockaddr_in6 *) ss)->sin6_port));
}

/*
 * live - does the kernel still know the peer socket's owner?
 *
 * A socket its process has closed is orphaned (no inode) or a TIME_WAIT
 * stub, and both report uid 0 (EL7's 3.10 kernel for orphans, every
 * kernel for the stubs).  The data it sent before closing is still ours
 * to read, so such a peer must not pass for root: only an established
 * socket with an inode names its owner.
 */

static int
live(unsigned state, unsigned long inode)
{
    return (state == TCP_ESTABLISHED && inode != 0);
}

/* diag_lookup - owner of the socket whose local end is src and remote end dst (sock_diag) */

static int
diag_lookup(int family, const struct netaddr *src, unsigned sport,
	            const struct netaddr *dst, unsigned dport, uid_t *uid, int *err)
{
    struct {
	struct nlmsghdr nlh;
	struct inet_diag_req_v2 req;
    }       msg;
    struct sockaddr_nl nl;
    struct timeval tv = {1, 0};
    union {
	struct nlmsghdr h;
	char    buf[8192];
    }       reply;
    struct nlmsghdr *h;
    ssize_t n;
    int     fd;
    int     found = PEER_NONE;
    size_t  alen = family == AF_INET ? 4 : 16;
    size_t  off = family == AF_INET ? 12 : 0;

    memset(&msg, 0, sizeof(msg));
    msg.nlh.nlmsg_len = sizeof(msg);
    msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    msg.nlh.nlmsg_flags = NLM_F_REQUEST;
    msg.nlh.nlmsg_seq = 1;
    msg.req.sdiag_family = (unsigned char) family;
    msg.req.sdiag_protocol = IPPROTO_TCP;
    msg.req.idiag_states = ~0U;
    msg.req.id.idiag_sport = htons((unsigned short) sport);
    msg.req.id.idiag_dport = htons((unsigned short) dport);
    memcpy(msg.req.id.idiag_src, src->bytes + off, alen);
    memcpy(msg.req.id.idiag_dst, dst->bytes + off, alen);
    msg.req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
    msg.req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
    memset(&nl, 0, sizeof(nl));
    nl.nl_family = AF_NETLINK;

    if ((fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)) < 0) {
	*err = errno;
	return (-1);
    }
    (void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *) &nl, sizeof(nl)) < 0
	|| (n = recv(fd, &reply, sizeof(reply), 0)) < 0) {
	*err = errno;
	close(fd);
	return (-1);
    }
    close(fd);
    for (h = &reply.h; NLMSG_OK(h, (size_t) n); h = NLMSG_NEXT(h, n)) {
	if (h->nlmsg_type == NLMSG_ERROR) {
	    const struct nlmsgerr *e = NLMSG_DATA(h);

	    /* ENOENT: no such connection (or no tcp_diag in the kernel). */
	    *err = -e->error;
	    return (e->error == -ENOENT ? PEER_NONE : -1);
	}
	if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
	    const struct inet_diag_msg *d = NLMSG_DATA(h);

	    if (ntohs(d->id.idiag_sport) == sport && ntohs(d->id.idiag_dport) == dport
		&& memcmp(d->id.idiag_src, src->bytes + off, alen) == 0) {
		*uid = (uid_t) d->idiag_uid;
		found = live(d->idiag_state, d->idiag_inode) ? PEER_FOUND : PEER_CLOSED;
	    }
	}
    }
    return (found);
}

/* hex_addr - /proc/net/tcp's hex address (each 32-bit word as the kernel holds it) */

static int
hex_addr(const char *hex, struct netaddr *a)
{
    size_t  len = strlen(hex);
    size_t  i;
    char    word[9];
    unsigned int v;			/* 32 bits on every Linux ABI */

    if (len != 8 && len != 32)
	return (-1);
    memset(a, 0, sizeof(*a));
    if (len == 8)
	a->bytes[10] = a->bytes[11] = 0xff;
    for (i = 0; i < len / 8; i++) {
	memcpy(word, hex + 8 * i, 8);
	word[8] = 0;
	if (strspn(word, "0123456789abcdefABCDEF") != 8)
	    return (-1);
	v = (unsigned int) strtoul(word, NULL, 16);
	memcpy(a->bytes + (len == 8 ? 12 : 4 * i), &v, 4);
    }
    return (0);
}

/* peer_proc_find - in /proc/net/tcp text, the socket local=src, remote=dst (see peer.h) */

int
peer_proc_find(FILE *fp, const struct netaddr *src, unsigned sport,
	               const struct netaddr *dst, unsigned dport, uid_t *uid)
{
    char    line[512];
    char    lhex[40], rhex[40];
    unsigned lport, rport, state;
    unsigned long owner, inode;
    struct netaddr l, r;

    while (fgets(line, sizeof(line), fp) != NULL) {
	/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode ... */
	if (sscanf(line, " %*[0-9]: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%x %x %*s %*s %*s %lu %*d %lu",
		   lhex, &lport, rhex, &rport, &state, &owner, &inode) != 7)
	    continue;
	if (lport != sport || rport != dport || hex_addr(lhex, &l) < 0 || hex_addr(rhex, &r) < 0)
	    continue;
	if (memcmp(&l, src, sizeof(l)) == 0 && memcmp(&r, dst, sizeof(r)) == 0) {
	    *uid = (uid_t) owner;
	    return (live(state, inode) ? PEER_FOUND : PEER_CLOSED);
	}
    }
    return (PEER_NONE);
}

/* proc_lookup - peer_proc_find over /proc/net/tcp and tcp6; -1 when neither reads */

static int
proc_lookup(const struct netaddr *src, unsigned sport, const struct netaddr *dst,
	            unsigned dport, uid_t *uid, int *err)
{
    static const char *const files[] = {"/proc/net/tcp", "/proc/net/tcp6"};
    size_t  i;
    int     opened = 0;
    int     found = PEER_NONE;
    FILE   *fp;

    for (i = 0; i < 2 && found == PEER_NONE; i++) {
	if ((fp = fopen(files[i], "re")) == NULL) {
	    *err = errno;
	    continue;
	}
	opened = 1;
	found = peer_proc_find(fp, src, sport, dst, dport, uid);
	fclose(fp);
    }
    return (opened || found != PEER_NONE ? found : -1);
}

/* lookup_text - a failed lookup, for who->why */

static const char *
lookup_text(int rc, int err)
{
    if (rc == PEER_CLOSED)
	return ("the peer closed its socket before it could be identified");
    if (rc == PEER_NONE)
	return ("no such connection");
    return (strerror(err));
}

/* local_owner - owner of the peer's end of a TCP connection on this host */

static int
local_owner(struct peer *who, const struct netaddr *self, unsigned self_port)
{
    int     err = 0;
    int     rc;
    int     v4 = netaddr_is_v4(&who->addr) && netaddr_is_v4(self);
    char    diag[120];

    /* An IPv4 client's socket is AF_INET even when the listener is inet6. */
    rc = diag_lookup(v4 ? AF_INET : AF_INET6, &who->addr, who->port, self, self_port,
		     &who->uid, &err);
    if (rc == PEER_NONE && v4)
	rc = diag_lookup(AF_INET6, &who->addr, who->port, self, self_port, &who->uid, &err);
    if (rc == PEER_FOUND)
	return (1);
    snprintf(diag, sizeof(diag), "sock_diag: %s", lookup_text(rc, err));
    /* A closed peer is closed for /proc too: no second look. */
    if (rc != PEER_CLOSED
	&& (rc = proc_lookup(&who->addr, who->port, self, self_port, &who->uid, &err))
	== PEER_FOUND)
	return (1);
    if (rc == PEER_CLOSED)
	snprintf(who->why, sizeof(who->why), "%s", lookup_text(rc, err));
    else
	snprintf(who->why, sizeof(who->why), "%s; /proc/net/tcp: %s", diag, lookup_text(rc, err));
    return (0);
}

/* peer_identify - who is on the other end of accepted socket fd (see peer.h) */

void
peer_identify(const struct peer_policy *p, int fd, struct peer *who)
{
    size_t  i;

    struct sockaddr_storage peer, self;
    socklen_t plen = sizeof(peer), slen = sizeof(self);
    struct netaddr me;
    struct ucred cred;
    socklen_t clen = sizeof(cred);

    memset(who, 0, sizeof(*who));
    who->kind = PEER_UNKNOWN;
    if (getsockname(fd, (struct sockaddr *) &self, &slen) < 0
	|| getpeername(fd, (struct sockaddr *) &peer, &plen) < 0) {
	snprintf(who->why, sizeof(who->why), "getpeername: %s", strerror(errno));
	return;
    }
    who->family = self.ss_family;
    if (self.ss_family == AF_UNIX) {
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
	    snprintf(who->why, sizeof(who->why), "SO_PEERCRED: %s", strerror(errno));
	    return;
	}
	who->kind = PEER_LOCAL;
	who->uid = cred.uid;
	who->pid = cred.pid;
	return;
    }
    if (netaddr_from_sockaddr((struct sockaddr *) &peer, &who->addr) < 0
	|| netaddr_from_sockaddr((struct sockaddr *) &self, &me) < 0) {
	snprintf(who->why, sizeof(who->why), "address family %d", (int) self.ss_family);
	return;
    }
    who->port = port_of(&peer);
    /* A listed network is trusted as a whole: no lookup for it. */
    for (i = 0; i < p->nnets; i++)
	if (cidr_contains(&p->nets[i], &who->addr)) {
	    who->kind = PEER_LISTED;
	    return;
	}
    if (local_owner(who, &me, port_of(&self))) {
	who->kind = PEER_LOCAL;
	return;
    }
    /* Not in this host's socket table: another host, unless it is loopback. */
    if (!netaddr_is_loopback(&who->addr))
	who->kind = PEER_REMOTE;
}

/* peer_probe - can inet peers be identified here at all? 0 yes; -1 and why */

int
peer_probe(char *why, size_t len)
{
    int     fd;
    int     err;
    FILE   *fp;

    if ((fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)) >= 0) {
	close(fd);
	snprintf(why, len, "sock_diag");
	return (0);
    }
    err = errno;
    if ((fp = fopen("/proc/net/tcp", "re")) != NULL) {
	fclose(fp);
	snprintf(why, len, "/proc/net/tcp (sock_diag: %s)", strerror(err));
	return (0);
    }
    snprintf(why, len, "sock_diag: %s; /proc/net/tcp: %s", strerror(err), strerror(errno));
    return (-1);
}

/* peer_format - "uid 65534 (nobody)" or "192.0.2.7" for the log */

void
peer_format(const struct peer *who, char *buf, size_t len)
{
    char    addr[64];
    struct passwd pwbuf, *pw = NULL;
    char    pwtext[1024];

    if (who->family != AF_UNIX)
	netaddr_format(&who->addr, addr, sizeof(addr));
    if (who->kind == PEER_LOCAL) {
	(void) getpwuid_r(who->uid, &pwbuf, pwtext, sizeof(pwtext), &pw);
	if (who->family == AF_UNIX)
	    snprintf(buf, len, "uid %ld (%s) on the unix socket", (long) who->uid,
		     pw ? pw->pw_name : "no such user");
	else
	    snprintf(buf, len, "uid %ld (%s) at %s port %u", (long) who->uid,
		     pw ? pw->pw_name : "no such user", addr, who->port);
    } else if (who->kind == PEER_REMOTE || who->kind == PEER_LISTED) {
	snprintf(buf, len, "host %s port %u", addr, who->port);
    } else if (who->family == AF_UNIX) {
	snprintf(buf, len, "an unidentified peer on the unix socket");
    } else {
	snprintf(buf, len, "%s port %u, owner unknown", addr, who->port);
    }
}
