package io.autonova.remediator.ingest.kafka;

import io.autonova.remediator.domain.Signal;
import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.rules.Rule;
import io.autonova.remediator.rules.RuleSet;
import io.autonova.remediator.rules.SignalWindows;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * One consumer of the signal topics, in the service's consumer group, on its own thread.
 *
 * <ul>
 * <li>Window state is kept per partition. On assignment it is rebuilt by re-reading the windows' span
 *     ({@code offsetsForTimes}) up to the committed offset without emitting anything, so nothing is
 *     forgotten and nothing counted twice; records from the committed offset on are processed live.</li>
 * <li>Offsets are committed only after every decision of the batch is recorded and every dead letter
 *     acknowledged by the broker.</li>
 * <li>A poison record goes to the dead-letter topic with the reason in headers; the partition moves on.</li>
 * <li>When the pipeline cannot record a decision (state store down), the partition's state is rebuilt
 *     from the failed record on, so the retry neither loses nor double-counts it.</li>
 * </ul>
 */
public final class SignalConsumer implements Runnable {

    private static final Logger LOG = Logger.getLogger(SignalConsumer.class);
    static final Duration DEFAULT_SPAN = Duration.ofMinutes(16);

    /** Hands a window match to the pipeline; returns once its decision is recorded. */
    public interface MatchHandler {
        void handle(SignalWindows.Match match);
    }

    /** Decides an alert the webhook put on the topic (the Kafka backbone); returns once its decisions are recorded. */
    public interface AlertHandler {
        void handle(io.autonova.remediator.domain.Alert alert);
    }

    /** Counters, for metrics; implemented by the CDI side. Records are counted per batch, not one call each. */
    public interface Counters {
        void records(String result, long count);

        void deadLetter(PoisonRecord.Reason reason);
    }

    private long signals;
    private long rebuilt;
    private long ignored;
    private long stale;
    /** Live signals older than this are ignored for acting (set per batch from the config or the rules). */
    private java.time.Duration maxAge;

    private static final class PartitionState {
        final SignalWindows windows = new SignalWindows();
        final long replayUntil;

        PartitionState(long replayUntil) {
            this.replayUntil = replayUntil;
        }
    }

    private final RemediatorConfig.Kafka config;
    private final String name;
    private final Supplier<RuleSet> rules;
    private final SignalParser parser;
    private final MatchHandler handler;
    private final AlertHandler alerts;
    private long alertsDecided;
    private final Counters counters;
    private final Clock clock;
    private final Map<TopicPartition, PartitionState> partitions = new HashMap<>();
    private final Map<TopicPartition, Long> processed = new HashMap<>();
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile boolean running = true;
    private volatile int assigned;

    public SignalConsumer(RemediatorConfig.Kafka config, String name, Supplier<RuleSet> rules, SignalParser parser, MatchHandler handler,
                          Counters counters, Clock clock) {
        this(config, name, rules, parser, handler, null, counters, clock);
    }

    /** With {@code alerts}, alert records of the webhook backbone are decided too; without, they are ignored (counted). */
    public SignalConsumer(RemediatorConfig.Kafka config, String name, Supplier<RuleSet> rules, SignalParser parser, MatchHandler handler,
                          AlertHandler alerts, Counters counters, Clock clock) {
        this.alerts = alerts;
        this.config = config;
        this.name = name;
        this.rules = rules;
        this.parser = parser;
        this.handler = handler;
        this.counters = counters;
        this.clock = clock;
    }

    /** Partitions this consumer owns now. */
    public int assignedPartitions() {
        return assigned;
    }

