package io.autonova.remediator.engine;

import io.autonova.remediator.fixtures.ClusterFixtures;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Verification checks the template, not only that a rollout completed: when self-heal or CI puts the bad release back
 * (or deploys another) while the run verifies, the run fails with TEMPLATE_CHANGED and holds the target.
 */
@EnableKubernetesMockClient(crud = true)
class TemplateMovedAwayTest {

    KubernetesClient client;

    @Test
    void aRollbackUndoneDuringVerificationIsNotASuccess() {
        for (int variant = 2; variant <= 3; variant++) {
            EngineHarness h = new EngineHarness(client);
            String ns = h.namespace();
            h.deploy(ns, "api", 3, Map.of());
            String name = h.admit(ns, "api", "immediate-rollback", null);
            Reconciler a = h.replica("a", 0, 0);
            h.lagging = true; // the rollout is still going on when the template changes again
            for (int i = 0; i < 40 && h.record(name).step("verify-rollout") == null; i++) {
                a.reconcile(name);
                h.playControllers();
            }
            assertEquals(ClusterFixtures.image("api", 2), h.image(ns, "api"), "rolled back");
            // variant 3: the bad release is back (self-heal); variant 2... another release altogether.
            String image = variant == 3 ? ClusterFixtures.image("api", 3) : "registry.local/api:hotfix";
            var d = h.deployment(ns, "api");
            d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(image);
            client.apps().deployments().inNamespace(ns).resource(d).update();
            h.lagging = false;
            assertEquals("done", h.drive(a, name, 40));
            RemediationRecord r = h.record(name);
            assertEquals(Phase.FAILED, r.status.phase, r.status.message);
            assertEquals("TEMPLATE_CHANGED", r.status.failureReason);
            assertTrue(r.status.message.contains(variant == 3 ? "the release rolled back from is back" : "another template"), r.status.message);
            assertNotNull(h.store.target(ns + "/api").value().state().hold(), "a human decides");
        }
    }
}
