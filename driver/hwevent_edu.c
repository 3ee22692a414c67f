// SPDX-License-Identifier: GPL-2.0
/*
 * hwevent - the edu source: events from a PCI device's interrupt
 *
 * QEMU's edu device (vendor 0x1234, device 0x11e8; QEMU's
 * docs/specs/edu.txt) is a PCI device made for teaching drivers: an
 * identification register, a liveness register, an interrupt status with
 * raise and acknowledge registers, MSI or INTx, a factorial unit and a DMA
 * engine.  This file binds to each one and gives it a node,
 * /dev/hwevent-eduN, on which every notification model of the core works.
 *
 * A path through this file, in the order of an event's life:
 *
 *  1. probe: hwevent_edu_probe() enables the device, maps its registers,
 *     checks identification and liveness, takes one interrupt vector (MSI,
 *     else INTx) and makes the node.  Everything is managed (pcim_*,
 *     devm_*), so every error, and remove, unwinds in reverse.
 *  2. due: when a registration's timer expires, hwevent_edu_due() puts it
 *     on the device's raised list and makes the device interrupt, through
 *     its raise register.
 *  3. interrupt: hwevent_edu_irq() reads and acknowledges the status;
 *     then hwevent_edu_deliver() fires the raised registrations through
 *     the core (hwevent_reg_fire()): up to EDU_HARD_BUDGET of them from
 *     the hard handler, any more from the threaded one; with
 *     edu_irq_thread=1, all from the threaded one.
 *  4. stop: a registration that ends leaves the raised list
 *     (hwevent_edu_stop()).
 *  5. remove: hwevent_edu_remove() takes the node away under the open
 *     files (hwevent_dev_remove()), then devres frees the interrupt and
 *     the mapping; the object itself lives until the last file is closed.
 *
 * Why the raise register, and not the factorial or DMA unit: it makes the
 * device interrupt at once, for any number of registrations due at the
 * same time; the factorial unit computes one value at a time (a second
 * write while it computes is ignored), and the DMA engine finishes 100 ms
 * of QEMU's virtual clock after it is started, one transfer at a time.
 * docs/edu.md has the measurements behind the choice of handler.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/idr.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "hwevent_config.h"
#include "hwevent_core.h"

/* Kernel differences, decided by the probes of conftest/ (see Kbuild). */
#ifndef HWEVENT_HAVE_PCI_IRQ_INTX
#define PCI_IRQ_INTX	PCI_IRQ_LEGACY
#endif

#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8

/* Registers, in BAR 0; the first 0x80 bytes take 32-bit accesses only. */
#define EDU_REG_IDENT		0x00	/* 0xRRrr00ed: major, minor, 0xed */
#define EDU_REG_LIVENESS	0x04	/* reads back the inverse of a write */
#define EDU_REG_IRQ_STATUS	0x24
#define EDU_REG_IRQ_RAISE	0x60	/* status |= value, and interrupt */
#define EDU_REG_IRQ_ACK		0x64	/* status &= ~value */

#define EDU_IDENT_MAGIC		0xed
/* The status bit this driver raises: the factorial and DMA units use 0x1, 0x100. */
#define EDU_IRQ_HWEVENT		BIT(16)
#define EDU_LIVENESS_PROBE	0x5a5aa5a5
/* Registrations the hard handler fires per interrupt; the thread the rest. */
#define EDU_HARD_BUDGET		32

static bool edu_irq_thread;
module_param(edu_irq_thread, bool, 0644);
MODULE_PARM_DESC(edu_irq_thread,
		 "Deliver an edu device's events from its threaded interrupt handler instead of the hard one (read at probe; default 0)");

static DEFINE_IDA(hwevent_edu_ida);

