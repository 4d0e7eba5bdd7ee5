package io.autonova.remediator.ingest.kafka;

import io.autonova.remediator.domain.Alert;
import io.autonova.remediator.domain.Signal;
import io.autonova.remediator.rules.Rule;
import io.autonova.remediator.rules.RuleSet;
import io.autonova.remediator.rules.SignalWindows;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * What a consumer of the signal topics does with its records, apart from the Kafka client: window state per owned
 * partition, rebuilt on assignment from the windows' span up to the committed offset without deciding anything;
 * live records windowed and their matches decided; alerts of the webhook backbone decided; quiet windows resolved.
 * The connector (or a bench) feeds it; the connector commits what it acknowledges.
 *
 * <p>Thread-safe: records of one partition come from one thread at a time; assignment, revocation and the
 * quiet-window sweep may run on others.
 */
public final class SignalProcessor {

    private static final Logger LOG = Logger.getLogger(SignalProcessor.class);
    static final Duration DEFAULT_SPAN = Duration.ofMinutes(16);

    /** Hands a window match to the pipeline; returns once its decision is recorded. */
    public interface MatchHandler {
        void handle(SignalWindows.Match match);
    }

    /** Decides an alert the webhook put on the topic (the Kafka backbone); returns once its decisions are recorded. */
    public interface AlertHandler {
        void handle(Alert alert);
    }

    /** Counts of records by result, for metrics. */
    public interface Counters {
        void records(String result, long count);
    }

    /** Reads a partition's records from one offset up to another (a short-lived side consumer in production). */
    public interface SpanReader {
        /** Offsets of the first records at or after {@code since}, per partition; absent when there is none. */
        Map<TopicPartition, Long> offsetsSince(Collection<TopicPartition> partitions, Instant since);

        /** The offsets the next records will have. */
        Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions);

