#!/usr/bin/env bash
# Where start-up goes: the bare Quarkus REST + health app of bench/startup-baseline, then the same app with each of
# the service's extensions added alone, then with all of them (no application code), then the service itself.
# Same Quarkus, JVM and flags; N rounds, the variants alternating within each; medians, and each as a ratio to the
# bare app. Usage: bench/startup-ladder.sh [rounds=3]   (JAVA=<jdk> for another JVM)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
ROUNDS=${1:-3}
startup_settings
EXTENSIONS="quarkus-rest-jackson quarkus-kubernetes-client quarkus-messaging-kafka quarkus-micrometer-registry-prometheus quarkus-smallrye-openapi"
LADDER=target/startup-ladder
add() { # dir artifact
  sed -i "s|    <dependency><groupId>io.quarkus</groupId><artifactId>quarkus-smallrye-health</artifactId></dependency>|&\n    <dependency><groupId>io.quarkus</groupId><artifactId>$2</artifactId></dependency>|" "$1/pom.xml"
}
variant() { # name extensions...
  local dir=$LADDER/$1; shift
  if [ ! -f "$dir/target/quarkus-app/quarkus-run.jar" ]; then
    rm -rf "$dir"; mkdir -p "$dir"
    cp -r bench/startup-baseline/pom.xml bench/startup-baseline/src "$dir/"
    for e in "$@"; do add "$dir" "$e"; done
    ./mvnw -B -q -f "$dir/pom.xml" package -DskipTests
  fi
}
variant bare
for e in $EXTENSIONS; do variant "${e#quarkus-}" "$e"; done
# shellcheck disable=SC2086
variant all-extensions $EXTENSIONS

NAMES="bare"; for e in $EXTENSIONS; do NAMES="$NAMES ${e#quarkus-}"; done; NAMES="$NAMES all-extensions service"
: > /tmp/startup-ladder
for r in $(seq "$ROUNDS"); do
  for n in $NAMES; do
    jar=$LADDER/$n/target/quarkus-app/quarkus-run.jar; [ "$n" = service ] && jar=target/quarkus-app/quarkus-run.jar
    echo "$n $(time_to_ready "$jar")" >> /tmp/startup-ladder
  done
done
echo "jvm: $("$JAVA" -version 2>&1 | head -1), flags: $FLAGS, medians of $ROUNDS starts"
bare=$(awk '$1 == "bare" { print $2 }' /tmp/startup-ladder | median)
for n in $NAMES; do
  m=$(awk -v n="$n" '$1 == n { print $2 }' /tmp/startup-ladder | median)
  eval "med_${n//-/_}=$m"
  awk -v n="$n" -v m="$m" -v b="$bare" 'BEGIN { printf "RESULT startup-ladder %-36s %5d ms %.2fx bare\n", n, m, m / b }'
done
awk -v s="$med_service" -v a="$med_all_extensions" 'BEGIN { printf "RESULT startup-ladder service / all-extensions = %.2fx (the service'"'"'s own start-up work)\n", s / a }'
