/*
 * NAME
 *	refmilter - the libmilter floor: envfrom-milter's registration, no work
 * SYNOPSIS
 *	refmilter -s SOCKET [-a ACTIONS] [-p STEPS] [-e NEW_SENDER]
 * DESCRIPTION
 *	The reference the benchmark compares envfrom-milter with.  It
 *	registers the same action flags and the same callbacks as
 *	envfrom-milter (milter/callbacks.c), answers the option negotiation
 *	with ACTIONS and STEPS (hex, as printed by milter-load -N against
 *	envfrom-milter, so both hold the same conversation with the MTA),
 *	continues at every stage, and at end of message asks for the sender
 *	change NEW_SENDER when -e is given: the same bytes on the wire as
 *	envfrom-milter rewriting a message, without parsing, rules, state or
 *	logging.  What remains is libmilter itself, the kernel and the
 *	socket; the difference to envfrom-milter is the cost of our code.
 *
 *	It is linked with milter/admit.c and peer.c, like the daemon, so
 *	that on inet: sockets both answer without Nagle's delay and both
 *	check each peer (the default peer_users: postfix, root, itself).
 *
 *	libmilter stops it on SIGTERM, SIGINT or SIGHUP.
 * DIAGNOSTICS
 *	Exit 0 after a clean stop, 1 when the socket cannot be opened, 64 on
 *	usage errors.
 */

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "admit.h"
#include "peer.h"

static unsigned long want_actions = SMFIF_CHGFROM;
static unsigned long want_steps = SMFIP_NORCPT | SMFIP_NOBODY
    | SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOUNKNOWN;
static char *new_sender;

/* ref_negotiate - ask for what envfrom-milter asks for */

static sfsistat
ref_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
	              unsigned long f2, unsigned long f3, unsigned long *pf0,
	              unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
    (void) ctx;
    (void) f2;
    (void) f3;
    *pf0 = want_actions & f0;
    *pf1 = want_steps & f1;
    *pf2 = 0;
    *pf3 = 0;
    return (SMFIS_CONTINUE);
}

/* ref_connect - continue */

static sfsistat
ref_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
    (void) ctx;
    (void) hostname;
    (void) hostaddr;
    return (SMFIS_CONTINUE);
}

/* ref_args - continue (MAIL FROM and RCPT TO) */

static sfsistat
ref_args(SMFICTX *ctx, char **argv)
{
    (void) ctx;
    (void) argv;
    return (SMFIS_CONTINUE);
}

/* ref_header - continue */

static sfsistat
ref_header(SMFICTX *ctx, char *name, char *value)
{
    (void) ctx;
    (void) name;
    (void) value;
    return (SMFIS_CONTINUE);
}

/* ref_eom - the fixed sender change, if any */

static sfsistat
ref_eom(SMFICTX *ctx)
{
    if (new_sender != NULL && smfi_chgfrom(ctx, new_sender, NULL) != MI_SUCCESS)
	return (SMFIS_TEMPFAIL);
    return (SMFIS_CONTINUE);
}

/* ref_nothing - continue (abort, close) */

static sfsistat
ref_nothing(SMFICTX *ctx)
{
    (void) ctx;
    return (SMFIS_CONTINUE);
}

static struct smfiDesc desc = {
    "refmilter",			/* filter name */
    SMFI_VERSION,			/* version code */
    SMFIF_CHGFROM | SMFIF_CHGHDRS | SMFIF_ADDHDRS,	/* as envfrom-milter */
    ref_connect,			/* connection info filter */
    NULL,				/* SMTP HELO command filter */
    ref_args,				/* envelope sender filter */
    ref_args,				/* envelope recipient filter */
    ref_header,				/* header filter */
    NULL,				/* end of header */
    NULL,				/* body block filter */
    ref_eom,				/* end of message */
    ref_nothing,			/* message aborted */
    ref_nothing,			/* connection cleanup */
    NULL,				/* unknown SMTP commands */
    NULL,				/* DATA command */
    ref_negotiate			/* option negotiation */
};

/* main - register and serve until stopped */

int
main(int argc, char **argv)
{
    char   *sock = NULL;
    int     ch;

    while ((ch = getopt(argc, argv, "a:e:p:s:")) != -1) {
	switch (ch) {
	case 'a':
	    want_actions = strtoul(optarg, NULL, 16);
	    break;
	case 'e':
	    new_sender = optarg;
	    break;
	case 'p':
	    want_steps = strtoul(optarg, NULL, 16);
	    break;
	case 's':
	    sock = optarg;
	    break;
	default:
	    sock = NULL;
	    optind = argc + 1;
	    break;
	}
    }
    if (sock == NULL || optind != argc) {
	fprintf(stderr, "usage: refmilter -s SOCKET [-a ACTIONS] [-p STEPS] [-e NEW_SENDER]\n");
	return (64);
    }
    {
	static const char *const users[] = {"postfix"};
	char    err[256];
	struct peer_policy *p = peer_policy_new(users, 1, 0, NULL, 0, geteuid(),
						err, sizeof(err), NULL, 0);

	if (p == NULL) {
	    fprintf(stderr, "refmilter: %s\n", err);
	    return (1);
	}
	admit_set_peers(p);
    }
    if (smfi_setconn(sock) != MI_SUCCESS || smfi_register(desc) != MI_SUCCESS
	|| smfi_opensocket(1) != MI_SUCCESS) {
	fprintf(stderr, "refmilter: cannot listen on %s\n", sock);
	return (1);
    }
    return (smfi_main() == MI_SUCCESS ? 0 : 1);
}
