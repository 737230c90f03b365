#!/bin/bash
# bench.sh BUILD — throughput and peak memory of trawl on a multi-GB capture, and tshark's on
# the same fields when tshark is installed.  `make bench` calls it with BUILD=build.
#
#   BENCH_DIR=/tmp/trawl-bench   where the corpora are made (once) and kept
#   BENCH_SIZE=2G                the big corpus (../shared/tools/make-corpus --size)
#   BENCH_SMALL=256M             the small corpus: memory must not grow with file size, and
#                                tshark (~9 MB/s) runs on this one only
#   BENCH_TSHARK=1               0: skip tshark even when it is installed
#   BENCH_REPEAT=1               runs per measurement; the fastest is kept
#
# Runs, each timed by /usr/bin/time (Debian package `time`) for wall time and peak RSS:
#   trawl -T fields -e <22 L2-L4 fields> with 1 and 2 worker threads, -T fields with the 58
#   application fields issue 5 names (DNS, HTTP, TLS, X.509, QUIC, SSH, DHCP, NTP), trawl -T json, trawl -q
#   (no per-packet output: flows, reassembly, analyzers) with 1 and 2 threads, conn records
#   written as Zeek logs,
#   trawl --profile l2-l4 (the same fields with only the layer 2-4 plugins loaded),
#   all > /dev/null, on both corpora; tshark -T fields with the same fields on the small one.
# The corpora are read once before timing so every run reads from the page cache. With the
# memory rows it prints the most flows alive at once in each corpus (what the peak follows).
# Nothing here asserts a speed: it prints numbers. Exit status is non-zero only when a run fails.
set -u
cd "$(dirname "$0")/../.." || exit 2
BUILD=${1:-build}
TRAWL=$BUILD/bin/trawl
DIR=${BENCH_DIR:-/tmp/trawl-bench}
BIG=${BENCH_SIZE:-2G}
SMALL=${BENCH_SMALL:-256M}
REPEAT=${BENCH_REPEAT:-1}
MAKE_CORPUS=${MAKE_CORPUS:-../shared/tools/make-corpus}

[ -x "$TRAWL" ] || { echo "bench: $TRAWL not built (make all)" >&2; exit 2; }
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench: /usr/bin/time not found: install the Debian package 'time'" >&2; exit 2; }
mkdir -p "$DIR" || exit 2

FIELDS="frame.number frame.time_epoch frame.len eth.src eth.dst eth.type ip.src ip.dst ip.proto
ip.ttl ip.len ipv6.src ipv6.dst tcp.srcport tcp.dstport tcp.flags tcp.seq_raw tcp.ack_raw tcp.len
udp.srcport udp.dstport udp.length"
EARGS=()
for f in $FIELDS; do EARGS+=(-e "$f"); done
# The application fields issue 5 is measured on (DNS, HTTP, TLS/X.509, QUIC, SSH, DHCP, NTP).
APP_FIELDS="dns.id dns.flags.response dns.flags.rcode dns.qry.name dns.qry.type dns.qry.class
dns.count.answers dns.resp.name dns.resp.type dns.resp.ttl dns.a dns.aaaa dns.cname dns.ns
dns.mx.mail_exchange dns.ptr.domain_name dns.txt dns.response_to dns.time http.request.method
http.host http.request.uri http.request.version http.request.full_uri http.user_agent
http.referer http.cookie http.authbasic http.response.code http.response.phrase
http.content_type http.content_length http.server http.location http.response_for.uri
tls.record.version tls.handshake.type tls.handshake.version
tls.handshake.extensions.supported_version tls.handshake.ciphersuite
tls.handshake.extensions_server_name tls.handshake.extensions_alpn_str tls.handshake.ja3
tls.handshake.ja3s x509sat.printableString x509sat.uTF8String x509ce.dNSName
x509af.serialNumber quic.version ssh.protocol ssh.kex_algorithms dhcp.option.dhcp
dhcp.hw.mac_addr dhcp.option.hostname dhcp.option.requested_ip_address dhcpv6.msgtype
ntp.flags.mode ntp.stratum"
AARGS=()
for f in $APP_FIELDS; do AARGS+=(-e "$f"); done

