/*
 * kdump's shared contract: the crash kernel window, the per-CPU crash
 * notes and the panic entry point.  Linux: include/linux/crash_core.h,
 * kernel/crash_core.c (crashk_res, crash_notes, __crash_kexec).
 */
#ifndef CRASH_CRASH_H
#define CRASH_CRASH_H

#include "lib/types.h"
#include "mm/resource.h"

struct trap_frame;

/*
 * The "Crash kernel" window reserved at boot from crashkernel=; start ==
 * end == 0 when there is none.  Inserted in the iomem tree.
 */
extern struct resource crashk_res;

/* Parse crashkernel=, place and reserve the window (after pmm_setup). */
void crashkernel_setup(void);

/* Fill VMCOREINFO for this boot (after paging_setup: it names CR3). */
void vmcoreinfo_setup(void);

/* The VMCOREINFO text (KEY=VALUE lines) and its size. */
const char *vmcoreinfo_text(size_t *size);

/* The crash image segment holding the pristine VMCOREINFO text. */
#define VMCOREINFO_SAFECOPY_NAME "VMCOREINFO safe copy"

struct kexec_load;

/*
 * Called by the kexec loader while it builds a crash image (kexec -p),
 * registered with kexec_crash_register: add the ELF core header segment,
 * the VMCOREINFO safe copy and the capture kernel's elfcorehdr= argument
 * to ld.  0 or -E_* (logged).  Linux: crash_load_segments().
 */
int crash_load_segments(struct kexec_load *ld);

/*
 * Called by the kexec loader before a crash load changes anything: can
 * this kernel load a capture kernel, and will the capture kernel's
 * command line work?  Refuses (logged, with the reason): a kernel that
 * is itself a capture kernel (elfcorehdr=), a kdump key the capture
 * kernel would reject (CMDLINE_CAPTURE_KEY checks), vmcore_disk= naming
 * no disk present, vmcore_autosave= without vmcore_disk=, and a window
 * too small for the capture kernel to save this machine's RAM (the size
 * needed).  0 or -E_*.
 */
int crash_check_capture(const char *cmdline);

/*
 * During a crash load (crash_load_segments), once the image and modules
 * are placed: will the window hold the capture kernel while it saves this
 * machine's RAM?  still_to_add is what the load adds that the capture
 * kernel keeps reserved.  Counts what today's capture kernel really
 * allocates (reserved segments, frame bitmap, page tables for the old
 * RAM, the dump disk's queue, heap).  0 (logs the figure) or -E_NOSPC
 * with the size needed (crash/crash_check.c).
 */
int crash_check_window(struct kexec_load *ld, uint64_t still_to_add);

/* Did vmcore_setup find a usable ELF core header (a working capture kernel)? */
bool vmcore_available(void);

/*
 * The panic path's way into the capture kernel (Linux: __crash_kexec):
 * save this CPU's registers (regs, or the caller's if NULL) in its crash
 * note, stamp VMCOREINFO, quiesce, and jump.  Returns only when no
 * capture kernel is loaded.
 */
void crash_kexec(struct trap_frame *regs);

/* Capture kernel (elfcorehdr= given): check the header, map the old
 * memory, build the vmcore.  Does nothing on a normal boot. */
void vmcore_setup(void);

/* Capture kernel: with vmcore_autosave=poweroff|reboot|shell, save the
 * vmcore to the dump disk before the shell starts, then do that. */
void vmcore_autosave(void);

/* True in a capture kernel (Linux: is_kdump_kernel). */
bool is_kdump_kernel(void);

#endif
