package io.autonova.remediator.it;

import io.autonova.remediator.kafka.EmbeddedKafkaBroker;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.util.Map;

/** A real KRaft broker for the application under test, with the signal topic (4 partitions) and its dead-letter topic. */
public class KafkaBrokerResource implements QuarkusTestResourceLifecycleManager {

    static final String TOPIC = "autonova.signals";
    static final String DLQ = "autonova.signals.dlq";
    static volatile EmbeddedKafkaBroker broker;

    @Override
    public Map<String, String> start() {
        try {
            broker = EmbeddedKafkaBroker.start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        broker.createTopics(4, TOPIC);
        broker.createTopics(1, DLQ);
        // Two consumers in one group share the four partitions.
        return Map.of("remediator.kafka.bootstrap-servers", broker.bootstrapServers(), "remediator.kafka.consumers", "2");
    }

    @Override
    public void stop() {
        if (broker != null) {
            broker.close();
        }
    }
}
