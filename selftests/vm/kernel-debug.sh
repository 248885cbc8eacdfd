#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the debug kernel (KASAN, lockdep, kmemleak, UBSAN, debug objects)
# from the image's linux-source: allnoconfig plus the fragments in kernel/
# (booting in the VM, debugging) and the selftests' own (../config).
# Cached, keyed by the fragments, this script and the source package's
# version; prints the directory holding bzImage and the build tree.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

srcver=$(dpkg-query --admindir="$IMAGE/var/lib/dpkg" -W -f '${Package} ${Version}' 'linux-source-*')
key=$(cat "$VM_DIR"/kernel/*.config "$VM_DIR/../config" "$0" <(echo "$srcver") |
	sha256sum | cut -c1-16)
out="$CACHE/kernel-debug-$key"
if [ -f "$out/.complete" ]; then
	echo "$out"
	exit 0
fi

rm -rf "$out"
mkdir -p "$out"
log "building the debug kernel ($srcver) in $out: about 12 minutes on 2 cores, once"
start=$SECONDS
cp "$VM_DIR"/kernel/*.config "$out/"
cp "$VM_DIR/../config" "$out/selftests.config"
KBUILD=$out in_image "$out" bash -euo pipefail -c '
	cd /opt/linux
	make -s O=/kbuild/build allnoconfig
	scripts/kconfig/merge_config.sh -m -O /kbuild/build /kbuild/build/.config \
		/kbuild/vm.config /kbuild/selftests.config /kbuild/debug.config >/dev/null
	make -s O=/kbuild/build olddefconfig
	# olddefconfig drops silently what a dependency refuses: fail instead.
	missing=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*) grep -qxF "$line" /kbuild/build/.config || { echo "missing from .config: $line"; missing=1; } ;;
		"# CONFIG_"*" is not set")
			opt=${line#\# }; opt=${opt%% *}
			grep -q "^$opt=" /kbuild/build/.config && { echo "set in .config: $opt"; missing=1; } ;;
		esac
	done < <(cat /kbuild/vm.config /kbuild/selftests.config /kbuild/debug.config)
	[ $missing = 0 ] || exit 1
	make -s O=/kbuild/build -j$(nproc) bzImage modules
	make -s O=/kbuild/build INSTALL_MOD_PATH=/kbuild/modroot modules_install
	make -s O=/kbuild/build kernelrelease >/kbuild/kernelrelease
' >"$out/build.log" 2>&1 || { tail -n 40 "$out/build.log" >&2; die "debug kernel build failed (log: $out/build.log)"; }
log "debug kernel built in $((SECONDS - start)) s"
echo $((SECONDS - start)) >"$out/build-seconds"
find "$CACHE" -maxdepth 1 -name 'kernel-debug-*' ! -name "$(basename "$out")" -exec rm -rf {} + 2>/dev/null || true
touch "$out/.complete"
echo "$out"
