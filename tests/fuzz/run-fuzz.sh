#!/bin/sh
# run-fuzz.sh — build trawl with libFuzzer + ASan + UBSan into build-fuzz/ and run every fuzz
# target for FUZZ_SECONDS (default 30) each.  `make fuzz` calls it.
#
#   FUZZ_SECONDS=30        seconds per target
#   FUZZ_TARGETS="a b"     only these targets (names from targets.txt, or fuzz_capture)
#   FUZZ_BUILD=build-fuzz  build directory
#   FUZZ_ARGS="..."        extra libFuzzer flags (e.g. -jobs=2 -workers=2)
#   TRAWL_CAPTURES         captures for seeds (default ../shared/captures)
#
# Targets: fuzz_capture (the pcap/pcapng readers) and the dissection targets of targets.txt
# (a generic one over all link types and one per dissector; a target whose plugin is not
# built is skipped). Corpora live in build-fuzz/corpus/<target>/ and grow from run to run;
# they are seeded from the captures and tests/fuzz/regressions/ by mkcorpus.
#
# A crash (or leak, timeout, out-of-memory) is copied to tests/fuzz/crashes/<target>-<hash>
# (replay: build-fuzz/fuzz/<target> FILE); for the dissection targets the frame it makes is
# written beside it as <linktype>-<target>-<hash>[@<wire len>].bin, the form
# tests/fuzz/regressions/ keeps (move it there once the bug is fixed). Exit status: 0 when
# every target ran clean, 1 when any crashed, 2 when the build failed.
set -u
cd "$(dirname "$0")/../.." || exit 2

SECONDS_PER=${FUZZ_SECONDS:-30}
B=${FUZZ_BUILD:-build-fuzz}
CAPS=${TRAWL_CAPTURES:-../shared/captures}
CLANG=${FUZZ_CC:-clang}
HERE=tests/fuzz

command -v "$CLANG" >/dev/null 2>&1 || {
    echo "run-fuzz: $CLANG not found: fuzzing needs clang and its runtime (Debian: clang libclang-rt-14-dev)" >&2
    exit 2
}
RTLIB=$("$CLANG" -print-file-name=libclang_rt.asan-x86_64.so)
[ -f "$RTLIB" ] || {
    echo "run-fuzz: clang's sanitizer runtime is missing ($RTLIB): install libclang-rt-14-dev" >&2
    exit 2
}
RTDIR=$(dirname "$RTLIB")

# The library and plugins are shared objects linked with --no-undefined, so they take the
# shared sanitizer runtime (-shared-libsan), found through an rpath at run time.
SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -shared-libsan -Wno-unused-command-line-argument -Wl,-rpath,$RTDIR"
echo "run-fuzz: building $B (clang, libFuzzer, ASan, UBSan)"
mkdir -p "$B/fuzz" "$B/tools" "$B/corpus" "$B/logs" "$B/artifacts"
# make cannot see a change of flags: rebuild from scratch when they differ from last time.
if [ "$(cat "$B/flags" 2>/dev/null)" != "$CLANG $SAN" ]; then
    rm -rf "${B:?}/obj" "${B:?}/lib" "${B:?}/bin" "${B:?}/plugins"
    echo "$CLANG $SAN" > "$B/flags"
fi
# -k: a plugin that does not build (yet) only costs its own targets.
if ! make -k -s -j"$(nproc 2>/dev/null || echo 2)" BUILD="$B" CC="$CLANG" OPT=-O1 SAN="$SAN" \
        all >"$B/logs/build.log" 2>&1; then
    if [ ! -f "$B/lib/libtrawl.so" ]; then
        cat "$B/logs/build.log" >&2
        echo "run-fuzz: libtrawl did not build" >&2
        exit 2
    fi
    echo "run-fuzz: warning: some plugins did not build with clang (their targets are skipped):" >&2
    grep -E '^make: \*\*\*.*plugins/' "$B/logs/build.log" | sed 's/^/  /' >&2
fi
WARN="-Wall -Wextra -Werror -Wno-unused-parameter"
FLAGS="-std=gnu11 -O1 -g $WARN -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer"

