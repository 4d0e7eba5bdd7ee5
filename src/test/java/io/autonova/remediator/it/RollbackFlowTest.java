package io.autonova.remediator.it;

import io.autonova.remediator.fixtures.ClusterFixtures;
import io.autonova.remediator.fixtures.DeploymentController;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.containsString;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockClusterSetup.class)
class RollbackFlowTest extends ClusterTestSupport {

    @Test
    void firingAlertRollsTheDeploymentBackToThePreviousRevision() throws Exception {
        String ns = namespace("shop");
        deploy(ns, "checkout", 3, Map.of(), Map.of());
        assertEquals(ClusterFixtures.image("checkout", 3), image(ns, "checkout"));
        drainRequests();

        JsonPath answer = post(Alerts.body(Alerts.firing(Map.of("alertname", "HighErrorRate", "severity", "critical", "namespace", ns,
                "service", "checkout"), "0.27")));
        assertEquals("execute", answer.getString("results[0].outcome"));
        assertEquals("ALL_CHECKS_PASSED", answer.getString("results[0].reason"));
        String name = answer.getString("results[0].remediation");

        JsonPath rec = awaitPhase(name, "SUCCEEDED", "FAILED");
        assertEquals("SUCCEEDED", rec.getString("status.phase"), rec.prettify());
        assertEquals(ClusterFixtures.image("checkout", 2), image(ns, "checkout"));
        Deployment after = deployment(ns, "checkout");
        assertFalse(after.getSpec().getTemplate().getMetadata().getLabels().containsKey("pod-template-hash"));
        assertEquals("3", rec.getString("status.revisionFrom"));
        assertEquals("2", rec.getString("status.revisionTo"));
        assertEquals(List.of("resolve-target", "plan-rollback", "rollback-deployment", "verify-rollout"), rec.getList("status.steps.name"));
        assertEquals("0.27", rec.getString("spec.trigger.value"));
        assertEquals("error-rate", rec.getString("spec.rule"));

        // The runbook's incident report, filled in.
        String report = given().header("Authorization", ADMIN).accept("text/markdown").get("/api/v1/remediations/" + name + "/report")
                .then().statusCode(200).contentType(containsString("text/markdown")).extract().asString();
        assertTrue(report.startsWith("# Incident Report: "), report);
        assertTrue(report.contains("- **Trigger:** alert HighErrorRate (value 0.27), rule `error-rate`"), report);
        assertTrue(report.contains("- **Affected Services:** deployment `" + ns + "/checkout`"), report);
        assertTrue(report.contains("- **Revision Rolled Back:** from 3 to 2"), report);
        assertTrue(report.contains("| rollback-deployment | succeeded |"), report);
        assertTrue(report.contains("| ACTION | ALL_CHECKS_PASSED |") || report.contains("ALL_CHECKS_PASSED"), report);
        given().header("Authorization", ADMIN).get("/api/v1/remediations/no-such-run/report").then().statusCode(404)
                .contentType(containsString("application/problem+json"));

        List<String> writes = writes(requests());
        long deploymentPatches = writes.stream().filter(w -> w.startsWith("PATCH /apis/apps/v1/namespaces/" + ns + "/deployments/checkout")).count();
        assertEquals(1, deploymentPatches, writes.toString());
        assertTrue(writes.stream().allMatch(w -> w.contains("/deployments/checkout") || w.contains("/remediations") || w.contains("/configmaps")
                        || w.contains("/leases") || w.contains("/events") || w.contains("/replicasets")),
                "nothing but the deployment (and what the test's controller writes), the record, the lease, the policy state and events is written: " + writes);
    }

    @Test
    void selectiveRollbackOfAnArgoManagedDeploymentTurnsAutoSyncOffFirstAndSaysGitMustFollow() {
        String ns = namespace("pay");
        deploy(ns, "payments", 4, Map.of("app.kubernetes.io/instance", "payments-prod"), Map.of());
        client().genericKubernetesResources(APPLICATION).inNamespace("argocd")
                .resource(ClusterFixtures.argoApplication("argocd", "payments-prod", ns, "payments", 4, true)).create();

        JsonPath answer = post(Alerts.body(Alerts.firing(Map.of("alertname", "PodRestartsHigh", "namespace", ns, "deployment", "payments"), "5")));
        JsonPath rec = awaitPhase(answer.getString("results[0].remediation"), "SUCCEEDED", "FAILED");
        assertEquals("SUCCEEDED", rec.getString("status.phase"), rec.prettify());
        assertEquals(ClusterFixtures.image("payments", 3), image(ns, "payments"));
        assertEquals(List.of("resolve-target", "plan-rollback", "disable-argo-auto-sync", "rollback-deployment", "git-must-follow", "verify-rollout"),
                rec.getList("status.steps.name"));
        assertTrue(rec.getBoolean("status.gitMustFollow"));
        Map<?, ?> syncPolicy = (Map<?, ?>) ((Map<?, ?>) application("payments-prod").getAdditionalProperties().get("spec")).get("syncPolicy");
        assertNull(syncPolicy.get("automated"), "self-heal would undo the rollback");
        assertNull(application("payments-prod").getAdditionalProperties().get("operation"), "scenario 2 does not sync the app");
    }

