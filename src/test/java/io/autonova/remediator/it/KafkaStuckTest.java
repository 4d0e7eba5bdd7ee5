package io.autonova.remediator.it;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

/**
 * A decision that can never be recorded (the API server refuses every record) holds its batch: the replica says so
 * in readiness once the batch has been busy for {@code stuck-after}, instead of looking healthy while nothing moves.
 */
@QuarkusTest
@TestProfile(KafkaStuckTest.ShortStuck.class)
@WithKubernetesTestServer(crud = true, setup = MockClusterSetup.class)
@QuarkusTestResource(value = KafkaBrokerResource.class, restrictToAnnotatedClass = true)
class KafkaStuckTest extends ClusterTestSupport {

    public static class ShortStuck implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("remediator.kafka.stuck-after", "3s");
        }
    }

    @Test
    void aBatchHeldByADecisionThatCannotBeRecordedMakesTheReplicaUnready() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> given().get("/q/health/ready").asString().contains("\"assignedPartitions\": 4"));
        given().get("/q/health/ready").then().statusCode(200);
        String ns = namespace("kafka-stuck");
        deploy(ns, "ledger", 3, Map.of(), Map.of());
        recordCreatesForbidden("never (test)").always();
        try (SignalProducer signals = new SignalProducer()) {
            Instant t = Instant.now().minusSeconds(30);
            for (int i = 0; i < 3; i++) {
                signals.sample(ns, "ledger", t.plusSeconds(10L * i), 200, 90);
            }
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/q/health/ready").then().statusCode(503)
                .body(containsString("a batch has been in processing for")));
    }
}
