#!/bin/sh
# install-deps.sh — the Debian 12 packages trawl's build, tests and demo need (`make deps`).
#
# Run as root (non-interactive). When every package is already installed it does nothing and
# needs no root, so `make deps` is quick on a ready machine. tshark is deliberately absent: it
# is only the oracle for `make oracle` and `make bench` (apt-get install tshark for those).
set -eu

PACKAGES="make gcc clang libc6-dev pkg-config libpcap-dev libcunit1-dev uthash-dev zlib1g-dev
libssl-dev libsqlite3-dev python3 iproute2 ca-certificates time libclang-rt-14-dev"

missing=""
for p in $PACKAGES; do
    # "install ok installed" only: a removed-but-configured package does not count.
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    # shellcheck disable=SC2086  # counting the words of the list
    set -- $PACKAGES
    echo "install-deps: all $# packages are installed"
    exit 0
fi

echo "install-deps: missing:$missing"
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: error: installing packages needs root; run: sudo $0" >&2
    echo "install-deps: (or: sudo apt-get install -y --no-install-recommends$missing)" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: error: apt-get not found: this script is for Debian 12 (bookworm);" >&2
    echo "install-deps: install the equivalents of:$missing" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086  # word splitting of the package list is intended
apt-get install -y --no-install-recommends $missing
echo "install-deps: done"
