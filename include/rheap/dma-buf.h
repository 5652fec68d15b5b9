/* SPDX-License-Identifier: MIT */
/* dma-buf: shared buffer objects, exporter ops, attachments and CPU access (include/linux/dma-buf.h). */
#ifndef RHEAP_DMA_BUF_H
#define RHEAP_DMA_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rheap/device.h>
#include <rheap/err.h>
#include <rheap/export.h>
#include <rheap/platform.h>
#include <rheap/uapi/dma-buf.h>

RH_BEGIN_DECLS

struct rh_dma_buf;
struct rh_device;
struct rh_sg_table;

/**
 * struct rh_dma_buf_attachment - one importer device attached to a buffer
 * @dmabuf: the buffer (set by the core, read-only for everyone)
 * @dev: the importing device (set by the core, read-only)
 * @priv: exporter-private data, typically set by the exporter's attach op
 *
 * Allocated by rh_dma_buf_attach() and freed by rh_dma_buf_detach(); the
 * core keeps its own bookkeeping next to it, out of sight.
 *
 * Mirrors: struct dma_buf_attachment (include/linux/dma-buf.h)
 */
struct rh_dma_buf_attachment {
	struct rh_dma_buf *dmabuf;
	struct rh_device *dev;
	void *priv;
};

/**
 * struct rh_vm_area - a host mapping of (part of) a buffer being set up
 * @vm_start: first host address of the mapping (page aligned); the core
 *            reserves the range as PROT_NONE before calling the mmap op
 * @vm_end: one past the last host address
 * @vm_pgoff: offset into the buffer of @vm_start, in pages
 * @vm_prot: PROT_* bits the mapping must end up with
 * @vm_flags: MAP_* flags of the request (MAP_SHARED)
 * @vm_dmabuf: the buffer being mapped (the kernel's vma->vm_file)
 * @vm_private_data: free for the exporter
 *
 * Mirrors: struct vm_area_struct (include/linux/mm_types.h), reduced to what
 * a dma-buf exporter's mmap op reads.
 */
struct rh_vm_area {
	uintptr_t vm_start;
	uintptr_t vm_end;
	unsigned long vm_pgoff;
	int vm_prot;
	int vm_flags;
	struct rh_dma_buf *vm_dmabuf;
	void *vm_private_data;
};

/** Mirrors: vma_pages() (include/linux/mm.h) */
static inline unsigned long rh_vma_pages(const struct rh_vm_area *vma)
{
	return (unsigned long)((vma->vm_end - vma->vm_start) >> RH_PAGE_SHIFT);
}

/**
 * struct rh_dma_buf_ops - what an exporter implements
 *
 * Mirrors: struct dma_buf_ops (include/linux/dma-buf.h). The core never
 * holds a lock of its own while calling an op, except where stated.
 */
struct rh_dma_buf_ops {
	/**
	 * @attach: optional. Called by rh_dma_buf_attach() for a new
	 * attachment whose dmabuf and dev are set; typically allocates
	 * attach->priv (e.g. a per-attachment copy of the sg_table). No core
	 * lock held. Returns 0 or a negative errno (-ENOMEM), which fails the
	 * attach with nothing registered.
	 */
	int (*attach)(struct rh_dma_buf *dmabuf,
		      struct rh_dma_buf_attachment *attach);

	/**
	 * @detach: optional. Undoes @attach when the importer detaches; the
	 * attachment is already off the buffer's list. No core lock held.
	 */
	void (*detach)(struct rh_dma_buf *dmabuf,
		       struct rh_dma_buf_attachment *attach);

	/**
	 * @map_dma_buf: mandatory. Returns the buffer's scatter list mapped
	 * for attach->dev in direction @dir (DMA fields filled, normally by
	 * rh_dma_map_sgtable()), or RH_ERR_PTR(-errno). The table stays owned
	 * by the exporter. NULL is treated as -ENOMEM. No core lock held.
	 */
	struct rh_sg_table *(*map_dma_buf)(struct rh_dma_buf_attachment *attach,
					   enum rh_dma_data_direction dir);

	/**
	 * @unmap_dma_buf: mandatory. Undoes one @map_dma_buf of @sgt with the
	 * same @dir. No core lock held.
	 */
	void (*unmap_dma_buf)(struct rh_dma_buf_attachment *attach,
			      struct rh_sg_table *sgt,
			      enum rh_dma_data_direction dir);

	/**
	 * @release: mandatory. Frees the exporter's resources (dmabuf priv,
	 * memory) once the last reference of any kind is gone. Called exactly
	 * once, with no lock held; must not fail.
	 */
	void (*release)(struct rh_dma_buf *dmabuf);

