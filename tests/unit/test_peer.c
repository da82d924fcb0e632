/*
 * NAME
 *	test_peer - who may talk to the milter: the policy, /proc/net/tcp, real sockets
 * DESCRIPTION
 *	The /proc/net/tcp rows are written as the kernel prints them (each
 *	32-bit word of an address in host order, little-endian here).  A
 *	closed peer's socket is a TIME_WAIT or FIN_WAIT2 stub, or an orphan,
 *	with uid 0 and inode 0: it must never pass for root.  The socket
 *	cases use real loopback connections and a socketpair.
 */

#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "netaddr.h"
#include "peer.h"
#include "tap.h"

#define HEADER "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when " \
    "retrnsmt   uid  timeout inode\n"

/* Peer 127.0.0.1:40000 -> milter 127.0.0.1:8894 (0x22BE), in several states. */
static const char proc_v4[] = HEADER
"   0: 0100007F:22BE 00000000:0000 0A 00000000:00000000 00:00000000 00000000   998        0 1111 1 0\n"
"   1: 0100007F:9C40 0100007F:22BF 01 00000000:00000000 00:00000000 00000000    77        0 2222 1 0\n"
"   2: 0100007F:9C40 0100007F:22BE 01 00000000:00000000 00:00000000 00000000 65534        0 3333 1 0\n"
"   3: 0100007F:9C41 0100007F:22BE 06 00000000:00000000 03:00001770 00000000     0        0 0 3\n"
"   4: 0100007F:9C42 0100007F:22BE 05 00000000:00000000 00:00000000 00000000     0        0 0 2\n"
"   5: 0100007F:9C43 0100007F:22BE 01 00000000:00000000 00:00000000 00000000     0        0 0 2\n"
"   6: 0200007F:9C40 0100007F:22BE 01 00000000:00000000 00:00000000 00000000   500        0 4444 1 0\n"
"garbage line\n";

/* ::1 and ::ffff:127.0.0.1 peers in tcp6. */
static const char proc_v6[] = HEADER
"   0: 00000000000000000000000001000000:9C40 00000000000000000000000001000000:22BE 01 "
"00000000:00000000 00:00000000 00000000   102        0 5555 1 0\n"
"   1: 0000000000000000FFFF00000100007F:9C44 0000000000000000FFFF00000100007F:22BE 01 "
"00000000:00000000 00:00000000 00000000   103        0 6666 1 0\n";

static const struct {
    const char *table;
    const char *src;
    unsigned sport;
    const char *dst;
    int     want;
    long    uid;
    const char *what;
} proc_cases[] = {
    {proc_v4, "127.0.0.1", 40000, "127.0.0.1", PEER_FOUND, 65534, "established peer: its owner"},
    {proc_v4, "127.0.0.1", 40001, "127.0.0.1", PEER_CLOSED, -1, "TIME_WAIT stub, uid 0: closed"},
    {proc_v4, "127.0.0.1", 40002, "127.0.0.1", PEER_CLOSED, -1, "FIN_WAIT2 stub, uid 0: closed"},
    {proc_v4, "127.0.0.1", 40003, "127.0.0.1", PEER_CLOSED, -1, "established orphan (inode 0)"},
    {proc_v4, "127.0.0.2", 40000, "127.0.0.1", PEER_FOUND, 500, "another loopback address"},
    {proc_v4, "127.0.0.1", 40009, "127.0.0.1", PEER_NONE, -1, "no such port"},
    {proc_v4, "127.0.0.1", 40000, "127.0.0.3", PEER_NONE, -1, "other destination address"},
    {proc_v6, "::1", 40000, "::1", PEER_FOUND, 102, "IPv6 loopback"},
    {proc_v6, "127.0.0.1", 40004, "127.0.0.1", PEER_FOUND, 103, "IPv4-mapped in tcp6"},
    {proc_v6, "::1", 40000, "::2", PEER_NONE, -1, "IPv6 other destination"},
};

/* addr - parse a test address */

static struct netaddr
addr(const char *text)
{
    struct netaddr a;

    memset(&a, 0, sizeof(a));
    if (netaddr_parse(text, &a) < 0)
	fprintf(stderr, "test_peer: bad address %s\n", text);
    return (a);
}

/* test_proc - the /proc/net/tcp reader */

static void
test_proc(void)
{
    size_t  i;

    for (i = 0; i < sizeof(proc_cases) / sizeof(proc_cases[0]); i++) {
	struct netaddr s = addr(proc_cases[i].src), d = addr(proc_cases[i].dst);
	uid_t   uid = (uid_t) - 1;
	FILE   *fp = fmemopen((void *) proc_cases[i].table, strlen(proc_cases[i].table), "r");
	int     rc = peer_proc_find(fp, &s, proc_cases[i].sport, &d, 8894, &uid);

	fclose(fp);
	is_long(rc, proc_cases[i].want, "proc: %s", proc_cases[i].what);
	if (proc_cases[i].want == PEER_FOUND)
	    is_long((long) uid, proc_cases[i].uid, "proc: %s: uid", proc_cases[i].what);
    }
}

/* test_policy - building the policy, and whom it trusts */

