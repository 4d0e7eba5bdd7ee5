package io.autonova.remediator.rules;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The index answers exactly what checking every rule answers, in the same order. */
class RuleIndexTest {

    /** A rule file of n rules over a few alert names, services and namespaces, some with no equality matcher at all. */
    static String rules(int n, long seed) {
        Random r = new Random(seed);
        StringBuilder b = new StringBuilder("rules:\n");
        for (int i = 0; i < n; i++) {
            List<String> m = new ArrayList<>();
            switch (r.nextInt(5)) {
                case 0 -> m.add("alertname=~\"Alert" + r.nextInt(20) + "|Other\"");
                case 1 -> m.add("severity=\"\"");
                default -> m.add("alertname=\"Alert" + r.nextInt(n / 2 + 1) + "\"");
            }
            if (r.nextBoolean()) {
                m.add("service=\"svc" + r.nextInt(30) + "\"");
            }
            if (r.nextInt(3) == 0) {
                m.add("namespace!~\"kube-.*\"");
            }
            b.append("  - name: r").append(i).append("\n    matchers: [");
            b.append(String.join(", ", m.stream().map(x -> "'" + x + "'").toList()));
            b.append("]\n    target: {namespace: prod, deployment: \"{{ $labels.service }}\"}\n    scenario: immediate-rollback\n");
        }
        return b.toString();
    }

    static RuleSet ruleSet(int n, long seed) {
        RuleFileParser.Result parsed = RuleFileParser.parse("gen.yaml", rules(n, seed));
        assertEquals(List.of(), parsed.errors());
        return RuleSetAssembler.assemble(List.of(parsed), Instant.EPOCH).ruleSet();
    }

    static Map<String, String> alert(Random r, int n) {
        return Map.of("alertname", r.nextInt(4) == 0 ? "Other" : "Alert" + r.nextInt(n / 2 + 1), "service", "svc" + r.nextInt(30),
                "namespace", r.nextBoolean() ? "prod" : "kube-system", "severity", r.nextBoolean() ? "" : "page");
    }

    @Test
    void indexAgreesWithAScanOfEveryRule() {
        for (int n : new int[]{10, 300, 2000}) {
            RuleSet set = ruleSet(n, n);
            Random r = new Random(42);
            int matched = 0;
            for (int i = 0; i < 5000; i++) {
                Map<String, String> labels = alert(r, n);
                List<Rule> scanned = set.matchingByScan(labels);
                assertEquals(scanned, set.matching(labels), labels.toString());
                matched += scanned.isEmpty() ? 0 : 1;
            }
            assertTrue(matched > 500, n + " rules: the test alerts must match something to prove anything (" + matched + ")");
        }
    }
}
