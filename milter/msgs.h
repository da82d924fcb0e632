#ifndef EFM_MSGS_H
#define EFM_MSGS_H

/*
 * msgs.h - the errors and warnings of a config load, collected and printed
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Messages from loading: errors make the load fail, warnings do not. */
struct config_msgs {
    struct config_msg {
	int     line;
	int     order;			/* keeps equal lines in report order */
	int     is_error;
	char   *text;			/* "FILE:LINE: [warning: ]message" */
	size_t  where_len;		/* of "FILE:LINE: " */
    }      *v;
    size_t  n;
    size_t  alloc;
    size_t  errors;
};

int	config_msgs_vadd(struct config_msgs *, const char *name, int is_error, int line,
			         const char *fmt, va_list)
		__attribute__((format(printf, 5, 0)));
void	config_msgs_sort(struct config_msgs *);
void	config_msgs_print(const struct config_msgs *, FILE *);
void	config_msgs_log(const struct config_msgs *);
void	config_msgs_free(struct config_msgs *);

#endif
