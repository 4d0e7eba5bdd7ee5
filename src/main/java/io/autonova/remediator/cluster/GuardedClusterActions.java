package io.autonova.remediator.cluster;

import io.autonova.remediator.domain.KubernetesNames;
import io.autonova.remediator.domain.NamespaceGuard;
import io.autonova.remediator.domain.TargetRefused;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
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

/**
 * The last door before the API server: every call a step or compensation makes names a namespace the guard allows
 * and valid names, whatever the record it runs from says (records can be edited by hand). Argo CD Applications are
 * the one thing reached in Argo CD's namespace. A refused call throws {@link TargetRefused} and is never sent.
 */
public class GuardedClusterActions implements ClusterActions {

    private final ClusterActions delegate;
    private final NamespaceGuard guard;
    private final String argoNamespace;
    private final java.util.Set<String> secretNamespaces;

    /** @param secretNamespaces where Secrets may be read and written ({@code *}: wherever the guard allows); null: same as {@code *} */
    public GuardedClusterActions(ClusterActions delegate, NamespaceGuard guard, String argoNamespace, java.util.Set<String> secretNamespaces) {
        this.delegate = delegate instanceof GuardedClusterActions g ? g.delegate : delegate;
        this.guard = guard;
        this.argoNamespace = argoNamespace;
        this.secretNamespaces = secretNamespaces == null || secretNamespaces.contains("*") ? null : java.util.Set.copyOf(secretNamespaces);
    }

    private String secretNs(String namespace) {
        ns(namespace);
        if (secretNamespaces != null && !secretNamespaces.contains(namespace)) {
            throw new TargetRefused("refused: Secrets in " + namespace + " are not handled (remediator.config-history.secret-namespaces: "
                    + new java.util.TreeSet<>(secretNamespaces) + ")");
        }
        return namespace;
    }

    private String ns(String namespace) {
        KubernetesNames.namespaceProblem(namespace).ifPresent(p -> {
            throw new TargetRefused("refused: namespace " + p);
        });
        guard.refusal(namespace).ifPresent(why -> {
            throw new TargetRefused("refused: " + why);
        });
        return namespace;
    }

    private String name(String name) {
        KubernetesNames.objectNameProblem(name).ifPresent(p -> {
            throw new TargetRefused("refused: name " + p);
        });
        return name;
    }

    private <T extends HasMetadata> T object(T o) {
        ns(o.getMetadata().getNamespace());
        name(o.getMetadata().getName());
        return o;
    }

    @Override
    public Optional<Deployment> deployment(String namespace, String name) {
        return delegate.deployment(ns(namespace), name(name));
    }

    @Override
    public List<ReplicaSet> replicaSets(Deployment deployment) {
        return delegate.replicaSets(object(deployment));
    }

    @Override
    public Deployment patchDeployment(String namespace, String name, String jsonPatch) {
        return delegate.patchDeployment(ns(namespace), name(name), jsonPatch);
    }

    @Override
    public Deployment createDeployment(Deployment deployment) {
        return delegate.createDeployment(object(deployment));
    }

    @Override
    public boolean deleteDeployment(String namespace, String name) {
        return delegate.deleteDeployment(ns(namespace), name(name));
    }

    @Override
    public List<Pod> pods(String namespace, Map<String, String> selector) {
        return delegate.pods(ns(namespace), selector);
    }

    @Override
    public Optional<HorizontalPodAutoscaler> autoscalerFor(String namespace, String deployment) {
        return delegate.autoscalerFor(ns(namespace), name(deployment));
    }

    @Override
    public Optional<Service> service(String namespace, String name) {
        return delegate.service(ns(namespace), name(name));
    }

    @Override
    public Service patchService(String namespace, String name, String jsonPatch) {
        return delegate.patchService(ns(namespace), name(name), jsonPatch);
    }

    @Override
    public List<EndpointSlice> endpointSlices(String namespace, String service) {
        return delegate.endpointSlices(ns(namespace), name(service));
    }

    @Override
    public Optional<Job> job(String namespace, String name) {
        return delegate.job(ns(namespace), name(name));
    }

    @Override
    public List<Job> jobs(String namespace, Map<String, String> labels) {
        return delegate.jobs(ns(namespace), labels);
    }

    @Override
    public Job createJob(Job job) {
        return delegate.createJob(object(job));
    }

    @Override
    public void deleteJob(String namespace, String name) {
        delegate.deleteJob(ns(namespace), name(name));
    }

    @Override
    public String podLog(String namespace, String pod, int limitBytes) {
        return delegate.podLog(ns(namespace), name(pod), limitBytes);
    }

    @Override
    public Optional<ConfigMap> configMap(String namespace, String name) {
        return delegate.configMap(ns(namespace), name(name));
    }

    @Override
    public List<ConfigMap> configMaps(String namespace, Map<String, String> labels) {
        return delegate.configMaps(ns(namespace), labels);
    }

    @Override
    public ConfigMap createConfigMap(ConfigMap configMap) {
        return delegate.createConfigMap(object(configMap));
    }

    @Override
    public ConfigMap patchConfigMap(String namespace, String name, String jsonPatch) {
        return delegate.patchConfigMap(ns(namespace), name(name), jsonPatch);
    }

    @Override
    public boolean deleteConfigMap(String namespace, String name) {
        return delegate.deleteConfigMap(ns(namespace), name(name));
    }

    @Override
    public Optional<Secret> secret(String namespace, String name) {
        return delegate.secret(secretNs(namespace), name(name));
    }

    @Override
    public List<Secret> secrets(String namespace, Map<String, String> labels) {
        return delegate.secrets(secretNs(namespace), labels);
    }

    @Override
    public Secret createSecret(Secret secret) {
        secretNs(secret.getMetadata().getNamespace());
        return delegate.createSecret(object(secret));
    }

    @Override
    public Secret patchSecret(String namespace, String name, String jsonPatch) {
        return delegate.patchSecret(secretNs(namespace), name(name), jsonPatch);
    }

    @Override
    public boolean deleteSecret(String namespace, String name) {
        return delegate.deleteSecret(secretNs(namespace), name(name));
    }

    private String argo(String namespace) {
        if (!argoNamespace.equals(namespace)) {
            throw new TargetRefused("refused: Argo CD Applications are read and patched only in " + argoNamespace + ", not " + namespace);
        }
        return namespace;
    }

    @Override
    public Optional<Map<String, Object>> argoApplication(String namespace, String name) {
        return delegate.argoApplication(argo(namespace), name(name));
    }

    @Override
    public String mergePatchArgoApplication(String namespace, String name, Map<String, Object> patch) {
        return delegate.mergePatchArgoApplication(argo(namespace), name(name), patch);
    }

    @Override
    public Optional<Map<String, Object>> externalSecret(String namespace, String name) {
        return delegate.externalSecret(ns(namespace), name(name));
    }

    @Override
    public void mergePatchExternalSecret(String namespace, String name, Map<String, Object> patch) {
        delegate.mergePatchExternalSecret(ns(namespace), name(name), patch);
    }

    @Override
    public boolean handlesSecrets(String namespace) {
        return secretNamespaces == null || secretNamespaces.contains(namespace);
    }
}
