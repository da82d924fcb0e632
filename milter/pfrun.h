#ifndef EFM_PFRUN_H
#define EFM_PFRUN_H

/*
 * pfrun.h - envfrom-milter -P: read the live Postfix settings and check them
 */

int	pfcheck_run(const char *conf_path, const char *postfix_dir, const char *stunnel_conf);

#endif
