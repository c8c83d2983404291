/*
 * PCI: configuration space through the legacy mechanism #1 (ports 0xcf8
 * and 0xcfc), one scan of bus 0 and of the buses behind PCI-to-PCI
 * bridges, each function's BARs (I/O and memory, sized), and the command
 * register bits a DMA driver needs.  Linux: arch/x86/pci/direct.c
 * (pci_conf1_read), drivers/pci/probe.c (pci_scan_bus, __pci_read_base).
 */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include "lib/types.h"

/* Configuration space header offsets (PCI Local Bus spec 3.0, 6.1). */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_CLASS_REVISION 0x08	/* revision, prog-if, subclass, class */
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SECONDARY_BUS 0x19	/* header type 1 (bridge) */
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c	/* header type 0 */
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_INTERRUPT_LINE 0x3c

#define PCI_COMMAND_IO (1u << 0)	/* decode I/O BARs */
#define PCI_COMMAND_MEMORY (1u << 1)	/* decode memory BARs */
#define PCI_COMMAND_MASTER (1u << 2)	/* the device may do DMA */
#define PCI_COMMAND_INTX_DISABLE (1u << 10)

#define PCI_MAX_DEVICES 64
#define PCI_MAX_BARS 6

enum pci_bar_kind { PCI_BAR_NONE, PCI_BAR_IO, PCI_BAR_MEM32, PCI_BAR_MEM64 };

struct pci_bar {
	uint64_t base;		/* I/O port or physical address */
	uint64_t size;		/* bytes (ports), from the sizing write */
	uint8_t kind;		/* enum pci_bar_kind */
	bool prefetch;
};

struct pci_dev {
	uint8_t bus, dev, fn;
	uint8_t header_type;	/* 0 device, 1 PCI-to-PCI bridge, 2 CardBus */
	uint16_t vendor, device;
	uint16_t subsys_vendor, subsys_id;	/* header type 0 only */
	uint8_t class_code, subclass, prog_if, revision;
	uint8_t irq_line;	/* as the firmware wrote it; 0xff: none */
	struct pci_bar bar[PCI_MAX_BARS];	/* a 64-bit BAR's upper slot is NONE */
};

/*
 * Scan the buses once (later calls return at once) and log each function
 * at debug level, a summary at info.  Returns the number of functions.
 */
unsigned pci_scan(void);

/* The idx-th function found (idx < pci_scan()), NULL past the end. */
struct pci_dev *pci_get(unsigned idx);

/* The first function with this vendor and device ID after `from` (NULL:
 * from the start), scanning first if needed; NULL if none. */
struct pci_dev *pci_find_device(uint16_t vendor, uint16_t device, struct pci_dev *from);

/* Configuration space of d; off must be aligned to the access size. */
uint32_t pci_read32(const struct pci_dev *d, unsigned off);
uint16_t pci_read16(const struct pci_dev *d, unsigned off);
uint8_t pci_read8(const struct pci_dev *d, unsigned off);
void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v);
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v);

/* Set (and clear) PCI_COMMAND_* bits of d's command register; returns the
 * register's new value as read back. */
uint16_t pci_set_command(const struct pci_dev *d, uint16_t set, uint16_t clear);

/* Config-space offset of d's capability with this ID (PCI_CAP_ID_*), or
 * 0 if it has none (Linux: pci_find_capability). */
#define PCI_CAP_ID_MSIX 0x11
uint8_t pci_find_capability(const struct pci_dev *d, uint8_t id);

/* Turn MSI-X off if a previous kernel left it on: a kexec'd or capture
 * kernel that drives the device through INTx and the legacy register
 * layout needs it off (Linux: pci_msix_clear_and_set_ctrl).  Returns
 * whether it was on. */
bool pci_msix_disable(const struct pci_dev *d);

/* "bridge", "mass storage", ...: the base class's name. */
const char *pci_class_name(uint8_t class_code);

#endif
