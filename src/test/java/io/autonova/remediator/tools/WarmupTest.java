package io.autonova.remediator.tools;

import io.autonova.remediator.domain.Json;
import io.autonova.remediator.rules.Rule;
import io.autonova.remediator.rules.RuleSet;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The start-up warm-up decides synthetic alerts through the real decision path and store code, on a throwaway API server, within its budget. */
class WarmupTest {

    static RuleSet rules() throws Exception {
        return RulesCli.load(RulesCli.ruleFiles(Path.of("src/test/resources/test-rules"))).ruleSet();
    }

    @Test
    void labelsAreMadeFromARulesOwnMatchers() throws Exception {
        Rule errorRate = rules().rules().stream().filter(r -> r.name().equals("error-rate")).findFirst().orElseThrow();
        assertEquals(Map.of("alertname", "HighErrorRate", "severity", "critical"), Warmup.labelsFor(errorRate));
        Rule window = rules().rules().stream().filter(Rule::signalRule).findFirst().orElseThrow();
        assertNull(Warmup.labelsFor(window), "signal rules are not alerts");
    }

    @Test
    void withTheInMemoryStoreItDecidesOnAThrowawayOne() throws Exception {
        OfflinePipeline p = Warmup.pipeline(rules(), io.autonova.remediator.state.InMemoryStateStore::new, 4);
        Warmup.Result r = Warmup.warm(rules(), Duration.ofMillis(1000), Json.MAPPER, p);
        assertTrue(r.deliveries() > 10 && r.decisions() >= r.deliveries() * Warmup.PER_DELIVERY, r.toString());
        assertTrue(!p.store.records().isEmpty(), "it wrote its records to its own store");
    }

    @Test
    void buildsTheTimelineOfAMadeUpReleaseHistory() {
        assertTrue(Warmup.releases(System.nanoTime() + 200_000_000L) > 0);
    }

    @Test
    void decidesWithinItsBudgetThroughTheStoreCodeOnAThrowawayApiServer() throws Exception {
        long t0 = System.nanoTime();
        // It throws when nothing reached its API server: the store's requests are part of what it warms.
        Warmup.Result r = Warmup.warm(rules(), Duration.ofMillis(1500), Json.MAPPER, new KubernetesSerialization(), 4);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(r.rules() >= 5, "alert rules whose matchers can be satisfied: " + r);
        assertTrue(r.deliveries() > 5 && r.decisions() >= r.deliveries() * Warmup.PER_DELIVERY, r.toString());
        assertTrue(ms < 4000, "the budget bounds it, one delivery at most past it (" + ms + " ms)");
    }
}
