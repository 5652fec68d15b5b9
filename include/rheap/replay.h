/* SPDX-License-Identifier: MIT */
/* Allocation-trace replay: the CSV trace format (perf.md §5) and a runner over the fd layer. */
#ifndef RHEAP_REPLAY_H
#define RHEAP_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rheap/export.h>
#include <rheap/platform.h>

RH_BEGIN_DECLS

/*
 * Trace file format (CSV, one event a row):
 *
 *	# comment lines and blank lines are ignored anywhere
 *	t_us,op,heap,size,id,attrs
 *	0,A,restricted_mtk_cm,4194304,1.in0,role=bitstream
 *	5000,A,restricted_mtk_cma,12533760,1.fr0,role=frame sess=1
 *	10000000,M,,,seek,sess=1
 *	20000000,F,restricted_mtk_cma,,1.fr0,
 *
 * - the header line is required, exactly as above (first non-comment line);
 * - t_us: decimal microseconds since the start, never decreasing, at most
 *   RH_REPLAY_MAX_T_US;
 * - op: A (allocate), F (free), M (marker);
 * - heap: A: the heap name (required); F: empty or the heap of the
 *   allocation; M: empty;
 * - size: A: bytes before page rounding, at least 1; F: empty or the size
 *   of the allocation; M: empty;
 * - id: 1..RH_REPLAY_ID_MAX characters of [A-Za-z0-9._-]; A: unique among
 *   the live buffers; F: a live buffer; M: the marker's name;
 * - attrs: space-separated key=value pairs: role=WORD, sess=NUMBER,
 *   expect=ERRNO (A only: the allocation is expected to fail with it:
 *   ENOMEM, EINVAL, ENOSPC, EBUSY, ENODEV, EOPNOTSUPP, EPERM, EACCES,
 *   EMFILE, EIO, ENOENT or EFAULT); other keys are kept in the raw text and
 *   otherwise ignored; a key appears once;
 * - exactly six fields a row, no quoting; "\r\n" line ends are accepted.
 */

/** Longest buffer id or marker name (NUL excluded). */
#define RH_REPLAY_ID_MAX 64
/** Longest role= value (NUL excluded). */
#define RH_REPLAY_ROLE_MAX 32
/**
 * Latest t_us: a timed replay waits in nanoseconds of a signed 64-bit
 * clock (the kernel's ktime_t), so t_us * 1000 must fit INT64_MAX (about
 * 292 years).
 */
#define RH_REPLAY_MAX_T_US (INT64_MAX / 1000)
/** Most lines (rows, comments and blank lines) one trace text may have. */
#define RH_REPLAY_MAX_LINES (1u << 24)
/** Largest trace file rh_replay_parse_file() reads. */
#define RH_REPLAY_MAX_FILE_SIZE (256u << 20)

/** enum rh_replay_op - what a row does (the op column's letter) */
enum rh_replay_op {
	RH_REPLAY_OP_ALLOC = 'A',
	RH_REPLAY_OP_FREE = 'F',
	RH_REPLAY_OP_MARK = 'M',
};

/**
 * struct rh_replay_event - one parsed row
 * @t_us: time of the event, µs since the start of the trace
 * @op: RH_REPLAY_OP_*
 * @line: 1-based line of the row in the text (errors name it)
 * @heap: heap name; for F the allocation's heap even when the row left it
 *        empty; "" for M
 * @size: A and F: the allocation's size as written (before page rounding);
 *        0 for M
 * @id: buffer id (A, F) or marker name (M)
 * @role: role= value, "" when absent
 * @sess: sess= value, 0 when absent
 * @expect: 0, or the negative errno of expect= (-ENOMEM for expect=ENOMEM)
 * @attrs: the attrs field as written ("" when empty)
 * @alloc_index: F: index of the A event that allocated @id; otherwise the
 *               event's own index
 *
 * Strings belong to the trace and live as long as it does.
 */
struct rh_replay_event {
	uint64_t t_us;
	enum rh_replay_op op;
	unsigned int line;
	const char *heap;
	uint64_t size;
	const char *id;
	const char *role;
	unsigned int sess;
	int expect;
	const char *attrs;
	size_t alloc_index;
};

struct rh_replay_trace;

/**
 * rh_replay_parse() - parse a trace from memory
 * @text, @len: the CSV text (need not be NUL-terminated; a NUL byte in it is
 *              an error)
 * @ret_trace: the parsed trace, written only on success; free it with
 *             rh_replay_trace_free()
 * @errbuf, @errlen: on -EINVAL, one line naming the line number and the
 *                   problem ("line 12: F of unknown id '1.fr9'"); may be
 *                   NULL/0
 *
 * Every rule of the format above is checked, including that an F names a
 * live id (allocated earlier and not freed since).
 * @return 0, -EINVAL (malformed; @errbuf says where), -E2BIG (more than
 * RH_REPLAY_MAX_LINES lines), -ENOMEM.
 */
RH_EXPORT int rh_replay_parse(const char *text, size_t len,
			      struct rh_replay_trace **ret_trace, char *errbuf,
			      size_t errlen);

/**
 * rh_replay_parse_file() - read and parse a trace file
 * @path: the file
 *
 * As rh_replay_parse(); @errbuf also explains a file that cannot be read.
 * @return 0, the -errno of open/read (-ENOENT, -EACCES ...), -EFBIG (larger
 * than RH_REPLAY_MAX_FILE_SIZE), or the errors of rh_replay_parse().
 */
