package io.autonova.remediator.pipeline;

import io.autonova.remediator.domain.Hashes;
import io.autonova.remediator.policy.Decision;
import io.autonova.remediator.policy.Outcome;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;

import java.time.Duration;
import java.time.Instant;

/**
 * The episode state machine: what one alert instance does to the latest episode of its (rule, target).
 * Pure: the latest record, the alert and the policy in, one step out. A step that {@link Step#writes()}
 * changes a decision and is written before the sender gets its answer; the others are answered from the
 * cache and their counts coalesced ({@link EpisodeFolds}).
 */
public final class Episodes {

    /** A claim older than this without a decision belongs to a replica that died mid-way. */
    static final Duration STALE_CLAIM = Duration.ofSeconds(30);

    private Episodes() {
    }

    /** The policy's decision for the named record; asked only by the steps that need one. */
    @FunctionalInterface
    public interface Policy {
        Decision decide(String recordName);
    }

    public sealed interface Step permits Open, AwaitWinner, Fold, Resend, RepeatRefusal, Redecide, Clear, Resolved, FoldLate {
        /** Whether carrying it out writes a decision to the API server before the sender is answered. */
        default boolean writes() {
            return false;
        }

        /** Whether carrying it out may wait on the API server or another replica (then it is not done inline). */
        default boolean waits() {
            return writes();
        }
    }

    /** No episode takes the alert: open episode {@code number} as record {@code name} with this decision. */
    public record Open(String name, int number, Decision decision) implements Step {
        public boolean writes() {
            return true;
        }
    }

    /** Another replica claimed the episode and has not written its decision yet: wait for it, then look again. */
    public record AwaitWinner(RemediationRecord episode) implements Step {
        public boolean waits() {
            return true;
        }
    }

    /** The episode is being run or its decision is being carried out: the alert joins it ({@code EPISODE_OPEN}). */
    public record Fold(RemediationRecord episode) implements Step {
    }

    /** An instance the episode decided for good arrives again ({@code DUPLICATE_ALERT}): counted. */
    public record Resend(RemediationRecord episode) implements Step {
    }

    /** The episode's transient refusal, reached again for the same reason: counted. */
    public record RepeatRefusal(RemediationRecord episode, Decision decision) implements Step {
    }

    /** The decision on an open episode changes, or a dead replica's claim is taken over: written. */
    public record Redecide(RemediationRecord episode, Decision decision) implements Step {
        public boolean writes() {
            return true;
        }
    }

    /** The last firing instance of a transiently refused episode resolved: the episode is {@code CLEARED}. */
    public record Clear(RemediationRecord episode) implements Step {
        public boolean writes() {
            return true;
        }
    }

    /** An instance resolved; {@code episode} is null when there is none, {@code wasFiring} when it listed the instance. */
    public record Resolved(RemediationRecord episode, boolean wasFiring) implements Step {
    }

    /** After the episode ended, while the policy refuses for a transient reason: folded into its trail. */
    public record FoldLate(RemediationRecord episode, Decision decision, boolean repeated) implements Step {
    }

    /**
     * The step for one alert instance ({@code instanceId}, firing or resolved) given the latest episode of its
     * rule and target ({@code latest}, null when there was none), at {@code now}.
     */
    public static Step next(RemediationRecord latest, String rule, String targetKey, String instanceId, boolean firing, Instant now,
                            Policy policy) {
        RemediationRecord ep = latest;
        if (!firing) {
            if (ep != null && ep.transientRefusal() && lastFiring(ep, instanceId)) {
                return new Clear(ep);
            }
            // Kept for ended episodes too: whether an instance still fires is what ties a rebuilt window to it.
            return new Resolved(ep, ep != null && ep.status.alerts.firing.contains(instanceId));
        }
        if (ep == null) {
            String name = recordName(rule, targetKey, 1);
            return new Open(name, 1, policy.decide(name));
        }
        if (ep.knows(instanceId) && !ep.transientRefusal() && ep.status.phase != Phase.EVALUATING) {
            return new Resend(ep);
        }
        if (!ep.open()) {
            // A new instance after the episode ended: while the policy refuses it for a transient reason (the
            // cooldown after this very run, a rate limit, a hold) it folds into the ended episode; once the
            // policy would act, it opens the next episode.
            int number = ep.spec.episode + 1;
            String name = recordName(rule, targetKey, number);
            Decision d = policy.decide(name);
            if (d.outcome() == Outcome.REFUSE && d.reason().isTransient()) {
                return new FoldLate(ep, d, ep.status.alerts.late.contains(instanceId));
            }
            return new Open(name, number, d);
        }
        if (ep.status.phase == Phase.EVALUATING && ep.status.decision == null) {
            if (!ep.createdAt.plus(STALE_CLAIM).isBefore(now)) {
                return new AwaitWinner(ep);
            }
            return new Redecide(ep, policy.decide(ep.name)); // its claimant died before deciding
        }
        if (ep.status.phase.active() || ep.status.phase == Phase.EVALUATING) {
            return new Fold(ep);
        }
        // Refused for a transient reason: a new instance or a re-send is decided again.
        Decision d = policy.decide(ep.name);
        if (d.outcome() == Outcome.REFUSE && ep.status.decision != null && d.reason().name().equals(ep.status.decision.reason)) {
            return new RepeatRefusal(ep, d);
        }
        return new Redecide(ep, d);
    }

    /** Whether {@code id} is the episode's only firing instance (or none is listed, and the list is complete). */
    static boolean lastFiring(RemediationRecord r, String id) {
        var firing = r.status.alerts.firing;
        return !r.status.alerts.overflow && (firing.isEmpty() || firing.size() == 1 && firing.contains(id));
    }

    /** Same rule, target and episode number: the same name on every replica, so one episode is one record. */
    public static String recordName(String rule, String targetKey, int episode) {
        String prefix = rule.length() > 40 ? rule.substring(0, 40).replaceAll("-+$", "") : rule;
        return prefix + "-" + Hashes.sha256Hex(rule + "\n" + targetKey) + "-" + episode;
    }
}
