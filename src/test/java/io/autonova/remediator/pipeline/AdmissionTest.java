package io.autonova.remediator.pipeline;

import io.autonova.remediator.policy.Decision;
import io.autonova.remediator.policy.DecisionInput;
import io.autonova.remediator.policy.GlobalState;
import io.autonova.remediator.policy.Outcome;
import io.autonova.remediator.policy.Pause;
import io.autonova.remediator.policy.PauseScope;
import io.autonova.remediator.policy.PolicyEngine;
import io.autonova.remediator.policy.PolicyState;
import io.autonova.remediator.policy.Reason;
import io.autonova.remediator.rules.GlobalLimits;
import io.autonova.remediator.rules.SignalValue;
import io.autonova.remediator.rules.TargetLimits;
import io.autonova.remediator.state.InMemoryStateStore;
import io.autonova.remediator.state.Versioned;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A decision to act taken on the caches before the state changed is decided again before it queues for the replica's
 * admission turn: refused at once when the state now refuses it, while another admission holds the turn.
 */
class AdmissionTest {

    static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");

    private static DecisionInput input(String deployment) {
        return new DecisionInput("high-error-rate", "prod", deployment, true, false, null, SignalValue.missing(), NOW.minusSeconds(600),
                null, TargetLimits.DEFAULTS, GlobalLimits.DEFAULTS, false);
    }

    private static PolicyState stateOf(InMemoryStateStore store, String target) {
        return new PolicyState(store.pauses(), store.target(target).value().state(), store.global().value());
    }

    /** A store whose first write of the shared state waits until released: the admission making it holds the turn meanwhile. */
    static final class HeldStore extends InMemoryStateStore {
        final CountDownLatch inTurn = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final java.util.concurrent.atomic.AtomicInteger writes = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public boolean replaceGlobal(Versioned<GlobalState> read, GlobalState next) {
            if (writes.incrementAndGet() == 1) {
                inTurn.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return super.replaceGlobal(read, next);
        }
    }

    @Test
    void aStaleDecisionThatNowRefusesDoesNotWaitForTheTurn() throws Exception {
        HeldStore store = new HeldStore(); // the admission of "a" holds the turn in its write
        Admission admission = new Admission(Clock.fixed(NOW, ZoneOffset.UTC));
        DecisionInput b = input("b");
        PolicyState beforePause = stateOf(store, "prod/b");
        Decision act = PolicyEngine.decide(b, beforePause, "rec-b", NOW);
        assertEquals(Outcome.EXECUTE, act.outcome());
        store.createPause(new Pause("p1", PauseScope.SERVICE, "prod", "b", "maintenance", "sre", NOW.minusSeconds(1), null));

        DecisionInput a = input("a");
        PolicyState now = stateOf(store, "prod/a");
        CompletableFuture<Decision> first = CompletableFuture.supplyAsync(() -> admission.admit(store,
                new Admission.Decided(a, now, PolicyEngine.decide(a, now, "rec-a", NOW), NOW), "rec-a", Duration.ofHours(1), Duration.ofHours(24)));
        assertTrue(store.inTurn.await(10, TimeUnit.SECONDS), "the admission of a takes the turn");

        CompletableFuture<Decision> second = CompletableFuture.supplyAsync(() -> admission.admit(store,
                new Admission.Decided(b, beforePause, act, NOW), "rec-b", Duration.ofHours(1), Duration.ofHours(24)));
        Decision refused = second.get(10, TimeUnit.SECONDS);
        assertEquals(Reason.PAUSED, refused.reason(), "decided again on the state now, while the turn is still held");
        assertFalse(first.isDone());

        store.release.countDown();
        assertEquals(Outcome.EXECUTE, first.get(10, TimeUnit.SECONDS).outcome());
        assertTrue(store.global().value().inFlight().containsKey("prod/a"));
        assertFalse(store.global().value().inFlight().containsKey("prod/b"), "a refusal takes nothing from the shared state");
    }

