#ifndef EFM_CALLBACKS_H
#define EFM_CALLBACKS_H

/*
 * callbacks.h - the libmilter callbacks: per-connection state and actions
 */

int	callbacks_register(void);
void	callbacks_set_tcp(unsigned port, long timeout);

#endif
