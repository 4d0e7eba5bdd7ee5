#!/usr/bin/env bash
# Kafka ingest: end to end (the packaged service on the SmallRye connector: consume, parse, window, decide) vs a raw
# consumer, same broker, records and run. Each round fills a topic with 2N records; both read all of it and are
# timed over the second N (the first is their warm-up); the median of the per-round ratios is reported.
# Usage: bench/kafka-ingest.sh [events=1000000] [targets=1000] [rounds=3]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q package -DskipTests
./mvnw -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
java -Xms1g -Xmx1g -Djava.util.logging.config.file=bench/logging.properties -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" io.autonova.remediator.bench.KafkaIngestBench "$@" 2>&1 \
  | grep -E "^(round|RESULT)|Exception"
