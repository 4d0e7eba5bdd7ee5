package io.autonova.remediator.scenarios;

import io.autonova.remediator.fixtures.ClusterFixtures;
import io.autonova.remediator.state.Json;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArgoCdTest {

    @Test
    void findsTheManagingApplicationFromTrackingAnnotationOrLabel() {
        Deployment byAnnotation = ClusterFixtures.history("prod", "api", 2, Map.of(),
                Map.of(ArgoCd.TRACKING_ANNOTATION, "apps_shop:apps/Deployment:prod/api")).deployment();
        assertEquals("shop", ArgoCd.trackedApplication(byAnnotation).orElseThrow());
        Deployment byLabel = ClusterFixtures.history("prod", "api", 2, Map.of(ArgoCd.INSTANCE_LABEL, "shop-prod"), Map.of()).deployment();
        assertEquals("shop-prod", ArgoCd.trackedApplication(byLabel).orElseThrow());
        assertTrue(ArgoCd.trackedApplication(ClusterFixtures.history("prod", "api", 2, Map.of(), Map.of()).deployment()).isEmpty());
    }

    @Test
    void rollsBackToTheEntryBeforeTheCurrentOne() {
        Map<String, Object> app = Json.MAPPER.convertValue(ClusterFixtures.argoApplication("argocd", "shop", "prod", 3, true), Map.class);
        List<ArgoCd.HistoryEntry> history = ArgoCd.history(app);
        assertEquals(3, history.size());
        assertEquals(2, ArgoCd.rollbackEntry(history, 0).orElseThrow().id());
        assertEquals(1, ArgoCd.rollbackEntry(history, 1).orElseThrow().id());
        assertTrue(ArgoCd.rollbackEntry(history, 9).isEmpty());
        assertTrue(ArgoCd.rollbackEntry(history.subList(0, 1), 0).isEmpty());
        assertTrue(ArgoCd.automatedSyncPolicy(app).isPresent());
        Map<String, Object> op = ArgoCd.rollbackOperationPatch(history.get(1), "why");
        assertEquals(ClusterFixtures.gitSha(2), ((Map<?, ?>) ((Map<?, ?>) op.get("operation")).get("sync")).get("revision"));
    }
}
