package io.autonova.remediator.rules;

import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.config.RemediatorMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The rules are there for whoever asks first. The Kafka consumer rebuilds its windows when it is given its partitions,
 * which can come before the start-up event loads the rules (seen in CI: rebuilt 2 ms before the load); rebuilt with no
 * rules, a restarted replica's windows started empty and the crossing they should have seen was missed.
 */
class RuleRepositoryTest {

    @Test
    void theFirstCallerGetsTheRulesEvenBeforeStartUpLoadedThem(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("rules.yaml"), """
                rules:
                  - name: restarts
                    signal: {kind: pod-restarts, window: 15m, op: ">", bound: 3}
                    target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.deployment }}"}
                    scenario: immediate-rollback
                """);
        RemediatorConfig config = new SmallRyeConfigBuilder().withMapping(RemediatorConfig.class)
                .withConverter(Duration.class, 200, new io.quarkus.runtime.configuration.DurationConverter())
                .withDefaultValue("remediator.rules.dir", dir.toString()).build().getConfigMapping(RemediatorConfig.class);
        RuleRepository repository = new RuleRepository(config, new RemediatorMetrics(new SimpleMeterRegistry()), Clock.systemUTC());
        assertEquals(1, repository.current().signalRules().size(), "no start-up event yet, and the rules are there");
    }
}
