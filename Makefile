# SPDX-License-Identifier: GPL-2.0
#
# dnspool: the kernel module (kmod/), its control tool (ctl/) and tests
# (selftests/).  `make` builds against the running kernel's headers;
# `make KDIR=/path/to/build` against another kernel's.

KDIR ?= /lib/modules/$(shell uname -r)/build
PREFIX ?= /usr/local
DESTDIR ?=
export KDIR

all: module ctl selftests

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

ctl:
	$(MAKE) -C ctl

selftests: ctl
	$(MAKE) -C selftests

install: module ctl
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates modules_install
	$(MAKE) -C ctl install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

# Debian packages (dnspool-dkms, dnspoolctl, libdnspool0, libdnspool-dev)
# from a copy of the tree with a generated debian/, into DEBDIR.
DEBDIR ?= $(abspath ..)
deb:
	ctl/mkdeb.sh $(DEBDIR)

# Kbuild cleans what it built; without the headers it cannot, hence the rm.
clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf kmod/*.o kmod/*.ko kmod/*.mod kmod/*.mod.c kmod/.*.cmd kmod/modules.order \
		kmod/*.gcno kmod/*.gcda \
		.*.cmd .module-common.o Module.symvers modules.order .tmp_versions
	$(MAKE) -C ctl clean
	$(MAKE) -C selftests clean

# Everything below runs the Debian 13 test VM (as root; see README).
KERNEL ?= all
TESTS ?=

check:
	selftests/vm/run.sh --kernel $(KERNEL) $(if $(TESTS),--tests "$(TESTS)")

demo:
	selftests/vm/run.sh --kernel stock --demo

bench:
	selftests/vm/run.sh --kernel stock --bench

profile:
	selftests/vm/run.sh --kernel stock --profile

# Long runs, apart from the suite: KERNEL=debug runs them under the
# debug kernel's detectors.
soak:
	selftests/vm/run.sh --kernel $(if $(filter all,$(KERNEL)),stock,$(KERNEL)) --soak

# Fault injection at length (fail-nth's whole sweep, failslab in workers
# and softirq): the debug kernel alone has it.
faults:
	selftests/vm/run.sh --kernel debug --faults

# The suite on the debug kernel with the module built for gcov: line and
# branch coverage per file of kmod/, and the error paths never taken.
coverage:
	selftests/vm/run.sh --kernel debug --coverage

vm-shell:
	selftests/vm/run.sh --kernel $(if $(filter all,$(KERNEL)),stock,$(KERNEL)) --shell

regen:
	selftests/vm/ynl-regen.sh

.PHONY: all module ctl selftests install deb clean check demo bench profile soak faults coverage vm-shell regen
