#!/usr/bin/env bash
# Checks scripts/rustc-pgo, the rustc wrapper of .cargo/config.toml, with
# `echo` standing in for the compiler: the profile is added to optimised
# compilations only, and never twice or to an instrumented build.
set -euo pipefail
cd "$(dirname "$0")/.."
profile="$(pwd)/pgo/vodsim.profdata"
[[ -f $profile ]] || { echo "test-rustc-pgo: $profile missing" >&2; exit 1; }
fails=0
expect() {
    local want="$1"
    shift
    local got
    got="$(scripts/rustc-pgo echo "$@")"
    if [[ $got != "$want" ]]; then
        echo "test-rustc-pgo: rustc-pgo echo $*" >&2
        echo "  want: $want" >&2
        echo "  got:  $got" >&2
        fails=$((fails + 1))
    fi
}
expect "--crate-name vodsim -C opt-level=3 -C lto=fat -Cprofile-use=$profile" --crate-name vodsim -C opt-level=3 -C lto=fat
expect "--crate-name vodsim -C embed-bitcode=no -C debuginfo=2" --crate-name vodsim -C embed-bitcode=no -C debuginfo=2
expect "-vV" -vV
expect "- --crate-name ___ --print=file-names" - --crate-name ___ --print=file-names
expect "-C opt-level=3 -Cprofile-generate=/tmp/x" -C opt-level=3 -Cprofile-generate=/tmp/x
expect "-C opt-level=3 -Cprofile-use=/elsewhere.profdata" -C opt-level=3 -Cprofile-use=/elsewhere.profdata
# An argument with spaces reaches the compiler unsplit.
[[ "$(scripts/rustc-pgo printf '[%s]' 'a b' -C opt-level=3)" == "[a b][-C][opt-level=3][-Cprofile-use=$profile]" ]] ||
    { echo "test-rustc-pgo: arguments were split" >&2; fails=$((fails + 1)); }
((fails == 0)) && echo "test-rustc-pgo: ok"
exit $((fails > 0))
