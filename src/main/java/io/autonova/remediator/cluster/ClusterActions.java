package io.autonova.remediator.cluster;

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

/**
 * The Kubernetes calls scenarios make. Every name passed here has been validated. Writes are JSON or merge
 * patches, creates and deletes; a dry-run walks the same calls through {@link DryRunClusterActions}, which sends none.
 */
public interface ClusterActions {

    Optional<Deployment> deployment(String namespace, String name);

    /** ReplicaSets in the namespace that match the Deployment's selector (ownership is checked by the caller). */
    List<ReplicaSet> replicaSets(Deployment deployment);

    /**
     * Applies a JSON patch; returns the Deployment as the API server answered it.
     * A failed {@code test} operation surfaces as an exception with code 409 or 422.
     */
    Deployment patchDeployment(String namespace, String name, String jsonPatch);

    /** Creates a Deployment; an existing one of that name surfaces as an exception with code 409. */
    Deployment createDeployment(Deployment deployment);

    /** Deletes a Deployment and, in the foreground, its pods; false when it was already gone. */
    boolean deleteDeployment(String namespace, String name);

    /** Pods matching the label selector. */
    List<Pod> pods(String namespace, Map<String, String> selector);

    /** The HorizontalPodAutoscaler whose scale target is the Deployment, if any. */
    Optional<HorizontalPodAutoscaler> autoscalerFor(String namespace, String deployment);

    Optional<Service> service(String namespace, String name);

    /** Applies a JSON patch to a Service (a failed {@code test} operation: code 409 or 422). */
    Service patchService(String namespace, String name, String jsonPatch);

    /** The EndpointSlices of a Service ({@code kubernetes.io/service-name} label). */
    List<EndpointSlice> endpointSlices(String namespace, String service);

    Optional<Job> job(String namespace, String name);

    List<Job> jobs(String namespace, Map<String, String> labels);

    /** Creates a Job; an existing one of that name surfaces as an exception with code 409. */
    Job createJob(Job job);

    /** Deletes a Job with foreground propagation: the Job object stays (with a deletion time) until its pods are gone. */
    void deleteJob(String namespace, String name);

    /** The log of a pod's container, at most {@code limitBytes}; empty when the API server has none. */
    String podLog(String namespace, String pod, int limitBytes);

    Optional<ConfigMap> configMap(String namespace, String name);

    List<ConfigMap> configMaps(String namespace, Map<String, String> labels);

    ConfigMap createConfigMap(ConfigMap configMap);

    ConfigMap patchConfigMap(String namespace, String name, String jsonPatch);

    boolean deleteConfigMap(String namespace, String name);

    Optional<Secret> secret(String namespace, String name);

    List<Secret> secrets(String namespace, Map<String, String> labels);

    Secret createSecret(Secret secret);

    Secret patchSecret(String namespace, String name, String jsonPatch);

    boolean deleteSecret(String namespace, String name);

    Optional<Map<String, Object>> argoApplication(String namespace, String name);

    /** Applies a JSON merge patch to an Argo CD Application; returns a sentence describing the write. */
    String mergePatchArgoApplication(String namespace, String name, Map<String, Object> patch);

    /** An External Secrets Operator ExternalSecret, if the CRD and the object exist. */
    Optional<Map<String, Object>> externalSecret(String namespace, String name);

    /** Applies a JSON merge patch to an ExternalSecret. */
    void mergePatchExternalSecret(String namespace, String name, Map<String, Object> patch);

    /** True when Secrets in the namespace may be read and restored (remediator.config-history.secret-namespaces). */
    default boolean handlesSecrets(String namespace) {
        return true;
    }
}
