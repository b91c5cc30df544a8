#!/bin/bash
# Figures and table of bench/paper.sh from its recorded sessions.
# Usage: bench/paper_plot.sh SESSIONS-DIR OUT-DIR
#   sessions are named WORKLOAD-METHOD-RUN.jsonl (console session logs,
#   docs/telemetry.md); the VM in each is WORKLOAD followed by RUN.
# Writes OUT-DIR/fig4-downtime.png, fig4-total.png, <workload>-vcpu.png,
# <workload>-net.png and results.md, for every workload and method that
# has sessions in SESSIONS-DIR.
# Each session is read by `dsmig report --data` ($DSMIG, default
# build/bin/dsmig; docs/console.md): the summary, the downtime window and
# the series over normalised time come from there; this script only
# averages over runs and draws.
set -u
SESS=${1:?usage: paper_plot.sh SESSIONS-DIR OUT-DIR}
OUT=${2:?usage: paper_plot.sh SESSIONS-DIR OUT-DIR}
DSMIG=${DSMIG:-$(cd "$(dirname "$0")/.." && pwd)/build/bin/dsmig}
[ -x "$DSMIG" ] || { echo "paper_plot: no $DSMIG (build it, or set DSMIG)" >&2; exit 1; }
# What to plot: every workload and method with sessions here, in order.
has_sessions() { compgen -G "$SESS/$1.jsonl" >/dev/null; }
WORKLOADS= METHODS=
for w in idle cpu memory net kv; do has_sessions "$w-*-[0-9]*" && WORKLOADS+="$w "; done
for m in precopy dsm dsm-pull; do has_sessions "*-$m-[0-9]*" && METHODS+="$m "; done
BIN=0.02                          # normalised-time bin of the mean curves
TMP=$(mktemp -d /tmp/dsmig-paper-plot.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT" || exit 1
colour() { case $1 in precopy) echo "#c0392b" ;; dsm) echo "#2471a3" ;; *) echo "#229954" ;; esac; }

