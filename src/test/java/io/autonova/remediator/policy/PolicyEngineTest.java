package io.autonova.remediator.policy;

import io.autonova.remediator.rules.SignalValue;
import io.autonova.remediator.rules.Threshold;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each row: a ledger and an input, and the outcome and reason the engine must give. */
class PolicyEngineTest {

    static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");
    static final Threshold OVER_10_PERCENT = new Threshold(Threshold.Source.ANNOTATION, "value", Threshold.Comparison.GT, 0.10);
    static final TargetLimits LIMITS = new TargetLimits(Duration.ofMinutes(30), new RateLimit(2, Duration.ofHours(1)),
            new RateLimit(3, Duration.ofHours(1)), 3, Duration.ofHours(24));
    static final GlobalLimits GLOBAL = new GlobalLimits(new RateLimit(5, Duration.ofHours(1)), 2);

    static DecisionInput input(UnaryOperator<Builder> change) {
        return change.apply(new Builder()).build();
    }

    static final class Builder {
        String rule = "high-error-rate";
        String ns = "prod";
        String deployment = "api";
        boolean firing = true;
        boolean decided;
        Threshold threshold = OVER_10_PERCENT;
        SignalValue value = SignalValue.parse("0.25");
        Instant since = NOW.minus(Duration.ofMinutes(10));
        Duration minFiring = Duration.ofMinutes(2);
        boolean dryRun;

        Builder value(String v) {
            value = SignalValue.parse(v);
            return this;
        }

        DecisionInput build() {
            return new DecisionInput(rule, ns, deployment, firing, decided, threshold, value, since, minFiring, LIMITS, GLOBAL, dryRun);
        }
    }

    record Row(String name, Ledger ledger, DecisionInput input, Outcome outcome, Reason reason) {
    }

    static Ledger.Admission admitted(String target, String rule, Duration ago) {
        return new Ledger.Admission(target, rule, NOW.minus(ago), "rec", false);
    }

    static Pause pause(PauseScope scope, String ns, String svc, Instant expires) {
        return new Pause("p1", scope, ns, svc, "deploy freeze", "sre", NOW.minus(Duration.ofHours(1)), expires);
    }

    static final Instant LATER = NOW.plus(Duration.ofHours(1));

