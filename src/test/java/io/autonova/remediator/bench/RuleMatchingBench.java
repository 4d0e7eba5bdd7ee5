package io.autonova.remediator.bench;

import io.autonova.remediator.rules.RuleFileParser;
import io.autonova.remediator.rules.RuleSet;
import io.autonova.remediator.rules.RuleSetAssembler;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Cost of matching one alert against 10, 1,000 and 10,000 rules (each rule on its own alert name and service,
 * as rule files grow: one rule per service), through the index and by scanning every rule.
 * Run: bench/rule-matching.sh
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RuleMatchingBench {

    @Param({"10", "1000", "10000"})
    public int rules;

    private RuleSet set;
    private Map<String, String>[] alerts;
    private int next;

    @Setup
    @SuppressWarnings("unchecked")
    public void setUp() {
        // Files of 500 rules: the parser refuses a single rule file over 1 MiB.
        List<RuleFileParser.Result> files = new java.util.ArrayList<>();
        for (int from = 0; from < rules; from += 500) {
            StringBuilder b = new StringBuilder("rules:\n");
            for (int i = from; i < Math.min(rules, from + 500); i++) {
                b.append("  - name: r").append(i).append("\n    matchers: ['alertname=\"HighErrorRate").append(i % 50)
                        .append("\"', 'service=\"svc").append(i).append("\"', 'namespace!~\"kube-system|monitoring\"', 'severity=~\"critical|page\"']\n")
                        .append("    target: {namespace: prod, deployment: \"{{ $labels.service }}\"}\n    scenario: immediate-rollback\n");
            }
            RuleFileParser.Result parsed = RuleFileParser.parse("bench-" + from + ".yaml", b.toString());
            if (!parsed.errors().isEmpty()) {
                throw new IllegalStateException(parsed.errors().toString());
            }
            files.add(parsed);
        }
        set = RuleSetAssembler.assemble(files, Instant.EPOCH).ruleSet();
        Random r = new Random(7);
        alerts = new Map[1024];
        for (int i = 0; i < alerts.length; i++) {
            int svc = r.nextInt(rules);
            alerts[i] = Map.of("alertname", "HighErrorRate" + (svc % 50), "service", "svc" + svc, "namespace", "prod", "severity", "critical");
        }
    }

    @Benchmark
    public void indexed(Blackhole bh) {
        bh.consume(set.matching(alerts[next++ & 1023]));
    }

    @Benchmark
    public void scan(Blackhole bh) {
        bh.consume(set.matchingByScan(alerts[next++ & 1023]));
    }
}
