#!/usr/bin/env bash
# Checks scripts/rustc-release, the rustc wrapper of .cargo/config.toml, with
# stand-in compilers that print their arguments: the profile goes to
# optimised compilations only, never twice or to an instrumented build;
# static linking to the optimised vodsim executable only, on a Linux/glibc
# host with the static libc.
set -euo pipefail
cd "$(dirname "$0")/.."
profile="$(pwd)/pgo/vodsim.profdata"
[[ -f $profile ]] || { echo "test-rustc-release: $profile missing" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# A compiler that answers -vV for a given host and echoes anything else.
fake() {
    printf '#!/bin/sh\n[ "$1" = -vV ] && { echo "rustc 1.0"; echo "host: %s"; exit 0; }\necho "$@"\n' "$2" >"$tmp/$1"
    chmod +x "$tmp/$1"
}
fake gnu x86_64-unknown-linux-gnu
fake musl x86_64-unknown-linux-musl
fails=0
expect() {
    local want="$1" compiler="$2"
    shift 2
    local got
    got="$(scripts/rustc-release "$compiler" "$@")"
    if [[ $got != "$want" ]]; then
        echo "test-rustc-release: rustc-release $compiler $*" >&2
        echo "  want: $want" >&2
        echo "  got:  $got" >&2
        fails=$((fails + 1))
    fi
}
static=""
[[ -f "$(cc -print-file-name=libc.a)" ]] && static=" -Ctarget-feature=+crt-static"
bin="--crate-name vodsim --edition=2024 src/main.rs --crate-type bin"
lib="--crate-name vodsim --edition=2024 src/lib.rs --crate-type lib"
expect "$bin -C opt-level=3 -C lto=fat -Cprofile-use=$profile$static" "$tmp/gnu" $bin -C opt-level=3 -C lto=fat
expect "$lib -C opt-level=3 -C lto=fat -Cprofile-use=$profile" "$tmp/gnu" $lib -C opt-level=3 -C lto=fat
expect "--crate-name serde -C opt-level=3 -Cprofile-use=$profile" "$tmp/gnu" --crate-name serde -C opt-level=3
expect "$bin -C opt-level=3 -Cprofile-use=$profile" "$tmp/musl" $bin -C opt-level=3
expect "$bin -C opt-level=3 --target x86_64-pc-windows-gnu -Cprofile-use=$profile" "$tmp/gnu" $bin -C opt-level=3 --target x86_64-pc-windows-gnu
expect "$bin -C embed-bitcode=no -C debuginfo=2" "$tmp/gnu" $bin -C embed-bitcode=no -C debuginfo=2
expect "-vV" echo -vV
expect "- --crate-name ___ --print=file-names" echo - --crate-name ___ --print=file-names
expect "$bin -C opt-level=3 -Cprofile-generate=/tmp/x" "$tmp/gnu" $bin -C opt-level=3 -Cprofile-generate=/tmp/x
expect "-C opt-level=3 -Cprofile-use=/elsewhere.profdata" echo -C opt-level=3 -Cprofile-use=/elsewhere.profdata
# An argument with spaces reaches the compiler unsplit.
[[ "$(scripts/rustc-release printf '[%s]' 'a b' -C opt-level=3)" == "[a b][-C][opt-level=3][-Cprofile-use=$profile]" ]] ||
    { echo "test-rustc-release: arguments were split" >&2; fails=$((fails + 1)); }
((fails == 0)) && echo "test-rustc-release: ok"
exit $((fails > 0))
