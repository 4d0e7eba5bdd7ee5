package io.autonova.remediator.scenarios;

import com.fasterxml.jackson.databind.JsonNode;
import io.autonova.remediator.fixtures.ClusterFixtures;
import io.autonova.remediator.domain.Json;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RolloutUndoTest {

    private final ClusterFixtures.History h = ClusterFixtures.history("prod", "checkout", 3, Map.of(),
            Map.of("kubectl.kubernetes.io/last-applied-configuration", "{}"));

    @Test
    void picksThePreviousRevisionAndCopiesItsTemplateWithoutTheHash() throws Exception {
        RolloutUndo.Plan plan = RolloutUndo.plan(h.deployment(), h.replicaSets(), 0);
        assertEquals(RolloutUndo.Kind.PATCH, plan.kind());
        assertEquals(3, plan.fromRevision());
        assertEquals(2, plan.toRevision());
        JsonNode ops = Json.MAPPER.readTree(plan.jsonPatch());
        assertEquals("test", ops.get(0).get("op").asText());
        assertEquals(h.deployment().getMetadata().getUid(), ops.get(0).get("value").asText());
        JsonNode template = ops.get(1).get("value");
        assertEquals("/spec/template", ops.get(1).get("path").asText());
        assertEquals(ClusterFixtures.image("checkout", 2), template.at("/spec/containers/0/image").asText());
        assertFalse(template.at("/metadata/labels").has("pod-template-hash"));
        JsonNode annotations = ops.get(2).get("value");
        assertEquals("3", annotations.get("deployment.kubernetes.io/revision").asText(), "kubectl keeps the Deployment's revision annotation");
        assertEquals("{}", annotations.get("kubectl.kubernetes.io/last-applied-configuration").asText());
        assertFalse(annotations.has("deployment.kubernetes.io/desired-replicas"), "skipped annotations are not copied from the ReplicaSet");
    }

    @Test
    void honoursToRevision() {
        RolloutUndo.Plan plan = RolloutUndo.plan(h.deployment(), h.replicaSets(), 1);
        assertEquals(1, plan.toRevision());
        assertTrue(plan.jsonPatch().contains(ClusterFixtures.image("checkout", 1)));
        RolloutUndo.Plan missing = RolloutUndo.plan(h.deployment(), h.replicaSets(), 7);
        assertEquals(RolloutUndo.Kind.REFUSED, missing.kind());
        assertTrue(missing.message().contains("unable to find specified revision 7"));
    }

    @Test
    void refusesAPausedDeployment() {
        Deployment paused = new DeploymentBuilder(h.deployment()).editSpec().withPaused(true).endSpec().build();
        RolloutUndo.Plan plan = RolloutUndo.plan(paused, h.replicaSets(), 0);
        assertEquals(RolloutUndo.Kind.REFUSED, plan.kind());
        assertTrue(plan.message().contains("paused"));
    }

    @Test
    void refusesWithoutAnEarlierRevision() {
        ClusterFixtures.History single = ClusterFixtures.history("prod", "new", 1, Map.of(), Map.of());
        RolloutUndo.Plan plan = RolloutUndo.plan(single.deployment(), single.replicaSets(), 0);
        assertEquals(RolloutUndo.Kind.REFUSED, plan.kind());
        assertTrue(plan.message().contains("no rollout history found"));
    }

    @Test
    void ignoresReplicaSetsItDoesNotControl() {
        List<ReplicaSet> sets = new ArrayList<>(h.replicaSets());
        // An orphan with a higher revision and the same labels: kubectl ignores it, so must we.
        sets.add(new ReplicaSetBuilder(h.replicaSets().get(0)).editMetadata().withName("checkout-orphan").withOwnerReferences()
                .addToAnnotations("deployment.kubernetes.io/revision", "9").endMetadata().build());
        RolloutUndo.Plan plan = RolloutUndo.plan(h.deployment(), sets, 0);
        assertEquals(2, plan.toRevision());
    }

    @Test
    void doesNothingWhenTheTemplateAlreadyMatches() {
        Deployment atTwo = new DeploymentBuilder(h.deployment()).editSpec().withTemplate(ClusterFixtures.template("checkout", 2, null)).endSpec().build();
        RolloutUndo.Plan plan = RolloutUndo.plan(atTwo, h.replicaSets(), 0);
        assertEquals(RolloutUndo.Kind.ALREADY_AT_REVISION, plan.kind());
        assertTrue(plan.message().contains("current template already matches revision 2"));
    }

    @Test
    void rolloutStatusFollowsKubectl() {
        assertEquals(RolloutStatus.State.COMPLETE, RolloutStatus.evaluate(h.deployment()).state());
        Deployment unobserved = new DeploymentBuilder(h.deployment()).editMetadata().withGeneration(4L).endMetadata().build();
        assertEquals(RolloutStatus.State.PROGRESSING, RolloutStatus.evaluate(unobserved).state());
        Deployment updating = new DeploymentBuilder(h.deployment()).editStatus().withUpdatedReplicas(1).endStatus().build();
        assertTrue(RolloutStatus.evaluate(updating).message().contains("1 out of 2 new replicas"));
        Deployment oldPending = new DeploymentBuilder(h.deployment()).editStatus().withReplicas(3).endStatus().build();
        assertTrue(RolloutStatus.evaluate(oldPending).message().contains("old replicas are pending termination"));
        Deployment unavailable = new DeploymentBuilder(h.deployment()).editStatus().withAvailableReplicas(1).endStatus().build();
        assertEquals(RolloutStatus.State.PROGRESSING, RolloutStatus.evaluate(unavailable).state());
        Deployment stuck = new DeploymentBuilder(h.deployment()).editStatus().editFirstCondition().withReason("ProgressDeadlineExceeded")
                .endCondition().endStatus().build();
        assertEquals(RolloutStatus.State.FAILED, RolloutStatus.evaluate(stuck).state());
    }
}
