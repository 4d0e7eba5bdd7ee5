package io.autonova.remediator.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;

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
}