/**
 * struct hwevent_edu - one bound edu device
 * @hdev: its node, and the reference count of this object: held by the
 *	binding (released by devres after remove) and by each open file.
 * @lock: protects @raised.  Taken with interrupts disabled (the hard
 *	handler takes it), and held while the raised registrations fire, so
 *	that hwevent_edu_stop(), which takes it too, returns only once no
 *	interrupt fires that registration any more.  Order: @lock, then a
 *	file's lock (in hwevent_reg_fire()).
 * @raised: registrations whose event is due and whose interrupt was
 *	raised, not yet fired (&hwevent_src_reg.node).
 * @regs: BAR 0; valid while bound (devres unmaps it after the interrupt
 *	is freed).
 * @irqs: interrupts handled, for HWEVENT_IOC_INFO.
 * @id: N of hwevent-eduN.
 * @ident: the identification register.
 * @msi: the interrupt is an MSI, else INTx (maybe shared).
 * @irq_thread: deliver from the threaded handler (edu_irq_thread at probe).
 * @vendor: PCI ids, kept for HWEVENT_IOC_INFO after the device is gone.
 * @device: see @vendor.
 * @bus_id: the PCI address, kept likewise.
 */
struct hwevent_edu {
	struct hwevent_dev hdev;
	spinlock_t lock;	/* @raised; held while they fire */
	struct list_head raised;
	void __iomem *regs;
	atomic64_t irqs;
	int id;
	u32 ident;
	bool msi;
	bool irq_thread;
	u16 vendor;
	u16 device;
	char bus_id[32];
};

static struct hwevent_edu *hwevent_edu_of(struct hwevent_dev *hdev)
{
	return container_of(hdev, struct hwevent_edu, hdev);
}

/* ------------------------------------------------------------------ */
/* 2. due: make the device interrupt                                   */
/* ------------------------------------------------------------------ */

/*
 * The timer of @reg expired (its callback: hard interrupt or softirq).  It
 * goes on the raised list, and the device is told to interrupt if the
 * list was empty: otherwise an interrupt is already on its way, whose
 * handlers empty the list under the lock.  Listed before the raise, taken
 * after the acknowledge: every raised registration is fired by an
 * interrupt that comes after it was listed.  The timer stays stopped; a
 * periodic one is restarted by hwevent_reg_fire().
 */
static enum hrtimer_restart hwevent_edu_due(struct hwevent_reg *reg)
{
	struct hwevent_src_reg *src = hwevent_reg_src(reg);
	struct hwevent_edu *edu = hwevent_edu_of(src->dev);
	unsigned long flags;
	bool raise;

	spin_lock_irqsave(&edu->lock, flags);
	raise = list_empty(&edu->raised);
	if (list_empty(&src->node))
		list_add_tail(&src->node, &edu->raised);
	if (raise)
		iowrite32(EDU_IRQ_HWEVENT, edu->regs + EDU_REG_IRQ_RAISE);
	spin_unlock_irqrestore(&edu->lock, flags);
	return HRTIMER_NORESTART;
}

/* ------------------------------------------------------------------ */
/* 3. interrupt: acknowledge, then fire what was raised                */
/* ------------------------------------------------------------------ */

/*
 * Fire at most @budget raised registrations; returns whether some are
 * left.  The hard handler fires a few, so that one interrupt for many
 * registrations due together does not keep interrupts off for long: the
 * threaded handler fires the rest.
 */
static bool hwevent_edu_deliver(struct hwevent_edu *edu, unsigned int budget)
{
	struct hwevent_src_reg *src;
	unsigned long flags;
	bool more;

	spin_lock_irqsave(&edu->lock, flags);
	while (budget &&
	       (src = list_first_entry_or_null(&edu->raised,
					       struct hwevent_src_reg, node))) {
		list_del_init(&src->node);
		hwevent_reg_fire(hwevent_src_reg(src), true);
		budget--;
	}
	more = !list_empty(&edu->raised);
	spin_unlock_irqrestore(&edu->lock, flags);
	return more;
}

