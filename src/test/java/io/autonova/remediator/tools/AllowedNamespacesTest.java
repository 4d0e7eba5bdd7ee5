package io.autonova.remediator.tools;

import io.autonova.remediator.domain.Alert;
import io.autonova.remediator.pipeline.AlertResult;
import io.autonova.remediator.rules.RuleFileParser;
import io.autonova.remediator.rules.RuleSetAssembler;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** With remediator.allowed-namespaces, targets elsewhere are refused with a reason, before any state is touched. */
class AllowedNamespacesTest {

    static final io.autonova.remediator.rules.RuleSet RULES = RuleSetAssembler.assemble(List.of(RuleFileParser.parse("r.yaml", """
            rules:
              - name: error-rate
                matchers: ['alertname="HighErrorRate"']
                target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.service }}"}
                scenario: immediate-rollback
            """)), Instant.EPOCH).ruleSet();

    @Test
    void targetsOutsideTheAllowedNamespacesAreRefusedWithAReason() {
        Instant now = Instant.parse("2026-11-28T03:00:00Z");
        OfflinePipeline p = new OfflinePipeline(RULES, now, false, Set.of("team-a"));
        List<AlertResult> in = p.accept(List.of(alert("a1", "team-a", now)));
        List<AlertResult> out = p.accept(List.of(alert("b1", "team-b", now)));
        assertEquals("ALL_CHECKS_PASSED", in.get(0).reason());
        assertEquals("NAMESPACE_NOT_ALLOWED", out.get(0).reason());
        assertTrue(out.get(0).message().contains("team-b is not in [team-a]"), out.get(0).message());
        assertEquals(1, p.store.records().size(), "nothing is written for a namespace it may not act in");
    }

    @Test
    void theControlPlanesAndItsOwnNamespacesAreRefusedEvenWhenListedOrWithNoList() {
        Instant now = Instant.parse("2026-11-28T03:00:00Z");
        for (Set<String> allowed : java.util.Arrays.asList(null, Set.of("kube-system", "autonova-system", "argocd", "kube-public"))) {
            OfflinePipeline p = new OfflinePipeline(RULES, now, false, allowed);
            for (String ns : List.of("kube-system", "kube-public", "kube-node-lease", "autonova-system", "argocd")) {
                AlertResult r = p.accept(List.of(alert("x-" + ns, ns, now))).get(0);
                assertEquals("NAMESPACE_PROTECTED", r.reason(), ns + " with allow list " + allowed);
                assertTrue(r.message().contains(ns + " is "), r.message());
            }
            assertEquals(0, p.store.records().size(), "an alert aimed at a protected namespace writes nothing");
        }
    }

    private static Alert alert(String fingerprint, String ns, Instant now) {
        return new Alert("test", fingerprint, true, Map.of("alertname", "HighErrorRate", "namespace", ns, "service", "api"), Map.of(),
                now.minusSeconds(60), null, null, now);
    }
}
