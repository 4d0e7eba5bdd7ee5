package io.autonova.remediator.tools;

import io.autonova.remediator.state.KubernetesStateStore;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The warm-up's throwaway API server keeps the preconditions the state store relies on, and the store code runs on it unchanged. */
class LoopbackApiServerTest {

    Vertx vertx;
    LoopbackApiServer api;
    KubernetesClient client;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        api = LoopbackApiServer.start(vertx);
        client = new KubernetesClientBuilder().withConfig(new ConfigBuilder(Config.empty()).withMasterUrl(api.url()).withRequestRetryBackoffLimit(0).build())
                .build();
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        api.close();
        vertx.close();
    }

    @Test
    void createReadReplaceDeleteWithPreconditions() {
        assertTrue(api.url().startsWith("http://127.0.0.1:"), "loopback only: " + api.url());
        ConfigMap created = client.configMaps().inNamespace("w").resource(new ConfigMapBuilder().withNewMetadata().withName("a").endMetadata()
                .addToData("k", "1").build()).create();
        assertTrue(created.getMetadata().getUid() != null && created.getMetadata().getResourceVersion() != null, created.toString());
        KubernetesClientException exists = assertThrows(KubernetesClientException.class, () -> client.configMaps().inNamespace("w")
                .resource(new ConfigMapBuilder().withNewMetadata().withName("a").endMetadata().build()).create());
        assertEquals(409, exists.getCode());
        assertEquals("1", client.configMaps().inNamespace("w").withName("a").get().getData().get("k"));

        ConfigMap next = new ConfigMapBuilder(created).addToData("k", "2").build();
        ConfigMap updated = client.configMaps().inNamespace("w").resource(next).update();
        assertNotEquals(created.getMetadata().getResourceVersion(), updated.getMetadata().getResourceVersion());
        assertEquals(created.getMetadata().getUid(), updated.getMetadata().getUid());
        KubernetesClientException stale = assertThrows(KubernetesClientException.class, () -> client.configMaps().inNamespace("w")
                .resource(new ConfigMapBuilder(created).addToData("k", "3").build()).update());
        assertEquals(409, stale.getCode(), "a write on a version read before the last one is refused");
        assertEquals("2", client.configMaps().inNamespace("w").withName("a").get().getData().get("k"));

        assertNull(client.configMaps().inNamespace("w").withName("missing").get());
        assertFalse(client.configMaps().inNamespace("w").withName("a").delete().isEmpty());
        assertNull(client.configMaps().inNamespace("w").withName("a").get());
        assertEquals(0, api.objects());
    }

    @Test
    void theStateStoreWritesAndReadsRecordsOnIt() {
        KubernetesStateStore store = KubernetesStateStore.unwatched(client, "autonova-warm-up", "autonova-warm-up", Clock.systemUTC());
        store.checkReady(); // its own seal key: no Secret read or written
        RemediationRecord r = new RemediationRecord();
        r.name = "warm-1";
        r.createdAt = Instant.parse("2026-12-04T10:00:00Z");
        r.spec.rule = "error-rate";
        r.spec.target.namespace = "warm-up";
        r.spec.target.deployment = "svc-1";
        r.status.phase = Phase.EVALUATING;
        assertTrue(store.create(r));
        assertFalse(store.create(r.copy()), "the name is taken: a conflict, as on a real API server");
        RemediationRecord refused = store.record("warm-1").orElseThrow().copy();
        refused.status.phase = Phase.REFUSED;
        assertTrue(store.update(refused));
        RemediationRecord read = store.fetch("warm-1").orElseThrow();
        assertEquals(Phase.REFUSED, read.status.phase);
        assertFalse(read.untrusted, "sealed with the throwaway key and verified with it");
        RemediationRecord stale = r.copy();
        stale.status.phase = Phase.FAILED;
        assertFalse(store.update(stale), "a stale resourceVersion is a conflict");
        assertEquals(1, api.objects(), "the record, and no seal Secret");
    }
}
