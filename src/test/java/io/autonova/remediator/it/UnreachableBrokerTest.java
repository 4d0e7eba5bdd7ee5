package io.autonova.remediator.it;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Kafka configured but its broker unreachable: the service starts, is ready, and serves webhooks as without Kafka. */
@QuarkusTest
@TestProfile(UnreachableBrokerTest.DeadBroker.class)
@WithKubernetesTestServer(crud = true, setup = MockClusterSetup.class)
class UnreachableBrokerTest extends ClusterTestSupport {

    public static class DeadBroker implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try (ServerSocket s = new ServerSocket(0)) {
                return Map.of("remediator.kafka.bootstrap-servers", "127.0.0.1:" + s.getLocalPort());
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void webhooksAreDecidedAndTheServiceIsReadyWhileTheBrokerCannotBeReached() {
        given().get("/q/health/ready").then().statusCode(200).body(containsString("kafka-consumers"));
        String ns = namespace("no-broker");
        deploy(ns, "checkout", 3, Map.of(), Map.of());
        JsonPath answer = post(Alerts.body(Alerts.firing(Map.of("alertname", "HighErrorRate", "severity", "critical", "namespace", ns,
                "service", "checkout"), "0.27")));
        assertEquals("execute", answer.getString("results[0].outcome"));
        assertEquals("SUCCEEDED", awaitPhase(answer.getString("results[0].remediation"), "SUCCEEDED", "FAILED").getString("status.phase"));
        given().get("/q/health/ready").then().statusCode(200);
        // Its consumer exists (it keeps trying); the gauge the "no Kafka consumer" alert reads is there from the start.
        assertEquals(1.0, metric("remediator_kafka_consumers_alive"));
        given().get("/q/health/live").then().statusCode(200);
    }
}