    @Test
    void immediateRollbackOfAnArgoManagedTargetGoesThroughTheApplication() {
        String ns = namespace("web");
        deploy(ns, "storefront", 3, Map.of(), Map.of("argocd.argoproj.io/tracking-id", "storefront:apps/Deployment:" + ns + "/storefront"));
        client().genericKubernetesResources(APPLICATION).inNamespace("argocd")
                .resource(ClusterFixtures.argoApplication("argocd", "storefront", ns, "storefront", 3, true)).create();

        JsonPath answer = post(Alerts.body(Alerts.firing(Map.of("alertname", "HighErrorRate", "severity", "page", "namespace", ns,
                "service", "storefront"), "0.5")));
        String name = answer.getString("results[0].remediation");

        // Play Argo CD: wait for the sync operation, then report it done the way the application controller does.
        await().atMost(Duration.ofSeconds(10)).until(() -> application("storefront").getAdditionalProperties().get("operation") != null);
        GenericKubernetesResource app = application("storefront");
        Map<?, ?> sync = (Map<?, ?>) ((Map<?, ?>) app.getAdditionalProperties().get("operation")).get("sync");
        assertEquals(ClusterFixtures.gitSha(2), sync.get("revision"), "the entry before the current deployment, as 'argocd app rollback'");
        Map<?, ?> spec = (Map<?, ?>) app.getAdditionalProperties().get("spec");
        assertNull(((Map<?, ?>) spec.get("syncPolicy")).get("automated"), "Argo CD refuses a rollback while auto-sync is on");
        Object operation = app.getAdditionalProperties().remove("operation");
        Map<String, Object> status = new LinkedHashMap<>((Map<String, Object>) app.getAdditionalProperties().get("status"));
        // As the real controller writes it (Argo CD 3.2): the operation kept in operationState beside its result.
        status.put("operationState", Map.of("phase", "Succeeded", "message", "successfully synced (all tasks run)", "operation", operation,
                "syncResult", Map.of("revision", ClusterFixtures.gitSha(2))));
        app.getAdditionalProperties().put("status", status);
        client().genericKubernetesResources(APPLICATION).inNamespace("argocd").resource(app).update();

        JsonPath rec = awaitPhase(name, "SUCCEEDED", "FAILED");
        assertEquals("SUCCEEDED", rec.getString("status.phase"), rec.prettify());
        assertEquals(ClusterFixtures.gitSha(3), rec.getString("status.revisionFrom"));
        assertEquals(ClusterFixtures.gitSha(2), rec.getString("status.revisionTo"));
        assertEquals(List.of("resolve-target", "plan-argo-rollback", "disable-argo-auto-sync", "argo-rollback-sync", "verify-argo-sync",
                "verify-rollout", "git-must-follow"), rec.getList("status.steps.name"));
        assertEquals(ClusterFixtures.image("storefront", 3), image(ns, "storefront"), "Argo CD changes the Deployment, not the remediator");
    }

    @Test
    void aPausedDeploymentIsRefusedWithKubectlsReasonAndNothingIsWritten() throws Exception {
        String ns = namespace("paused");
        deploy(ns, "search", 3, Map.of("app.kubernetes.io/instance", "search"), Map.of());
        client().genericKubernetesResources(APPLICATION).inNamespace("argocd")
                .resource(ClusterFixtures.argoApplication("argocd", "search", ns, "search", 3, true)).create();
        Deployment d = deployment(ns, "search");
        client().apps().deployments().inNamespace(ns).resource(new DeploymentBuilder(d).editSpec().withPaused(true).endSpec().build()).update();
        drainRequests();

        JsonPath answer = post(Alerts.body(Alerts.firing(Map.of("alertname", "PodRestartsHigh", "namespace", ns, "deployment", "search"), "9")));
        JsonPath rec = awaitPhase(answer.getString("results[0].remediation"), "SUCCEEDED", "FAILED");
        assertEquals("FAILED", rec.getString("status.phase"));
        assertTrue(rec.getString("status.message").contains("is paused"), rec.getString("status.message"));
        assertEquals(ClusterFixtures.image("search", 3), image(ns, "search"));
        Map<?, ?> syncPolicy = (Map<?, ?>) ((Map<?, ?>) application("search").getAdditionalProperties().get("spec")).get("syncPolicy");
        assertNotNull(syncPolicy.get("automated"), "a refused rollback leaves Argo CD's auto-sync as it was");
        List<String> writes = writes(requests());
        assertTrue(writes.stream().noneMatch(w -> w.contains("/deployments/") || w.contains("/applications/")), writes.toString());
    }

