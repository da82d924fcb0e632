#ifndef EFM_ADMIT_H
#define EFM_ADMIT_H

/*
 * admit.h - what happens to each connection libmilter accepts
 */

void	admit_init(void);
int	admit_libmilter_pool(void);

#endif
