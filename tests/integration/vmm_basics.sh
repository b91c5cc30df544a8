#!/bin/bash
# dsmig-vmm lifecycle with the hello test guest: exit status, console,
# vCPUs, list, socket mode, pause/resume, quit, SIGTERM, bad usage.
. "$(dirname "$0")/lib.sh"
require_vms

out=$("$VMM" run "$GUESTS/test-hello.elf" --vcpus 3 -- status=5 greeting=hi 2>/dev/null)
rc=$?
check "guest exit status becomes the VMM's (5)" test "$rc" -eq 5
check "guest console reaches stdout with its args" \
	grep -q "3 vcpus, 64 MiB, args 'status=5 greeting=hi'" <<<"$out"

start_vm h1 test-hello --mem 32M -- linger_ms=20000
check "list shows the running VM" bash -c "'$VMM' list | grep -Eq '^h1 +running +1 +32 '"
check "control socket has mode 0600" test "$(stat -c %a "$DSMIG_RUNTIME_DIR/h1.sock")" = 600
check "query-status reports running" test "$(field h1 query-status .status)" = running

ctl h1 pause >/dev/null
ctl h1 pause >/dev/null
check "pause: status paused" test "$(field h1 query-status .status)" = paused
check "pause: vCPU parked" test "$(field h1 query-stats '.vcpus[0].state')" = paused
ctl h1 resume >/dev/null
check "resume: status running" test "$(field h1 query-status .status)" = running
ctl h1 resume >/dev/null
check "resume of a running VM is a harmless no-op" test "$(field h1 query-status .status)" = running
check "console tail via query-console" \
	bash -c "'$VMM' ctl h1 query-console | jq -r .text | grep -q 'hello from dsmig guest'"

ctl h1 quit >/dev/null
wait_pid "$VM_PID" 5
check "quit: VMM exits 0" test "$EXIT_STATUS" = 0
check "quit: socket removed" test ! -e "$DSMIG_RUNTIME_DIR/h1.sock"

start_vm h2 test-hello -- linger_ms=20000
kill -TERM "$VM_PID"
wait_pid "$VM_PID" 5
check "SIGTERM: VMM exits 0" test "$EXIT_STATUS" = 0
check "SIGTERM: socket removed" test ! -e "$DSMIG_RUNTIME_DIR/h2.sock"

start_vm h3 test-hello -- linger_ms=20000
"$VMM" run "$GUESTS/test-hello.elf" --name h3 2>"$DSMIG_RUNTIME_DIR/dup.log" >/dev/null
check "a second VM with a live name is refused (exit 2)" test $? -eq 2
check "... and says why" grep -q "already\|running" "$DSMIG_RUNTIME_DIR/dup.log"
check "the first VM still runs" test "$(field h3 query-status .status)" = running

"$VMM" run "$GUESTS/test-hello.elf" --vcpus 0 2>/dev/null
check "--vcpus 0 is a usage error (exit 2)" test $? -eq 2
"$VMM" run "$GUESTS/test-hello.elf" --mem 1M 2>/dev/null
check "--mem 1M is a usage error (exit 2)" test $? -eq 2
"$VMM" run "$GUESTS/test-hello.elf" --name ../evil 2>/dev/null
check "a VM name with a slash is refused (exit 2)" test $? -eq 2
