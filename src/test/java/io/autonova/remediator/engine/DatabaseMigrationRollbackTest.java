package io.autonova.remediator.engine;

import io.autonova.remediator.fixtures.ClusterFixtures;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
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
 * Scenario 4 against the CRUD mock with the Deployment, pod and Job controllers played: where the undo comes
 * from, that the app is stopped while it runs, the app never left at zero, abort at every step, a crash at
 * every write, and nothing else touched.
 */
@EnableKubernetesMockClient(crud = true)
class DatabaseMigrationRollbackTest {

    static final String SCENARIO = "database-migration-rollback";
    KubernetesMockServer server;
    KubernetesClient client;
    EngineHarness h;

    @BeforeEach
    void setUp() {
        h = new EngineHarness(client);
    }

    /** The undo Job a release ships: suspended, labelled for its Deployment, annotated with the image it belongs to. */
    private void shipUndoJob(String ns, int revision) {
        client.batch().v1().jobs().inNamespace(ns).resource(new JobBuilder().withNewMetadata().withName("orders-undo-v1-" + revision)
                .addToLabels("autonova.io/migration-undo-for", "orders")
                .addToAnnotations("autonova.io/undoes-image", ClusterFixtures.image("orders", revision)).endMetadata()
                .withNewSpec().withSuspend(true).withBackoffLimit(6).withNewPodFailurePolicy().addNewRule().withAction("Ignore").addNewOnPodCondition()
                .withType("DisruptionTarget").withStatus("True").endOnPodCondition().endRule().endPodFailurePolicy().withNewTemplate().withNewMetadata().addToLabels("app", "orders-migrate").endMetadata()
                .withNewSpec().withRestartPolicy("Never").addNewContainer().withName("flyway").withImage("flyway/flyway:10")
                .withArgs("undo", "-target=41").endContainer().endSpec().endTemplate().endSpec().build()).create();
    }

    private String[] setUpRun(Map<String, String> parameters, boolean shipUndo) {
        String ns = h.namespace();
        h.deploy(ns, "orders", 3, Map.of());
        h.playControllers(); // the app's pods are there
        if (shipUndo) {
            shipUndoJob(ns, 3);
            shipUndoJob(ns, 2); // an older release's undo: must not be picked
        }
        return new String[]{ns, h.admit(ns, "orders", SCENARIO, null, parameters)};
    }

    private Job created(String ns) {
        List<Job> ours = client.batch().v1().jobs().inNamespace(ns).withLabel("autonova.io/remediation").list().getItems();
        assertTrue(ours.size() <= 1, "one undo Job per run, found " + ours.size());
        return ours.isEmpty() ? null : ours.get(0);
    }

    private int replicas(String ns) {
        return h.deployment(ns, "orders").getSpec().getReplicas();
    }

