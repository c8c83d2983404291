/*
 * PCI enumeration.  Configuration mechanism #1: write bus/device/function/
 * register to the address port 0xcf8 (bit 31 = enable), then move the
 * dword through the data port 0xcfc.  The firmware (SeaBIOS) has already
 * assigned every BAR; we only read them, size them (write all ones, read
 * back the mask, restore) and list the functions for drivers and `lspci`.
 * Linux: arch/x86/pci/direct.c, drivers/pci/probe.c, lspci -nn.
 */
#include "drivers/pci.h"
#include "lib/cpu.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/shell.h"
#include "lib/string.h"
#include "lib/vsprintf.h"

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc
#define PCI_CLASS_BRIDGE 0x06
#define PCI_SUBCLASS_PCI_BRIDGE 0x04
#define PCI_BRIDGE_DEPTH 8	/* buses behind buses: plenty for QEMU */

static struct pci_dev devs[PCI_MAX_DEVICES];
static unsigned ndevs, nbuses;
static bool scanned;
static uint8_t bus_seen[256 / 8];

static uint32_t conf_addr(uint8_t bus, uint8_t dev, uint8_t fn, unsigned off)
{
	return 0x80000000u | (uint32_t)bus << 16 | (uint32_t)dev << 11 |
	       (uint32_t)fn << 8 | (off & 0xfc);
}

static uint32_t conf_read(uint8_t bus, uint8_t dev, uint8_t fn, unsigned off)
{
	uint64_t flags = irq_save();	/* address then data: one pair at a time */
	uint32_t v;

	outl(PCI_CONFIG_ADDRESS, conf_addr(bus, dev, fn, off));
	v = inl(PCI_CONFIG_DATA);
	irq_restore(flags);
	return v;
}

uint32_t pci_read32(const struct pci_dev *d, unsigned off)
{
	return conf_read(d->bus, d->dev, d->fn, off);
}

uint16_t pci_read16(const struct pci_dev *d, unsigned off)
{
	return (uint16_t)(pci_read32(d, off) >> ((off & 2) * 8));
}

uint8_t pci_read8(const struct pci_dev *d, unsigned off)
{
	return (uint8_t)(pci_read32(d, off) >> ((off & 3) * 8));
}

void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v)
{
	uint64_t flags = irq_save();

	outl(PCI_CONFIG_ADDRESS, conf_addr(d->bus, d->dev, d->fn, off));
	outl(PCI_CONFIG_DATA, v);
	irq_restore(flags);
}

void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v)
{
	uint64_t flags = irq_save();

	outl(PCI_CONFIG_ADDRESS, conf_addr(d->bus, d->dev, d->fn, off));
	outw(PCI_CONFIG_DATA + (off & 2), v);
	irq_restore(flags);
}

uint16_t pci_set_command(const struct pci_dev *d, uint16_t set, uint16_t clear)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);

	pci_write16(d, PCI_COMMAND, (uint16_t)((cmd & ~clear) | set));
	return pci_read16(d, PCI_COMMAND);
}

#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x10	/* status bit: a capability list at 0x34 */
#define PCI_CAPABILITY_LIST 0x34
#define PCI_MSIX_FLAGS 2		/* message control, from the capability */
#define PCI_MSIX_FLAGS_ENABLE 0x8000

uint8_t pci_find_capability(const struct pci_dev *d, uint8_t id)
{
	uint8_t pos;

	if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	pos = pci_read8(d, PCI_CAPABILITY_LIST) & ~3;
	for (unsigned n = 0; pos >= 0x40 && n < 48; n++) {	/* 48: a loop cannot hang us */
		if (pci_read8(d, pos) == id)
			return pos;
		pos = pci_read8(d, pos + 1) & ~3;
	}
	return 0;
}

bool pci_msix_disable(const struct pci_dev *d)
{
	uint8_t pos = pci_find_capability(d, PCI_CAP_ID_MSIX);
	uint16_t ctrl;

	if (!pos)
		return false;
	ctrl = pci_read16(d, pos + PCI_MSIX_FLAGS);
	if (!(ctrl & PCI_MSIX_FLAGS_ENABLE))
		return false;
	pci_write16(d, pos + PCI_MSIX_FLAGS, ctrl & ~PCI_MSIX_FLAGS_ENABLE);
	return true;
}

/* Write all ones to the BAR dword at off, return what reads back, restore. */
static uint32_t bar_mask(const struct pci_dev *d, unsigned off, uint32_t orig)
{
	uint32_t m;

	pci_write32(d, off, 0xffffffffu);
	m = pci_read32(d, off);
	pci_write32(d, off, orig);
	return m;
}

