package io.autonova.remediator.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.autonova.remediator.domain.Json;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@link ClusterActions} through the fabric8 client: JSON and merge patches only, never strategic merge. */
public class FabricClusterActions implements ClusterActions {

    static final ResourceDefinitionContext APPLICATION = new ResourceDefinitionContext.Builder()
            .withGroup("argoproj.io").withVersion("v1alpha1").withKind("Application").withPlural("applications").withNamespaced(true).build();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };
    // Merge patches need their nulls: "automated": null is how a key is removed.
    static final com.fasterxml.jackson.databind.ObjectMapper PATCH_MAPPER = new com.fasterxml.jackson.databind.ObjectMapper();

    private final KubernetesClient client;

    public FabricClusterActions(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public Optional<Deployment> deployment(String namespace, String name) {
        return Optional.ofNullable(client.apps().deployments().inNamespace(namespace).withName(name).get());
    }

    @Override
    public List<ReplicaSet> replicaSets(Deployment deployment) {
        Map<String, String> selector = deployment.getSpec().getSelector() == null ? null : deployment.getSpec().getSelector().getMatchLabels();
        var rs = client.apps().replicaSets().inNamespace(deployment.getMetadata().getNamespace());
        return (selector == null || selector.isEmpty() ? rs.list() : rs.withLabels(selector).list()).getItems();
    }

    @Override
    public Deployment patchDeployment(String namespace, String name, String jsonPatch) {
        return client.apps().deployments().inNamespace(namespace).withName(name)
                .patch(new PatchContext.Builder().withPatchType(PatchType.JSON).build(), jsonPatch);
    }

    @Override
    public Optional<Map<String, Object>> argoApplication(String namespace, String name) {
        GenericKubernetesResource app = client.genericKubernetesResources(APPLICATION).inNamespace(namespace).withName(name).get();
        return Optional.ofNullable(app).map(a -> Json.MAPPER.convertValue(a, MAP));
    }

    @Override
    public String mergePatchArgoApplication(String namespace, String name, Map<String, Object> patch) {
        try {
            client.genericKubernetesResources(APPLICATION).inNamespace(namespace).withName(name)
                    .patch(new PatchContext.Builder().withPatchType(PatchType.JSON_MERGE).build(), PATCH_MAPPER.writeValueAsString(patch));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return "patched application " + namespace + "/" + name + " (merge patch)";
    }
}
