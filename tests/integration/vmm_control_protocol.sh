#!/bin/bash
# The control socket under bad input: malformed, non-object, oversized and
# unknown commands get JSON error replies on the same connection, and the
# VM keeps running.
. "$(dirname "$0")/lib.sh"
require_vms
start_vm p1 test-hello -- linger_ms=30000
sock="$DSMIG_RUNTIME_DIR/p1.sock"

# send LINES...: one connection, each argument a line; prints replies.
send() {
	printf '%s\n' "$@" | socat -t 1 - "UNIX-CONNECT:$sock"
}

replies=$(send '{"execute":"query-status","id":"a"}')
check "greeting first, with protocol version" \
	test "$(head -1 <<<"$replies" | jq -r .dsmig.protocol)" = 1
check "reply echoes a string id" \
	test "$(sed -n 2p <<<"$replies" | jq -r .id)" = a

replies=$(send 'this is not json' '[1,2,3]' '{"id":7}' '{"execute":"nope","id":{"k":1}}' \
	'{"execute":"query-status","id":8}')
check "malformed JSON -> InvalidInput" \
	test "$(sed -n 2p <<<"$replies" | jq -r .error.class)" = InvalidInput
check "non-object -> error" \
	test "$(sed -n 3p <<<"$replies" | jq -r '.error | type')" = object
check "missing execute -> error with id 7" \
	test "$(sed -n 4p <<<"$replies" | jq -r '.id')" = 7
check "unknown command -> CommandNotFound, object id echoed" \
	test "$(sed -n 5p <<<"$replies" | jq -c '[.error.class, .id.k]')" = '["CommandNotFound",1]'
check "the same connection still answers" \
	test "$(sed -n 6p <<<"$replies" | jq -r .return.status)" = running

big=$(head -c 100000 /dev/zero | tr '\0' x)
replies=$(send "{\"execute\":\"$big\"}" '{"execute":"query-status","id":9}')
check "oversized line -> error reply" \
	test "$(sed -n 2p <<<"$replies" | jq -r '.error.class')" = InvalidInput
check "... and the next command works" \
	test "$(sed -n 3p <<<"$replies" | jq -r .return.status)" = running

head -c 3000 /dev/urandom | socat -t 1 - "UNIX-CONNECT:$sock" >/dev/null 2>&1
check "binary garbage: the VM keeps running" test "$(field p1 query-status .status)" = running
check "query-stats with unexpected arguments still answers" \
	bash -c "'$VMM' ctl p1 query-stats '{\"bogus\":1}' | jq -e .vcpus >/dev/null"
