package io.autonova.remediator.ingest.kafka;

import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.config.RemediatorMetrics;
import io.autonova.remediator.domain.Alert;
import io.autonova.remediator.domain.Json;
import io.autonova.remediator.domain.Target;
import io.autonova.remediator.pipeline.AlertResult;
import io.autonova.remediator.pipeline.RemediationPipeline;
import io.autonova.remediator.rules.Rule;
import io.autonova.remediator.rules.RuleRepository;
import io.autonova.remediator.rules.RuleSet;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Kafka as the webhook's backbone ({@code remediator.kafka.webhook-backbone}): each alert a rule matches is produced to
 * the signal topic keyed by its target, and the webhook answers once the broker has acknowledged all of them. An
 * accepted alert then survives the death of the replica that took it, and all decisions about one target happen
 * on the one consumer that owns its partition, alongside its signals. Alerts no rule matches are decided here.
 */
@ApplicationScoped
public class AlertBackbone {

    /** Alert records start with this, so the consumer tells them from signals without parsing twice. */
    static final byte[] PREFIX = "{\"type\":\"alert\",".getBytes(StandardCharsets.UTF_8);

    /** The broker did not take the alerts in time: the sender should retry (503). */
    public static final class Unavailable extends RuntimeException {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** What was done with a delivery: how many alerts went to Kafka, and the decisions taken here for the rest. */
    public record Published(int published, List<AlertResult> decidedHere) {
    }

    /** Envelope of one alert on the topic. */
    record Envelope(String type, Alert alert) {
    }

    private final RemediatorConfig.Kafka config;
    private final java.util.function.Supplier<RuleSet> rules;
    private final java.util.function.Function<List<Alert>, List<AlertResult>> decideHere;
    private final RemediatorMetrics metrics;
    private volatile KafkaProducer<byte[], byte[]> producer;

    @jakarta.inject.Inject
    public AlertBackbone(RemediatorConfig config, RuleRepository rules, RemediationPipeline pipeline, RemediatorMetrics metrics) {
        this(config.kafka(), rules::current, pipeline::accept, metrics);
    }

    AlertBackbone(RemediatorConfig.Kafka config, java.util.function.Supplier<RuleSet> rules,
                  java.util.function.Function<List<Alert>, List<AlertResult>> decideHere, RemediatorMetrics metrics) {
        this.config = config;
        this.rules = rules;
        this.decideHere = decideHere;
        this.metrics = metrics;
    }

    public boolean enabled() {
        return config.webhookBackbone() && config.bootstrapServers().isPresent();
    }

    public Published publish(List<Alert> alerts) {
        RuleSet ruleSet = rules.get();
        List<Alert> here = new ArrayList<>();
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        KafkaProducer<byte[], byte[]> p = producer();
        String topic = config.topics().get(0);
        for (Alert a : alerts) {
            String key = partitionKey(ruleSet, a);
            if (key == null) {
                here.add(a);
                continue;
            }
            sent.add(p.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), write(a))));
        }
        long deadline = System.nanoTime() + config.publishTimeout().toNanos();
        for (Future<RecordMetadata> f : sent) {
            try {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Unavailable("interrupted while waiting for the broker", e);
            } catch (Exception e) {
                metrics.webhookRejected("kafka_unavailable");
                throw new Unavailable("the broker did not acknowledge the alerts within " + config.publishTimeout() + ": "
                        + (e.getCause() == null ? e : e.getCause()).getMessage(), e);
            }
        }
        metrics.kafkaRecords("alert_published", sent.size());
        return new Published(sent.size(), here.isEmpty() ? List.of() : decideHere.apply(here));
    }

    /**
     * The target of the first matching rule whose target renders, as signals are keyed ({@code namespace/deployment}):
     * it puts an alert in its target's partition. None: the alert is decided where it arrived (no rule, or a bad target).
     */
    static String partitionKey(RuleSet ruleSet, Alert a) {
        for (Rule r : ruleSet.matching(a.labels())) {
            Target t = r.target().render(a.labels(), a.annotations());
            if (t.problems().isEmpty()) {
                return t.key();
            }
        }
        return null;
    }

    static byte[] write(Alert a) {
        try {
            return Json.MAPPER.writeValueAsBytes(new Envelope("alert", a));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean isAlert(byte[] value) {
        return value != null && value.length > PREFIX.length && Arrays.equals(value, 0, PREFIX.length, PREFIX, 0, PREFIX.length);
    }

    /** The alert of a record this service produced; a record that does not read back is poison. */
    static Alert read(byte[] value) {
        try {
            Envelope e = Json.MAPPER.readValue(value, Envelope.class);
            if (e.alert() == null || e.alert().labels() == null || e.alert().fingerprint() == null) {
                throw new PoisonRecord(PoisonRecord.Reason.MISSING_FIELD, "an alert record without its alert, labels or fingerprint");
            }
            // Whoever can write to the topic must not get past the webhook's door: the same checks, or a dead letter.
            List<String> problems = io.autonova.remediator.domain.AlertLimits.problems(e.alert());
            if (!problems.isEmpty()) {
                throw new PoisonRecord(PoisonRecord.Reason.ABSURD_VALUE, "an alert record the webhook would refuse: " + String.join("; ", problems));
            }
            return e.alert();
        } catch (IOException e) {
            throw new PoisonRecord(PoisonRecord.Reason.INVALID_JSON, "an alert record that does not parse: " + e.getMessage());
        }
    }

    /**
     * The consumer's security settings (TLS, SASL), given as {@code mp.messaging.incoming.signals.<attribute>} or
     * {@code kafka.<attribute>}, for the producer too: it writes to the same brokers.
     */
    static Map<String, String> securitySettings(org.eclipse.microprofile.config.Config c) {
        Map<String, String> out = new java.util.TreeMap<>();
        for (String prefix : List.of("kafka.", "mp.messaging.incoming." + SignalChannel.CHANNEL + ".")) {
            for (String name : c.getPropertyNames()) {
                if (!name.startsWith(prefix)) {
                    continue;
                }
                String key = name.substring(prefix.length());
                if (key.startsWith("security.") || key.startsWith("sasl.") || key.startsWith("ssl.")) {
                    c.getOptionalValue(name, String.class).ifPresent(v -> out.put(key, v));
                }
            }
        }
        return out;
    }

    private KafkaProducer<byte[], byte[]> producer() {
        KafkaProducer<byte[], byte[]> p = producer;
        if (p == null) {
            synchronized (this) {
                if (producer == null) {
                    Map<String, Object> props = new java.util.HashMap<>(securitySettings(org.eclipse.microprofile.config.ConfigProvider.getConfig()));
                    props.putAll(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers().orElseThrow(),
                            ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                            ProducerConfig.CLIENT_ID_CONFIG, "autonova-webhook", ProducerConfig.LINGER_MS_CONFIG, 1,
                            ProducerConfig.MAX_BLOCK_MS_CONFIG, config.publishTimeout().toMillis(),
                            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.max(config.publishTimeout().toMillis(), 1000) + 1000,
                            ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(config.publishTimeout().toMillis(), 1000)));
                    producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
                }
                p = producer;
            }
        }
        return p;
    }

    @PreDestroy
    void close() {
        KafkaProducer<byte[], byte[]> p = producer;
        if (p != null) {
            p.close(java.time.Duration.ofSeconds(5));
        }
    }
}
