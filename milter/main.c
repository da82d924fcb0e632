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
 *	Command line, start-up order and signals.  Start-up runs in the order
 *	that keeps a privileged process as short-lived as possible and never
 *	serves mail as root:
 *
 *	1. load and fully validate the config (exit 78 on any error);
 *	2. check the socket: a unix socket path held by a live process is an
 *	   error, a stale one is removed; an inet port in use is an error;
 *	3. umask, open the listening socket, give a unix socket its group
 *	   and mode (default postfix, 0660);
 *	4. daemonize (unless -f) and write the pid file;
 *	5. drop to the configured user, check that root cannot be regained,
 *	   and refuse to go on if that user is root;
 *	6. log which libmilter it runs on (admit.c), start the signal thread
 *	   and hand over to smfi_main().
 *
 *	The stop signals are blocked from step 2 on; one that arrives during
 *	start-up is taken when the signal thread starts.
 *
 *	Without -f, messages go to syslog, and until step 4 to stderr as
 *	well, so that an error that stops the start is seen where the daemon
 *	was started (config messages too); with -f, to stderr only.
 *
 *	Signals (signals.c): SIGUSR1 reloads the config, SIGUSR2 logs the
 *	per-rule counters, SIGTERM, SIGINT and SIGHUP stop the daemon at
 *	once.  A reload validates the whole new file first; if it fails, the
 *	old rules stay and the errors are logged.
 * DIAGNOSTICS
 *	Exit status: sysexits(3) codes and the modes' own 0, 1 and 2, as
 *	listed in exits.c (which -h prints and envfrom-milter(8) documents).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>
#include <syslog.h>
#include <unistd.h>

#include <confuse.h>
#include <libmilter/mfapi.h>

#include "addr.h"
#include "admit.h"
#include "callbacks.h"
#include "config.h"
#include "current.h"
#include "eval.h"
#include "exits.h"
#include "import.h"
#include "log.h"
#include "peer.h"
#include "plan.h"
#include "pfrun.h"
#include "signals.h"
#include "sockspec.h"

#ifndef VERSION
#define VERSION "unknown"
#endif

#define MAX_RCPTS	1000

static const char *config_path = CONFIG_DEFAULT_PATH;
static uid_t serve_uid;			/* the daemon's user, trusted as a peer */
static unsigned long serve_timeout;	/* smfi_settimeout() at start, fixed */

/* usage - the -h text; status 0 prints to stdout */

