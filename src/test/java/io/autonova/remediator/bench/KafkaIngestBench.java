package io.autonova.remediator.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.ingest.kafka.PoisonRecord;
import io.autonova.remediator.ingest.kafka.SignalConsumer;
import io.autonova.remediator.ingest.kafka.SignalParser;
import io.autonova.remediator.kafka.EmbeddedKafkaBroker;
import io.autonova.remediator.state.Cas;
import io.autonova.remediator.policy.Decision;
import io.autonova.remediator.policy.DecisionInput;
import io.autonova.remediator.policy.PolicyEngine;
import io.autonova.remediator.rules.RuleFileParser;
import io.autonova.remediator.rules.RuleSet;
import io.autonova.remediator.rules.RuleSetAssembler;
import io.autonova.remediator.rules.SignalValue;
import io.autonova.remediator.state.InMemoryStateStore;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Kafka ingest throughput, end to end (consume, parse, window, decide) against the raw consumer on the
 * same broker and topic, in the same run. Prints one line of results; asserts nothing.
 *
 * <p>Args: events (default 1,000,000), targets (default 1000), rounds (default 3).
 */
public final class KafkaIngestBench {

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int targets = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        String topic = "bench.signals";
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            broker.createTopics(4, topic);
            produce(broker.bootstrapServers(), topic, events, targets);
            double bestRaw = 0;
            double bestE2e = 0;
            long decisions = 0;
            List<Double> ratios = new java.util.ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                double raw = raw(broker.bootstrapServers(), topic, events, "raw-" + round);
                long[] decided = new long[1];
                double e2e = endToEnd(broker.bootstrapServers(), topic, events, "e2e-" + round, decided);
                System.out.printf("round %d: raw consumer %.0f events/s, end to end %.0f events/s (%.2fx), %d decisions%n",
                        round, raw, e2e, e2e / raw, decided[0]);
                ratios.add(e2e / raw);
                bestRaw = Math.max(bestRaw, raw);
                bestE2e = Math.max(bestE2e, e2e);
                decisions = decided[0];
            }
            java.util.Collections.sort(ratios);
            System.out.printf("RESULT kafka events=%d targets=%d best raw=%.0f/s best e2e=%.0f/s median round ratio=%.2f decisions=%d%n",
                    events, targets, bestRaw, bestE2e, ratios.get(ratios.size() / 2), decisions);
        }
    }

    /** Request samples keyed by target; about 1 target in 50 crosses 10% errors, so the decide step runs too. */
    static void produce(String bootstrap, String topic, int events, int targets) throws Exception {
        Instant base = Instant.now().minusSeconds(240);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024, ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.ACKS_CONFIG, "1"), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < events; i++) {
                int target = i % targets;
                boolean bad = target % 50 == 0;
                String json = "{\"type\":\"request-sample\",\"namespace\":\"bench\",\"deployment\":\"svc-" + target + "\",\"time\":\""
                        + base.plusMillis(i / 4) + "\",\"requests\":100,\"errors\":" + (bad ? 20 : 1) + "}";
                p.send(new ProducerRecord<>(topic, ("bench/svc-" + target).getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8)));
            }
            p.flush();
        }
    }

    static double raw(String bootstrap, String topic, int events, String group) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, group, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long count = 0;
            long bytes = 0;
            long start = 0;
            while (count < events) {
                var records = c.poll(Duration.ofMillis(200));
                if (start == 0 && !records.isEmpty()) {
                    start = System.nanoTime();
                }
                for (var r : records) {
                    bytes += r.value().length; // touch the payload, as any consumer would
                    count++;
                }
            }
            if (bytes == 0) {
                throw new IllegalStateException();
            }
            return count / ((System.nanoTime() - start) / 1e9);
        }
    }

    static double endToEnd(String bootstrap, String topic, int events, String group, long[] decisions) throws Exception {
        RuleSet rules = RuleSetAssembler.assemble(List.of(RuleFileParser.parse("signals.yaml", Files.readString(Path.of("rules/signals.yaml")))),
                Instant.now()).ruleSet();
        InMemoryStateStore store = new InMemoryStateStore();
        AtomicLong seen = new AtomicLong();
        AtomicLong firstAt = new AtomicLong();
        AtomicLong firstBatch = new AtomicLong();
        AtomicLong decided = new AtomicLong();
        SignalConsumer.Counters counters = new SignalConsumer.Counters() {
            @Override
            public void records(String result, long count) {
                // Counts arrive per batch: time from the end of the first batch, and leave that batch out.
                if (result.equals("signal") && seen.getAndAdd(count) == 0) {
                    firstAt.set(System.nanoTime());
                    firstBatch.set(count);
                }
            }

            @Override
            public void deadLetter(PoisonRecord.Reason reason) {
            }
        };
        // The decide step as the pipeline runs it: policy engine over the shared ledger, conditional write.
        SignalConsumer.MatchHandler decide = m -> {
            DecisionInput in = new DecisionInput(m.rule().name(), m.signal().namespace(), m.signal().deployment(), m.emission().firing(), false,
                    m.rule().threshold(), SignalValue.parse(Double.toString(m.emission().value())), m.emission().firingSince(),
                    Duration.ZERO, m.rule().limits(), rules.globalLimits(), true);
            Cas.update("bench", store::global, store::fetchGlobal, store::replaceGlobal, g -> {
                Decision d = PolicyEngine.decide(in, new io.autonova.remediator.policy.PolicyState(store.pauses(), null, g), "bench", Instant.now());
                return PolicyEngine.admit(g, in, d, "bench", Instant.now(), Duration.ofMinutes(5));
            });
            decided.incrementAndGet();
        };
        startAtBeginning(bootstrap, topic, group);
        SignalConsumer consumer = new SignalConsumer(kafka(bootstrap, topic, group), "bench", () -> rules, new SignalParser(new ObjectMapper()),
                decide, counters, Clock.systemUTC());
        Thread t = new Thread(consumer, "bench-consumer");
        t.start();
        while (seen.get() < events) {
            Thread.sleep(5);
        }
        long end = System.nanoTime();
        consumer.stop();
        t.join();
        decisions[0] = decided.get();
        return seen.get() / ((end - firstAt.get()) / 1e9);
    }

    /** The service's group starts live at the end (history only fills windows); commit 0 so the bench reads everything live. */
    static void startAtBeginning(String bootstrap, String topic, String group) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, group), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            var partitions = c.partitionsFor(topic).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(topic, p.partition())).toList();
            Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> zero = new java.util.HashMap<>();
            partitions.forEach(tp -> zero.put(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(0)));
            c.commitSync(zero);
        }
    }

    public static RemediatorConfig.Kafka kafka(String bootstrap, String topic, String group) {
        return kafka(bootstrap, topic, group, false, java.time.Duration.ofSeconds(10));
    }

    /** As above, with the webhook backbone on or off and its publish timeout. */
    public static RemediatorConfig.Kafka kafka(String bootstrap, String topic, String group, boolean backbone, java.time.Duration publishTimeout) {
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
            public java.time.Duration publishTimeout() {
                return publishTimeout;
            }
        };
    }
}
