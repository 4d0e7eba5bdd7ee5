package io.autonova.remediator.engine;

import io.autonova.remediator.domain.NamespaceGuard;
import io.autonova.remediator.fixtures.ClusterFixtures;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * A record is not trusted to name a safe target: one written by hand (or edited) aiming at kube-system fails at its
 * first step with TARGET_REFUSED, holds its target, and nothing reaches the cluster.
 */
@EnableKubernetesMockClient(crud = true)
class ProtectedTargetTest {

    KubernetesClient client;

    @Test
    void aRecordAimedAtAProtectedNamespaceFailsWithoutAnyClusterCall() {
        EngineHarness h = new EngineHarness(client);
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("kube-system").endMetadata().build()).create();
        ClusterFixtures.install(client, "kube-system", "coredns", 2, Map.of(), Map.of());
        String before = h.image("kube-system", "coredns");
        String name = h.admit("kube-system", "coredns", "immediate-rollback", null);

        assertEquals("done", h.drive(h.guardedReplica("a", new NamespaceGuard("autonova-system", "argocd", Set.of(), null)), name, 20));

        RemediationRecord r = h.record(name);
        assertEquals(Phase.FAILED, r.status.phase, r.status.message);
        assertEquals("TARGET_REFUSED", r.status.failureReason, r.status.message);
        assertEquals(0, h.clusterWrites.get(), "nothing was sent");
        assertEquals(before, h.image("kube-system", "coredns"));
        assertNotNull(h.store.target("kube-system/coredns").value().state().hold(), "held for a human");
    }
}