# Per session: its summaries (one JSON line each) and, for the migrations
# that completed with a downtime window, its series: "mark PAUSE RESUME",
# "vcpu X PCT" (the host that runs the guest at X), "net X MBIT/S" (the
# wire probe), "nic X MBIT/S" (the guest's own NIC), X normalised. A web
# server's session has its clients' files beside it (bench/paper.sh):
# one line of web.jsonl per session from them.
# web_line BASE METHOD DATA: the clients' view of one web-server run, as
# one JSON line: the logging client's summary, its ok requests per second
# before, during and after the migration (whole seconds), wrk's requests
# per second and its errors (socket errors and non-2xx responses).
web_line() {
	local wrk_rps wrk_err t0 t1
	wrk_rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$1.wrk" 2>/dev/null)
	wrk_err=$(awk '/Socket errors/ { n += $4 + $6 + $8 + $10 } /Non-2xx/ { n += $NF }
		END { print n + 0 }' "$1.wrk" 2>/dev/null)
	read -r t0 t1 <<<"$(jq -r 'select(.kind == "migration") | "\(.t0) \(.t1)"' "$3" | head -n 1)"
	jq -c -n --arg m "$2" --argjson t0 "${t0:-0}" --argjson t1 "${t1:-0}" \
		--argjson wrk_rps "${wrk_rps:-null}" --argjson wrk_err "${wrk_err:-0}" \
		--slurpfile c "$1.webclient" '
		[$c[] | select(.type == "webclient-second")] as $s |
		([$c[] | select(.type == "webclient-summary")] | last) as $sum |
		def rate(f): [$s[] | select(f) | .ok] | if length > 0 then add / length else null end;
		{m: $m, requests: $sum.requests, failed: $sum.failed, resets: $sum.resets,
		 gap_ms: ($sum.longest_gap_ns / 1e6), wrk_rps: $wrk_rps, wrk_err: $wrk_err,
		 before: rate(.t + 1e9 <= $t0), during: rate(.t >= $t0 and .t + 1e9 <= $t1),
		 after: rate(.t >= $t1)}' 2>/dev/null
}

for f in "$SESS"/*.jsonl; do
	[ -e "$f" ] || { echo "paper_plot: no sessions in $SESS" >&2; exit 1; }
	base=$(basename "$f" .jsonl)
	w=${base%%-*} rest=${base#*-} r=${base##*-}
	m=${rest%-*}
	data="$TMP/$base.data"
	"$DSMIG" report --data "$f" >"$data" ||
		{ echo "paper_plot: $f left out (dsmig report --data failed)" >&2; continue; }
	jq -c --arg w "$w" --arg m "$m" 'select(.kind == "summary") | {w: $w, m: $m} + .' \
		"$data" >>"$TMP/summaries.jsonl"
	jq -s -r '
		[.[] | select(.kind == "summary") | .mig] as $done
		| [.[] | select(.kind == "window") | .mig] as $win
		| .[] | select(.mig as $g | any($done[]; . == $g) and any($win[]; . == $g))
		| if .kind == "window" then "mark \(.pause) \(.resume)"
		  elif .kind == "vcpu" and .guest then "vcpu \(.x) \(.pct)"
		  elif .kind == "net" and .source != "engine" then "net \(.x) \(.bps / 1e6)"
		  elif .kind == "nic" then "nic \(.x) \(.bps / 1e6)"
		  else empty end' "$data" >"$TMP/$w-$m-$r.series"
	[ -s "$SESS/$base.webclient" ] && web_line "$SESS/$base" "$m" "$data" >>"$TMP/web.jsonl"
done

# Mean curve of one kind (vcpu, net) over all runs of W and M: "x y".
mean_curve() {
	cat "$TMP/$1-$2"-[0-9]*.series 2>/dev/null | awk -v k="$3" -v b="$BIN" '
		$1 == k && $2 >= -0.2 && $2 <= 1.2 { i = int(($2 + 0.2) / b); s[i] += $3; n[i]++ }
		END { for (i in s) printf "%.4f %.4f\n", -0.2 + (i + 0.5) * b, s[i] / n[i] }' |
		sort -n >"$TMP/$1-$2-$3.dat"
}
# Mean downtime window of W and M, normalised: "pause resume".
mean_window() {
	cat "$TMP/$1-$2"-[0-9]*.series 2>/dev/null |
		awk '$1 == "mark" { p += $2; r += $3; n++ } END { if (n) printf "%.4f %.4f", p / n, r / n }'
}

for w in $WORKLOADS; do
	for kind in vcpu net; do
		plots="" objs="" k=1 y2=""
		for m in $METHODS; do
			mean_curve "$w" "$m" "$kind"
			[ -s "$TMP/$w-$m-$kind.dat" ] || continue
			read -r p r <<<"$(mean_window "$w" "$m")"
			objs+="set object $k rect from $p, graph 0 to $r, graph 1 fc rgb '$(colour "$m")' fs transparent solid 0.15 noborder behind;"
			k=$((k + 1))
			plots+="${plots:+, }'$TMP/$w-$m-$kind.dat' using 1:2 with lines lw 2 lc rgb '$(colour "$m")' title '$m'"
			# The guest's own traffic (a VM with a NIC), on the right axis.
			[ "$kind" = net ] && mean_curve "$w" "$m" nic
			if [ "$kind" = net ] && [ -s "$TMP/$w-$m-nic.dat" ]; then
				plots+=", '$TMP/$w-$m-nic.dat' using 1:2 axes x1y2 with lines lw 1 dt 2 lc rgb '$(colour "$m")' title '$m: guest NIC'"
				y2="set y2label 'guest NIC traffic (Mbit/s, dashed)'; set y2tics; set ytics nomirror; set y2range [0:*];"
			fi
		done
		[ -n "$plots" ] || continue
		if [ "$kind" = vcpu ]; then
			ylabel="vCPU utilisation (%)" extra="set yrange [0:105];"
		else
			ylabel="wire throughput (Mbit/s, libpcap on hostA)"
			extra="set yrange [0:15]; set arrow from -0.2,12 to 1.2,12 nohead dt 2 lc rgb '#555555'; set label 'cap 12 Mbit/s' at -0.18,12.6;"
		fi
		gnuplot <<-EOF || exit 1
			set terminal pngcairo size 900,420 font 'DejaVu Sans,10'
			set output '$OUT/$w-$kind.png'
			set title '$w: $ylabel over normalised time (mean of the runs; shaded: downtime)'
			set xlabel 'normalised time (0: pre-copy starts, 1: source released)'
			set ylabel '$ylabel'
			set xrange [-0.2:1.2]
			set grid
			set key top right
			set arrow from 0, graph 0 to 0, graph 1 nohead lc rgb '#999999'
			set arrow from 1, graph 0 to 1, graph 1 nohead lc rgb '#999999'
			$extra
			$y2
			$objs
			plot $plots
		EOF
	done
done

# Figure 4: means with min-max bars, per workload and method.
for metric in downtime total; do
	case $metric in
	downtime) field='.downtime_ns / 1e6' ylabel='downtime (ms, log scale)' logscale='set logscale y' ;;
	total) field='.total_time_ns / 1e9' ylabel='total migration time (s)' logscale='' ;;
	esac
	for w in $WORKLOADS; do
		line=$w
		for m in $METHODS; do
			line+=" $(jq -s -r --arg w "$w" --arg m "$m" \
				"map(select(.w == \$w and .m == \$m) | $field) |
				 if length == 0 then \"0 0 0\" else \"\(add / length) \(min) \(max)\" end" \
				"$TMP/summaries.jsonl")"
		done
		echo "$line"
	done >"$TMP/fig4-$metric.dat"
	cols="" i=0
	for m in $METHODS; do
		c=$((2 + 3 * i))
		if [ $i = 0 ]; then
			cols="'$TMP/fig4-$metric.dat' using $c:$((c + 1)):$((c + 2)):xtic(1)"
		else
			cols+=", '' using $c:$((c + 1)):$((c + 2))"
		fi
		cols+=" lc rgb '$(colour "$m")' title '$m'"
		i=$((i + 1))
	done
	gnuplot <<-EOF || exit 1
		set terminal pngcairo size 800,420 font 'DejaVu Sans,10'
		set output '$OUT/fig4-$metric.png'
		set title 'Figure 4: $ylabel at 12 Mbit/s (mean, min-max bars)'
		set ylabel '$ylabel'
		set style data histogram
		set style histogram errorbars gap 2 lw 1
		set style fill solid 0.8 border -1
		set grid y
		set key top left
		$logscale
		plot $cols
	EOF
done

# The table.
{
	echo "Recorded lab sessions: $(ls "$SESS"/*.jsonl | wc -l), two hosts in network namespaces, 12 Mbit/s tbf link and engine cap, $(date -u +%Y-%m-%d). Command: make bench LAB=1 (bench/paper.sh). Mean (min-max) over the runs."
	echo
	echo "| workload | method | runs | guest's longest stall (ms) | degraded time (ms) | switch-over gap (ms) | downtime (ms) | total time (s) | data (MiB) |"
	echo "|---|---|---|---|---|---|---|---|---|"
	jq -L "$(dirname "$0")" -s -r '
		include "stats";
		group_by(.w, .m) | sort_by((.[0].w as $w | workload_order | index($w)), (.[0].m as $m | ["precopy","dsm","dsm-pull"] | index($m)))[] |
		"| \(.[0].w) | \(.[0].m) | \(length) | \(stat(ms(.guest_stall_ns))) | \(stat(ms(.degraded_ns))) | \(stat(ms(.guest_downtime_ns))) | \(stat(.downtime_ns / 1e6)) | \(stat(.total_time_ns / 1e9)) | \(stat(.bytes_total / 1048576)) |"
	' "$TMP/summaries.jsonl"
	echo
	echo "Change against plain pre-copy (means):"
	echo
	echo "| workload | dsm: downtime | dsm: total time | dsm: data | dsm-pull: downtime | dsm-pull: total time | dsm-pull: data |"
	echo "|---|---|---|---|---|---|---|"
	jq -s -r '
		def mean(f): (map(f) | add / length);
		def pct(a; b): if b > 0 then "\(((a / b - 1) * 1000 | round) / 10)%" else "-" end;
		group_by(.w) | sort_by(.[0].w as $w | ["idle","cpu","memory","net","kv"] | index($w))[] |
		(map(select(.m == "precopy"))) as $p | (map(select(.m == "dsm"))) as $d | (map(select(.m == "dsm-pull"))) as $q |
		if ($p | length) == 0 then empty else
		"| \(.[0].w) | \(if ($d|length) > 0 then pct($d | mean(.downtime_ns); $p | mean(.downtime_ns)) else "-" end) | \(if ($d|length) > 0 then pct($d | mean(.total_time_ns); $p | mean(.total_time_ns)) else "-" end) | \(if ($d|length) > 0 then pct($d | mean(.bytes_total); $p | mean(.bytes_total)) else "-" end) | \(if ($q|length) > 0 then pct($q | mean(.downtime_ns); $p | mean(.downtime_ns)) else "-" end) | \(if ($q|length) > 0 then pct($q | mean(.total_time_ns); $p | mean(.total_time_ns)) else "-" end) | \(if ($q|length) > 0 then pct($q | mean(.bytes_total); $p | mean(.bytes_total)) else "-" end) |"
		end
	' "$TMP/summaries.jsonl"
	[ -s "$TMP/web.jsonl" ] || exit 0
	echo
	echo "The web server (net) under load from the lab's clients' namespace: wrk with 200 connections and dsmig webclient with 16 (200 requests/s, every request logged), over the guest network while the VM moved over the 12 Mbit/s link. Failed: requests the logging client saw fail plus wrk's socket errors and non-2xx responses; resets: connections reset under the logging client. Requests/s: the logging client's ok responses per whole second before, during and after the migration (mean over runs; it asks for 200/s)."
	echo
	echo "| method | runs | failed | resets | clients' longest gap (ms) | requests/s before / during / after | wrk requests/s |"
	echo "|---|---|---|---|---|---|---|"
	jq -L "$(dirname "$0")" -s -r '
		include "stats";
		def r(f): [.[] | f | select(. != null)] | if length > 0 then (add / length | round | tostring) else "n/a" end;
		group_by(.m) | sort_by(.[0].m as $m | ["precopy","dsm","dsm-pull"] | index($m))[] |
		"| \(.[0].m) | \(length) | \(map(.failed + .wrk_err) | add) | \(map(.resets) | add) | \(stat(.gap_ms)) | \(r(.before)) / \(r(.during)) / \(r(.after)) | \(r(.wrk_rps)) |"
	' "$TMP/web.jsonl"
} | tee "$OUT/results.md"
