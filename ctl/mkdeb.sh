#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make deb: Debian packages of dnspool, built from a copy of the tree with
# a debian/ made here (the tree keeps none):
#   dnspool-dkms    the module's source, rebuilt by DKMS for each kernel
#   dnspoolctl      the tool, its man page and dnspool.service
#   libdnspool0     the client library
#   libdnspool-dev  its header, static library and pkg-config file
#
#   ctl/mkdeb.sh OUTDIR
#   ctl/mkdeb.sh --version
#
# The version is 0~gitN.HASH of the tree's git history, or
# DNSPOOL_DEB_VERSION when set (for a copy without .git).
# Needs build-essential, dpkg-dev, debhelper, dh-dkms and the -dev packages of
# Build-Depends below (apt build-dep is not available for a debian/ made
# on the fly; the README lists them).
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
# 0~gitN.HASH: before any release, ordered by the commits so far.
if [ -n "${DNSPOOL_DEB_VERSION:-}" ]; then
	version=$DNSPOOL_DEB_VERSION
	date=$(date -R)
elif git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	version="0~git$(git -C "$src" rev-list --count HEAD).$(git -C "$src" rev-parse --short=7 HEAD)"
	date=$(git -C "$src" log -1 --format=%aD)
else
	version=0~local
	date=$(date -R)
fi
# --version: the version alone, for a copy of the tree made without .git.
[ "${1:-}" = --version ] && { echo "$version"; exit 0; }
out=$(realpath -m "${1:?usage: mkdeb.sh OUTDIR | --version}")
maint="dnspool developers <dnspool@localhost>"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
pkg="$stage/dnspool-$version"

mkdir -p "$pkg" "$out"
tar -C "$src" --exclude=.git --exclude='*.o' --exclude='*.ko' --exclude='*.a' \
	--exclude='*.so.*' -cf - Kbuild Makefile README kmod ctl include | tar -C "$pkg" -xf -
make -s -C "$pkg/ctl" clean >/dev/null 2>&1 || true
d="$pkg/debian"
mkdir -p "$d/source"

echo "3.0 (native)" >"$d/source/format"

cat >"$d/changelog" <<EOF
dnspool ($version) unstable; urgency=medium

  * Built from the tree by make deb.

 -- $maint  $date
EOF

cat >"$d/control" <<EOF
Source: dnspool
Section: net
Priority: optional
Maintainer: $maint
Build-Depends: debhelper-compat (= 13), dh-sequence-dkms, pkgconf,
 libnl-3-dev, libnl-genl-3-dev, libjson-c-dev, libldns-dev, libmnl-dev
Standards-Version: 4.7.0
Rules-Requires-Root: no

Package: dnspool-dkms
Architecture: all
Depends: \${misc:Depends}
Recommends: dnspoolctl, ktls-utils
Description: pools of kernel sockets per DNS upstream (DKMS module)
 dnspool keeps pools of kernel sockets (UDP, TCP, DNS over TLS with
 kernel TLS) per DNS upstream in every network namespace, and relays DNS
 queries from any local process through them over generic netlink.
 .
 This package has the kernel module's source, which DKMS builds for each
 kernel installed (6.12 or later).

Package: dnspoolctl
Architecture: any
Depends: \${shlibs:Depends}, \${misc:Depends}
Recommends: dnspool-dkms
Description: pools of kernel sockets per DNS upstream (control tool)
 dnspool keeps pools of kernel sockets (UDP, TCP, DNS over TLS with
 kernel TLS) per DNS upstream in every network namespace.
 .
 This package has dnspoolctl, which configures the module's upstreams,
 groups and listeners, asks queries and shows statistics (also in
 Prometheus' text format), and dnspool.service, which applies a saved
 configuration at boot.

Package: libdnspool0
Section: libs
Architecture: any
Multi-Arch: same
Depends: \${shlibs:Depends}, \${misc:Depends}
Description: pools of kernel sockets per DNS upstream (client library)
 dnspool keeps pools of kernel sockets per DNS upstream in the kernel.
 .
 This package has libdnspool, which submits DNS queries to the module's
 pools and reads their answers, many in flight at once.

Package: libdnspool-dev
Section: libdevel
Architecture: any
Multi-Arch: same
Depends: libdnspool0 (= \${binary:Version}), libmnl-dev, \${misc:Depends}
Description: pools of kernel sockets per DNS upstream (development files)
 dnspool keeps pools of kernel sockets per DNS upstream in the kernel.
 .
 This package has libdnspool's header, static library and pkg-config
 file, and the module's UAPI header.
EOF

cat >"$d/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: dnspool

Files: *
Copyright: the dnspool developers
License: GPL-2.0-only
 On Debian systems, the full text of the GNU General Public License
 version 2 can be found in /usr/share/common-licenses/GPL-2.

Files: ctl/libdnspool.c ctl/libdnspool.h ctl/libdnspool.map ctl/libdnspool.pc.in
Copyright: the dnspool developers
License: LGPL-2.1-or-later
 On Debian systems, the full text of the GNU Lesser General Public
 License version 2.1 can be found in /usr/share/common-licenses/LGPL-2.1.
EOF

# ctl's Makefile installs into debian/tmp; each package takes its part.
cat >"$d/rules" <<'EOF'
#!/usr/bin/make -f
export DEB_BUILD_MAINT_OPTIONS = hardening=+all
include /usr/share/dpkg/architecture.mk
include /usr/share/dpkg/pkg-info.mk

CTL_VARS = PREFIX=/usr LIBDIR=/usr/lib/$(DEB_HOST_MULTIARCH) VERSION=$(DEB_VERSION)

%:
	dh $@

override_dh_auto_build:
	$(MAKE) -C ctl $(CTL_VARS)

override_dh_auto_install:
	$(MAKE) -C ctl install $(CTL_VARS) DESTDIR=$(CURDIR)/debian/tmp
	install -d debian/dnspool-dkms/usr/src/dnspool-$(DEB_VERSION)
	cp -a Kbuild kmod include debian/dnspool-dkms/usr/src/dnspool-$(DEB_VERSION)/
	rm -f debian/dnspool-dkms/usr/src/dnspool-$(DEB_VERSION)/kmod/dkms.conf

override_dh_dkms:
	dh_dkms -V $(DEB_VERSION)

# The module's tests need a VM: make check, in the tree.
override_dh_auto_test override_dh_auto_clean:
EOF
chmod +x "$d/rules"

cp "$src/kmod/dkms.conf" "$d/dnspool-dkms.dkms"
cat >"$d/dnspoolctl.install" <<EOF
usr/sbin/dnspoolctl
usr/share/man/man8/dnspoolctl.8
usr/lib/systemd/system/dnspool.service
EOF
cat >"$d/libdnspool0.install" <<EOF
usr/lib/*/libdnspool.so.0
EOF
cat >"$d/libdnspool-dev.install" <<EOF
usr/lib/*/libdnspool.so
usr/lib/*/libdnspool.a
usr/lib/*/pkgconfig/libdnspool.pc
usr/include/libdnspool.h
usr/include/linux/dnspool.h
EOF

(cd "$pkg" && dpkg-buildpackage -b -us -uc) >"$stage/build.log" 2>&1 ||
	{ tail -n 40 "$stage/build.log" >&2; exit 1; }
mv "$stage"/*.deb "$out/"
ls "$out"/*.deb
