package io.autonova.remediator.pipeline;

import io.autonova.remediator.policy.Decision;
import io.autonova.remediator.policy.DecisionInput;
import io.autonova.remediator.policy.GlobalState;
import io.autonova.remediator.policy.Outcome;
import io.autonova.remediator.policy.PolicyEngine;
import io.autonova.remediator.policy.PolicyState;
import io.autonova.remediator.policy.TargetState;
import io.autonova.remediator.state.Cas;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import io.autonova.remediator.state.StateStore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The admit stage: a decision to act, taken on the caches, is made good against the newest shared state
 * (exact limits across replicas, by conditional writes), then the target's state. Admissions are keyed by
 * record name, so a retry after a crash or a conflict never counts twice.
 */
final class Admission {

    /** How a decision is taken again on newer state: the policy's, or a forced run's. */
    interface Decider {
        Decision decide(DecisionInput in, PolicyState state, String record, Instant at);
    }

    /** The decision to admit and the state it was taken on. */
    record Decided(DecisionInput input, PolicyState state, Decision decision, Instant at) {
    }

    private final Clock clock;
    /** One writer of the shared state per replica at a time: its threads never conflict with each other... */
    private final java.util.concurrent.locks.ReentrantLock turn = new java.util.concurrent.locks.ReentrantLock();
    /** ...and whoever has the turn admits everyone waiting for it, with one write (a storm's admissions otherwise queue one by one). */
    private final java.util.concurrent.ConcurrentLinkedQueue<Waiting> waiting = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** An admission waiting for the turn, and its result once a turn decided it. */
    private static final class Waiting {
        final Decided first;
        final String record;
        final Duration keep;
        final Decider decider;
        final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        volatile Decision decided;
        volatile RuntimeException failed;

        Waiting(Decided first, String record, Duration keep, Decider decider) {
            this.first = first;
            this.record = record;
            this.keep = keep;
            this.decider = decider;
        }
    }

    Admission(Clock clock) {
        this.clock = clock;
    }

    /**
     * The decision that holds for {@code record}: the one taken on the caches while the shared state, the target's
     * state and the pauses it read are still current (the policy decides once), else decided again on the newest.
     */
    Decision admit(StateStore store, Decided first, String record, Duration keep, Duration keepTarget) {
        return admit(store, first, record, keep, keepTarget, PolicyEngine::decide);
    }

    Decision admit(StateStore store, Decided first, String record, Duration keep, Duration keepTarget, Decider decider) {
        DecisionInput in = first.input();
        Decision refused = refusedNow(store, first, record, decider);
        if (refused != null) {
            return refused;
        }
        Waiting me = new Waiting(first, record, keep, decider);
        waiting.add(me);
        long a0 = System.nanoTime();
        boolean interrupted = false;
        // Never given up once queued: a turn may admit it, and only this caller writes the decision on the record.
        while (me.done.getCount() > 0) {
            if (turn.tryLock()) {
                try {
                    RemediationPipeline.trace("admit-lock", a0);
                    long a1 = System.nanoTime();
                    admitWaiting(store);
                    RemediationPipeline.trace("admit", a1);
                } finally {
                    turn.unlock();
                }
            } else {
                try {
                    me.done.await(1, java.util.concurrent.TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (me.failed != null) {
            throw me.failed;
        }
        Decision d = me.decided;
        if (d.outcome() != Outcome.REFUSE) {
            Cas.update("the state of " + in.targetKey(), () -> store.target(in.targetKey()), () -> store.fetchTarget(in.targetKey()),
                    store::replaceTarget, t -> {
                        TargetState next = PolicyEngine.admit(t.state(), in, d, record, clock.instant(), keepTarget);
                        return next == t.state() ? t : t.withState(next);
                    });
        }
        return d;
    }

    /** Admissions waiting for the turn now. */
    int waiting() {
        return waiting.size();
    }

    /**
     * With the turn: decides every waiting admission in order, each on the shared state as the ones before it left it,
     * and writes the result once (a conflict with another replica decides them all again on the newest state).
     */
    private void admitWaiting(StateStore store) {
        List<Waiting> batch = new ArrayList<>();
        for (Waiting w = waiting.poll(); w != null; w = waiting.poll()) {
            batch.add(w);
        }
        if (batch.isEmpty()) {
            return;
        }
        Decision[] decided = new Decision[batch.size()];
        RuntimeException[] failed = new RuntimeException[batch.size()];
        try {
            Cas.update("the shared policy state", store::global, store::fetchGlobal, store::replaceGlobal, g -> {
                GlobalState state = g;
                for (int i = 0; i < batch.size(); i++) {
                    Waiting w = batch.get(i);
                    DecisionInput in = w.first.input();
                    failed[i] = null;
                    try {
                        TargetState target = store.target(in.targetKey()).value().state();
                        PolicyState now = new PolicyState(store.pauses(), target, state);
                        boolean unchanged = w.first.decision().outcome() != Outcome.REFUSE && now.sameAs(w.first.state());
                        Instant at = unchanged ? w.first.at() : clock.instant();
                        // Entries of runs that ended without giving their slot back (a dead replica) are pruned first; that
                        // only ever frees room, so a decision to act taken before the pruning still holds after it.
                        GlobalState pruned = state.withoutStale(r -> stillActive(store, r, w.record));
                        decided[i] = unchanged ? w.first.decision() : w.decider.decide(in, new PolicyState(now.pauses(), target, pruned), w.record, at);
                        state = PolicyEngine.admit(pruned, in, decided[i], w.record, at, w.keep);
                    } catch (RuntimeException e) {
                        failed[i] = e; // its own failure (a cache not ready for its gate): the others are still admitted
                    }
                }
                return state.equals(g) ? g : state;
            });
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).decided = decided[i];
                batch.get(i).failed = failed[i];
            }
        } catch (RuntimeException e) {
            batch.forEach(w -> w.failed = e);
        } finally {
            batch.forEach(w -> w.done.countDown());
        }
    }

    /**
     * The decision on the state cached now, when it is a refusal: a storm's decisions to act, taken before the first
     * admissions spent the limits, are refused here rather than queued for the turn one by one. A refusal takes nothing
     * from the shared state, and the turn would read this same cache; like every refusal taken on the caches, it may be
     * a moment behind another replica freeing a slot. Null when the decision still acts: only the turn admits.
     */
    private Decision refusedNow(StateStore store, Decided first, String record, Decider decider) {
        DecisionInput in = first.input();
        GlobalState g = store.global().value();
        TargetState target = store.target(in.targetKey()).value().state();
        PolicyState now = new PolicyState(store.pauses(), target, g);
        if (first.decision().outcome() == Outcome.REFUSE || now.sameAs(first.state())) {
            return null;
        }
        GlobalState pruned = g.withoutStale(r -> stillActive(store, r, record));
        Decision d = decider.decide(in, new PolicyState(now.pauses(), target, pruned), record, clock.instant());
        return d.outcome() == Outcome.REFUSE ? d : null;
    }

    /** An in-flight entry is live unless its record is known and no longer running (or never started). */
    private static boolean stillActive(StateStore store, String recordName, String deciding) {
        if (recordName.equals(deciding)) {
            return true;
        }
        Optional<RemediationRecord> r = store.record(recordName);
        return r.isEmpty() || r.get().status.phase.active() || r.get().status.phase == Phase.EVALUATING;
    }
}
