package io.autonova.remediator.state;

import io.autonova.remediator.policy.Ledger;
import io.autonova.remediator.policy.Pause;
import io.autonova.remediator.policy.PauseScope;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The store's conditional writes against the API server's resourceVersion checks: two replicas never overwrite each other. */
@EnableKubernetesMockClient(crud = true)
class KubernetesStateStoreTest {

    KubernetesMockServer server;
    KubernetesClient client;

    @BeforeEach
    void registerRemediations() {
        server.expectCustomResource(new CustomResourceDefinitionContext.Builder().withGroup("autonova.io").withVersion("v1alpha1")
                .withKind("Remediation").withPlural("remediations").withScope("Namespaced").build());
    }

    @Test
    void aStaleLedgerWriteIsRejected() {
        StateStore replicaA = new KubernetesStateStore(client, "autonova-system", "ledger");
        StateStore replicaB = new KubernetesStateStore(client, "autonova-system", "ledger");
        Versioned<Ledger> readA = replicaA.loadLedger();
        Versioned<Ledger> readB = replicaB.loadLedger();
        Pause p = new Pause("p1", PauseScope.GLOBAL, null, null, "freeze", "sre", Instant.EPOCH, null);
        assertTrue(replicaA.replaceLedger(readA, readA.value().withPause(p, Instant.EPOCH)));
        assertFalse(replicaB.replaceLedger(readB, readB.value()), "B read before A wrote: its write must fail");
        assertEquals(1, replicaB.loadLedger().value().pauses().size());
    }

    @Test
    void aRecordIsCreatedOnceAndStaleUpdatesAreRejected() {
        StateStore store = new KubernetesStateStore(client, "autonova-system", "ledger");
        RemediationRecord r = new RemediationRecord();
        r.name = "rule-0123456789abcdef";
        r.createdAt = Instant.parse("2026-11-26T10:00:00Z");
        r.spec.rule = "rule";
        r.spec.target.namespace = "prod";
        r.spec.target.deployment = "api";
        assertTrue(store.createRecord(r));
        assertFalse(store.createRecord(r), "the same alert is claimed once, whichever replica is first");

        RemediationRecord a = store.getRecord(r.name).orElseThrow();
        RemediationRecord b = store.getRecord(r.name).orElseThrow();
        a.status.suppressedDuplicates = 1;
        assertTrue(store.updateRecord(a));
        b.status.phase = Phase.RUNNING;
        assertFalse(store.updateRecord(b), "b was read before a's update");
        RemediationRecord latest = store.getRecord(r.name).orElseThrow();
        assertEquals(1, latest.status.suppressedDuplicates);
        assertEquals(r.createdAt, latest.createdAt);
        assertEquals("prod", latest.spec.target.namespace);
    }
}
