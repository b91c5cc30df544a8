# The issue-13 table of docs/benchmarks.md from bench/precopy.sh summaries:
# jq -L bench -s -r -f bench/honest.jq bench/results/honest*.jsonl
include "stats";
group_by(.bw, .w, .m) | sort_by((.[0].w as $w | workload_order | index($w)), (.[0].m as $m | ["precopy","dsm","dsm-pull"] | index($m)))[] |
"| \(.[0].w) | \(.[0].m) | \(length) | \(stat(ms(.guest_stall_ns))) | \(stat(ms(.guest_stall_hb_ns))) | \(stat(ms(.degraded_ns))) | \(stat(ms(.guest_downtime_ns))) | \(stat(.downtime_ns / 1e6)) | \(stat(.total_time_ns / 1e9)) | \(stat(.bytes_total / 1048576)) |"
