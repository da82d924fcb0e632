#ifndef EFM_PEER_H
#define EFM_PEER_H

/*
 * peer.h - who is at the other end of a milter connection, and is it trusted
 */

#include <stdio.h>
#include <sys/types.h>

#include "netaddr.h"

struct peer_policy;

enum peer_kind {
    PEER_UNKNOWN,			/* could not be identified: never trusted */
    PEER_LOCAL,				/* a process of this host: uid is known */
    PEER_REMOTE,			/* another host, not in peer_networks */
    PEER_LISTED				/* an address in peer_networks */
};

struct peer {
    enum peer_kind kind;
    int     family;			/* of the listening socket: AF_UNIX, AF_INET... */
    uid_t   uid;			/* PEER_LOCAL */
    pid_t   pid;			/* unix sockets only; 0 otherwise */
    struct netaddr addr;		/* inet sockets */
    unsigned port;
    char    why[160];			/* PEER_UNKNOWN, or a failed lookup */
};

struct peer_policy *peer_policy_new(const char *const *users, size_t nusers, int users_given,
				            const struct cidr *nets, size_t nnets, uid_t self,
			                    char *err, size_t errlen, char *warn, size_t warnlen);
void	peer_policy_free(struct peer_policy *);
const char *peer_policy_describe(const struct peer_policy *);
size_t	peer_policy_nets(const struct peer_policy *);
void	peer_identify(const struct peer_policy *, int fd, struct peer *);
int	peer_trusted(const struct peer_policy *, const struct peer *);
/* peer_proc_find results: the socket is not there, is there and owned, or closed. */
#define PEER_NONE	0
#define PEER_FOUND	1
#define PEER_CLOSED	2
int	peer_proc_find(FILE *, const struct netaddr *src, unsigned sport,
		               const struct netaddr *dst, unsigned dport, uid_t *uid);
int	peer_probe(char *why, size_t len);
void	peer_format(const struct peer *, char *buf, size_t len);

#endif
