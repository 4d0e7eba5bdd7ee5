package io.autonova.remediator.ingest.kafka;

import io.autonova.remediator.kafka.KafkaTestConfig;
import io.autonova.remediator.config.RemediatorMetrics;
import io.autonova.remediator.domain.Alert;
import io.autonova.remediator.rules.RuleFileParser;
import io.autonova.remediator.rules.RuleSet;
import io.autonova.remediator.rules.RuleSetAssembler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The webhook backbone's record format, its partition key, and what an unreachable broker makes of a delivery. */
class AlertBackboneTest {

    static final RuleSet RULES = RuleSetAssembler.assemble(List.of(RuleFileParser.parse("r.yaml", """
            rules:
              - name: error-rate
                matchers: ['alertname="HighErrorRate"']
                target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.service }}"}
                scenario: immediate-rollback
            """)), Instant.EPOCH).ruleSet();

    static Alert alert(String alertname, String ns) {
        return new Alert("alertmanager", "0123456789abcdef", true, Map.of("alertname", alertname, "namespace", ns, "service", "cart"),
                Map.of("value", "0.3"), Instant.parse("2026-11-28T03:00:00Z"), null, "http://prometheus/graph", Instant.parse("2026-11-28T03:01:00.123Z"));
    }

    @Test
    void anAlertRoundTripsThroughItsRecordAndIsKeyedLikeItsTargetsSignals() {
        Alert a = alert("HighErrorRate", "shop");
        byte[] record = AlertBackbone.write(a);
        assertTrue(AlertBackbone.isAlert(record));
        assertFalse(AlertBackbone.isAlert("{\"type\":\"pod-restart\",\"namespace\":\"shop\"}".getBytes()));
        assertEquals(a, AlertBackbone.read(record));
        assertEquals("shop/cart", AlertBackbone.partitionKey(RULES, a), "the key of the target's signals: one partition, one consumer");
        assertNull(AlertBackbone.partitionKey(RULES, alert("DiskFull", "shop")), "no rule: decided where it arrived");
        assertNull(AlertBackbone.partitionKey(RULES, alert("HighErrorRate", "../etc")), "an invalid target never becomes a key");
        PoisonRecord p = assertThrows(PoisonRecord.class, () -> AlertBackbone.read("{\"type\":\"alert\",\"alert\":{}}".getBytes()));
        assertEquals(PoisonRecord.Reason.MISSING_FIELD, p.reason());
        assertArrayEquals("{\"type\":\"alert\",".getBytes(), java.util.Arrays.copyOf(record, AlertBackbone.PREFIX.length));
    }

    @Test
    void aBrokerThatDoesNotAcknowledgeInTimeMakesTheDeliveryRetryable() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        AlertBackbone backbone = new AlertBackbone(KafkaTestConfig.of("127.0.0.1:" + dead, "autonova.signals", "test", true, Duration.ofSeconds(1)), () -> RULES, alerts -> List.of(),
                new RemediatorMetrics(new SimpleMeterRegistry()));
        try {
            long t0 = System.nanoTime();
            AlertBackbone.Unavailable e = assertThrows(AlertBackbone.Unavailable.class, () -> backbone.publish(List.of(alert("HighErrorRate", "shop"))));
            assertTrue(e.getMessage().contains("did not acknowledge"), e.getMessage());
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos(), "bounded by the publish timeout, not hanging");
            assertEquals(0, backbone.publish(List.of(alert("DiskFull", "shop"))).published(), "alerts no rule matches never wait for the broker");
        } finally {
            backbone.close();
        }
    }
}
