# SPDX-License-Identifier: GPL-2.0
# Non-static functions of a kmod/ file without kernel-doc right above.
/^\/\*\*/ { kd = 1 }
/^\/\*([^*]|$)/ { kd = 0 }
/^[a-z].*[a-z_0-9]+\(/ && !/^static/ && !/;$/ &&
!/^(module_|MODULE_|EXPORT_|DEFINE_|DECLARE_|TRACE_|late_initcall|subsys_initcall)/ {
	if (!(prev ~ /^ \*\/$/ && kd))
		print FILENAME ":" FNR ": " $0 ": no kernel-doc"
}
{ if ($0 !~ /^$/) prev = $0 }
