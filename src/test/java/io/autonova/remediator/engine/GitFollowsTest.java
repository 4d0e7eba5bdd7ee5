package io.autonova.remediator.engine;

import io.autonova.remediator.fixtures.ClusterFixtures;
import io.autonova.remediator.fixtures.GitRepo;
import io.autonova.remediator.peers.GitOps;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What Git write-back does when Git does not simply follow: a push straight to the branch, a request closed unmerged,
 * a fix pushed first, nobody merging, a repository it may not write, no configuration. Every "no" holds the target
 * and leaves automated sync off; the rollback itself stays.
 */
@EnableKubernetesMockClient(crud = true)
class GitFollowsTest {

    KubernetesMockServer server;
    KubernetesClient client;
    EngineHarness h;
    @TempDir
    Path dir;

    @BeforeEach
    void setUp() throws Exception {
        server.expectCustomResource(new CustomResourceDefinitionContext.Builder().withGroup("argoproj.io").withVersion("v1alpha1")
                .withKind("Application").withPlural("applications").withScope("Namespaced").build());
        h = new EngineHarness(client);
        h.gitops(dir);
    }

    private String[] commits;

    private String run(Map<String, String> parameters, String ns) throws Exception {
        h.deploy(ns, "checkout", 3, Map.of("app.kubernetes.io/instance", "checkout-" + ns));
        commits = h.argoAppFromGit(ns, "checkout-" + ns, "checkout");
        return h.admit(ns, "checkout", "immediate-rollback", null, parameters);
    }

    /** A run rolled back through Argo CD with its revert pushed and its request open, waiting for a merge nobody makes yet. */
    private String waitingForMerge(Reconciler a, String ns, Map<String, String> parameters) throws Exception {
        h.mergeRequests = false;
        String name = run(parameters, ns);
        assertEquals("stopped", h.drive(a, name, 40));
        assertEquals("waiting", h.record(name).step("await-git-revert").phase);
        return name;
    }

    private void assertHeldWithSyncOff(String ns, String name, FailureReason reason) {
        RemediationRecord r = h.record(name);
        assertEquals(Phase.FAILED, r.status.phase, r.status.message);
        assertEquals(reason.name(), r.status.failureReason, r.status.message);
        Map<?, ?> opState = (Map<?, ?>) ((Map<?, ?>) h.app("checkout-" + ns).get("status")).get("operationState");
        assertEquals(commits[0], ((Map<?, ?>) ((Map<?, ?>) opState.get("operation")).get("sync")).get("revision"), "the rollback stays");
        Map<?, ?> syncPolicy = (Map<?, ?>) ((Map<?, ?>) h.app("checkout-" + ns).get("spec")).get("syncPolicy");
        assertNull(syncPolicy.get("automated"), "automated sync would bring the bad release back");
        assertTrue(Boolean.TRUE.equals(r.status.gitMustFollow), "Git must follow");
        assertTrue(h.store.target(ns + "/checkout").value().state().hold() != null, "held for a human");
    }

    @Test
    void pushModeWritesTheRevertToTheTrackedBranchWithoutARequest() throws Exception {
        String ns = h.namespace();
        String name = run(Map.of("gitops.mode", "push"), ns);

        assertEquals("done", h.drive(h.replica("a", 0, 0), name, 200));
        RemediationRecord r = h.record(name);
        assertEquals(Phase.SUCCEEDED, r.status.phase, r.status.message);
        assertEquals(0, h.provider.count(), "no request in push mode");
        String main = h.git.originRef("refs/heads/main");
        assertEquals(r.step("write-git-revert").outputs.get("revertCommit"), main);
        assertTrue(h.git.message(main).contains("This reverts commit " + commits[1]), h.git.message(main));
        assertEquals("image: " + ClusterFixtures.image("checkout", 2) + "\n", h.git.show(main, "apps/" + ns + "/deployment.yaml"));
        assertEquals(Map.of("prune", true, "selfHeal", true), ((Map<?, ?>) ((Map<?, ?>) h.app("checkout-" + ns).get("spec")).get("syncPolicy")).get("automated"));
        assertEquals(Boolean.FALSE, r.status.gitMustFollow);
    }

