#ifndef EFM_PREFILTER_H
#define EFM_PREFILTER_H

/*
 * prefilter.h - skip rules whose sender pattern cannot match, without PCRE2
 */

#include <stddef.h>

#define PREFILTER_GRAM	4		/* literals shorter than this are not indexed */
#define PREFILTER_MAX_SUBJECT 1024	/* longer subjects: every rule is a candidate */

struct prefilter;

struct prefilter *prefilter_create(void);
void	prefilter_free(struct prefilter *);
size_t	prefilter_literal(const char *regex, char *buf, size_t size);
int	prefilter_add(struct prefilter *, size_t rule, const char *regex);
void	prefilter_mark(const struct prefilter *, const char *subject,
		               unsigned char *state, unsigned char bit);

#endif
