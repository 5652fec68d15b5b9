/* SPDX-License-Identifier: MIT */
/* ioctl command encoding, same bits as the generic Linux <asm-generic/ioctl.h>. */
#ifndef RHEAP_UAPI_IOCTL_H
#define RHEAP_UAPI_IOCTL_H

/*
 * The generic layout (x86, arm, arm64, riscv): nr 8 bits, type 8 bits,
 * size 14 bits, direction 2 bits. tests/abi/test-uapi-abi.c proves that the
 * numbers built with these macros equal the host kernel headers'.
 */
#define RH_IOC_NRBITS 8
#define RH_IOC_TYPEBITS 8
#define RH_IOC_SIZEBITS 14
#define RH_IOC_DIRBITS 2

#define RH_IOC_NRMASK ((1U << RH_IOC_NRBITS) - 1)
#define RH_IOC_TYPEMASK ((1U << RH_IOC_TYPEBITS) - 1)
#define RH_IOC_SIZEMASK ((1U << RH_IOC_SIZEBITS) - 1)
#define RH_IOC_DIRMASK ((1U << RH_IOC_DIRBITS) - 1)

#define RH_IOC_NRSHIFT 0
#define RH_IOC_TYPESHIFT (RH_IOC_NRSHIFT + RH_IOC_NRBITS)
#define RH_IOC_SIZESHIFT (RH_IOC_TYPESHIFT + RH_IOC_TYPEBITS)
#define RH_IOC_DIRSHIFT (RH_IOC_SIZESHIFT + RH_IOC_SIZEBITS)

/* Direction, from the caller's point of view: WRITE = copied into the kernel. */
#define RH_IOC_NONE 0U
#define RH_IOC_WRITE 1U
#define RH_IOC_READ 2U

#define RH_IOC(dir, type, nr, size)                                   \
	(((unsigned int)(dir) << RH_IOC_DIRSHIFT) |                   \
	 ((unsigned int)(type) << RH_IOC_TYPESHIFT) |                 \
	 ((unsigned int)(nr) << RH_IOC_NRSHIFT) |                     \
	 ((unsigned int)(size) << RH_IOC_SIZESHIFT))

#define RH_IO(type, nr) RH_IOC(RH_IOC_NONE, (type), (nr), 0)
#define RH_IOR(type, nr, argtype) RH_IOC(RH_IOC_READ, (type), (nr), sizeof(argtype))
#define RH_IOW(type, nr, argtype) RH_IOC(RH_IOC_WRITE, (type), (nr), sizeof(argtype))
#define RH_IOWR(type, nr, argtype) \
	RH_IOC(RH_IOC_READ | RH_IOC_WRITE, (type), (nr), sizeof(argtype))

#define RH_IOC_DIR(nr) (((nr) >> RH_IOC_DIRSHIFT) & RH_IOC_DIRMASK)
#define RH_IOC_TYPE(nr) (((nr) >> RH_IOC_TYPESHIFT) & RH_IOC_TYPEMASK)
#define RH_IOC_NR(nr) (((nr) >> RH_IOC_NRSHIFT) & RH_IOC_NRMASK)
#define RH_IOC_SIZE(nr) (((nr) >> RH_IOC_SIZESHIFT) & RH_IOC_SIZEMASK)

/* Direction bits in place, as the kernel's IOC_IN / IOC_OUT. */
#define RH_IOC_IN (RH_IOC_WRITE << RH_IOC_DIRSHIFT)
#define RH_IOC_OUT (RH_IOC_READ << RH_IOC_DIRSHIFT)

#endif /* RHEAP_UAPI_IOCTL_H */
