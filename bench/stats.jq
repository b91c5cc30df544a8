# Shared by the benchmark scripts (jq -L bench 'include "stats"; ...').
# stat(f): mean (min-max) of f over the input array, to two decimals.
def stat(f): (map(f)) as $v
	| "\(($v | add / length * 100 | round) / 100) (\(($v | min * 100 | round) / 100)-\(($v | max * 100 | round) / 100))";
