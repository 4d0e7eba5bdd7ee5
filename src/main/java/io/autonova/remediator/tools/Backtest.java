package io.autonova.remediator.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.autonova.remediator.domain.Alert;
import io.autonova.remediator.domain.Durations;
import io.autonova.remediator.domain.Json;
import io.autonova.remediator.ingest.alertmanager.AlertmanagerPayload;
import io.autonova.remediator.pipeline.AlertResult;
import io.autonova.remediator.rules.RuleSetAssembler;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code rules backtest}: replays recorded webhook deliveries (the service's own capture, or Alertmanager
 * bodies with a {@code receivedAt}) through a rule set on their own clock, with the service's decision path, and
 * says per target and rule what would have acted, what would have been refused and why, and what the limits
 * prevented. Values the recording cannot reproduce are counted as such, never guessed.
 */
final class Backtest {

    /** Refusals that are the limits at work: without them, the rule would have acted. */
    static final Set<String> LIMITS = Set.of("COOLDOWN", "RATE_LIMITED_TARGET", "RATE_LIMITED_RULE", "RATE_LIMITED_GLOBAL", "CONCURRENCY_LIMIT",
            "TARGET_IN_FLIGHT", "AWAITING_HUMAN");

    private Backtest() {
    }

    static final class Row {
        final List<String> acted = new ArrayList<>();
        final Map<String, Integer> refused = new TreeMap<>();
        int prevented;
        int notReproducible;
    }

    /** Runs a backtest whose options picocli has read ({@link RulesCli.BacktestCommand}). */
    static int run(List<Path> rulePaths, Path webhooks, Path signals, String kafka, String topic, Instant from, Instant to, boolean json,
                   Duration runsTake, PrintStream out, PrintStream err) {
        try {
            List<Path> files = new ArrayList<>();
            for (Path p : rulePaths) {
                files.addAll(RulesCli.ruleFiles(p));
            }
            RuleSetAssembler.Outcome rules = RulesCli.load(files);
            if (!rules.ok()) {
                err.println("backtest: the rules do not load:");
                rules.errors().forEach(e -> err.println("  " + e));
                return RulesCli.FINDINGS;
            }
            Path source = webhooks != null ? webhooks : signals;
            if (kafka != null) {
                source = Files.createTempFile("backtest-signals", ".jsonl");
                int read = readTopic(kafka, topic, from, to, source);
                err.printf("backtest: read %d record(s) of %s between %s and %s%n", read, topic, from, to);
            }
            return replay(rules, source, webhooks == null, runsTake, json, out);
        } catch (IOException | IllegalArgumentException e) {
            err.println("backtest: " + e.getMessage());
            return RulesCli.USAGE;
        }
    }

