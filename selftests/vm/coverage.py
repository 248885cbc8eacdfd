#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The module's coverage (make coverage), from the .gcda files the guest
copied beside kbuild's .gcno files: per file of kmod/, lines and branches
taken, then every error path never taken (an unexecuted line that returns
an error, jumps to an unwinding label or reports through extack), and the
last line "coverage: kmod lines=NN.N% branches=NN.N%".

Run in kmod/'s parent, with the gcov of the compiler that built the
module: coverage.py kmod"""
import collections
import glob
import json
import os
import re
import subprocess
import sys

ERROR_PATH = re.compile(r'return\s+-E[A-Z]+|return\s+ERR_PTR|=\s*-E[A-Z]+;|goto\s+\w+;|'
                        r'NL_SET_ERR_MSG|GENL_SET_ERR_MSG|ERR_PTR\(-E')


def gcov_json(obj_dir, src):
    """gcov's JSON documents for one object, read from its stdout."""
    out = subprocess.run(['gcov', '-j', '-t', '-b', '-o', obj_dir, src],
                         capture_output=True, text=True, check=True).stdout
    dec = json.JSONDecoder()
    i = 0
    while i < len(out):
        while i < len(out) and out[i].isspace():
            i += 1
        if i >= len(out):
            break
        doc, i = dec.raw_decode(out, i)
        yield doc


def main():
    kdir = sys.argv[1] if len(sys.argv) > 1 else 'kmod'
    kabs = os.path.realpath(kdir)
    lines = collections.defaultdict(int)		# (file, line) -> count
    branches = collections.defaultdict(int)	# (file, line, i) -> count
    objects = 0
    for gcda in sorted(glob.glob(os.path.join(kdir, '*.gcda'))):
        src = gcda[:-len('.gcda')] + '.c'
        if not os.path.exists(src):
            continue
        objects += 1
        for doc in gcov_json(kdir, src):
            for f in doc['files']:
                path = os.path.realpath(os.path.join(doc.get('current_working_directory', '.'),
                                                     f['file']))
                if os.path.dirname(path) != kabs:
                    continue
                name = os.path.join(kdir, os.path.basename(path))
                for ln in f['lines']:
                    lines[name, ln['line_number']] += ln['count']
                    taken = [b for b in ln['branches'] if not b['throw']]
                    for i, b in enumerate(taken):
                        branches[name, ln['line_number'], i] += b['count']
    if not objects:
        print('# coverage: no .gcda file in %s: was the module built with DNSPOOL_GCOV=1, '
              'on a kernel with CONFIG_GCOV_KERNEL?' % kdir)
        print('coverage: kmod lines=0.0% branches=0.0%')
        return 1

    per = collections.defaultdict(lambda: [0, 0, 0, 0])	# lines hit, lines, br hit, br
    for (name, _), c in lines.items():
        per[name][1] += 1
        per[name][0] += c > 0
    for (name, _, _), c in branches.items():
        per[name][3] += 1
        per[name][2] += c > 0

    def pct(a, b):
        return 100.0 * a / b if b else 100.0

    print('# %-22s %17s %19s' % ('file', 'lines', 'branches'))
    tot = [0, 0, 0, 0]
    for name in sorted(per):
        lh, ln, bh, bn = per[name]
        tot = [t + v for t, v in zip(tot, per[name])]
        print('# %-22s %5d/%-5d %5.1f%% %5d/%-5d %5.1f%%' % (name, lh, ln, pct(lh, ln),
                                                           bh, bn, pct(bh, bn)))
    print('# %-22s %5d/%-5d %5.1f%% %5d/%-5d %5.1f%%' % ('total', tot[0], tot[1],
                                                       pct(tot[0], tot[1]),
                                                       tot[2], tot[3], pct(tot[2], tot[3])))

    untaken = []
    for name in sorted(per):
        with open(name, errors='replace') as fh:
            text = fh.read().split('\n')
        for no in sorted(n for (f, n), c in lines.items() if f == name and c == 0):
            src = text[no - 1].strip() if no <= len(text) else ''
            if ERROR_PATH.search(src):
                untaken.append('%s:%d: %s' % (name, no, src))
    print('# error paths never taken: %d' % len(untaken))
    for u in untaken:
        print('#   ' + u)
    print('coverage: kmod lines=%.1f%% branches=%.1f%%' % (pct(tot[0], tot[1]),
                                                         pct(tot[2], tot[3])))
    return 0


if __name__ == '__main__':
    sys.exit(main())