    public void stop() {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    /** Consumes until stopped; a failure restarts the consumer with backoff instead of ending the thread. */
    @Override
    public void run() {
        int failures = 0;
        while (running) {
            long started = System.nanoTime();
            try {
                session();
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                failures = System.nanoTime() - started > java.util.concurrent.TimeUnit.MINUTES.toNanos(1) ? 1 : failures + 1;
                long backoff = Math.min(30_000, 500L << Math.min(failures, 6));
                restarts.incrementAndGet();
                counters.records("consumer_restart", 1);
                LOG.errorf(e, "%s: Kafka consumer failed; restarting in %d ms (restart %d)", name, backoff, restarts.get());
                sleepQuietly(backoff);
            }
        }
    }

    /** Polls since the thread started, for readiness: a consumer that stops polling is stuck. */
    public Instant lastPollAt() {
        return lastPoll;
    }

    public long restarts() {
        return restarts.get();
    }

    private volatile Instant lastPoll = Instant.now();
    private final java.util.concurrent.atomic.AtomicLong restarts = new java.util.concurrent.atomic.AtomicLong();

    private void session() {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers().orElseThrow());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, name);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.maxPollRecords());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<String, Object> producerProps = Map.of("bootstrap.servers", config.bootstrapServers().orElseThrow(), "acks", "all",
                "enable.idempotence", true, "client.id", name + "-dlq",
                "key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer",
                "value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
             KafkaProducer<byte[], byte[]> dlq = new KafkaProducer<>(producerProps)) {
            consumer = c;
            c.subscribe(config.topics(), new Rebalance(c));
            LOG.infof("%s: consuming %s from %s as group %s", name, config.topics(), config.bootstrapServers().get(), config.groupId());
            while (running) {
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = c.poll(Duration.ofMillis(500));
                    lastPoll = clock.instant();
                } catch (WakeupException e) {
                    break;
                }
                if (!records.isEmpty()) {
                    processBatch(c, dlq, records);
                }
                advanceQuietWindows(c);
            }
            commit(c);
        } catch (WakeupException e) {
            // stopping
        } finally {
            consumer = null;
        }
    }

    private void processBatch(KafkaConsumer<byte[], byte[]> c, KafkaProducer<byte[], byte[]> dlq, ConsumerRecords<byte[], byte[]> records) {
        List<Rule> signalRules = rules.get().signalRules();
        // Default: the longest window plus its lateness; nothing older can still count in any window.
        maxAge = config.maxSignalAge().orElseGet(() -> signalRules.stream().map(r -> r.window().window().plus(r.window().lateness()))
                .max(java.time.Duration::compareTo).orElse(null));
        List<DeadLetter> deadLetters = new ArrayList<>();
        Instant now = clock.instant();
        for (TopicPartition tp : records.partitions()) {
            PartitionState state = partitions.get(tp);
            if (state == null) {
                continue; // revoked meanwhile
            }
            for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                boolean live = r.offset() >= state.replayUntil;
                try {
                    process(r, state, signalRules, live, now, dlq, deadLetters);
                } catch (RuntimeException e) {
                    // The decision could not be recorded: retry this record later, from rebuilt state.
                    LOG.errorf("%s: could not record a decision for %s offset %d, will retry: %s", name, tp, r.offset(), e.getMessage());
                    awaitDeadLetters(deadLetters);
                    commit(c);
                    rebuild(c, List.of(tp), Map.of(tp, r.offset()));
                    sleepQuietly(1000);
                    break;
                }
                if (live) {
                    processed.put(tp, r.offset() + 1);
                }
            }
        }
        awaitDeadLetters(deadLetters);
        commitAsync(c);
        flushCounts();
    }

    private Instant lastAdvance = Instant.EPOCH;
    private volatile int windowTargets;

    /** Targets with window state on this consumer (bounded by the targets active within the longest window). */
    public int windowTargets() {
        return windowTargets;
    }

    /**
     * Once a second, slides the windows of live partitions over the time their targets have been quiet, so a
     * target that stops sending resolves on time (not at its next event) and its state is dropped.
     */
    private void advanceQuietWindows(KafkaConsumer<byte[], byte[]> c) {
        Instant now = clock.instant();
        if (now.isBefore(lastAdvance.plusSeconds(1))) {
            return;
        }
        lastAdvance = now;
        int targets = 0;
        for (Map.Entry<TopicPartition, PartitionState> e : partitions.entrySet()) {
            PartitionState state = e.getValue();
            boolean live = c.position(e.getKey()) >= state.replayUntil;
            for (SignalWindows.Match m : state.windows.advance(now, live)) {
                try {
                    handler.handle(m);
                } catch (RuntimeException ex) {
                    // The resolve is not retried: the episode's record then resolves with its next alert or the next run.
                    counters.records("resolve_failed", 1);
                    LOG.errorf("%s: could not record that %s on %s resolved: %s", name, m.rule().name(), m.signal().targetKey(), ex.getMessage());
                }
            }
            targets += state.windows.size();
        }
        windowTargets = targets;
    }

    private void flushCounts() {
        if (signals > 0) {
            counters.records("signal", signals);
        }
        if (rebuilt > 0) {
            counters.records("rebuild", rebuilt);
        }
        if (ignored > 0) {
            counters.records("ignored", ignored);
        }
        if (stale > 0) {
            counters.records("stale", stale);
        }
        if (alertsDecided > 0) {
            counters.records("alert", alertsDecided);
        }
        alertsDecided = 0;
        stale = 0;
        signals = 0;
        rebuilt = 0;
        ignored = 0;
    }

    /**
     * Commits what the batch processed without waiting: every decision is already recorded, and the client
     * keeps async commits in order; revocation and shutdown commit synchronously.
     */
    private void commitAsync(KafkaConsumer<byte[], byte[]> c) {
        if (processed.isEmpty()) {
            return;
        }
        c.commitAsync(takeProcessed(), (done, error) -> {
            if (error != null) {
                // A later commit covers these offsets; at worst the records are read again and deduplicated.
                LOG.warnf("%s: offset commit failed: %s", name, error.getMessage());
            }
        });
    }

    private void process(ConsumerRecord<byte[], byte[]> r, PartitionState state, List<Rule> signalRules, boolean live, Instant now,
                         KafkaProducer<byte[], byte[]> dlq, List<DeadLetter> deadLetters) {
        if (AlertBackbone.isAlert(r.value())) {
            if (live) {
                processAlert(r, now, dlq, deadLetters);
            }
            return;
        }
        Signal signal;
        try {
            signal = parser.parse(r.value(), headers(r), now).orElse(null);
        } catch (PoisonRecord p) {
            if (live) {
                sendDeadLetter(r, p, dlq, deadLetters);
            }
            return;
        }
        if (signal == null) {
            if (live) {
                ignored++;
            }
            return;
        }
        if (live && maxAge != null && signal.time().isBefore(now.minus(maxAge))) {
            // A backlog or an offset reset must not act on an old condition: counted, never windowed.
            stale++;
            return;
        }
        // Replayed records arrived when the broker stamped them; live ones now.
        Instant arrived = live ? now : Instant.ofEpochMilli(r.timestamp());
        List<SignalWindows.Match> matches = state.windows.accept(signal, signalRules, live, arrived);
        if (live) {
            signals++;
        } else {
            rebuilt++;
        }
        for (SignalWindows.Match m : matches) {
            handler.handle(m);
        }
    }

    /** An alert the webhook accepted: decided here, on the consumer that owns its target's partition. */
    private void processAlert(ConsumerRecord<byte[], byte[]> r, Instant now, KafkaProducer<byte[], byte[]> dlq, List<DeadLetter> deadLetters) {
        io.autonova.remediator.domain.Alert alert;
        try {
            alert = AlertBackbone.read(r.value());
        } catch (PoisonRecord p) {
            sendDeadLetter(r, p, dlq, deadLetters);
            return;
        }
        if (alerts == null) {
            ignored++;
        } else if (maxAge != null && alert.receivedAt() != null && alert.receivedAt().isBefore(now.minus(maxAge))) {
            stale++;
        } else {
            alerts.handle(alert);
            alertsDecided++;
        }
    }

    /** Sends a poison record to the dead-letter topic; the batch waits for it before committing. */
    private void sendDeadLetter(ConsumerRecord<byte[], byte[]> r, PoisonRecord p, KafkaProducer<byte[], byte[]> dlq, List<DeadLetter> deadLetters) {
        ProducerRecord<byte[], byte[]> letter = deadLetter(r, p);
        deadLetters.add(new DeadLetter(letter, dlq.send(letter), dlq, r.topic() + "-" + r.partition() + "@" + r.offset()));
        counters.deadLetter(p.reason());
        counters.records("poison", 1);
    }

    private ProducerRecord<byte[], byte[]> deadLetter(ConsumerRecord<byte[], byte[]> r, PoisonRecord p) {
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(config.deadLetterTopic(), null, r.key(), r.value(), r.headers());
        out.headers().add("dead-letter-reason", p.reason().tag().getBytes(StandardCharsets.UTF_8));
        out.headers().add("dead-letter-detail", String.valueOf(p.getMessage()).getBytes(StandardCharsets.UTF_8));
        out.headers().add("dead-letter-topic", r.topic().getBytes(StandardCharsets.UTF_8));
        out.headers().add("dead-letter-partition", Integer.toString(r.partition()).getBytes(StandardCharsets.UTF_8));
        out.headers().add("dead-letter-offset", Long.toString(r.offset()).getBytes(StandardCharsets.UTF_8));
        return out;
    }

    private static Map<String, String> headers(ConsumerRecord<byte[], byte[]> r) {
        Map<String, String> h = null;
        for (Header header : r.headers()) {
            String key = header.key();
            if (key.startsWith("ce_") || key.equalsIgnoreCase("content-type")) {
                if (h == null) {
                    h = new HashMap<>();
                }
                h.put(key, header.value() == null ? "" : new String(header.value(), StandardCharsets.UTF_8));
            }
        }
        return h == null ? Map.of() : h;
    }

    /** A dead letter on its way: the record, its send, and where the poison came from. */
    private record DeadLetter(ProducerRecord<byte[], byte[]> record, Future<RecordMetadata> sent, KafkaProducer<byte[], byte[]> producer, String from) {
    }

    /**
     * Waits for the batch's dead letters. One the broker refuses (too large, broker down) is sent again twice;
     * then it is counted and logged, and consumption goes on: a poison record never stalls its partition.
     */
    private void awaitDeadLetters(List<DeadLetter> letters) {
        for (DeadLetter d : letters) {
            Exception last = null;
            for (int attempt = 0; attempt < 3; attempt++) {
                try {
                    (attempt == 0 ? d.sent() : d.producer().send(d.record())).get(10, java.util.concurrent.TimeUnit.SECONDS);
                    last = null;
                    break;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while writing a dead letter", e);
                } catch (Exception e) {
                    last = e;
                }
            }
            if (last != null) {
                counters.records("dead_letter_failed", 1);
                LOG.errorf("%s: the dead letter of poison record %s could not be written (%s); the record is skipped", name, d.from(), last.getMessage());
            }
        }
        letters.clear();
    }

    private void commit(KafkaConsumer<byte[], byte[]> c) {
        if (processed.isEmpty()) {
            return;
        }
        c.commitSync(takeProcessed());
    }

    /** The offsets processed since the last commit, as a commit wants them; forgets them. */
    private Map<TopicPartition, OffsetAndMetadata> takeProcessed() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        processed.forEach((tp, next) -> offsets.put(tp, new OffsetAndMetadata(next)));
        processed.clear();
        return offsets;
    }

    /**
     * Seeks each partition back over its windows' span and replays up to {@code replayUntil} silently. A
     * partition without a committed offset (a new group, or one that never had a record) has nothing known
     * to be decided: all of its span is processed live (old records are stale, redeliveries deduplicated).
     */
    private void rebuild(KafkaConsumer<byte[], byte[]> c, Collection<TopicPartition> tps, Map<TopicPartition, Long> replayUntil) {
        long since = clock.instant().minus(span()).toEpochMilli();
        Map<TopicPartition, Long> times = new HashMap<>();
        tps.forEach(tp -> times.put(tp, since));
        Map<TopicPartition, OffsetAndTimestamp> starts = c.offsetsForTimes(times);
        Map<TopicPartition, Long> ends = null;
        for (TopicPartition tp : tps) {
            Long until = replayUntil.get(tp);
            OffsetAndTimestamp start = starts.get(tp);
            long from;
            if (start != null) {
                from = until == null ? start.offset() : Math.min(start.offset(), until);
            } else if (until != null) {
                from = until;
            } else {
                ends = ends == null ? c.endOffsets(tps) : ends;
                from = ends.getOrDefault(tp, 0L);
            }
            long live = until == null ? from : until;
            partitions.put(tp, new PartitionState(live));
            c.seek(tp, from);
            LOG.infof("%s: %s rebuilding windows from offset %d, live from %d", name, tp, from, live);
        }
    }

    private Duration span() {
        Duration span = Duration.ZERO;
        for (Rule r : rules.get().signalRules()) {
            if (r.window().span().compareTo(span) > 0) {
                span = r.window().span();
            }
        }
        return span.isZero() ? DEFAULT_SPAN : span;
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        private final KafkaConsumer<byte[], byte[]> c;

        Rebalance(KafkaConsumer<byte[], byte[]> c) {
            this.c = c;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            try {
                commit(c);
            } finally {
                revoked.forEach(partitions::remove);
                assigned = partitions.size();
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> lost) {
            // Another member owns them now; our uncommitted progress is re-read by it.
            lost.forEach(tp -> {
                partitions.remove(tp);
                processed.remove(tp);
            });
            assigned = partitions.size();
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
            if (assigned.isEmpty()) {
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> committed = c.committed(new HashSet<>(assigned));
            Map<TopicPartition, Long> liveFrom = new HashMap<>();
            for (TopicPartition tp : assigned) {
                OffsetAndMetadata om = committed.get(tp);
                if (om != null) {
                    liveFrom.put(tp, om.offset());
                }
            }
            rebuild(c, assigned, liveFrom);
            SignalConsumer.this.assigned = partitions.size();
        }
    }
}