static void
usage(int status)
{
    FILE   *fp = status ? stderr : stdout;

    fprintf(fp,
	    "usage: envfrom-milter [-f] [-c FILE] [-s SOCKET] [-u USER]\n"
	    "       envfrom-milter -n [-c FILE]\n"
	    "       envfrom-milter -t SENDER [-r RCPT[,TRANSPORT[,NEXTHOP]]]... [-a LOGIN]\n"
	    "                      [-i CLIENT_IP] [-l LISTENER] [-L] [-H FROM] [-v] [-c FILE]\n"
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

/* warn_unqualified - -t: the milter never sees a bare name; Postfix adds a domain */

static void
warn_unqualified(const char *what, const char *addr)
{
    if (*addr && strchr(addr, '@') == NULL)
	fprintf(stderr, "envfrom-milter: note: %s \"%s\" has no @domain; Postfix "
		"qualifies bare names (%s@$myorigin or @$myhostname) before a milter "
		"sees them: give the full address\n", what, addr, addr);
}

/* dry_run - -t: evaluate the rules for one made-up message */

static int
dry_run(const char *sender_arg, char **rcpt_args, size_t nrcpt, const char *login,
	        const char *ip, const char *listener, int local,
	        const char *from_header, int verbose)
{
    struct config *cf;
    struct eval_env env;
    struct eval_rcpt rcpts[MAX_RCPTS];
    struct plan_from from;
    struct plan plan;
    struct decision d;
    struct eval *e = NULL;
    char   *sender = NULL;
    char   *out;
    const char *why = NULL;
    size_t  i;
    size_t  nparsed = 0;
    int     status;

    if ((cf = load(config_path)) == NULL)
	return (EX_CONFIG);
    log_open("envfrom-milter", LOG_TO_STDERR, 0);
    log_set_level(LOG_LVL_WARNING);
    memset(&env, 0, sizeof(env));
    memset(&from, 0, sizeof(from));
    memset(&plan, 0, sizeof(plan));
    memset(&d, 0, sizeof(d));
    env.logid = "dry-run";
    if (addr_parse(sender_arg, &sender, &why) < 0) {
	fprintf(stderr, "envfrom-milter: sender \"%s\": %s\n", sender_arg,
		why ? why : "out of memory");
	status = EX_DATAERR;
	goto out;
    }
    warn_unqualified("sender", sender);
    env.sender = sender;
    env.auth = login;
    env.listener = listener;
    env.local = local;
    if (ip != NULL) {
	if (netaddr_parse(ip, &env.client) < 0) {
	    fprintf(stderr, "envfrom-milter: -i %s: not an IPv4 or IPv6 address\n", ip);
	    status = EX_USAGE;
	    goto out;
	}
	env.has_client = 1;
    }
    for (i = 0; i < nrcpt; i++) {
	char   *addr = rcpt_args[i];
	char   *comma;
	char   *internal;

	rcpts[i].mailer = rcpts[i].host = NULL;
	if ((comma = strchr(addr, ',')) != NULL) {
	    *comma++ = 0;
	    rcpts[i].mailer = comma;
	    if ((comma = strchr(comma, ',')) != NULL) {
		*comma++ = 0;
		rcpts[i].host = comma;
	    }
	}
	if (addr_parse(addr, &internal, &why) < 0) {
	    fprintf(stderr, "envfrom-milter: recipient \"%s\": %s\n", addr,
		    why ? why : "out of memory");
	    status = EX_DATAERR;
	    goto out;
	}
	warn_unqualified("recipient", internal);
	rcpts[i].addr = internal;
	nparsed = i + 1;
    }
    if (from_header != NULL && plan_from_add(&from, from_header) < 0) {
	status = EX_OSERR;
	goto out;
    }
    if (from_header != NULL && plan_from_address(&from) == NULL)
	fprintf(stderr, "envfrom-milter: From: header \"%s\": %s: header_from "
		"conditions will not hold\n", from_header, from.why ? from.why : "no address");
    if ((e = eval_start(cf->rules, &env)) == NULL) {
	status = EX_OSERR;
	goto out;
    }
    for (i = 0; i < nrcpt; i++)
	(void) eval_rcpt(e, &rcpts[i]);
    if (from_header != NULL)
	eval_header_from(e, plan_from_address(&from));
    if (eval_finish(e, &d) < 0 || (d.kind == DECISION_REWRITE
	&& plan_make(&plan, &d, sender, &from, PLAN_CAN_ADD_HEADER | PLAN_CAN_CHANGE_HEADER) < 0)) {
	status = EX_OSERR;
	goto out;
    }

    /* Line 1: the resulting sender; line 2: the deciding rule; then why. */
    out = addr_external(d.kind == DECISION_REWRITE ? d.sender : sender, 1);
    printf("%s\n", out ? out : "?");
    free(out);
    status = (d.kind == DECISION_REWRITE || d.kind == DECISION_KEEP) ? 0 : 1;
    if (d.rule != NULL)
	printf("rule \"%s\" (#%lu): ", d.rule->name, (unsigned long) d.rule->index + 1);
    switch (d.kind) {
    case DECISION_NONE:
	printf("no rule matched: sender unchanged\n");
	break;
    case DECISION_KEEP:
	printf("keep: sender unchanged\n");
	break;
    case DECISION_INVALID:
	printf("its rewrite gave \"%s\", which is not a usable sender (%s): "
	       "sender unchanged\n", d.sender ? d.sender : "", d.why);
	break;
    case DECISION_REWRITE:
	printf("sender rewritten\n");
	break;
    }
    if (d.rule != NULL)
	(void) eval_explain(e, d.rule->index, rcpts, nrcpt, plan_from_address(&from), stdout);
    /* The same plan the daemon carries out (plan.c). */
    if (plan.add_name)
	printf("    header added: %s: %s\n", plan.add_name, plan.add_value);
    if (plan.from == PLAN_FROM_NONE || plan.from == PLAN_FROM_UNUSABLE)
	printf("    From: header not rewritten: %s\n", from_header ? "unusable" : "none given (-H)");
    else if (plan.from == PLAN_FROM_CHANGE)
	printf("    header changed: From: %s\n", plan.from_value);
    if (verbose) {
	size_t  last = d.rule ? d.rule->index : cf->rules->nrules;

	for (i = 0; i < last; i++) {
	    printf("rule \"%s\" (#%lu): did not hold\n", cf->rules->rules[i]->name,
		   (unsigned long) i + 1);
	    (void) eval_explain(e, i, rcpts, nrcpt, plan_from_address(&from), stdout);
	}
    } else if (d.kind == DECISION_NONE && cf->rules->nrules > 0) {
	printf("(use -v to see why each rule did not hold)\n");
    }
out:
    /* Every way out releases everything: the sanitizer builds check. */
    decision_clear(&d);
    eval_free(e);
    for (i = 0; i < nparsed; i++)
	free((char *) rcpts[i].addr);
    plan_clear(&plan);
    plan_from_clear(&from);
    free(sender);
    config_free(cf);
    return (status);
}

/* trim_heap - give back to the system what parsing a config left free */

static void
trim_heap(void)
{
    /*
     * libconfuse's parse tree and the line map are freed after a load, but
     * glibc keeps the pages: 45 MiB of 66 for 10,000 rules, for the life
     * of the daemon.  malloc_trim() exists since glibc 2.0 (EL7 has 2.17).
     */
#ifdef __GLIBC__
    (void) malloc_trim(0);
#endif
}

/* peers_build - the peer policy cf asks for; NULL after an error, logged */

static struct peer_policy *
peers_build(const struct config *cf)
{
    struct peer_policy *p;
    char    err[300];
    char    warn[300];

    p = peer_policy_new((const char *const *) cf->peer_users, cf->npeer_users,
			cf->peer_users_given, cf->peer_networks, cf->npeer_networks,
			serve_uid, err, sizeof(err), warn, sizeof(warn));
    if (p == NULL)
	log_error("%s: %s", config_path, err);
    else if (*warn)
	log_warning("%s: %s", config_path, warn);
    return (p);
}

/* reload - SIGUSR1: load the file again; keep the old rules if it fails */

static void
reload(void)
{
    struct config_msgs msgs;
    struct config *cf;
    struct peer_policy *peers = NULL;
    size_t  nrules;

    memset(&msgs, 0, sizeof(msgs));
    cf = config_load(config_path, &msgs);
    config_msgs_log(&msgs);
    config_msgs_free(&msgs);
    if (cf == NULL || (peers = peers_build(cf)) == NULL) {
	log_error("reload of %s failed; the rules loaded before stay in force", config_path);
	if (cf != NULL)
	    config_free(cf);
	return;
    }
    /* libmilter takes its timeout once, before smfi_main(). */
    if (cf->timeout != serve_timeout)
	log_warning("%s: timeout = %lu takes effect at the next restart; %lu s until then",
		    config_path, cf->timeout, serve_timeout);
    admit_set_peers(peers);
    log_set_level(cf->log_level);
    nrules = cf->rules->nrules;
    current_install(cf);
    trim_heap();
    log_info("reloaded %s: %lu rule%s", config_path, (unsigned long) nrules,
	     nrules == 1 ? "" : "s");
}

/* prepare_unix_socket - refuse a live socket, remove a stale one */

static int
prepare_unix_socket(const char *path)
{
    struct sockaddr_un sun;
    struct stat st;
    int     fd;
    int     rc;

    if (lstat(path, &st) < 0) {
	if (errno == ENOENT)
	    return (0);
	log_error("socket %s: %s", path, strerror(errno));
	return (EX_OSERR);
    }
    if (!S_ISSOCK(st.st_mode)) {
	log_error("socket %s: exists and is not a socket; not removing it", path);
	return (EX_CANTCREAT);
    }
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    strncpy(sun.sun_path, path, sizeof(sun.sun_path) - 1);
    if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) {
	log_error("socket: %s", strerror(errno));
	return (EX_OSERR);
    }
    rc = connect(fd, (struct sockaddr *) &sun, sizeof(sun));
    close(fd);
    if (rc == 0) {
	log_error("socket %s is in use by a running process (another envfrom-milter?)",
		  path);
	return (EX_UNAVAILABLE);
    }
    if (errno != ECONNREFUSED) {
	log_error("socket %s: %s", path, strerror(errno));
	return (EX_OSERR);
    }
    if (unlink(path) < 0) {
	log_error("cannot remove stale socket %s: %s", path, strerror(errno));
	return (EX_CANTCREAT);
    }
    log_info("removed stale socket %s", path);
    return (0);
}

/* check_inet_port - fail early, with a clear message, if the port is taken */

static int
check_inet_port(const struct sockspec *spec)
{
    struct addrinfo *res;
    int     fd;
    int     on = 1;
    int     rc;
    int     err;

    if ((err = sockspec_resolve(spec, 0, &res)) != 0) {
	log_error("socket %s: %s", spec->text, gai_strerror(err));
	return (EX_CONFIG);
    }
    if ((fd = socket(res->ai_family, SOCK_STREAM, 0)) < 0) {
	freeaddrinfo(res);
	return (0);				/* let libmilter report it */
    }
    (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    rc = bind(fd, res->ai_addr, res->ai_addrlen);
    err = errno;
    close(fd);
    freeaddrinfo(res);
    if (rc < 0 && err == EADDRINUSE) {
	log_error("socket %s: port %s is already in use", spec->text, spec->port);
	return (EX_UNAVAILABLE);
    }
    if (rc < 0 && err == EACCES) {
	log_error("socket %s: permission denied binding port %s", spec->text, spec->port);
	return (EX_NOPERM);
    }
    return (0);
}

/* daemonize - detach from the terminal; the parent exits */

static int
daemonize(void)
{
    pid_t   pid;
    int     fd;

    if ((pid = fork()) < 0)
	return (-1);
    if (pid > 0)
	_exit(0);
    if (setsid() < 0)
	return (-1);
    if ((pid = fork()) < 0)
	return (-1);
    if (pid > 0)
	_exit(0);
    if (chdir("/") < 0)
	return (-1);
    if ((fd = open("/dev/null", O_RDWR)) < 0)
	return (-1);
    (void) dup2(fd, 0);
    (void) dup2(fd, 1);
    (void) dup2(fd, 2);
    if (fd > 2)
	close(fd);
    return (0);
}

/* write_pid_file - record our pid; -1 on error */

static int
write_pid_file(const char *path)
{
    FILE   *fp;
    int     fd;

    if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644)) < 0
	|| (fp = fdopen(fd, "w")) == NULL) {
	log_error("pid file %s: %s", path, strerror(errno));
	if (fd >= 0)
	    close(fd);
	return (-1);
    }
    fprintf(fp, "%ld\n", (long) getpid());
    if (fclose(fp) != 0) {
	log_error("pid file %s: %s", path, strerror(errno));
	return (-1);
    }
    return (0);
}