    @Test
    void theReleasesOwnUndoRunsWhileTheAppIsStoppedThenTheAppIsRolledBackAtItsSize() {
        String[] run = setUpRun(Map.of("reversible", "true"), true);
        String ns = run[0];
        server.expect().get().withPath("/api/v1/namespaces/" + ns + "/pods/" + "autonova-undo-" + io.autonova.remediator.domain.Hashes.sha256Hex(run[1])
                + "-run/log?pretty=false&limitBytes=8192").andReturn(200, "Connecting to postgres://orders:hunter2@db:5432/orders\nUndoing migration V42 (orders: add column)\nSuccessfully undid 1 migration\n").always();
        long t0 = System.nanoTime();
        assertEquals("done", h.drive(h.replica("a", 0, 0), run[1], 100));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        RemediationRecord r = h.record(run[1]);
        assertEquals(Phase.SUCCEEDED, r.status.phase, r.status.message);
        Job job = created(ns);
        assertNotNull(job);
        assertEquals(0, job.getSpec().getBackoffLimit(), "a half-applied undo never runs twice");
        assertEquals(600L, job.getSpec().getActiveDeadlineSeconds());
        assertEquals("FailJob", job.getSpec().getPodFailurePolicy().getRules().get(1).getAction());
        // A drain or eviction mid-undo fails the Job: the undo never starts a second pod (the release's Ignore rule is not kept).
        var disrupted = job.getSpec().getPodFailurePolicy().getRules().get(0);
        assertEquals("DisruptionTarget", disrupted.getOnPodConditions().get(0).getType());
        assertEquals("FailJob", disrupted.getAction());
        assertTrue(job.getSpec().getPodFailurePolicy().getRules().stream().noneMatch(rule -> rule.getAction().equals("Ignore") || rule.getAction().equals("Count")));
        assertTrue(job.getSpec().getSuspend() == null || !job.getSpec().getSuspend());
        assertEquals(List.of("undo", "-target=41"), job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs(), "the v1.3 release's undo");
        assertEquals(0, h.appPodsWhenJobStarted.get(ns + "/" + job.getMetadata().getName()), "no app pod while the migration is undone");
        assertEquals(ClusterFixtures.image("orders", 2), h.image(ns, "orders"));
        assertEquals(2, replicas(ns), "back at its recorded size");
        assertTrue(r.step("wait-migration-undo").outputs.get("log").contains("Successfully undid 1 migration"), r.step("wait-migration-undo").outputs.toString());
        assertTrue(r.step("wait-migration-undo").outputs.get("log").contains("postgres://orders:<redacted>@db"), "a connection string's password is not kept");
        assertNull(h.store.target(ns + "/orders").value().state().hold());
        List<String> order = r.status.steps.stream().map(s -> s.name).toList();
        assertEquals(List.of("resolve-target", "plan-rollback", "plan-migration-undo", "scale-to-zero", "wait-pods-gone", "run-migration-undo",
                "wait-migration-undo", "rollback-deployment", "scale-back", "verify-rollout"), order);
        System.out.printf("scenario database-migration-rollback end to end: %d ms, %d steps%n", ms, order.size());
    }

    @Test
    void theRulesUndoRunsTheBadReleasesImageWithItsEnvironment() {
        String[] run = setUpRun(Map.of("reversible", "true", "undoImage", "current", "undoCommand", "/app/migrate undo --steps 1"), false);
        assertEquals("done", h.drive(h.replica("a", 0, 0), run[1], 100));
        Job job = created(run[0]);
        var c = job.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals(ClusterFixtures.image("orders", 3), c.getImage(), "the release being rolled back knows its migration");
        assertEquals(List.of("/app/migrate", "undo", "--steps", "1"), c.getCommand());
        assertTrue(job.getSpec().getTemplate().getMetadata().getLabels().keySet().stream().noneMatch(k -> k.equals("app")),
                "the Job's pods are not selected by the app's Deployment");
        assertEquals(Phase.SUCCEEDED, h.record(run[1]).status.phase);
    }

    /** The undo gets the app's credentials; the record (and so the API) never holds them: the Job is made again to run. */
    @Test
    void inlineCredentialsReachTheUndoButNeverTheRecord() throws Exception {
        String ns = h.namespace();
        h.deploy(ns, "orders", 3, spec -> spec.getContainers().get(0).setEnv(java.util.List.of(
                new io.fabric8.kubernetes.api.model.EnvVar("DB_PASSWORD", "hunter2", null))));
        h.playControllers();
        String name = h.admit(ns, "orders", SCENARIO, null, Map.of("reversible", "true", "undoImage", "current", "undoCommand", "migrate undo"));
        server.expect().get().withPath("/api/v1/namespaces/" + ns + "/pods/autonova-undo-" + io.autonova.remediator.domain.Hashes.sha256Hex(name)
                + "-run/log?pretty=false&limitBytes=8192").andReturn(200, "undone with DB_PASSWORD=hunter2\n").always();
        assertEquals("done", h.drive(h.replica("a", 0, 0), name, 100));
        assertEquals(Phase.SUCCEEDED, h.record(name).status.phase, h.record(name).status.message);
        assertEquals("hunter2", created(ns).getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().get(0).getValue(), "the undo has what it needs");
        String stored = io.autonova.remediator.domain.Json.MAPPER.writeValueAsString(h.record(name));
        assertTrue(!stored.contains("hunter2"), "no inline credential in the record: " + stored);
    }

