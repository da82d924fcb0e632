#ifndef EFM_ADMIT_H
#define EFM_ADMIT_H

/*
 * admit.h - what happens to each connection libmilter accepts
 */

struct peer_policy;

void	admit_init(void);
void	admit_set_peers(struct peer_policy *);
void	admit_stop(void);
int	admit_libmilter_pool(void);

#endif
