package io.autonova.remediator.engine;

import io.autonova.remediator.state.StateStore;
import io.autonova.remediator.state.TargetRecord;
import io.autonova.remediator.state.Versioned;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * client-go's leader-election rules for the target Leases: another replica's Lease is taken only after this replica has
 * seen it unrenewed for a whole lease duration by its own clock (skew cannot make an early takeover), and a holder whose
 * view is stale (paused, partitioned) makes a fenced write before acting and does not act once the Lease is lost.
 */
@EnableKubernetesMockClient(crud = true)
class LeaseRulesTest {

    KubernetesClient client;

    /** A clock {@code offset} ahead of the harness's. */
    static Clock skewed(EngineHarness h, Duration offset) {
        return new EngineHarness.MutableClock() {
            @Override
            public Instant instant() {
                return h.clock.now.plus(offset);
            }
        };
    }

    private String runningOn(EngineHarness h, Reconciler a) {
        return runningOn(h, a, "verify-rollout");
    }

    /** A run of {@code a}, driven until {@code step} is its next (or current) one. */
    private String runningOn(EngineHarness h, Reconciler a, String step) {
        String ns = h.namespace();
        h.deploy(ns, "api", 3, Map.of());
        String name = h.admit(ns, "api", "immediate-rollback", null);
        h.lagging = true; // the rollout never completes: the run stays in verification
        String before = step.equals("rollback-deployment") ? "plan-rollback" : step;
        for (int i = 0; i < 20 && h.record(name).step(before) == null; i++) {
            a.reconcile(name);
            h.playControllers();
        }
        assertEquals("a", h.store.target(ns + "/api").value().holder());
        return name;
    }

    @Test
    void aReplicaWhoseClockIsAheadDoesNotTakeALiveLease() {
        EngineHarness h = new EngineHarness(client);
        Reconciler a = h.replica("a", 0, 0);
        String name = runningOn(h, a);
        String key = h.record(name).targetKey();
        Reconciler b = h.replica("b", h.store, skewed(h, Duration.ofSeconds(60)));
        int writes = h.clusterWrites.get();
        for (int i = 0; i < 5; i++) {
            b.reconcile(name);
            h.clock.now = h.clock.now.plusSeconds(2);
            a.renew(key, name); // a is alive and renews
        }
        assertEquals("a", h.store.target(key).value().holder(), "60 s of skew is not 60 s of silence");
        assertEquals(writes, h.clusterWrites.get());
        // a stops renewing: b, looking every second, takes over once it has seen no renewal for a lease duration by its own clock.
        Instant lastRenewal = h.clock.now;
        while (!"b".equals(h.store.target(key).value().holder()) && h.clock.now.isBefore(lastRenewal.plusSeconds(60))) {
            h.clock.now = h.clock.now.plusSeconds(1);
            b.reconcile(name);
        }
        assertEquals("b", h.store.target(key).value().holder());
        long silent = Duration.between(lastRenewal, h.clock.now).toSeconds();
        org.junit.jupiter.api.Assertions.assertTrue(silent >= EngineHarness.LEASE.toSeconds() && silent <= EngineHarness.LEASE.toSeconds() + 3, "took over after " + silent + " s");
    }

    @Test
    void aHolderWithAStaleViewDoesNotActAfterLosingItsLease() {
        EngineHarness h = new EngineHarness(client);
        Reconciler a = h.replica("a", 0, 0);
        String name = runningOn(h, a, "rollback-deployment"); // its next step writes to the Deployment
        String key = h.record(name).targetKey();
        // a's cache freezes (SIGSTOP, a partition): it keeps seeing itself as the holder, renewed just now.
        AtomicBoolean frozen = new AtomicBoolean(true);
        TargetRecord seen = h.store.target(key).value().acquiredBy("a", name, h.clock.now, EngineHarness.LEASE);
        Versioned<TargetRecord> stale = new Versioned<>(seen, h.store.target(key).version());
        StateStore aView = (StateStore) Proxy.newProxyInstance(StateStore.class.getClassLoader(), new Class<?>[]{StateStore.class}, (p, m, args) -> {
            if (frozen.get() && m.getName().equals("target") && key.equals(args[0])) {
                return stale;
            }
            try {
                return m.invoke(h.store, args);
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
            }
        });
        Reconciler paused = h.replica("a", aView, h.clock);
        // Meanwhile b took the Lease over (a was silent for longer than the lease, as b saw it).
        var t = h.store.target(key);
        h.store.replaceTarget(t, t.value().acquiredBy("b", name, h.clock.now, EngineHarness.LEASE));
        int writes = h.clusterWrites.get();
        paused.reconcile(name);
        h.playControllers();
        paused.reconcile(name);
        assertEquals(writes, h.clusterWrites.get(), "no cluster write on a Lease that is no longer this replica's");
        assertEquals("b", h.store.target(key).value().holder());
    }
}
