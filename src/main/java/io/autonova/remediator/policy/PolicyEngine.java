package io.autonova.remediator.policy;

import io.autonova.remediator.rules.GlobalLimits;
import io.autonova.remediator.rules.TargetLimits;
import io.autonova.remediator.domain.Durations;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Decides whether a matched alert may act. Pure: no I/O, time comes in as an argument.
 *
 * <p>Checks run in this order, the first "no" wins:
 * <ol>
 * <li>resolved alert</li>
 * <li>same alert already decided (duplicate)</li>
 * <li>value missing, NaN or not numeric (inconclusive)</li>
 * <li>threshold not crossed</li>
 * <li>minimum firing duration not reached</li>
 * <li>pause: global, namespace, service</li>
 * <li>target waits for a human (held, or its consecutive-action cap reached)</li>
 * <li>target already in flight</li>
 * <li>target cooldown</li>
 * <li>rate limits: target, rule, global</li>
 * <li>remediations in flight (concurrency)</li>
 * <li>no recent change the scenario undoes, or a change after the alert started ({@link ChangeGate})</li>
 * <li>dry-run</li>
 * </ol>
 */
public final class PolicyEngine {

    private PolicyEngine() {
    }

    /**
     * {@code record} is the record being decided: its own admission and in-flight entry never refuse it,
     * so a decision retried after a crash or a write conflict comes out the same.
     */
    public static Decision decide(DecisionInput in, PolicyState state, String record, Instant now) {
        if (!in.firing()) {
            return Decision.refuse(Reason.ALERT_RESOLVED, null);
        }
        if (in.alreadyDecided()) {
            return Decision.refuse(Reason.DUPLICATE_ALERT, null);
        }
        if (in.threshold() != null) {
            if (!in.threshold().accepts(in.value())) {
                return Decision.refuse(Reason.VALUE_INCONCLUSIVE, in.threshold().source().name().toLowerCase() + " '"
                        + in.threshold().key() + "' is " + in.value().describe());
            }
            if (!in.threshold().crossedBy(in.value().value())) {
                return Decision.refuse(Reason.BELOW_THRESHOLD, "value " + in.value().value() + " is not "
                        + in.threshold().comparison().symbol + " " + in.threshold().bound());
            }
        }
        if (in.minFiring() != null && !in.minFiring().isZero() && in.firingSince() != null) {
            Duration firing = Duration.between(in.firingSince(), now);
            if (firing.compareTo(in.minFiring()) < 0) {
                return Decision.refuse(Reason.FIRING_TOO_SHORT, "firing for " + Durations.format(firing.isNegative() ? Duration.ZERO : firing)
                        + ", rule needs " + Durations.format(in.minFiring()));
            }
        }
        Optional<Pause> pause = state.pauses().stream().filter(p -> p.activeAt(now)).filter(p -> p.covers(in.namespace(), in.deployment())).findFirst();
        if (pause.isPresent()) {
            return Decision.refuse(Reason.PAUSED, pause.get().describe());
        }
        String target = in.targetKey();
        TargetLimits limits = in.limits();
        TargetState ts = state.target();
        if (ts.hold() != null) {
            return Decision.refuse(Reason.AWAITING_HUMAN, ts.hold() + "; clear it with DELETE /api/v1/targets/" + target + "/hold");
        }
        if (ts.consecutive() >= limits.maxConsecutive()) {
            return Decision.refuse(Reason.AWAITING_HUMAN, ts.consecutive() + " automatic actions in a row, cap is " + limits.maxConsecutive()
                    + "; clear it with DELETE /api/v1/targets/" + target + "/hold");
        }
        GlobalState.InFlight running = state.global().inFlight().get(target);
        if (running != null && !running.record().equals(record)) {
            return Decision.refuse(Reason.TARGET_IN_FLIGHT, "remediation " + running.record());
        }
        List<TargetState.Action> actions = ts.actions().stream().filter(a -> !a.record().equals(record)).toList();
        Optional<Instant> last = actions.stream().map(TargetState.Action::at).max(Instant::compareTo);
        if (last.isPresent() && now.isBefore(last.get().plus(limits.cooldown()))) {
            return Decision.refuse(Reason.COOLDOWN, "last action at " + last.get() + ", cooldown " + Durations.format(limits.cooldown()));
        }
        Instant targetFrom = now.minus(limits.perTarget().window());
        long perTarget = actions.stream().filter(a -> a.at().isAfter(targetFrom)).count();
        if (perTarget >= limits.perTarget().count()) {
            return Decision.refuse(Reason.RATE_LIMITED_TARGET, perTarget + " actions, limit " + limits.perTarget());
        }
        List<GlobalState.Admission> admissions = state.global().admissions().stream().filter(a -> !a.record().equals(record)).toList();
        long perRule = count(admissions, now, limits.perRule().window(), a -> a.rule().equals(in.rule()));
        if (perRule >= limits.perRule().count()) {
            return Decision.refuse(Reason.RATE_LIMITED_RULE, perRule + " actions, limit " + limits.perRule());
        }
        long global = count(admissions, now, in.global().rateLimit().window(), a -> true);
        if (global >= in.global().rateLimit().count()) {
            return Decision.refuse(Reason.RATE_LIMITED_GLOBAL, global + " actions, limit " + in.global().rateLimit());
        }
        long inFlight = state.global().inFlight().values().stream().filter(f -> !f.record().equals(record)).count();
        if (inFlight >= in.global().maxInFlight()) {
            return Decision.refuse(Reason.CONCURRENCY_LIMIT, inFlight + " in flight, limit " + in.global().maxInFlight());
        }
        // Last: its "no" is final (a human must look), so every transient "not now" is said before it.
        if (!in.change().passes()) {
            return Decision.refuse(in.change().refusal(), in.change().detail());
        }
        if (in.dryRun()) {
            return new Decision(Outcome.DRY_RUN, Reason.DRY_RUN, Reason.DRY_RUN.description());
        }
        return new Decision(Outcome.EXECUTE, Reason.ALL_CHECKS_PASSED, Reason.ALL_CHECKS_PASSED.description());
    }

