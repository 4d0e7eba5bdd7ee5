package io.autonova.remediator.engine;

import io.autonova.remediator.fixtures.ClusterFixtures;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scenario 3 against the CRUD mock with the Deployment, pod and EndpointSlice controllers played: the whole
 * blue-green path, the order traffic moves in, abort at every step, a crash at every write, nothing else touched.
 */
@EnableKubernetesMockClient(crud = true)
class GradualRollbackTest {

    static final String SCENARIO = "gradual-rollback";
    KubernetesClient client;
    EngineHarness h;

    @BeforeEach
    void setUp() {
        h = new EngineHarness(client);
    }

    private String[] setUpRun(Map<String, String> parameters) {
        String ns = h.namespace();
        h.deploy(ns, "web", 3, Map.of());
        client.services().inNamespace(ns).resource(new ServiceBuilder().withNewMetadata().withName("web").withNamespace(ns).endMetadata()
                .withNewSpec().addToSelector("app", "web").addNewPort().withPort(80).withTargetPort(new IntOrString(8080)).endPort().endSpec().build()).create();
        h.playControllers();
        return new String[]{ns, h.admit(ns, "web", SCENARIO, null, parameters)};
    }

    private Service service(String ns) {
        return client.services().inNamespace(ns).withName("web").get();
    }

    private void assertBackToNormal(String ns, String row) {
        assertEquals(Map.of("app", "web"), service(ns).getSpec().getSelector(), row + ": the original selector");
        assertNull(service(ns).getMetadata().getAnnotations() == null ? null : service(ns).getMetadata().getAnnotations().get("autonova.io/original-selector"), row);
        assertNull(h.deployment(ns, "web-rollback"), row + ": the copy is removed");
        assertEquals(2, h.deployment(ns, "web").getSpec().getReplicas(), row + ": the original at its size");
    }

    @Test
    void thePreviousVersionTakesTheTrafficIsWatchedAndTheOriginalIsRolledBackInPlace() {
        String[] run = setUpRun(Map.of("drain", "30s", "watch", "2m"));
        String ns = run[0];
        String uid = h.deployment(ns, "web").getMetadata().getUid();
        Reconciler a = h.replica("a", 0, 0);
        // Follow the run: when the Service first moves, the copy is fully Ready and the original already scaled down.
        boolean sawSwitch = false;
        long t0 = System.nanoTime();
        for (int i = 0; i < 300 && !h.record(run[1]).status.phase.finished(); i++) {
            var next = a.reconcile(run[1]);
            h.playControllers();
            if (!sawSwitch && service(ns).getSpec().getSelector().containsKey("autonova.io/rollback")) {
                sawSwitch = true;
                assertEquals(2, h.deployment(ns, "web-rollback").getStatus().getReadyReplicas(), "moved only once the copy was Ready");
                assertEquals(ClusterFixtures.image("web", 2), h.image(ns, "web-rollback"), "the copy runs the previous version");
                assertEquals(1, h.deployment(ns, "web").getSpec().getReplicas(), "the bad version scaled down");
                assertTrue(service(ns).getMetadata().getAnnotations().get("autonova.io/original-selector").contains("\"app\":\"web\""),
                        "the original selector is kept on the Service for any replica to restore");
            }
            if (next != null && next.isAfter(h.clock.now)) {
                h.clock.now = next;
            }
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        RemediationRecord r = h.record(run[1]);
        assertEquals(Phase.SUCCEEDED, r.status.phase, r.status.message);
        assertTrue(sawSwitch);
        assertEquals(ClusterFixtures.image("web", 2), h.image(ns, "web"), "the original itself runs the previous version");
        assertEquals(uid, h.deployment(ns, "web").getMetadata().getUid(), "never deleted and re-created");
        assertBackToNormal(ns, "success");
        assertTrue(r.step("check-endpoints").message.contains("all on web-rollback"), r.step("check-endpoints").message);
        var drain = r.step("drain");
        assertTrue(java.time.Duration.between(drain.startedAt, drain.finishedAt).getSeconds() >= 30, "drained 30s before going on");
        System.out.printf("scenario gradual-rollback end to end: %d ms, %d steps%n", ms, r.status.steps.size());
    }

    /** A Service that also fronts another workload's pods (a canary sharing app=web) is not moved: its traffic is not only ours. */
    @Test
    void aServiceThatAlsoSelectsAnotherWorkloadsPodsIsRefused() {
        String[] run = setUpRun(Map.of("service", "web"));
        String ns = run[0];
        client.pods().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName("web-canary-7d9f-x1")
                .addToLabels("app", "web").addToLabels("track", "canary").addNewOwnerReference().withApiVersion("apps/v1").withKind("ReplicaSet")
                .withName("web-canary-7d9f").withUid("uid-canary").withController(true).endOwnerReference().endMetadata()
                .withNewSpec().addNewContainer().withName("web").withImage("registry.local/web-canary:1").endContainer().endSpec().build()).create();
        assertEquals("done", h.drive(h.replica("a", 0, 0), run[1], 40));
        var r = h.record(run[1]);
        assertEquals("SELECTOR_CONFLICT", r.status.failureReason, r.status.message);
        assertTrue(r.status.message.contains("web-canary-7d9f"), r.status.message);
        assertEquals(Map.of("app", "web"), service(ns).getSpec().getSelector(), "the Service was not touched");
        assertNull(h.deployment(ns, "web-rollback"), "no copy was made");
    }

