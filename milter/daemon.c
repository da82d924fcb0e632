/*
 * NAME
 *	daemon - the daemon's life: socket, privileges, pid file, serve, reload
 * SYNOPSIS
 *	#include "daemon.h"
 *
 *	status = daemon_run(config_path, socket_opt, user_opt, foreground);
 * DESCRIPTION
 *	Start-up runs in the order that keeps a privileged process as
 *	short-lived as possible and never serves mail as root:
 *
 *	1. load and fully validate the config (exit 78 on any error);
 *	2. check the socket: a unix socket path held by a live process is an
 *	   error, a stale one is removed; an inet port in use is an error;
 *	3. umask, open the listening socket, give a unix socket its group
 *	   and mode (default postfix, 0660);
 *	4. daemonize (unless -f) and write the pid file;
 *	5. drop to the configured user, check that root cannot be regained,
 *	   and refuse to go on if that user is root;
 *	6. install the peer policy (peer.c, admit.c), log which libmilter it
 *	   runs on, start the signal thread and hand over to smfi_main().
 *
 *	The stop signals are blocked from step 2 on; one that arrives during
 *	start-up is taken when the signal thread starts.
 *
 *	Without -f, messages go to syslog, and until step 4 to stderr as
 *	well, so that an error that stops the start is seen where the daemon
 *	was started (config messages too); with -f, to stderr only.
 *
 *	Reload (SIGUSR1, from signals.c): the whole new file is validated
 *	and its peer policy built first; if either fails, the old rules and
 *	peers stay and the errors are logged.
 * DIAGNOSTICS
 *	Exit status: the sysexits(3) codes of exits.c.
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

#include <libmilter/mfapi.h>

#include "admit.h"
#include "callbacks.h"
#include "config.h"
#include "current.h"
#include "daemon.h"
#include "log.h"
#include "peer.h"
#include "signals.h"
#include "sockspec.h"

#ifndef VERSION
#define VERSION "unknown"
#endif

static const char *config_path;		/* daemon_run()'s, for reloads and messages */
static uid_t serve_uid;			/* the daemon's user, trusted as a peer */
static unsigned long serve_timeout;	/* smfi_settimeout() at start, fixed */

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
    callbacks_set_tcp(sockspec_is_unix(&sock) ? 0 : (unsigned) sock.port_num, (long) cf->timeout);
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

/* daemon_run - the daemon; the config is released on every way out */

int
daemon_run(const char *path, const char *socket_opt, const char *user_opt, int foreground)
{
    struct config_msgs msgs;
    struct config *cf;
    char    err[SOCKSPEC_MAX + 160];
    int     installed = 0;
    int     rc;

    config_path = path;
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
