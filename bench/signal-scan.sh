#!/usr/bin/env bash
# One Kafka signal value read by the hand-written scanner, by Jackson's streaming parser and by Jackson's tree (JMH).
# Prints JMH's table and the ratios against the hand-written scanner of the same run.
# Usage: bench/signal-scan.sh [extra JMH options, e.g. -wi 1 -i 2]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
java -Xms256m -Xmx256m -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" org.openjdk.jmh.Main SignalScanBench \
  -rf json -rff target/signal-scan.json "$@" | grep -E "^(Benchmark|SignalScanBench)"
python3 - <<'PY'
import json
rows = json.load(open("target/signal-scan.json"))
score = {r["benchmark"].split(".")[-1]: r["primaryMetric"]["score"] for r in rows}
base = score["handWritten"]
print("RESULT signal-scan " + " ".join("%s=%.0fns (%.2fx)" % (k, v, v / base) for k, v in score.items()))
PY
