package io.autonova.remediator.it;

import io.autonova.remediator.fixtures.ClusterFixtures;
import io.autonova.remediator.fixtures.DeploymentController;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

/** Shared helpers: fixtures in the mock API server, posting alerts, reading records, watching requests. */
public abstract class ClusterTestSupport {

    static final String WEBHOOK = "Bearer test-webhook-token";
    static final String ADMIN = "Bearer test-admin-token";
    static final ResourceDefinitionContext APPLICATION = new ResourceDefinitionContext.Builder()
            .withGroup("argoproj.io").withVersion("v1alpha1").withKind("Application").withPlural("applications").withNamespaced(true).build();
    private static final AtomicInteger NAMESPACES = new AtomicInteger();

    @KubernetesTestServer
    KubernetesServer server;

    private static DeploymentController controller;
    private static String controllerServer;

    KubernetesClient client() {
        return server.getClient();
    }

    /** Plays the Deployment controller for this test class's mock server (started once per server). */
    synchronized DeploymentController controller() {
        String url = client().getMasterUrl().toString();
        if (controller == null || !url.equals(controllerServer)) {
            if (controller != null) {
                controller.close();
            }
            controller = new DeploymentController(client(), 150);
            controllerServer = url;
        }
        return controller;
    }

    /** A fresh namespace per test, so tests share the mock server without sharing targets. */
    String namespace(String prefix) {
        String ns = prefix + "-" + NAMESPACES.incrementAndGet();
        client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        return ns;
    }

    ClusterFixtures.History deploy(String namespace, String name, int revisions, Map<String, String> labels, Map<String, String> annotations) {
        controller();
        return ClusterFixtures.install(client(), namespace, name, revisions, labels, annotations);
    }

    /** As above, its newest revision rolled out {@code newestAgo} before now (each earlier one a day before the next). */
    ClusterFixtures.History deploy(String namespace, String name, int revisions, Map<String, String> labels, java.time.Duration newestAgo) {
        controller();
        return ClusterFixtures.install(client(), namespace, name, revisions, labels, Map.of(), newestAgo);
    }

    Deployment deployment(String namespace, String name) {
        return client().apps().deployments().inNamespace(namespace).withName(name).get();
    }

    String image(String namespace, String name) {
        return deployment(namespace, name).getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    GenericKubernetesResource application(String name) {
        return client().genericKubernetesResources(APPLICATION).inNamespace("argocd").withName(name).get();
    }

    JsonPath post(String body) {
        return post(body, 200);
    }

    /** A webhook delivery answered with {@code status} (202 through the Kafka backbone). */
    JsonPath post(String body, int status) {
        return given().header("Authorization", WEBHOOK).contentType(ContentType.JSON).body(body)
                .when().post("/api/v1/webhooks/alertmanager").then().statusCode(status).extract().jsonPath();
    }

    /** The API server answers every following create of a record with 403 {@code message}; say how often with the result. */
    io.fabric8.mockwebserver.dsl.TimesOnceableOrHttpHeaderable<Void> recordCreatesForbidden(String message) {
        return server.expect().post().withPath("/apis/autonova.io/v1alpha1/namespaces/autonova-system/remediations")
                .andReturn(403, "{\"kind\":\"Status\",\"code\":403,\"reason\":\"Forbidden\",\"message\":\"" + message + "\"}");
    }

    /** Kafka records of this replica with {@code result} (signal, stale, retry, alert, ...) so far. */
    double kafkaRecords(String result) {
        return metric("remediator_kafka_records_total{result=\"" + result + "\"}");
    }

    JsonPath record(String name) {
        return given().header("Authorization", ADMIN).get("/api/v1/remediations/" + name).then().statusCode(200).extract().jsonPath();
    }

    /** The sum of the exported series whose line starts with {@code prefix} (name and labels), 0 when there is none. */
    double metric(String prefix) {
        return given().get("/q/metrics").asString().lines().filter(l -> l.startsWith(prefix))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** The remediation records about targets in a namespace, as the operator API lists them. */
    List<java.util.Map<String, Object>> records(String ns) {
        return given().header("Authorization", ADMIN).get("/api/v1/remediations?namespace=" + ns).then().statusCode(200)
                .extract().jsonPath().getList("remediations");
    }

    JsonPath awaitPhase(String name, String... phases) {
        List<String> wanted = List.of(phases);
        JsonPath[] last = new JsonPath[1];
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
            last[0] = record(name);
            return wanted.contains(last[0].getString("status.phase"));
        });
        return last[0];
    }

    /** Empties the mock server's request log so a test can see exactly what it caused. */
    void drainRequests() throws InterruptedException {
        // Until the API server has been quiet for a while: Events are written in the background, after the decisions'
        // own calls, and on a loaded machine arrive well after them.
        while (server.getKubernetesMockServer().takeRequest(500, TimeUnit.MILLISECONDS) != null) {
            // discard
        }
    }

    /** Requests recorded since the last drain, as "METHOD path". */
    List<String> requests() throws InterruptedException {
        List<String> list = new ArrayList<>();
        RecordedRequest r;
        while ((r = server.getKubernetesMockServer().takeRequest(50, TimeUnit.MILLISECONDS)) != null) {
            list.add(r.getMethod() + " " + r.getPath());
        }
        return list;
    }

    static List<String> writes(List<String> requests) {
        return requests.stream().filter(r -> !r.startsWith("GET ")).toList();
    }
}