static void
test_policy(void)
{
    static const char *const root[] = {"root"};
    static const char *const nouser[] = {"no-such-user-efm"};
    struct peer_policy *p;
    struct peer who;
    struct cidr net;
    char    err[256], warn[256];

    p = peer_policy_new(nouser, 1, 1, NULL, 0, 4321, err, sizeof(err), warn, sizeof(warn));
    ok(p == NULL, "policy: a peer_users entry that does not exist is an error");
    is_str(err, "peer_users: no user \"no-such-user-efm\" on this system", "policy: its message");

    p = peer_policy_new(nouser, 1, 0, NULL, 0, 4321, err, sizeof(err), warn, sizeof(warn));
    ok(p != NULL, "policy: the default user missing is not an error");
    is_str(warn, "peer_users: no user \"no-such-user-efm\" on this system (the default): "
	   "only root and the daemon's own user may connect", "policy: but a warning");
    is_str(p ? peer_policy_describe(p) : "", "root, uid 4321 (the daemon's own)",
	   "policy: root and the daemon's own user");
    memset(&who, 0, sizeof(who));
    who.kind = PEER_LOCAL;
    who.uid = 4321;
    ok(p && peer_trusted(p, &who), "policy: the daemon's own user is trusted");
    who.uid = 0;
    ok(p && peer_trusted(p, &who), "policy: root is trusted");
    who.uid = 65534;
    ok(p && !peer_trusted(p, &who), "policy: another user is not");
    who.kind = PEER_UNKNOWN;
    who.uid = 0;
    ok(p && !peer_trusted(p, &who), "policy: an unidentified peer is not, whatever its uid");
    who.kind = PEER_REMOTE;
    ok(p && !peer_trusted(p, &who), "policy: another host is not");
    peer_policy_free(p);

    p = peer_policy_new(root, 1, 1, NULL, 0, 4321, err, sizeof(err), warn, sizeof(warn));
    is_str(p ? peer_policy_describe(p) : err, "root (uid 0), root, uid 4321 (the daemon's own)",
	   "policy: named users come first in the description");
    peer_policy_free(p);

    if (cidr_parse("192.0.2.0/24", &net, err, sizeof(err)) < 0)
	fprintf(stderr, "test_peer: %s\n", err);
    p = peer_policy_new(NULL, 0, 1, &net, 1, 4321, err, sizeof(err), warn, sizeof(warn));
    ok(p && peer_policy_nets(p) == 1, "policy: peer_networks kept");
    who.kind = PEER_LISTED;
    ok(p && peer_trusted(p, &who), "policy: a host in peer_networks is trusted");
    peer_policy_free(p);
}

/* tcp_pair - a loopback TCP connection: *srv the accepted end, *cli the other */

static int
tcp_pair(int family, int *srv, int *cli)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int     lfd;

    memset(&ss, 0, sizeof(ss));
    ss.ss_family = (sa_family_t) family;
    if (family == AF_INET)
	((struct sockaddr_in *) &ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    else
	((struct sockaddr_in6 *) &ss)->sin6_addr = in6addr_loopback;
    if ((lfd = socket(family, SOCK_STREAM, 0)) < 0
	|| bind(lfd, (struct sockaddr *) &ss, family == AF_INET ? sizeof(struct sockaddr_in)
		: sizeof(struct sockaddr_in6)) < 0
	|| listen(lfd, 4) < 0 || getsockname(lfd, (struct sockaddr *) &ss, &len) < 0
	|| (*cli = socket(family, SOCK_STREAM, 0)) < 0
	|| connect(*cli, (struct sockaddr *) &ss, len) < 0) {
	if (lfd >= 0)
	    close(lfd);
	return (-1);
    }
    *srv = accept(lfd, NULL, NULL);
    close(lfd);
    return (*srv < 0 ? -1 : 0);
}

/* test_sockets - identify real peers: unix, TCP over IPv4 and IPv6, a closed peer */

static void
test_sockets(void)
{
    static const char *const none[] = {"no-such-user-efm"};
    struct peer_policy *p;
    struct peer who;
    struct pollfd pfd;
    char    err[256], text[256];
    int     sv[2];
    int     srv, cli;

    p = peer_policy_new(none, 1, 0, NULL, 0, 4321, err, sizeof(err), NULL, 0);
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
	peer_identify(p, sv[0], &who);
	ok(who.kind == PEER_LOCAL && who.uid == geteuid() && who.pid == getpid(),
	   "unix socket: SO_PEERCRED names this process");
	close(sv[0]);
	close(sv[1]);
    } else
	ok(0, "socketpair failed");

    if (tcp_pair(AF_INET, &srv, &cli) == 0) {
	peer_identify(p, srv, &who);
	ok(who.kind == PEER_LOCAL && who.uid == geteuid(),
	   "TCP over 127.0.0.1: the owner of the peer's socket (%s)", who.why);
	peer_format(&who, text, sizeof(text));
	ok(strncmp(text, "uid ", 4) == 0 && strstr(text, " at 127.0.0.1 port ") != NULL,
	   "TCP: formatted as '%s'", text);

	/* The peer closes: its socket becomes a stub with uid 0. */
	close(cli);
	pfd.fd = srv;
	pfd.events = POLLIN;
	(void) poll(&pfd, 1, 2000);
	usleep(20000);
	peer_identify(p, srv, &who);
	ok(who.kind == PEER_UNKNOWN && !peer_trusted(p, &who),
	   "TCP: a peer that closed before it was identified is not trusted (%s)", who.why);
	ok(strstr(who.why, "closed its socket") != NULL, "TCP: and why says so");
	close(srv);
    } else
	ok(0, "IPv4 loopback connection failed");

    if (tcp_pair(AF_INET6, &srv, &cli) == 0) {
	peer_identify(p, srv, &who);
	ok(who.kind == PEER_LOCAL && who.uid == geteuid(),
	   "TCP over ::1: the owner of the peer's socket (%s)", who.why);
	close(srv);
	close(cli);
    } else
	ok(1, "# SKIP no IPv6 loopback here");
    peer_policy_free(p);

    ok(peer_probe(text, sizeof(text)) == 0, "probe: TCP peers can be identified (%s)", text);
}

int
main(void)
{
    test_proc();
    test_policy();
    test_sockets();
    return (tap_done());
}