    @Test
    void aFailedUndoBringsTheCurrentVersionBackAndHoldsTheTarget() {
        String[] run = setUpRun(Map.of("reversible", "true"), true);
        h.jobOutcome = "Failed";
        assertEquals("done", h.drive(h.replica("a", 0, 0), run[1], 100));
        RemediationRecord r = h.record(run[1]);
        assertEquals(Phase.FAILED, r.status.phase);
        assertEquals("MIGRATION_UNDO_FAILED", r.status.failureReason);
        assertTrue(r.step("wait-migration-undo").message.contains("PodFailurePolicy"), r.step("wait-migration-undo").message);
        assertNotNull(r.step("wait-migration-undo").outputs.get("log"), "the log is kept even when it failed");
        assertEquals(2, replicas(run[0]), "never left at zero replicas");
        assertEquals(ClusterFixtures.image("orders", 3), h.image(run[0], "orders"), "not rolled back onto a schema in an unknown state");
        assertNotNull(h.store.target(run[0] + "/orders").value().state().hold(), "the target waits for a human");
    }

    @Test
    void withoutAnUndoItFreezesUnlessTheSchemaIsBackwardCompatible() {
        for (Map<String, String> p : List.of(Map.of("reversible", "false"), Map.of("reversible", "true"))) {
            String[] run = setUpRun(p, false);
            int writes = h.clusterWrites.get();
            assertEquals("done", h.drive(h.replica("a", 0, 0), run[1], 50));
            RemediationRecord r = h.record(run[1]);
            assertEquals(Phase.FAILED, r.status.phase, p.toString());
            assertEquals("MIGRATION_NOT_REVERSIBLE", r.status.failureReason);
            assertEquals(writes, h.clusterWrites.get(), p + ": nothing changed in the cluster");
            assertEquals(2, replicas(run[0]));
            assertNotNull(h.store.target(run[0] + "/orders").value().state().hold(), p + ": frozen for a human");
        }
        String[] run = setUpRun(Map.of("reversible", "false", "backwardCompatible", "true"), false);
        assertEquals("done", h.drive(h.replica("a", 0, 0), run[1], 50));
        RemediationRecord r = h.record(run[1]);
        assertEquals(Phase.SUCCEEDED, r.status.phase);
        assertNull(created(run[0]));
        assertEquals(ClusterFixtures.image("orders", 2), h.image(run[0], "orders"));
        assertNull(r.step("scale-to-zero"), "the app is not stopped when no migration is undone");
        assertTrue(r.status.humanActions.stream().anyMatch(a -> a.contains("schema stays at the new version")), r.status.humanActions.toString());
    }