        /** Calls {@code sink} with every record in [from, until) of each partition ({@code spans}: from, until), in order per partition. */
        void read(Map<TopicPartition, long[]> spans, java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> sink);
    }

    /** One owned partition: its windows, the next offset not yet taken into them, and which consumer owns it. */
    private static final class PartitionState {
        final SignalWindows windows = new SignalWindows();
        final Object owner;
        volatile long next;

        PartitionState(Object owner, long next) {
            this.owner = owner;
            this.next = next;
        }
    }

    private final Supplier<RuleSet> rules;
    private final SignalParser parser;
    private final MatchHandler handler;
    private final AlertHandler alerts;
    private final Counters counters;
    private final Clock clock;
    private final Duration configuredMaxAge;
    private final Map<TopicPartition, PartitionState> partitions = new ConcurrentHashMap<>();
    private volatile int windowTargets;
    // Counted here, handed to the metrics once per batch: a counter call per record costs more than the record.
    private final java.util.concurrent.atomic.LongAdder signals = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder ignored = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder stale = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder alertsDecided = new java.util.concurrent.atomic.LongAdder();

    public SignalProcessor(Supplier<RuleSet> rules, SignalParser parser, MatchHandler handler, AlertHandler alerts, Counters counters,
                           Clock clock, Duration maxSignalAge) {
        this.rules = rules;
        this.parser = parser;
        this.handler = handler;
        this.alerts = alerts;
        this.counters = counters;
        this.clock = clock;
        this.configuredMaxAge = maxSignalAge;
    }

    /** The windows' span: how far back a rebuild reads. */
    public Duration span() {
        Duration span = Duration.ZERO;
        for (Rule r : rules.get().signalRules()) {
            if (r.window().span().compareTo(span) > 0) {
                span = r.window().span();
            }
        }
        return span.isZero() ? DEFAULT_SPAN : span;
    }

    /**
     * Takes partitions over. Those with a committed offset get their windows rebuilt from the span up to it, silently
     * (nothing is decided twice, nothing forgotten); records from the committed offset on are live. Those without one
     * (a new group, or a partition that never had a record) have nothing known to be decided: the returned offset is
     * where the consumer must start reading them live (the span's start, or the end when the span is empty).
     */
    public Map<TopicPartition, Long> assigned(Object owner, Collection<TopicPartition> assigned, Map<TopicPartition, Long> committed,
                                              SpanReader reader) {
        Instant since = clock.instant().minus(span());
        Map<TopicPartition, Long> starts = assigned.isEmpty() ? Map.of() : reader.offsetsSince(assigned, since);
        Map<TopicPartition, Long> seeks = new HashMap<>();
        List<Rule> signalRules = rules.get().signalRules();
        Map<TopicPartition, PartitionState> rebuilding = new HashMap<>();
        Map<TopicPartition, long[]> spans = new HashMap<>();
        List<TopicPartition> fromEnd = assigned.stream().filter(tp -> !committed.containsKey(tp) && !starts.containsKey(tp)).toList();
        Map<TopicPartition, Long> ends = fromEnd.isEmpty() ? Map.of() : reader.endOffsets(fromEnd);
        for (TopicPartition tp : assigned) {
            Long until = committed.get(tp);
            Long start = starts.get(tp);
            if (until == null) {
                long from = start != null ? start : ends.getOrDefault(tp, 0L);
                partitions.put(tp, new PartitionState(owner, from));
                seeks.put(tp, from);
                LOG.infof("%s: no committed offset; reading live from offset %d (the windows' span)", tp, from);
                continue;
            }
            rebuilding.put(tp, new PartitionState(owner, until));
            long from = start == null ? until : Math.min(start, until);
            if (from < until) {
                spans.put(tp, new long[]{from, until});
            }
        }
        long[] rebuilt = {0};
        if (!spans.isEmpty()) {
            try {
                reader.read(spans, r -> {
                    rebuilt[0]++;
                    replay(r, rebuilding.get(new TopicPartition(r.topic(), r.partition())), signalRules);
                });
            } catch (RuntimeException e) {
                // Live from the committed offsets with what was read: a window may under-count, never over-count.
                counters.records("rebuild_incomplete", 1);
                LOG.errorf("windows only partly rebuilt (%d records): %s", rebuilt[0], e.getMessage());
            }
        }
        partitions.putAll(rebuilding);
        counters.records("rebuild", rebuilt[0]);
        if (!rebuilding.isEmpty()) {
            LOG.infof("%s: windows rebuilt from %d records; live from the committed offsets", rebuilding.keySet(), rebuilt[0]);
        }
        return seeks;
    }

    /**
     * Partitions {@code owner} no longer has: their state goes; what was not committed is re-read by the new owner.
     * Only the owner's own state: a partition lost late may already belong to another consumer of this replica.
     */
    public void revoked(Object owner, Collection<TopicPartition> revoked) {
        for (TopicPartition tp : revoked) {
            partitions.computeIfPresent(tp, (k, state) -> state.owner == owner ? null : state);
        }
    }

    public int assignedPartitions() {
        return partitions.size();
    }

    /** Whether this consumer still owns {@code tp} (a retry stops once it does not). */
    public boolean owns(TopicPartition tp) {
        return partitions.containsKey(tp);
    }

    /** Targets with window state (bounded by the targets active within the longest window). */
    public int windowTargets() {
        return windowTargets;
    }

    /** The outcome of taking one live record. */
    public record Taken(List<SignalWindows.Match> matches, Alert alert, PoisonRecord poison, boolean skipped) {
        static final Taken NOTHING = new Taken(List.of(), null, null, false);
        static final Taken SKIPPED = new Taken(List.of(), null, null, true);
    }

    /**
     * Takes a live record into its partition's windows and says what to do: decide the matches (or the alert), or
     * dead-letter it. A record of a partition not owned, or already taken (read again after a rebalance), is skipped.
     * Nothing is decided here, so a failed decision can be retried without taking the record twice.
     */
    public Taken take(TopicPartition tp, ConsumerRecord<byte[], byte[]> r, Instant now, Instant staleBefore) {
        PartitionState state = partitions.get(tp);
        if (state == null || r.offset() < state.next) {
            return Taken.SKIPPED;
        }
        synchronized (state) {
            // Advanced only once taken: a step that throws is retried on the same record.
            Taken taken = takeInto(state, r, now, staleBefore);
            state.next = r.offset() + 1;
            return taken;
        }
    }

    /** {@code staleBefore}: live signals older than this are ignored for acting (null: no limit). */
    private Taken takeInto(PartitionState state, ConsumerRecord<byte[], byte[]> r, Instant now, Instant staleBefore) {
        if (AlertBackbone.isAlert(r.value())) {
            Alert alert;
            try {
                alert = AlertBackbone.read(r.value());
            } catch (PoisonRecord p) {
                return new Taken(List.of(), null, p, false);
            }
            if (alerts == null) {
                ignored.increment();
                return Taken.NOTHING;
            }
            if (staleBefore != null && alert.receivedAt() != null && alert.receivedAt().isBefore(staleBefore)) {
                stale.increment();
                return Taken.NOTHING;
            }
            return new Taken(List.of(), alert, null, false);
        }
        Signal signal;
        try {
            signal = parser.parse(r.value(), headers(r), now).orElse(null);
        } catch (PoisonRecord p) {
            return new Taken(List.of(), null, p, false);
        }
        if (signal == null) {
            ignored.increment();
            return Taken.NOTHING;
        }
        if (staleBefore != null && signal.time().isBefore(staleBefore)) {
            // A backlog or an offset reset must not act on an old condition: counted, never windowed.
            stale.increment();
            return Taken.NOTHING;
        }
        signals.increment();
        List<SignalWindows.Match> matches = state.windows.accept(signal, rules.get().signalRules(), true, now);
        return matches.isEmpty() ? Taken.NOTHING : new Taken(matches, null, null, false);
    }

    /** Live signals older than this are ignored for acting: the configured age, else the longest window plus its lateness. */
    public Duration maxAge() {
        if (configuredMaxAge != null) {
            return configuredMaxAge;
        }
        return rules.get().signalRules().stream().map(r -> r.window().window().plus(r.window().lateness()))
                .max(Duration::compareTo).orElse(null);
    }

    /** Decides what {@link #take} returned; returns once every decision is recorded (throws when one cannot be). */
    public void decide(Taken taken) {
        if (taken.alert() != null) {
            alerts.handle(taken.alert());
            alertsDecided.increment();
        }
        for (SignalWindows.Match m : taken.matches()) {
            handler.handle(m);
        }
    }

    /** Hands the counts since the last call to the metrics. */
    public void flushCounts() {
        flush("signal", signals);
        flush("ignored", ignored);
        flush("stale", stale);
        flush("alert", alertsDecided);
    }

    private void flush(String result, java.util.concurrent.atomic.LongAdder adder) {
        long n = adder.sumThenReset();
        if (n > 0) {
            counters.records(result, n);
        }
    }

    /** A replayed record: windows only, at the time the broker stamped it; alerts and poison were handled when live. */
    private void replay(ConsumerRecord<byte[], byte[]> r, PartitionState state, List<Rule> signalRules) {
        if (AlertBackbone.isAlert(r.value())) {
            return;
        }
        try {
            parser.parse(r.value(), headers(r), clock.instant())
                    .ifPresent(s -> state.windows.accept(s, signalRules, false, Instant.ofEpochMilli(r.timestamp())));
        } catch (PoisonRecord p) {
            // dead-lettered when it was live
        }
    }

    /**
     * Slides the windows over the time their targets have been quiet, so a target that stops sending resolves on
     * time (not at its next event) and its state is dropped. Resolves that cannot be recorded are not retried: the
     * episode's record then resolves with its next alert or run.
     */
    public void advanceQuietWindows() {
        Instant now = clock.instant();
        int targets = 0;
        for (Map.Entry<TopicPartition, PartitionState> e : partitions.entrySet()) {
            PartitionState state = e.getValue();
            List<SignalWindows.Match> resolved;
            synchronized (state) {
                resolved = state.windows.advance(now);
                targets += state.windows.size();
            }
            for (SignalWindows.Match m : resolved) {
                try {
                    handler.handle(m);
                } catch (RuntimeException ex) {
                    counters.records("resolve_failed", 1);
                    LOG.errorf("could not record that %s on %s resolved: %s", m.rule().name(), m.signal().targetKey(), ex.getMessage());
                }
            }
        }
        windowTargets = targets;
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
}