	/**
	 * @begin_cpu_access: optional (absent: success). Prepares the CPU to
	 * access the buffer in direction @dir (cache invalidation). Returns 0
	 * or a negative errno, returned as is to DMA_BUF_IOCTL_SYNC.
	 */
	int (*begin_cpu_access)(struct rh_dma_buf *dmabuf,
				enum rh_dma_data_direction dir);

	/**
	 * @end_cpu_access: optional (absent: success). Ends a CPU access
	 * window (cache flush). Returns 0 or a negative errno.
	 */
	int (*end_cpu_access)(struct rh_dma_buf *dmabuf,
			      enum rh_dma_data_direction dir);

	/**
	 * @mmap: optional (absent: mapping fails with -EINVAL). Maps
	 * rh_vma_pages(@vma) pages of the buffer, starting at page
	 * @vma->vm_pgoff, at @vma->vm_start, usually with
	 * rh_remap_phys_range(). The core has checked the bounds and holds a
	 * reference for the lifetime of the mapping. Returns 0 or a negative
	 * errno (the core then drops the host range).
	 */
	int (*mmap)(struct rh_dma_buf *dmabuf, struct rh_vm_area *vma);

	/**
	 * @vmap: optional (absent: rh_dma_buf_vmap() fails with -EINVAL).
	 * Returns in @ret_vaddr a host address of the whole buffer,
	 * contiguous. Called with the buffer's lock held, only when no vmap
	 * is active (the core counts nested vmaps). Returns 0 or -errno.
	 */
	int (*vmap)(struct rh_dma_buf *dmabuf, void **ret_vaddr);

	/**
	 * @vunmap: optional. Undoes @vmap when the last nested vmap is gone.
	 * Called with the buffer's lock held.
	 */
	void (*vunmap)(struct rh_dma_buf *dmabuf, void *vaddr);
};

/**
 * struct rh_dma_buf_export_info - what rh_dma_buf_export() needs
 * @exp_name: exporter name shown by bufinfo/fdinfo (mandatory; must live as
 *            long as the buffer, as in the kernel; heaps pass their name)
 * @owner: the platform the buffer belongs to (the kernel's module owner)
 * @ops: the exporter's ops (map_dma_buf, unmap_dma_buf, release mandatory)
 * @size: size in bytes
 * @flags: file flags of the buffer (O_RDWR | O_CLOEXEC ...): the access
 *         mode of every fd and mapping of it
 * @priv: exporter data (mandatory), read back with rh_dma_buf_priv()
 *
 * Mirrors: struct dma_buf_export_info (include/linux/dma-buf.h)
 */
struct rh_dma_buf_export_info {
	const char *exp_name;
	struct rh_platform *owner;
	const struct rh_dma_buf_ops *ops;
	size_t size;
	int flags;
	void *priv;
};

/** Mirrors: DEFINE_DMA_BUF_EXPORT_INFO() (include/linux/dma-buf.h) */
#define RH_DEFINE_DMA_BUF_EXPORT_INFO(name) \
	struct rh_dma_buf_export_info name = { 0 }

/**
 * rh_dma_buf_export() - create a buffer object for an exporter
 * @exp_info: filled as described above
 *
 * The new buffer holds one reference, owned by the caller: hand it to an
 * fd with rh_dma_buf_fd() or drop it with rh_dma_buf_put(). Each buffer
 * gets a unique inode number (per platform, from 1).
 *
 * Mirrors: dma_buf_export() (drivers/dma-buf/dma-buf.c)
 * @return the buffer, or RH_ERR_PTR(-EINVAL) for a NULL @exp_info, owner,
 * exp_name, priv or ops, or ops without map_dma_buf, unmap_dma_buf or
 * release; RH_ERR_PTR(-ENOMEM).
 */
RH_EXPORT struct rh_dma_buf *
rh_dma_buf_export(const struct rh_dma_buf_export_info *exp_info);

/**
 * rh_get_dma_buf() - take a reference on @dmabuf
 *
 * The caller must already hold one (through an fd, a mapping or a get).
 * Taking a reference on a buffer whose last one is gone is logged as a
 * caller bug and ignored.
 *
 * Mirrors: get_dma_buf() (include/linux/dma-buf.h)
 */
RH_EXPORT void rh_get_dma_buf(struct rh_dma_buf *dmabuf);

