package io.autonova.remediator.state;

import io.autonova.remediator.policy.GlobalState;
import io.autonova.remediator.policy.Pause;
import io.autonova.remediator.policy.PauseScope;
import io.autonova.remediator.policy.TargetState;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two replicas' stores over one API server: conditional writes never overwrite each other, and what one
 * replica writes reaches the other's watch-fed cache.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesStateStoreTest {

    static final String NS = "autonova-system";
    KubernetesMockServer server;
    KubernetesClient client;
    KubernetesStateStore a;
    KubernetesStateStore b;

    @BeforeEach
    void start() {
        for (String kind : List.of("Remediation", "RemediationPause")) {
            server.expectCustomResource(new CustomResourceDefinitionContext.Builder().withGroup("autonova.io").withVersion("v1alpha1")
                    .withKind(kind).withPlural(kind.toLowerCase() + "s").withScope("Namespaced").build());
        }
        a = new KubernetesStateStore(client, NS, "policy", java.time.Clock.systemUTC()).start(Duration.ofSeconds(10));
        b = new KubernetesStateStore(client, NS, "policy", java.time.Clock.systemUTC()).start(Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() {
        a.stop();
        b.stop();
    }

    @Test
    void aStaleWriteOfTheSharedStateIsRejectedAndTheOtherReplicaSeesTheWinner() {
        Versioned<GlobalState> readA = a.global();
        Versioned<GlobalState> readB = b.global();
        GlobalState one = GlobalState.EMPTY.withAdmission(new GlobalState.Admission("prod/api", "r", Instant.EPOCH, "rec-1", false), true, Duration.ofHours(1));
        assertTrue(a.replaceGlobal(readA, one));
        assertFalse(b.replaceGlobal(readB, GlobalState.EMPTY), "B read before A wrote: its write must fail");
        await().atMost(Duration.ofSeconds(5)).until(() -> b.global().value().admitted("rec-1"));
        assertEquals("rec-1", b.fetchGlobal().value().inFlight().get("prod/api").record());
    }

    /** Both replicas seal with one key, made once; a record changed or written outside the service is flagged for both. */
    @Test
    @SuppressWarnings("unchecked")
    void recordsChangedOrWrittenOutsideTheServiceAreUntrusted() {
        assertTrue(client.secrets().inNamespace(NS).withName(KubernetesStateStore.SEAL_SECRET).get().getData().get("key").length() >= 43);
        RemediationRecord r = new RemediationRecord();
        r.name = "rule-00000000000000aa-1";
        r.createdAt = Instant.parse("2026-11-26T10:00:00Z");
        r.spec.rule = "rule";
        r.spec.scenario = "database-migration-rollback";
        r.spec.parameters.put("reversible", "true");
        r.spec.target.namespace = "prod";
        r.spec.target.deployment = "api";
        r.status.phase = Phase.PENDING;
        assertTrue(a.create(r));
        await().atMost(Duration.ofSeconds(5)).until(() -> b.record(r.name).isPresent());
        assertFalse(b.record(r.name).get().untrusted, "sealed by A, verified by B");

        var stored = client.genericKubernetesResources(KubernetesStateStore.REMEDIATION).inNamespace(NS).withName(r.name).get();
        ((Map<String, Object>) ((Map<String, Object>) stored.getAdditionalProperties().get("spec")).get("parameters")).put("undoImage", "registry.evil/tool:1");
        client.genericKubernetesResources(KubernetesStateStore.REMEDIATION).inNamespace(NS).resource(stored).update();
        await().atMost(Duration.ofSeconds(5)).until(() -> b.record(r.name).map(x -> x.untrusted).orElse(false));
        assertTrue(a.fetch(r.name).orElseThrow().untrusted);

        var forged = client.genericKubernetesResources(KubernetesStateStore.REMEDIATION).inNamespace(NS).withName(r.name).get();
        forged.getMetadata().setName("rule-00000000000000bb-1");
        forged.getMetadata().setResourceVersion(null);
        forged.getMetadata().getAnnotations().remove(RecordSeal.ANNOTATION);
        client.genericKubernetesResources(KubernetesStateStore.REMEDIATION).inNamespace(NS).resource(forged).create();
        await().atMost(Duration.ofSeconds(5)).until(() -> b.record("rule-00000000000000bb-1").map(x -> x.untrusted).orElse(false));
    }

    /** A record carries its rule and target as labels (for kubectl -l) only where Kubernetes accepts the value. */
    @Test
    void onlyValidLabelValuesBecomeLabels() {
        RemediationRecord r = new RemediationRecord();
        r.name = "rule-00000000000000cc-1";
        r.createdAt = Instant.parse("2026-11-26T10:00:00Z");
        r.spec.rule = "a".repeat(64); // one over the limit
        r.spec.scenario = "immediate-rollback";
        r.spec.target.namespace = "prod";
        r.spec.target.deployment = "api-";
        r.status.phase = Phase.PENDING;
        assertTrue(a.create(r));
        Map<String, String> labels = client.genericKubernetesResources(KubernetesStateStore.REMEDIATION).inNamespace(NS).withName(r.name).get()
                .getMetadata().getLabels();
        assertEquals("prod", labels.get("autonova.io/target-namespace"));
        assertFalse(labels.containsKey("autonova.io/rule"), "64 characters: " + labels);
        assertFalse(labels.containsKey("autonova.io/target-deployment"), "ends with '-': " + labels);
    }

    /** Deleting the policy ConfigMap does not reset the limits: its content is rebuilt from the records and written back. */
    @Test
    void aDeletedPolicyConfigMapIsRebuiltFromTheRecords() {
        Instant now = Instant.now();
        for (String[] r : new String[][]{{"run-1", "RUNNING", "prod/api"}, {"run-2", "SUCCEEDED", "prod/web"}, {"refused-1", "REFUSED", "prod/db"}}) {
            RemediationRecord rec = new RemediationRecord();
            rec.name = r[0];
            rec.createdAt = now;
            rec.spec.rule = "rule";
            rec.spec.target.namespace = "prod";
            rec.spec.target.deployment = r[2].substring(5);
            rec.status.phase = Phase.valueOf(r[1]);
            rec.status.decision = new RemediationRecord.DecisionView();
            rec.status.decision.outcome = r[1].equals("REFUSED") ? "REFUSE" : "EXECUTE";
            rec.status.decision.decidedAt = now.minusSeconds(60);
            assertTrue(a.create(rec));
        }
        GlobalState before = GlobalState.EMPTY
                .withAdmission(new GlobalState.Admission("prod/api", "rule", now.minusSeconds(60), "run-1", false), true, Duration.ofHours(1))
                .withAdmission(new GlobalState.Admission("prod/web", "rule", now.minusSeconds(60), "run-2", false), false, Duration.ofHours(1));
        assertTrue(a.replaceGlobal(a.global(), before));
        await().atMost(Duration.ofSeconds(5)).until(() -> b.global().version() != null && b.record("run-2").isPresent());

        client.configMaps().inNamespace(NS).withName("policy").delete();
        await().atMost(Duration.ofSeconds(5)).until(() -> client.configMaps().inNamespace(NS).withName("policy").get() == null && b.global().version() == null);
        GlobalState rebuilt = b.global().value();
        assertEquals("run-1", rebuilt.inFlight().get("prod/api").record(), "the run in flight still counts");
        assertTrue(rebuilt.admitted("run-1") && rebuilt.admitted("run-2") && !rebuilt.admitted("refused-1"), rebuilt.toString());
        assertTrue(b.replaceGlobal(b.global(), b.global().value()), "written back as it was rebuilt");
        assertEquals(rebuilt, a.fetchGlobal().value());
    }

    @Test
    void aRecordIsCreatedOnceStaleUpdatesAreRejectedAndTheWatchCarriesIt() {
        RemediationRecord r = new RemediationRecord();
        r.name = "rule-0123456789abcdef-1";
        r.createdAt = Instant.parse("2026-11-26T10:00:00Z");
        r.spec.rule = "rule";
        r.spec.episode = 1;
        r.spec.target.namespace = "prod";
        r.spec.target.deployment = "api";
        assertTrue(a.create(r));
        assertFalse(b.create(r.copy()), "the same episode is claimed once, whichever replica is first");

        await().atMost(Duration.ofSeconds(5)).until(() -> b.record(r.name).isPresent());
        assertEquals(r.name, b.latestEpisode("rule", "prod/api").orElseThrow().name);
        RemediationRecord fromA = a.record(r.name).orElseThrow().copy();
        RemediationRecord fromB = b.record(r.name).orElseThrow().copy();
        fromA.status.suppressedDuplicates = 1;
        assertTrue(a.update(fromA));
        fromB.status.phase = Phase.RUNNING;
        assertFalse(b.update(fromB), "B read before A's update");
        await().atMost(Duration.ofSeconds(5)).until(() -> b.record(r.name).orElseThrow().status.suppressedDuplicates == 1);
        RemediationRecord latest = b.fetch(r.name).orElseThrow();
        assertEquals(r.createdAt, latest.createdAt);
        assertEquals("prod", latest.spec.target.namespace);

        a.delete(r.name);
        await().atMost(Duration.ofSeconds(5)).until(() -> b.record(r.name).isEmpty());
    }

    @Test
    void aTargetLeaseCarriesItsStateAndOwnershipToTheOtherReplica() {
        Instant now = Instant.parse("2026-11-26T10:00:00Z");
        Versioned<TargetRecord> none = a.target("prod/api");
        assertNull(none.version());
        TargetRecord held = none.value().withState(TargetState.EMPTY.withBadTemplate("abc").withHold("looked odd"))
                .acquiredBy("replica-a", "rec-1", now, Duration.ofSeconds(15));
        assertTrue(a.replaceTarget(none, held));
        assertFalse(b.replaceTarget(none, none.value().acquiredBy("replica-b", "rec-2", now, Duration.ofSeconds(15))),
                "B saw no Lease; A created it first");
        await().atMost(Duration.ofSeconds(5)).until(() -> "replica-a".equals(b.target("prod/api").value().holder()));
        TargetRecord seen = b.target("prod/api").value();
        assertTrue(seen.state().isBad("abc"));
        assertEquals("looked odd", seen.state().hold());
        assertEquals("rec-1", seen.run());
        assertTrue(seen.heldBy("replica-a", now.plusSeconds(14)));
        assertTrue(seen.free(now.plusSeconds(15)), "free once the holder stopped renewing for the lease duration");
        assertEquals(Map.of(), client.leases().inNamespace(NS).withName(KubernetesStateStore.leaseName("prod/api")).get().getSpec()
                .getAdditionalProperties());
    }

    @Test
    void pausesAreObjectsBothReplicasSee() {
        Pause p = new Pause("pause-1a2b3c4d", PauseScope.NAMESPACE, "prod", null, "freeze, see INC-1", "sre", Instant.EPOCH, Instant.parse("2030-01-01T00:00:00Z"));
        a.createPause(p);
        await().atMost(Duration.ofSeconds(5)).until(() -> b.pauses().size() == 1);
        assertEquals(p, b.pauses().get(0));
        assertTrue(b.deletePause(p.id()));
        await().atMost(Duration.ofSeconds(5)).until(() -> a.pauses().isEmpty());
        assertFalse(a.deletePause("pause-ffffffff"));
    }
}
