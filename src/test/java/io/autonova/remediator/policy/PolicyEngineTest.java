package io.autonova.remediator.policy;

import io.autonova.remediator.rules.RateLimit;
import io.autonova.remediator.rules.GlobalLimits;
import io.autonova.remediator.rules.TargetLimits;
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

    record Row(String name, PolicyState state, DecisionInput input, Outcome outcome, Reason reason) {
    }

    static GlobalState.Admission admitted(String target, String rule, Duration ago) {
        return new GlobalState.Admission(target, rule, NOW.minus(ago), "rec-" + target + rule + ago.toMinutes(), false);
    }

    static TargetState.Action acted(String rule, Duration ago) {
        return new TargetState.Action("rec-" + rule + ago.toMinutes(), rule, NOW.minus(ago), false);
    }

    static Pause pause(PauseScope scope, String ns, String svc, Instant expires) {
        return new Pause("p1", scope, ns, svc, "deploy freeze", "sre", NOW.minus(Duration.ofHours(1)), expires);
    }

    static PolicyState paused(Pause p) {
        return new PolicyState(List.of(p), null, null);
    }

    static PolicyState target(TargetState t) {
        return new PolicyState(List.of(), t, null);
    }

    static PolicyState actions(TargetState.Action... a) {
        return target(new TargetState(List.of(a), 0, null, List.of(), null));
    }

    static PolicyState global(List<GlobalState.Admission> admissions, Map<String, GlobalState.InFlight> inFlight) {
        return new PolicyState(List.of(), null, new GlobalState(admissions, inFlight));
    }

    static final Instant LATER = NOW.plus(Duration.ofHours(1));
    static final PolicyState EMPTY = PolicyState.EMPTY;

    @Test
    void decisionTable() {
        List<Row> rows = List.of(
                new Row("all checks pass", EMPTY, input(b -> b), Outcome.EXECUTE, Reason.ALL_CHECKS_PASSED),
                new Row("dry-run comes last", EMPTY, input(b -> { b.dryRun = true; return b; }), Outcome.DRY_RUN, Reason.DRY_RUN),
                new Row("resolved never acts", EMPTY, input(b -> { b.firing = false; return b; }), Outcome.REFUSE, Reason.ALERT_RESOLVED),
                new Row("same alert again", EMPTY, input(b -> { b.decided = true; return b; }), Outcome.REFUSE, Reason.DUPLICATE_ALERT),
                new Row("missing value", EMPTY, input(b -> { b.value = SignalValue.missing(); return b; }), Outcome.REFUSE, Reason.VALUE_INCONCLUSIVE),
                new Row("NaN value", EMPTY, input(b -> b.value("NaN")), Outcome.REFUSE, Reason.VALUE_INCONCLUSIVE),
                new Row("text value", EMPTY, input(b -> b.value("high")), Outcome.REFUSE, Reason.VALUE_INCONCLUSIVE),
                new Row("overflowing value (1e999) never crosses", EMPTY, input(b -> b.value("1e999")), Outcome.REFUSE, Reason.VALUE_INCONCLUSIVE),
                new Row("+Inf is inconclusive by default", EMPTY, input(b -> b.value("+Inf")), Outcome.REFUSE, Reason.VALUE_INCONCLUSIVE),
                new Row("+Inf acts when the rule opts in", EMPTY, input(b -> { b.threshold = new Threshold(b.threshold.source(), b.threshold.key(),
                        b.threshold.comparison(), b.threshold.bound(), true); return b.value("+Inf"); }), Outcome.EXECUTE, Reason.ALL_CHECKS_PASSED),
                new Row("-Inf stays inconclusive even then", EMPTY, input(b -> { b.threshold = new Threshold(b.threshold.source(), b.threshold.key(),
                        b.threshold.comparison(), b.threshold.bound(), true); return b.value("-Inf"); }), Outcome.REFUSE, Reason.VALUE_INCONCLUSIVE),
                new Row("at the bound is not over it", EMPTY, input(b -> b.value("0.10")), Outcome.REFUSE, Reason.BELOW_THRESHOLD),
                new Row("below", EMPTY, input(b -> b.value("0.02")), Outcome.REFUSE, Reason.BELOW_THRESHOLD),
                new Row("no threshold: firing is enough", EMPTY, input(b -> { b.threshold = null; b.value = SignalValue.missing(); return b; }),
                        Outcome.EXECUTE, Reason.ALL_CHECKS_PASSED),
                new Row("firing too short", EMPTY, input(b -> { b.since = NOW.minusSeconds(30); return b; }), Outcome.REFUSE, Reason.FIRING_TOO_SHORT),
                new Row("global pause", paused(pause(PauseScope.GLOBAL, null, null, LATER)), input(b -> b), Outcome.REFUSE, Reason.PAUSED),
                new Row("namespace pause", paused(pause(PauseScope.NAMESPACE, "prod", null, LATER)), input(b -> b), Outcome.REFUSE, Reason.PAUSED),
                new Row("other namespace paused", paused(pause(PauseScope.NAMESPACE, "staging", null, LATER)), input(b -> b),
                        Outcome.EXECUTE, Reason.ALL_CHECKS_PASSED),
                new Row("service pause", paused(pause(PauseScope.SERVICE, "prod", "api", LATER)), input(b -> b), Outcome.REFUSE, Reason.PAUSED),
                new Row("other service paused", paused(pause(PauseScope.SERVICE, "prod", "web", LATER)), input(b -> b),
                        Outcome.EXECUTE, Reason.ALL_CHECKS_PASSED),
                new Row("expired pause", paused(pause(PauseScope.GLOBAL, null, null, NOW.minusSeconds(1))), input(b -> b),
                        Outcome.EXECUTE, Reason.ALL_CHECKS_PASSED),
                new Row("pause wins over dry-run", paused(pause(PauseScope.GLOBAL, null, null, LATER)),
                        input(b -> { b.dryRun = true; return b; }), Outcome.REFUSE, Reason.PAUSED),
                new Row("cap reached", target(new TargetState(List.of(), 3, NOW.minus(Duration.ofHours(2)), List.of(), null)),
                        input(b -> b), Outcome.REFUSE, Reason.AWAITING_HUMAN),
                new Row("cap reached long ago still waits for a human", target(new TargetState(List.of(), 3, NOW.minus(Duration.ofDays(20)), List.of(), null)),
                        input(b -> b), Outcome.REFUSE, Reason.AWAITING_HUMAN),
                new Row("below cap", target(new TargetState(List.of(), 2, NOW.minus(Duration.ofHours(2)), List.of(), null)),
                        input(b -> b), Outcome.EXECUTE, Reason.ALL_CHECKS_PASSED),
                new Row("held for a human", target(new TargetState(List.of(), 0, null, List.of(), "compensation failed")),
                        input(b -> b), Outcome.REFUSE, Reason.AWAITING_HUMAN),
                new Row("in flight", global(List.of(), Map.of("prod/api", new GlobalState.InFlight("r1", NOW))),
                        input(b -> b), Outcome.REFUSE, Reason.TARGET_IN_FLIGHT),
                new Row("cooldown", actions(acted("x", Duration.ofMinutes(29))), input(b -> b), Outcome.REFUSE, Reason.COOLDOWN),
                new Row("cooldown over", actions(acted("x", Duration.ofMinutes(31))), input(b -> b), Outcome.EXECUTE, Reason.ALL_CHECKS_PASSED),
                new Row("dry-run admissions count for cooldown too", actions(new TargetState.Action("r", "x", NOW.minusSeconds(60), true)),
                        input(b -> { b.dryRun = true; return b; }), Outcome.REFUSE, Reason.COOLDOWN),
                new Row("target rate limit", actions(acted("x", Duration.ofMinutes(50)), acted("y", Duration.ofMinutes(40))),
                        input(b -> b), Outcome.REFUSE, Reason.RATE_LIMITED_TARGET),
                new Row("target window slid past", actions(acted("x", Duration.ofMinutes(61)), acted("y", Duration.ofMinutes(40))),
                        input(b -> b), Outcome.EXECUTE, Reason.ALL_CHECKS_PASSED),
                new Row("rule rate limit", global(List.of(admitted("prod/a", "high-error-rate", Duration.ofMinutes(50)),
                        admitted("prod/b", "high-error-rate", Duration.ofMinutes(45)), admitted("prod/c", "high-error-rate", Duration.ofMinutes(40))), Map.of()),
                        input(b -> b), Outcome.REFUSE, Reason.RATE_LIMITED_RULE),
                new Row("global rate limit", global(List.of(admitted("a/a", "r1", Duration.ofMinutes(50)), admitted("a/b", "r2", Duration.ofMinutes(50)),
                        admitted("a/c", "r3", Duration.ofMinutes(50)), admitted("a/d", "r4", Duration.ofMinutes(50)), admitted("a/e", "r5", Duration.ofMinutes(50))), Map.of()),
                        input(b -> b), Outcome.REFUSE, Reason.RATE_LIMITED_GLOBAL),
                new Row("concurrency", global(List.of(), Map.of("a/a", new GlobalState.InFlight("r1", NOW), "a/b", new GlobalState.InFlight("r2", NOW))),
                        input(b -> b), Outcome.REFUSE, Reason.CONCURRENCY_LIMIT),
                new Row("its own admission and in-flight entry never refuse a retried decision",
                        new PolicyState(List.of(), new TargetState(List.of(new TargetState.Action("me", "high-error-rate", NOW, false)), 1, NOW, List.of(), null),
                                new GlobalState(List.of(new GlobalState.Admission("prod/api", "high-error-rate", NOW, "me", false)),
                                        Map.of("prod/api", new GlobalState.InFlight("me", NOW)))),
                        input(b -> b), Outcome.EXECUTE, Reason.ALL_CHECKS_PASSED));
        for (Row row : rows) {
            Decision d = PolicyEngine.decide(row.input, row.state, "me", NOW);
            assertEquals(row.outcome, d.outcome(), row.name + ": " + d.message());
            assertEquals(row.reason, d.reason(), row.name + ": " + d.message());
            assertTrue(d.message().startsWith(row.reason.description()), row.name);
        }
    }

    @Test
    void admittingAnActionHoldsTheTargetAndCountsTowardTheCap() {
        DecisionInput in = input(b -> b);
        Decision d = PolicyEngine.decide(in, EMPTY, "rec-1", NOW);
        GlobalState g = PolicyEngine.admit(GlobalState.EMPTY, in, d, "rec-1", NOW, Duration.ofHours(1));
        TargetState t = PolicyEngine.admit(TargetState.EMPTY, in, d, "rec-1", NOW, Duration.ofHours(1));
        assertEquals("rec-1", g.inFlight().get("prod/api").record());
        assertEquals(1, t.consecutive());
        assertEquals(Reason.TARGET_IN_FLIGHT, PolicyEngine.decide(in, new PolicyState(List.of(), t, g), "rec-2", NOW.plusSeconds(1)).reason());
        assertSame(g, PolicyEngine.admit(g, in, d, "rec-1", NOW, Duration.ofHours(1)).equals(g) ? g : null, "admission is idempotent by record");

        GlobalState finished = g.withFinished("prod/api", "rec-1");
        assertEquals(Reason.COOLDOWN, PolicyEngine.decide(in, new PolicyState(List.of(), t, finished), "rec-2", NOW.plusSeconds(1)).reason());
        assertSame(finished, finished.withFinished("prod/api", "other-record"), "only the owner frees the target");
    }

    @Test
    void consecutiveActionsCountOnlyWhileEachComesWithinTheWindowOfThePrevious() {
        Duration within = Duration.ofHours(24);
        TargetState t = TargetState.EMPTY;
        t = t.withAction(new TargetState.Action("a", "r", NOW, false), Duration.ofDays(1), within);
        t = t.withAction(new TargetState.Action("b", "r", NOW.plus(Duration.ofHours(23)), false), Duration.ofDays(1), within);
        assertEquals(2, t.consecutive());
        t = t.withAction(new TargetState.Action("c", "r", NOW.plus(Duration.ofHours(48)), false), Duration.ofDays(1), within);
        assertEquals(1, t.consecutive(), "a gap longer than 'within' starts the count again");
        t = t.withAction(new TargetState.Action("d", "r", NOW.plus(Duration.ofHours(49)), true), Duration.ofDays(1), within);
        assertEquals(1, t.consecutive(), "dry-run actions do not count");
        assertEquals(0, t.withHoldCleared().consecutive());
    }

    @Test
    void aRefusalLeavesTheStateUntouchedAndDryRunNeverHoldsATarget() {
        DecisionInput below = input(b -> b.value("0.01"));
        assertSame(GlobalState.EMPTY, PolicyEngine.admit(GlobalState.EMPTY, below, PolicyEngine.decide(below, EMPTY, "r", NOW), "r", NOW, Duration.ofMinutes(5)));
        DecisionInput dry = input(b -> { b.dryRun = true; return b; });
        Decision d = PolicyEngine.decide(dry, EMPTY, "r", NOW);
        GlobalState after = PolicyEngine.admit(GlobalState.EMPTY, dry, d, "r", NOW, Duration.ofMinutes(5));
        assertTrue(after.inFlight().isEmpty());
        assertEquals(0, PolicyEngine.admit(TargetState.EMPTY, dry, d, "r", NOW, Duration.ofMinutes(5)).consecutive());
        assertEquals(1, after.admissions().size());
    }

    @Test
    void oldAdmissionsArePrunedSoTheStateStaysSmall() {
        GlobalState old = new GlobalState(List.of(admitted("a/a", "r", Duration.ofDays(3))), Map.of());
        DecisionInput in = input(b -> b);
        GlobalState after = PolicyEngine.admit(old, in, PolicyEngine.decide(in, new PolicyState(List.of(), null, old), "r2", NOW), "r2", NOW, Duration.ofDays(1));
        assertEquals(1, after.admissions().size());
        assertEquals("r2", after.admissions().get(0).record());
    }
}
