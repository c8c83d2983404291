/*
 * The device registry: every driver that has a device running (doing DMA,
 * raising interrupts) registers it here with a shutdown method, so that
 * code above the drivers can quiesce them all without naming any: kexec
 * does before it jumps, so that no DMA lands in the next kernel's memory.
 * Linux: struct device with its driver's .shutdown, device_register() and
 * device_shutdown() in drivers/base/core.c.  No allocation: a driver
 * embeds its struct device in its own state.
 */
#ifndef DRIVERS_DEVICE_H
#define DRIVERS_DEVICE_H

#include "lib/types.h"

struct device {
	const char *name;			/* "virtio_blk 00:04.0", for the log */
	void (*shutdown)(struct device *dev);	/* stop DMA and interrupts; no failing */
	struct device *next;			/* the registry's list; set by device_register */
	bool registered;
};

/* Add dev to the registry (once: registering it again does nothing). */
void device_register(struct device *dev);

/* Take dev out of the registry; one not registered is left alone. */
void device_unregister(struct device *dev);

/*
 * Call every registered device's shutdown, the most recently registered
 * first (a device may depend on one set up before it), as Linux's
 * device_shutdown walks devices_kset backwards.  Interrupts may be off;
 * nothing here allocates or prints.  The devices stay registered: a
 * driver that sets its device up again afterwards need not register again.
 */
void device_shutdown(void);

#endif