RH_EXPORT int rh_replay_parse_file(const char *path,
				   struct rh_replay_trace **ret_trace,
				   char *errbuf, size_t errlen);

/** rh_replay_trace_free() - free a parsed trace; NULL-safe */
RH_EXPORT void rh_replay_trace_free(struct rh_replay_trace *trace);

/** rh_replay_trace_count() - number of events (rows); 0 for NULL */
RH_EXPORT size_t rh_replay_trace_count(const struct rh_replay_trace *trace);

/**
 * rh_replay_trace_event() - event @index of @trace
 * @return the event (owned by the trace), NULL when @index is out of range
 * or @trace is NULL.
 */
RH_EXPORT const struct rh_replay_event *
rh_replay_trace_event(const struct rh_replay_trace *trace, size_t index);

/**
 * struct rh_replay_op_result - what one event did (per-op callback)
 * @index: the event's index in the trace
 * @ev: the event
 * @heap: the heap it went to (after &rh_replay_options.map_heap); "" for M
 * @err: 0 or the negative errno the operation got
 * @expected: the outcome is what the trace expects (@err == @ev->expect)
 * @skipped: F of a buffer whose allocation failed: nothing was freed
 * @latency_ns: A: the DMA_HEAP_IOCTL_ALLOC call; F: the close of the
 *              buffer's fd (which releases it); 0 for M and skipped F
 * @bytes: page-rounded size of the buffer (A and F), 0 for M
 * @live_bytes, @live_count: buffers of the trace alive after this event
 * @sim_ns: simulated time the event took on the calling thread's clock
 *          (rheap/cost-model.h), failed operations included; 0 when the
 *          platform has no cost model
 */
struct rh_replay_op_result {
	size_t index;
	const struct rh_replay_event *ev;
	const char *heap;
	int err;
	bool expected;
	bool skipped;
	uint64_t latency_ns;
	uint64_t bytes;
	uint64_t live_bytes;
	uint64_t live_count;
	uint64_t sim_ns;
};

/**
 * struct rh_replay_options - how to run a trace (zero it, then fill)
 * @timed: wait until each event's t_us (relative to the start of the run)
 *         before doing it; otherwise run as fast as possible
 * @fd_flags: fd_flags of every allocation; 0 means O_RDWR | O_CLOEXEC
 * @map_heap: optional; the heap an A row allocates from (a role -> heap
 *            map, say); NULL or a NULL return: the row's own heap. Called
 *            once per A row before the run; the string must stay valid
 *            until rh_replay_run() returns
 * @on_op: optional; called after every event, in trace order
 * @data: passed to @map_heap and @on_op
 * @errbuf, @errlen: on a -ENOENT return, one line naming the heap and the
 *                   row; may be NULL/0
 */
struct rh_replay_options {
	bool timed;
	uint32_t fd_flags;
	const char *(*map_heap)(void *data, const struct rh_replay_event *ev);
	void (*on_op)(void *data, const struct rh_replay_op_result *res);
	void *data;
	char *errbuf;
	size_t errlen;
};

/**
 * struct rh_replay_result - totals of a run
 * @events: events run (the whole trace)
 * @allocs: A events; @alloc_ok of them succeeded
 * @frees: F events that released a buffer
 * @frees_skipped: F events of buffers whose allocation had failed
 * @marks: M events
 * @expected_failures: A events that failed with the errno the trace expects
 * @unexpected_failures: A or F events that failed without expect=, or
 *                       failed with another errno than the one expected
 * @unexpected_successes: A events with expect= that succeeded
 * @leftover: buffers the trace never freed (closed by the runner at the end)
 * @peak_bytes, @peak_count: most live buffers of the trace at any time
 * @elapsed_ns: wall time of the run
 * @sim_ns: simulated time of the run on the calling thread's clock (the sum
 *          of the events' &rh_replay_op_result.sim_ns); 0 without a cost model
 */
struct rh_replay_result {
	uint64_t events;
	uint64_t allocs;
	uint64_t alloc_ok;
	uint64_t frees;
	uint64_t frees_skipped;
	uint64_t marks;
	uint64_t expected_failures;
	uint64_t unexpected_failures;
	uint64_t unexpected_successes;
	uint64_t leftover;
	uint64_t peak_bytes;
	uint64_t peak_count;
	uint64_t elapsed_ns;
	uint64_t sim_ns;
};

/**
 * rh_replay_run() - replay @trace against the heaps of @plat
 * @opts: NULL for the defaults
 * @ret_result: the totals, written when the run took place (0 return)
 *
 * Opens /dev/dma_heap/NAME once per heap through the fd layer, then for
 * each event: A allocates with DMA_HEAP_IOCTL_ALLOC (rh_ioctl()), F closes
 * the buffer's fd (rh_close()), M does nothing. A failed operation is
 * counted and the run goes on; an F of a buffer whose allocation failed is
 * skipped. Buffers left alive at the end are closed. Every heap fd is
 * closed before returning, so the platform ends as it started.
 *
 * @return 0 when the trace ran (its failures are in @ret_result), -EINVAL
 * for a NULL @plat/@trace/@ret_result, -ENOENT when a heap the trace needs
 * does not exist (checked before anything is allocated), -ENOMEM, or the
 * error of opening a heap.
 */
RH_EXPORT int rh_replay_run(struct rh_platform *plat,
			    const struct rh_replay_trace *trace,
			    const struct rh_replay_options *opts,
			    struct rh_replay_result *ret_result);

RH_END_DECLS

#endif /* RHEAP_REPLAY_H */
