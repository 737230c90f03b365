#!/bin/sh
# demo.sh BUILD — make the demo capture and show what trawl does with it.  `make demo` calls it.
#
#   1. builds samples/gen-demo.c (plain cc, libc only) into BUILD/samples/gen-demo when needed;
#   2. writes the capture; its bytes are deterministic, so it must equal the committed
#      samples/demo.pcapng: when the generator changed, the file is replaced and we say so;
#   3. runs trawl on it: the default one-line-per-packet output, then tshark-style fields,
#      then the plugin list.
# Exit status: non-zero when the generator or trawl fails.
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${1:-build}
TRAWL=$BUILD/bin/trawl
GEN=$BUILD/samples/gen-demo
SAMPLE=samples/demo.pcapng
CC=${CC:-cc}

[ -x "$TRAWL" ] || { echo "demo: $TRAWL not built (make all)" >&2; exit 2; }
mkdir -p "$BUILD/samples" || exit 2
if [ ! -x "$GEN" ] || [ -n "$(find samples/gen-demo.c -newer "$GEN")" ]; then
    $CC -std=gnu11 -O2 -Wall -Wextra -Werror -o "$GEN" samples/gen-demo.c || exit 1
fi
tmp=$BUILD/samples/demo.pcapng.new
"$GEN" "$tmp" 2>/dev/null || { echo "demo: $GEN failed" >&2; exit 1; }
if [ ! -f "$SAMPLE" ]; then
    mv "$tmp" "$SAMPLE"
    echo "demo: wrote $SAMPLE"
elif cmp -s "$tmp" "$SAMPLE"; then
    rm -f "$tmp"
else
    mv "$tmp" "$SAMPLE"
    echo "demo: $SAMPLE changed (the generator changed): commit the new file"
fi

run() {
    printf '\n$ trawl %s\n' "$*"
    "$TRAWL" "$@" || { rc=$?; echo "demo: trawl $* failed (exit $rc)" >&2; exit 1; }
}

echo "demo: $SAMPLE — ARP, DNS, an HTTP exchange over TCP, ICMP echo, IPv6 neighbour discovery,"
echo "      a VLAN-tagged frame, a frame cut by the snaplen; two interfaces (Ethernet, Linux SLL)"
run -r "$SAMPLE"
run -r "$SAMPLE" -T fields -E header=y -e frame.number -e frame.time_epoch -e ip.src -e ip.dst \
    -e _ws.col.Protocol -e _ws.col.Info
run plugins
