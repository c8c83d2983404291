/*
 * Which virtio-blk disk is the dump disk: the one the user named by its
 * serial, never a guess.  The probe brings every legacy virtio-blk
 * function up once, asks its serial (VIRTIO_BLK_T_GET_ID: the string of
 * QEMU's -device virtio-blk-pci,serial=S) and size, and resets it; only
 * the disk named (vmcore_disk=S, `disk use S`) is ever started for I/O.
 * A user's data disk that happens to come first on the bus is never
 * touched.  Linux: the kdump service names its target in kdump.conf
 * (by label, UUID or path); /dev/disk/by-id/virtio-S is that serial.
 */
#include "drivers/irq.h"
#include "drivers/pci.h"
#include "drivers/virtio_blk_dev.h"
#include "boot/addr.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "lib/vsprintf.h"

static struct virtio_blk_disk disks[VIRTIO_BLK_MAX_DISKS];
static struct pci_dev *functions[VIRTIO_BLK_MAX_DISKS];
static unsigned ndisks;
static bool probed;
static char named[VIRTIO_BLK_SERIAL_MAX + 1];

/* Ask the running device for its serial: one GET_ID request, polled. */
static int read_serial(char *out)
{
	const char *id = phys_to_virt(vblk.ctl_pa + VBLK_CTL_ID);
	struct vblk_slot *s;
	int err = vblk_get_slot(&s);

	if (err)
		return err;
	memset((void *)id, 0, VIRTIO_BLK_ID_BYTES);
	s->type = VIRTIO_BLK_T_GET_ID;
	s->sector = 0;
	s->nseg = 1;
	s->bytes = VIRTIO_BLK_ID_BYTES;
	s->d[1] = (struct vring_desc){ vblk.ctl_pa + VBLK_CTL_ID, VIRTIO_BLK_ID_BYTES,
				       VRING_DESC_F_WRITE, 0 };
	vblk_submit(s);
	while (vblk.inflight && !err)
		err = vblk_reap(true);
	if (err || vblk.io_err)
		return err ? err : vblk.io_err;
	/* Spec 5.2.6: up to 20 bytes, NUL-terminated only if shorter. */
	memcpy(out, id, VIRTIO_BLK_ID_BYTES);
	out[VIRTIO_BLK_ID_BYTES] = '\0';
	return 0;
}

static void probe_one(struct pci_dev *d)
{
	struct virtio_blk_disk *k = &disks[ndisks];

	functions[ndisks++] = d;
	*k = (struct virtio_blk_disk){ .bus = d->bus, .dev = d->dev, .fn = d->fn };
	k->err = vblk_start(d);
	if (!k->err) {
		k->capacity = vblk.capacity;
		k->read_only = vblk.read_only;
		k->err = read_serial(k->serial);
		vblk_stop();
	}
	if (k->err)
		pr_err("virtio_blk: error: %02x:%02x.%u: serial and size unreadable (%s)\n", d->bus,
		       d->dev, d->fn, err_name(k->err));
	else
		pr_info("virtio_blk: %02x:%02x.%u serial '%s', %llu MiB%s\n", d->bus, d->dev, d->fn,
			k->serial, (unsigned long long)(k->capacity / MiB),
			k->read_only ? ", read-only" : "");
}

unsigned virtio_blk_disks(const struct virtio_blk_disk **list)
{
	struct pci_dev *d = NULL;

	if (!probed) {
		probed = true;
		if (vblk.ready)
			vblk_stop();
		while ((d = pci_find_device(VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_BLK, d)) &&
		       ndisks < VIRTIO_BLK_MAX_DISKS)
			probe_one(d);
		if (!ndisks && pci_find_device(VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_BLK_MODERN, NULL))
			pr_warn("virtio_blk: only a modern-only 1af4:1042 found; "
				"use disable-legacy=off\n");
	}
	*list = disks;
	return ndisks;
}

void virtio_blk_describe(char *buf, size_t size)
{
	const struct virtio_blk_disk *list;
	unsigned n = virtio_blk_disks(&list);
	size_t len = 0;
	char sz[32];

	ksnprintf(buf, size, "none");
	for (unsigned i = 0; i < n && len < size; i++)
		len += (size_t)(list[i].err
			? ksnprintf(buf + len, size - len, "%s%02x:%02x.%u (unreadable: %s)",
				    i ? ", " : "", list[i].bus, list[i].dev, list[i].fn,
				    err_name(list[i].err))
			: ksnprintf(buf + len, size - len, "%s%02x:%02x.%u '%s' %s",
				    i ? ", " : "", list[i].bus, list[i].dev, list[i].fn,
				    list[i].serial, format_size(sz, sizeof(sz), list[i].capacity)));
}