# corpus SIZE → path; made once (through a temporary name, so an interrupted run leaves none).
corpus() {
    local path="$DIR/corpus-$1.pcap"
    if [ ! -s "$path" ]; then
        [ -x "$MAKE_CORPUS" ] || { echo "bench: $MAKE_CORPUS not found (shared/ beside the repo)" >&2; return 1; }
        echo "bench: making $path (once; reused by later runs)" >&2
        "$MAKE_CORPUS" --size "$1" -o "$path.tmp" >"$DIR/make-corpus-$1.log" 2>&1 \
            || { cat "$DIR/make-corpus-$1.log" >&2; rm -f "$path.tmp"; return 1; }
        mv "$path.tmp" "$path"
    fi
    echo "$path"
}

BIGF=$(corpus "$BIG") || exit 2
SMALLF=$(corpus "$SMALL") || exit 2

# Packet counts (cached beside the corpus; trawl's own count).
count() {
    local c="$1.count"
    if [ ! -s "$c" ]; then
        "$TRAWL" -r "$1" -q --stats 2>&1 | sed -n 's/^trawl: \([0-9]*\) packets.*/\1/p' > "$c"
    fi
    cat "$c"
}

# Most flows alive at once (from --stats): what memory grows with, rather than file size.
peakflows() {
    local c="$1.flows"
    if [ ! -s "$c" ]; then
        "$TRAWL" -r "$1" -q --threads 1 --stats 2>&1 | sed -n 's/^trawl: flows: .* at most \([0-9]*\) at once.*/\1/p' > "$c"
    fi
    cat "$c"
}

RESULTS=()
failed=0
# measure LABEL CORPUS-LABEL FILE CMD... : best of REPEAT runs; appends a table row.
measure() {
    local label=$1 clabel=$2 file=$3; shift 3
    local best="" rss=0 i out rc bytes pkts
    cat "$file" > /dev/null                         # page cache
    for ((i = 0; i < REPEAT; i++)); do
        out=$(mktemp)
        "$TIME" -f '%e %M' -o "$out" "$@" > /dev/null 2>"$out.err"
        rc=$?
        if [ $rc -ne 0 ]; then
            echo "bench: $label on $clabel failed (exit $rc):" >&2
            tail -3 "$out.err" >&2
            failed=1
        fi
        read -r secs kb < <(tail -1 "$out")
        rm -f "$out" "$out.err"
        if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; fi
        [ "$kb" -gt "$rss" ] && rss=$kb
    done
    bytes=$(stat -c %s "$file")
    pkts=$(count "$file")
    RESULTS+=("$(awk -v l="$label" -v c="$clabel" -v s="$best" -v b="$bytes" -v p="$pkts" -v r="$rss" 'BEGIN{
        if (s < 0.01) s = 0.01;
        printf "%-27s %-6s %8.2f %9.1f %12.0f %9.1f", l, c, s, b / 1e6 / s, p / s, r / 1024 }')")
    printf '%s\n' "${RESULTS[-1]}" >&2
}

echo "bench: $("$TRAWL" --version | head -1), $(nproc) cores; corpora:" >&2
for f in "$SMALLF" "$BIGF"; do
    printf '  %-40s %10.1f MB  %10s packets\n' "$f" "$(awk -v b="$(stat -c %s "$f")" 'BEGIN{print b/1e6}')" "$(count "$f")" >&2
done

