package io.autonova.remediator.cluster;

import io.autonova.remediator.domain.Change;
import io.autonova.remediator.domain.ChangeTimeline;
import io.autonova.remediator.fixtures.ClusterFixtures;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The change timeline built from what a cluster holds after several rollouts. */
class ReleaseHistoryTest {

    static final Instant NOW = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

    static ChangeTimeline build(ClusterFixtures.History h, Map<String, List<ConfigHistory.Version>> config, List<Job> jobs, List<ReleaseHistory.Run> runs) {
        return ReleaseHistory.build(new ReleaseHistory.Inputs(h.deployment(), h.replicaSets(), config, true, jobs, runs, List.of(), List.of()), NOW);
    }

    @Test
    void eachRevisionIsAReleaseWithWhenAndWhatChanged() {
        ClusterFixtures.History h = ClusterFixtures.history("shop", "web", 3, Map.of(), Map.of(), Duration.ofMinutes(7));
        ChangeTimeline t = build(h, Map.of(), List.of(), List.of());
        List<Change> releases = t.of(Change.Kind.RELEASE);
        assertEquals(3, releases.size());
        Change newest = releases.get(0);
        assertEquals(Instant.parse(h.replicaSets().get(2).getMetadata().getCreationTimestamp()), newest.at());
        assertTrue(newest.exact(), "a ReplicaSet created for the rollout: its creation is the rollout's start");
        assertEquals("revision 3 (" + ClusterFixtures.image("web", 3) + ")", newest.to());
        assertEquals("revision 2 (" + ClusterFixtures.image("web", 2) + ")", newest.from());
        assertEquals(List.of("image of web: " + ClusterFixtures.image("web", 2) + " -> " + ClusterFixtures.image("web", 3)), newest.details());
        assertEquals(ReleaseHistory.templateHash(h.replicaSets().get(1).getSpec().getTemplate()), newest.fromRef());
        assertEquals(ReleaseHistory.templateHash(h.replicaSets().get(2).getSpec().getTemplate()), newest.toRef());
        assertNull(releases.get(2).fromRef(), "the first revision has nothing before it");
        assertTrue(t.gaps().isEmpty());
    }

    @Test
    void environmentChangesAreNamedNeverShown() {
        ClusterFixtures.History h = ClusterFixtures.history("shop", "web", 2, Map.of(), Map.of());
        ReplicaSet newest = h.replicaSets().get(1);
        newest.getSpec().getTemplate().getSpec().getContainers().get(0).setEnv(List.of(new EnvVar("DB_PASSWORD", "hunter2", null)));
        newest.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(ClusterFixtures.image("web", 1));
        Change c = build(h, Map.of(), List.of(), List.of()).of(Change.Kind.RELEASE).get(0);
        assertEquals(List.of("environment of web: DB_PASSWORD"), c.details());
        assertFalse(c.describe().contains("hunter2"));
    }

    @Test
    void aReusedReplicaSetIsDatedByTheControllersProgressAndMarkedEstimated() {
        ClusterFixtures.History h = ClusterFixtures.history("shop", "web", 3, Map.of(), Map.of(), Duration.ofDays(2));
        // kubectl rollout undo: revision 2's ReplicaSet becomes revision 4, keeping its creation time (2 days and more ago).
        ReplicaSet again = h.replicaSets().get(1);
        again.getMetadata().getAnnotations().put(ReleaseHistory.REVISION_ANNOTATION, "4");
        again.getMetadata().getAnnotations().put(ReleaseHistory.REVISION_HISTORY, "2");
        h.deployment().getMetadata().getAnnotations().put(ReleaseHistory.REVISION_ANNOTATION, "4");
        Instant progressed = NOW.minus(Duration.ofMinutes(3));
        h.deployment().getStatus().setConditions(List.of(new DeploymentConditionBuilder().withType("Progressing").withStatus("True")
                .withReason("NewReplicaSetAvailable").withMessage("ReplicaSet \"" + again.getMetadata().getName() + "\" has successfully progressed.")
                .withLastUpdateTime(progressed.toString()).build()));
        Change newest = build(h, Map.of(), List.of(), List.of()).of(Change.Kind.RELEASE).get(0);
        assertEquals("revision 4 (" + ClusterFixtures.image("web", 2) + ")", newest.to());
        assertEquals(progressed, newest.at());
        assertFalse(newest.exact());

        // Without the controller's word on it yet, its time is unknown (never its old creation), and it stays the newest.
        h.deployment().getStatus().setConditions(List.of());
        Change unknown = build(h, Map.of(), List.of(), List.of()).newest(Change.Kind.RELEASE).orElseThrow();
        assertEquals("revision 4 (" + ClusterFixtures.image("web", 2) + ")", unknown.to());
        assertNull(unknown.at());
    }