    @Test
    void theCopyIsSizedFromTheAutoscalerAndNeitherItNorThePdbIsCopiedOrChanged() {
        String[] run = setUpRun(Map.of());
        String ns = run[0];
        var hpa = client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns).resource(new HorizontalPodAutoscalerBuilder().withNewMetadata()
                .withName("web").endMetadata().withNewSpec().withNewScaleTargetRef().withApiVersion("apps/v1").withKind("Deployment").withName("web")
                .endScaleTargetRef().withMinReplicas(2).withMaxReplicas(10).endSpec().withNewStatus().withCurrentReplicas(4).withDesiredReplicas(4).endStatus()
                .build()).create();
        client.policy().v1().podDisruptionBudget().inNamespace(ns).resource(new PodDisruptionBudgetBuilder().withNewMetadata().withName("web")
                .endMetadata().withNewSpec().withMinAvailable(new IntOrString(1)).withNewSelector().addToMatchLabels("app", "web").endSelector()
                .endSpec().build()).create();
        h.deploy(ns, "api", 2, Map.of());
        String otherRv = h.deployment(ns, "api").getMetadata().getResourceVersion();
        Reconciler a = h.replica("a", 0, 0);
        for (int i = 0; i < 40 && h.record(run[1]).step("wait-rollback-ready") == null; i++) {
            a.reconcile(run[1]);
            h.playControllers();
        }
        assertEquals(4, h.deployment(ns, "web-rollback").getSpec().getReplicas(), "the HPA's desired count");
        assertEquals("done", h.drive(a, run[1], 400));
        assertEquals(Phase.SUCCEEDED, h.record(run[1]).status.phase, h.record(run[1]).status.message);
        assertEquals(1, client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns).list().getItems().size(), "no HPA copied");
        assertEquals(hpa.getMetadata().getResourceVersion(), client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns).withName("web").get()
                .getMetadata().getResourceVersion());
        assertEquals(1, client.policy().v1().podDisruptionBudget().inNamespace(ns).list().getItems().size(), "no PDB copied");
        assertEquals(otherRv, h.deployment(ns, "api").getMetadata().getResourceVersion(), "other Deployments untouched");
    }

    @Test
    void abortAtEveryStepRestoresTheSizeThenTheSelectorThenDrainsAndRemovesTheCopy() {
        List<String> steps = List.of("resolve-target", "plan-rollback", "plan-gradual-rollback", "create-rollback-deployment", "wait-rollback-ready",
                "scale-bad-down", "switch-service", "check-endpoints", "drain", "watch", "rollback-deployment", "scale-back", "verify-rollout",
                "switch-service-back", "check-endpoints-back", "drain-rollback-deployment", "delete-rollback-deployment");
        List<String> rows = new ArrayList<>();
        for (String at : steps) {
            String[] run = setUpRun(Map.of("watch", "1m"));
            Reconciler a = h.replica("a", 0, 0);
            for (int i = 0; i < 200 && h.record(run[1]).step(at) == null && !h.record(run[1]).status.phase.finished(); i++) {
                var next = a.reconcile(run[1]);
                h.playControllers();
                if (next != null && next.isAfter(h.clock.now)) {
                    h.clock.now = next;
                }
            }
            assertNotNull(h.record(run[1]).step(at), "reached " + at);
            boolean switched = service(run[0]).getSpec().getSelector().containsKey("autonova.io/rollback");
            if (h.record(run[1]).status.phase.active()) {
                h.abort(run[1]);
            }
            // Follow the compensation: traffic moves back only onto a fully Ready original, and the copy drains first.
            java.time.Instant movedBack = null;
            boolean copyChecked = false;
            for (int i = 0; i < 200 && !h.record(run[1]).status.phase.finished(); i++) {
                var next = a.reconcile(run[1]);
                h.playControllers();
                if (switched && movedBack == null && !service(run[0]).getSpec().getSelector().containsKey("autonova.io/rollback")) {
                    movedBack = h.clock.now;
                    var web = h.deployment(run[0], "web");
                    assertEquals(2, web.getSpec().getReplicas(), at + ": scaled back before the Service moved back");
                    assertEquals(2, web.getStatus().getReadyReplicas(), at + ": all Ready before the Service moved back");
                }
                if (movedBack != null && !copyChecked && h.deployment(run[0], "web-rollback") == null) {
                    assertTrue(!h.clock.now.isBefore(movedBack.plusSeconds(30)), at + ": the copy drained 30s after the Service moved back");
                    copyChecked = true;
                }
                if (next != null && next.isAfter(h.clock.now)) {
                    h.clock.now = next;
                }
            }
            assertTrue(h.record(run[1]).status.phase.finished(), at);
            RemediationRecord r = h.record(run[1]);
            assertTrue(r.status.phase == Phase.ABORTED || r.status.phase == Phase.SUCCEEDED, at + ": " + r.status.phase + " " + r.status.message);
            assertBackToNormal(run[0], "abort at " + at);
            List<String> undo = r.status.steps.stream().filter(s -> s.compensation).map(s -> s.name).toList();

            if (undo.contains("restore-replicas") && undo.contains("remove-rollback-deployment")) {
                assertTrue(undo.indexOf("restore-replicas") < undo.indexOf("remove-rollback-deployment"), at + ": the copy goes last: " + undo);
            }
            rows.add(at + " -> " + r.status.phase.name().toLowerCase() + " " + undo);
        }
        System.out.println("scenario 3 abort table: " + rows);
    }

    @Test
    void aReplicaKilledAfterAnyWriteIsTakenOverAndTrafficEndsOnTheRolledBackOriginal() {
        int rows = h.crashEveryWrite(() -> setUpRun(Map.of("watch", "1m")), (ns, name, row) -> {
            RemediationRecord r = h.record(name);
            assertEquals(Phase.SUCCEEDED, r.status.phase, row + ": " + r.status.message);
            assertEquals(ClusterFixtures.image("web", 2), h.image(ns, "web"), row);
            assertBackToNormal(ns, row);
        });
        assertTrue(rows > 30, "rows: " + rows);
        System.out.printf("scenario 3 crash table: %d rows%n", rows);
    }


    @Test
    void aDryRunWalksThePlanAndChangesNothing() {
        String[] run = setUpRun(Map.of());
        String ns = run[0];
        String dep = h.deployment(ns, "web").getMetadata().getResourceVersion();
        String svc = service(ns).getMetadata().getResourceVersion();
        String name = h.dryRun(ns, "web", SCENARIO, Map.of());
        RemediationRecord r = h.record(name);
        // The exact write, not sent; a later step that needs the copy's pods (controllers are not played) is not judged.
        assertTrue(r.status.steps.stream().anyMatch(s -> s.name.equals("create-rollback-deployment")
                && s.message.contains("would create Deployment " + ns + "/web-rollback (not sent)")), r.status.steps.toString());
        assertTrue(r.status.steps.stream().anyMatch(s -> s.name.equals("switch-service") && s.message.startsWith("dry-run: not judged")
                && s.message.contains("no Ready pod of web-rollback")), r.status.steps.toString());
        // Later steps read the withheld writes: the copy deleted at the end is the one the walk "created".
        assertTrue(r.status.steps.stream().anyMatch(s -> s.name.equals("delete-rollback-deployment")
                && s.message.contains("would delete Deployment " + ns + "/web-rollback")), r.status.steps.toString());
        assertEquals(dep, h.deployment(ns, "web").getMetadata().getResourceVersion());
        assertEquals(svc, service(ns).getMetadata().getResourceVersion());
        assertNull(h.deployment(ns, "web-rollback"));
    }
}
