#!/bin/bash
# `dsmig webclient` against small HTTP/1.1 servers on loopback (python3,
# written here): a good keep-alive server (every request ok, 404 for a
# --missing path counts as ok, the JSON lines add up); one that resets a
# connection in the middle of a response; one killed mid-run; one that
# sends an endless header; one stopped (SIGSTOP) for a second: the longest
# gap. Also the refusals (a target outside the lab and loopback, limits)
# and SIGINT ending a run with its summary. About 20 s; needs python3.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null; then
	skip "webclient: needs python3"
	exit 0
fi
W=$HOST_A
WC() { timeout 30 "$DSMIG" webclient "$@"; }

cat >"$W/server.py" <<'PY'
# server.py MODE PORTFILE: an HTTP/1.1 keep-alive server on 127.0.0.1.
# MODE good: 200 with a 2 KiB body for any path but /missing (404, kept
# alive); reset: every 10th response is cut short by a TCP reset;
# endless: a status line, then header lines without end.
import socket, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
mode, portfile = sys.argv[1], sys.argv[2]
body = b"x" * 2048
count = 0
lock = threading.Lock()
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True   # headers and body go in separate writes
    def log_message(self, *a): pass
    def do_GET(self):
        global count
        with lock:
            count += 1
            n = count
        if mode == "endless":
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            try:
                while True:
                    self.wfile.write(b"X-Filler: " + b"a" * 1000 + b"\r\n")
            except OSError:
                return
        if mode == "reset" and n % 10 == 0:
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2048\r\n\r\nxyz")
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
            self.connection.close()
            self.close_connection = True
            return
        code, data = (404, b"missing\n") if self.path == "/missing" else (200, body)
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer.handle_error = lambda *a: None   # the resets are expected
s = ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
import os; os.rename(portfile + ".tmp", portfile)
s.serve_forever()
PY

# serve MODE: start a server; sets SRV (its pid) and PORT.
serve() {
	rm -f "$W/port"
	python3 "$W/server.py" "$1" "$W/port" &
	SRV=$!
	TEST_PIDS+=("$SRV")
	for _ in $(seq 100); do [ -s "$W/port" ] && break; sleep 0.05; done
	PORT=$(cat "$W/port")
}
stop_server() { kill -CONT "$SRV" 2>/dev/null; kill "$SRV" 2>/dev/null; wait "$SRV" 2>/dev/null; }
# sum FIELD: a number from the summary in $W/sum.json.
sum() { jq -r ".$1" "$W/sum.json"; }
# records FILE EXPR: EXPR holds over the records of a JSON lines file.
records() { jq -s -e "$2" "$1" >/dev/null; }

# ---- a good server --------------------------------------------------------
serve good
WC --target "127.0.0.1:$PORT" --conns 4 --rate 200 --duration 2 --path /a --path /b \
	--missing /missing --out "$W/good.jsonl" >"$W/sum.json" 2>"$W/err"; rc=$?
check "good server: exit 0 ($(tr -d '\n' <"$W/sum.json"))" test "$rc" -eq 0
check "good server: about 400 requests, none failed, none reset" \
	holds "$(cat "$W/sum.json") | .requests >= 300 and .requests <= 420 and .failed == 0 and .resets == 0"
check "good server: the 404 of --missing counts as ok, the body bytes are counted" \
	holds "$(cat "$W/sum.json") | .failed_by.status == 0 and .bytes_in >= 2048 * (.requests * 2 / 3 | floor)"
check "good server: four connections, kept alive (no reconnects)" test "$(sum reconnects)" -eq 0
check "good server: gap and latency well under a second" \
	holds "$(cat "$W/sum.json") | .longest_gap_ns > 0 and .longest_gap_ns < 500000000 and .max_latency_ns < 500000000"