static irqreturn_t hwevent_edu_irq(int irq, void *data)
{
	struct hwevent_edu *edu = data;
	u32 status = ioread32(edu->regs + EDU_REG_IRQ_STATUS);

	/* All ones: the device is no longer there (a surprise removal). */
	if (status == ~0U)
		return IRQ_NONE;
	/*
	 * Nothing set: another device's on a shared INTx line; with MSI, a
	 * second message for what an earlier interrupt acknowledged.
	 */
	if (!status)
		return edu->msi ? IRQ_HANDLED : IRQ_NONE;
	iowrite32(status, edu->regs + EDU_REG_IRQ_ACK);
	atomic64_inc(&edu->irqs);
	if (edu->irq_thread || hwevent_edu_deliver(edu, EDU_HARD_BUDGET))
		return IRQ_WAKE_THREAD;
	return IRQ_HANDLED;
}

static irqreturn_t hwevent_edu_irq_thread(int irq, void *data)
{
	hwevent_edu_deliver(data, UINT_MAX);
	return IRQ_HANDLED;
}

/* ------------------------------------------------------------------ */
/* 4. stop, info, release: the rest of the source's operations         */
/* ------------------------------------------------------------------ */

/* @reg ended and its timer is stopped: no interrupt may fire it now. */
static void hwevent_edu_stop(struct hwevent_reg *reg)
{
	struct hwevent_src_reg *src = hwevent_reg_src(reg);
	struct hwevent_edu *edu = hwevent_edu_of(src->dev);
	unsigned long flags;

	spin_lock_irqsave(&edu->lock, flags);
	list_del_init(&src->node);
	spin_unlock_irqrestore(&edu->lock, flags);
}

static void hwevent_edu_info(struct hwevent_dev *hdev,
			     struct hwevent_info *info)
{
	struct hwevent_edu *edu = hwevent_edu_of(hdev);

	info->source = HWEVENT_SOURCE_EDU;
	info->irq_mode = edu->msi ? HWEVENT_IRQ_MSI : HWEVENT_IRQ_INTX;
	if (edu->irq_thread)
		info->flags |= HWEVENT_INFO_IRQ_THREAD;
	info->hw_version = edu->ident;
	info->vendor = edu->vendor;
	info->device = edu->device;
	info->irqs = atomic64_read(&edu->irqs);
	strscpy(info->bus_id, edu->bus_id, sizeof(info->bus_id));
}

static void hwevent_edu_release(struct hwevent_dev *hdev)
{
	kfree(hwevent_edu_of(hdev));
}

static const struct hwevent_source_ops hwevent_edu_ops = {
	.due = hwevent_edu_due,
	.stop = hwevent_edu_stop,
	.info = hwevent_edu_info,
	.release = hwevent_edu_release,
};

/* ------------------------------------------------------------------ */
/* 1. probe, 5. remove                                                 */
/* ------------------------------------------------------------------ */

static void hwevent_edu_put(void *data)
{
	hwevent_dev_put(data);
}

static void hwevent_edu_ida_free(void *data)
{
	ida_free(&hwevent_edu_ida, (int)(long)data);
}

static void __iomem *hwevent_edu_iomap(struct pci_dev *pdev)
{
#ifdef HWEVENT_HAVE_PCIM_IOMAP_REGION
	return pcim_iomap_region(pdev, 0, KBUILD_MODNAME);
#else
	int ret = pcim_iomap_regions(pdev, BIT(0), KBUILD_MODNAME);

	return ret ? IOMEM_ERR_PTR(ret) : pcim_iomap_table(pdev)[0];
#endif
}

/* Is it an edu device, and does it answer? */
static int hwevent_edu_check(struct pci_dev *pdev, void __iomem *regs,
			     u32 *ident)
{
	u32 live;

	*ident = ioread32(regs + EDU_REG_IDENT);
	if ((*ident & 0xff) != EDU_IDENT_MAGIC) {
		dev_err(&pdev->dev, "not an edu device (identification %#x)\n",
			*ident);
		return -ENODEV;
	}
	iowrite32(EDU_LIVENESS_PROBE, regs + EDU_REG_LIVENESS);
	live = ioread32(regs + EDU_REG_LIVENESS);
	if (live != ~EDU_LIVENESS_PROBE) {
		dev_err(&pdev->dev, "liveness check failed: wrote %#x, read %#x\n",
			EDU_LIVENESS_PROBE, live);
		return -EIO;
	}
	return 0;
}