/* Decode BAR i (PCI spec 6.2.5.1); returns how many BAR slots it used. */
static unsigned read_bar(struct pci_dev *d, unsigned i, unsigned nbars)
{
	unsigned off = PCI_BAR0 + 4 * i;
	uint32_t lo = pci_read32(d, off), mlo = bar_mask(d, off, lo);
	struct pci_bar *b = &d->bar[i];

	if (lo & 1) {		/* I/O space: bits 1:0 are flags */
		uint32_t mask = mlo & ~3u;

		if (!mask)
			return 1;
		if (!(mask & 0xffff0000u))	/* a 16-bit decoder */
			mask |= 0xffff0000u;
		*b = (struct pci_bar){ lo & ~3u, (uint32_t)(~mask + 1), PCI_BAR_IO, false };
		return 1;
	}
	b->prefetch = lo & 8;
	if (((lo >> 1) & 3) == 2 && i + 1 < nbars) {	/* 64-bit: two slots */
		uint32_t hi = pci_read32(d, off + 4), mhi = bar_mask(d, off + 4, hi);
		uint64_t mask = (uint64_t)mhi << 32 | (mlo & ~0xfu);

		if (mask)
			*b = (struct pci_bar){ (uint64_t)hi << 32 | (lo & ~0xfu), ~mask + 1,
					       PCI_BAR_MEM64, b->prefetch };
		return 2;
	}
	if (mlo & ~0xfu)
		*b = (struct pci_bar){ lo & ~0xfu, (uint32_t)(~(mlo & ~0xfu) + 1),
				       PCI_BAR_MEM32, b->prefetch };
	return 1;
}

/*
 * No decoding while a BAR briefly holds all ones, and no interrupt handler
 * running meanwhile.  Host and ISA bridges keep decoding (Linux:
 * mmio_always_on): switching them off would cut the CPU from memory or
 * from the legacy ports.
 */
