package io.autonova.remediator.cluster;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The Kubernetes calls scenarios make. Every name passed here has been validated. */
public interface ClusterActions {

    Optional<Deployment> deployment(String namespace, String name);

    /** ReplicaSets in the namespace that match the Deployment's selector (ownership is checked by the caller). */
    List<ReplicaSet> replicaSets(Deployment deployment);

    /**
     * Applies a JSON patch; returns the Deployment as the API server answered it, or null in dry-run.
     * A failed {@code test} operation surfaces as an exception with code 409 or 422.
     */
    Deployment patchDeployment(String namespace, String name, String jsonPatch);

    Optional<Map<String, Object>> argoApplication(String namespace, String name);

    /** Applies a JSON merge patch to an Argo CD Application; returns a sentence describing the write. */
    String mergePatchArgoApplication(String namespace, String name, Map<String, Object> patch);

    /** True when writes are only described, not sent. */
    default boolean dryRun() {
        return false;
    }
}
