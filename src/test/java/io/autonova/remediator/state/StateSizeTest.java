package io.autonova.remediator.state;

import io.autonova.remediator.domain.Json;
import io.autonova.remediator.policy.Decision;
import io.autonova.remediator.policy.DecisionInput;
import io.autonova.remediator.rules.GlobalLimits;
import io.autonova.remediator.policy.GlobalState;
import io.autonova.remediator.policy.Outcome;
import io.autonova.remediator.policy.PolicyEngine;
import io.autonova.remediator.policy.PolicyState;
import io.autonova.remediator.rules.RateLimit;
import io.autonova.remediator.rules.TargetLimits;
import io.autonova.remediator.policy.TargetState;
import io.autonova.remediator.rules.SignalValue;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No stored object grows with the number of targets, alerts or days: 60 days of 20,000 targets through the
 * policy engine on an injected clock (pure code), with every object serialized as it is stored.
 */
class StateSizeTest {

    static final int KIB = 1024;
    static final int OBJECT_LIMIT = 900 * KIB;
    /** Kubernetes limits all annotations of an object to 256 KiB together; the target state is one of them. */
    static final int ANNOTATION_LIMIT = 256 * KIB;

    static int size(Object o) throws Exception {
        return Json.MAPPER.writeValueAsBytes(o).length;
    }

    @Test
    void sixtyDaysOfTwentyThousandTargetsKeepEveryObjectSmall() throws Exception {
        Random random = new Random(42);
        // Generous limits, so that many actions are admitted and the bounds are what the limits say.
        TargetLimits limits = new TargetLimits(Duration.ofMinutes(5), new RateLimit(20, Duration.ofDays(1)), new RateLimit(500, Duration.ofHours(1)),
                1000, Duration.ofDays(7));
        GlobalLimits global = new GlobalLimits(new RateLimit(500, Duration.ofHours(1)), 100);
        Duration keep = PolicyEngine.keepShared(limits, global);
        Duration keepTarget = PolicyEngine.keepTarget(limits);
        Map<Integer, TargetState> targets = new HashMap<>();
        GlobalState g = GlobalState.EMPTY;
        Instant now = Instant.parse("2026-09-01T00:00:00Z");
        int maxGlobal = 0;
        int maxTarget = 0;
        long admitted = 0;
        long alerts = 0;
        int longestGlobal = 0;
        int longestTarget = 0;
        for (int minute = 0; minute < 60 * 24 * 60; minute += 10) {
            Instant at = now.plus(Duration.ofMinutes(minute));
            // Runs finish within ten minutes.
            for (String k : List.copyOf(g.inFlight().keySet())) {
                g = g.withFinished(k, g.inFlight().get(k).record());
            }
            for (int i = 0; i < 40; i++) {
                int t = random.nextInt(20_000);
                alerts++;
                DecisionInput in = new DecisionInput("rule-" + (t % 7), "ns-" + (t % 300), "svc-" + t, true, false, null, SignalValue.missing(), at,
                        Duration.ZERO, limits, global, false);
                TargetState ts = targets.getOrDefault(t, TargetState.EMPTY);
                String record = "rec-" + minute + "-" + i;
                Decision d = PolicyEngine.decide(in, new PolicyState(List.of(), ts, g), record, at);
                if (d.outcome() != Outcome.REFUSE) {
                    admitted++;
                    g = PolicyEngine.admit(g, in, d, record, at, keep);
                    ts = PolicyEngine.admit(ts, in, d, record, at, keepTarget).withBadTemplate(Long.toHexString(random.nextLong()));
                    targets.put(t, ts);
                    if (ts.actions().size() > longestTarget) {
                        longestTarget = ts.actions().size();
                        maxTarget = Math.max(maxTarget, size(ts));
                    }
                }
            }
            if (minute % 60 == 0 || g.admissions().size() > longestGlobal) {
                longestGlobal = Math.max(longestGlobal, g.admissions().size());
                maxGlobal = Math.max(maxGlobal, size(g));
            }
        }
        assertTrue(admitted > 100_000, "the simulation must admit a lot: " + admitted + " of " + alerts);
        assertTrue(maxGlobal < OBJECT_LIMIT, "shared policy state peaked at " + maxGlobal + " bytes");
        assertTrue(maxGlobal < 200 * KIB, "bounded by the limits (500 an hour), not by 60 days: " + maxGlobal);
        assertTrue(maxTarget < ANNOTATION_LIMIT, "a target's state peaked at " + maxTarget + " bytes");
        assertTrue(targets.values().stream().allMatch(t -> t.badTemplates().size() <= TargetState.MAX_BAD));
        System.out.printf("60 days, 20,000 targets: %d alerts, %d admitted; shared state peak %d B, target state peak %d B%n",
                alerts, admitted, maxGlobal, maxTarget);
    }

    @Test
    void anEpisodeFoldingTenThousandAlertsStaysSmall() throws Exception {
        RemediationRecord r = new RemediationRecord();
        r.name = "rule-0123456789abcdef-1";
        r.spec.rule = "rule";
        r.spec.trigger.labels.put("alertname", "HighErrorRate");
        Instant at = Instant.parse("2026-11-26T03:00:00Z");
        for (int i = 0; i < 10_000; i++) {
            io.autonova.remediator.pipeline.EpisodeFoldsAccess.addInstance(r, String.format("%016x@%d", i, 1_700_000_000L + i), at.plusSeconds(i));
            r.status.decisions.add(new RemediationRecord.DecisionView());
            while (r.status.decisions.size() > RemediationRecord.MAX_DECISIONS) {
                r.status.decisions.remove(0);
            }
        }
        assertEquals(10_000, r.status.alerts.instances);
        assertTrue(r.status.alerts.overflow);
        assertTrue(size(r) < 32 * KIB, "record size " + size(r));
    }
}
