#ifndef EFM_SIGNALS_H
#define EFM_SIGNALS_H

/*
 * signals.h - one thread takes every signal: reload, counters, stop
 */

struct sockspec;

void	signals_block(void);
int	signals_start(const struct sockspec *, void (*reload) (void));
void	signals_main_returned(void);

#endif