    @Test
    void aFailedVerificationMarksTheRemediationFailedAndCountsTowardTheCap() {
        String ns = namespace("stuck");
        deploy(ns, "orders", 2, Map.of(DeploymentController.MODE, "deadline"), Map.of());

        JsonPath answer = post(Alerts.body(Alerts.firing(Map.of("alertname", "CrashLoop", "namespace", ns, "service", "orders"), null)));
        JsonPath rec = awaitPhase(answer.getString("results[0].remediation"), "SUCCEEDED", "FAILED");
        assertEquals("FAILED", rec.getString("status.phase"), rec.prettify());
        assertTrue(rec.getString("status.message").contains("exceeded its progress deadline"), rec.getString("status.message"));
        assertEquals("failed", rec.getString("status.steps.find { it.name == \"verify-rollout\" }.phase"));

        // The cap for this rule is 1: the next alert waits for a human and never loops into another rollback.
        JsonPath second = post(Alerts.body(Alerts.firing(Map.of("alertname", "CrashLoop", "namespace", ns, "service", "orders"), null)));
        assertEquals("AWAITING_HUMAN", second.getString("results[0].reason"));
    }

    @Test
    void anOperatorCanAbortARemediationInFlight() {
        String ns = namespace("abort");
        deploy(ns, "catalog", 3, Map.of(DeploymentController.MODE, "stuck"), Map.of());

        JsonPath answer = post(Alerts.body(Alerts.firing(Map.of("alertname", "SlowRollout", "namespace", ns, "service", "catalog"), null)));
        String name = answer.getString("results[0].remediation");
        await().atMost(Duration.ofSeconds(10)).until(() -> record(name).getList("status.steps.name").contains("verify-rollout"));
        given().header("Authorization", ADMIN).post("/api/v1/remediations/" + name + "/abort").then().statusCode(202);
        JsonPath rec = awaitPhase(name, "ABORTED", "SUCCEEDED", "FAILED");
        assertEquals("ABORTED", rec.getString("status.phase"), rec.prettify());
        assertEquals("aborted", rec.getString("status.steps.find { it.name == \"verify-rollout\" }.phase"));
        given().header("Authorization", ADMIN).post("/api/v1/remediations/" + name + "/abort").then().statusCode(409)
                .contentType("application/problem+json");
        // The target is free again: it left "in flight" when the run ended.
        Map<String, Object> inFlight = given().header("Authorization", ADMIN).get("/api/v1/targets").then().statusCode(200)
                .extract().jsonPath().getMap("inFlight");
        assertFalse(inFlight.containsKey(ns + "/catalog"), inFlight.toString());
    }