    @Test
    void abortAtEveryStepLeavesTheAppRunningAtItsSize() {
        List<String> steps = List.of("resolve-target", "plan-rollback", "plan-migration-undo", "scale-to-zero", "wait-pods-gone", "run-migration-undo",
                "wait-migration-undo", "rollback-deployment", "scale-back", "verify-rollout");
        List<String> rows = new ArrayList<>();
        for (String at : steps) {
            String[] run = setUpRun(Map.of("reversible", "true"), true);
            Reconciler a = h.replica("a", 0, 0);
            h.jobOutcome = at.equals("wait-migration-undo") ? "" : "Complete"; // the Job runs on until the abort
            for (int i = 0; i < 60 && h.record(run[1]).step(at) == null; i++) {
                a.reconcile(run[1]);
                h.playControllers();
                h.clock.now = h.clock.now.plusSeconds(3);
            }
            assertNotNull(h.record(run[1]).step(at), "reached " + at);
            h.abort(run[1]);
            h.jobOutcome = at.equals("wait-migration-undo") ? "" : "Complete"; // an undo aborted mid-way is still running
            String ended = h.drive(a, run[1], 60);
            RemediationRecord r = h.record(run[1]);
            assertEquals("done", ended, at);
            assertTrue(r.status.phase == Phase.ABORTED || r.status.phase == Phase.SUCCEEDED, at + ": " + r.status.phase);
            assertEquals(2, replicas(run[0]), "abort at " + at + ": the app runs at its size");
            boolean undoStarted = r.step("run-migration-undo") != null && !"pending".equals(r.step("run-migration-undo").phase);
            assertEquals(undoStarted && r.status.phase != Phase.SUCCEEDED, h.store.target(run[0] + "/orders").value().state().hold() != null,
                    "abort at " + at + ": held exactly when the migration undo had started");
            rows.add(at + " -> " + r.status.phase);
        }
        System.out.println("scenario 4 abort table: " + rows);
    }

    /**
     * An undo still running when the run is aborted, or when its wait times out, is stopped (Job deleted, its pods gone)
     * before the app scales back up: the bad release must never start on a schema being changed.
     */
    @Test
    void anUndoStillRunningIsStoppedBeforeTheAppScalesBackUp() {
        for (String end : List.of("abort", "timeout")) {
            String[] run = setUpRun(Map.of("reversible", "true", "migrationTimeout", "5m"), true);
            String ns = run[0];
            Reconciler a = h.replica("a", 0, 0);
            h.jobOutcome = ""; // the undo never ends by itself
            for (int i = 0; i < 60 && !"waiting".equals(java.util.Optional.ofNullable(h.record(run[1]).step("wait-migration-undo")).map(x -> x.phase).orElse(null)); i++) {
                a.reconcile(run[1]);
                h.playControllers();
                h.clock.now = h.clock.now.plusSeconds(3);
            }
            Job job = created(ns);
            assertNotNull(job, end);
            if (end.equals("abort")) {
                h.abort(run[1]);
            } else {
                h.clock.now = h.clock.now.plus(java.time.Duration.ofMinutes(8)); // past the wait's deadline (5m + 2m)
            }
            for (int i = 0; i < 100 && !h.record(run[1]).status.phase.finished(); i++) {
                a.reconcile(run[1]);
                h.playControllers();
                if (replicas(ns) > 0) {
                    assertNull(client.batch().v1().jobs().inNamespace(ns).withName(job.getMetadata().getName()).get(), end + ": the Job is gone before the app scales up");
                    assertTrue(client.pods().inNamespace(ns).withLabel("batch.kubernetes.io/job-name", job.getMetadata().getName()).list().getItems().isEmpty(),
                            end + ": no pod of the undo is left when the app scales up");
                }
                h.clock.now = h.clock.now.plusSeconds(2);
            }
            RemediationRecord r = h.record(run[1]);
            assertEquals(end.equals("abort") ? Phase.ABORTED : Phase.FAILED, r.status.phase, end + ": " + r.status.message);
            if (end.equals("timeout")) {
                assertEquals("TIMED_OUT", r.status.failureReason);
            }
            assertEquals(2, replicas(ns), end + ": back at its size");
            assertEquals(ClusterFixtures.image("orders", 3), h.image(ns, "orders"), end + ": not rolled back onto a schema in an unknown state");
            assertNotNull(h.store.target(ns + "/orders").value().state().hold(), end + ": the target waits for a human");
            RemediationRecord.Step stop = r.status.steps.stream().filter(x -> x.compensation && x.name.equals("stop-migration-undo")).findFirst().orElseThrow();
            assertEquals("succeeded", stop.phase, stop.message);
        }
    }

