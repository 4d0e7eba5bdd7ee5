package io.autonova.remediator.ingest.kafka;

import io.autonova.remediator.config.RemediatorMetrics;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.IncomingKafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaConnectorIncomingConfiguration;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import io.smallrye.reactive.messaging.kafka.fault.KafkaFailureHandler;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Default;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * Failure strategy {@value #NAME}: the connector's own dead-letter queue (its topic setting, producer and headers),
 * except that a dead letter the broker will not take (too large, broker down) never stops the channel, which the
 * stock strategy does. It is sent again twice with backoff; then it is counted ({@code dead_letter_failed}), logged
 * with where the record came from, and acknowledged, so its partition moves on instead of stalling.
 */
@ApplicationScoped
@Identifier(ResilientDeadLetters.NAME)
@Default // also injected plainly (health)
public class ResilientDeadLetters implements KafkaFailureHandler.Factory {

    public static final String NAME = "autonova-dead-letter-queue";
    private static final Logger LOG = Logger.getLogger(ResilientDeadLetters.class);

    private final KafkaFailureHandler.Factory stock;
    private final RemediatorMetrics metrics;
    private final AtomicLong failed = new AtomicLong();

    public ResilientDeadLetters(@Identifier(KafkaFailureHandler.Strategy.DEAD_LETTER_QUEUE) KafkaFailureHandler.Factory stock,
                                RemediatorMetrics metrics) {
        this.stock = stock;
        this.metrics = metrics;
    }

    /** Dead letters given up since start. */
    public long failed() {
        return failed.get();
    }

    @Override
    public KafkaFailureHandler create(KafkaConnectorIncomingConfiguration config, Vertx vertx, KafkaConsumer<?, ?> consumer,
                                      BiConsumer<Throwable, Boolean> reportFailure) {
        // The stock handler reports a failed send as fatal (the channel closes); here it is only logged, below.
        KafkaFailureHandler delegate = stock.create(config, vertx, consumer, (t, fatal) -> { });
        return new KafkaFailureHandler() {
            @Override
            public <K, V> Uni<Void> handle(IncomingKafkaRecord<K, V> record, Throwable reason, Metadata metadata) {
                return Uni.createFrom().deferred(() -> delegate.handle(record, reason, metadata)) // each retry sends again
                        .onFailure().retry().withBackOff(Duration.ofMillis(500)).atMost(2)
                        .onFailure().recoverWithUni(t -> {
                            failed.incrementAndGet();
                            metrics.kafkaRecords("dead_letter_failed", 1);
                            LOG.errorf("the dead letter of poison record %s-%d@%d could not be written (%s); the record is skipped",
                                    record.getTopic(), record.getPartition(), record.getOffset(), t.getMessage());
                            return Uni.createFrom().completionStage(record.ack());
                        });
            }

            @Override
            public void terminate() {
                delegate.terminate();
            }
        };
    }
}
