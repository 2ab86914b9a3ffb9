# SPDX-License-Identifier: ISC
# tools/deps.sh - sourced by tools/quickstart and tools/test: installs the
# Debian packages avow needs when they are missing (as root), or prints the
# exact apt-get line and stops.

avow_need_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "avow: missing packages: ${missing[*]}" >&2
        echo "avow: run as root:  apt-get install -y ${missing[*]}" >&2
        exit 3
    fi
    echo "avow: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; then
        apt-get update -q >/dev/null
        apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

# What building and running avow needs.
AVOW_BUILD_PACKAGES=(gcc make cmake pkg-config liblmdb-dev libsodium-dev libjansson-dev librsvg2-dev libcurl4-openssl-dev)
# What the test suite needs on top (golang-go and golang-golang-x-mod-dev: the
# reference-interop test, tests/interop, built in GOPATH mode with no network).
AVOW_TEST_PACKAGES=(libcmocka-dev jq python3 lmdb-utils clang libclang-rt-14-dev clang-format clang-tidy cppcheck groff-base man-db openssh-server openssh-client libxml2-utils librsvg2-bin golang-go golang-golang-x-mod-dev nginx-light)
# avow-bench's SQLite comparison (issue 21, tools/bench/sqlite.c; the library
# links no SQLite), run by tools/test through avow-bench --quick.
AVOW_TEST_PACKAGES+=(libsqlite3-dev)