for c in "$SMALL:$SMALLF" "$BIG:$BIGF"; do
    cl=${c%%:*}; cf=${c#*:}
    measure "trawl -T fields (L2-L4)" "$cl" "$cf" "$TRAWL" -r "$cf" --threads 1 -T fields "${EARGS[@]}"
    measure "trawl -T fields, 2 threads" "$cl" "$cf" "$TRAWL" -r "$cf" --threads 2 -T fields "${EARGS[@]}"
    measure "trawl -T fields (app)" "$cl" "$cf" "$TRAWL" -r "$cf" --threads 1 -T fields "${AARGS[@]}"
    measure "trawl -T json" "$cl" "$cf" "$TRAWL" -r "$cf" --threads 1 -T json
    measure "trawl -q (analysis only)" "$cl" "$cf" "$TRAWL" -r "$cf" --threads 1 -q
    measure "trawl -q, 2 threads" "$cl" "$cf" "$TRAWL" -r "$cf" --threads 2 -q
    measure "trawl conn records (zeek)" "$cl" "$cf" "$TRAWL" -r "$cf" --threads 1 --records "zeek:$DIR/zeek-logs"
    [ -f samples/profiles/l2-l4.profile ] &&
        measure "trawl --profile l2-l4" "$cl" "$cf" "$TRAWL" --profile samples/profiles/l2-l4.profile -r "$cf"
done

# The same output with 1 and 2 worker threads, on the small corpus (flows, timeouts, stream
# numbers, conn records).
SAME="no"
o1=$("$TRAWL" -r "$SMALLF" --threads 1 -T fields -e frame.number -e tcp.stream -e udp.stream -e ip.src \
      --records "json:$DIR/rec1.json" 2>/dev/null | md5sum)
o2=$("$TRAWL" -r "$SMALLF" --threads 2 -T fields -e frame.number -e tcp.stream -e udp.stream -e ip.src \
      --records "json:$DIR/rec2.json" 2>/dev/null | md5sum)
[ "$o1" = "$o2" ] && cmp -s "$DIR/rec1.json" "$DIR/rec2.json" && SAME="yes"
rm -f "$DIR/rec1.json" "$DIR/rec2.json"
[ "$SAME" = yes ] || failed=1

# Memory under caps: a SYN flood (one new flow per packet) and a fragment flood (first fragments
# that never complete), each with a cap well below what holding everything would take.
FLOOD=${FLOOD:-$BUILD/tests/gen-flood}
MEMROWS=()
flood() {   # flood KIND N FILE
    [ -s "$3" ] || "$FLOOD" "$1" "$2" "$3.tmp" && { [ -s "$3" ] || mv "$3.tmp" "$3"; }
}
memrun() {   # memrun LABEL FILE CAP-OPTION CAP-MiB
    local out kb secs
    out=$(mktemp)
    if ! "$TIME" -f '%e %M' -o "$out" "$TRAWL" -r "$2" -q --stats -o "$3" > /dev/null 2>"$out.err"; then
        echo "bench: $1 failed:" >&2; tail -3 "$out.err" >&2; failed=1
    fi
    read -r secs kb < <(tail -1 "$out")
    local evicted
    evicted=$(sed -n 's/.*flows: .* \([0-9]*\) evicted.*/\1/p' "$out.err" | head -1)
    MEMROWS+=("$(awk -v l="$1" -v c="$4" -v r="$kb" -v s="$secs" 'BEGIN{
        printf "%-34s cap %5d MiB  peak RSS %7.1f MiB  %6.2f s  %s", l, c, r / 1024, s, (r / 1024 <= c + 32 ? "under the cap" : "OVER THE CAP") }')")
    printf '%s\n' "${MEMROWS[-1]}" >&2
    grep -E 'flows|defrag|reassembly' "$out.err" | sed 's/^/    /' >&2
    rm -f "$out" "$out.err"
}
if [ -x "$FLOOD" ]; then
    flood syn 1000000 "$DIR/syn-1M.pcap" && memrun "SYN flood, 1M flows" "$DIR/syn-1M.pcap" flow.memcap=64M 64
    flood frag 200000 "$DIR/frag-200k.pcap" && memrun "fragment flood, 200k datagrams" "$DIR/frag-200k.pcap" defrag.max_bytes=16M 16
else
    echo "bench: $FLOOD not built: no memory-cap runs" >&2
fi

TSHARK_NOTE=""
if [ "${BENCH_TSHARK:-1}" != 0 ] && command -v tshark >/dev/null 2>&1; then
    measure "tshark -T fields (L2-L4)" "$SMALL" "$SMALLF" tshark -n -r "$SMALLF" -T fields "${EARGS[@]}"
    measure "tshark -T fields (app)" "$SMALL" "$SMALLF" tshark -n -r "$SMALLF" -T fields "${AARGS[@]}"
    TSHARK_NOTE="tshark ran on the $SMALL corpus only (it is too slow for the big one): the ratio is taken on that file"
else
    TSHARK_NOTE="tshark not installed (or BENCH_TSHARK=0): no comparison"
fi

echo
echo "trawl benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, best of $REPEAT; MB = 10^6 bytes)"
for f in "$SMALLF" "$BIGF"; do
    printf '  corpus %-36s %9.1f MB %10s packets\n' "$(basename "$f")" "$(awk -v b="$(stat -c %s "$f")" 'BEGIN{print b/1e6}')" "$(count "$f")"
done
echo
printf '%-27s %-6s %8s %9s %12s %9s\n' "run" "corpus" "seconds" "MB/s" "packets/s" "peakMiB"
printf '%s\n' "${RESULTS[@]}"
echo
# Ratio and memory-flat check from the rows.
printf '%s\n' "${RESULTS[@]}" | awk -v small="$SMALL" -v big="$BIG" -v note="$TSHARK_NOTE" '
{
    label = substr($0, 1, 27); sub(/ +$/, "", label)
    c = $(NF - 4); mbs[label, c] = $(NF - 2); rss[label, c] = $NF
}
END {
    t = mbs["trawl -T fields (L2-L4)", small]; s = mbs["tshark -T fields (L2-L4)", small]
    if (s > 0) printf "trawl/tshark, -T fields with the same 22 fields on the %s corpus: %.1fx (%.1f vs %.1f MB/s)\n", small, t / s, t, s
    t = mbs["trawl -T fields (app)", small]; s = mbs["tshark -T fields (app)", small]
    if (s > 0) printf "trawl/tshark, -T fields with the 58 application fields (DNS ... NTP) on the %s corpus: %.1fx (%.1f vs %.1f MB/s)\n", small, t / s, t, s
    print note
    f1 = mbs["trawl -T fields (L2-L4)", big]; f2 = mbs["trawl -T fields, 2 threads", big]
    q1 = mbs["trawl -q (analysis only)", big]; q2 = mbs["trawl -q, 2 threads", big]
    if (f1 > 0 && q1 > 0) printf "2 threads vs 1 on the %s corpus: -T fields %.2fx, -q %.2fx\n", big, f2 / f1, q2 / q1
    printf "memory flat in file size (peak RSS, %s -> %s corpus):\n", small, big
    n = split("trawl -T fields (L2-L4)|trawl -T json|trawl -q (analysis only)|trawl conn records (zeek)|trawl --profile l2-l4", L, "|")
    for (i = 1; i <= n; i++) if ((L[i], big) in rss)
        printf "  %-27s %7.1f -> %7.1f MiB\n", L[i], rss[L[i], small], rss[L[i], big]
}'
echo "  (most flows alive at once: $(peakflows "$SMALLF") in the $SMALL corpus, $(peakflows "$BIGF") in the $BIG one)"
echo "output identical with 1 and 2 threads on the $SMALL corpus (fields incl. tcp.stream/udp.stream, conn records): $SAME"
echo
echo "memory under caps (peak RSS includes ~10 MiB of program and buffers; 'under' allows 32 MiB above the cap):"
printf '  %s\n' "${MEMROWS[@]}"
exit $failed
