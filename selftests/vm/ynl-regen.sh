#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Generate the family's kernel policies/ops and UAPI header from its YNL
# spec with the image's linux-source ynl-gen-c.py (the 6.12 generator).
#
#   ynl-regen.sh          write the generated files into the tree
#   ynl-regen.sh --check  fail when the committed files differ from a fresh
#                         generation (or the spec fails the schema)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mode=${1:-write}
"$VM_DIR/image.sh"

# The generator looks for the schema at <spec dir>/../<protocol>.yaml and for
# a MAINTAINERS file above the spec (it loops forever without one), so it
# runs in a scratch tree shaped like the kernel's.
in_image "$SRC_DIR" bash -euo pipefail -c '
	s=$(mktemp -d)
	mkdir -p $s/include/uapi/linux $s/kmod
	touch $s/MAINTAINERS
	cp /opt/linux/Documentation/netlink/genetlink-legacy.yaml $s/include/uapi/
	cp /work/include/uapi/linux/dnspool.yaml $s/include/uapi/linux/
	cd $s
	gen="python3 /opt/linux/tools/net/ynl/ynl-gen-c.py --spec include/uapi/linux/dnspool.yaml"
	$gen --mode uapi --header -o include/uapi/linux/dnspool.h
	$gen --mode kernel --header -o kmod/netlink-gen.h
	$gen --mode kernel --source -o kmod/netlink-gen.c
	rc=0
	for f in include/uapi/linux/dnspool.h kmod/netlink-gen.h kmod/netlink-gen.c; do
		if [ "$0" = --check ]; then
			diff -u "/work/$f" "$f" || { echo "regen: $f is stale: run make regen" >&2; rc=1; }
		else
			cp "$f" "/work/$f"
		fi
	done
	rm -rf "$s"
	exit $rc' "$mode"
