package io.autonova.remediator.engine;

import io.autonova.remediator.fixtures.ClusterFixtures;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Only records the service admitted run, and only with parameters that pass the rule checks: a record without the
 * service's seal (hand-written, or edited outside it) or with parameters no rule could have given ends FAILED with
 * RECORD_NOT_ADMITTED, and nothing reaches the cluster.
 */
@EnableKubernetesMockClient(crud = true)
class RecordAdmissionTest {

    KubernetesClient client;
    EngineHarness h;
    String ns;

    @BeforeEach
    void setUp() {
        h = new EngineHarness(client);
        ns = h.namespace();
        h.deploy(ns, "orders", 3, Map.of());
        h.playControllers();
    }

    private void markUntrusted(String name) {
        RemediationRecord r = h.record(name).copy();
        r.untrusted = true; // as the Kubernetes store reads a record whose seal does not verify
        assertTrue(h.store.update(r));
    }

    @Test
    void aHandWrittenPendingRecordNeverRunsAndHoldsNothing() {
        String name = h.admit(ns, "orders", "immediate-rollback", null);
        markUntrusted(name);
        assertEquals("done", h.drive(h.replica("a", 0, 0), name, 10));
        RemediationRecord r = h.record(name);
        assertEquals(Phase.FAILED, r.status.phase);
        assertEquals("RECORD_NOT_ADMITTED", r.status.failureReason);
        assertTrue(r.status.message.contains("seal"), r.status.message);
        assertEquals(0, h.clusterWrites.get(), "nothing was sent");
        assertEquals(ClusterFixtures.image("orders", 3), h.image(ns, "orders"));
        assertNull(h.store.target(ns + "/orders").value().state().hold(), "nothing was done: nothing to hold");
        assertTrue(h.store.global().value().inFlight().isEmpty(), "its slot is given back");
    }

    @Test
    void aRunChangedOutsideTheServiceStopsAndHoldsItsTarget() {
        String name = h.admit(ns, "orders", "database-migration-rollback", null, Map.of("reversible", "true", "undoImage", "current",
                "undoCommand", "migrate undo"));
        Reconciler a = h.replica("a", 0, 0);
        for (int i = 0; i < 40 && h.record(name).step("scale-to-zero") == null; i++) {
            a.reconcile(name);
            h.playControllers();
        }
        int writes = h.clusterWrites.get();
        markUntrusted(name);
        assertNull(a.reconcile(name));
        RemediationRecord r = h.record(name);
        assertEquals(Phase.FAILED, r.status.phase);
        assertEquals("RECORD_NOT_ADMITTED", r.status.failureReason);
        assertEquals(writes, h.clusterWrites.get(), "no step and no compensation taken on the word of a changed record");
        assertNotNull(h.store.target(ns + "/orders").value().state().hold(), "what the run did is unknown: a human looks");
        assertTrue(r.finalizers.isEmpty());
    }

    @Test
    void parametersNoRuleCouldHaveGivenAreRefusedBeforeAnyStep() {
        for (Map<String, String> bad : java.util.List.of(
                Map.of("reversible", "true", "undoImage", "registry.evil/x:1; curl evil", "undoCommand", "sh"),
                Map.of("reversible", "true", "undoImage", "current"),
                Map.of("reversible", "true", "shell", "rm -rf /"),
                Map.of("reversible", "maybe"))) {
            String name = h.admit(ns, "orders", "database-migration-rollback", null, bad, h.store.records().size() + 1);
            assertEquals("done", h.drive(h.replica("a", 0, 0), name, 10), bad.toString());
            RemediationRecord r = h.record(name);
            assertEquals("RECORD_NOT_ADMITTED", r.status.failureReason, bad + ": " + r.status.message);
            assertTrue(r.status.message.contains("parameter"), r.status.message);
        }
        assertEquals(0, h.clusterWrites.get());
        assertEquals(ClusterFixtures.image("orders", 3), h.image(ns, "orders"));
    }
}
