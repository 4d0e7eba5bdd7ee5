package io.autonova.remediator.cluster;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The what-if view: reads are real, no write reaches the cluster, later reads see the writes, each write is journaled. */
class DryRunClusterActionsTest {

    final List<String> written = new ArrayList<>();
    final Deployment web = new DeploymentBuilder().withNewMetadata().withNamespace("shop").withName("web").withResourceVersion("7").withGeneration(3L)
            .endMetadata().withNewSpec().withReplicas(4).endSpec().build();
    final Job oldJob = new JobBuilder().withNewMetadata().withNamespace("shop").withName("old").withLabels(Map.of("app", "web")).endMetadata().build();
    final ConfigMap config = new ConfigMapBuilder().withNewMetadata().withNamespace("shop").withName("web-config").withResourceVersion("5").endMetadata()
            .withData(Map.of("LEVEL", "debug")).build();
    final Secret secret = new SecretBuilder().withNewMetadata().withNamespace("shop").withName("web-secret").withResourceVersion("9").endMetadata()
            .withData(Map.of("token", "c2VjcmV0")).build();

    /** A cluster that answers reads from the objects above and records any write that reaches it. */
    final ClusterActions cluster = (ClusterActions) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{ClusterActions.class},
            (p, m, args) -> switch (m.getName()) {
                case "deployment" -> Optional.of(web).filter(d -> args[1].equals("web"));
                case "job" -> Optional.of(oldJob).filter(j -> args[1].equals("old"));
                case "jobs" -> List.of(oldJob);
                case "configMap" -> Optional.of(config).filter(c -> args[1].equals("web-config"));
                case "secret" -> Optional.of(secret).filter(c -> args[1].equals("web-secret"));
                case "argoApplication" -> Optional.of(Map.<String, Object>of("spec", Map.of("syncPolicy", Map.of("automated", Map.of("selfHeal", true)))));
                case "replicaSets", "pods", "configMaps", "secrets", "endpointSlices" -> List.of();
                case "handlesSecrets", "equals" -> true;
                case "hashCode" -> 0;
                default -> {
                    written.add(m.getName());
                    yield null;
                }
            });
    final DryRunClusterActions whatIf = new DryRunClusterActions(cluster);

    @Test
    void aPatchIsAppliedLocallyAndSeenByLaterReadsButNeverSent() {
        Deployment after = whatIf.patchDeployment("shop", "web", "[{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\",\"value\":\"7\"},"
                + "{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":0}]");
        assertEquals(0, after.getSpec().getReplicas());
        assertEquals(4L, after.getMetadata().getGeneration(), "the generation moves as the API server's would");
        assertEquals(0, whatIf.deployment("shop", "web").orElseThrow().getSpec().getReplicas());
        assertEquals(4, web.getSpec().getReplicas(), "the cluster's object is not touched");
        assertEquals(List.of("JSON-patch Deployment shop/web: [{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\",\"value\":\"7\"},"
                + "{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":0}]"), whatIf.drain());
        assertEquals(List.of(), whatIf.drain(), "drained once");
        assertEquals(List.of(), written);
    }

    @Test
    void aPatchWhoseTestFailsIsRefusedAsTheApiServerWould() {
        KubernetesClientException e = assertThrows(KubernetesClientException.class, () -> whatIf.patchDeployment("shop", "web",
                "[{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\",\"value\":\"6\"},{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":0}]"));
        assertEquals(422, e.getCode());
        assertEquals(4, whatIf.deployment("shop", "web").orElseThrow().getSpec().getReplicas());
        assertEquals(List.of(), whatIf.drain());
        assertEquals(404, assertThrows(KubernetesClientException.class, () -> whatIf.patchDeployment("shop", "gone", "[]")).getCode());
    }

    @Test
    void createdAndDeletedObjectsAreLaidOverTheClustersLists() {
        whatIf.createJob(new JobBuilder().withNewMetadata().withNamespace("shop").withName("undo").withLabels(Map.of("app", "web")).endMetadata().build());
        whatIf.createJob(new JobBuilder().withNewMetadata().withNamespace("shop").withName("other").withLabels(Map.of("app", "db")).endMetadata().build());
        assertEquals(List.of("old", "undo"), whatIf.jobs("shop", Map.of("app", "web")).stream().map(j -> j.getMetadata().getName()).toList());
        assertTrue(whatIf.job("shop", "undo").isPresent());
        assertEquals(409, assertThrows(KubernetesClientException.class, () -> whatIf.createJob(
                new JobBuilder().withNewMetadata().withNamespace("shop").withName("undo").endMetadata().build())).getCode());
        whatIf.deleteJob("shop", "old");
        assertFalse(whatIf.job("shop", "old").isPresent());
        assertEquals(List.of("undo"), whatIf.jobs("shop", Map.of("app", "web")).stream().map(j -> j.getMetadata().getName()).toList());
        assertFalse(whatIf.deleteDeployment("shop", "never-there"), "nothing to delete: no write described");
        assertEquals(List.of("create Job shop/undo", "create Job shop/other", "delete Job shop/old"), whatIf.drain());
        assertEquals(List.of(), written);
    }

    @Test
    void aSecretsContentNeverReachesTheJournal() {
        whatIf.patchSecret("shop", "web-secret", "[{\"op\":\"replace\",\"path\":\"/data\",\"value\":{\"token\":\"bmV3LXNlY3JldA==\"}}]");
        assertEquals(List.of("JSON-patch Secret shop/web-secret (content not shown)"), whatIf.drain());
        assertEquals("bmV3LXNlY3JldA==", whatIf.secret("shop", "web-secret").orElseThrow().getData().get("token"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void aMergePatchFollowsRfc7386() {
        String said = whatIf.mergePatchArgoApplication("argocd", "web", Map.of("spec", Map.of("syncPolicy", java.util.Collections.singletonMap("automated", null))));
        assertTrue(said.startsWith("would merge-patch Application argocd/web: "), said);
        Map<String, Object> spec = (Map<String, Object>) whatIf.argoApplication("argocd", "web").orElseThrow().get("spec");
        assertEquals(Map.of(), spec.get("syncPolicy"), "null removes the member, the rest of the object stays");
        assertEquals(List.of(), written);
    }

    @Test
    void twoWalksDoNotSeeEachOthersWrites() {
        whatIf.patchConfigMap("shop", "web-config", "[{\"op\":\"replace\",\"path\":\"/data\",\"value\":{\"LEVEL\":\"info\"}}]");
        assertEquals("info", whatIf.configMap("shop", "web-config").orElseThrow().getData().get("LEVEL"));
        assertEquals("debug", new DryRunClusterActions(cluster).configMap("shop", "web-config").orElseThrow().getData().get("LEVEL"));
    }
}
