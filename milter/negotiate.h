#ifndef EFM_NEGOTIATE_H
#define EFM_NEGOTIATE_H

/*
 * negotiate.h - what to ask of the MTA for a connection, from its rules
 */

/* The macro classes we may set a list for: SMFIM_CONNECT .. SMFIM_EOM. */
#define NEGOTIATE_CLASSES	6

/* How the MTA reaches us (negotiate.c, TCP). */
#define NEGOTIATE_UNIX		0	/* a unix socket: no Nagle */
#define NEGOTIATE_TCP		1	/* TCP, and we cannot ACK at will */
#define NEGOTIATE_TCP_ACK	2	/* TCP, and callbacks ACK at once (ack.c) */

struct negotiation {
    unsigned long actions;		/* SMFIF_* to request */
    unsigned long steps;		/* SMFIP_* to request, of those offered */
    unsigned long noreply;		/* the SMFIP_NR_* among them */
    int     want_headers;		/* the header step is requested */
    int     header_changes_missing;	/* the rules change headers; the MTA cannot */
    char    macros[NEGOTIATE_CLASSES][160];	/* per SMFIM_* class; "" for none */
};

void	negotiate_plan(struct negotiation *, unsigned needs, unsigned conds,
		               int transport, int debug, unsigned long offered_actions,
		               unsigned long offered_steps);

#endif