    /**
     * A run an operator forces by hand, with a reason: past pauses, holds, cooldowns, rate limits and approval, never
     * past another run on the same target (two runs on one Deployment would fight). Dry-run still only records.
     */
    public static Decision forced(DecisionInput in, PolicyState state, String record, String by) {
        GlobalState.InFlight running = state.global().inFlight().get(in.targetKey());
        if (running != null && !running.record().equals(record)) {
            return Decision.refuse(Reason.TARGET_IN_FLIGHT, "remediation " + running.record() + "; not even a forced run overlaps another");
        }
        if (in.dryRun()) {
            return new Decision(Outcome.DRY_RUN, Reason.DRY_RUN, Reason.DRY_RUN.description());
        }
        return new Decision(Outcome.EXECUTE, Reason.FORCED, "forced by " + by + ": " + Reason.FORCED.description());
    }

    /**
     * Asked again when a person approves a run that waited: what may have changed meanwhile. The run already holds its
     * slot and its admission, so only the checks that can turn while it waits are asked: the alert still firing, a
     * pause, a hold for a human. Empty when the approval may go ahead.
     */
    public static Optional<Decision> atApproval(boolean stillFiring, String namespace, String deployment, List<Pause> pauses, TargetState target,
                                                Instant now) {
        if (!stillFiring) {
            return Optional.of(Decision.refuse(Reason.ALERT_RESOLVED, "the alert resolved while the run waited for approval"));
        }
        Optional<Pause> pause = pauses.stream().filter(p -> p.activeAt(now)).filter(p -> p.covers(namespace, deployment)).findFirst();
        if (pause.isPresent()) {
            return Optional.of(Decision.refuse(Reason.PAUSED, pause.get().describe()));
        }
        if (target.hold() != null) {
            return Optional.of(Decision.refuse(Reason.AWAITING_HUMAN, target.hold() + "; clear it with DELETE /api/v1/targets/"
                    + namespace + "/" + deployment + "/hold"));
        }
        return Optional.empty();
    }

    /**
     * The shared state after a decision: admissions (executed and dry-run) feed the rule and global rate
     * limits; executed ones also hold the target in flight until the run ends. {@code keep} is the longest
     * rate window of any loaded rule, so no rule's window is cut short by another's.
     */
    public static GlobalState admit(GlobalState global, DecisionInput in, Decision decision, String record, Instant now, Duration keep) {
        if (decision.outcome() == Outcome.REFUSE) {
            return global;
        }
        return global.withAdmission(new GlobalState.Admission(in.targetKey(), in.rule(), now, record, decision.outcome() == Outcome.DRY_RUN),
                decision.acts(), keep);
    }

    /** The target's state after a decision: cooldown, per-target rate limit and consecutive count. */
    public static TargetState admit(TargetState target, DecisionInput in, Decision decision, String record, Instant now, Duration keep) {
        if (decision.outcome() == Outcome.REFUSE) {
            return target;
        }
        return target.withAction(new TargetState.Action(record, in.rule(), now, decision.outcome() == Outcome.DRY_RUN), keep,
                in.limits().consecutiveWithin());
    }

    /** How long the shared state keeps admissions (see {@link TargetLimits#keepShared}). */
    public static Duration keepShared(TargetLimits limits, GlobalLimits global) {
        return TargetLimits.keepShared(limits, global);
    }

    /** How long a target keeps its actions (see {@link TargetLimits#keepTarget}). */
    public static Duration keepTarget(TargetLimits limits) {
        return TargetLimits.keepTarget(limits);
    }

    private static long count(List<GlobalState.Admission> admissions, Instant now, Duration window, java.util.function.Predicate<GlobalState.Admission> which) {
        Instant from = now.minus(window);
        return admissions.stream().filter(a -> a.at().isAfter(from)).filter(which).count();
    }
}