static bool valid_serial(const char *serial)
{
	size_t n = strlen(serial);

	if (n == 0 || n > VIRTIO_BLK_SERIAL_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)serial[i] <= ' ' || serial[i] == 0x7f)
			return false;
	return true;
}

int virtio_blk_name(const char *serial)
{
	if (!valid_serial(serial))
		return -E_INVAL;
	if (strcmp(named, serial) && vblk.ready)
		vblk_stop();		/* another disk was in use */
	strlcpy(named, serial, sizeof(named));
	return 0;
}

/* A name from this boot's vmcore_disk=, unless one was given since. */
const char *virtio_blk_named(void)
{
	const char *boot = cmdline_get(&kernel_cmdline, "vmcore_disk");

	if (!named[0] && boot && !cmdline_rejected("vmcore_disk"))
		strlcpy(named, boot, sizeof(named));
	return named[0] ? named : NULL;
}

int virtio_blk_setup(void)
{
	const struct virtio_blk_disk *list;
	unsigned n;
	char sz[32], irq[16] = "polled";
	int err, probe_err = 0;

	if (vblk.ready)
		return 0;
	n = virtio_blk_disks(&list);
	if (!virtio_blk_named())
		return -E_PERM;
	for (unsigned i = 0; i < n; i++) {
		probe_err = probe_err ? probe_err : list[i].err;
		if (list[i].err || strcmp(list[i].serial, named))
			continue;
		err = vblk_start(functions[i]);
		if (err)
			return err;
		if (vblk.irq < NR_IRQS)
			ksnprintf(irq, sizeof(irq), "IRQ %u", vblk.irq);
		pr_info("virtio_blk: %02x:%02x.%u '%s' io 0x%x, %s (%llu sectors), queue %u, "
			"%u requests of %u segments in flight%s%s%s, %s\n", list[i].bus,
			list[i].dev, list[i].fn, named, vblk.iobase,
			format_size(sz, sizeof(sz), vblk.capacity),
			(unsigned long long)(vblk.capacity / BLK_SECTOR_SIZE), vblk.qsize,
			vblk.nslots, vblk.seg_max, vblk.indirect ? ", indirect" : "",
			vblk.flush ? ", write cache" : "", vblk.read_only ? ", read-only" : "", irq);
		return 0;
	}
	/* A disk that could not be read might have been the one: say so. */
	return probe_err ? probe_err : -E_NOENT;
}

void virtio_blk_why(int err, char *buf, size_t size)
{
	char found[VIRTIO_BLK_MAX_DISKS * 48];

	virtio_blk_describe(found, sizeof(found));
	if (err == -E_PERM)
		ksnprintf(buf, size, "no dump disk named: boot with vmcore_disk=SERIAL or type "
			  "'disk use SERIAL' (disks found: %s)", found);
	else if (err == -E_NOENT && virtio_blk_named())
		ksnprintf(buf, size, "no virtio-blk disk has serial '%s' (disks found: %s)",
			  virtio_blk_named(), found);
	else if (err == -E_NOENT)
		ksnprintf(buf, size, "no virtio-blk disk (QEMU: -drive file=dump.img,format=raw,"
			  "if=none,id=dump -device virtio-blk-pci,drive=dump,serial=dump)");
	else
		ksnprintf(buf, size, "the dump disk could not be set up (see dmesg)");
}

/* vmcore_disk=SERIAL: a pure check (at boot, and by kexec -p for the
 * capture kernel); virtio_blk_setup reads the value when it is needed. */
static int check_vmcore_disk(const struct cmdline_param *p)
{
	if (!p->has_value)
		return -E_INVAL;
	return valid_serial(p->value) ? 0 : -E_INVAL;
}

CMDLINE_CAPTURE_KEY(vmcore_disk, "vmcore_disk=SERIAL (1-20 bytes, no blanks)",
		    "the dump disk: the virtio-blk disk with this serial (QEMU: "
		    "-device virtio-blk-pci,serial=SERIAL); no other disk is ever written",
		    check_vmcore_disk);
