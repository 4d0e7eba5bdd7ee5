package io.autonova.remediator.engine;

import io.autonova.remediator.fixtures.ClusterFixtures;
import io.autonova.remediator.scenarios.RolloutUndo;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A run undoes the change its record names, fixed when it was decided: it goes back to the revision that change came
 * from (found by template: numbers move on), and if the Deployment no longer runs that change's result (a fix was
 * deployed, or someone undid it) it stops before any write.
 */
@EnableKubernetesMockClient(crud = true)
class ChangeNamedByRecordTest {

    KubernetesClient client;
    EngineHarness h;
    String ns;

    @BeforeEach
    void deployThreeRevisions() {
        h = new EngineHarness(client);
        ns = h.namespace();
        h.deploy(ns, "api", 3, Map.of());
    }

    private static String name(EngineHarness h, String ns, String fromTemplate, String toTemplate) {
        String name = h.admit(ns, "api", "immediate-rollback", null);
        RemediationRecord r = h.record(name).copy();
        r.spec.change = new RemediationRecord.ChangeRef();
        r.spec.change.kind = "release";
        r.spec.change.from = "revision ?";
        r.spec.change.to = "revision 3";
        r.spec.change.fromRef = fromTemplate;
        r.spec.change.toRef = toTemplate;
        h.store.update(r);
        return name;
    }

    @Test
    void theRunGoesBackToTheRevisionTheChangeCameFrom() {
        String current = RolloutUndo.templateHash(h.deployment(ns, "api").getSpec().getTemplate());
        // Revision 2 was, say, a release nobody undoes automatically: the change the alert is about came from revision 1.
        String name = name(h, ns, RolloutUndo.templateHash(ClusterFixtures.template("api", 1, null)), current);
        assertEquals("done", h.drive(h.replica("a", 0, 0), name, 300));
        assertEquals(Phase.SUCCEEDED, h.record(name).status.phase, h.record(name).status.message);
        assertEquals(ClusterFixtures.image("api", 1), h.image(ns, "api"), "not the previous revision: the one the change came from");
    }

    @Test
    void aDeploymentThatChangedSinceTheDecisionIsLeftAlone() {
        String name = name(h, ns, RolloutUndo.templateHash(ClusterFixtures.template("api", 1, null)),
                RolloutUndo.templateHash(ClusterFixtures.template("api", 2, null)));
        h.drive(h.replica("a", 0, 0), name, 300);
        RemediationRecord r = h.record(name);
        assertEquals(Phase.FAILED, r.status.phase);
        assertEquals(FailureReason.CHANGED_SINCE_ALERT.name(), r.status.failureReason, r.status.message);
        assertEquals(ClusterFixtures.image("api", 3), h.image(ns, "api"), "nothing was written");
    }

    @Test
    void theRevisionTheChangeCameFromIsGone() {
        String current = RolloutUndo.templateHash(h.deployment(ns, "api").getSpec().getTemplate());
        String name = name(h, ns, "a-template-no-replicaset-has", current);
        h.drive(h.replica("a", 0, 0), name, 300);
        RemediationRecord r = h.record(name);
        assertEquals(FailureReason.NO_EARLIER_REVISION.name(), r.status.failureReason, r.status.message);
        assertEquals(ClusterFixtures.image("api", 3), h.image(ns, "api"));
    }
}
