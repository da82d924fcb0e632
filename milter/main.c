/*
 * NAME
 *	envfrom-milter - rewrite the envelope sender by ordered PCRE2 rules
 * SYNOPSIS
 *	envfrom-milter [-f] [-c FILE] [-s SOCKET] [-u USER]
 *	envfrom-milter -n [-c FILE]
 *	envfrom-milter -t SENDER [-r RCPT[,TRANSPORT[,NEXTHOP]]]... [-a LOGIN]
 *		[-i CLIENT_IP] [-l LISTENER] [-L] [-H FROM] [-v] [-c FILE]
 *	envfrom-milter -I TABLE
 *	envfrom-milter -P [-C POSTFIX_DIR] [-S STUNNEL_CONF] [-c FILE]
 *	envfrom-milter -V | -h
 * DESCRIPTION
 *	The command line: it picks the mode and hands over to the module
 *	that runs it: the daemon (daemon.c), -t (dryrun.c), -n (config.c),
 *	-I (import.c), -P (pfrun.c), -V and -h here.
 *
 *	Signals, while the daemon runs (signals.c): SIGUSR1 reloads the
 *	config, SIGUSR2 logs the per-rule counters, SIGTERM, SIGINT and
 *	SIGHUP stop it at once.
 * DIAGNOSTICS
 *	Exit status: sysexits(3) codes and the modes' own 0, 1 and 2, as
 *	listed in exits.c (which -h prints and envfrom-milter(8) documents).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <confuse.h>
#include <libmilter/mfapi.h>

#include "config.h"
#include "daemon.h"
#include "dryrun.h"
#include "exits.h"
#include "import.h"
#include "log.h"
#include "pattern.h"
#include "pfrun.h"

#ifndef VERSION
#define VERSION "unknown"
#endif

static const char *config_path = CONFIG_DEFAULT_PATH;

/* usage - the -h text; status 0 prints to stdout */

static void
usage(int status)
{
    FILE   *fp = status ? stderr : stdout;

    fprintf(fp,
	    "usage: envfrom-milter [-f] [-c FILE] [-s SOCKET] [-u USER]\n"
	    "       envfrom-milter -n [-c FILE]\n"
	    "       envfrom-milter -t SENDER [-r RCPT[,TRANSPORT[,NEXTHOP]]]... [-a LOGIN]\n"
	    "                      [-i CLIENT_IP] [-e HELO] [-l LISTENER] [-L] [-H FROM] [-v]\n"
	    "                      [-c FILE]\n"
	    "       envfrom-milter -I TABLE\n"
	    "       envfrom-milter -P [-C POSTFIX_DIR] [-S STUNNEL_CONF] [-c FILE]\n"
	    "       envfrom-milter -V | -h\n"
	    "\n"
	    "Rewrites the envelope sender (MAIL FROM) of mail passing through Postfix,\n"
	    "by the first matching rule of the config file.\n"
	    "\n"
	    "  -c FILE    config file (default " CONFIG_DEFAULT_PATH ")\n"
	    "  -f         stay in the foreground and log to stderr (default: daemon, syslog)\n"
	    "  -s SOCKET  listen here instead of the config's socket: unix:/PATH,\n"
	    "             inet:PORT@ADDRESS or inet6:PORT@ADDRESS\n"
	    "  -u USER    run as USER instead of the config's user (when started as root)\n"
	    "  -n         check the config: print \"configuration OK\" or every error\n"
	    "  -t SENDER  dry run: print the sender the rules make of SENDER (<> for the\n"
	    "             null sender), the deciding rule and why its conditions held\n"
	    "  -r RCPT[,TRANSPORT[,NEXTHOP]]  with -t: a recipient, optionally with its\n"
	    "             Postfix transport ({rcpt_mailer}) and next hop ({rcpt_host})\n"
	    "  -a LOGIN   with -t: the SASL login ({auth_authen})\n"
	    "  -i IP      with -t: the client address\n"
	    "  -e NAME    with -t: the name the client gave in HELO/EHLO\n"
	    "  -l NAME    with -t: the listener ({daemon_name})\n"
	    "  -L         with -t: the mail was submitted locally (sendmail(1))\n"
	    "  -H FROM    with -t: the From: header value\n"
	    "  -v         with -t: also show why each earlier rule did not hold\n"
	    "  -I TABLE   print rules equivalent to a Postfix regexp:/pcre:\n"
	    "             sender_canonical_maps table\n"
	    "  -P         check the live Postfix settings against the config: every\n"
	    "             problem on the path to OCN, with the line to change\n"
	    "  -C DIR     with -P: Postfix's config directory (default: postconf's)\n"
	    "  -S FILE    with -P: the stunnel config (default /etc/stunnel/ocn.conf)\n"
	    "  -V         print the version and the library versions in use\n"
	    "  -h         print this help\n"
	    "\n"
	    "Signals: SIGUSR1 reloads the config, SIGUSR2 logs per-rule counters,\n"
	    "SIGTERM/SIGINT/SIGHUP stop the daemon.\n");
    exits_print(fp, 79);
    exit(status);
}

/* load - load the config, printing every message; NULL after errors */