static int hwevent_edu_probe(struct pci_dev *pdev,
			     const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct hwevent_edu *edu;
	char name[sizeof(edu->hdev.name)];
	void __iomem *regs;
	u32 ident;
	int ret, n;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	regs = hwevent_edu_iomap(pdev);
	if (IS_ERR(regs))
		return PTR_ERR(regs);
	ret = hwevent_edu_check(pdev, regs, &ident);
	if (ret)
		return ret;
	/* MSI is a write to memory: the device must be a bus master. */
	pci_set_master(pdev);

	n = ida_alloc(&hwevent_edu_ida, GFP_KERNEL);
	if (n < 0)
		return n;
	ret = devm_add_action_or_reset(dev, hwevent_edu_ida_free, (void *)(long)n);
	if (ret)
		return ret;

	edu = kzalloc(sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	snprintf(name, sizeof(name), HWEVENT_EDU_NAME_PREFIX "%d", n);
	hwevent_dev_init(&edu->hdev, name, &hwevent_edu_ops);
	/* Registered before the interrupt: devres frees that first. */
	ret = devm_add_action_or_reset(dev, hwevent_edu_put, &edu->hdev);
	if (ret)
		return ret;
	spin_lock_init(&edu->lock);
	INIT_LIST_HEAD(&edu->raised);
	edu->regs = regs;
	edu->id = n;
	edu->ident = ident;
	edu->irq_thread = READ_ONCE(edu_irq_thread);
	edu->vendor = pdev->vendor;
	edu->device = pdev->device;
	strscpy(edu->bus_id, pci_name(pdev), sizeof(edu->bus_id));

	/* Managed, since the device was enabled with pcim_enable_device(). */
	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI | PCI_IRQ_INTX);
	if (ret < 0)
		return ret;
	edu->msi = pdev->msi_enabled;
	ret = devm_request_threaded_irq(dev, pci_irq_vector(pdev, 0),
					hwevent_edu_irq, hwevent_edu_irq_thread,
					edu->msi ? 0 : IRQF_SHARED,
					edu->hdev.name, edu);
	if (ret)
		return ret;

	pci_set_drvdata(pdev, edu);
	ret = hwevent_dev_add(&edu->hdev, dev);
	if (ret)
		return ret;
	dev_info(dev, "/dev/%s: edu %u.%u, %s, events delivered from the %s handler\n",
		 edu->hdev.name, ident >> 24, (ident >> 16) & 0xff,
		 edu->msi ? "MSI" : "INTx", edu->irq_thread ? "threaded" : "hard");
	return 0;
}

/*
 * Unbound, unplugged (device_del), or the module unloads.  The files still
 * open keep the object; devres then frees the interrupt (waiting for a
 * running handler), the vectors and the mapping, and disables the device.
 */
static void hwevent_edu_remove(struct pci_dev *pdev)
{
	struct hwevent_edu *edu = pci_get_drvdata(pdev);

	hwevent_dev_remove(&edu->hdev);
	dev_info(&pdev->dev, "/dev/%s removed\n", edu->hdev.name);
}

static const struct pci_device_id hwevent_edu_ids[] = {
	{ PCI_DEVICE(EDU_VENDOR, EDU_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, hwevent_edu_ids);

static struct pci_driver hwevent_edu_driver = {
	.name = KBUILD_MODNAME "-edu",
	.id_table = hwevent_edu_ids,
	.probe = hwevent_edu_probe,
	.remove = hwevent_edu_remove,
};

int hwevent_edu_init(void)
{
	return pci_register_driver(&hwevent_edu_driver);
}

void hwevent_edu_exit(void)
{
	pci_unregister_driver(&hwevent_edu_driver);
}
