/*
 * The device registry (drivers/device.h): a list of the devices running,
 * newest first, each with the shutdown method its driver gave.  kexec
 * walks it before the jump.  Linux: drivers/base/core.c (device_add puts
 * a device on devices_kset; device_shutdown calls dev->driver->shutdown
 * in reverse order).
 */
#include "drivers/device.h"

static struct device *devices;	/* newest first */

void device_register(struct device *dev)
{
	if (dev->registered)
		return;
	dev->next = devices;
	devices = dev;
	dev->registered = true;
}

void device_unregister(struct device *dev)
{
	for (struct device **p = &devices; *p; p = &(*p)->next) {
		if (*p == dev) {
			*p = dev->next;
			dev->next = NULL;
			dev->registered = false;
			return;
		}
	}
}

void device_shutdown(void)
{
	for (struct device *dev = devices; dev; dev = dev->next)
		if (dev->shutdown)
			dev->shutdown(dev);
}