    @Test
    void decisionTable() {
        List<Row> rows = List.of(
                new Row("all checks pass", Ledger.EMPTY, input(b -> b), Outcome.EXECUTE, Reason.ALL_CHECKS_PASSED),
                new Row("dry-run comes last", Ledger.EMPTY, input(b -> { b.dryRun = true; return b; }), Outcome.DRY_RUN, Reason.DRY_RUN),
                new Row("resolved never acts", Ledger.EMPTY, input(b -> { b.firing = false; return b; }), Outcome.REFUSE, Reason.ALERT_RESOLVED),
                new Row("same alert again", Ledger.EMPTY, input(b -> { b.decided = true; return b; }), Outcome.REFUSE, Reason.DUPLICATE_ALERT),
                new Row("missing value", Ledger.EMPTY, input(b -> { b.value = SignalValue.missing(); return b; }), Outcome.REFUSE, Reason.VALUE_INCONCLUSIVE),
                new Row("NaN value", Ledger.EMPTY, input(b -> b.value("NaN")), Outcome.REFUSE, Reason.VALUE_INCONCLUSIVE),
                new Row("text value", Ledger.EMPTY, input(b -> b.value("high")), Outcome.REFUSE, Reason.VALUE_INCONCLUSIVE),
                new Row("at the bound is not over it", Ledger.EMPTY, input(b -> b.value("0.10")), Outcome.REFUSE, Reason.BELOW_THRESHOLD),
                new Row("below", Ledger.EMPTY, input(b -> b.value("0.02")), Outcome.REFUSE, Reason.BELOW_THRESHOLD),
                new Row("no threshold: firing is enough", Ledger.EMPTY, input(b -> { b.threshold = null; b.value = SignalValue.missing(); return b; }),
                        Outcome.EXECUTE, Reason.ALL_CHECKS_PASSED),
                new Row("firing too short", Ledger.EMPTY, input(b -> { b.since = NOW.minusSeconds(30); return b; }), Outcome.REFUSE, Reason.FIRING_TOO_SHORT),
                new Row("global pause", ledger(l -> l.withPause(pause(PauseScope.GLOBAL, null, null, LATER), NOW)), input(b -> b),
                        Outcome.REFUSE, Reason.PAUSED),
                new Row("namespace pause", ledger(l -> l.withPause(pause(PauseScope.NAMESPACE, "prod", null, LATER), NOW)), input(b -> b),
                        Outcome.REFUSE, Reason.PAUSED),
                new Row("other namespace paused", ledger(l -> l.withPause(pause(PauseScope.NAMESPACE, "staging", null, LATER), NOW)), input(b -> b),
                        Outcome.EXECUTE, Reason.ALL_CHECKS_PASSED),
                new Row("service pause", ledger(l -> l.withPause(pause(PauseScope.SERVICE, "prod", "api", LATER), NOW)), input(b -> b),
                        Outcome.REFUSE, Reason.PAUSED),
                new Row("other service paused", ledger(l -> l.withPause(pause(PauseScope.SERVICE, "prod", "web", LATER), NOW)), input(b -> b),
                        Outcome.EXECUTE, Reason.ALL_CHECKS_PASSED),
                new Row("expired pause", new Ledger(List.of(), Map.of(), Map.of(), List.of(pause(PauseScope.GLOBAL, null, null, NOW.minusSeconds(1)))),
                        input(b -> b), Outcome.EXECUTE, Reason.ALL_CHECKS_PASSED),
                new Row("pause wins over dry-run", ledger(l -> l.withPause(pause(PauseScope.GLOBAL, null, null, LATER), NOW)),
                        input(b -> { b.dryRun = true; return b; }), Outcome.REFUSE, Reason.PAUSED),
                new Row("cap reached", new Ledger(List.of(), Map.of(), Map.of("prod/api", new Ledger.Consecutive(3, NOW.minus(Duration.ofHours(2)))), List.of()),
                        input(b -> b), Outcome.REFUSE, Reason.AWAITING_HUMAN),
                new Row("cap count is old", new Ledger(List.of(), Map.of(), Map.of("prod/api", new Ledger.Consecutive(3, NOW.minus(Duration.ofHours(25)))), List.of()),
                        input(b -> b), Outcome.EXECUTE, Reason.ALL_CHECKS_PASSED),
                new Row("below cap", new Ledger(List.of(), Map.of(), Map.of("prod/api", new Ledger.Consecutive(2, NOW)), List.of()),
                        input(b -> b), Outcome.EXECUTE, Reason.ALL_CHECKS_PASSED),
                new Row("in flight", new Ledger(List.of(), Map.of("prod/api", new Ledger.InFlight("r1", NOW, LATER)), Map.of(), List.of()),
                        input(b -> b), Outcome.REFUSE, Reason.TARGET_IN_FLIGHT),
                new Row("in flight entry expired", new Ledger(List.of(), Map.of("prod/api", new Ledger.InFlight("r1", NOW.minus(Duration.ofHours(2)), NOW.minusSeconds(1))), Map.of(), List.of()),
                        input(b -> b), Outcome.EXECUTE, Reason.ALL_CHECKS_PASSED),
                new Row("cooldown", new Ledger(List.of(admitted("prod/api", "x", Duration.ofMinutes(29))), Map.of(), Map.of(), List.of()),
                        input(b -> b), Outcome.REFUSE, Reason.COOLDOWN),
                new Row("cooldown over", new Ledger(List.of(admitted("prod/api", "x", Duration.ofMinutes(31))), Map.of(), Map.of(), List.of()),
                        input(b -> b), Outcome.EXECUTE, Reason.ALL_CHECKS_PASSED),
                new Row("dry-run admissions count for cooldown too", new Ledger(List.of(new Ledger.Admission("prod/api", "x", NOW.minusSeconds(60), "r", true)), Map.of(), Map.of(), List.of()),
                        input(b -> { b.dryRun = true; return b; }), Outcome.REFUSE, Reason.COOLDOWN),
                new Row("target rate limit", new Ledger(List.of(admitted("prod/api", "x", Duration.ofMinutes(50)), admitted("prod/api", "y", Duration.ofMinutes(40))), Map.of(), Map.of(), List.of()),
                        input(b -> b), Outcome.REFUSE, Reason.RATE_LIMITED_TARGET),
                new Row("target window slid past", new Ledger(List.of(admitted("prod/api", "x", Duration.ofMinutes(61)), admitted("prod/api", "y", Duration.ofMinutes(40))), Map.of(), Map.of(), List.of()),
                        input(b -> b), Outcome.EXECUTE, Reason.ALL_CHECKS_PASSED),
                new Row("rule rate limit", new Ledger(List.of(admitted("prod/a", "high-error-rate", Duration.ofMinutes(50)), admitted("prod/b", "high-error-rate", Duration.ofMinutes(45)),
                        admitted("prod/c", "high-error-rate", Duration.ofMinutes(40))), Map.of(), Map.of(), List.of()),
                        input(b -> b), Outcome.REFUSE, Reason.RATE_LIMITED_RULE),
                new Row("global rate limit", new Ledger(List.of(admitted("a/a", "r1", Duration.ofMinutes(50)), admitted("a/b", "r2", Duration.ofMinutes(50)),
                        admitted("a/c", "r3", Duration.ofMinutes(50)), admitted("a/d", "r4", Duration.ofMinutes(50)), admitted("a/e", "r5", Duration.ofMinutes(50))), Map.of(), Map.of(), List.of()),
                        input(b -> b), Outcome.REFUSE, Reason.RATE_LIMITED_GLOBAL),
                new Row("concurrency", new Ledger(List.of(), Map.of("a/a", new Ledger.InFlight("r1", NOW, LATER), "a/b", new Ledger.InFlight("r2", NOW, LATER)), Map.of(), List.of()),
                        input(b -> b), Outcome.REFUSE, Reason.CONCURRENCY_LIMIT));
        for (Row row : rows) {
            Decision d = PolicyEngine.decide(row.input, row.ledger, NOW);
            assertEquals(row.outcome, d.outcome(), row.name + ": " + d.message());
            assertEquals(row.reason, d.reason(), row.name + ": " + d.message());
            assertTrue(d.message().startsWith(row.reason.description()), row.name);
        }
    }