    @Test
    void aRevisionWhoseReplicaSetIsNotSeenYetIsTheNewestOfUnknownTime() {
        ClusterFixtures.History h = ClusterFixtures.history("shop", "web", 3, Map.of(), Map.of(), Duration.ofDays(2));
        h.deployment().getMetadata().getAnnotations().put(ReleaseHistory.REVISION_ANNOTATION, "4");
        h.deployment().getSpec().getTemplate().getSpec().getContainers().get(0).setImage("registry.example/web:1.4.0");
        Change newest = build(h, Map.of(), List.of(), List.of()).newest(Change.Kind.RELEASE).orElseThrow();
        assertEquals("revision 4 (registry.example/web:1.4.0)", newest.to());
        assertNull(newest.at());
        assertEquals(List.of("image of web: " + ClusterFixtures.image("web", 3) + " -> registry.example/web:1.4.0"), newest.details());
    }

    @Test
    void whatThisServiceDidIsItsOwn() {
        ClusterFixtures.History h = ClusterFixtures.history("shop", "web", 2, Map.of(), Map.of(), Duration.ofMinutes(2));
        ChangeTimeline t = build(h, Map.of(), List.of(), List.of(new ReleaseHistory.Run("error-rate-1", NOW.minus(Duration.ofMinutes(3)), NOW.minusSeconds(30))));
        assertEquals("remediation error-rate-1", t.of(Change.Kind.RELEASE).get(0).by());
        assertNull(t.of(Change.Kind.RELEASE).get(1).by(), "a day earlier: not during the run");
        // The API server dates in whole seconds: a rollout created in the second the run started (at .4 s) is the run's.
        Instant created = Instant.parse(h.replicaSets().get(1).getMetadata().getCreationTimestamp());
        ChangeTimeline sameSecond = build(h, Map.of(), List.of(), List.of(new ReleaseHistory.Run("error-rate-2", created.plusMillis(400), null)));
        assertEquals("remediation error-rate-2", sameSecond.of(Change.Kind.RELEASE).get(0).by());
    }

    @Test
    void configurationHistoryMigrationsAndWhatIsUnknown() {
        ClusterFixtures.History h = ClusterFixtures.history("shop", "web", 2, Map.of(), Map.of(), Duration.ofDays(3));
        var spec = h.deployment().getSpec().getTemplate().getSpec();
        spec.setVolumes(List.of(new io.fabric8.kubernetes.api.model.VolumeBuilder().withName("c").withNewConfigMap().withName("web-config").endConfigMap().build(),
                new io.fabric8.kubernetes.api.model.VolumeBuilder().withName("s").withNewSecret().withSecretName("web-secret").endSecret().build()));
        Map<String, List<ConfigHistory.Version>> config = Map.of("ConfigMap/web-config", List.of(
                new ConfigHistory.Version("bbbbbbbbbb", NOW.minusSeconds(300), NOW.minusSeconds(300), "web-config-snap-b", false,
                        Map.of("timeout", "d2", "level", "d1", "new-flag", "d9")),
                new ConfigHistory.Version("aaaaaaaaaa", NOW.minus(Duration.ofDays(9)), NOW.minus(Duration.ofDays(9)), "web-config-snap-a", false,
                        Map.of("timeout", "d0", "level", "d1", "gone", "d3"))));
        Job migrate = new JobBuilder().withNewMetadata().withName("web-migrate-5").withNamespace("shop").withLabels(Map.of(ReleaseHistory.MIGRATION_FOR, "web"))
                .endMetadata().withNewSpec().withNewTemplate().withNewSpec().addNewContainer().withName("m").withImage(ClusterFixtures.image("web", 2))
                .endContainer().endSpec().endTemplate().endSpec().withNewStatus().withSucceeded(1).withCompletionTime(NOW.minusSeconds(400).toString())
                .endStatus().build();
        Job undo = new JobBuilder().withNewMetadata().withName("web-undo-5").withNamespace("shop").withLabels(Map.of(ReleaseHistory.MIGRATION_UNDO_FOR, "web"))
                .withAnnotations(Map.of(ReleaseHistory.UNDOES_IMAGE, ClusterFixtures.image("web", 2))).endMetadata().withNewSpec().withSuspend(true)
                .withNewTemplate().withNewSpec().addNewContainer().withName("u").withImage("migrate:undo").endContainer().endSpec().endTemplate().endSpec().build();
        ChangeTimeline t = build(h, config, List.of(migrate, undo), List.of());
        Change c = t.newest(Change.Kind.CONFIG).orElseThrow();
        assertEquals("ConfigMap shop/web-config", c.object());
        assertEquals(NOW.minusSeconds(300), c.at());
        assertEquals("aaaaaaaaaa", c.fromRef());
        assertEquals(List.of("keys changed: gone, new-flag, timeout"), c.details(), "by name, never by value");
        assertEquals(NOW.minusSeconds(400), t.newest(Change.Kind.MIGRATION).orElseThrow().at());
        assertTrue(t.migrationUndo(), "the release ships its undo");
        assertTrue(t.gaps().stream().anyMatch(g -> g.startsWith("Secret/web-secret: no kept history")), t.gaps().toString());
        assertEquals(Change.Kind.CONFIG, t.changes().get(0).kind(), "newest first");
    }
}
