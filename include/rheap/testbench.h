/* SPDX-License-Identifier: MIT */
/* The test bench's view of the simulated system: what stands for hardware or an omniscient observer. */
#ifndef RHEAP_TESTBENCH_H
#define RHEAP_TESTBENCH_H

/*
 * rheap/rheap.h is what the normal world may do: heaps, dma-bufs, the fd
 * layer, the kernel's TEE client and GP clients, importers and CPU probes,
 * all of it subject to the threat model of docs/architecture.md. This
 * header adds what no normal-world code could do on real hardware, for
 * tests, tools and benchmarks:
 * - device-bus.h: a bus master's own DMA transactions and counters;
 * - firewall.h: the firewall's regions and violation log;
 * - secure-stats.h: the secure world's memory bookkeeping;
 * - svp.h: the content packager (a stand-in for a licence server);
 * - tee-backend.h: TEE backends (record/replay, fault injection);
 * - alloc.h: the library's allocation hook and fail-nth injection.
 * (The cmocka mock of a TEE backend is rheap/tee-mock.h, in
 * librheap-sim-mock.)
 */
#include <rheap/rheap.h>

#include <rheap/alloc.h>
#include <rheap/device-bus.h>
#include <rheap/firewall.h>
#include <rheap/secure-stats.h>
#include <rheap/svp.h>
#include <rheap/tee-backend.h>

#endif /* RHEAP_TESTBENCH_H */
