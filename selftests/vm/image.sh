#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the Debian 13 test image (kernel, headers, upstreams, tools) into the
# cache, unless an image of the same recipe is already there.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -x "$IMAGE/usr/bin/gcc" ] && [ -f "$IMAGE/.complete" ] && exit 0

mkdir -p "$CACHE"
tmp="$IMAGE.tmp"
rm -rf "$tmp"
log "building the $SUITE image in $IMAGE (a few minutes, once)"
mirror=$(debian_mirror)
debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$tmp" "$mirror" \
	>"$CACHE/debootstrap.log" 2>&1 ||
	{ tail -n 30 "$CACHE/debootstrap.log" >&2; die "debootstrap failed"; }

# apt inside the image resolves every dependency (debootstrap --include does not).
pkgs=$(grep -v '^#' "$VM_DIR/packages.txt" | tr '\n' ' ')
IMAGE=$tmp in_image /tmp sh -c "
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q &&
	apt-get install -y -q --no-install-recommends $pkgs &&
	apt-get clean" >"$CACHE/image-apt.log" 2>&1 ||
	{ tail -n 30 "$CACHE/image-apt.log" >&2; die "package install in the image failed"; }

# The services under test are started by the tests, not by an init system.
rm -f "$tmp/etc/resolv.conf"
echo "nameserver 127.0.0.1" >"$tmp/etc/resolv.conf"
echo dnspool-vm >"$tmp/etc/hostname"

# kselftest headers, checkpatch and the YNL generator come from linux-source.
src=$(ls "$tmp"/usr/src/linux-source-*.tar.* | head -n1)
mkdir -p "$tmp/opt/linux"
tar -C "$tmp/opt/linux" --strip-components=1 -xf "$src"
touch "$tmp/.complete"

rm -rf "$IMAGE"
mv "$tmp" "$IMAGE"
# Older images go, unless a run still uses one: its VMs (qemu's -virtfs)
# and builds (in_image) name it on their command lines.
for old in "$CACHE"/image-*; do
	[ "$old" = "$IMAGE" ] || [ ! -d "$old" ] && continue
	if pgrep -f -- "$old" >/dev/null; then
		log "keeping $old: a run uses it"
	else
		rm -rf "$old"
	fi
done
log "image ready: $IMAGE"
