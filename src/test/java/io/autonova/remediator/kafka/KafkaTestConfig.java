package io.autonova.remediator.kafka;

import io.autonova.remediator.config.RemediatorConfig;

import java.util.List;
import java.util.Optional;

/** Kafka settings for tests that build Kafka-side classes by hand. */
public final class KafkaTestConfig {

    private KafkaTestConfig() {
    }

    public static RemediatorConfig.Kafka of(String bootstrap, String topic, String group) {
        return of(bootstrap, topic, group, false, java.time.Duration.ofSeconds(10));
    }

    /** As above, with the webhook backbone on or off and its publish timeout. */
    public static RemediatorConfig.Kafka of(String bootstrap, String topic, String group, boolean backbone, java.time.Duration publishTimeout) {
        return new RemediatorConfig.Kafka() {
            public Optional<String> bootstrapServers() {
                return Optional.of(bootstrap);
            }

            public List<String> topics() {
                return List.of(topic);
            }

            public String groupId() {
                return group;
            }

            public String deadLetterTopic() {
                return topic + ".dlq";
            }

            public int maxPollRecords() {
                return 5000;
            }

            public Optional<java.time.Duration> maxSignalAge() {
                return Optional.empty();
            }

            @Override
            public int consumers() {
                return 1;
            }

            @Override
            public boolean webhookBackbone() {
                return backbone;
            }

            @Override
            public java.time.Duration stuckAfter() {
                return java.time.Duration.ofMinutes(2);
            }

            @Override
            public java.time.Duration publishTimeout() {
                return publishTimeout;
            }
        };
    }
}
