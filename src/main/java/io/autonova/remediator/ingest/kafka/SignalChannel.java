package io.autonova.remediator.ingest.kafka;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.autonova.remediator.config.DaemonThreads;
import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.config.RemediatorMetrics;
import io.autonova.remediator.pipeline.RemediationPipeline;
import io.autonova.remediator.rules.RuleRepository;
import io.autonova.remediator.runtime.ServiceRuntime;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordBatchMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Default;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The signal topics through the SmallRye Kafka connector ({@code mp.messaging.incoming.signals.*}), in batches.
 *
 * <ul>
 * <li>Each batch is processed on one dedicated thread, record by record; a record's decisions are recorded before the
 *     next record is taken, and the batch is acknowledged (so committed by the connector's {@code throttled} strategy)
 *     only after all of them and all of its dead letters.</li>
 * <li>A decision that cannot be recorded (state store down) is retried with backoff while the partition is still
 *     ours; the record is never taken into the windows twice.</li>
 * <li>Poison records are nacked: the connector's dead-letter queue writes them (see {@link ResilientDeadLetters}).</li>
 * <li>On assignment this class, as the channel's rebalance listener, rebuilds the windows with a side consumer
 *     before live records of the partition are processed (see {@link SignalProcessor#assigned}).</li>
 * </ul>
 */
@ApplicationScoped
@Identifier(SignalChannel.LISTENER)
@Default // also injected plainly (health, tests)
public class SignalChannel implements KafkaConsumerRebalanceListener {

    private static final Logger LOG = Logger.getLogger(SignalChannel.class);
    public static final String CHANNEL = "signals";
    static final String LISTENER = "autonova-signals";

    private final SignalProcessor processor;
    private final RemediatorMetrics metrics;
    private final KafkaClientService clients;
    private final Clock clock;
    private final ExecutorService worker = DaemonThreads.scheduler("kafka-signals");
    private final ScheduledExecutorService sweeper = DaemonThreads.scheduler("kafka-signals-quiet");
    private volatile boolean stopping;
    private volatile Instant busySince;
    private final AtomicLong retries = new AtomicLong();

    public SignalChannel(RemediatorConfig config, RuleRepository rules, RemediationPipeline pipeline, ServiceRuntime runtime,
                         RemediatorMetrics metrics, ObjectMapper mapper, Clock clock, KafkaClientService clients) {
        this.metrics = metrics;
        this.clients = clients;
        this.clock = clock;
        SignalProcessor.Counters counters = metrics::kafkaRecords;
        // Alert records are taken only when this service puts them there (the webhook backbone); otherwise anyone who
        // can write to the topic could skip the webhook's token. They are then counted as ignored.
        this.processor = new SignalProcessor(rules::current, new SignalParser(mapper), new SignalAlerts(pipeline, runtime::store, clock)::accept,
                config.kafka().webhookBackbone() ? alert -> pipeline.accept(List.of(alert)) : null, counters, clock,
                config.kafka().maxSignalAge().orElse(null));
    }

    @Incoming(CHANNEL)
    public CompletionStage<Void> consume(KafkaRecordBatch<byte[], byte[]> batch) {
        return CompletableFuture.supplyAsync(() -> process(batch), worker).thenCompose(done -> done);
    }

    /** Takes and decides every record, then returns the acknowledgement of the batch (after its dead letters). */
    private CompletionStage<Void> process(KafkaRecordBatch<byte[], byte[]> batch) {
        Instant now = clock.instant();
        busySince = now;
        try {
            Duration maxAge = processor.maxAge();
            Instant staleBefore = maxAge == null ? null : now.minus(maxAge);
            List<CompletableFuture<Void>> nacks = new ArrayList<>();
            // Partitions with a record whose decision was given up (stopping, or revoked): never acknowledged here,
            // so the record is read again by whoever owns the partition next.
            java.util.Set<TopicPartition> abandoned = new HashSet<>();
            // The batch's ConsumerRecords, in the order of its messages (partition by partition): reading each
            // message's metadata instead costs more than parsing the record.
            java.util.Iterator<KafkaRecord<byte[], byte[]>> messages = batch.getRecords().iterator();
            @SuppressWarnings("unchecked")
            ConsumerRecords<byte[], byte[]> records = batch.getMetadata(IncomingKafkaRecordBatchMetadata.class).orElseThrow().getRecords();
            TopicPartition tp = null;
            for (ConsumerRecord<byte[], byte[]> r : records) {
                KafkaRecord<byte[], byte[]> message = messages.next();
                if (tp == null || tp.partition() != r.partition() || !tp.topic().equals(r.topic())) {
                    tp = new TopicPartition(r.topic(), r.partition());
                }
                TopicPartition partition = tp;
                SignalProcessor.Taken taken;
                try {
                    taken = processor.take(partition, r, now, staleBefore);
                } catch (RuntimeException e) {
                    taken = retrying(partition, () -> processor.take(partition, r, now, staleBefore));
                }
                if (taken == null) {
                    abandoned.add(partition);
                    continue;
                }
                if (taken.skipped()) {
                    continue;
                }
                if (taken.poison() != null) {
                    PoisonRecord p = taken.poison();
                    metrics.deadLetter(p.reason().tag());
                    metrics.kafkaRecords("poison", 1);
                    nacks.add(message.nack(new DeadLetterReason(p)).toCompletableFuture());
                } else if (taken.alert() != null || !taken.matches().isEmpty()) {
                    SignalProcessor.Taken decided = taken;
                    if (retrying(partition, () -> {
                        processor.decide(decided);
                        return decided;
                    }) == null) {
                        abandoned.add(partition);
                    }
                }
            }
            processor.flushCounts();
            return CompletableFuture.allOf(nacks.toArray(CompletableFuture[]::new)).thenCompose(ignored -> ack(batch, abandoned));
        } finally {
            busySince = null;
        }
    }

    /** Acknowledges the batch's partitions this consumer still owns and finished; the others are read again. */
    private CompletionStage<Void> ack(KafkaRecordBatch<byte[], byte[]> batch, java.util.Set<TopicPartition> abandoned) {
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        batch.getLatestOffsetRecords().forEach((tp, latest) -> {
            if (processor.owns(tp) && !abandoned.contains(tp)) {
                acks.add(latest.ack().toCompletableFuture());
            }
        });
        return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new));
    }

    /**
     * Runs {@code step} until it succeeds, with backoff (0.5 s doubling to 30 s), while the partition is ours and the
     * service runs; null when given up. The connector keeps polling meanwhile (it pauses the partitions), so the
     * consumer stays in its group.
     */
    private <T> T retrying(TopicPartition tp, java.util.function.Supplier<T> step) {
        long backoff = 500;
        while (true) {
            try {
                return step.get();
            } catch (RuntimeException e) {
                if (stopping || !processor.owns(tp)) {
                    LOG.warnf("%s: given up retrying (%s): %s", tp, stopping ? "stopping" : "partition revoked", e.getMessage());
                    return null;
                }
                retries.incrementAndGet();
                metrics.kafkaRecords("retry", 1);
                LOG.errorf("%s: could not record a decision, retrying in %d ms: %s", tp, backoff, e.getMessage());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return null;
                }
                backoff = Math.min(30_000, backoff * 2);
            }
        }
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions));
        Map<TopicPartition, Long> liveFrom = new HashMap<>();
        committed.forEach((tp, om) -> {
            if (om != null) {
                liveFrom.put(tp, om.offset());
            }
        });
        Map<TopicPartition, Long> seeks;
        try (KafkaSpanReader reader = new KafkaSpanReader(clients.getConsumers(CHANNEL).get(0).configuration())) {
            seeks = processor.assigned(consumer, partitions, liveFrom, reader);
        }
        seeks.forEach(consumer::seek);
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        processor.revoked(consumer, partitions);
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        processor.revoked(consumer, partitions);
    }

    void onStart(@Observes io.quarkus.runtime.StartupEvent event, RemediatorConfig config,
                 io.smallrye.reactive.messaging.providers.extension.HealthCenter health) {
        if (config.kafka().bootstrapServers().isEmpty()) {
            LOG.info("Kafka ingest is off: remediator.kafka.bootstrap-servers is not set (the signals channel is disabled); serving Alertmanager webhooks only");
            return;
        }
        // From the start, so that a consumer that never got going (broker unreachable, channel failed) shows as 0.
        metrics.gauge("remediator_kafka_window_targets", "Targets with Kafka window state on this replica (dropped once quiet)",
                processor::windowTargets);
        metrics.gauge("remediator_kafka_consumers_alive", "Kafka consumers of the signals channel on this replica that are running",
                () -> stopping || failure(health).isPresent() ? 0 : clients.getConsumers(CHANNEL).size());
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                processor.advanceQuietWindows();
            } catch (RuntimeException e) {
                LOG.errorf(e, "quiet-window sweep failed");
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
        sweeper.shutdownNow();
        worker.shutdown();
    }

    /** The connector's report of the channel's failure (its consumer closed), if it failed. */
    static java.util.Optional<String> failure(io.smallrye.reactive.messaging.providers.extension.HealthCenter health) {
        return health.getLiveness().getChannels().stream().filter(c -> CHANNEL.equals(c.getChannel()) && !c.isOk())
                .map(c -> String.valueOf(c.getMessage())).findFirst();
    }

    public int assignedPartitions() {
        return processor.assignedPartitions();
    }

    /** Since when the current batch has been processed; null when idle. */
    public Instant busySince() {
        return busySince;
    }

    public long retries() {
        return retries.get();
    }

    /** The nack reason: its message is the reason's tag, its cause the detail (the connector's DLQ headers). */
    static final class DeadLetterReason extends RuntimeException {
        DeadLetterReason(PoisonRecord poison) {
            super(poison.reason().tag(), poison, false, false);
        }
    }
}