static struct config *
load(const char *path)
{
    struct config_msgs msgs;
    struct config *cf;

    memset(&msgs, 0, sizeof(msgs));
    cf = config_load(path, &msgs);
    config_msgs_print(&msgs, stderr);
    config_msgs_free(&msgs);
    return (cf);
}

/* print_version - -V */

static int
print_version(void)
{
    unsigned major, minor, plevel;
    char    pcre[64];
    uint32_t jit = 0;

    smfi_version(&major, &minor, &plevel);
    if (pcre2_config(PCRE2_CONFIG_VERSION, pcre) < 0)
	strcpy(pcre, "unknown");
    (void) pcre2_config(PCRE2_CONFIG_JIT, &jit);
    printf("envfrom-milter %s\n", VERSION);
    printf("libmilter %u.%u.%u\n", major, minor, plevel);
    printf("PCRE2 %s (JIT %s)\n", pcre, jit ? "available" : "not available");
    printf("libconfuse %s\n", confuse_version);
    return (0);
}

/* check_config - -n */

static int
check_config(void)
{
    struct config *cf;

    if ((cf = load(config_path)) == NULL)
	return (EX_CONFIG);
    printf("configuration OK\n");
    config_free(cf);
    return (0);
}

/* main - parse the command line and run the chosen mode */

int
main(int argc, char **argv)
{
    char   *rcpts[DRYRUN_MAX_RCPTS];
    size_t  nrcpt = 0;
    const char *sender = NULL;
    const char *login = NULL;
    const char *ip = NULL;
    const char *helo = NULL;
    const char *listener = NULL;
    const char *from_header = NULL;
    const char *socket_opt = NULL;
    const char *user_opt = NULL;
    const char *import_path = NULL;
    const char *postfix_dir = NULL;
    const char *stunnel_conf = NULL;
    int     postfix_check = 0;
    int     local = 0;
    int     verbose = 0;
    int     foreground = 0;
    int     check = 0;
    int     version = 0;
    int     ch;

    while ((ch = getopt(argc, argv, "a:c:C:e:fhH:i:I:l:LnPr:s:S:t:u:vV")) != -1) {
	switch (ch) {
	case 'a':
	    login = optarg;
	    break;
	case 'c':
	    config_path = optarg;
	    break;
	case 'C':
	    postfix_dir = optarg;
	    break;
	case 'e':
	    helo = optarg;
	    break;
	case 'f':
	    foreground = 1;
	    break;
	case 'h':
	    usage(0);
	    break;
	case 'H':
	    from_header = optarg;
	    break;
	case 'i':
	    ip = optarg;
	    break;
	case 'I':
	    import_path = optarg;
	    break;
	case 'l':
	    listener = optarg;
	    break;
	case 'L':
	    local = 1;
	    break;
	case 'n':
	    check = 1;
	    break;
	case 'P':
	    postfix_check = 1;
	    break;
	case 'r':
	    if (nrcpt == DRYRUN_MAX_RCPTS) {
		fprintf(stderr, "envfrom-milter: at most %d -r options\n", DRYRUN_MAX_RCPTS);
		return (EX_USAGE);
	    }
	    rcpts[nrcpt++] = optarg;
	    break;
	case 's':
	    socket_opt = optarg;
	    break;
	case 'S':
	    stunnel_conf = optarg;
	    break;
	case 't':
	    sender = optarg;
	    break;
	case 'u':
	    user_opt = optarg;
	    break;
	case 'v':
	    verbose = 1;
	    break;
	case 'V':
	    version = 1;
	    break;
	default:
	    usage(EX_USAGE);
	}
    }
    if (optind < argc) {
	fprintf(stderr, "envfrom-milter: unexpected argument \"%s\"\n", argv[optind]);
	usage(EX_USAGE);
    }
    if (check + version + (sender != NULL) + (import_path != NULL) > 1) {
	fprintf(stderr, "envfrom-milter: -n, -t, -I and -V exclude each other\n");
	return (EX_USAGE);
    }
    if (postfix_check && check + version + (sender != NULL) + (import_path != NULL)) {
	fprintf(stderr, "envfrom-milter: -P excludes -n, -t, -I and -V\n");
	return (EX_USAGE);
    }
    if (!postfix_check && (postfix_dir || stunnel_conf)) {
	fprintf(stderr, "envfrom-milter: -C and -S go with -P\n");
	return (EX_USAGE);
    }
    if (sender == NULL && (nrcpt || login || ip || helo || listener || local || from_header
			   || verbose)) {
	fprintf(stderr, "envfrom-milter: -r, -a, -i, -e, -l, -L, -H and -v go with -t\n");
	return (EX_USAGE);
    }
    if (version)
	return (print_version());
    if (check)
	return (check_config());
    if (import_path)
	return (import_table(import_path, stdout, stderr));
    if (postfix_check)
	return (pfcheck_run(config_path, postfix_dir, stunnel_conf));
    if (sender) {
	struct dryrun_request rq = {sender, rcpts, nrcpt, login, ip, helo, listener, local,
	    from_header, verbose};
	struct config *cf;
	int     status;

	if ((cf = load(config_path)) == NULL)
	    return (EX_CONFIG);
	status = dryrun(cf, &rq);
	config_free(cf);
	return (status);
    }
    return (daemon_run(config_path, socket_opt, user_opt, foreground));
}
