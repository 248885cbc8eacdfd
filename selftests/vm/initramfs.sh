#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the tiny initramfs that mounts the image over 9p and switches into it:
# static busybox from the host, the stock kernel's 9p and overlay modules
# (the debug kernel has them built in).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out="$CACHE/initramfs-$(stock_kver)-$(cat "$0" "$VM_DIR/init" | sha256sum | cut -c1-12).cpio.gz"
[ -f "$out" ] && { echo "$out"; exit 0; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{bin,dev,proc,sys,lower,upper,newroot,lib/modules}
cp /bin/busybox "$tmp/bin/busybox"
cp "$VM_DIR/init" "$tmp/init"
chmod 755 "$tmp/init"
kmods="$IMAGE/lib/modules/$(stock_kver)/kernel"
for m in fs/netfs/netfs net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p fs/overlayfs/overlay; do
	f=$(ls "$kmods/$m".ko* | head -n1)
	case "$f" in
	*.xz) xz -dc "$f" >"$tmp/lib/modules/$(basename "$m").ko" ;;
	*.zst) zstd -qdc "$f" >"$tmp/lib/modules/$(basename "$m").ko" ;;
	*) cp "$f" "$tmp/lib/modules/" ;;
	esac
done
rm -f "$CACHE"/initramfs-*.cpio.gz
(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
