/*
 * pcre2.h as CentOS 7's PCRE2 10.23 sees the code, for tests/packaging/c99.t:
 * the installed header, then PCRE2_MINOR set to 23 (so version guards take
 * their 10.23 branch) and every name PCRE2 added after 10.23 undefined and
 * poisoned (so an unguarded use does not compile).  Generated list; not for
 * building the daemon.
 */
#ifndef FLOOR_PCRE2_H
#define FLOOR_PCRE2_H

#include_next <pcre2.h>

#undef PCRE2_MAJOR
#define PCRE2_MAJOR 10
#undef PCRE2_MINOR
#define PCRE2_MINOR 23

/* Functions (the name and its 8/16/32-bit symbols), by the release that added them. */
/* 10.24 */
#undef pcre2_code_copy_with_tables
#pragma GCC poison pcre2_code_copy_with_tables pcre2_code_copy_with_tables_8 pcre2_code_copy_with_tables_16 pcre2_code_copy_with_tables_32
/* 10.30 */
#undef pcre2_set_depth_limit
#pragma GCC poison pcre2_set_depth_limit pcre2_set_depth_limit_8 pcre2_set_depth_limit_16 pcre2_set_depth_limit_32
#undef pcre2_set_heap_limit
#pragma GCC poison pcre2_set_heap_limit pcre2_set_heap_limit_8 pcre2_set_heap_limit_16 pcre2_set_heap_limit_32
#undef pcre2_set_compile_extra_options
#pragma GCC poison pcre2_set_compile_extra_options pcre2_set_compile_extra_options_8 pcre2_set_compile_extra_options_16 pcre2_set_compile_extra_options_32
#undef pcre2_pattern_convert
#pragma GCC poison pcre2_pattern_convert pcre2_pattern_convert_8 pcre2_pattern_convert_16 pcre2_pattern_convert_32
#undef pcre2_converted_pattern_free
#pragma GCC poison pcre2_converted_pattern_free pcre2_converted_pattern_free_8 pcre2_converted_pattern_free_16 pcre2_converted_pattern_free_32
#undef pcre2_convert_context_create
#pragma GCC poison pcre2_convert_context_create pcre2_convert_context_create_8 pcre2_convert_context_create_16 pcre2_convert_context_create_32
#undef pcre2_convert_context_copy
#pragma GCC poison pcre2_convert_context_copy pcre2_convert_context_copy_8 pcre2_convert_context_copy_16 pcre2_convert_context_copy_32
#undef pcre2_convert_context_free
#pragma GCC poison pcre2_convert_context_free pcre2_convert_context_free_8 pcre2_convert_context_free_16 pcre2_convert_context_free_32
#undef pcre2_set_glob_escape
#pragma GCC poison pcre2_set_glob_escape pcre2_set_glob_escape_8 pcre2_set_glob_escape_16 pcre2_set_glob_escape_32
#undef pcre2_set_glob_separator
#pragma GCC poison pcre2_set_glob_separator pcre2_set_glob_separator_8 pcre2_set_glob_separator_16 pcre2_set_glob_separator_32
/* 10.33 */
#undef pcre2_set_substitute_callout
#pragma GCC poison pcre2_set_substitute_callout pcre2_set_substitute_callout_8 pcre2_set_substitute_callout_16 pcre2_set_substitute_callout_32
/* 10.34 */
#undef pcre2_get_match_data_size
#pragma GCC poison pcre2_get_match_data_size pcre2_get_match_data_size_8 pcre2_get_match_data_size_16 pcre2_get_match_data_size_32
#undef pcre2_maketables_free
#pragma GCC poison pcre2_maketables_free pcre2_maketables_free_8 pcre2_maketables_free_16 pcre2_maketables_free_32
/* 10.43 */
#undef pcre2_set_max_varlookbehind
#pragma GCC poison pcre2_set_max_varlookbehind pcre2_set_max_varlookbehind_8 pcre2_set_max_varlookbehind_16 pcre2_set_max_varlookbehind_32
/* 10.44 */
#undef pcre2_set_max_pattern_compiled_length
#pragma GCC poison pcre2_set_max_pattern_compiled_length pcre2_set_max_pattern_compiled_length_8 pcre2_set_max_pattern_compiled_length_16 pcre2_set_max_pattern_compiled_length_32
/* 10.45 */
#undef pcre2_set_optimize
#pragma GCC poison pcre2_set_optimize pcre2_set_optimize_8 pcre2_set_optimize_16 pcre2_set_optimize_32
#undef pcre2_set_substitute_case_callout
#pragma GCC poison pcre2_set_substitute_case_callout pcre2_set_substitute_case_callout_8 pcre2_set_substitute_case_callout_16 pcre2_set_substitute_case_callout_32
#undef pcre2_get_match_data_heapframes_size
#pragma GCC poison pcre2_get_match_data_heapframes_size pcre2_get_match_data_heapframes_size_8 pcre2_get_match_data_heapframes_size_16 pcre2_get_match_data_heapframes_size_32

