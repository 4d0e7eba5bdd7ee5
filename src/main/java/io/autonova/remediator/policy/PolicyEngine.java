package io.autonova.remediator.policy;

import io.autonova.remediator.rules.Durations;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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
 * <li>target waits for a human (consecutive-action cap)</li>
 * <li>target already in flight</li>
 * <li>target cooldown</li>
 * <li>rate limits: target, rule, global</li>
 * <li>remediations in flight (concurrency)</li>
 * <li>dry-run</li>
 * </ol>
 */
public final class PolicyEngine {

    private PolicyEngine() {
    }

    public static Decision decide(DecisionInput in, Ledger ledger, Instant now) {
        if (!in.firing()) {
            return Decision.refuse(Reason.ALERT_RESOLVED, null);
        }
        if (in.alreadyDecided()) {
            return Decision.refuse(Reason.DUPLICATE_ALERT, null);
        }
        if (in.threshold() != null) {
            if (!in.value().usable()) {
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
        Optional<Pause> pause = ledger.activePauses(now).stream().filter(p -> p.covers(in.namespace(), in.deployment())).findFirst();
        if (pause.isPresent()) {
            return Decision.refuse(Reason.PAUSED, pause.get().describe());
        }
        String target = in.targetKey();
        TargetLimits limits = in.limits();
        Ledger.Consecutive consecutive = ledger.consecutive().get(target);
        if (consecutive != null && consecutive.count() >= limits.maxConsecutive()
                && now.isBefore(consecutive.lastAt().plus(limits.consecutiveWithin()))) {
            return Decision.refuse(Reason.AWAITING_HUMAN, consecutive.count() + " automatic actions, cap is " + limits.maxConsecutive()
                    + "; clear it with DELETE /api/v1/targets/" + target + "/hold");
        }
        Map<String, Ledger.InFlight> inFlight = ledger.activeInFlight(now);
        if (inFlight.containsKey(target)) {
            return Decision.refuse(Reason.TARGET_IN_FLIGHT, "remediation " + inFlight.get(target).record());
        }
        List<Ledger.Admission> admissions = ledger.admissions();
        Optional<Instant> last = admissions.stream().filter(a -> a.target().equals(target)).map(Ledger.Admission::at).max(Instant::compareTo);
        if (last.isPresent() && now.isBefore(last.get().plus(limits.cooldown()))) {
            return Decision.refuse(Reason.COOLDOWN, "last action at " + last.get() + ", cooldown " + Durations.format(limits.cooldown()));
        }
        long perTarget = count(admissions, now, limits.perTarget().window(), a -> a.target().equals(target));
        if (perTarget >= limits.perTarget().count()) {
            return Decision.refuse(Reason.RATE_LIMITED_TARGET, perTarget + " actions, limit " + limits.perTarget());
        }
        long perRule = count(admissions, now, limits.perRule().window(), a -> a.rule().equals(in.rule()));
        if (perRule >= limits.perRule().count()) {
            return Decision.refuse(Reason.RATE_LIMITED_RULE, perRule + " actions, limit " + limits.perRule());
        }
        long global = count(admissions, now, in.global().rateLimit().window(), a -> true);
        if (global >= in.global().rateLimit().count()) {
            return Decision.refuse(Reason.RATE_LIMITED_GLOBAL, global + " actions, limit " + in.global().rateLimit());
        }
        if (inFlight.size() >= in.global().maxInFlight()) {
            return Decision.refuse(Reason.CONCURRENCY_LIMIT, inFlight.size() + " in flight, limit " + in.global().maxInFlight());
        }
        if (in.dryRun()) {
            return new Decision(Outcome.DRY_RUN, Reason.DRY_RUN, Reason.DRY_RUN.description());
        }
        return new Decision(Outcome.EXECUTE, Reason.ALL_CHECKS_PASSED, Reason.ALL_CHECKS_PASSED.description());
    }

    /**
     * The ledger after a decision: admissions (executed and dry-run) feed cooldowns and rate limits;
     * executed ones also hold the target in flight until {@code inFlightTtl} and count toward the cap.
     */
    public static Ledger admit(Ledger ledger, DecisionInput in, Decision decision, String record, Instant now, Duration inFlightTtl) {
        if (decision.outcome() == Outcome.REFUSE) {
            return ledger;
        }
        Duration keep = longest(in);
        Ledger.Admission admission = new Ledger.Admission(in.targetKey(), in.rule(), now, record, decision.outcome() == Outcome.DRY_RUN);
        Ledger.InFlight running = decision.acts() ? new Ledger.InFlight(record, now, now.plus(inFlightTtl)) : null;
        return ledger.withAdmission(admission, running, keep, now);
    }

    private static Duration longest(DecisionInput in) {
        Duration d = in.limits().cooldown();
        for (Duration w : List.of(in.limits().perTarget().window(), in.limits().perRule().window(), in.global().rateLimit().window())) {
            if (w.compareTo(d) > 0) {
                d = w;
            }
        }
        // Rules may have different windows; keep at least a day so no rule's window is cut short.
        return d.compareTo(Duration.ofDays(1)) < 0 ? Duration.ofDays(1) : d;
    }

    private static long count(List<Ledger.Admission> admissions, Instant now, Duration window, java.util.function.Predicate<Ledger.Admission> which) {
        Instant from = now.minus(window);
        return admissions.stream().filter(a -> a.at().isAfter(from)).filter(which).count();
    }
}
