/* SPDX-License-Identifier: MIT */
/* Reading a whole small file (a trace, a cost model) into memory, with one-line errors. */
#ifndef RH_LIB_FILE_H
#define RH_LIB_FILE_H

#include <stddef.h>

#include <rheap/export.h>

/* rh_errbuf_printf() - a one-line message into @errbuf (NULL or @errlen 0: nothing) */
void rh_errbuf_printf(char *errbuf, size_t errlen, const char *fmt, ...) RH_PRINTF(3, 4);

/*
 * rh_read_file() - the whole of regular file @path into a new buffer
 * @max: largest size accepted, in bytes
 * @ret_text: rh_malloc'd, NUL-terminated; free with rh_free(); written
 *	only on success, with @ret_len (the bytes read, NUL excluded)
 * @errbuf, @errlen: one line naming @path and the problem; may be NULL/0
 *
 * Returns 0, the -errno of open/fstat/read (-EIO when the file shrank
 * while read), -EISDIR or -EINVAL (not a regular file), -EFBIG (over
 * @max), -ENOMEM.
 */
int rh_read_file(const char *path, size_t max, char **ret_text, size_t *ret_len,
		 char *errbuf, size_t errlen);

#endif /* RH_LIB_FILE_H */
