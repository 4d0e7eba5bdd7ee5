package io.autonova.remediator.ingest.kafka;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.pipeline.RemediationPipeline;
import io.autonova.remediator.config.RemediatorMetrics;
import io.autonova.remediator.rules.RuleRepository;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts the Kafka signal consumers when a broker is configured. Without one the service runs on
 * webhooks alone and says so; an unreachable broker never stops it from starting or serving webhooks.
 */
@ApplicationScoped
public class KafkaSignalIngest {

    private static final Logger LOG = Logger.getLogger(KafkaSignalIngest.class);

    private final RemediatorConfig config;
    private final RuleRepository rules;
    private final RemediationPipeline pipeline;
    private final RemediatorMetrics metrics;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final List<SignalConsumer> consumers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    public KafkaSignalIngest(RemediatorConfig config, RuleRepository rules, RemediationPipeline pipeline, RemediatorMetrics metrics,
                             ObjectMapper mapper, Clock clock) {
        this.config = config;
        this.rules = rules;
        this.pipeline = pipeline;
        this.metrics = metrics;
        this.mapper = mapper;
        this.clock = clock;
    }

    void onStart(@Observes StartupEvent event) {
        if (config.kafka().bootstrapServers().isEmpty()) {
            LOG.info("Kafka ingest is off: remediator.kafka.bootstrap-servers is not set; serving Alertmanager webhooks only");
            return;
        }
        start();
    }

    void onStop(@Observes ShutdownEvent event) {
        stop();
    }

    /** Starts the configured number of consumers in the group. */
    public synchronized void start() {
        if (!consumers.isEmpty()) {
            return;
        }
        SignalParser parser = new SignalParser(mapper);
        SignalConsumer.Counters counters = new SignalConsumer.Counters() {
            @Override
            public void records(String result, long count) {
                metrics.kafkaRecords(result, count);
            }

            @Override
            public void deadLetter(PoisonRecord.Reason reason) {
                metrics.deadLetter(reason.tag());
            }
        };
        metrics.gauge("remediator_kafka_consumers_alive", "Kafka consumer threads of this replica that are running",
                () -> {
                    synchronized (this) {
                        return threads.stream().filter(Thread::isAlive).count();
                    }
                });
        metrics.gauge("remediator_kafka_window_targets", "Targets with Kafka window state on this replica (dropped once quiet)",
                () -> {
                    synchronized (this) {
                        return consumers.stream().mapToInt(SignalConsumer::windowTargets).sum();
                    }
                });
        for (int i = 0; i < Math.max(1, config.kafka().consumers()); i++) {
            SignalConsumer c = new SignalConsumer(config.kafka(), "signals-" + i, rules::current, parser, pipeline::acceptSignal,
                    alert -> pipeline.accept(List.of(alert)), counters, clock);
            Thread t = new Thread(c, "kafka-signals-" + i);
            t.setDaemon(true);
            consumers.add(c);
            threads.add(t);
            t.start();
        }
    }

    /** The consumers of this replica (empty when Kafka is off). */
    public synchronized List<SignalConsumer> consumers() {
        return List.copyOf(consumers);
    }

    /** Partitions owned by this replica's consumers. */
    public synchronized int assignedPartitions() {
        return consumers.stream().mapToInt(SignalConsumer::assignedPartitions).sum();
    }

    /** Stops the consumers, committing what they processed; their partitions go to the rest of the group. */
    public synchronized void stop() {
        consumers.forEach(SignalConsumer::stop);
        for (Thread t : threads) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        consumers.clear();
        threads.clear();
    }
}