/* Options, information codes and error codes added after 10.23. */
#undef PCRE2_LITERAL
#pragma GCC poison PCRE2_LITERAL
#undef PCRE2_ENDANCHORED
#pragma GCC poison PCRE2_ENDANCHORED
#undef PCRE2_NO_JIT
#pragma GCC poison PCRE2_NO_JIT
#undef PCRE2_MATCH_INVALID_UTF
#pragma GCC poison PCRE2_MATCH_INVALID_UTF
#undef PCRE2_COPY_MATCHED_SUBJECT
#pragma GCC poison PCRE2_COPY_MATCHED_SUBJECT
#undef PCRE2_SUBSTITUTE_LITERAL
#pragma GCC poison PCRE2_SUBSTITUTE_LITERAL
#undef PCRE2_SUBSTITUTE_MATCHED
#pragma GCC poison PCRE2_SUBSTITUTE_MATCHED
#undef PCRE2_SUBSTITUTE_REPLACEMENT_ONLY
#pragma GCC poison PCRE2_SUBSTITUTE_REPLACEMENT_ONLY
#undef PCRE2_EXTRA_ALLOW_SURROGATE_ESCAPES
#pragma GCC poison PCRE2_EXTRA_ALLOW_SURROGATE_ESCAPES
#undef PCRE2_EXTRA_BAD_ESCAPE_IS_LITERAL
#pragma GCC poison PCRE2_EXTRA_BAD_ESCAPE_IS_LITERAL
#undef PCRE2_EXTRA_MATCH_WORD
#pragma GCC poison PCRE2_EXTRA_MATCH_WORD
#undef PCRE2_EXTRA_MATCH_LINE
#pragma GCC poison PCRE2_EXTRA_MATCH_LINE
#undef PCRE2_EXTRA_ESCAPED_CR_IS_LF
#pragma GCC poison PCRE2_EXTRA_ESCAPED_CR_IS_LF
#undef PCRE2_EXTRA_ALT_BSUX
#pragma GCC poison PCRE2_EXTRA_ALT_BSUX
#undef PCRE2_CONFIG_DEPTHLIMIT
#pragma GCC poison PCRE2_CONFIG_DEPTHLIMIT
#undef PCRE2_CONFIG_HEAPLIMIT
#pragma GCC poison PCRE2_CONFIG_HEAPLIMIT
#undef PCRE2_INFO_DEPTHLIMIT
#pragma GCC poison PCRE2_INFO_DEPTHLIMIT
#undef PCRE2_INFO_HEAPLIMIT
#pragma GCC poison PCRE2_INFO_HEAPLIMIT
#undef PCRE2_INFO_FRAMESIZE
#pragma GCC poison PCRE2_INFO_FRAMESIZE
#undef PCRE2_INFO_EXTRAOPTIONS
#pragma GCC poison PCRE2_INFO_EXTRAOPTIONS
#undef PCRE2_ERROR_HEAPLIMIT
#pragma GCC poison PCRE2_ERROR_HEAPLIMIT

#endif