/**
 * rh_dma_buf_put() - drop a reference; NULL-safe
 *
 * When the last fd, mapping and get reference is gone, the buffer is
 * released. A release while attachments or vmaps are still alive is an
 * importer bug: it is logged and counted (rh_dma_buf_get_stats()), and the
 * buffer lives on until the last of them is gone, then the exporter's
 * release op runs, exactly once.
 *
 * Mirrors: dma_buf_put() (drivers/dma-buf/dma-buf.c)
 */
RH_EXPORT void rh_dma_buf_put(struct rh_dma_buf *dmabuf);

/**
 * rh_dma_buf_fd() - install @dmabuf in a new file descriptor
 * @flags: O_CLOEXEC is honoured; the access mode is the buffer's own
 *
 * On success the caller's reference is transferred to the fd.
 * Mirrors: dma_buf_fd() (drivers/dma-buf/dma-buf.c)
 * @return the fd (>= 0), -EINVAL for NULL, -EMFILE when the platform's fd
 * table is full (the caller still owns its reference).
 */
RH_EXPORT int rh_dma_buf_fd(struct rh_dma_buf *dmabuf, int flags);

/**
 * rh_dma_buf_get() - the buffer behind fd @fd of @plat, with a new reference
 *
 * Drop it with rh_dma_buf_put().
 * Mirrors: dma_buf_get() (drivers/dma-buf/dma-buf.c)
 * @return the buffer, RH_ERR_PTR(-EBADF) for a closed fd,
 * RH_ERR_PTR(-EINVAL) for an fd that is not a dma-buf or a NULL @plat.
 */
RH_EXPORT struct rh_dma_buf *rh_dma_buf_get(struct rh_platform *plat, int fd);

/**
 * rh_dma_buf_attach() - attach device @dev to @dmabuf
 *
 * The attachment keeps the buffer alive until rh_dma_buf_detach().
 * Mirrors: dma_buf_attach() (drivers/dma-buf/dma-buf.c)
 * @return the attachment, or RH_ERR_PTR(-EINVAL) (NULL argument, @dev of
 * another platform), RH_ERR_PTR(-ENOMEM), or the attach op's error.
 */
RH_EXPORT struct rh_dma_buf_attachment *
rh_dma_buf_attach(struct rh_dma_buf *dmabuf, struct rh_device *dev);

/**
 * rh_dma_buf_detach() - undo rh_dma_buf_attach(); frees @attach
 *
 * Detaching while mappings of the attachment are still alive is logged as
 * a caller bug. A mismatched @dmabuf is logged and ignored.
 * Mirrors: dma_buf_detach() (drivers/dma-buf/dma-buf.c)
 */
RH_EXPORT void rh_dma_buf_detach(struct rh_dma_buf *dmabuf,
				 struct rh_dma_buf_attachment *attach);

/**
 * rh_dma_buf_map_attachment() - map the buffer for DMA by attach->dev
 * @dir: RH_DMA_BIDIRECTIONAL, RH_DMA_TO_DEVICE or RH_DMA_FROM_DEVICE
 *
 * The exporter fills the DMA fields for that device (and decides the
 * attributes, e.g. RH_DMA_ATTR_SKIP_CPU_SYNC). Unaligned DMA segments are
 * reported at debug level, as CONFIG_DMA_API_DEBUG does.
 *
 * Mirrors: dma_buf_map_attachment() (drivers/dma-buf/dma-buf.c)
 * @return the table (owned by the exporter), RH_ERR_PTR(-EINVAL) for a NULL
 * @attach or a bad @dir, or the exporter's error (-ENOMEM for NULL).
 */
RH_EXPORT struct rh_sg_table *
rh_dma_buf_map_attachment(struct rh_dma_buf_attachment *attach,
			  enum rh_dma_data_direction dir);

/**
 * rh_dma_buf_unmap_attachment() - undo one rh_dma_buf_map_attachment()
 *
 * Unmapping an attachment that has no mapping is logged as a caller bug and
 * ignored.
 * Mirrors: dma_buf_unmap_attachment() (drivers/dma-buf/dma-buf.c)
 */
RH_EXPORT void rh_dma_buf_unmap_attachment(struct rh_dma_buf_attachment *attach,
					   struct rh_sg_table *sgt,
					   enum rh_dma_data_direction dir);

/**
 * rh_dma_buf_begin_cpu_access() - start a CPU access window
 *
 * Mirrors: dma_buf_begin_cpu_access() (drivers/dma-buf/dma-buf.c)
 * @return 0 (also when the exporter has no such op), -EINVAL for NULL or a
 * bad @dir, or the exporter's error (e.g. -EPERM on a restricted heap).
 */
