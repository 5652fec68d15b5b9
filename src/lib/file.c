// SPDX-License-Identifier: MIT
/* Reading a whole small file (a trace, a cost model) into memory, with one-line errors. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "lib/file.h"

void rh_errbuf_printf(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!errbuf || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
}

int rh_read_file(const char *path, size_t max, char **ret_text, size_t *ret_len,
		 char *errbuf, size_t errlen)
{
	struct stat st;
	size_t done = 0;
	char *text;
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		rh_errbuf_printf(errbuf, errlen, "cannot open %s: %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		rh_errbuf_printf(errbuf, errlen, "cannot stat %s: %s", path, strerror(-ret));
		goto err_close;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		rh_errbuf_printf(errbuf, errlen, "%s is not a regular file", path);
		goto err_close;
	}
	if ((uint64_t)st.st_size > max) {
		ret = -EFBIG;
		rh_errbuf_printf(errbuf, errlen, "%s is larger than %zu %s", path,
			 max >= (1u << 20) ? max >> 20 : max, max >= (1u << 20) ? "MiB" : "bytes");
		goto err_close;
	}
	text = rh_malloc((size_t)st.st_size + 1);
	if (!text) {
		ret = -ENOMEM;
		rh_errbuf_printf(errbuf, errlen, "%s: out of memory", path);
		goto err_close;
	}
	while (done < (size_t)st.st_size) {
		n = read(fd, text + done, (size_t)st.st_size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			rh_errbuf_printf(errbuf, errlen, "cannot read %s: %s", path, strerror(-ret));
			rh_free(text);
			goto err_close;
		}
		done += (size_t)n;
	}
	close(fd);
	text[done] = '\0';
	*ret_text = text;
	*ret_len = done;
	return 0;

err_close:
	close(fd);
	return ret;
}