static void read_bars(struct pci_dev *d)
{
	unsigned nbars = d->header_type == 0 ? 6 : d->header_type == 1 ? 2 : 0;
	bool keep = d->class_code == PCI_CLASS_BRIDGE && d->subclass != PCI_SUBCLASS_PCI_BRIDGE;
	uint64_t flags = irq_save();
	uint16_t cmd = pci_read16(d, PCI_COMMAND);

	if (!keep)
		pci_write16(d, PCI_COMMAND, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	for (unsigned i = 0; i < nbars;)
		i += read_bar(d, i, nbars);
	if (!keep)
		pci_write16(d, PCI_COMMAND, cmd);
	irq_restore(flags);
}

static void log_dev(const struct pci_dev *d)
{
	pr_debug("pci: %02x:%02x.%u %04x:%04x class %02x%02x%02x (%s) irq %u\n", d->bus,
		 d->dev, d->fn, d->vendor, d->device, d->class_code, d->subclass, d->prog_if,
		 pci_class_name(d->class_code), d->irq_line);
}

static void scan_bus(uint8_t bus, unsigned depth);

static void add_function(uint8_t bus, uint8_t dev, uint8_t fn, unsigned depth)
{
	struct pci_dev t = { .bus = bus, .dev = dev, .fn = fn }, *d;
	uint32_t cr;

	if (ndevs == PCI_MAX_DEVICES) {
		pr_warn("pci: more than %u functions, %02x:%02x.%u not kept\n",
			PCI_MAX_DEVICES, bus, dev, fn);
		return;
	}
	d = &devs[ndevs++];
	*d = t;
	d->vendor = pci_read16(d, PCI_VENDOR_ID);
	d->device = pci_read16(d, PCI_DEVICE_ID);
	cr = pci_read32(d, PCI_CLASS_REVISION);
	d->revision = (uint8_t)cr;
	d->prog_if = (uint8_t)(cr >> 8);
	d->subclass = (uint8_t)(cr >> 16);
	d->class_code = (uint8_t)(cr >> 24);
	d->header_type = pci_read8(d, PCI_HEADER_TYPE) & 0x7f;
	d->irq_line = pci_read8(d, PCI_INTERRUPT_LINE);
	if (d->header_type == 0) {
		d->subsys_vendor = pci_read16(d, PCI_SUBSYSTEM_VENDOR_ID);
		d->subsys_id = pci_read16(d, PCI_SUBSYSTEM_ID);
	}
	read_bars(d);
	log_dev(d);
	if (d->header_type == 1 && d->class_code == PCI_CLASS_BRIDGE &&
	    d->subclass == PCI_SUBCLASS_PCI_BRIDGE) {
		uint8_t sec = pci_read8(d, PCI_SECONDARY_BUS);

		if (sec && depth < PCI_BRIDGE_DEPTH)
			scan_bus(sec, depth + 1);
	}
}

static void scan_bus(uint8_t bus, unsigned depth)
{
	if (bus_seen[bus / 8] & (1u << (bus % 8)))
		return;		/* a loop in a bridge's bus numbers */
	bus_seen[bus / 8] |= (uint8_t)(1u << (bus % 8));
	nbuses++;
	for (uint8_t dev = 0; dev < 32; dev++) {
		uint8_t nfn;

		if ((conf_read(bus, dev, 0, PCI_VENDOR_ID) & 0xffff) == 0xffff)
			continue;	/* no device: the bus returns all ones */
		nfn = (conf_read(bus, dev, 0, PCI_HEADER_TYPE & ~3u) >> 16) & 0x80 ? 8 : 1;
		for (uint8_t fn = 0; fn < nfn; fn++)
			if ((conf_read(bus, dev, fn, PCI_VENDOR_ID) & 0xffff) != 0xffff)
				add_function(bus, dev, fn, depth);
	}
}

unsigned pci_scan(void)
{
	if (scanned)
		return ndevs;
	scanned = true;
	scan_bus(0, 0);
	pr_info("pci: %u functions on %u bus%s (configuration mechanism #1)\n", ndevs,
		nbuses, nbuses == 1 ? "" : "es");
	return ndevs;
}

struct pci_dev *pci_get(unsigned idx)
{
	return idx < pci_scan() ? &devs[idx] : NULL;
}

struct pci_dev *pci_find_device(uint16_t vendor, uint16_t device, struct pci_dev *from)
{
	unsigned i = from ? (unsigned)(from - devs) + 1 : 0;

	for (pci_scan(); i < ndevs; i++)
		if (devs[i].vendor == vendor && devs[i].device == device)
			return &devs[i];
	return NULL;
}

const char *pci_class_name(uint8_t class_code)
{
	static const char *const names[] = {
		"unclassified", "mass storage", "network", "display", "multimedia",
		"memory", "bridge", "communication", "system peripheral", "input",
		"docking station", "processor", "serial bus",
	};

	return class_code < ARRAY_SIZE(names) ? names[class_code] : "other";
}

static void print_bar(unsigned i, const struct pci_bar *b)
{
	char sz[32];

	format_size(sz, sizeof(sz), b->size);
	if (b->kind == PCI_BAR_IO)
		console_printf("    BAR%u io    [0x%04llx, 0x%04llx) %s\n", i,
			       (unsigned long long)b->base,
			       (unsigned long long)(b->base + b->size), sz);
	else
		console_printf("    BAR%u mem%s [0x%016llx, 0x%016llx) %s%s\n", i,
			       b->kind == PCI_BAR_MEM64 ? "64" : "32",
			       (unsigned long long)b->base,
			       (unsigned long long)(b->base + b->size), sz,
			       b->prefetch ? " prefetchable" : "");
}

/* lspci: every function, its IDs, class and BARs. */
static int cmd_lspci(int argc, char **argv)
{
	if (argc != 1)
		return shell_usage();
	for (unsigned i = 0; i < pci_scan(); i++) {
		const struct pci_dev *d = &devs[i];
		uint16_t cmd = pci_read16(d, PCI_COMMAND);

		console_printf("%02x:%02x.%u %04x:%04x class %02x%02x%02x %s, irq %u%s%s%s\n",
			       d->bus, d->dev, d->fn, d->vendor, d->device, d->class_code,
			       d->subclass, d->prog_if, pci_class_name(d->class_code),
			       d->irq_line, cmd & PCI_COMMAND_IO ? ", io" : "",
			       cmd & PCI_COMMAND_MEMORY ? ", mem" : "",
			       cmd & PCI_COMMAND_MASTER ? ", bus master" : "");
		for (unsigned b = 0; b < PCI_MAX_BARS; b++)
			if (d->bar[b].kind != PCI_BAR_NONE)
				print_bar(b, &d->bar[b]);
	}
	return 0;
}
SHELL_COMMAND(lspci, "", "list PCI functions: bus:dev.fn vendor:device class BARs", cmd_lspci);