    /** A release's Job may carry a longer deadline than the rule's timeout: the wait never gives up before the Job itself would. */
    @Test
    void theWaitIsNeverShorterThanTheJobsOwnDeadline() {
        String ns = h.namespace();
        h.deploy(ns, "orders", 3, Map.of());
        h.playControllers();
        client.batch().v1().jobs().inNamespace(ns).resource(new JobBuilder().withNewMetadata().withName("orders-undo-long")
                .addToLabels("autonova.io/migration-undo-for", "orders").addToAnnotations("autonova.io/undoes-image", ClusterFixtures.image("orders", 3)).endMetadata()
                .withNewSpec().withSuspend(true).withActiveDeadlineSeconds(3600L).withNewTemplate().withNewSpec().withRestartPolicy("Never").addNewContainer()
                .withName("flyway").withImage("flyway/flyway:10").withArgs("undo").endContainer().endSpec().endTemplate().endSpec().build()).create();
        String name = h.admit(ns, "orders", SCENARIO, null, Map.of("reversible", "true", "migrationTimeout", "10m"));
        Reconciler a = h.replica("a", 0, 0);
        h.jobOutcome = "";
        for (int i = 0; i < 60 && h.record(name).step("wait-migration-undo") == null; i++) {
            a.reconcile(name);
            h.playControllers();
            h.clock.now = h.clock.now.plusSeconds(3);
        }
        RemediationRecord.Step wait = h.record(name).step("wait-migration-undo");
        assertEquals(3600L, created(ns).getSpec().getActiveDeadlineSeconds(), "the release's own deadline is kept");
        assertEquals(java.time.Duration.ofMinutes(62), java.time.Duration.between(wait.startedAt, wait.deadline));
    }

    /** Deleting the record mid-run (a human tidying up) undoes first: the app is not left at zero replicas, the target is given back. */
    @Test
    void aRecordDeletedWhileTheAppIsStoppedIsUndoneBeforeItGoes() {
        String[] run = setUpRun(Map.of("reversible", "true"), true);
        Reconciler a = h.replica("a", 0, 0);
        for (int i = 0; i < 60 && h.record(run[1]).step("wait-pods-gone") == null; i++) {
            a.reconcile(run[1]);
            h.playControllers();
            h.clock.now = h.clock.now.plusSeconds(3);
        }
        assertEquals(0, replicas(run[0]), "stopped for the undo");
        assertTrue(h.record(run[1]).finalizers.contains(RemediationRecord.FINALIZER), "a running record cannot vanish before its compensations");
        h.store.delete(run[1]);
        assertNotNull(h.record(run[1]).deletionRequestedAt, "still there, marked for deletion");
        for (int i = 0; i < 60 && h.store.record(run[1]).isPresent(); i++) {
            a.reconcile(run[1]);
            h.playControllers();
            h.clock.now = h.clock.now.plusSeconds(3);
        }
        assertTrue(h.store.record(run[1]).isEmpty(), "gone once undone");
        assertEquals(2, replicas(run[0]), "the app runs at its size again");
        assertEquals(ClusterFixtures.image("orders", 3), h.image(run[0], "orders"));
        assertNull(h.store.target(run[0] + "/orders").value().holder(), "the Lease is given back");
        assertTrue(h.store.global().value().inFlight().isEmpty(), "the in-flight slot is given back");
    }

    /** A record removed with its finalizer stripped by hand: nothing can be undone any more, but the target and the slot are freed. */
    @Test
    void aRecordThatIsGoneAnywayFreesItsTargetAndItsSlot() {
        String[] run = setUpRun(Map.of("reversible", "true"), true);
        Reconciler a = h.replica("a", 0, 0);
        for (int i = 0; i < 4; i++) {
            a.reconcile(run[1]);
            h.playControllers();
        }
        assertEquals("a", h.store.target(run[0] + "/orders").value().holder());
        RemediationRecord stripped = h.record(run[1]).copy();
        stripped.finalizers.clear();
        assertTrue(h.store.update(stripped));
        h.store.delete(run[1]);
        assertTrue(h.store.record(run[1]).isEmpty());
        assertTrue(a.runnable().contains(run[1]), "a lost run is looked at");
        assertNull(a.reconcile(run[1]));
        assertNull(h.store.target(run[0] + "/orders").value().run(), "the target is free for the next episode");
        assertNull(h.store.target(run[0] + "/orders").value().holder());
        assertTrue(h.store.global().value().inFlight().isEmpty(), "the global in-flight count is not shrunk for good");
        assertTrue(a.runnable().isEmpty());
    }

