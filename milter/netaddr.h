#ifndef EFM_NETADDR_H
#define EFM_NETADDR_H

/*
 * netaddr.h - IPv4/IPv6 addresses and CIDR blocks in one address space
 */

#include <stddef.h>

struct sockaddr;

/* Every address is kept as 16 bytes; IPv4 as ::ffff:a.b.c.d (RFC 4291 2.5.5.2). */
struct netaddr {
    unsigned char bytes[16];
};

struct cidr {
    struct netaddr net;
    unsigned prefix;			/* 0..128, in the 16-byte space */
};

int	netaddr_parse(const char *text, struct netaddr *addr);
int	netaddr_from_sockaddr(const struct sockaddr *sa, struct netaddr *addr);
void	netaddr_format(const struct netaddr *addr, char *buf, size_t len);
int	netaddr_is_v4(const struct netaddr *addr);
int	netaddr_is_loopback(const struct netaddr *addr);
int	cidr_parse(const char *text, struct cidr *block, char *err, size_t errlen);
int	cidr_contains(const struct cidr *block, const struct netaddr *addr);
void	cidr_format(const struct cidr *block, char *buf, size_t len);

#endif
