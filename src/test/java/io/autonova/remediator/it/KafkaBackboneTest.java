package io.autonova.remediator.it;

import io.autonova.remediator.fixtures.ClusterFixtures;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** With the Kafka backbone on, the webhook answers once the broker has the alerts; the consumer owning the target decides. */
@QuarkusTest
@TestProfile(KafkaBackboneTest.Backbone.class)
@WithKubernetesTestServer(crud = true, setup = MockClusterSetup.class)
@QuarkusTestResource(value = KafkaBrokerResource.class, restrictToAnnotatedClass = true)
class KafkaBackboneTest extends ClusterTestSupport {

    public static class Backbone implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("remediator.kafka.webhook-backbone", "true");
        }
    }


    @Test
    void anAcceptedAlertIsDecidedByTheConsumerOfItsTargetOnceHoweverOftenItIsSent() {
        String ns = namespace("backbone");
        deploy(ns, "checkout", 3, Map.of(), Map.of());
        Alerts.Spec alert = Alerts.firing(Map.of("alertname", "HighErrorRate", "severity", "critical", "namespace", ns, "service", "checkout"), "0.27");
        JsonPath answer = post(Alerts.body(alert), 202);
        assertEquals(1, answer.getInt("alerts"));
        assertEquals(1, answer.getInt("accepted"), "on the topic, acknowledged by the broker");
        assertEquals(List.of(), answer.getList("results"), "decided by the consumer, not in the answer");

        await().atMost(Duration.ofSeconds(30)).until(() -> records(ns).size() == 1);
        String name = (String) records(ns).get(0).get("name");
        JsonPath rec = awaitPhase(name, "SUCCEEDED", "FAILED");
        assertEquals("SUCCEEDED", rec.getString("status.phase"), rec.prettify());
        assertEquals("alertmanager", rec.getString("spec.trigger.source"));
        assertEquals(ClusterFixtures.image("checkout", 2), image(ns, "checkout"));

        double decided = kafkaRecords("alert");
        post(Alerts.body(alert), 202); // Alertmanager's re-send
        await().atMost(Duration.ofSeconds(30)).until(() -> kafkaRecords("alert") > decided);
        assertEquals(1, records(ns).size(), "one episode");
        assertEquals(ClusterFixtures.image("checkout", 2), image(ns, "checkout"), "rolled back once");
    }

    @Test
    void anAlertNoRuleMatchesIsAnsweredInline() {
        JsonPath answer = post(Alerts.body(Alerts.firing(Map.of("alertname", "DiskAlmostFull", "namespace", "ops", "service", "db"), null)), 202);
        assertEquals(0, answer.getInt("accepted"));
        assertEquals("NO_MATCHING_RULE", answer.getString("results[0].reason"));
    }
}
