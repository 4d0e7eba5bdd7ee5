package io.autonova.remediator.pipeline;

import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.config.RemediatorMetrics;
import io.autonova.remediator.domain.Alert;
import io.autonova.remediator.engine.StepEngine;
import io.autonova.remediator.rules.RuleFileParser;
import io.autonova.remediator.rules.RuleRepository;
import io.autonova.remediator.rules.RuleSetAssembler;
import io.autonova.remediator.runtime.ServiceRuntime;
import io.autonova.remediator.state.EventRecorder;
import io.autonova.remediator.state.InMemoryStateStore;
import io.autonova.remediator.state.RemediationRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One delivery of alerts for new targets, more than the limits admit: the steps decided in its inline pass are carried
 * out on the pool after the first ones spent the limits, and each refused episode is still written once (one create
 * carrying its refusal), never claimed first and refused after.
 */
class DeferredStepsTest {

    static final Instant NOW = Instant.parse("2026-12-04T01:00:00Z");
    static final String RULES = """
            global: {rateLimit: {count: 10, window: 1h}, maxInFlight: 2}
            rules:
              - name: high-error-rate
                matchers: ['alertname="HighErrorRate"']
                threshold: {value: annotation:value, op: ">", bound: 0.10}
                target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.service }}"}
                scenario: immediate-rollback
            """;

    /**
     * Carried out one at a time (parallelism 1): deterministic. With a pool, steps carried out at the same instant may
     * all read the state before the first admission and be refused after claiming, as they were before the redesign.
     */
    @Test
    void eachRefusedEpisodeIsWrittenOnce() {
        int parallelism = 1;
        AtomicInteger creates = new AtomicInteger();
        AtomicInteger updates = new AtomicInteger();
        InMemoryStateStore store = new InMemoryStateStore() {
            @Override
            public boolean create(RemediationRecord record) {
                creates.incrementAndGet();
                return super.create(record);
            }

            @Override
            public boolean update(RemediationRecord record) {
                updates.incrementAndGet();
                return super.update(record);
            }
        };
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        RemediatorConfig config = new SmallRyeConfigBuilder().withMapping(RemediatorConfig.class)
                .withConverter(Duration.class, 200, new io.quarkus.runtime.configuration.DurationConverter()).build()
                .getConfigMapping(RemediatorConfig.class);
        RemediatorMetrics metrics = new RemediatorMetrics(new SimpleMeterRegistry());
        ServiceRuntime runtime = new ServiceRuntime(store, null, EventRecorder.NONE, "test", false);
        RuleRepository rules = new RuleRepository(config, metrics, clock);
        rules.use(RuleSetAssembler.assemble(List.of(RuleFileParser.parse("r.yaml", RULES)), NOW).ruleSet());
        RemediationPipeline pipeline = new RemediationPipeline(rules, runtime, new StepEngine(runtime, config, metrics, clock), metrics,
                new EpisodeFolds(runtime, config), clock, parallelism);

        List<Alert> alerts = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            alerts.add(new Alert("alertmanager", String.format("%016x", i), true, Map.of("alertname", "HighErrorRate", "namespace", "shop",
                    "service", "svc-" + i), Map.of("value", "0.5"), NOW.minusSeconds(600), null, null, NOW));
        }
        List<AlertResult> results = pipeline.accept(alerts);

        long acted = results.stream().filter(r -> "execute".equals(r.outcome())).count();
        assertEquals(2, acted, "maxInFlight: 2 " + results);
        assertEquals(10, creates.get(), "one record per target");
        assertEquals(acted, updates.get(), "only the admitted records are written twice (claimed, then their decision)");
    }
}
