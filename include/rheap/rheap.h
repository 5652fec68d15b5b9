/* SPDX-License-Identifier: MIT */
/* Umbrella header: what the normal world may do (the test bench adds rheap/testbench.h). */
#ifndef RHEAP_RHEAP_H
#define RHEAP_RHEAP_H

#include <rheap/export.h>
#include <rheap/err.h>
#include <rheap/version.h>
#include <rheap/platform.h>
#include <rheap/trace.h>
#include <rheap/cost-model.h>
#include <rheap/phys.h>
#include <rheap/device.h>
#include <rheap/scatterlist.h>
#include <rheap/dma-buf.h>
#include <rheap/dma-heap.h>
#include <rheap/uapi/ioctl.h>
#include <rheap/uapi/dma-buf.h>
#include <rheap/uapi/dma-heap.h>
#include <rheap/uapi/tee.h>
#include <rheap/uapi.h>
#include <rheap/heaps/restricted.h>
#include <rheap/heaps/restricted-mtk.h>
#include <rheap/importer.h>
#include <rheap/tee-msg.h>
#include <rheap/tee.h>
#include <rheap/teec.h>
#include <rheap/tee-secmem.h>
#include <rheap/tee-protmem.h>
#include <rheap/tee-heap.h>
#include <rheap/replay.h>

#endif /* RHEAP_RHEAP_H */
