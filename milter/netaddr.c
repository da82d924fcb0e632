/*
 * NAME
 *	netaddr - client addresses and CIDR blocks, IPv4 and IPv6 alike
 * SYNOPSIS
 *	#include "netaddr.h"
 *
 *	cidr_parse("192.168.0.0/16", &block, err, sizeof(err));
 *	netaddr_from_sockaddr(hostaddr, &addr);
 *	if (cidr_contains(&block, &addr)) ...
 * DESCRIPTION
 *	IPv4 addresses are stored as IPv4-mapped IPv6 addresses, and an IPv4
 *	prefix /n as /(96+n).  So "192.168.0.0/16" also contains a client that
 *	a dual-stack listener reports as ::ffff:192.168.1.2, and one compare
 *	routine serves both families.
 *
 *	A block is written ADDRESS or ADDRESS/PREFIX; an address without a
 *	prefix is a single host.  As in Postfix cidr: tables, a block whose
 *	host bits are not zero is an error (a typo such as 192.168.1.1/16
 *	would otherwise silently mean something else).
 * DIAGNOSTICS
 *	cidr_parse() returns -1 with a message in err.  netaddr_parse() and
 *	netaddr_from_sockaddr() return -1 for anything that is not an IPv4 or
 *	IPv6 address.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netaddr.h"

static const unsigned char v4mapped_prefix[12] =
{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* set_v4 - store an IPv4 address in mapped form */

static void
set_v4(struct netaddr *addr, const void *in4)
{
    memcpy(addr->bytes, v4mapped_prefix, 12);
    memcpy(addr->bytes + 12, in4, 4);
}

/* netaddr_parse - parse a numeric IPv4 or IPv6 address; 1 for IPv4, 0 for IPv6, -1 bad */

int
netaddr_parse(const char *text, struct netaddr *addr)
{
    struct in_addr in4;

    if (inet_pton(AF_INET, text, &in4) == 1) {
	set_v4(addr, &in4);
	return (1);
    }
    if (inet_pton(AF_INET6, text, addr->bytes) == 1)
	return (0);
    return (-1);
}

/* netaddr_from_sockaddr - convert the MTA's client address; -1 if not IP */

int
netaddr_from_sockaddr(const struct sockaddr *sa, struct netaddr *addr)
{
    if (sa == NULL)
	return (-1);
    switch (sa->sa_family) {
    case AF_INET:
	set_v4(addr, &((const struct sockaddr_in *) sa)->sin_addr);
	return (0);
    case AF_INET6:
	memcpy(addr->bytes, &((const struct sockaddr_in6 *) sa)->sin6_addr, 16);
	return (0);
    default:
	return (-1);
    }
}

/* netaddr_is_v4 - an IPv4 address (held IPv4-mapped)? */

int
netaddr_is_v4(const struct netaddr *addr)
{
    return (memcmp(addr->bytes, v4mapped_prefix, 12) == 0);
}

/* netaddr_is_loopback - 127.0.0.0/8 or ::1 */

int
netaddr_is_loopback(const struct netaddr *addr)
{
    static const unsigned char one[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

    if (netaddr_is_v4(addr))
	return (addr->bytes[12] == 127);
    return (memcmp(addr->bytes, one, 16) == 0);
}

/* netaddr_format - text form; IPv4-mapped addresses print as plain IPv4 */

void
netaddr_format(const struct netaddr *addr, char *buf, size_t len)
{
    if (memcmp(addr->bytes, v4mapped_prefix, 12) == 0) {
	if (inet_ntop(AF_INET, addr->bytes + 12, buf, len) != NULL)
	    return;
    } else if (inet_ntop(AF_INET6, addr->bytes, buf, len) != NULL) {
	return;
    }
    snprintf(buf, len, "?");
}

/* cidr_parse - parse ADDRESS[/PREFIX]; -1 with a message on error */

int
cidr_parse(const char *text, struct cidr *block, char *err, size_t errlen)
{
    char    host[INET6_ADDRSTRLEN + 1];
    const char *slash = strchr(text, '/');
    size_t  hostlen = slash ? (size_t) (slash - text) : strlen(text);
    unsigned long prefix;
    unsigned maxprefix;
    char   *end;
    int     is_v4;
    unsigned i;

    if (hostlen == 0 || hostlen >= sizeof(host)) {
	snprintf(err, errlen, "bad CIDR \"%s\": expected ADDRESS or ADDRESS/PREFIX", text);
	return (-1);
    }
    memcpy(host, text, hostlen);
    host[hostlen] = 0;
    if ((is_v4 = netaddr_parse(host, &block->net)) < 0) {
	snprintf(err, errlen, "bad CIDR \"%s\": \"%s\" is not an IPv4 or IPv6 address",
		 text, host);
	return (-1);
    }
    maxprefix = is_v4 ? 32 : 128;
    if (slash == NULL) {
	prefix = maxprefix;
    } else {
	if (slash[1] < '0' || slash[1] > '9'
	    || (prefix = strtoul(slash + 1, &end, 10), *end != 0)
	    || prefix > maxprefix) {
	    snprintf(err, errlen, "bad CIDR \"%s\": prefix length must be 0..%u",
		     text, maxprefix);
	    return (-1);
	}
    }
    block->prefix = (unsigned) prefix + (is_v4 ? 96 : 0);
    /* Host bits must be zero. */
    for (i = block->prefix; i < 128; i++) {
	if (block->net.bytes[i / 8] & (0x80 >> (i % 8))) {
	    snprintf(err, errlen, "bad CIDR \"%s\": address has bits set beyond "
		     "the /%lu prefix", text, prefix);
	    return (-1);
	}
    }
    return (0);
}

/* cidr_contains - is addr inside block? */

int
cidr_contains(const struct cidr *block, const struct netaddr *addr)
{
    unsigned whole = block->prefix / 8;
    unsigned rest = block->prefix % 8;
    unsigned char mask;

    if (memcmp(block->net.bytes, addr->bytes, whole) != 0)
	return (0);
    if (rest == 0)
	return (1);
    mask = (unsigned char) (0xff << (8 - rest));
    return ((block->net.bytes[whole] & mask) == (addr->bytes[whole] & mask));
}

/* cidr_format - ADDRESS/PREFIX, IPv4 blocks in IPv4 notation */

void
cidr_format(const struct cidr *block, char *buf, size_t len)
{
    char    addr[64];
    int     v4 = memcmp(block->net.bytes, v4mapped_prefix, 12) == 0 && block->prefix >= 96;

    netaddr_format(&block->net, addr, sizeof(addr));
    snprintf(buf, len, "%s/%u", addr, v4 ? block->prefix - 96 : block->prefix);
}
