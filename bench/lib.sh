# Shared by the benchmark scripts (sourced): a real Alertmanager on loopback, wrk, and start-up timing.

# start_alertmanager WORKDIR PORT: loopback, no clustering, a receiver that sends nothing; sets am_pid.
start_alertmanager() {
  cat > "$1/am.yml" <<YAML
route: {receiver: blackhole, group_wait: 30s, group_interval: 5m, repeat_interval: 4h}
receivers: [{name: blackhole}]
YAML
  prometheus-alertmanager --config.file="$1/am.yml" --storage.path="$1/am" --web.listen-address=127.0.0.1:$2 \
    --cluster.listen-address= --web.external-url=http://127.0.0.1:$2 --log.level=warn > "$1/am.log" 2>&1 &
  am_pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$2/-/ready"; do sleep 0.05; done
}

# run_wrk URL BODY [TOKEN] -> requests/s (uses CONNECTIONS and SECONDS_PER_RUN)
run_wrk() {
  wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" -s bench/post.lua "$1" -- "$2" "${3:-}" | awk '/Requests\/sec/ {print $2}'
}

# wrk_args [seconds=10] [connections=32] [rounds=3]: the wrk scripts' common arguments.
wrk_args() {
  SECONDS_PER_RUN=${1:-10}
  CONNECTIONS=${2:-32}
  ROUNDS=${3:-3}
}

# await_ready PORT: until the app on PORT answers /q/health/ready with 200.
await_ready() { until curl -sf -o /dev/null "http://127.0.0.1:$1/q/health/ready"; do sleep 0.01; done; }

# Start-up timing (bench/startup.sh, bench/startup-ladder.sh): the same port, JVM (JAVA=<jdk> for another) and
# flags for every app; the service built if needed and started on the in-memory store.
startup_settings() {
  PORT=18590
  JAVA=${JAVA:-java}
  FLAGS="-XX:+UseSerialGC -Xmx96m"
  [ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q package -DskipTests
  export REMEDIATOR_WEBHOOK_TOKEN=w REMEDIATOR_ADMIN_TOKEN=a REMEDIATOR_STATE_STORE=memory QUARKUS_HTTP_PORT=$PORT
}

# time_to_ready JAR [AOT-FILE] -> ms from exec to /q/health/ready = 200; the app is stopped again.
time_to_ready() {
  local t0 pid extra=""
  [ -n "${2:-}" ] && extra="-XX:AOTCache=$2"
  t0=$(date +%s%N)
  # shellcheck disable=SC2086
  "$JAVA" $extra $FLAGS -jar "$1" > /dev/null 2>&1 &
  pid=$!
  await_ready "$PORT"
  echo $(( ($(date +%s%N) - t0) / 1000000 ))
  kill $pid; wait $pid 2>/dev/null || true
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
