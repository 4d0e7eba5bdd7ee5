#!/usr/bin/env bash
# Two replicas of the packaged service over one fabric8 CRUD mock API server (the Deployment controller is played),
# or (REAL=1) over the real control plane of scripts/cluster as their own ServiceAccount.
#   bench/cluster.sh storm [alerts=10000] [services=200] [seconds=10]   alert storm: latency, API calls per alert, objects (BACKBONE=1: through Kafka)
#   bench/cluster.sh takeover [kill|term]                                 a replica dies mid-verification: time to finish
#   bench/cluster.sh resend [seconds=10] [connections=32] [rounds=3]     re-sends with the Kubernetes store vs Alertmanager
# Environment switches: TRACE=1 (replicas log decisions slower than 100 ms: queueing, lock, slow write),
# REPLICA_JFR=1 (Flight Recorder files in target/cluster-bench/), REPLICA_STOP_GENTLY=1 (SIGTERM at the end, e.g. to train an AOT cache), REPLICA_ENV=K=V,K=V (settings for the replicas),
# REHEARSALS=n storms before the measured one (default 8: the JIT settles after about five), WARM_OPENS=n episodes opened in the warm-up (default 2000), QUIET=n,
# FRESH=1 (the replicas meet the storm as started and ready: no warm-up deliveries, opens or rehearsals before it),
# REPLICA_JAVA=<java> (another JVM for the replicas), REPLICA_JVM="<JVM flags>" (after the default -XX:+UseSerialGC -Xmx256m).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-storm}; shift || true
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q package -DskipTests
./mvnw -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
CP="target/test-classes:target/classes:$(cat target/bench.classpath)"
run() { java -Xmx1g ${BENCH_JAVA_OPTS:-} -Djava.util.logging.config.file=bench/logging.properties -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$CP" io.autonova.remediator.bench.ClusterBench "$@" 2>&1 | grep -v -E "^(WARNING|SLF4J)"; }
# REAL=1: on the real control plane (scripts/cluster; AUTONOVA_TEST_CLUSTER=<dir> to use one already up), storm only.
if [ "${REAL:-}" = 1 ]; then
  [ "$mode" = storm ] || { echo "REAL=1: storm only (takeover on the real control plane: RealClusterIT)" >&2; exit 2; }
  java -Xmx1g ${BENCH_JAVA_OPTS:-} -Djava.util.logging.config.file=bench/logging.properties -cp "$CP" io.autonova.remediator.bench.RealClusterBench "$mode" "$@" 2>&1 \
    | grep -v -E "^(WARNING|SLF4J)"
  exit 0
fi
case "$mode" in
  storm|takeover) run "$mode" "$@" ;;
  resend) bash bench/resend-kubernetes.sh "$@" ;;
  *) echo "usage: $0 storm|takeover|resend ..." >&2; exit 2 ;;
esac