RH_EXPORT int rh_dma_buf_begin_cpu_access(struct rh_dma_buf *dmabuf,
					  enum rh_dma_data_direction dir);

/**
 * rh_dma_buf_end_cpu_access() - end a CPU access window
 *
 * Begin/end pairing is not checked (the kernel does not either).
 * Mirrors: dma_buf_end_cpu_access() (drivers/dma-buf/dma-buf.c)
 * @return as rh_dma_buf_begin_cpu_access().
 */
RH_EXPORT int rh_dma_buf_end_cpu_access(struct rh_dma_buf *dmabuf,
					enum rh_dma_data_direction dir);

/**
 * rh_dma_buf_mmap() - let the exporter map @vma from buffer page @pgoff
 * @vma: vm_start/vm_end/vm_prot/vm_flags set by the caller over a reserved
 *       host range; vm_pgoff and vm_dmabuf are set here
 *
 * The caller keeps a reference for as long as the mapping exists (the fd
 * layer's rh_mmap() does all of this).
 * Mirrors: dma_buf_mmap() (drivers/dma-buf/dma-buf.c)
 * @return 0, -EINVAL (NULL, no mmap op, range beyond the buffer),
 * -EOVERFLOW (@pgoff + pages wraps), or the exporter's error.
 */
RH_EXPORT int rh_dma_buf_mmap(struct rh_dma_buf *dmabuf,
			      struct rh_vm_area *vma, unsigned long pgoff);

/**
 * rh_remap_phys_range() - map DRAM [@pa, @pa + @size) at host address @addr
 * of @vma, through the normal view (exporters' mmap op helper)
 *
 * The range must be page aligned and inside @vma; the mapping gets
 * @vma->vm_prot and shares its pages with the platform's DRAM (writes are
 * seen by the devices and the other views). It is registered with the
 * platform: the firewall keeps the CPU out of its pages as out of every
 * other CPU mapping of them (PROT_NONE there while protected, whether the
 * protection came before or after this call; a trapped access is a
 * violation), and gives it back its own protection on release.
 *
 * The mapping belongs to the library, as a vma belongs to the kernel:
 * rh_munmap() (or the core, for an mmap op) and rh_unmap_phys_range() (for
 * a vmap op) remove it. A libc munmap() leaves a stale registration, and
 * the next protection change of those pages maps over the range again
 * (MAP_FIXED), whatever it holds by then.
 *
 * Mirrors: remap_pfn_range() (mm/memory.c)
 * @return 0, -EINVAL (bad alignment or range, a range over the platform's
 * own views of DRAM, unknown @vma->vm_prot bits), -ERANGE (outside DRAM),
 * -ENOMEM, or the -errno of the host mapping call.
 */
RH_EXPORT int rh_remap_phys_range(struct rh_vm_area *vma, uintptr_t addr,
				  rh_phys_addr_t pa, size_t size);

/**
 * rh_unmap_phys_range() - unmap a host range an exporter mapped DRAM into
 * @plat: the platform whose DRAM it maps
 * @addr, @size: page-aligned host range the exporter reserved (for its
 *               vmap op), holding rh_remap_phys_range() mappings or not
 *
 * Unmaps the whole range and unregisters every DRAM mapping inside it (one
 * that sticks out of it keeps its other part). What an exporter's vunmap
 * op calls for the range its vmap op built.
 * Mirrors: vunmap() (mm/vmalloc.c)
 * @return 0, -EINVAL (NULL, unaligned, empty, or over the platform's own
 * views), -ENOMEM (a mapping would have to be split; nothing changed), or
 * the -errno of munmap (nothing changed).
 */
RH_EXPORT int rh_unmap_phys_range(struct rh_platform *plat, void *addr, size_t size);

/**
 * rh_dma_buf_vmap() - a contiguous host address of the whole buffer
 *
 * Nested calls return the same address; the exporter's vunmap runs when the
 * last is undone. An active vmap keeps the buffer alive.
 * Mirrors: dma_buf_vmap() (drivers/dma-buf/dma-buf.c)
 * @return 0, -EINVAL (NULL argument, no vmap op), or the exporter's error.
 */
RH_EXPORT int rh_dma_buf_vmap(struct rh_dma_buf *dmabuf, void **ret_vaddr);

/**
 * rh_dma_buf_vunmap() - undo one rh_dma_buf_vmap()
 *
 * A @vaddr that is not the active vmap (or no vmap at all) is logged as a
 * caller bug and ignored.
 * Mirrors: dma_buf_vunmap() (drivers/dma-buf/dma-buf.c)
 */
RH_EXPORT void rh_dma_buf_vunmap(struct rh_dma_buf *dmabuf, void *vaddr);

