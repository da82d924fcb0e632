#ifndef EFM_CONFIG_H
#define EFM_CONFIG_H

/*
 * config.h - the configuration file: daemon settings and the rule set
 */

#include <stdio.h>
#include <sys/types.h>

#include "log.h"
#include "msgs.h"
#include "netaddr.h"
#include "rules.h"
#include "sockspec.h"

#define CONFIG_DEFAULT_PATH	"/etc/envfrom-milter.conf"
#define CONFIG_DEFAULT_SOCKET	"inet:8894@127.0.0.1"
#define CONFIG_DEFAULT_USER	"envfrom-milter"
#define CONFIG_MAX_SIZE		(16 * 1024 * 1024)

struct config {
    char   *path;
    struct sockspec socket;		/* .text in libmilter syntax */
    char   *user;			/* run as this user when started as root */
    char   *socket_group;		/* unix socket group; "" = leave it */
    mode_t  socket_mode;		/* unix socket permissions */
    enum log_level log_level;
    int     log_facility;
    char   *pid_file;			/* "" = none */
    char  **peer_users;			/* may connect, besides root and the daemon */
    size_t  npeer_users;
    int     peer_users_given;		/* 0: the default, which may be missing */
    struct cidr *peer_networks;		/* other hosts that may connect */
    size_t  npeer_networks;
    unsigned long timeout;		/* libmilter's wait for the MTA, seconds */
    struct ruleset *rules;
};

struct config *config_load(const char *path, struct config_msgs *);
struct config *config_load_text(const char *name, const char *text, size_t len,
				        struct config_msgs *);
void	config_free(struct config *);
int	config_override(struct config *, const char *socket_opt, const char *user_opt,
			        char *err, size_t errlen);

#endif
