package io.autonova.remediator.it;

import io.autonova.remediator.cluster.ReleaseHistory;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Change-aware remediation end to end: a rollback happens only after a recent change it undoes, the record names that
 * change, and {@code scenario: auto} picks each runbook scenario from the change timeline (one case per row).
 * The fixtures' ReplicaSets carry the creation times a cluster would hold after rollouts days apart.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockClusterSetup.class)
class ChangeAwareFlowTest extends ClusterTestSupport {

    private JsonPath alert(String alertname, String severity, String ns, String service, Instant startsAt) {
        return post(Alerts.body(new Alerts.Spec(Alerts.newFingerprint(), "firing", Map.of("alertname", alertname, "severity", severity,
                "namespace", ns, "service", service), Map.of("value", "0.5", "summary", "test"), startsAt)));
    }

    private static Instant minutesAgo(int minutes) {
        return Instant.now().minus(Duration.ofMinutes(minutes)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }

    @Test
    void aReleaseHealthyForDaysIsNeverRolledBack() throws Exception {
        String ns = namespace("steady");
        deploy(ns, "checkout", 3, Map.of(), Duration.ofDays(3));
        drainRequests();
        JsonPath answer = alert("HighErrorRate", "critical", ns, "checkout", minutesAgo(5));
        assertEquals("refuse", answer.getString("results[0].outcome"));
        assertEquals("NO_RECENT_CHANGE", answer.getString("results[0].reason"));
        assertTrue(answer.getString("results[0].message").matches(".*, was 2d23h5\\dm before the alert started.*"), answer.getString("results[0].message"));
        JsonPath rec = record(answer.getString("results[0].remediation"));
        assertEquals("REFUSED", rec.getString("status.phase"));
        assertTrue(rec.getString("spec.change.summary").startsWith("nothing of " + ns + "/checkout changed in the 2h before the alert"));
        assertTrue(writes(requests()).stream().noneMatch(w -> w.contains("/deployments/")), "nothing was written to the Deployment");
        // A refusal is an Event on the Deployment too (kubectl describe shows it).
        await().atMost(Duration.ofSeconds(30)).until(() -> client().resources(io.fabric8.kubernetes.api.model.events.v1.Event.class).inNamespace(ns).list()
                .getItems().stream().anyMatch(e -> "Warning".equals(e.getType()) && e.getNote() != null && e.getNote().startsWith("NO_RECENT_CHANGE: ")));
    }

    @Test
    void aReleaseAfterTheAlertStartedIsLeftToAHuman() {
        String ns = namespace("fixed");
        deploy(ns, "checkout", 3, Map.of(), Map.of()); // released 15 minutes ago
        JsonPath answer = alert("HighErrorRate", "critical", ns, "checkout", minutesAgo(40));
        assertEquals("CHANGED_AFTER_ALERT", answer.getString("results[0].reason"), answer.prettify());
        assertTrue(answer.getString("results[0].message").contains("after the alert started"));
    }

    @Test
    void aRuleWindowNarrowerThanTheReleaseAge() {
        String ns = namespace("narrow");
        deploy(ns, "cart", 2, Map.of(), Duration.ofMinutes(90));
        assertEquals("NO_RECENT_CHANGE", alert("RecentOnly", "critical", ns, "cart", minutesAgo(1)).getString("results[0].reason"));
        String other = namespace("narrow");
        deploy(other, "cart", 2, Map.of(), Duration.ofMinutes(30));
        assertEquals("execute", alert("RecentOnly", "critical", other, "cart", minutesAgo(1)).getString("results[0].outcome"));
    }

    @Test
    void theTimelineIsServedAndTheRecordNamesTheChangeItUndoes() {
        String ns = namespace("timeline");
        deploy(ns, "web", 3, Map.of(), Map.of());
        JsonPath t = given().header("Authorization", ADMIN).get("/api/v1/targets/" + ns + "/web/changes").then().statusCode(200).extract().jsonPath();
        assertEquals("release", t.getString("changes[0].kind"));
        assertEquals("revision 3 (registry.example/web:1.3.0)", t.getString("changes[0].to"));
        assertEquals(List.of("image of web: registry.example/web:1.2.0 -> registry.example/web:1.3.0"), t.getList("changes[0].details"));
        assertEquals(3, t.getList("changes").size());
        given().header("Authorization", ADMIN).get("/api/v1/targets/" + ns + "/NOT_A_NAME/changes").then().statusCode(400);
        assertEquals(false, given().header("Authorization", ADMIN).get("/api/v1/targets/" + ns + "/missing/changes").then().statusCode(200)
                .extract().jsonPath().getBoolean("found"));

        JsonPath answer = alert("AutoPick", "critical", ns, "web", minutesAgo(5));
        assertEquals("execute", answer.getString("results[0].outcome"), answer.prettify());
        String name = answer.getString("results[0].remediation");
        JsonPath rec = awaitPhase(name, "SUCCEEDED", "FAILED");
        assertEquals("SUCCEEDED", rec.getString("status.phase"), rec.prettify());
        assertEquals("immediate-rollback", rec.getString("spec.scenario"));
        assertEquals("immediate", rec.getString("spec.change.row"));
        assertEquals("release", rec.getString("spec.change.kind"));
        assertEquals("revision 3 (registry.example/web:1.3.0)", rec.getString("spec.change.to"));
        assertEquals("registry.example/web:1.2.0", image(ns, "web"));
        String report = given().header("Authorization", ADMIN).get("/api/v1/remediations/" + name + "/report")
                .then().statusCode(200).extract().asString();
        assertTrue(report.contains("the change undone: release Deployment " + ns + "/web"), report);
        assertTrue(report.contains("**Root Cause:** likely release"), report);

        // The next alert finds this service's own rollback as the newest change: a human's call, not a second rollback.
        JsonPath again = alert("AutoPick", "critical", ns, "web", Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        assertNotEquals("execute", again.getString("results[0].outcome"));
    }

    @Test
    void autoPicksGradualForAWarningOrALatencyAlert() {
        String ns = namespace("auto-gradual");
        deploy(ns, "web", 3, Map.of(), Map.of());
        JsonPath warning = alert("AutoPick", "warning", ns, "web", minutesAgo(5));
        assertEquals("execute", warning.getString("results[0].outcome"), warning.prettify());
        JsonPath rec = record(warning.getString("results[0].remediation"));
        assertEquals("gradual-rollback", rec.getString("spec.scenario"));
        assertEquals("gradual", rec.getString("spec.change.row"));

        String other = namespace("auto-latency");
        deploy(other, "web", 3, Map.of(), Map.of());
        JsonPath latency = alert("AutoPickLatency", "critical", other, "web", minutesAgo(5));
        assertEquals("gradual-rollback", record(latency.getString("results[0].remediation")).getString("spec.scenario"));
    }

    @Test
    void autoPicksSelectiveWhenOneOfSeveralReleasedTogetherAlerts() {
        String ns = namespace("auto-selective");
        Map<String, String> app = Map.of("app.kubernetes.io/instance", "shop");
        deploy(ns, "cart", 3, app, Map.of());
        deploy(ns, "payment", 2, app, Map.of());
        JsonPath answer = alert("AutoPick", "critical", ns, "cart", minutesAgo(5));
        JsonPath rec = awaitPhase(answer.getString("results[0].remediation"), "SUCCEEDED", "FAILED");
        assertEquals("selective-rollback", rec.getString("spec.scenario"), rec.prettify());
        assertEquals("selective", rec.getString("spec.change.row"));
        assertTrue(rec.getString("spec.change.summary").contains("released together with payment"), rec.getString("spec.change.summary"));
        assertEquals("SUCCEEDED", rec.getString("status.phase"), rec.prettify());
        assertEquals("registry.example/payment:1.2.0", image(ns, "payment"), "only the alerting one is rolled back");
    }

    @Test
    void autoPicksTheMigrationRollbackWhenTheReleaseShipsItsUndoAndItsMigrationRan() {
        String ns = namespace("auto-migration");
        deploy(ns, "orders", 3, Map.of(), Map.of());
        String image = image(ns, "orders");
        Job undo = new JobBuilder().withNewMetadata().withName("orders-undo-3").withNamespace(ns).withLabels(Map.of(ReleaseHistory.MIGRATION_UNDO_FOR, "orders"))
                .withAnnotations(Map.of(ReleaseHistory.UNDOES_IMAGE, image)).endMetadata().withNewSpec().withSuspend(true).withNewTemplate().withNewSpec()
                .withRestartPolicy("Never").addNewContainer().withName("undo").withImage("migrate:1.3.0").endContainer().endSpec().endTemplate().endSpec().build();
        client().batch().v1().jobs().inNamespace(ns).resource(undo).create();
        Job ran = new JobBuilder().withNewMetadata().withName("orders-migrate-3").withNamespace(ns).withLabels(Map.of(ReleaseHistory.MIGRATION_FOR, "orders"))
                .endMetadata().withNewSpec().withNewTemplate().withNewSpec().withRestartPolicy("Never").addNewContainer().withName("migrate")
                .withImage("migrate:1.3.0").endContainer().endSpec().endTemplate().endSpec().build();
        Job created = client().batch().v1().jobs().inNamespace(ns).resource(ran).create();
        created.setStatus(new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder().withSucceeded(1)
                .withStartTime(minutesAgo(14).toString()).withCompletionTime(minutesAgo(13).toString()).build());
        client().batch().v1().jobs().inNamespace(ns).resource(created).updateStatus();
        await().atMost(Duration.ofSeconds(10)).until(() -> given().header("Authorization", ADMIN).get("/api/v1/targets/" + ns + "/orders/changes")
                .then().extract().jsonPath().getBoolean("migrationUndoShipped")
                && given().header("Authorization", ADMIN).get("/api/v1/targets/" + ns + "/orders/changes").then().extract().jsonPath()
                .getList("changes.kind").contains("migration"));
        JsonPath answer = alert("AutoPick", "critical", ns, "orders", minutesAgo(5));
        JsonPath rec = record(answer.getString("results[0].remediation"));
        assertEquals("database-migration-rollback", rec.getString("spec.scenario"), rec.prettify());
        assertEquals("migration", rec.getString("spec.change.row"));
        assertEquals("true", rec.getString("spec.parameters.reversible"), "the row runs the undo the release ships");
    }

    @Test
    void autoPicksTheConfigurationRollbackWhenOnlyConfigurationChanged() {
        String ns = namespace("auto-config");
        client().configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("web-config").withNamespace(ns)
                .withLabels(Map.of("autonova.io/config-history", "true")).endMetadata().withData(Map.of("timeout", "5s")).build()).create();
        controller();
        io.autonova.remediator.fixtures.ClusterFixtures.install(client(), ns, "web", 3, Map.of(), Map.of(), spec -> spec.setVolumes(List.of(
                new io.fabric8.kubernetes.api.model.VolumeBuilder().withName("config").withNewConfigMap().withName("web-config").endConfigMap().build())));
        await().atMost(Duration.ofSeconds(10)).until(() -> client().configMaps().inNamespace(ns).withLabel("autonova.io/snapshot-of", "web-config")
                .list().getItems().size() == 1);
        client().configMaps().inNamespace(ns).withName("web-config").edit(c -> new ConfigMapBuilder(c).withData(Map.of("timeout", "1ms")).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> given().header("Authorization", ADMIN).get("/api/v1/targets/" + ns + "/web/changes")
                .then().extract().jsonPath().getList("changes.kind").contains("config"));
        // The release is older than the configuration change: the newest change decides.
        JsonPath answer = alert("AutoPick", "critical", ns, "web", Instant.now());
        JsonPath rec = record(answer.getString("results[0].remediation"));
        assertEquals("configuration-rollback", rec.getString("spec.scenario"), rec.prettify());
        assertEquals("configuration", rec.getString("spec.change.row"));
        assertEquals("config", rec.getString("spec.change.kind"));
        assertEquals("ConfigMap " + ns + "/web-config", rec.getString("spec.change.object"));
        assertEquals(List.of("keys changed: timeout"), rec.getList("spec.change.details"));
    }
}
