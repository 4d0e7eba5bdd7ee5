package io.autonova.remediator.cluster;

import io.autonova.remediator.domain.Change;
import io.autonova.remediator.fixtures.ClusterFixtures;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/** A Deployment's releases are built once per version of it and its ReplicaSets, and rebuilt when any of them changes. */
class ReleaseCacheTest {

    private static ClusterFixtures.History versioned(int revisions) {
        ClusterFixtures.History h = ClusterFixtures.history("shop", "web", revisions, Map.of(), Map.of(), Duration.ofMinutes(7));
        h.deployment().getMetadata().setResourceVersion("100");
        int rv = 1;
        for (ReplicaSet rs : h.replicaSets()) {
            rs.getMetadata().setUid("rs-" + rv);
            rs.getMetadata().setResourceVersion(String.valueOf(rv++));
        }
        return h;
    }

    @Test
    void keptWhileNothingChanged() {
        ClusterFixtures.History h = versioned(3);
        ReleaseCache cache = new ReleaseCache();
        List<Change> first = cache.releases(h.deployment(), h.replicaSets());
        assertEquals(ReleaseHistory.releases(h.deployment(), h.replicaSets()), first);
        assertSame(first, cache.releases(h.deployment(), h.replicaSets()));
        assertSame(first, cache.releases(h.deployment(), List.of(h.replicaSets().get(2), h.replicaSets().get(0), h.replicaSets().get(1))),
                "the order an index lists ReplicaSets in is not a version");
        assertEquals(1, cache.size());
    }

    @Test
    void rebuiltWhenTheDeploymentOrAReplicaSetChanges() {
        ClusterFixtures.History h = versioned(3);
        ReleaseCache cache = new ReleaseCache();
        List<Change> first = cache.releases(h.deployment(), h.replicaSets());
        ReplicaSet newest = h.replicaSets().get(2);
        newest.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(ClusterFixtures.image("web", 9));
        newest.getMetadata().setResourceVersion("42");
        List<Change> second = cache.releases(h.deployment(), h.replicaSets());
        assertNotEquals(first, second);
        assertEquals(ReleaseHistory.releases(h.deployment(), h.replicaSets()), second);
        h.deployment().getMetadata().setResourceVersion("101");
        assertNotSame(second, cache.releases(h.deployment(), h.replicaSets()));
        List<Change> fewer = cache.releases(h.deployment(), h.replicaSets().subList(1, 3));
        assertEquals(2, fewer.size(), "a ReplicaSet gone (history limit) is a new version too");
    }

    @Test
    void objectsWithoutAVersionAreNeverKept() {
        ClusterFixtures.History h = ClusterFixtures.history("shop", "web", 2, Map.of(), Map.of());
        ReleaseCache cache = new ReleaseCache();
        List<Change> first = cache.releases(h.deployment(), h.replicaSets());
        assertNotSame(first, cache.releases(h.deployment(), h.replicaSets()));
        assertEquals(0, cache.size());
    }

    @Test
    void keepsAtMostItsBound() {
        ReleaseCache cache = new ReleaseCache(3);
        for (int i = 0; i < 5; i++) {
            ClusterFixtures.History h = versioned(2);
            h.deployment().getMetadata().setUid("deployment-" + i);
            assertEquals(ReleaseHistory.releases(h.deployment(), h.replicaSets()), cache.releases(h.deployment(), h.replicaSets()));
            assertEquals(Math.min(i + 1, 3), cache.size());
        }
    }

    @Test
    void forgottenWhenTheDeploymentIsDeleted() {
        ClusterFixtures.History h = versioned(2);
        ReleaseCache cache = new ReleaseCache();
        cache.releases(h.deployment(), h.replicaSets());
        cache.forget(h.deployment());
        assertEquals(0, cache.size());
    }
}
