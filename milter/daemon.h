#ifndef EFM_DAEMON_H
#define EFM_DAEMON_H

/*
 * daemon.h - the daemon's life: socket, privileges, pid file, serve, reload
 */

int	daemon_run(const char *config_path, const char *socket_opt, const char *user_opt,
		           int foreground);

#endif
