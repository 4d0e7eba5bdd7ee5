package io.autonova.remediator.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.autonova.remediator.domain.Json;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@link ClusterActions} through the fabric8 client: JSON and merge patches only, never strategic merge. */
public class FabricClusterActions implements ClusterActions {

    static final ResourceDefinitionContext EXTERNAL_SECRET = new ResourceDefinitionContext.Builder()
            .withGroup("external-secrets.io").withVersion("v1beta1").withKind("ExternalSecret").withPlural("externalsecrets").withNamespaced(true).build();
    private static final PatchContext JSON_PATCH = new PatchContext.Builder().withPatchType(PatchType.JSON).build();
    private static final PatchContext MERGE_PATCH = new PatchContext.Builder().withPatchType(PatchType.JSON_MERGE).build();
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
                .patch(JSON_PATCH, jsonPatch);
    }

    @Override
    public Deployment createDeployment(Deployment deployment) {
        return client.apps().deployments().inNamespace(deployment.getMetadata().getNamespace()).resource(deployment).create();
    }

    @Override
    public boolean deleteDeployment(String namespace, String name) {
        return !client.apps().deployments().inNamespace(namespace).withName(name).withPropagationPolicy(DeletionPropagation.FOREGROUND).delete().isEmpty();
    }

    @Override
    public List<Pod> pods(String namespace, Map<String, String> selector) {
        return client.pods().inNamespace(namespace).withLabels(selector).list().getItems();
    }

    @Override
    public Optional<HorizontalPodAutoscaler> autoscalerFor(String namespace, String deployment) {
        return client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(namespace).list().getItems().stream()
                .filter(h -> h.getSpec() != null && h.getSpec().getScaleTargetRef() != null
                        && "Deployment".equals(h.getSpec().getScaleTargetRef().getKind()) && deployment.equals(h.getSpec().getScaleTargetRef().getName()))
                .findFirst();
    }

    @Override
    public Optional<Service> service(String namespace, String name) {
        return Optional.ofNullable(client.services().inNamespace(namespace).withName(name).get());
    }

    @Override
    public Service patchService(String namespace, String name, String jsonPatch) {
        return client.services().inNamespace(namespace).withName(name).patch(JSON_PATCH, jsonPatch);
    }

    @Override
    public List<EndpointSlice> endpointSlices(String namespace, String service) {
        return client.discovery().v1().endpointSlices().inNamespace(namespace).withLabel("kubernetes.io/service-name", service).list().getItems();
    }

    @Override
    public Optional<Job> job(String namespace, String name) {
        return Optional.ofNullable(client.batch().v1().jobs().inNamespace(namespace).withName(name).get());
    }

    @Override
    public List<Job> jobs(String namespace, Map<String, String> labels) {
        return client.batch().v1().jobs().inNamespace(namespace).withLabels(labels).list().getItems();
    }

    @Override
    public Job createJob(Job job) {
        return client.batch().v1().jobs().inNamespace(job.getMetadata().getNamespace()).resource(job).create();
    }

    @Override
    public void deleteJob(String namespace, String name) {
        client.batch().v1().jobs().inNamespace(namespace).withName(name)
                .withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.FOREGROUND).delete();
    }

    @Override
    public String podLog(String namespace, String pod, int limitBytes) {
        try {
            String log = client.pods().inNamespace(namespace).withName(pod).limitBytes(limitBytes).getLog();
            return log == null ? "" : log;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return "";
            }
            throw e;
        }
    }

    @Override
    public Optional<ConfigMap> configMap(String namespace, String name) {
        return Optional.ofNullable(client.configMaps().inNamespace(namespace).withName(name).get());
    }

    @Override
    public List<ConfigMap> configMaps(String namespace, Map<String, String> labels) {
        return client.configMaps().inNamespace(namespace).withLabels(labels).list().getItems();
    }

    @Override
    public ConfigMap createConfigMap(ConfigMap configMap) {
        return client.configMaps().inNamespace(configMap.getMetadata().getNamespace()).resource(configMap).create();
    }

    @Override
    public ConfigMap patchConfigMap(String namespace, String name, String jsonPatch) {
        return client.configMaps().inNamespace(namespace).withName(name).patch(JSON_PATCH, jsonPatch);
    }

    @Override
    public boolean deleteConfigMap(String namespace, String name) {
        return !client.configMaps().inNamespace(namespace).withName(name).delete().isEmpty();
    }

    @Override
    public Optional<Secret> secret(String namespace, String name) {
        return Optional.ofNullable(client.secrets().inNamespace(namespace).withName(name).get());
    }

    @Override
    public List<Secret> secrets(String namespace, Map<String, String> labels) {
        return client.secrets().inNamespace(namespace).withLabels(labels).list().getItems();
    }

    @Override
    public Secret createSecret(Secret secret) {
        return client.secrets().inNamespace(secret.getMetadata().getNamespace()).resource(secret).create();
    }

    @Override
    public Secret patchSecret(String namespace, String name, String jsonPatch) {
        return client.secrets().inNamespace(namespace).withName(name).patch(JSON_PATCH, jsonPatch);
    }

    @Override
    public boolean deleteSecret(String namespace, String name) {
        return !client.secrets().inNamespace(namespace).withName(name).delete().isEmpty();
    }

    @Override
    public Optional<Map<String, Object>> externalSecret(String namespace, String name) {
        try {
            GenericKubernetesResource es = client.genericKubernetesResources(EXTERNAL_SECRET).inNamespace(namespace).withName(name).get();
            return Optional.ofNullable(es).map(a -> Json.MAPPER.convertValue(a, MAP));
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return Optional.empty(); // the CRD is not installed
            }
            throw e;
        }
    }

    @Override
    public void mergePatchExternalSecret(String namespace, String name, Map<String, Object> patch) {
        try {
            client.genericKubernetesResources(EXTERNAL_SECRET).inNamespace(namespace).withName(name).patch(MERGE_PATCH, PATCH_MAPPER.writeValueAsString(patch));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
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
                    .patch(MERGE_PATCH, PATCH_MAPPER.writeValueAsString(patch));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return "patched application " + namespace + "/" + name + " (merge patch)";
    }
}