    @Test
    void admissionsWaitingForTheTurnAreDecidedInOrderAndWrittenOnce() throws Exception {
        HeldStore store = new HeldStore();
        Admission admission = new Admission(Clock.fixed(NOW, ZoneOffset.UTC));
        PolicyState empty = stateOf(store, "prod/t0");
        java.util.function.IntFunction<CompletableFuture<Decision>> admit = i -> {
            DecisionInput in = input("t" + i);
            return CompletableFuture.supplyAsync(() -> admission.admit(store, new Admission.Decided(in, empty,
                    PolicyEngine.decide(in, empty, "rec-" + i, NOW), NOW), "rec-" + i, Duration.ofHours(1), Duration.ofHours(24)),
                    java.util.concurrent.Executors.newSingleThreadExecutor());
        };
        List<CompletableFuture<Decision>> all = new java.util.ArrayList<>(List.of(admit.apply(0)));
        assertTrue(store.inTurn.await(10, TimeUnit.SECONDS));
        for (int i = 1; i < 30; i++) {
            all.add(admit.apply(i));
            // Each waits before the next is sent: each runs on a thread of its own, so they would otherwise queue in any order.
            for (int wait = 0; wait < 500 && admission.waiting() < i; wait++) {
                Thread.sleep(10);
            }
            assertEquals(i, admission.waiting(), "the others wait for the turn (their state is still the one they decided on)");
        }
        store.release.countDown();
        List<Decision> decided = new java.util.ArrayList<>();
        for (CompletableFuture<Decision> f : all) {
            decided.add(f.get(10, TimeUnit.SECONDS));
        }
        int limit = GlobalLimits.DEFAULTS.maxInFlight();
        assertEquals(limit, decided.stream().filter(d -> d.outcome() == Outcome.EXECUTE).count(), "exactly the limit acts");
        assertTrue(decided.subList(0, limit).stream().allMatch(d -> d.outcome() == Outcome.EXECUTE), "in the order they came");
        assertEquals(limit, store.global().value().inFlight().size());
        assertEquals(2, store.writes.get(), "the first admission's write, then one for the 29 that waited");
    }

    @Test
    void oneAdmissionFailingInATurnFailsAloneAndTheOthersAreAdmitted() throws Exception {
        HeldStore store = new HeldStore();
        Admission admission = new Admission(Clock.fixed(NOW, ZoneOffset.UTC));
        PolicyState empty = stateOf(store, "prod/t0");
        Admission.Decider failing = (in, state, record, at) -> {
            throw new io.autonova.remediator.state.StateStore.StoreUnavailableException("the change timeline's caches are not filled yet", null);
        };
        java.util.function.BiFunction<Integer, Admission.Decider, CompletableFuture<Decision>> admit = (i, decider) -> {
            DecisionInput in = input("t" + i);
            return CompletableFuture.supplyAsync(() -> admission.admit(store, new Admission.Decided(in, empty,
                    PolicyEngine.decide(in, empty, "rec-" + i, NOW), NOW), "rec-" + i, Duration.ofHours(1), Duration.ofHours(24), decider),
                    java.util.concurrent.Executors.newSingleThreadExecutor());
        };
        CompletableFuture<Decision> first = admit.apply(0, PolicyEngine::decide);
        assertTrue(store.inTurn.await(10, TimeUnit.SECONDS));
        CompletableFuture<Decision> broken = admit.apply(1, failing);
        CompletableFuture<Decision> fine = admit.apply(2, PolicyEngine::decide);
        for (int i = 0; i < 500 && admission.waiting() < 2; i++) {
            Thread.sleep(10);
        }
        store.release.countDown();
        assertEquals(Outcome.EXECUTE, first.get(10, TimeUnit.SECONDS).outcome());
        java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                () -> broken.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof io.autonova.remediator.state.StateStore.StoreUnavailableException, e.toString());
        assertEquals(Outcome.EXECUTE, fine.get(10, TimeUnit.SECONDS).outcome(), "decided in the same turn, on its own");
        assertTrue(store.global().value().inFlight().containsKey("prod/t2"));
        assertFalse(store.global().value().inFlight().containsKey("prod/t1"), "nothing taken for the one that failed");
    }

    @Test
    void aDecisionOnTheCurrentStateIsAdmittedAsDecided() {
        InMemoryStateStore store = new InMemoryStateStore();
        Admission admission = new Admission(Clock.fixed(NOW, ZoneOffset.UTC));
        DecisionInput a = input("a");
        PolicyState now = stateOf(store, "prod/a");
        Decision act = PolicyEngine.decide(a, now, "rec-a", NOW);
        assertEquals(act, admission.admit(store, new Admission.Decided(a, now, act, NOW), "rec-a", Duration.ofHours(1), Duration.ofHours(24)));
        assertTrue(store.global().value().inFlight().containsKey("prod/a"));
    }
}