# Seed extractor: plain cc, libtrawl's readers compiled in.
cc -std=gnu11 -O2 -Wall -Wextra -D_GNU_SOURCE -Iframework/input -I$HERE -o "$B/tools/mkcorpus" \
    $HERE/mkcorpus.c framework/input/*.c || exit 2

# fuzz_capture: the readers compiled straight into the target.
$CLANG $FLAGS -Iframework/input -o "$B/fuzz/fuzz_capture" $HERE/fuzz_capture.c framework/input/*.c || exit 2
TARGETS="fuzz_capture"

# fuzz_tcpstream: scripts of TCP segments through the flow table, reassembly and the plugins.
$CLANG $FLAGS -shared-libsan -Wl,-rpath,"$RTDIR" -Iinclude -Itests -o "$B/fuzz/fuzz_tcpstream" \
    $HERE/fuzz_tcpstream.c -L"$B/lib" -ltrawl -lm -Wl,-rpath,'$ORIGIN/../lib' -nostdlib++ -lstdc++ || exit 2
TARGETS="$TARGETS fuzz_tcpstream"

# Dissection targets.
kind_macro() {
    case $1 in
        link) echo WRAP_LINK ;; ether) echo WRAP_ETHER ;; ip4) echo WRAP_IP4 ;;
        ip6) echo WRAP_IP6 ;; udp) echo WRAP_UDP ;; tcp) echo WRAP_TCP ;; *) echo "" ;;
    esac
}
SKIPPED=""
while read -r name plugin kind arg das; do
    case $name in ''|'#'*) continue ;; esac
    if [ "$plugin" != "-" ] && [ ! -f "$B/plugins/$plugin.so" ]; then
        SKIPPED="$SKIPPED $name"
        continue
    fi
    defs=""
    if [ "$kind" != generic ]; then
        defs="-DTARGET_KIND=$(kind_macro "$kind") -DTARGET_ARG=$arg"
    fi
    case $das in ''|-) ;; *) defs="$defs -DTARGET_DECODE_AS=\"$das\"" ;; esac
    $CLANG $FLAGS -shared-libsan -Wl,-rpath,"$RTDIR" -Iinclude -I$HERE $defs -o "$B/fuzz/$name" \
        $HERE/fuzz_dissect.c -L"$B/lib" -ltrawl -lm -Wl,-rpath,'$ORIGIN/../lib' -nostdlib++ -lstdc++ || exit 2
    TARGETS="$TARGETS $name"
done < $HERE/targets.txt
[ -n "$SKIPPED" ] && echo "run-fuzz: skipped (plugin not built):$SKIPPED"

# Seeds. mkcorpus only adds files, so running it every time is cheap and picks up new captures
# and regressions.
set --
[ -d "$CAPS" ] && for f in "$CAPS"/*.pcap "$CAPS"/*.pcapng; do [ -f "$f" ] && set -- "$@" "$f"; done
for f in $HERE/regressions/*.bin samples/demo.pcapng; do [ -f "$f" ] && set -- "$@" "$f"; done
"$B/tools/mkcorpus" $HERE/targets.txt "$B/corpus" "$@" >"$B/logs/mkcorpus.log" || exit 2
mkdir -p "$B/corpus/fuzz_capture" "$B/corpus/fuzz_tcpstream"
# No capture frame reaches x509 on its decode-as port: seed it with certificates openssl makes
# (a leading 0 byte: the target's first byte is the snaplen cut).
if command -v openssl >/dev/null 2>&1 && [ ! -f "$B/corpus/fuzz_x509/seed-ec.der" ]; then
    mkdir -p "$B/corpus/fuzz_x509"
    for k in rsa:1024 ec; do
        case $k in ec) kopt="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1" ;; *) kopt="-newkey $k" ;; esac
        # shellcheck disable=SC2086
        openssl req -x509 $kopt -nodes -keyout /dev/null -days 30 -subj "/C=DE/O=trawl seed/CN=seed.example" \
            -addext "subjectAltName=DNS:a.example,IP:10.0.0.1,email:x@example.org" -outform DER \
            -out "$B/corpus/fuzz_x509/cert.tmp" 2>/dev/null \
            && { printf '\000'; cat "$B/corpus/fuzz_x509/cert.tmp"; } > "$B/corpus/fuzz_x509/seed-${k%%:*}.der"
    done
    rm -f "$B/corpus/fuzz_x509/cert.tmp"
fi
for f in "$CAPS"/*.pcap "$CAPS"/*.pcapng $HERE/regressions/*.pcap $HERE/regressions/*.pcapng samples/demo.pcapng; do
    [ -f "$f" ] || continue
    out="$B/corpus/fuzz_capture/$(basename "$f")"
    [ -f "$out" ] || head -c 65535 "$f" > "$out"
done

# Run.
if [ -n "${FUZZ_TARGETS:-}" ]; then
    sel=""
    for t in $FUZZ_TARGETS; do
        case " $TARGETS " in *" $t "*) sel="$sel $t" ;; *) echo "run-fuzz: no target $t" >&2 ;; esac
    done
    TARGETS=$sel
fi
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
# UBSan checks stay recoverable in the build so that ubsan.supp can hold known, reported
# findings; halt_on_error makes every other one a crash.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:suppressions=$PWD/$HERE/ubsan.supp}"
supp=$(grep -c '^[a-z]' $HERE/ubsan.supp)
[ "$supp" -gt 0 ] && echo "run-fuzz: $supp known UBSan finding(s) suppressed (see $HERE/ubsan.supp):" \
    && grep '^[a-z]' $HERE/ubsan.supp | sed 's/^/  /'
mkdir -p $HERE/crashes
failed=0
ntargets=$(echo $TARGETS | wc -w)
echo "run-fuzz: $ntargets targets, ${SECONDS_PER}s each"
for t in $TARGETS; do
    rm -f "$B/artifacts/$t-"*
    log="$B/logs/$t.log"
    # -timeout: one input may take 10 s (a hang is a finding); -rss_limit_mb: 2 GiB.
    "$B/fuzz/$t" -max_total_time="$SECONDS_PER" -max_len=65535 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$B/artifacts/$t-" ${FUZZ_ARGS:-} \
        "$B/corpus/$t" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    ncorp=$(ls "$B/corpus/$t" | wc -l)
    arts=$(ls "$B/artifacts/$t-"* 2>/dev/null)
    if [ $rc -eq 0 ] && [ -z "$arts" ]; then
        printf '%-16s ok       %10s runs  cov %-6s corpus %s\n' "$t" "${runs:-?}" "${cov:-?}" "$ncorp"
        continue
    fi
    failed=1
    if [ -z "$arts" ]; then
        printf '%-16s FAILED   exit %s, no crash file (see %s)\n' "$t" "$rc" "$log"
        continue
    fi
    for a in $arts; do
        h=$(sha1sum "$a" | cut -c1-12)
        kind=$(basename "$a" | sed "s/^$t-//; s/-.*//")
        dst="$HERE/crashes/$t-$h"
        cp "$a" "$dst"
        if [ "$t" != fuzz_capture ]; then
            TRAWL_FUZZ_DUMP_DIR=$HERE/crashes TRAWL_FUZZ_DUMP_NAME="$t-$h" TRAWL_FUZZ_NO_SINKS=1 \
                ASAN_OPTIONS=detect_leaks=0:halt_on_error=0 UBSAN_OPTIONS=halt_on_error=0 \
                "$B/fuzz/$t" -runs=1 "$dst" >/dev/null 2>&1
        fi
        why=$(grep -m1 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|fuzz_capture:|ERROR: libFuzzer)' "$log" | cut -c1-150)
        printf '%-16s CRASHED  %s -> %s\n                 %s\n' "$t" "$kind" "$dst" "$why"
    done
done
[ $failed -eq 0 ] && echo "run-fuzz: all $ntargets targets ran ${SECONDS_PER}s clean" \
                  || echo "run-fuzz: crashes found: inputs in $HERE/crashes, logs in $B/logs"
exit $failed
