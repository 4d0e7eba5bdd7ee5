package io.autonova.remediator.bench;

import io.autonova.remediator.fixtures.ServiceProcess;
import io.autonova.remediator.kafka.EmbeddedKafkaBroker;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Kafka ingest end to end (the packaged service: SmallRye connector, parse, window, decide against the Kubernetes
 * store on a mock API server) against a raw {@code KafkaConsumer} that only touches each payload, on the same broker
 * and records in the same run.
 *
 * <p>Each round fills a topic with 2N request samples; both read all of it from the start and the rate is taken
 * over the second half only, once both are warm (the first half is the warm-up, as in JMH). The service's count is
 * its {@code remediator_kafka_records_total}, polled every 100 ms. About 1 target in 50 crosses 10% errors, so the
 * decide step runs too (refused by the rules' limits after the first few, as in an incident).
 *
 * <p>Args: events N (default 1,000,000), targets (default 1000), rounds (default 3).
 */
public final class KafkaIngestBench {

    private KafkaIngestBench() {
    }

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int targets = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        List<Double> ratios = new ArrayList<>();
        double bestRaw = 0;
        double bestE2e = 0;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            KubernetesMockServer server = ServiceProcess.mockApiServer(false);
            try {
                for (int round = 1; round <= rounds; round++) {
                    String topic = "bench.signals." + round;
                    broker.createTopics(4, topic, topic + ".dlq");
                    produce(broker.bootstrapServers(), topic, 2 * events, targets);
                    double raw = raw(broker.bootstrapServers(), topic, events);
                    double e2e = endToEnd(broker.bootstrapServers(), server, topic, events, round);
                    System.out.printf("round %d: raw consumer %.0f events/s, end to end %.0f events/s (%.2fx)%n", round, raw, e2e, e2e / raw);
                    ratios.add(e2e / raw);
                    bestRaw = Math.max(bestRaw, raw);
                    bestE2e = Math.max(bestE2e, e2e);
                }
            } finally {
                server.destroy();
            }
        }
        Collections.sort(ratios);
        System.out.printf("RESULT kafka events=%d targets=%d best raw=%.0f/s best e2e=%.0f/s median round ratio=%.2f%n",
                events, targets, bestRaw, bestE2e, ratios.get(ratios.size() / 2));
        System.exit(0);
    }

    /** Request samples keyed by target, within the last minute (none stale); target % 50 == 0 at 20% errors. */
    static void produce(String bootstrap, String topic, int events, int targets) throws Exception {
        Instant base = Instant.now().minusSeconds(60);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024, ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.ACKS_CONFIG, "1"), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < events; i++) {
                int target = i % targets;
                boolean bad = target % 50 == 0;
                String json = "{\"type\":\"request-sample\",\"namespace\":\"bench\",\"deployment\":\"svc-" + target + "\",\"time\":\""
                        + base.plusMillis(i / 40) + "\",\"requests\":100,\"errors\":" + (bad ? 20 : 1) + "}";
                p.send(new ProducerRecord<>(topic, ("bench/svc-" + target).getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8)));
            }
            p.flush();
        }
    }

    /** A raw consumer over all 2N records; the rate of the second N. */
    static double raw(String bootstrap, String topic, int events) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "raw-" + topic, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long count = 0;
            long bytes = 0;
            long half = 0;
            long halfCount = 0;
            while (count < 2L * events) {
                for (var r : c.poll(Duration.ofMillis(200))) {
                    bytes += r.value().length; // touch the payload, as any consumer would
                    count++;
                }
                if (half == 0 && count >= events) {
                    half = System.nanoTime();
                    halfCount = count;
                }
            }
            if (bytes == 0) {
                throw new IllegalStateException();
            }
            return (count - halfCount) / ((System.nanoTime() - half) / 1e9);
        }
    }

    /** The service reading all 2N records live (its group committed at 0); the rate of the second N. */
    static double endToEnd(String bootstrap, KubernetesMockServer server, String topic, int events, int round) throws Exception {
        String group = "e2e-" + topic;
        commitZero(bootstrap, topic, group);
        List<String> flags = ServiceProcess.benchFlags(Path.of("target/kafka-bench/replica-" + round + ".jfr"));
        Map<String, String> env = ServiceProcess.benchEnv(Map.of("REMEDIATOR_KAFKA_BOOTSTRAP_SERVERS", bootstrap, "REMEDIATOR_KAFKA_TOPICS", topic,
                "REMEDIATOR_KAFKA_GROUP_ID", group, "REMEDIATOR_KAFKA_DEAD_LETTER_TOPIC", topic + ".dlq"));
        ServiceProcess replica = ServiceProcess.start("kafka-bench-" + round, 18631, server, "rules", flags, env, Path.of("target/kafka-bench"));
        try {
            replica.awaitReady(Duration.ofSeconds(60));
            long half = 0;
            double halfCount = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (true) {
                double n = replica.metric("remediator_kafka_records_total", "");
                long now = System.nanoTime();
                if (half == 0 && n >= events) {
                    half = now;
                    halfCount = n;
                }
                if (n >= 2.0 * events) {
                    return (n - halfCount) / ((now - half) / 1e9);
                }
                if (now > deadline) {
                    throw new IllegalStateException("the service consumed " + n + " of " + 2 * events + " records in 5 minutes");
                }
                Thread.sleep(100);
            }
        } finally {
            replica.stop(); // SIGTERM, so that a flight recording is written
        }
    }

    /** The service's group starts live at the end (history only fills windows); committed at 0 it reads everything live. */
    static void commitZero(String bootstrap, String topic, String group) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, group), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            Map<TopicPartition, OffsetAndMetadata> zero = new HashMap<>();
            c.partitionsFor(topic).forEach(p -> zero.put(new TopicPartition(topic, p.partition()), new OffsetAndMetadata(0)));
            c.commitSync(zero);
        }
    }
}
