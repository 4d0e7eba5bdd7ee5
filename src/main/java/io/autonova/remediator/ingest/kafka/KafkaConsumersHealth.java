package io.autonova.remediator.ingest.kafka;

import io.autonova.remediator.config.RemediatorConfig;
import io.smallrye.reactive.messaging.providers.extension.HealthCenter;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Readiness of the Kafka signals channel: down when the connector reports it failed (its consumer closed) or a batch
 * has been busy for {@code remediator.kafka.stuck-after} (a decision retried for minutes, or a hang). A broker that cannot be
 * reached is not a failure: polls return nothing and webhooks are still served.
 */
@Readiness
@ApplicationScoped
public class KafkaConsumersHealth implements HealthCheck {

    private final SignalChannel channel;
    private final ResilientDeadLetters deadLetters;
    private final HealthCenter health;
    private final RemediatorConfig config;
    private final Clock clock;

    public KafkaConsumersHealth(SignalChannel channel, ResilientDeadLetters deadLetters, HealthCenter health, RemediatorConfig config,
                                Clock clock) {
        this.channel = channel;
        this.deadLetters = deadLetters;
        this.health = health;
        this.config = config;
        this.clock = clock;
    }

    @Override
    public HealthCheckResponse call() {
        var b = HealthCheckResponse.named("kafka-consumers").up();
        if (config.kafka().bootstrapServers().isEmpty()) {
            return b.withData("kafka", "off").build();
        }
        SignalChannel.failure(health).ifPresent(message -> b.down().withData("failed", message));
        Instant busy = channel.busySince();
        if (busy != null) {
            Duration d = Duration.between(busy, clock.instant());
            if (d.compareTo(config.kafka().stuckAfter()) > 0) {
                b.down().withData("stuck", "a batch has been in processing for " + d.toSeconds() + " s");
            }
        }
        return b.withData("assignedPartitions", channel.assignedPartitions()).withData("retries", channel.retries())
                .withData("deadLettersFailed", deadLetters.failed()).build();
    }
}
