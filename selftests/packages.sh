#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Debian packages of make deb, as a Debian system installs them.  The
# runner (vm/run.sh, pkg_install) built them, installed them with dpkg into
# an overlay of this VM's image, where DKMS built the module from
# dnspool-dkms for Debian's kernel (natively: under emulation it takes
# over ten minutes), and kept what the installation added in
# /work/pkgroot; then purged them in another overlay (/work/pkgroot.purge).
# Here, in the VM running that kernel: DKMS' module loads and answers a
# query asked by the installed dnspoolctl and by a program built against
# the installed libdnspool-dev; the installed unit verifies.  Stock kernel
# only: the debug kernel is built by the harness, without headers for DKMS.
. "$(dirname "$0")/lib.sh"

P=${DNSPOOL_PKGROOT:-/work/pkgroot}
PORT=5321
UNBOUND=
TMP=$(mktemp -d)
cleanup() {
	[ -n "$UNBOUND" ] && kill "$UNBOUND" 2>/dev/null
	rm -rf "$TMP" /usr/sbin/dnspoolctl
}
trap cleanup EXIT

ktap_print_header
if [ "${KSFT_KERNEL_FLAVOUR:-}" = debug ]; then
	ktap_skip_all "the packages are tested on Debian's kernel, whose headers DKMS builds against"
	exit "$KSFT_SKIP"
fi
[ -d "$P/var/lib/dpkg" ] || ktap_exit_fail_msg "no installed packages in $P (vm/run.sh builds them)"
ktap_set_plan 5
KVER=$(uname -r)
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
KO=$(find "$P/usr/lib/modules/$KVER/updates/dkms" -name 'dnspool.ko*' 2>/dev/null)

installed() {
	dpkg-query --admindir="$P/var/lib/dpkg" -W -f '${Package} ${Version} ${db:Status-Abbrev}\n' \
		dnspool-dkms dnspoolctl libdnspool0 libdnspool-dev | sed 's/^/# /'
	[ "$(dpkg-query --admindir="$P/var/lib/dpkg" -W -f '${db:Status-Abbrev}\n' \
		dnspool-dkms dnspoolctl libdnspool0 libdnspool-dev | grep -c '^ii')" = 4 ] &&
	[ -n "$KO" ] && [ -d "$P/var/lib/dkms/dnspool" ] &&
	# Built for this kernel, from the package's source.
	[ "$(modinfo -F vermagic "$KO" | cut -d' ' -f1)" = "$KVER" ]
}
check "dnspool-dkms, dnspoolctl, libdnspool0, libdnspool-dev installed; DKMS built the module for $KVER" \
	installed

# DKMS' module in place of the suite's, for this test.
dkms_module_answers() {
	local dep
	modprobe -r dnspool 2>/dev/null
	# None loaded, so the one insmod loads is DKMS'.
	! grep -q '^dnspool ' /proc/modules || return 1
	# insmod loads no dependency: modprobe them first, as the module
	# names them.
	for dep in $(modinfo -F depends "$KO" | tr , ' '); do modprobe "$dep" || return 1; done
	insmod "$KO" && grep -q '^dnspool ' /proc/modules || return 1
	echo "# loaded $KO, signed by $(modinfo -F signer "$KO")"
	UNBOUND=$(start_unbound 127.0.0.1 $PORT) || return 1
	"$P/usr/sbin/dnspoolctl" upstream add pk udp://127.0.0.1:$PORT &&
	"$P/usr/sbin/dnspoolctl" -j query @pk h7.dnspool.test A |
		jq -e '.rcode == "NOERROR" and .answers[0].data == "198.51.100.8"' >/dev/null
}
check "DKMS' module, loaded, answers the installed dnspoolctl's query" dkms_module_answers

# One query through the installed library, found by pkg-config.
library_answers() {
	local flags
	cat >"$TMP/q.c" <<-'EOF'
		#include <stdio.h>
		#include <libdnspool.h>

		static int got = -1;

		static void on_answer(const struct dnspool_answer *a, void *arg)
		{
			(void)arg;
			got = a->error ? -a->error : (int)a->len;
		}

		int main(void)
		{
			/* h7.dnspool.test A, ID 0x1234, RD */
			static const unsigned char q[] = {
				0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
				2, 'h', '7', 7, 'd', 'n', 's', 'p', 'o', 'o', 'l',
				4, 't', 'e', 's', 't', 0, 0, 1, 0, 1 };
			struct dnspool_client *c = dnspool_open();
			uint32_t seq;

			if (!c || dnspool_submit(c, "pk", q, sizeof(q), 0, &seq) || dnspool_flush(c))
				return 1;
			while (got == -1 && dnspool_wait(c, 5000) > 0)
				dnspool_drain(c, on_answer, NULL);
			printf("%d\n", got);
			dnspool_close(c);
			return got <= 0;
		}
	EOF
	flags=$(PKG_CONFIG_SYSROOT_DIR=$P PKG_CONFIG_PATH=$P/usr/lib/$MA/pkgconfig \
		pkg-config --cflags --libs libdnspool) || return 1
	echo "# pkg-config: $flags"
	# shellcheck disable=SC2086
	cc -o "$TMP/q" "$TMP/q.c" $flags || return 1
	LD_LIBRARY_PATH=$P/usr/lib/$MA ldd "$TMP/q" | grep -q "libdnspool.so.0 => $P/usr/lib/$MA/" &&
	LD_LIBRARY_PATH=$P/usr/lib/$MA "$TMP/q" | sed 's/^/# answer of /'
	[ "${PIPESTATUS[0]}" = 0 ]
}
check "a program built against libdnspool-dev gets its answer through libdnspool0" library_answers

# The unit as installed (and enabled by dh_installsystemd), its dnspoolctl
# at the path it names.
unit_installed() {
	local u=$P/usr/lib/systemd/system/dnspool.service
	[ -L "$P/etc/systemd/system/multi-user.target.wants/dnspool.service" ] &&
	grep -q '^ExecStart=/usr/sbin/dnspoolctl -b /etc/dnspool/dnspool.conf$' "$u" || return 1
	cp "$P/usr/sbin/dnspoolctl" /usr/sbin/dnspoolctl
	systemd-analyze verify --man=no "$u" 2>&1 | sed 's/^/# /'
	[ "${PIPESTATUS[0]}" = 0 ]
}
check "dnspool.service installed, enabled, and verified" unit_installed

# dpkg --purge, done by the runner: nothing of the packages left.
purged() {
	sed 's/^/# after dpkg --purge: /' "$P.purge"
	[ "$(cat "$P.purge")" = "$(printf '%s\n' 'dkms: 0 entries' 'modules: 0' 'dnspoolctl: 0' \
		'unit: 0' 'packages: 0')" ]
}
check "dpkg --purge: DKMS' module, the tool, the unit and the packages gone" purged

# The suite's own module again, for the tests after this one.
"$P/usr/sbin/dnspoolctl" upstream del pk 2>/dev/null
rmmod dnspool 2>/dev/null
ktap_finished