    @Test
    void aReplicaKilledAfterAnyWriteIsTakenOverAndTheUndoRunsOnce() {
        int rows = h.crashEveryWrite(() -> setUpRun(Map.of("reversible", "true"), true), (ns, name, row) -> {
            RemediationRecord r = h.record(name);
            assertEquals(Phase.SUCCEEDED, r.status.phase, row + ": " + r.status.message);
            assertNotNull(created(ns), row);
            assertEquals(ClusterFixtures.image("orders", 2), h.image(ns, "orders"), row);
            assertEquals(2, replicas(ns), row);
            assertNull(h.store.target(ns + "/orders").value().holder(), row + ": the Lease is released");
        });
        assertTrue(rows > 20, "rows: " + rows);
        System.out.printf("scenario 4 crash table: %d rows%n", rows);
    }

    @Test
    void nothingElseChanges() {
        String[] run = setUpRun(Map.of("reversible", "true"), true);
        String ns = run[0];
        h.deploy(ns, "payments", 3, Map.of());
        client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns).resource(new HorizontalPodAutoscalerBuilder().withNewMetadata()
                .withName("orders").endMetadata().withNewSpec().withNewScaleTargetRef().withApiVersion("apps/v1").withKind("Deployment").withName("orders")
                .endScaleTargetRef().withMinReplicas(2).withMaxReplicas(10).endSpec().build()).create();
        client.policy().v1().podDisruptionBudget().inNamespace(ns).resource(new PodDisruptionBudgetBuilder().withNewMetadata().withName("orders")
                .endMetadata().withNewSpec().withMinAvailable(new IntOrString(1)).withNewSelector().addToMatchLabels("app", "orders").endSelector()
                .endSpec().build()).create();
        h.playControllers();
        String hpa = client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns).withName("orders").get().getMetadata().getResourceVersion();
        String pdb = client.policy().v1().podDisruptionBudget().inNamespace(ns).withName("orders").get().getMetadata().getResourceVersion();
        String other = h.deployment(ns, "payments").getMetadata().getResourceVersion();
        assertEquals("done", h.drive(h.replica("a", 0, 0), run[1], 100));
        assertEquals(Phase.SUCCEEDED, h.record(run[1]).status.phase);
        assertEquals(hpa, client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns).withName("orders").get().getMetadata().getResourceVersion());
        assertEquals(pdb, client.policy().v1().podDisruptionBudget().inNamespace(ns).withName("orders").get().getMetadata().getResourceVersion());
        assertEquals(other, h.deployment(ns, "payments").getMetadata().getResourceVersion());
        assertTrue(Boolean.TRUE.equals(client.batch().v1().jobs().inNamespace(ns).withName("orders-undo-v1-3").get().getSpec().getSuspend()),
                "the shipped Job itself is left suspended");
    }


    @Test
    void aDryRunWalksThePlanAndChangesNothing() {
        String[] run = setUpRun(Map.of("reversible", "true"), true);
        String dep = h.deployment(run[0], "orders").getMetadata().getResourceVersion();
        String name = h.dryRun(run[0], "orders", SCENARIO, Map.of("reversible", "true"));
        RemediationRecord r = h.record(name);
        assertTrue(r.status.steps.stream().anyMatch(s -> s.name.equals("run-migration-undo") && s.message.contains("would create Job")), r.status.steps.toString());
        assertEquals(dep, h.deployment(run[0], "orders").getMetadata().getResourceVersion());
        assertNull(created(run[0]));
    }
}
