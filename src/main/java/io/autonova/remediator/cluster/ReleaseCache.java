package io.autonova.remediator.cluster;

import io.autonova.remediator.domain.Change;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The releases of each Deployment ({@link ReleaseHistory#releases}), kept per version of the Deployment and its
 * ReplicaSets. Building them hashes and compares pod templates, most of a decision's cost on a fresh replica: done
 * once per version (or before the first alert, see {@code ChangeWatch.prime}), not at every decision. Any change to
 * one of those objects changes its resourceVersion, so a kept list is never stale.
 */
public final class ReleaseCache {

    private record Kept(String version, List<Change> releases) {
    }

    /** At most this many Deployments kept (the informers hold their objects anyway; this keeps the derived lists bounded). */
    static final int MAX = 5_000;

    private final Map<String, Kept> byDeployment = new ConcurrentHashMap<>();
    private final int max;

    public ReleaseCache() {
        this(MAX);
    }

    ReleaseCache(int max) {
        this.max = max;
    }

    public List<Change> releases(Deployment d, List<ReplicaSet> replicaSets) {
        String uid = d.getMetadata().getUid();
        String version = version(d, replicaSets);
        if (uid == null || version == null) {
            return ReleaseHistory.releases(d, replicaSets); // objects not from an API server: nothing to key them by
        }
        Kept kept = byDeployment.get(uid);
        if (kept != null && kept.version().equals(version)) {
            return kept.releases();
        }
        List<Change> releases = List.copyOf(ReleaseHistory.releases(d, replicaSets));
        if (byDeployment.size() >= max && kept == null) {
            var any = byDeployment.keySet().iterator();
            if (any.hasNext()) {
                byDeployment.remove(any.next()); // any one: built again when next asked for
            }
        }
        byDeployment.put(uid, new Kept(version, releases));
        return releases;
    }

    /** The Deployment is gone. */
    public void forget(Deployment d) {
        if (d.getMetadata().getUid() != null) {
            byDeployment.remove(d.getMetadata().getUid());
        }
    }

    public int size() {
        return byDeployment.size();
    }

    /** The resourceVersions the releases are built from, in an order of their own; null when one has none. */
    static String version(Deployment d, List<ReplicaSet> replicaSets) {
        if (d.getMetadata().getResourceVersion() == null) {
            return null;
        }
        List<String> parts = new ArrayList<>(replicaSets.size());
        for (ReplicaSet rs : replicaSets) {
            String v = versionOf(rs);
            if (v == null) {
                return null;
            }
            parts.add(v);
        }
        parts.sort(null);
        return d.getMetadata().getResourceVersion() + ";" + String.join(",", parts);
    }

    private static String versionOf(HasMetadata o) {
        String rv = o.getMetadata().getResourceVersion();
        return rv == null ? null : o.getMetadata().getUid() + "@" + rv;
    }
}
