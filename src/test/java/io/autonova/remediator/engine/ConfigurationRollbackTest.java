package io.autonova.remediator.engine;

import io.autonova.remediator.cluster.ConfigHistory;
import io.autonova.remediator.cluster.FabricClusterActions;
import io.autonova.remediator.domain.Json;
import io.autonova.remediator.fixtures.ClusterFixtures;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scenario 5 against the CRUD mock, with this service's history watcher and the controllers played. The mock
 * stamps objects with the wall clock, so the run's clock starts at the wall clock: the Deployment's ReplicaSets
 * are "created" then, and the configuration changes 30 minutes later.
 */
@EnableKubernetesMockClient(crud = true)
class ConfigurationRollbackTest {

    static final String SCENARIO = "configuration-rollback";
    KubernetesMockServer server;
    KubernetesClient client;
    EngineHarness h;

    @BeforeEach
    void setUp() {
        server.expectCustomResource(new CustomResourceDefinitionContext.Builder().withGroup("external-secrets.io").withVersion("v1beta1")
                .withKind("ExternalSecret").withPlural("externalsecrets").withScope("Namespaced").build());
        h = new EngineHarness(client);
        h.externalSecrets = true;
        h.clock.now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes());
    }

    private static void readsConfig(PodSpec spec) {
        var c = spec.getContainers().get(0);
        c.setEnvFrom(List.of(new io.fabric8.kubernetes.api.model.EnvFromSourceBuilder().withNewConfigMapRef().withName("checkout-config").endConfigMapRef().build(),
                new io.fabric8.kubernetes.api.model.EnvFromSourceBuilder().withNewConfigMapRef().withName("checkout-untracked").endConfigMapRef().build()));
        spec.setVolumes(List.of(new io.fabric8.kubernetes.api.model.VolumeBuilder().withName("db").withNewSecret().withSecretName("checkout-db").endSecret().build()));
    }

    private ConfigMap cm(String ns, String name, boolean tracked, Map<String, String> data) {
        var b = new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata().withData(data);
        if (tracked) {
            b.editMetadata().addToLabels(ConfigHistory.OPT_IN, "true").endMetadata();
        }
        return client.configMaps().inNamespace(ns).resource(b.build()).createOr(x -> x.update());
    }

    private Secret secret(String ns, Map<String, String> plain) {
        var data = new java.util.LinkedHashMap<String, String>();
        plain.forEach((k, v) -> data.put(k, b64(v)));
        return client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("checkout-db").withNamespace(ns)
                .addToLabels(ConfigHistory.OPT_IN, "true").endMetadata().withType("Opaque").withData(data).build()).createOr(x -> x.update());
    }

    /** A Deployment reading config; its history kept; then, 30 minutes later, a change; returns the namespace. */
    private String cluster(Map<String, String> newConfig, Map<String, String> newSecret) {
        String ns = h.namespace();
        cm(ns, "checkout-config", true, Map.of("FEATURE_X", "off", "LOG_LEVEL", "info"));
        cm(ns, "checkout-untracked", false, Map.of("A", "1"));
        secret(ns, Map.of("password", "hunter2-old-value"));
        h.deploy(ns, "checkout", 3, ConfigurationRollbackTest::readsConfig);
        h.playControllers();
        h.clock.now = h.clock.now.plus(Duration.ofMinutes(30));
        if (newConfig != null) {
            cm(ns, "checkout-config", true, newConfig);
        }
        if (newSecret != null) {
            secret(ns, newSecret);
        }
        cm(ns, "checkout-untracked", false, Map.of("A", "2"));
        h.playControllers();
        h.clock.now = h.clock.now.plus(Duration.ofMinutes(2));
        return ns;
    }

    private String admit(String ns, Map<String, String> parameters) {
        return admit(ns, parameters, 1);
    }

    private String admit(String ns, Map<String, String> parameters, int episode) {
        String name = h.admit(ns, "checkout", SCENARIO, null, parameters, episode);
        RemediationRecord r = h.record(name).copy();
        r.spec.trigger.startsAt = h.clock.now.minus(Duration.ofMinutes(1));
        r.spec.trigger.alertname = "HighErrorRate";
        assertTrue(h.store.update(r));
        return name;
    }

    private Map<String, String> config(String ns) {
        return client.configMaps().inNamespace(ns).withName("checkout-config").get().getData();
    }

    private String restartedAt(String ns) {
        var ann = h.deployment(ns, "checkout").getSpec().getTemplate().getMetadata().getAnnotations();
        return ann == null ? null : ann.get("kubectl.kubernetes.io/restartedAt");
    }

    /**
     * After A is restored over bad B, A must not look freshly changed (its first-seen time kept), and B, rolled back from,
     * is never restored by a later run: a second alert within changedWithin finds nothing to restore instead of putting B back.
     */
    @Test
    void aRestoredContentDoesNotLookNewAndTheBadOneIsNeverRestoredAgain() {
        String ns = cluster(Map.of("FEATURE_X", "on", "LOG_LEVEL", "info"), null);
        String first = admit(ns, Map.of("changedWithin", "15m"));
        assertEquals("done", h.drive(h.replica("a", 0, 0), first, 100));
        assertEquals(Phase.SUCCEEDED, h.record(first).status.phase, h.record(first).status.message);
        assertEquals(Map.of("FEATURE_X", "off", "LOG_LEVEL", "info"), config(ns));
        h.playControllers(); // the watcher sees A come back
        var versions = ConfigHistory.versions(new io.autonova.remediator.cluster.FabricClusterActions(client), "ConfigMap", ns, "checkout-config");
        assertTrue(versions.stream().anyMatch(ConfigHistory.Version::knownBad), versions.toString());
        assertTrue(versions.stream().filter(v -> !v.knownBad()).allMatch(v -> v.firstSeen().isBefore(h.clock.now.minus(Duration.ofMinutes(15)))),
                "A keeps its first-seen time: " + versions);

        h.clock.now = h.clock.now.plus(Duration.ofMinutes(2));
        String second = admit(ns, Map.of("changedWithin", "15m"), 2);
        h.drive(h.replica("a", 0, 0), second, 100);
        assertEquals(Map.of("FEATURE_X", "off", "LOG_LEVEL", "info"), config(ns), "B is not put back");
        assertEquals(Phase.FAILED, h.record(second).status.phase, h.record(second).status.message);
        assertEquals("CONFIG_HISTORY_MISSING", h.record(second).status.failureReason, h.record(second).status.message);
    }

    @Test
    void aContentChangedAgainSinceTheDecisionIsLeftAlone() {
        String ns = cluster(Map.of("FEATURE_X", "on", "LOG_LEVEL", "info"), null);
        String name = admit(ns, Map.of("changedWithin", "15m"));
        RemediationRecord r = h.record(name).copy();
        r.spec.change = new RemediationRecord.ChangeRef();
        r.spec.change.kind = "config";
        r.spec.change.object = "ConfigMap " + ns + "/checkout-config";
        r.spec.change.to = "content decided on";
        r.spec.change.toRef = ConfigHistory.hash(client.configMaps().inNamespace(ns).withName("checkout-config").get());
        assertTrue(h.store.update(r));
        // Someone fixes the configuration by hand before the run starts.
        cm(ns, "checkout-config", true, Map.of("FEATURE_X", "fixed", "LOG_LEVEL", "info"));
        h.drive(h.replica("a", 0, 0), name, 100);
        RemediationRecord done = h.record(name);
        assertEquals(Phase.FAILED, done.status.phase);
        assertEquals("CHANGED_SINCE_ALERT", done.status.failureReason, done.status.message);
        assertEquals(Map.of("FEATURE_X", "fixed", "LOG_LEVEL", "info"), config(ns), "the newer fix is left in place");
    }

    @Test
    void aBadConfigChangeIsRestoredAndTheAppRestartedAsKubectlDoes() {
        String ns = cluster(Map.of("FEATURE_X", "on", "LOG_LEVEL", "info"), null);
        String name = admit(ns, Map.of("changedWithin", "15m"));
        long t0 = System.nanoTime();
        assertEquals("done", h.drive(h.replica("a", 0, 0), name, 100));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        RemediationRecord r = h.record(name);
        assertEquals(Phase.SUCCEEDED, r.status.phase, r.status.message);
        assertEquals(Map.of("FEATURE_X", "off", "LOG_LEVEL", "info"), config(ns));
        assertNotNull(restartedAt(ns), "rollout restart: restartedAt on the pod template");
        assertEquals(ClusterFixtures.image("checkout", 3), h.image(ns, "checkout"), "the image did not change in the window: left alone");
        assertEquals(Map.of("A", "2"), client.configMaps().inNamespace(ns).withName("checkout-untracked").get().getData(), "no history, not touched");
        assertEquals(List.of("resolve-target", "plan-config-restore", "restore-config", "rollout-restart", "verify-rollout"),
                r.status.steps.stream().map(s -> s.name).toList());
        System.out.printf("scenario configuration-rollback end to end: %d ms%n", ms);
    }

    @Test
    void whenTheImageChangedInTheSameWindowBothGoBackTogether() {
        String ns = cluster(Map.of("FEATURE_X", "on", "LOG_LEVEL", "info"), null);
        String name = admit(ns, Map.of("changedWithin", "1h"));
        assertEquals("done", h.drive(h.replica("a", 0, 0), name, 100));
        RemediationRecord r = h.record(name);
        assertEquals(Phase.SUCCEEDED, r.status.phase, r.status.message);
        assertEquals(Map.of("FEATURE_X", "off", "LOG_LEVEL", "info"), config(ns));
        assertEquals(ClusterFixtures.image("checkout", 2), h.image(ns, "checkout"));
        assertNull(r.step("rollout-restart"), "the template rollback restarts the pods already");
    }

    @Test
    void rotatedCredentialsAreNeverRestoredUnlessTheRuleSaysSo() {
        String ns = cluster(null, Map.of("password", "s3cret-new-value"));
        String name = admit(ns, Map.of("changedWithin", "15m"));
        int writes = h.clusterWrites.get();
        assertEquals("done", h.drive(h.replica("a", 0, 0), name, 100));
        RemediationRecord r = h.record(name);
        assertEquals("SECRET_ROTATION", r.status.failureReason, r.status.message);
        assertEquals(writes, h.clusterWrites.get(), "nothing changed");
        assertNotNull(h.store.target(ns + "/checkout").value().state().hold());

        String ns2 = cluster(null, Map.of("password", "s3cret-new-value"));
        String name2 = admit(ns2, Map.of("changedWithin", "15m", "restoreRotatedCredentials", "true"));
        assertEquals("done", h.drive(h.replica("a", 0, 0), name2, 100));
        assertEquals(Phase.SUCCEEDED, h.record(name2).status.phase, h.record(name2).status.message);
        assertEquals(b64("hunter2-old-value"), client.secrets().inNamespace(ns2).withName("checkout-db").get().getData().get("password"));
        String json = Json.MAPPER.valueToTree(h.record(name2)).toString();
        assertFalse(json.contains("hunter2") || json.contains(b64("hunter2-old-value")) || json.contains("s3cret"), "secret data never in a record");
        List<Secret> snaps = client.secrets().inNamespace(ns2).withLabel(ConfigHistory.SNAPSHOT_OF, "checkout-db").list().getItems();
        assertEquals(2, snaps.size(), "the Secret's history is kept in Secrets");
        assertTrue(client.configMaps().inNamespace(ns2).withLabel(ConfigHistory.SNAPSHOT_OF, "checkout-db").list().getItems().isEmpty(),
                "never in a ConfigMap");
    }

    @Test
    void aSecretWhoseKeysChangedIsConfigurationAndRestored() {
        String ns = cluster(null, Map.of("password", "hunter2-old-value", "pool_size", "500"));
        String name = admit(ns, Map.of("changedWithin", "15m"));
        assertEquals("done", h.drive(h.replica("a", 0, 0), name, 100));
        assertEquals(Phase.SUCCEEDED, h.record(name).status.phase, h.record(name).status.message);
        assertEquals(Map.of("password", b64("hunter2-old-value")), client.secrets().inNamespace(ns).withName("checkout-db").get().getData());
    }

    @Test
    void nothingChangedInTheWindowIsAClearRefusal() {
        String ns = cluster(null, null);
        String name = admit(ns, Map.of("changedWithin", "15m"));
        assertEquals("done", h.drive(h.replica("a", 0, 0), name, 100));
        RemediationRecord r = h.record(name);
        assertEquals("CONFIG_HISTORY_MISSING", r.status.failureReason);
        assertTrue(r.status.message.contains("autonova.io/config-history=true"), r.status.message);
    }

    @Test
    void aPausedDeploymentRefusesTheRestartAndTheConfigGoesBack() {
        String ns = cluster(Map.of("FEATURE_X", "on", "LOG_LEVEL", "info"), null);
        var d = h.deployment(ns, "checkout");
        d.getSpec().setPaused(true);
        client.apps().deployments().inNamespace(ns).resource(d).update();
        String name = admit(ns, Map.of("changedWithin", "15m"));
        assertEquals("done", h.drive(h.replica("a", 0, 0), name, 100));
        RemediationRecord r = h.record(name);
        assertEquals("DEPLOYMENT_PAUSED", r.status.failureReason);
        assertEquals(Map.of("FEATURE_X", "on", "LOG_LEVEL", "info"), config(ns), "refused before any write");
        assertNull(r.step("restore-config"));
    }

    @Test
    void anAbortBeforeTheRestartPutsTheConfigBack() {
        String ns = cluster(Map.of("FEATURE_X", "on", "LOG_LEVEL", "info"), null);
        String name = admit(ns, Map.of("changedWithin", "15m"));
        Reconciler a = h.replica("a", 0, 0);
        for (int i = 0; i < 30 && (h.record(name).step("restore-config") == null || !"succeeded".equals(h.record(name).step("restore-config").phase)); i++) {
            a.reconcile(name);
        }
        assertEquals(Map.of("FEATURE_X", "off", "LOG_LEVEL", "info"), config(ns));
        h.abort(name);
        assertEquals("done", h.drive(a, name, 30));
        RemediationRecord r = h.record(name);
        assertEquals(Phase.ABORTED, r.status.phase);
        assertEquals(Map.of("FEATURE_X", "on", "LOG_LEVEL", "info"), config(ns), "no pod was restarted onto the restored config: it goes back");
        assertTrue(r.status.steps.stream().anyMatch(s -> s.compensation && s.name.equals("put-config-back") && "succeeded".equals(s.phase)));
        assertNull(restartedAt(ns));
    }

    @Test
    void externalSecretsAreRefreshedThroughTheOperatorNotOverwritten() {
        String ns = cluster(null, null);
        GenericKubernetesResource es = new GenericKubernetesResource();
        es.setApiVersion("external-secrets.io/v1beta1");
        es.setKind("ExternalSecret");
        es.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("checkout-db").withNamespace(ns).build());
        es.setAdditionalProperties(new java.util.LinkedHashMap<>(Map.of("spec", Map.of("refreshInterval", "1h",
                "target", Map.of("name", "checkout-db"), "dataFrom", List.of(Map.of("extract", Map.of("key", "prod/checkout/db")))))));
        es = client.genericKubernetesResources(EngineHarness.EXTERNAL_SECRET).inNamespace(ns).resource(es).create();
        Secret s = client.secrets().inNamespace(ns).withName("checkout-db").get();
        s.getMetadata().setOwnerReferences(List.of(new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder().withApiVersion("external-secrets.io/v1beta1")
                .withKind("ExternalSecret").withName("checkout-db").withUid(es.getMetadata().getUid()).withController(true).build()));
        s.setData(Map.of("password", b64("from-provider-v2")));
        client.secrets().inNamespace(ns).resource(s).update();
        h.playControllers();
        h.clock.now = h.clock.now.plus(Duration.ofMinutes(1));
        String name = admit(ns, Map.of("changedWithin", "15m"));
        assertEquals("done", h.drive(h.replica("a", 0, 0), name, 100));
        RemediationRecord r = h.record(name);
        assertEquals(Phase.SUCCEEDED, r.status.phase, r.status.message);
        assertEquals(b64("from-provider-v2"), client.secrets().inNamespace(ns).withName("checkout-db").get().getData().get("password"),
                "the operator owns the Secret: never written directly");
        var after = client.genericKubernetesResources(EngineHarness.EXTERNAL_SECRET).inNamespace(ns).withName("checkout-db").get();
        assertNotNull(after.getMetadata().getAnnotations().get("force-sync"));
        assertTrue(r.status.humanActions.stream().anyMatch(a -> a.contains("restore the previous version in the secret provider")), r.status.humanActions.toString());
        assertEquals(List.of("resolve-target", "plan-config-restore", "refresh-external-secrets", "wait-external-secrets", "rollout-restart", "verify-rollout"),
                r.status.steps.stream().map(x -> x.name).toList());
    }

    @Test
    void aReplicaKilledAfterAnyWriteIsTakenOverAndTheConfigIsRestoredOnce() {
        int rows = h.crashEveryWrite(() -> {
            String ns = cluster(Map.of("FEATURE_X", "on", "LOG_LEVEL", "info"), null);
            return new String[]{ns, admit(ns, Map.of("changedWithin", "15m"))};
        }, (ns, name, row) -> {
            RemediationRecord r = h.record(name);
            assertEquals(Phase.SUCCEEDED, r.status.phase, row + ": " + r.status.message);
            assertEquals(Map.of("FEATURE_X", "off", "LOG_LEVEL", "info"), config(ns), row);
            assertNotNull(restartedAt(ns), row);
        });
        assertTrue(rows > 10, "rows: " + rows);
        System.out.printf("scenario 5 crash table: %d rows%n", rows);
    }

    @Test
    void historyIsBoundedAndAContentThatComesBackIsNotDuplicated() {
        String ns = h.namespace();
        var actions = new FabricClusterActions(client);
        for (int i = 0; i < 14; i++) {
            ConfigMap c = cm(ns, "app", true, Map.of("v", String.valueOf(i % 12)));
            h.clock.now = h.clock.now.plusSeconds(60);
            ConfigHistory.record(actions, c, h.clock.now, 10);
            assertFalse(ConfigHistory.record(actions, c, h.clock.now, 10), "a resync of the same content writes nothing");
        }
        List<ConfigHistory.Version> versions = ConfigHistory.versions(actions, "ConfigMap", ns, "app");
        assertEquals(10, versions.size(), "the last 10 contents");
        assertEquals(ConfigHistory.contentHash(Map.of("v", "1"), null), versions.get(0).hash(), "v=1 came back last: newest");
        String sourceUid = client.configMaps().inNamespace(ns).withName("app").get().getMetadata().getUid();
        for (ConfigMap snap : actions.configMaps(ns, Map.of(ConfigHistory.SNAPSHOT_OF, "app"))) {
            var owner = snap.getMetadata().getOwnerReferences();
            assertEquals(1, owner.size(), snap.getMetadata().getName());
            assertEquals(sourceUid, owner.get(0).getUid(), "owned by its source: collected with it");
        }
    }

    @Test
    void abortAtEveryStepLeavesConsistentConfiguration() {
        List<String> steps = List.of("resolve-target", "plan-config-restore", "restore-config", "rollout-restart", "verify-rollout");
        List<String> rows = new java.util.ArrayList<>();
        for (String at : steps) {
            String ns = cluster(Map.of("FEATURE_X", "on", "LOG_LEVEL", "info"), null);
            String name = admit(ns, Map.of("changedWithin", "15m"));
            Reconciler a = h.replica("a", 0, 0);
            h.lagging = at.equals("verify-rollout"); // the rollout is still going when the operator aborts
            for (int i = 0; i < 40 && h.record(name).step(at) == null; i++) {
                a.reconcile(name);
                h.playControllers();
            }
            assertNotNull(h.record(name).step(at), "reached " + at);
            h.abort(name);
            h.lagging = false;
            assertEquals("done", h.drive(a, name, 40), at);
            RemediationRecord r = h.record(name);
            boolean restarted = restartedAt(ns) != null;
            // Either nothing reached the pods and the configuration is as it was, or the pods run the restored one and it stays.
            assertEquals(restarted ? Map.of("FEATURE_X", "off", "LOG_LEVEL", "info") : Map.of("FEATURE_X", "on", "LOG_LEVEL", "info"), config(ns),
                    "abort at " + at + " (restarted: " + restarted + ")");
            if (restarted) {
                assertTrue(r.status.humanActions.stream().anyMatch(x -> x.contains("left in place")) || r.status.phase == Phase.SUCCEEDED,
                        at + ": says the restored configuration stays: " + r.status.humanActions);
            }
            rows.add(at + " -> " + r.status.phase.name().toLowerCase() + (restarted ? " (restored config kept)" : " (config as before)"));
        }
        System.out.println("scenario 5 abort table: " + rows);
    }


    @Test
    void aDryRunWalksThePlanAndChangesNothing() {
        String ns = cluster(Map.of("FEATURE_X", "on", "LOG_LEVEL", "info"), null);
        String cm = client.configMaps().inNamespace(ns).withName("checkout-config").get().getMetadata().getResourceVersion();
        String name = h.dryRun(ns, "checkout", SCENARIO, Map.of("changedWithin", "15m"));
        RemediationRecord r = h.record(name);
        assertTrue(r.status.steps.stream().anyMatch(s -> s.name.equals("restore-config")
                && s.message.contains("would JSON-patch ConfigMap " + ns + "/checkout-config: ") && s.message.contains("\"LOG_LEVEL\":\"info\"")), r.status.steps.toString());
        assertEquals(cm, client.configMaps().inNamespace(ns).withName("checkout-config").get().getMetadata().getResourceVersion());
        assertNull(restartedAt(ns));
    }
}