/**
 * rh_dma_buf_set_name() - name the buffer (shown by bufinfo and fdinfo)
 * @name: at most RH_DMA_BUF_NAME_LEN - 1 characters; "" is a valid name
 *
 * Replaces an earlier name.
 * Mirrors: dma_buf_set_name() (drivers/dma-buf/dma-buf.c, strndup_user()
 * rules)
 * @return 0, -EINVAL (NULL @dmabuf, or no NUL within RH_DMA_BUF_NAME_LEN
 * bytes), -EFAULT (NULL @name).
 */
RH_EXPORT int rh_dma_buf_set_name(struct rh_dma_buf *dmabuf, const char *name);

/**
 * rh_dma_buf_get_name() - copy the buffer's name
 * @ret_name: room for RH_DMA_BUF_NAME_LEN bytes, written only on success
 * @return 0, -ENOENT when no name was set, -EINVAL for NULL.
 */
RH_EXPORT int rh_dma_buf_get_name(struct rh_dma_buf *dmabuf, char *ret_name);

/* Accessors for the fields kernel code reads directly (dmabuf->priv ...). */

/** rh_dma_buf_priv() - the exporter's priv (dmabuf->priv); NULL for NULL */
RH_EXPORT void *rh_dma_buf_priv(const struct rh_dma_buf *dmabuf);
/** rh_dma_buf_size() - size in bytes (dmabuf->size); 0 for NULL */
RH_EXPORT size_t rh_dma_buf_size(const struct rh_dma_buf *dmabuf);
/** rh_dma_buf_exp_name() - exporter name (dmabuf->exp_name); NULL for NULL */
RH_EXPORT const char *rh_dma_buf_exp_name(const struct rh_dma_buf *dmabuf);
/** rh_dma_buf_get_ops() - the exporter's ops (dmabuf->ops); NULL for NULL */
RH_EXPORT const struct rh_dma_buf_ops *rh_dma_buf_get_ops(const struct rh_dma_buf *dmabuf);
/** rh_dma_buf_ino() - unique inode number (file_inode(dmabuf->file)->i_ino) */
RH_EXPORT uint64_t rh_dma_buf_ino(const struct rh_dma_buf *dmabuf);
/** rh_dma_buf_platform() - the owner platform; NULL for NULL */
RH_EXPORT struct rh_platform *rh_dma_buf_platform(const struct rh_dma_buf *dmabuf);

/**
 * rh_dma_buf_file_count() - references held by fds, mappings and gets
 *
 * The "count" column of bufinfo. Attachments and vmaps keep the buffer
 * alive without being counted here, as in the kernel.
 * Mirrors: file_count(dmabuf->file) (include/linux/fs.h)
 * @return the count, 0 for NULL.
 */
RH_EXPORT long rh_dma_buf_file_count(const struct rh_dma_buf *dmabuf);

/**
 * struct rh_dma_buf_stats - per-platform dma-buf counters
 * @count: live buffers (not released yet)
 * @bytes: their total size
 * @peak_count: most live buffers at any time
 * @peak_bytes: most live bytes at any time
 * @exported: buffers exported since the platform was created
 * @released: buffers released since the platform was created
 * @release_errors: last file reference dropped while attachments or vmaps
 *                  were alive (the kernel WARNs/BUGs there)
 */
struct rh_dma_buf_stats {
	uint64_t count;
	uint64_t bytes;
	uint64_t peak_count;
	uint64_t peak_bytes;
	uint64_t exported;
	uint64_t released;
	uint64_t release_errors;
};

/**
 * rh_dma_buf_get_stats() - snapshot of @plat's dma-buf counters
 * @return 0, -EINVAL for NULL.
 */
RH_EXPORT int rh_dma_buf_get_stats(struct rh_platform *plat,
				   struct rh_dma_buf_stats *ret_stats);

/**
 * rh_dma_buf_bufinfo() - write the debugfs bufinfo report of @plat to @out
 *
 * Exactly the format of /sys/kernel/debug/dma_buf/bufinfo: one line per
 * buffer (newest first: size, file flags, file mode, count, exp_name, ino,
 * name or <none>), its attached devices, then the totals.
 *
 * Mirrors: dma_buf_debug_show() (drivers/dma-buf/dma-buf.c)
 * @return 0, -EINVAL for NULL, -EIO when writing fails.
 */
RH_EXPORT int rh_dma_buf_bufinfo(struct rh_platform *plat, FILE *out);

RH_END_DECLS

#endif /* RHEAP_DMA_BUF_H */
