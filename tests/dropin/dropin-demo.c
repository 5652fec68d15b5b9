// SPDX-License-Identifier: MIT
/* The README's drop-in program: libc and linux/ uapi headers only, run under `rheap-sim run`. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-heap.h>
#include <linux/tee.h>

/* Allocates @len bytes from heap @name; returns the dma-buf fd or -1. */
static int heap_alloc(const char *name, size_t len)
{
	struct dma_heap_allocation_data data = {
		.len = len,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	char path[128];
	int heap, ret;

	snprintf(path, sizeof(path), "/dev/dma_heap/%s", name);
	heap = open(path, O_RDONLY | O_CLOEXEC);
	if (heap < 0)
		return -1;
	ret = ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &data);
	close(heap);
	return ret ? -1 : (int)data.fd;
}

/* Opens a session to @uuid on /dev/tee0; returns the TEE result (ret). */
static unsigned int open_session(int tee, const unsigned char *uuid, unsigned int *session)
{
	struct {
		struct tee_ioctl_open_session_arg arg;
	} buf;
	struct tee_ioctl_buf_data data = { (unsigned long)&buf, sizeof(buf) };

	memset(&buf, 0, sizeof(buf));
	memcpy(buf.arg.uuid, uuid, TEE_IOCTL_UUID_LEN);
	buf.arg.clnt_login = TEE_IOCTL_LOGIN_PUBLIC;
	if (ioctl(tee, TEE_IOC_OPEN_SESSION, &data))
		return 0xFFFF000E; /* TEEC_ERROR_COMMUNICATION */
	*session = buf.arg.session;
	return buf.arg.ret;
}

int main(void)
{
	static const unsigned char hello[16] = { 0x8a, 0xaa, 0xf2, 0x00, 0x24, 0x50, 0x11, 0xe4,
						 0xab, 0xe2, 0x00, 0x02, 0xa5, 0xd5, 0xc5, 0x1b };
	static const unsigned char secmem[16] = { 0x44, 0x77, 0x58, 0x8a, 0x84, 0x76, 0x11, 0xe2,
						  0xad, 0x15, 0xe4, 0x1f, 0x13, 0x90, 0xd6, 0x76 };
	struct {
		struct tee_ioctl_invoke_arg arg;
		struct tee_ioctl_param param;
	} inv;
	struct tee_ioctl_buf_data data = { (unsigned long)&inv, sizeof(inv) };
	struct dirent *de;
	unsigned int session, ret;
	int sys, rst, tee;
	DIR *dir;
	char *p;

	dir = opendir("/dev/dma_heap");
	if (!dir)
		return perror("/dev/dma_heap"), 1;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			printf("heap: %s\n", de->d_name);
	closedir(dir);

	sys = heap_alloc("system", 1 << 20);
	rst = heap_alloc("restricted_mtk_cma", 1 << 20);
	if (sys < 0 || rst < 0)
		return perror("allocation"), 1;
	p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, sys, 0);
	if (p == MAP_FAILED)
		return perror("mmap system"), 1;
	strcpy(p, "hello from the system heap");
	printf("system buffer mapped: %s\n", p);
	munmap(p, 1 << 20);
	if (mmap(NULL, 1 << 20, PROT_READ, MAP_SHARED, rst, 0) != MAP_FAILED || errno != EPERM)
		return fprintf(stderr, "restricted buffer mapped!\n"), 1;
	printf("restricted buffer: mmap refused (%s)\n", strerror(errno));
	close(sys);
	close(rst);

	tee = open("/dev/tee0", O_RDWR);
	if (tee < 0)
		return perror("/dev/tee0"), 1;
	ret = open_session(tee, hello, &session);
	if (ret)
		return fprintf(stderr, "hello_world: 0x%x\n", ret), 1;
	memset(&inv, 0, sizeof(inv));
	inv.arg.func = 0; /* TA_HELLO_WORLD_CMD_INC_VALUE */
	inv.arg.session = session;
	inv.arg.num_params = 1;
	inv.param.attr = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT;
	inv.param.a = 42;
	if (ioctl(tee, TEE_IOC_INVOKE, &data) || inv.arg.ret)
		return fprintf(stderr, "invoke failed\n"), 1;
	printf("hello_world: 42 + 1 = %llu\n", (unsigned long long)inv.param.a);
	ret = open_session(tee, secmem, &session);
	printf("secure-memory TA: 0x%x%s\n", ret,
	       ret == 0xFFFF0001 ? " (TEEC_ERROR_ACCESS_DENIED)" : "");
	close(tee);
	return inv.param.a == 43 && ret == 0xFFFF0001 ? 0 : 1;
}
