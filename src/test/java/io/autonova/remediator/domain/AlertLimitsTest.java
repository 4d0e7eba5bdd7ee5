package io.autonova.remediator.domain;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AlertLimitsTest {

    static Alert alert(String source, String fingerprint, Map<String, String> labels, Map<String, String> annotations) {
        return new Alert(source, fingerprint, true, labels, annotations, Instant.EPOCH, null, null, Instant.EPOCH);
    }

    @Test
    void aWellFormedAlertPasses() {
        assertEquals(java.util.List.of(), AlertLimits.problems(alert("alertmanager", "703640d70a3eba46", Map.of("alertname", "X"), Map.of("value", "0.2"))));
    }

    @Test
    void eachLimitIsSaid() {
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i <= AlertLimits.MAX_LABELS; i++) {
            many.put("l" + i, "v");
        }
        String[][] cases = {
                {"source must be one of", null},
                {"fingerprint must be a hexadecimal", null},
                {"labels: at most 100", null},
                {"longer than 2048", null},
                {"longer than 16384", null},
                {"a name must have", null}};
        Alert[] alerts = {
                alert("kafka-anything", "0a", Map.of("a", "b"), Map.of()),
                alert("alertmanager", "not-hex", Map.of("a", "b"), Map.of()),
                alert("alertmanager", "0a", many, Map.of()),
                alert("alertmanager", "0a", Map.of("a", "x".repeat(2049)), Map.of()),
                alert("alertmanager", "0a", Map.of("a", "b"), Map.of("description", "x".repeat(16385))),
                alert("alertmanager", "0a", Map.of("n".repeat(257), "b"), Map.of())};
        for (int i = 0; i < cases.length; i++) {
            var problems = AlertLimits.problems(alerts[i]);
            String want = cases[i][0];
            assertTrue(problems.stream().anyMatch(p -> p.contains(want)), want + " in " + problems);
        }
    }
}
