// SPDX-License-Identifier: GPL-2.0
/* PCI_IRQ_INTX replaced PCI_IRQ_LEGACY (6.8). */
#include <linux/pci.h>

unsigned int hwevent_conftest(void);
unsigned int hwevent_conftest(void)
{
	return PCI_IRQ_INTX;
}