    /** The topic's records whose timestamps fall in [from, to), every partition, as a signals file (their values, one per line). */
    static int readTopic(String servers, String topic, Instant from, Instant to, Path into) throws IOException {
        var props = new java.util.Properties();
        props.put(org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        props.put(org.apache.kafka.clients.consumer.ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.ByteArrayDeserializer.class);
        props.put(org.apache.kafka.clients.consumer.ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.ByteArrayDeserializer.class);
        props.put(org.apache.kafka.clients.consumer.ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"); // a reader, never a member of the service's group
        int n = 0;
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(props);
             var out = Files.newBufferedWriter(into, StandardCharsets.UTF_8)) {
            List<org.apache.kafka.common.TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(pi -> new org.apache.kafka.common.TopicPartition(topic, pi.partition())).toList();
            consumer.assign(partitions);
            Map<org.apache.kafka.common.TopicPartition, Long> at = new java.util.HashMap<>();
            partitions.forEach(tp -> at.put(tp, from.toEpochMilli()));
            Map<org.apache.kafka.common.TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            java.util.Set<org.apache.kafka.common.TopicPartition> open = new java.util.HashSet<>();
            consumer.offsetsForTimes(at, Duration.ofSeconds(30)).forEach((tp, o) -> {
                if (o == null) {
                    consumer.seek(tp, end.get(tp)); // nothing at or after 'from'
                } else {
                    consumer.seek(tp, o.offset());
                    open.add(tp);
                }
            });
            while (!open.isEmpty()) {
                for (var r : consumer.poll(Duration.ofMillis(500))) {
                    var tp = new org.apache.kafka.common.TopicPartition(r.topic(), r.partition());
                    if (r.timestamp() >= to.toEpochMilli() || r.offset() + 1 >= end.get(tp)) {
                        open.remove(tp);
                    }
                    if (r.timestamp() < to.toEpochMilli() && r.value() != null) {
                        out.write(new String(r.value(), StandardCharsets.UTF_8).replace('\n', ' '));
                        out.write('\n');
                        n++;
                    }
                }
                open.removeIf(tp -> consumer.position(tp) >= end.get(tp));
            }
        }
        return n;
    }

    private static int replay(RuleSetAssembler.Outcome rules, Path webhooks, boolean signalFile, Duration runsTake, boolean json, PrintStream out)
            throws IOException {
        List<Instant> times = new ArrayList<>();
        List<List<Alert>> deliveries = new ArrayList<>();
        List<byte[]> signalValues = new ArrayList<>();
        int poison = 0;
        try (BufferedReader in = Files.newBufferedReader(webhooks, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = in.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = Json.MAPPER.readTree(line);
                } catch (IOException e) {
                    if (!signalFile) {
                        throw new IllegalArgumentException(webhooks + ":" + n + ": not JSON");
                    }
                    poison++; // a topic may hold poison records: the consumer dead-letters them, the backtest skips them
                    continue;
                }
                if (signalFile) {
                    // A signal record's value, as on the topic: its own event time is the clock.
                    if (!node.hasNonNull("time")) {
                        throw new IllegalArgumentException(webhooks + ":" + n + ": a signal without 'time'");
                    }
                    times.add(Instant.parse(node.get("time").asText()));
                    signalValues.add(line.getBytes(StandardCharsets.UTF_8));
                    deliveries.add(List.of());
                    continue;
                }
                if (!node.hasNonNull("receivedAt")) {
                    throw new IllegalArgumentException(webhooks + ":" + n + ": no 'receivedAt': the time a delivery arrived decides cooldowns and windows");
                }
                Instant at = Instant.parse(node.get("receivedAt").asText());
                try {
                    deliveries.add(AlertmanagerPayload.parse(Json.MAPPER, line.getBytes(StandardCharsets.UTF_8), at));
                } catch (AlertmanagerPayload.InvalidPayload e) {
                    throw new IllegalArgumentException(webhooks + ":" + n + ": " + e.getMessage());
                }
                times.add(at);
            }
        }
        if (deliveries.isEmpty()) {
            throw new IllegalArgumentException(webhooks + ": no deliveries");
        }
        for (int i = 1; i < times.size() && !signalFile; i++) {
            if (times.get(i).isBefore(times.get(i - 1))) {
                throw new IllegalArgumentException(webhooks + ": deliveries out of time order at line " + (i + 1));
            }
        }
        // Signals may arrive out of event-time order (the windows' lateness decides); the clock never goes back.
        OfflinePipeline p = new OfflinePipeline(rules.ruleSet(), times.stream().min(Instant::compareTo).orElseThrow(), false);
        Map<String, Row> rows = new TreeMap<>();
        int alerts = 0;
        for (int i = 0; i < deliveries.size(); i++) {
            p.clock.set(times.get(i).isAfter(p.clock.instant()) ? times.get(i) : p.clock.instant());
            p.finishRunsStartedBefore(runsTake);
            alerts += signalFile ? 1 : deliveries.get(i).size();
            List<AlertResult> decided;
            try {
                decided = signalFile ? p.acceptSignal(signalValues.get(i)) : p.accept(deliveries.get(i));
            } catch (io.autonova.remediator.ingest.kafka.PoisonRecord e) {
                poison++;
                continue;
            }
            for (AlertResult r : decided) {
                if (r.rule() == null) {
                    continue;
                }
                Row row = rows.computeIfAbsent(p.target(r) + "\t" + r.rule(), k -> new Row());
                if ("execute".equals(r.outcome())) {
                    row.acted.add(times.get(i).toString());
                } else {
                    row.refused.merge(r.reason(), 1, Integer::sum);
                    row.prevented += LIMITS.contains(r.reason()) ? 1 : 0;
                    row.notReproducible += "VALUE_INCONCLUSIVE".equals(r.reason()) && r.message() != null && r.message().contains("is missing") ? 1 : 0;
                }
            }
        }
        int acted = rows.values().stream().mapToInt(r -> r.acted.size()).sum();
        int prevented = rows.values().stream().mapToInt(r -> r.prevented).sum();
        int unknown = rows.values().stream().mapToInt(r -> r.notReproducible).sum();
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put(signalFile ? "signals" : "deliveries", signalFile ? alerts : deliveries.size());
            if (!signalFile) {
                doc.put("alerts", alerts);
            }
            doc.put("from", times.get(0).toString());
            doc.put("to", times.get(times.size() - 1).toString());
            doc.put("runsTake", Durations.format(runsTake));
            doc.put("assumed", "no pause and no earlier action before the recording starts");
            List<Map<String, Object>> list = new ArrayList<>();
            rows.forEach((k, r) -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("target", k.split("\t")[0]);
                m.put("rule", k.split("\t")[1]);
                m.put("acted", r.acted);
                m.put("refused", r.refused);
                m.put("preventedByLimits", r.prevented);
                m.put("notReproducible", r.notReproducible);
                list.add(m);
            });
            doc.put("targets", list);
            doc.put("totals", Map.of("acted", acted, "preventedByLimits", prevented, "notReproducible", unknown, "poisonSkipped", poison));
            out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
            return RulesCli.OK;
        }
        out.printf("backtest: %s, %s .. %s; runs assumed to take %s; no pause and no earlier action assumed before %s%n",
                signalFile ? alerts + " signals" : deliveries.size() + " deliveries, " + alerts + " alerts", times.get(0), times.get(times.size() - 1),
                Durations.format(runsTake), times.get(0));
        rows.forEach((k, r) -> {
            String[] tr = k.split("\t");
            out.printf("%-40s %-28s would act %dx%s; refused %dx %s%s%s%n", tr[0], tr[1], r.acted.size(), r.acted.isEmpty() ? "" : " " + r.acted,
                    r.refused.values().stream().mapToInt(Integer::intValue).sum(), r.refused,
                    r.prevented == 0 ? "" : "; limits prevented " + r.prevented,
                    r.notReproducible == 0 ? "" : "; " + r.notReproducible + " not reproducible (the recorded alert lacks the value the threshold reads)");
        });
        out.printf("totals: would act %d time(s); the limits prevented %d; %d decision(s) not reproducible from the recording%s%n", acted, prevented, unknown,
                poison == 0 ? "" : "; " + poison + " poison record(s) skipped");
        return RulesCli.OK;
    }
}
