/*
 * confuse.h as CentOS 7's libconfuse 2.7 (EPEL) sees the code, for
 * tests/packaging/c99.t: the installed header, then every flag libconfuse
 * added after 2.7 undefined (so #ifdef CFGF_... guards take their 2.7
 * branch) and poisoned with every later function, and cfg_free and the
 * cfg_set* functions made to return void, as in 2.7.  Not for building
 * the daemon.
 */
#ifndef FLOOR_CONFUSE_H
#define FLOOR_CONFUSE_H

#include_next <confuse.h>

/* Flags: 3.0 and later. */
#undef CFGF_IGNORE_UNKNOWN
#undef CFGF_DEPRECATED
#undef CFGF_DROP
#undef CFGF_COMMENTS
#undef CFGF_MODIFIED
#undef CFGF_KEYSTRVAL
#pragma GCC poison CFGF_IGNORE_UNKNOWN CFGF_DEPRECATED CFGF_DROP CFGF_COMMENTS
#pragma GCC poison CFGF_MODIFIED CFGF_KEYSTRVAL

/* Functions: 2.8 and later. */
#pragma GCC poison cfg_add_searchpath cfg_setmulti cfg_opt_setmulti
#pragma GCC poison cfg_rmsec cfg_rmnsec cfg_rmtsec cfg_opt_rmnsec cfg_opt_rmtsec
#pragma GCC poison cfg_getcomment cfg_setcomment cfg_opt_getcomment cfg_opt_setcomment
#pragma GCC poison cfg_addtsec cfg_getnopt cfg_num cfg_opt_getstr cfg_set_print_filter_func
#pragma GCC poison cfg_getarg cfg_opt_getval cfg_getname
#pragma GCC poison cfg_searchpath cfg_set_validate_func2

/* 2.7: these return void; using their value must not compile. */
#define cfg_free(...)		((void) cfg_free(__VA_ARGS__))
#define cfg_free_value(...)	((void) cfg_free_value(__VA_ARGS__))
#define cfg_setint(...)		((void) cfg_setint(__VA_ARGS__))
#define cfg_setfloat(...)	((void) cfg_setfloat(__VA_ARGS__))
#define cfg_setbool(...)	((void) cfg_setbool(__VA_ARGS__))
#define cfg_setstr(...)		((void) cfg_setstr(__VA_ARGS__))
#define cfg_setnint(...)	((void) cfg_setnint(__VA_ARGS__))
#define cfg_setnfloat(...)	((void) cfg_setnfloat(__VA_ARGS__))
#define cfg_setnbool(...)	((void) cfg_setnbool(__VA_ARGS__))
#define cfg_setnstr(...)	((void) cfg_setnstr(__VA_ARGS__))
#define cfg_setlist(...)	((void) cfg_setlist(__VA_ARGS__))
#define cfg_addlist(...)	((void) cfg_addlist(__VA_ARGS__))
#define cfg_opt_setnint(...)	((void) cfg_opt_setnint(__VA_ARGS__))
#define cfg_opt_setnfloat(...)	((void) cfg_opt_setnfloat(__VA_ARGS__))
#define cfg_opt_setnbool(...)	((void) cfg_opt_setnbool(__VA_ARGS__))
#define cfg_opt_setnstr(...)	((void) cfg_opt_setnstr(__VA_ARGS__))

#endif
