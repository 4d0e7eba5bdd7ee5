#!/usr/bin/env bash
# Kafka ingest: end to end (consume, parse, window, decide) vs the raw consumer, same broker, topic and run.
# Each round reads the topic with both, one after the other; the median of the per-round ratios is reported.
# Usage: bench/kafka-ingest.sh [events=1000000] [targets=1000] [rounds=5]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
java -Xms1g -Xmx1g -Djava.util.logging.config.file=bench/logging.properties -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" io.autonova.remediator.bench.KafkaIngestBench "$@" 2>&1 \
  | grep -E "^(round|RESULT)|Exception"
