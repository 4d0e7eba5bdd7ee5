package io.autonova.remediator.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Dry-run as one wrapper: reads go through, writes are described and never sent. */
public class DryRunClusterActions implements ClusterActions {

    private final ClusterActions delegate;

    public DryRunClusterActions(ClusterActions delegate) {
        this.delegate = delegate;
    }

    @Override
    public Optional<Deployment> deployment(String namespace, String name) {
        return delegate.deployment(namespace, name);
    }

    @Override
    public List<ReplicaSet> replicaSets(Deployment deployment) {
        return delegate.replicaSets(deployment);
    }

    @Override
    public Deployment patchDeployment(String namespace, String name, String jsonPatch) {
        return null;
    }

    @Override
    public Deployment createDeployment(Deployment deployment) {
        return null;
    }

    @Override
    public boolean deleteDeployment(String namespace, String name) {
        return false;
    }

    @Override
    public List<Pod> pods(String namespace, Map<String, String> selector) {
        return delegate.pods(namespace, selector);
    }

    @Override
    public Optional<HorizontalPodAutoscaler> autoscalerFor(String namespace, String deployment) {
        return delegate.autoscalerFor(namespace, deployment);
    }

    @Override
    public Optional<Service> service(String namespace, String name) {
        return delegate.service(namespace, name);
    }

    @Override
    public Service patchService(String namespace, String name, String jsonPatch) {
        return null;
    }

    @Override
    public List<EndpointSlice> endpointSlices(String namespace, String service) {
        return delegate.endpointSlices(namespace, service);
    }

    @Override
    public Optional<Job> job(String namespace, String name) {
        return delegate.job(namespace, name);
    }

    @Override
    public List<Job> jobs(String namespace, Map<String, String> labels) {
        return delegate.jobs(namespace, labels);
    }

    @Override
    public Job createJob(Job job) {
        return null;
    }

    @Override
    public void deleteJob(String namespace, String name) {
    }

    @Override
    public String podLog(String namespace, String pod, int limitBytes) {
        return delegate.podLog(namespace, pod, limitBytes);
    }

    @Override
    public Optional<ConfigMap> configMap(String namespace, String name) {
        return delegate.configMap(namespace, name);
    }

    @Override
    public List<ConfigMap> configMaps(String namespace, Map<String, String> labels) {
        return delegate.configMaps(namespace, labels);
    }

    @Override
    public ConfigMap createConfigMap(ConfigMap configMap) {
        return null;
    }

    @Override
    public ConfigMap patchConfigMap(String namespace, String name, String jsonPatch) {
        return null;
    }

    @Override
    public boolean deleteConfigMap(String namespace, String name) {
        return false;
    }

    @Override
    public Optional<Secret> secret(String namespace, String name) {
        return delegate.secret(namespace, name);
    }

    @Override
    public List<Secret> secrets(String namespace, Map<String, String> labels) {
        return delegate.secrets(namespace, labels);
    }

    @Override
    public Secret createSecret(Secret secret) {
        return null;
    }

    @Override
    public Secret patchSecret(String namespace, String name, String jsonPatch) {
        return null;
    }

    @Override
    public boolean deleteSecret(String namespace, String name) {
        return false;
    }

    @Override
    public Optional<Map<String, Object>> externalSecret(String namespace, String name) {
        return delegate.externalSecret(namespace, name);
    }

    @Override
    public void mergePatchExternalSecret(String namespace, String name, Map<String, Object> patch) {
    }

    @Override
    public Optional<Map<String, Object>> argoApplication(String namespace, String name) {
        return delegate.argoApplication(namespace, name);
    }

    @Override
    public String mergePatchArgoApplication(String namespace, String name, Map<String, Object> patch) {
        try {
            return "dry-run: would merge-patch application " + namespace + "/" + name + ": " + abbreviate(FabricClusterActions.PATCH_MAPPER.writeValueAsString(patch));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean dryRun() {
        return true;
    }

    private static String abbreviate(String s) {
        return s.length() > 2000 ? s.substring(0, 2000) + "..." : s;
    }

    @Override
    public boolean handlesSecrets(String namespace) {
        return delegate.handlesSecrets(namespace);
    }
}
