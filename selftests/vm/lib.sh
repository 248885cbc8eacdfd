# SPDX-License-Identifier: GPL-2.0
# Shared settings of the VM harness; sourced, not run.

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC_DIR=$(cd "$VM_DIR/../.." && pwd)
CACHE=${DNSPOOL_CACHE:-/var/cache/dnspool}
SUITE=${DNSPOOL_SUITE:-trixie}

log() { printf '# %s\n' "$*" >&2; }
die() { printf 'vm: %s\n' "$*" >&2; exit 1; }

# The image is keyed by its recipe: change the recipe, get a new image.
image_key() {
	cat "$VM_DIR/packages.txt" "$VM_DIR/image.sh" | sha256sum | cut -c1-16
}
IMAGE="$CACHE/image-$(image_key)"

# The Debian mirror the host already uses; no host name lives in the repo.
debian_mirror() {
	local m
	m=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null |
	    tr ' ' '\n' | grep -v security | head -n1)
	[ -n "$m" ] || m=$(awk '$1 == "deb" && $3 !~ /security/ { print $2; exit }' \
			 /etc/apt/sources.list 2>/dev/null)
	[ -n "$m" ] || die "no Debian mirror found in the host's apt sources"
	echo "$m"
}

# Run a command inside the image, with the given host directory bind-mounted
# at /work and, when KBUILD is set, the debug kernel's directory at /kbuild
# (its build tree records that path).  A private mount namespace drops the
# mounts when it ends.
in_image() {
	local work=$1; shift
	unshare -m --propagation private sh -c '
		img=$1 work=$2 kbuild=$3; shift 3
		mount -t proc proc "$img/proc" &&
		mount --rbind /dev "$img/dev" &&
		mkdir -p "$img/work" "$img/kbuild" &&
		mount --bind "$work" "$img/work" &&
		{ [ -z "$kbuild" ] || mount --bind "$kbuild" "$img/kbuild"; } &&
		exec chroot "$img" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 "$@"' sh "$IMAGE" "$work" "${KBUILD:-}" "$@"
}

# Kernel release of the image's stock kernel.
stock_kver() {
	ls "$IMAGE/lib/modules" | grep -v debug | sort -V | tail -n1
}
