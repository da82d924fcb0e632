#ifndef EFM_ACK_H
#define EFM_ACK_H

/*
 * ack.h - ACK the MTA's TCP writes at once
 */

#include <libmilter/mfapi.h>

int	ack_socket(SMFICTX *, unsigned port, long timeout);
void	ack_now(int);

#endif
