package io.autonova.remediator.ingest.kafka;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.autonova.remediator.rules.RuleFileParser;
import io.autonova.remediator.rules.RuleSet;
import io.autonova.remediator.rules.RuleSetAssembler;
import io.autonova.remediator.rules.SignalWindows;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The consumer's processing apart from Kafka: rebuild on assignment, offsets taken once, ownership, poison and stale records. */
class SignalProcessorTest {

    static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
    static final TopicPartition TP = new TopicPartition("signals", 0);
    static final RuleSet RULES = RuleSetAssembler.assemble(List.of(RuleFileParser.parse("signals.yaml", """
            rules:
              - name: restarts
                signal: {kind: pod-restarts, window: 15m, lateness: 30s, op: ">", bound: 3}
                target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.deployment }}"}
                scenario: immediate-rollback
            """)), NOW).ruleSet();

    final List<SignalWindows.Match> decided = new ArrayList<>();
    final Map<String, Long> counted = new HashMap<>();
    final SignalProcessor processor = new SignalProcessor(() -> RULES, new SignalParser(new ObjectMapper()), decided::add, null,
            (result, count) -> counted.merge(result, count, Long::sum), Clock.fixed(NOW, ZoneOffset.UTC), null);

    /** A partition's log: offsets from 0, each record stamped by the broker 1 s after the previous, from 10 minutes ago. */
    static final class Log implements SignalProcessor.SpanReader {
        final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();

        ConsumerRecord<byte[], byte[]> append(String value) {
            long offset = records.size();
            long ts = NOW.minusSeconds(600).plusSeconds(offset).toEpochMilli();
            byte[] v = value.getBytes(StandardCharsets.UTF_8);
            ConsumerRecord<byte[], byte[]> r = new ConsumerRecord<>(TP.topic(), TP.partition(), offset, ts, TimestampType.CREATE_TIME, 0, v.length,
                    "shop/api".getBytes(StandardCharsets.UTF_8), v, new RecordHeaders(), Optional.empty());
            records.add(r);
            return r;
        }

        ConsumerRecord<byte[], byte[]> restart(int second) {
            return append("{\"type\":\"pod-restart\",\"namespace\":\"shop\",\"deployment\":\"api\",\"time\":\"" + NOW.minusSeconds(300).plusSeconds(second) + "\"}");
        }

        @Override
        public Map<TopicPartition, Long> offsetsSince(Collection<TopicPartition> partitions, Instant since) {
            for (ConsumerRecord<byte[], byte[]> r : records) {
                if (r.timestamp() >= since.toEpochMilli()) {
                    return Map.of(TP, r.offset());
                }
            }
            return Map.of();
        }

        @Override
        public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
            return Map.of(TP, (long) records.size());
        }

        @Override
        public void read(Map<TopicPartition, long[]> spans, Consumer<ConsumerRecord<byte[], byte[]>> sink) {
            long[] span = spans.get(TP);
            records.subList((int) span[0], (int) span[1]).forEach(sink);
        }
    }

    SignalProcessor.Taken take(ConsumerRecord<byte[], byte[]> r) {
        SignalProcessor.Taken t = processor.take(TP, r, NOW, NOW.minus(Duration.ofMinutes(16)));
        processor.decide(t);
        return t;
    }

    @Test
    void aRebuildCountsTheCommittedRecordsWithoutDecidingAndTheNextLiveOneCrosses() {
        Log log = new Log();
        for (int i = 0; i < 3; i++) {
            log.restart(i);
        }
        Map<TopicPartition, Long> seeks = processor.assigned("consumer-1", List.of(TP), Map.of(TP, 3L), log);
        assertEquals(Map.of(), seeks, "a committed partition is read on from its committed offset");
        assertEquals(3L, counted.get("rebuild"));
        assertEquals(List.of(), decided, "nothing is decided while rebuilding");
        take(log.restart(3)); // 3 rebuilt + 1 live = 4 > 3
        assertEquals(1, decided.size());
        assertTrue(decided.get(0).emission().firing());
    }

    @Test
    void aRecordReadAgainIsNotTakenTwice() {
        Log log = new Log();
        processor.assigned("consumer-1", List.of(TP), Map.of(TP, 0L), log);
        List<ConsumerRecord<byte[], byte[]>> three = List.of(log.restart(0), log.restart(1), log.restart(2));
        three.forEach(this::take);
        for (ConsumerRecord<byte[], byte[]> r : three) {
            assertTrue(take(r).skipped(), "offset " + r.offset() + " was taken already");
        }
        assertEquals(List.of(), decided, "3 restarts, not 6: nothing crosses");
        take(log.restart(3));
        assertEquals(1, decided.size());
    }

    @Test
    void aPartitionWithoutACommittedOffsetIsReadLiveFromTheSpanOrTheEnd() {
        Log log = new Log();
        log.restart(0);
        assertEquals(Map.of(TP, 0L), processor.assigned("consumer-1", List.of(TP), Map.of(), log), "from the span's first record");
        SignalProcessor other = new SignalProcessor(() -> RULES, new SignalParser(new ObjectMapper()), m -> { }, null,
                (result, count) -> { }, Clock.fixed(NOW.plus(Duration.ofHours(1)), ZoneOffset.UTC), null);
        assertEquals(Map.of(TP, 1L), other.assigned("consumer-1", List.of(TP), Map.of(), log), "nothing in the span: from the end");
    }

    @Test
    void aPartitionLostLateByOneConsumerStaysWithTheConsumerThatHasItNow() {
        Log log = new Log();
        processor.assigned("consumer-2", List.of(TP), Map.of(TP, 0L), log);
        processor.revoked("consumer-1", List.of(TP));
        assertTrue(processor.owns(TP), "consumer-1's late loss does not drop consumer-2's state");
        processor.revoked("consumer-2", List.of(TP));
        assertTrue(!processor.owns(TP));
        assertTrue(take(log.restart(0)).skipped(), "records of a partition not owned are skipped");
    }

    @Test
    void poisonIsHandedBackAndOldSignalsAreCountedStale() {
        Log log = new Log();
        processor.assigned("consumer-1", List.of(TP), Map.of(TP, 0L), log);
        SignalProcessor.Taken poison = take(log.append("{not json"));
        assertNotNull(poison.poison());
        assertEquals(PoisonRecord.Reason.INVALID_JSON, poison.poison().reason());
        take(log.append("{\"type\":\"pod-restart\",\"namespace\":\"shop\",\"deployment\":\"api\",\"time\":\"" + NOW.minus(Duration.ofHours(6)) + "\"}"));
        processor.flushCounts();
        assertEquals(1L, counted.get("stale"));
        assertEquals(List.of(), decided);
    }
}