    @Test
    void aRequestClosedUnmergedHoldsTheTarget() throws Exception {
        String ns = h.namespace();
        Reconciler a = h.replica("a", 0, 0);
        String name = waitingForMerge(a, ns, Map.of("gitops.mode", "pull-request"));
        h.provider.close(h.provider.numberOf("autonova/revert-" + name));

        assertEquals("done", h.drive(a, name, 20));
        assertHeldWithSyncOff(ns, name, FailureReason.GIT_REQUEST_CLOSED);
        assertTrue(h.record(name).status.humanActions.stream().anyMatch(s -> s.contains("was closed")), h.record(name).status.humanActions.toString());
    }

    @Test
    void aFixPushedBeforeTheRevertLandsIsLeftToAHuman() throws Exception {
        String ns = h.namespace();
        Reconciler a = h.replica("a", 0, 0);
        String name = waitingForMerge(a, ns, Map.of("gitops.mode", "pull-request"));
        h.git.commit("fix forward", Map.of("apps/" + ns + "/deployment.yaml", "image: checkout:fixed\n"));

        assertEquals("done", h.drive(a, name, 20));
        assertHeldWithSyncOff(ns, name, FailureReason.GIT_MOVED_ON);
    }

    @Test
    void nobodyMergingWithinTheTimeoutHoldsTheTarget() throws Exception {
        String ns = h.namespace();
        Reconciler a = h.replica("a", 0, 0);
        String name = waitingForMerge(a, ns, Map.of("gitops.mode", "pull-request", "gitops.mergeTimeout", "10m"));
        h.clock.now = h.clock.now.plus(Duration.ofMinutes(11));

        assertEquals("done", h.drive(a, name, 20));
        assertHeldWithSyncOff(ns, name, FailureReason.GIT_NOT_MERGED);
        assertEquals(1, h.provider.count(), "the request stays open for whoever takes over");
    }

    @Test
    void aRepositoryItMayNotWriteOrNoConfigurationWritesNothing() throws Exception {
        String ns = h.namespace();
        GitOps elsewhere = new GitOps(List.of("https://git.example/other.git"), h.gitops.git(), h.gitops.requests(), Duration.ofSeconds(1));
        String name = run(Map.of("gitops.mode", "push"), ns);
        Reconciler a = h.replicaWithGitOps("a", elsewhere);
        assertEquals("done", h.drive(a, name, 200));
        assertHeldWithSyncOff(ns, name, FailureReason.GIT_WRITE_BACK_REFUSED);
        assertTrue(h.record(name).status.message.contains("not among those this service may write"), h.record(name).status.message);

        String ns2 = h.namespace();
        String name2 = run(Map.of("gitops.mode", "pull-request"), ns2);
        assertEquals("done", h.drive(h.replicaWithGitOps("b", null), name2, 200));
        assertHeldWithSyncOff(ns2, name2, FailureReason.GIT_WRITE_BACK_REFUSED);
        assertTrue(h.record(name2).status.message.contains("not configured"), h.record(name2).status.message);
        assertEquals(commits[1], h.git.originRef("refs/heads/main"), "nothing pushed");
        assertEquals(0, h.provider.count());
    }

    @Test
    void aDryRunSaysWhatItWouldWriteToGitAndWritesNothing() throws Exception {
        String ns = h.namespace();
        h.deploy(ns, "checkout", 3, Map.of("app.kubernetes.io/instance", "checkout-" + ns));
        commits = h.argoAppFromGit(ns, "checkout-" + ns, "checkout");
        String name = h.dryRun(ns, "checkout", "immediate-rollback", Map.of("gitops.mode", "pull-request"));

        RemediationRecord r = h.record(name);
        assertTrue(r.step("write-git-revert").message.contains("would push a revert"), r.step("write-git-revert").message);
        assertEquals(commits[1], h.git.originRef("refs/heads/main"));
        assertEquals("", GitRepo.git(h.git.origin, "branch", "--list", "autonova/*").strip(), "no branch pushed");
        assertEquals(0, h.provider.count());
    }
}
