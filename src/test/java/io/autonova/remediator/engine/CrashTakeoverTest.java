package io.autonova.remediator.engine;

import io.autonova.remediator.fixtures.ClusterFixtures;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "The replica dies here", at every write of scenarios 1 and 2 (Argo CD managed and not): replica A is
 * killed right after its n-th write to the state store or to the cluster; replica B takes the target's
 * Lease over once it expired and finishes. Each row checks the cluster ends where a clean run leaves it,
 * the record is terminal and truthful, the Deployment is patched once, and Argo CD's sync policy is
 * never lost.
 */
@EnableKubernetesMockClient(crud = true)
class CrashTakeoverTest {

    KubernetesMockServer server;
    KubernetesClient client;
    EngineHarness h;

    @BeforeEach
    void setUp() {
        server.expectCustomResource(new CustomResourceDefinitionContext.Builder().withGroup("argoproj.io").withVersion("v1alpha1")
                .withKind("Application").withPlural("applications").withScope("Namespaced").build());
        h = new EngineHarness(client);
    }

    enum Variant {
        IMMEDIATE_KUBECTL("immediate-rollback", false, false), IMMEDIATE_ARGO("immediate-rollback", true, false),
        SELECTIVE_KUBECTL("selective-rollback", false, false), SELECTIVE_ARGO("selective-rollback", true, false),
        /** Through Argo CD, then Git follows: revert pushed to a branch, pull request, merge, automated sync back on. */
        IMMEDIATE_ARGO_GITOPS("immediate-rollback", true, true);

        final String scenario;
        final boolean argo;
        final boolean gitops;

        Variant(String scenario, boolean argo, boolean gitops) {
            this.scenario = scenario;
            this.argo = argo;
            this.gitops = gitops;
        }
    }

    @TempDir
    java.nio.file.Path gitDir;
    /** The good and bad commits of each namespace's Git-backed Application. */
    final Map<String, String[]> commits = new java.util.HashMap<>();