/* drop_privileges - become pw for good; -1 on any failure */

static int
drop_privileges(const struct passwd *pw)
{
    gid_t   gid = pw->pw_gid;

    if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(pw->pw_uid) < 0) {
	log_error("cannot switch to user %s: %s", pw->pw_name, strerror(errno));
	return (-1);
    }
    if (getuid() != pw->pw_uid || geteuid() != pw->pw_uid || getgid() != gid
	|| getegid() != gid || setuid(0) == 0) {
	log_error("privileges were not dropped to user %s", pw->pw_name);
	return (-1);
    }
    return (0);
}

/* serve - the daemon with a loaded config; *installed once current.c owns cf */

static int
serve(struct config *cf, int foreground, int *installed)
{
    struct passwd *pw = NULL;
    struct group *gr = NULL;
    struct sockspec sock;
    const char *user = cf->user;
    const char *path = NULL;
    mode_t  old_umask;
    char    pid_file[PATH_MAX] = "";
    char    how[200];
    struct peer_policy *peers;
    int     rc;

    /* cf goes to current.c, which frees it at the next reload: a copy. */
    sock = cf->socket;
    if (sockspec_is_unix(&sock))
	path = sock.path;
    /* Until it detaches, a daemon also tells whoever started it why it did not. */
    log_open("envfrom-milter", foreground ? LOG_TO_STDERR : LOG_TO_STDERR | LOG_TO_SYSLOG,
	     cf->log_facility);
    log_set_level(cf->log_level);

    if (geteuid() == 0) {
	if ((pw = getpwnam(user)) == NULL) {
	    log_error("user %s does not exist (create it, or set user = in %s)",
		      user, config_path);
	    return (EX_NOUSER);
	}
	if (pw->pw_uid == 0) {
	    log_error("refusing to serve mail as root: set user = to an "
		      "unprivileged account in %s", config_path);
	    return (EX_CONFIG);
	}
    }
    if (path && *cf->socket_group && (gr = getgrnam(cf->socket_group)) == NULL) {
	log_error("socket_group %s does not exist", cf->socket_group);
	return (EX_NOUSER);
    }
    /* Who may connect: in force from the first accept (admit.c). */
    serve_uid = pw ? pw->pw_uid : geteuid();
    if ((peers = peers_build(cf)) == NULL)
	return (EX_NOUSER);
    admit_set_peers(peers);

    signals_block();

    if ((rc = path ? prepare_unix_socket(path) : check_inet_port(&sock)) != 0)
	return (rc);
    /* Steps worth a round trip depend on the transport (callbacks.c). */
    callbacks_set_tcp(!sockspec_is_unix(&sock));
    serve_timeout = cf->timeout;
    if (smfi_setconn(sock.text) != MI_SUCCESS || callbacks_register() != MI_SUCCESS
	|| smfi_settimeout((int) cf->timeout) != MI_SUCCESS) {
	log_error("libmilter refused the socket %s or the callbacks", sock.text);
	return (EX_SOFTWARE);
    }
    old_umask = umask(0177);
    rc = smfi_opensocket(0);
    umask(old_umask);
    if (rc != MI_SUCCESS) {
	log_error("cannot listen on %s (see the mail log for libmilter's reason)", sock.text);
	return (EX_UNAVAILABLE);
    }
    if (path) {
	if (chown(path, pw ? pw->pw_uid : (uid_t) - 1, gr ? gr->gr_gid : (gid_t) - 1) < 0) {
	    log_error("cannot give socket %s to %s%s%s: %s", path, pw ? pw->pw_name : "",
		      gr ? ":" : "", gr ? gr->gr_name : "", strerror(errno));
	    return (EX_NOPERM);
	}
	if (chmod(path, cf->socket_mode) < 0) {
	    log_error("cannot chmod socket %s: %s", path, strerror(errno));
	    return (EX_NOPERM);
	}
    }
    if (!foreground && daemonize() < 0) {
	log_error("cannot become a daemon: %s", strerror(errno));
	return (EX_OSERR);
    }
    if (!foreground)
	log_detached();			/* stderr is /dev/null from here on */
    if (*cf->pid_file && write_pid_file(cf->pid_file) < 0)
	return (EX_CANTCREAT);
    /* cf goes to current.c, which frees it at the next reload: keep copies. */
    snprintf(pid_file, sizeof(pid_file), "%s", cf->pid_file);
    if (pw != NULL && drop_privileges(pw) < 0)
	return (EX_NOPERM);
    if (geteuid() == 0) {
	log_error("refusing to serve mail as root");
	return (EX_NOPERM);
    }

    /* Fail closed: with no way to tell who connects over TCP, serve no one. */
    if (!path && peer_probe(how, sizeof(how)) < 0) {
	log_error("cannot tell which user is at the other end of a TCP connection "
		  "(%s): not started", how);
	return (EX_UNAVAILABLE);
    }
    log_info("starting envfrom-milter %s on %s as uid %ld: %lu rule%s from %s",
	     VERSION, sock.text, (long) geteuid(), (unsigned long) cf->rules->nrules,
	     cf->rules->nrules == 1 ? "" : "s", config_path);
    log_info("peers that may connect: %s%s%s%s; timeout %lu s", peer_policy_describe(peers),
	     peer_policy_nets(peers) ? ", the hosts in peer_networks" : "",
	     path ? "" : "; TCP peers identified by ", path ? "" : how, cf->timeout);
    current_install(cf);
    *installed = 1;			/* current.c owns cf from here on */
    trim_heap();
    admit_init();
    if (signals_start(&sock, reload) < 0) {
	current_install(NULL);
	return (EX_OSERR);
    }
    rc = smfi_main();
    signals_main_returned();
    current_install(NULL);
    admit_set_peers(NULL);
    /* Both may fail after the privilege drop; a stale file is harmless. */
    (void) sockspec_unlink(&sock);
    if (*pid_file)
	(void) unlink(pid_file);
    return (rc == MI_SUCCESS ? 0 : EX_SOFTWARE);
}

