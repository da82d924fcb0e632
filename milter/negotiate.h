#ifndef EFM_NEGOTIATE_H
#define EFM_NEGOTIATE_H

/*
 * negotiate.h - what to ask of the MTA for a connection, from its rules
 */

/* The macro classes we may set a list for: SMFIM_CONNECT .. SMFIM_EOM. */
#define NEGOTIATE_CLASSES	6

struct negotiation {
    unsigned long actions;		/* SMFIF_* to request */
    unsigned long steps;		/* SMFIP_* to request, of those offered */
    int     want_headers;		/* the header step is requested */
    int     header_changes_missing;	/* the rules change headers; the MTA cannot */
    char    macros[NEGOTIATE_CLASSES][160];	/* per SMFIM_* class; "" for none */
};

void	negotiate_plan(struct negotiation *, unsigned needs, unsigned conds,
		               int over_tcp, int debug, unsigned long offered_actions,
		               unsigned long offered_steps);

#endif