    /** Sets up a target at revision 3 (and its Application when Argo CD manages it); returns the record name. */
    private String setUp(Variant v, String ns) {
        h.deploy(ns, "checkout", 3, v.argo ? Map.of("app.kubernetes.io/instance", "checkout-" + ns) : Map.of());
        if (v.gitops) {
            try {
                if (h.git == null) {
                    h.gitops(gitDir);
                }
                commits.put(ns, h.argoAppFromGit(ns, "checkout-" + ns, "checkout"));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return h.admit(ns, "checkout", v.scenario, null, Map.of("gitops.mode", "pull-request"));
        }
        if (v.argo) {
            h.argoApp(ns, "checkout-" + ns, "checkout", 3);
        }
        return h.admit(ns, "checkout", v.scenario, null);
    }

    private record Counts(int storeWrites, int clusterWrites) {
    }

    /** A clean run, to know how many writes there are to die after. */
    private Counts cleanRun(Variant v) {
        String ns = h.namespace();
        String name = setUp(v, ns);
        int[] storeWrites = {0};
        Reconciler a = h.replica("a", 0, 0);
        int before = h.clusterWrites.get();
        // Count store writes by the versions they leave: every write bumps the in-memory store's version once.
        long v0 = Long.parseLong(h.store.record(name).orElseThrow().resourceVersion);
        assertEquals("done", h.drive(a, name, 200));
        long v1 = Long.parseLong(h.store.record(name).orElseThrow().resourceVersion);
        storeWrites[0] = (int) (v1 - v0);
        assertEnd(v, ns, name);
        return new Counts(storeWrites[0], h.clusterWrites.get() - before);
    }

    private void assertEnd(Variant v, String ns, String name) {
        RemediationRecord r = h.record(name);
        assertEquals(Phase.SUCCEEDED, r.status.phase, v + ": " + r.status.message);
        assertTrue(r.status.steps.stream().noneMatch(s -> "running".equals(s.phase) || "waiting".equals(s.phase)), v + ": every step ended");
        if (v.gitops) {
            assertGitFollowed(ns, name, r);
            return;
        }
        if (v.argo && v.scenario.equals("immediate-rollback")) {
            assertEquals(ClusterFixtures.gitSha(2), r.status.revisionTo);
            Map<?, ?> opState = (Map<?, ?>) ((Map<?, ?>) h.app("checkout-" + ns).get("status")).get("operationState");
            assertEquals(ClusterFixtures.gitSha(2), ((Map<?, ?>) ((Map<?, ?>) opState.get("operation")).get("sync")).get("revision"));
        } else {
            assertEquals(ClusterFixtures.image("checkout", 2), h.image(ns, "checkout"), v + ": rolled back to revision 2");
        }
        if (v.argo) {
            Map<?, ?> syncPolicy = (Map<?, ?>) ((Map<?, ?>) h.app("checkout-" + ns).get("spec")).get("syncPolicy");
            assertNull(syncPolicy.get("automated"), v + ": automated sync stays off after the rollback");
            String saved = r.step("disable-argo-auto-sync").inputs.get("previousAutomated");
            assertTrue(saved != null && saved.contains("selfHeal"), v + ": the replaced sync policy is kept in the record: " + saved);
            assertTrue(Boolean.TRUE.equals(r.status.gitMustFollow), v + ": Git must follow");
        }
        assertNull(h.store.global().value().inFlight().get(ns + "/checkout"), v + ": the target left 'in flight'");
        assertNull(h.store.target(ns + "/checkout").value().holder(), v + ": the Lease is released");
    }

    /** Git agrees once: one revert commit, one pull request, merged; automated sync back on; nothing left for a human. */
    private void assertGitFollowed(String ns, String name, RemediationRecord r) {
        String[] c = commits.get(ns);
        assertEquals(c[0], r.status.revisionTo, "rolled back to the good commit");
        String branch = "autonova/revert-" + name;
        long requests = java.util.stream.LongStream.rangeClosed(1, h.provider.count())
                .filter(n -> branch.equals(h.provider.request(n).path("head").path("ref").asText())).count();
        assertEquals(1, requests, name + ": pull requests opened");
        try {
            String commitsWithTrailer = io.autonova.remediator.fixtures.GitRepo.git(h.git.origin, "log", "--format=%H", "--grep",
                    "Autonova-Remediation: " + name + "$", "main");
            assertEquals(1, commitsWithTrailer.lines().count(), name + ": revert commits on main: " + commitsWithTrailer);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Map<?, ?> syncPolicy = (Map<?, ?>) ((Map<?, ?>) h.app("checkout-" + ns).get("spec")).get("syncPolicy");
        assertEquals(Map.of("prune", true, "selfHeal", true), syncPolicy.get("automated"), name + ": the saved policy is back");
        assertEquals(Boolean.FALSE, r.status.gitMustFollow, name + ": Git agrees again");
        assertNotNull(r.step("await-argo-git-agreement").outputs.get("gitAgreedAt"), name);
        assertNull(h.store.target(ns + "/checkout").value().holder(), name + ": the Lease is released");
    }

    @Test
    void aReplicaKilledAfterAnyWriteIsTakenOverAndTheRunEndsAsACleanRunWould() {
        List<String> rows = new ArrayList<>();
        for (Variant v : Variant.values()) {
            Counts counts = cleanRun(v);
            assertTrue(counts.storeWrites() >= 5 && counts.clusterWrites() >= 1, v + " " + counts);
            for (int kind = 0; kind < 2; kind++) {
                int writes = kind == 0 ? counts.storeWrites() : counts.clusterWrites();
                for (int n = 1; n <= writes; n++) {
                    String ns = h.namespace();
                    String name = setUp(v, ns);
                    int patchesBefore = h.deploymentPatches.get();
                    Reconciler a = kind == 0 ? h.replica("a", n, 0) : h.replica("a", 0, n);
                    Reconciler b = h.replica("b", 0, 0);
                    String row = v + (kind == 0 ? " store" : " cluster") + " write " + n;
                    String ended = h.drive(a, name, 200);
                    if (ended.equals("died")) {
                        // Until the dead replica's Lease expires, B leaves the run alone.
                        if (h.store.target(ns + "/checkout").value().holder() != null && h.record(name).status.phase.active()) {
                            assertNotNull(b.reconcile(name), row);
                            assertEquals("a", h.store.target(ns + "/checkout").value().holder(), row + ": B must not take a live Lease");
                        }
                        h.clock.now = h.clock.now.plus(EngineHarness.LEASE).plusSeconds(1);
                        if (h.record(name).status.phase.finished()) {
                            h.settle(b, name); // tidy-up of a run that ended without giving its target back
                        } else {
                            assertEquals("done", h.drive(b, name, 200), row);
                        }
                    }
                    assertEnd(v, ns, name);
                    int patches = h.deploymentPatches.get() - patchesBefore;
                    assertTrue(patches <= 1, row + ": the Deployment was patched " + patches + " times");
                    rows.add(row);
                }
            }
        }
        assertTrue(rows.size() > 40, "rows: " + rows.size());
        System.out.printf("crash table: %d rows (a replica killed after each write, taken over by another)%n", rows.size());
    }

    @Test
    void verificationWaitsForTheControllerToObserveTheRollback() {
        String ns = h.namespace();
        String name = setUp(Variant.SELECTIVE_KUBECTL, ns);
        Reconciler a = h.replica("a", 0, 0);
        h.lagging = true;
        // The status still says "complete" for the old generation: that must not pass verification.
        assertEquals("stopped", h.drive(a, name, 12));
        RemediationRecord r = h.record(name);
        assertEquals(Phase.RUNNING, r.status.phase);
        assertEquals("waiting", r.step("verify-rollout").phase, r.step("verify-rollout").message);
        assertTrue(r.step("verify-rollout").message.contains("observe generation"), r.step("verify-rollout").message);
        h.lagging = false;
        assertEquals("done", h.drive(a, name, 20));
        assertEquals(Phase.SUCCEEDED, h.record(name).status.phase);
    }

    @Test
    void aCleanShutdownHandsTheRunOverAtOnceAndAKilledReplicaOnlyAfterItsLeaseExpires() {
        String ns = h.namespace();
        String name = setUp(Variant.SELECTIVE_KUBECTL, ns);
        Reconciler a = h.replica("a", 0, 0);
        Reconciler b = h.replica("b", 0, 0);
        h.lagging = true;
        h.drive(a, name, 8);
        assertEquals("waiting", h.record(name).step("verify-rollout").phase);
        a.release(ns + "/checkout");
        h.lagging = false;
        java.time.Instant releasedAt = h.clock.now;
        assertEquals("done", h.drive(b, name, 20));
        assertEquals(Phase.SUCCEEDED, h.record(name).status.phase);
        assertEquals("b", h.record(name).status.owner);
        assertTrue(java.time.Duration.between(releasedAt, h.clock.now).compareTo(EngineHarness.LEASE) < 0, "no wait for expiry after a release");
    }

    @Test
    void abortBeforeTheRollbackRestoresAutoSyncAndAfterItLeavesTheRollbackAndSaysWhatIsLeft() {
        // Abort right after auto-sync went off: nothing reached the Deployment, so the sync policy comes back.
        String ns = h.namespace();
        String name = setUp(Variant.SELECTIVE_ARGO, ns);
        Reconciler a = h.replica("a", 0, 0);
        for (int i = 0; i < 20 && h.record(name).step("disable-argo-auto-sync") == null
                || !"succeeded".equals(h.record(name).step("disable-argo-auto-sync").phase); i++) {
            a.reconcile(name);
        }
        requestAbort(name);
        assertEquals("done", h.drive(a, name, 20));
        RemediationRecord r = h.record(name);
        assertEquals(Phase.ABORTED, r.status.phase);
        assertEquals(ClusterFixtures.image("checkout", 3), h.image(ns, "checkout"), "the Deployment was never touched");
        Map<?, ?> syncPolicy = (Map<?, ?>) ((Map<?, ?>) h.app("checkout-" + ns).get("spec")).get("syncPolicy");
        assertNotNull(syncPolicy.get("automated"), "the saved automated sync policy is back");
        assertTrue(r.status.steps.stream().anyMatch(s -> s.compensation && s.name.equals("restore-argo-auto-sync") && "succeeded".equals(s.phase)));

        // Abort while verifying: the rollback is in the cluster; re-enabling auto-sync would re-deploy the bad release.
        String ns2 = h.namespace();
        String name2 = setUp(Variant.SELECTIVE_ARGO, ns2);
        h.lagging = true;
        h.drive(a, name2, 12);
        assertEquals("waiting", h.record(name2).step("verify-rollout").phase);
        requestAbort(name2);
        h.lagging = false;
        assertEquals("done", h.drive(a, name2, 20));
        RemediationRecord r2 = h.record(name2);
        assertEquals(Phase.ABORTED, r2.status.phase);
        assertEquals("aborted", r2.step("verify-rollout").phase);
        assertEquals(ClusterFixtures.image("checkout", 2), h.image(ns2, "checkout"));
        Map<?, ?> policy2 = (Map<?, ?>) ((Map<?, ?>) h.app("checkout-" + ns2).get("spec")).get("syncPolicy");
        assertNull(policy2.get("automated"));
        assertTrue(r2.status.humanActions.stream().anyMatch(s -> s.contains("fix Git")), r2.status.humanActions.toString());
    }

    @Test
    void aPauseHoldsARunThatWasAdmittedButNotStarted() {
        String ns = h.namespace();
        String name = setUp(Variant.SELECTIVE_KUBECTL, ns);
        var pause = new io.autonova.remediator.policy.Pause("pause-1", io.autonova.remediator.policy.PauseScope.NAMESPACE, ns, null,
                "incident INC-7", "sre", h.clock.now, h.clock.now.plus(Duration.ofHours(1)));
        h.store.createPause(pause);
        Reconciler a = h.replica("a", 0, 0);
        assertEquals("stopped", h.drive(a, name, 5));
        RemediationRecord held = h.record(name);
        assertEquals(Phase.PENDING, held.status.phase);
        assertTrue(held.status.message.contains("INC-7"), held.status.message);
        assertTrue(held.status.steps.isEmpty(), "nothing was done while paused");
        assertEquals(ClusterFixtures.image("checkout", 3), h.image(ns, "checkout"));
        h.store.deletePause("pause-1");
        assertEquals("done", h.drive(a, name, 30));
        assertEquals(Phase.SUCCEEDED, h.record(name).status.phase);
    }

    /**
     * The window the store-write rows cannot reach: the replica pushed (or opened the pull request) and died before
     * writing that down. The step is put back to "running" as the record would show it; the next replica must find the
     * commit by its trailer, and the request by its branch, and write neither again.
     */
    @Test
    void aReplicaKilledAfterItsGitWriteButBeforeRecordingItDoesNotPushOrOpenTwice() {
        for (String step : List.of("write-git-revert", "open-pull-request")) {
            String ns = h.namespace();
            String name = setUp(Variant.IMMEDIATE_ARGO_GITOPS, ns);
            Reconciler a = h.replica("a", 0, 0);
            for (int i = 0; i < 100 && (h.record(name).step(step) == null || !"succeeded".equals(h.record(name).step(step).phase)); i++) {
                java.time.Instant next = a.reconcile(name);
                h.playControllers();
                if (next != null && next.isAfter(h.clock.now)) {
                    h.clock.now = next;
                }
            }
            RemediationRecord died = h.record(name).copy();
            int at = died.status.steps.indexOf(died.step(step));
            died.status.steps.subList(at + 1, died.status.steps.size()).clear();
            RemediationRecord.Step s = died.step(step);
            s.phase = "running";
            s.finishedAt = null;
            s.message = null;
            s.outputs.clear();
            assertTrue(h.store.update(died));
            h.clock.now = h.clock.now.plus(EngineHarness.LEASE).plusSeconds(1);

            assertEquals("done", h.drive(h.replica("b", 0, 0), name, 200), step);
            RemediationRecord r = h.record(name);
            assertEquals(Phase.SUCCEEDED, r.status.phase, step + ": " + r.status.message);
            assertTrue(r.step(step).message.startsWith("found"), step + ": " + r.step(step).message);
            assertGitFollowed(ns, name, r);
        }
    }

    private void requestAbort(String name) {
        RemediationRecord r = h.record(name).copy();
        r.spec.abortRequested = true;
        r.spec.abortRequestedBy = "test";
        assertTrue(h.store.update(r));
    }

    @Test
    void aFlappingAlertNeverRollsForwardToTheReleaseItRolledBackFrom() {
        String ns = h.namespace();
        // rev1 good, rev2 bad: rolled back to rev1's template (which becomes revision 3).
        h.deploy(ns, "checkout", 2, Map.of());
        String first = h.admit(ns, "checkout", "selective-rollback", null);
        Reconciler a = h.replica("a", 0, 0);
        assertEquals("done", h.drive(a, first, 50));
        assertEquals(Phase.SUCCEEDED, h.record(first).status.phase);
        assertEquals(ClusterFixtures.image("checkout", 1), h.image(ns, "checkout"));
        assertEquals("3", h.deployment(ns, "checkout").getMetadata().getAnnotations().get("deployment.kubernetes.io/revision"));

        // The alert fires again after the cooldown: "previous revision" is now the bad one.
        h.clock.now = h.clock.now.plus(Duration.ofHours(2));
        RemediationRecord again = new RemediationRecord();
        again.name = "flap-2";
        again.createdAt = h.clock.now;
        again.spec.rule = "test-rule";
        again.spec.episode = 2;
        again.spec.scenario = "selective-rollback";
        again.spec.target.namespace = ns;
        again.spec.target.deployment = "checkout";
        again.status.phase = Phase.PENDING;
        h.store.create(again);
        assertEquals("done", h.drive(a, "flap-2", 50));
        RemediationRecord r = h.record("flap-2");
        assertEquals(Phase.FAILED, r.status.phase);
        assertEquals("KNOWN_BAD_REVISION", r.status.failureReason);
        assertEquals(ClusterFixtures.image("checkout", 1), h.image(ns, "checkout"), "no automatic rollback to the bad release");
        assertNotNull(h.store.target(ns + "/checkout").value().state().hold(), "the target waits for a human");
        assertFalse(r.status.humanActions.isEmpty());
    }
}