/* run - the daemon; the config is released on every way out */

static int
run(const char *socket_opt, const char *user_opt, int foreground)
{
    struct config_msgs msgs;
    struct config *cf;
    char    err[SOCKSPEC_MAX + 160];
    int     installed = 0;
    int     rc;

    memset(&msgs, 0, sizeof(msgs));
    cf = config_load(config_path, &msgs);
    config_msgs_print(&msgs, stderr);
    /* A daemon logs to syslog: its config messages belong there too. */
    if (!foreground) {
	log_open("envfrom-milter", LOG_TO_SYSLOG, cf ? cf->log_facility : LOG_MAIL);
	config_msgs_log(&msgs);
	if (cf == NULL)
	    log_error("not started: %s has errors", config_path);
    }
    config_msgs_free(&msgs);
    if (cf == NULL)
	return (EX_CONFIG);
    /* The command line wins over the config file. */
    if ((rc = config_override(cf, socket_opt, user_opt, err, sizeof(err))) < 0) {
	fprintf(stderr, "envfrom-milter: %s\n", err);
	config_free(cf);
	return (rc == -1 ? EX_USAGE : EX_OSERR);
    }
    rc = serve(cf, foreground, &installed);
    if (!installed)
	config_free(cf);
    return (rc);
}

/* main - parse the command line and run the chosen mode */

int
main(int argc, char **argv)
{
    char   *rcpts[MAX_RCPTS];
    size_t  nrcpt = 0;
    const char *sender = NULL;
    const char *login = NULL;
    const char *ip = NULL;
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

    while ((ch = getopt(argc, argv, "a:c:C:fhH:i:I:l:LnPr:s:S:t:u:vV")) != -1) {
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
	    if (nrcpt == MAX_RCPTS) {
		fprintf(stderr, "envfrom-milter: at most %d -r options\n", MAX_RCPTS);
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
    if (sender == NULL && (nrcpt || login || ip || listener || local || from_header
			   || verbose)) {
	fprintf(stderr, "envfrom-milter: -r, -a, -i, -l, -L, -H and -v go with -t\n");
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
    if (sender)
	return (dry_run(sender, rcpts, nrcpt, login, ip, listener, local,
			from_header, verbose));
    return (run(socket_opt, user_opt, foreground));
}
