# Shared by the benchmark scripts (jq -L bench 'include "stats"; ...').
# stat(f): mean (min-max) of f over the input array, to two decimals;
# runs where f is null (not measured: a guest without counters, an older
# summary) are left out, and "n/a" when none has it.
def stat(f): (map(f | select(. != null))) as $v
	| if ($v | length) == 0 then "n/a"
	  else "\(($v | add / length * 100 | round) / 100) (\(($v | min * 100 | round) / 100)-\(($v | max * 100 | round) / 100))"
	  end;
# ms(f): f (nanoseconds, or null) in milliseconds, null kept.
def ms(f): f | if . == null then null else . / 1e6 end;
# The workloads in the order the tables list them.
def workload_order: ["idle","cpu","memory","net","kv"];
