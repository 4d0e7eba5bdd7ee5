package io.autonova.remediator.ingest.kafka;

import io.autonova.remediator.config.RemediatorConfig;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import java.time.Clock;
import java.time.Duration;

/**
 * Readiness of the Kafka consumers: down when one has not polled for {@link #STUCK} (stuck in a batch, or its
 * thread gone). A broker that cannot be reached is not "stuck": polls return empty and webhooks are still served.
 */
@Readiness
@ApplicationScoped
public class KafkaConsumersHealth implements HealthCheck {

    static final Duration STUCK = Duration.ofMinutes(2);

    private final KafkaSignalIngest ingest;
    private final RemediatorConfig config;
    private final Clock clock;

    public KafkaConsumersHealth(KafkaSignalIngest ingest, RemediatorConfig config, Clock clock) {
        this.ingest = ingest;
        this.config = config;
        this.clock = clock;
    }

    @Override
    public HealthCheckResponse call() {
        var b = HealthCheckResponse.named("kafka-consumers").up();
        if (config.kafka().bootstrapServers().isEmpty()) {
            return b.withData("kafka", "off").build();
        }
        long restarts = 0;
        for (SignalConsumer c : ingest.consumers()) {
            restarts += c.restarts();
            Duration quiet = Duration.between(c.lastPollAt(), clock.instant());
            if (quiet.compareTo(STUCK) > 0) {
                b.down().withData("stuck", "a consumer has not polled for " + quiet.toSeconds() + " s");
            }
        }
        return b.withData("consumers", ingest.consumers().size()).withData("restarts", restarts)
                .withData("assignedPartitions", ingest.assignedPartitions()).build();
    }
}
