package io.autonova.remediator.scenarios;

import io.autonova.remediator.cluster.ArgoTracking;
import io.autonova.remediator.fixtures.ClusterFixtures;
import io.autonova.remediator.domain.Json;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArgoCdTest {

    @Test
    void findsTheManagingApplicationFromTrackingAnnotationOrLabel() {
        Deployment byAnnotation = ClusterFixtures.history("prod", "api", 2, Map.of(),
                Map.of(ArgoCd.TRACKING_ANNOTATION, "apps_shop:apps/Deployment:prod/api")).deployment();
        assertEquals("shop", ArgoTracking.trackedApplication(byAnnotation).orElseThrow());
        assertEquals(new ArgoTracking.AppRef("apps", "shop"), ArgoTracking.trackedApplicationRef(byAnnotation).orElseThrow(),
                "<app-namespace>_<app>: the Application lives in namespace 'apps'");
        Deployment plain = ClusterFixtures.history("prod", "api", 2, Map.of(), Map.of(ArgoCd.TRACKING_ANNOTATION, "shop:apps/Deployment:prod/api")).deployment();
        assertEquals(new ArgoTracking.AppRef(null, "shop"), ArgoTracking.trackedApplicationRef(plain).orElseThrow());
        Deployment byLabel = ClusterFixtures.history("prod", "api", 2, Map.of(ArgoCd.INSTANCE_LABEL, "shop-prod"), Map.of()).deployment();
        assertEquals("shop-prod", ArgoTracking.trackedApplication(byLabel).orElseThrow());
        assertTrue(ArgoTracking.trackedApplication(ClusterFixtures.history("prod", "api", 2, Map.of(), Map.of()).deployment()).isEmpty());
    }

    @Test
    void anApplicationManagesADeploymentOnlyWhenItsResourcesListIt() {
        Map<String, Object> app = Json.MAPPER.convertValue(ClusterFixtures.argoApplication("argocd", "shop", "prod", "api", 3, true), Map.class);
        assertTrue(ArgoCd.manages(app, "prod", "api"));
        assertFalse(ArgoCd.manages(app, "prod", "web"), "another Deployment of the namespace");
        assertFalse(ArgoCd.manages(app, "staging", "api"), "the same name elsewhere");
        Map<String, Object> noStatus = new java.util.LinkedHashMap<>(app);
        noStatus.remove("status");
        assertFalse(ArgoCd.manages(noStatus, "prod", "api"), "a label and a name are not proof");
    }

    @Test
    void rollsBackToTheEntryBeforeTheCurrentOne() {
        Map<String, Object> app = Json.MAPPER.convertValue(ClusterFixtures.argoApplication("argocd", "shop", "prod", "api", 3, true), Map.class);
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
