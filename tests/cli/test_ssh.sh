#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test_ssh.sh - `avow sync ssh://127.0.0.1:PORT/PATH` against a real OpenSSH
# server that this test starts: 127.0.0.1, a free port, a throw-away host key,
# its own sshd_config and an authorized key made here. The remote side runs
# the absolute path of the built avow (--remote-avow). Skips, with a visible
# SKIP line and exit 0, only when sshd truly cannot start (tools/test installs
# openssh-server and openssh-client).
set -euo pipefail

: "${AVOW:?AVOW must name the built avow binary}"
T=$(mktemp -d)
sshd_pid=
cleanup() {
    if [ -n "$sshd_pid" ]; then
        kill "$sshd_pid" 2>/dev/null || true
        wait "$sshd_pid" 2>/dev/null || true
    fi
    rm -rf "$T"
}
trap cleanup EXIT
unset AVOW_LEDGER AVOW_KEY AVOW_PASSPHRASE_FILE XDG_CONFIG_HOME || true
export HOME="$T/home"
mkdir -p "$HOME"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
skip() {
    echo "SKIP: sshd cannot start: $*"
    exit 0
}

AVOW=$(readlink -f "$AVOW")
SSHD=$(command -v sshd || true)
[ -n "$SSHD" ] || SSHD=/usr/sbin/sshd
[ -x "$SSHD" ] || skip "no sshd binary (apt-get install openssh-server)"
command -v ssh >/dev/null || skip "no ssh client (apt-get install openssh-client)"
command -v ssh-keygen >/dev/null || skip "no ssh-keygen"

ssh-keygen -q -t ed25519 -N '' -f "$T/host_key" >/dev/null
ssh-keygen -q -t ed25519 -N '' -f "$T/id" >/dev/null
cp "$T/id.pub" "$T/authorized_keys"
chmod 600 "$T/authorized_keys" "$T/host_key" "$T/id"
# Privilege separation needs this directory when sshd runs as root.
if [ "$(id -u)" = 0 ] && [ ! -d /run/sshd ]; then
    mkdir -p /run/sshd && chmod 755 /run/sshd
fi

free_port() {
    if command -v python3 >/dev/null; then
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    else
        echo $((20000 + RANDOM % 20000))
    fi
}

started=
why=
for attempt in 1 2 3 4 5; do
    port=$(free_port)
    cat >"$T/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $T/host_key
PidFile $T/sshd.pid
AuthorizedKeysFile $T/authorized_keys
StrictModes no
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
LogLevel ERROR
CONF
    if ! why=$("$SSHD" -t -f "$T/sshd_config" 2>&1); then
        skip "$why"
    fi
    "$SSHD" -D -e -f "$T/sshd_config" 2>"$T/sshd.log" &
    sshd_pid=$!
    for _ in $(seq 1 50); do
        if ! kill -0 "$sshd_pid" 2>/dev/null; then
            break
        fi
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            started=1
            break
        fi
        sleep 0.1
    done
    [ -n "$started" ] && break
    why=$(cat "$T/sshd.log")
    kill "$sshd_pid" 2>/dev/null || true
    wait "$sshd_pid" 2>/dev/null || true
    sshd_pid=
done
[ -n "$started" ] || skip "${why:-no port would bind}"

export AVOW_SSH="ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR -i $T/id -l $(id -un)"
# The server must really let us in: otherwise this is a test failure, not a skip.
ssh_out=$($AVOW_SSH -p "$port" 127.0.0.1 echo ssh-ok 2>&1) ||
    fail "ssh to the test sshd failed: $ssh_out $(cat "$T/sshd.log")"
[ "$ssh_out" = ssh-ok ] || fail "ssh printed '$ssh_out'"

A() { "$AVOW" -L "$T/a" -k "$T/ka" "$@"; }
B() { "$AVOW" -L "$T/b" -k "$T/kb" "$@"; }
"$AVOW" -q key new "$T/ka" >/dev/null
"$AVOW" -q key new "$T/kb" >/dev/null
A -q init --origin avow.test/ssh-a
B -q init --origin avow.test/ssh-b
A -q contest new nato --title "NATO SG" --rule unanimity --at 2024-01-01 >/dev/null
A -q member add nato HU NL --at 2024-01-01 >/dev/null

url="ssh://127.0.0.1:$port$T/a"
out=$(B --json sync "$url" --remote-avow "$AVOW") || fail "sync over ssh"
[ "$(echo "$out" | jq .received)" = 3 ] || fail "received 3 over ssh: $out"
[ "$(echo "$out" | jq -r .peer_origin)" = avow.test/ssh-a ] || fail "origin over ssh: $out"
B -q declare nato HU opposes Rutte --at 2024-03-01 --source https://example.org/hu >/dev/null
out=$(AVOW_REMOTE="$AVOW" B --json sync "$url") || fail "second sync over ssh"
[ "$(echo "$out" | jq .sent)" = 1 ] || fail "sent 1 over ssh: $out"
[ "$(A log --json | wc -l)" = 4 ] || fail "a got b's event over ssh"
out=$(B --json sync "$url" --remote-avow "$AVOW")
[ "$(echo "$out" | jq '.sent + .received')" = 0 ] || fail "third sync transfers nothing: $out"
A -q verify || fail "verify a"
B -q verify || fail "verify b"
# A remote path without a ledger fails cleanly.
set +e
B sync "ssh://127.0.0.1:$port$T/nothere" --remote-avow "$AVOW" 2>"$T/err"
rc=$?
set -e
[ $rc != 0 ] || fail "sync with a missing remote ledger succeeded"
echo "ok"
