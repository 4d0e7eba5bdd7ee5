#!/usr/bin/env bash
# Rule matching per alert at 10, 1,000 and 10,000 rules, through the index and by a scan of every rule (JMH).
# Prints JMH's table and the ratios against the 10-rule case of the same run.
# Usage: bench/rule-matching.sh [extra JMH options, e.g. -wi 1 -i 2]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
java -Xms512m -Xmx512m -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" org.openjdk.jmh.Main RuleMatchingBench \
  -rf json -rff target/rule-matching.json "$@" | grep -E "^(Benchmark|RuleMatchingBench)"
python3 - <<'PY'
import json
rows = json.load(open("target/rule-matching.json"))
score = {(r["benchmark"].split(".")[-1], r["params"]["rules"]): r["primaryMetric"]["score"] for r in rows}
for kind in ("indexed", "scan"):
    base = score[(kind, "10")]
    print("RESULT %-7s " % kind + " ".join("rules=%s %.0fns (%.2fx)" % (n, score[(kind, n)], score[(kind, n)] / base) for n in ("10", "1000", "10000")))
PY