    @Test
    void theServiceKeepsTheHistoryOfOptedInConfigMapsAndSecretsAsTheyChange() {
        String ns = namespace("cfg");
        var cms = client().configMaps().inNamespace(ns);
        cms.resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder().withNewMetadata().withName("app-config").withNamespace(ns)
                .addToLabels("autonova.io/config-history", "true").endMetadata().addToData("FEATURE_X", "off").build()).create();
        cms.resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder().withNewMetadata().withName("untracked").withNamespace(ns).endMetadata()
                .addToData("A", "1").build()).create();
        client().secrets().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withName("app-db")
                .withNamespace(ns).addToLabels("autonova.io/config-history", "true").endMetadata().addToData("password", "aHVudGVyMg==").build()).create();
        await().atMost(Duration.ofSeconds(10)).until(() -> cms.withLabel("autonova.io/snapshot-of", "app-config").list().getItems().size() == 1);
        cms.withName("app-config").edit(c -> {
            c.getData().put("FEATURE_X", "on");
            return c;
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> cms.withLabel("autonova.io/snapshot-of", "app-config").list().getItems().size() == 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> client().secrets().inNamespace(ns).withLabel("autonova.io/snapshot-of", "app-db").list()
                .getItems().size() == 1);
        assertTrue(cms.withLabel("autonova.io/snapshot-of", "app-db").list().getItems().isEmpty(), "a Secret's history never goes into a ConfigMap");
        assertTrue(cms.withLabel("autonova.io/snapshot-of", "untracked").list().getItems().isEmpty(), "only opted-in objects");
        assertTrue(cms.withLabel("autonova.io/snapshot-of", "app-config").list().getItems().stream()
                .allMatch(c -> c.getMetadata().getLabels().get("autonova.io/config-history") == null), "a snapshot has no history of its own");
    }

    @Test
    void explainSaysWhatARuleWouldDoWithAnAlertAndWritesNothing() throws Exception {
        String ns = namespace("why");
        deploy(ns, "cart", 3, Map.of(), Map.of());
        String alert = """
                {"labels": {"alertname": "HighErrorRate", "severity": "page", "namespace": "%s", "service": "cart"},
                 "annotations": {"value": "%s"}, "status": "firing"}""";
        int before = client().genericKubernetesResources("autonova.io/v1alpha1", "Remediation").inAnyNamespace().list().getItems().size();
        drainRequests();
        JsonPath act = given().header("Authorization", ADMIN).contentType("application/json").body(alert.formatted(ns, "0.4"))
                .post("/api/v1/rules/explain").then().statusCode(200).extract().jsonPath();
        assertEquals("error-rate", act.getString("alerts[0].matches[0].rule"));
        assertEquals(ns + "/cart", act.getString("alerts[0].matches[0].target"));
        assertEquals("execute", act.getString("alerts[0].matches[0].outcome"));
        assertTrue(act.getString("alerts[0].matches[0].source").startsWith("rules.yaml:"), act.prettify());
        JsonPath below = given().header("Authorization", ADMIN).contentType("application/json").body(alert.formatted(ns, "0.02"))
                .post("/api/v1/rules/explain").then().statusCode(200).extract().jsonPath();
        assertEquals("BELOW_THRESHOLD", below.getString("alerts[0].matches[0].reason"));
        assertTrue(writes(requests()).isEmpty(), "explain writes nothing");
        assertEquals(before, client().genericKubernetesResources("autonova.io/v1alpha1", "Remediation").inAnyNamespace().list().getItems().size());

        // After a real rollback, explain says the cooldown would refuse the same alert now.
        JsonPath done = post(Alerts.body(Alerts.firing(Map.of("alertname", "HighErrorRate", "severity", "page", "namespace", ns, "service", "cart"), "0.4")));
        awaitPhase(done.getString("results[0].remediation"), "SUCCEEDED", "FAILED");
        JsonPath again = given().header("Authorization", ADMIN).contentType("application/json").body(alert.formatted(ns, "0.4"))
                .post("/api/v1/rules/explain").then().statusCode(200).extract().jsonPath();
        assertEquals("COOLDOWN", again.getString("alerts[0].matches[0].reason"), again.prettify());

        JsonPath none = given().header("Authorization", ADMIN).contentType("application/json").body("{\"labels\": {\"alertname\": \"Nothing\"}}")
                .post("/api/v1/rules/explain").then().statusCode(200).extract().jsonPath();
        assertTrue(none.getList("alerts[0].matches").isEmpty());
        given().header("Authorization", ADMIN).contentType("application/json").body("{\"labels\": {}}").post("/api/v1/rules/explain")
                .then().statusCode(400).contentType(containsString("application/problem+json"));
        given().header("Authorization", WEBHOOK).contentType("application/json").body(alert.formatted(ns, "0.4")).post("/api/v1/rules/explain")
                .then().statusCode(401);
    }

    @Test
    void deliveriesAreCapturedForBacktestsAndReplayToTheSameDecision() throws Exception {
        String ns = namespace("cap");
        deploy(ns, "basket", 3, Map.of(), Map.of());
        String fingerprint = Alerts.newFingerprint();
        JsonPath live = post(Alerts.body(new Alerts.Spec(fingerprint, "firing", Map.of("alertname", "HighErrorRate", "severity", "page",
                "namespace", ns, "service", "basket"), Map.of("value", "0.5"), java.time.Instant.now().minusSeconds(120))));
        assertEquals("execute", live.getString("results[0].outcome"));
        java.nio.file.Path capture = java.nio.file.Path.of("target/test-webhook-capture.jsonl");
        // The file is shared by every test of this JVM: find this delivery by its namespace and fingerprint.
        java.util.function.Predicate<String> ours = l -> l.contains("\"" + fingerprint + "\"") && l.contains("\"" + ns + "\"");
        await().atMost(Duration.ofSeconds(5)).until(() -> java.nio.file.Files.exists(capture)
                && java.nio.file.Files.readAllLines(capture).stream().anyMatch(ours));
        String line = java.nio.file.Files.readAllLines(capture).stream().filter(ours).reduce((a, b) -> b).orElseThrow();
        java.nio.file.Path one = java.nio.file.Files.createTempFile("captured", ".jsonl");
        java.nio.file.Files.writeString(one, line + "\n");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int exit = io.autonova.remediator.tools.RulesCli.run(new String[]{"backtest", "--rules", "src/test/resources/test-rules", "--webhooks", one.toString()},
                new java.io.PrintStream(out), System.err);
        assertEquals(0, exit);
        assertTrue(out.toString().contains(ns + "/basket") && out.toString().contains("would act 1x"), out.toString());
    }
}
