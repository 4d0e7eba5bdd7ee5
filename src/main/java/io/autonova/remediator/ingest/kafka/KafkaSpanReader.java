package io.autonova.remediator.ingest.kafka;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The short-lived side consumer that rebuilds windows on assignment: assigned (no group, commits nothing), it reads
 * a span of a partition and is closed. The main consumer is never moved back, so the connector's commit tracking
 * only ever sees live records.
 */
final class KafkaSpanReader implements SignalProcessor.SpanReader, AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(500);
    /** A span not read by then (broker gone) is given up: the rebuild must not hold the partitions for ever. */
    static final Duration READ_LIMIT = Duration.ofMinutes(1);
    private final KafkaConsumer<byte[], byte[]> consumer;

    /** {@code base}: the main consumer's configuration (bootstrap servers, security, isolation level). */
    KafkaSpanReader(Map<String, ?> base) {
        Map<String, Object> props = new HashMap<>(base);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        props.remove(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, String.valueOf(props.getOrDefault(ConsumerConfig.CLIENT_ID_CONFIG, "signals")) + "-rebuild");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        this.consumer = new KafkaConsumer<>(props);
    }

    @Override
    public Map<TopicPartition, Long> offsetsSince(Collection<TopicPartition> partitions, Instant since) {
        Map<TopicPartition, Long> times = new HashMap<>();
        partitions.forEach(tp -> times.put(tp, since.toEpochMilli()));
        Map<TopicPartition, Long> offsets = new HashMap<>();
        for (Map.Entry<TopicPartition, OffsetAndTimestamp> e : consumer.offsetsForTimes(times).entrySet()) {
            if (e.getValue() != null) {
                offsets.put(e.getKey(), e.getValue().offset());
            }
        }
        return offsets;
    }

    @Override
    public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
        return consumer.endOffsets(partitions);
    }

    @Override
    public void read(Map<TopicPartition, long[]> spans, Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        Map<TopicPartition, Long> until = new HashMap<>();
        spans.forEach((tp, span) -> until.put(tp, span[1]));
        consumer.assign(spans.keySet());
        spans.forEach((tp, span) -> consumer.seek(tp, span[0]));
        long deadline = System.nanoTime() + READ_LIMIT.toNanos();
        // Under read_committed, aborted records and transaction markers leave gaps: the position, not the last
        // record's offset, says when a span is read. A partition read to its end is paused.
        while (true) {
            List<TopicPartition> open = until.entrySet().stream().filter(e -> consumer.position(e.getKey()) < e.getValue()).map(Map.Entry::getKey).toList();
            consumer.pause(until.keySet().stream().filter(tp -> !open.contains(tp)).toList());
            if (open.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(open + ": span not read within " + READ_LIMIT.toSeconds() + " s");
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                if (r.offset() < until.get(new TopicPartition(r.topic(), r.partition()))) {
                    sink.accept(r);
                }
            }
        }
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