    @Test
    void admittingAnActionHoldsTheTargetAndCountsTowardTheCap() {
        DecisionInput in = input(b -> b);
        Decision d = PolicyEngine.decide(in, Ledger.EMPTY, NOW);
        Ledger after = PolicyEngine.admit(Ledger.EMPTY, in, d, "rec-1", NOW, Duration.ofMinutes(30));
        assertEquals("rec-1", after.inFlight().get("prod/api").record());
        assertEquals(1, after.consecutive().get("prod/api").count());
        assertEquals(Reason.TARGET_IN_FLIGHT, PolicyEngine.decide(in, after, NOW.plusSeconds(1)).reason());

        Ledger finished = after.withFinished("prod/api", "rec-1");
        assertEquals(Reason.COOLDOWN, PolicyEngine.decide(in, finished, NOW.plusSeconds(1)).reason());
        assertSame(finished, finished.withFinished("prod/api", "other-record"), "only the owner frees the target");
    }

    @Test
    void aRefusalLeavesTheLedgerUntouchedAndDryRunNeverHoldsATarget() {
        DecisionInput below = input(b -> b.value("0.01"));
        assertSame(Ledger.EMPTY, PolicyEngine.admit(Ledger.EMPTY, below, PolicyEngine.decide(below, Ledger.EMPTY, NOW), "r", NOW, Duration.ofMinutes(5)));
        DecisionInput dry = input(b -> { b.dryRun = true; return b; });
        Ledger after = PolicyEngine.admit(Ledger.EMPTY, dry, PolicyEngine.decide(dry, Ledger.EMPTY, NOW), "r", NOW, Duration.ofMinutes(5));
        assertTrue(after.inFlight().isEmpty());
        assertTrue(after.consecutive().isEmpty());
        assertEquals(1, after.admissions().size());
    }

    @Test
    void oldAdmissionsArePrunedSoTheLedgerStaysSmall() {
        Ledger old = new Ledger(List.of(admitted("a/a", "r", Duration.ofDays(3))), Map.of(), Map.of(), List.of());
        DecisionInput in = input(b -> b);
        Ledger after = PolicyEngine.admit(old, in, PolicyEngine.decide(in, old, NOW), "r2", NOW, Duration.ofMinutes(5));
        assertEquals(1, after.admissions().size());
        assertEquals("r2", after.admissions().get(0).record());
    }

    private static Ledger ledger(UnaryOperator<Ledger> f) {
        return f.apply(Ledger.EMPTY);
    }
}
