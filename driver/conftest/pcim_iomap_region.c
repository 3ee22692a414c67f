// SPDX-License-Identifier: GPL-2.0
/* pcim_iomap_region() maps one BAR (6.11); pcim_iomap_regions() is deprecated. */
#include <linux/pci.h>

void __iomem *hwevent_conftest(struct pci_dev *pdev);
void __iomem *hwevent_conftest(struct pci_dev *pdev)
{
	return pcim_iomap_region(pdev, 0, "hwevent");
}
