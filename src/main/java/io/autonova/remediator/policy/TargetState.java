package io.autonova.remediator.policy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Policy state of one target (namespace/deployment), kept on the target's own Lease so that targets never
 * contend with each other. Immutable; bounded: actions are pruned to the longest window that can still
 * count them, and at most {@link #MAX_BAD} known-bad pod templates are remembered.
 *
 * @param actions     automatic (and dry-run) actions admitted on this target, newest last
 * @param consecutive automatic actions in a row: each within the rule's {@code within} of the previous one
 * @param lastActionAt when the last of those consecutive actions was admitted
 * @param badTemplates pod-template hashes this service rolled the target back from: never rolled forward to again automatically
 * @param hold         why the target waits for a human (a run could not be finished or undone safely); null when not held
 */
public record TargetState(List<Action> actions, int consecutive, Instant lastActionAt, List<String> badTemplates, String hold) {

    public static final int MAX_BAD = 10;
    /** A hard ceiling on remembered actions, whatever the windows: the per-target limits stop far below it. */
    public static final int MAX_ACTIONS = 200;
    public static final TargetState EMPTY = new TargetState(List.of(), 0, null, List.of(), null);

    /** One admitted action; {@code record} makes admission idempotent when a decision is retried. */
    public record Action(String record, String rule, Instant at, boolean dryRun) {
    }

    public TargetState {
        actions = actions == null ? List.of() : List.copyOf(actions);
        badTemplates = badTemplates == null ? List.of() : List.copyOf(badTemplates);
    }

    public boolean admitted(String record) {
        return actions.stream().anyMatch(a -> a.record().equals(record));
    }

    /**
     * Adds an admitted action. Executed (not dry-run) actions count toward the consecutive cap: the count
     * restarts at 1 when the previous action is older than {@code within}.
     */
    public TargetState withAction(Action action, Duration keep, Duration within) {
        if (admitted(action.record())) {
            return this;
        }
        List<Action> kept = new ArrayList<>();
        for (Action a : actions) {
            if (a.at().isAfter(action.at().minus(keep))) {
                kept.add(a);
            }
        }
        kept.add(action);
        while (kept.size() > MAX_ACTIONS) {
            kept.remove(0);
        }
        if (action.dryRun()) {
            return new TargetState(kept, consecutive, lastActionAt, badTemplates, hold);
        }
        boolean inARow = lastActionAt != null && !action.at().isAfter(lastActionAt.plus(within));
        return new TargetState(kept, inARow ? consecutive + 1 : 1, action.at(), badTemplates, hold);
    }

    /**
     * The state as if {@code record} had never been admitted (it ended without acting: denied, expired): its action
     * goes, and the consecutive count and last action time step back to the previous action's.
     */
    public TargetState withoutAction(String record) {
        Action gone = actions.stream().filter(a -> a.record().equals(record)).findFirst().orElse(null);
        if (gone == null) {
            return this;
        }
        List<Action> kept = actions.stream().filter(a -> a != gone).toList();
        if (gone.dryRun() || !gone.at().equals(lastActionAt)) {
            return new TargetState(kept, consecutive, lastActionAt, badTemplates, hold);
        }
        Instant previous = kept.stream().filter(a -> !a.dryRun()).map(Action::at).max(Instant::compareTo).orElse(null);
        return new TargetState(kept, Math.max(0, consecutive - 1), previous, badTemplates, hold);
    }

    /** Remembers a template the service judged bad (it rolled back from it). */
    public TargetState withBadTemplate(String templateHash) {
        if (templateHash == null || badTemplates.contains(templateHash)) {
            return this;
        }
        List<String> bad = new ArrayList<>(badTemplates);
        bad.add(templateHash);
        while (bad.size() > MAX_BAD) {
            bad.remove(0);
        }
        return new TargetState(actions, consecutive, lastActionAt, bad, hold);
    }

    /** An operator looked at the target: the consecutive count starts again and any hold is lifted. */
    public TargetState withHoldCleared() {
        return new TargetState(actions, 0, null, badTemplates, null);
    }

    /** Holds the target for a human, with the reason an operator will read. */
    public TargetState withHold(String why) {
        return new TargetState(actions, consecutive, lastActionAt, badTemplates, why);
    }

    public boolean isBad(String templateHash) {
        return templateHash != null && badTemplates.contains(templateHash);
    }
}
