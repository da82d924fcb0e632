#ifndef EFM_SOCKSPEC_H
#define EFM_SOCKSPEC_H

/*
 * sockspec.h - the milter's listening socket, parsed once
 */

#include <stddef.h>

struct addrinfo;

/* Longest spec kept; a unix path is limited further, to 99 bytes. */
#define SOCKSPEC_MAX	1024

enum sockspec_kind { SOCKSPEC_NONE = 0, SOCKSPEC_UNIX, SOCKSPEC_INET, SOCKSPEC_INET6 };

struct sockspec {
    enum sockspec_kind kind;
    int     family;			/* AF_UNIX, AF_INET or AF_INET6 */
    char    text[SOCKSPEC_MAX];		/* as written: libmilter syntax */
    char    path[100];			/* unix: the absolute path, < 100 bytes */
    char    port[SOCKSPEC_MAX];		/* inet: PORT as written */
    unsigned long port_num;		/* inet: 1..65535 */
    char    host[SOCKSPEC_MAX];		/* inet: after '@' as written; "" = none */
    char    addr[SOCKSPEC_MAX];		/* inet: host without [brackets] */
};

int	sockspec_parse(struct sockspec *, const char *text, char *err, size_t errlen);
int	sockspec_is_unix(const struct sockspec *);
int	sockspec_is_loopback(const struct sockspec *);
const char *sockspec_connect_host(const struct sockspec *);
int	sockspec_resolve(const struct sockspec *, int to_connect, struct addrinfo **);
int	sockspec_unlink(const struct sockspec *);

#endif