check "--out: a record per second, then the summary, the same as on stdout" \
	bash -c "[ \$(jq -s '[.[] | select(.type == \"webclient-second\")] | length' '$W/good.jsonl') -ge 2 ] &&
		 [ \"\$(tail -1 '$W/good.jsonl')\" = \"\$(cat '$W/sum.json')\" ]"
check "--out: the seconds add up to the summary" \
	records "$W/good.jsonl" '([.[] | select(.type == "webclient-second") | .ok] | add) as $ok
		  | (.[] | select(.type == "webclient-summary")) as $s | $ok == $s.requests'
WC --target "127.0.0.1:$PORT" --conns 2 --rate 50 --duration 0.5 --path /missing \
	>"$W/sum.json" 2>/dev/null; rc=$?
check "a 404 where a page is expected fails (exit $rc)" \
	bash -c "[ $rc -eq 1 ] && [ \$(jq .failed_by.status '$W/sum.json') -gt 0 ]"
WC --target "127.0.0.1:$PORT" --conns 2 --rate 50 --duration 0.5 --per-request --out "$W/req.jsonl" \
	>/dev/null 2>&1
check "--per-request: each request's send and completion, on both clocks" \
	records "$W/req.jsonl" '[.[] | select(.type == "webclient-request")] | length > 10 and
		  all(.done_mono_ns >= .send_mono_ns and .done_real_ns >= .send_real_ns and
		      .latency_ns == .done_mono_ns - .send_mono_ns and .outcome == "ok")'

# ---- stopped for a second: the longest gap ---------------------------------
WC --target "127.0.0.1:$PORT" --conns 4 --rate 100 --duration 3 --out "$W/stop.jsonl" \
	>"$W/sum.json" 2>/dev/null &
wc=$!
sleep 1
kill -STOP "$SRV"; t_stop=$(date +%s%N)
sleep 1
kill -CONT "$SRV"
wait "$wc"; rc=$?
check "server stopped for 1 s: exit 0, nothing failed ($(tr -d '\n' <"$W/sum.json"))" \
	holds "$(cat "$W/sum.json") | $rc == 0 and .failed == 0 and .resets == 0"
check "... the longest gap is at least 0.9 s, and under 1.5 s" \
	holds "$(cat "$W/sum.json") | .longest_gap_ns >= 900000000 and .longest_gap_ns < 1500000000"
check "... and began when the server stopped (within 100 ms)" \
	holds "$(cat "$W/sum.json") | (.longest_gap_at - $t_stop) | fabs < 100000000"
check "... as did the longest latency" holds "$(cat "$W/sum.json") | .max_latency_ns >= 900000000"
check "... a webclient-second record has gap_ns of at least 0.9 s" \
	records "$W/stop.jsonl" 'any(.[]; .type == "webclient-second" and .gap_ns >= 900000000)'
check "... the seconds' longest gap_ns is the summary's longest_gap_ns" \
	records "$W/stop.jsonl" '([.[] | select(.type == "webclient-second") | .gap_ns] | max) as $g
		  | (.[] | select(.type == "webclient-summary")) as $s | $g == $s.longest_gap_ns'

# ---- SIGINT ends a run early, with its summary ------------------------------
"$DSMIG" webclient --target "127.0.0.1:$PORT" --duration 60 --rate 50 >"$W/sum.json" 2>/dev/null &
wc=$!
sleep 0.7
kill -INT "$wc"
wait_pid "$wc" 5
check "SIGINT: ends at once, exit 0, with the summary" \
	holds "$(cat "$W/sum.json") | $EXIT_STATUS == 0 and .interrupted and .requests > 0 and .duration_ns < 2000000000"
stop_server

# ---- resets mid-response ------------------------------------------------------
serve reset
WC --target "127.0.0.1:$PORT" --conns 4 --rate 200 --duration 1.5 >"$W/sum.json" 2>/dev/null; rc=$?
check "a server that resets connections: exit 1, resets and reconnects counted ($(tr -d '\n' <"$W/sum.json"))" \
	holds "$(cat "$W/sum.json") | $rc == 1 and .resets > 0 and .reconnects >= .resets and .requests > 0"
stop_server

# ---- killed mid-run ----------------------------------------------------------
serve good
WC --target "127.0.0.1:$PORT" --conns 4 --rate 200 --duration 2 >"$W/sum.json" 2>/dev/null &
wc=$!
sleep 1
kill -9 "$SRV"
wait "$SRV" 2>/dev/null
wait "$wc"; rc=$?
check "a server killed mid-run: exit 1, connects fail ($(tr -d '\n' <"$W/sum.json"))" \
	holds "$(cat "$W/sum.json") | $rc == 1 and .requests > 0 and .failed > 0 and .failed_by.connect > 0"

# ---- an endless header -------------------------------------------------------
serve endless
WC --target "127.0.0.1:$PORT" --conns 2 --rate 20 --duration 1 >"$W/sum.json" 2>/dev/null; rc=$?
check "an endless header: exit 1, each response refused as malformed ($(tr -d '\n' <"$W/sum.json"))" \
	holds "$(cat "$W/sum.json") | $rc == 1 and .failed_by.malformed > 0 and .requests == 0"
stop_server

# ---- refusals ------------------------------------------------------------------
out=$(WC --target 192.0.2.1 --duration 1 2>&1); rc=$?
check "a target outside the lab and loopback: exit 2, says why" \
	test "$rc" -eq 2 -a -n "$(grep 'refusing target 192.0.2.1: only the lab' <<<"$out")"
out=$(WC --target 198.19.0.10:80 --conns 1001 2>&1); rc=$?
check "--conns above 1000: exit 2" test "$rc" -eq 2
out=$(WC --target 127.0.0.1 --duration 3601 2>&1); rc=$?
check "--duration above 3600: exit 2" test "$rc" -eq 2
out=$(WC --target 127.0.0.1 --rate 100001 2>&1); rc=$?
check "--rate above 100000: exit 2" test "$rc" -eq 2
out=$(WC --target 127.0.0.1 --path 'a b' 2>&1); rc=$?
check "a path without a leading / : exit 2" test "$rc" -eq 2
out=$(WC --target 127.0.0.1:1 --duration 0.3 --conns 1 2>/dev/null); rc=$?
check "nothing listening: exit 1, connects failed" \
	holds "$out | $rc == 1 and .failed_by.connect > 0 and .requests == 0"
