#!/bin/sh
# compare.sh TRAWL PCAP [FIELD...] -- tshark's and trawl's values of every x509 field trawl
# registers (or the FIELDs given), frame by frame; prints the differences and a count.
#   tests/x509/compare.sh build/bin/trawl ../shared/captures/tls10-cert-rdn.pcap
#   python3 tests/x509/wrap.py /tmp/c.pcap cert.der && tests/x509/compare.sh build/bin/trawl /tmp/c.pcap
# (a development aid: it needs tshark; the suite does not)
set -u
trawl=$1 pcap=$2
shift 2
tmp=$(mktemp -d)
if [ $# -gt 0 ]; then printf '%s\n' "$@" > "$tmp/fields"
else "$trawl" fields 2>/dev/null | awk -F'\t' '$1=="F" && $3 ~ /^x509(af|ce|if|sat)\./ {print $3}' > "$tmp/fields"; fi
args=$(sed 's/^/-e /' "$tmp/fields" | tr '\n' ' ')
tshark -r "$pcap" -T fields -E separator='|' -e frame.number $args 2>/dev/null > "$tmp/t"
"$trawl" -r "$pcap" -T fields -E separator='|' -e frame.number $args 2>/dev/null > "$tmp/m"
python3 - "$tmp" "$(basename "$pcap")" <<'PY'
import sys
d, name = sys.argv[1], sys.argv[2]
names = open(d + '/fields').read().split()
rows = lambda f: {l.split('|')[0]: l.split('|') for l in open(d + '/' + f, errors='replace').read().splitlines()}
t, m = rows('t'), rows('m')
bad = 0
for fr, row in t.items():
    mr = m.get(fr, [fr] + [''] * len(names))
    for i, n in enumerate(names):
        a = row[i + 1] if i + 1 < len(row) else ''
        b = mr[i + 1] if i + 1 < len(mr) else ''
        if a != b:
            bad += 1
            if bad <= 12: print(name, fr, n, '\n   tshark:', a[:200], '\n   trawl :', b[:200])
print(name, 'mismatches', bad)
PY
rm -rf "$tmp"
