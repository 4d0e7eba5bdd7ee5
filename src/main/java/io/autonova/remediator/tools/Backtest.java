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

    static int run(String[] args, PrintStream out, PrintStream err) {
        List<Path> rulePaths = new ArrayList<>();
        Path webhooks = null;
        boolean json = false;
        Duration runsTake = Duration.ofMinutes(2);
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--rules" -> rulePaths.add(Path.of(args[++i]));
                    case "--webhooks" -> webhooks = Path.of(args[++i]);
                    case "--runs-take" -> runsTake = Durations.parse(args[++i]);
                    case "--json" -> json = true;
                    case "--signals" -> throw new IllegalArgumentException("--signals (Kafka signals) is not supported yet: replay webhooks");
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (rulePaths.isEmpty() || webhooks == null) {
                throw new IllegalArgumentException("backtest needs --rules PATH and --webhooks FILE");
            }
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            err.println("backtest: " + (e instanceof ArrayIndexOutOfBoundsException ? "an option is missing its value" : e.getMessage()) + "\n"
                    + RulesCli.USAGE_TEXT);
            return RulesCli.USAGE;
        }
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
            return replay(rules, webhooks, runsTake, json, out);
        } catch (IOException | IllegalArgumentException e) {
            err.println("backtest: " + e.getMessage());
            return RulesCli.USAGE;
        }
    }

    private static int replay(RuleSetAssembler.Outcome rules, Path webhooks, Duration runsTake, boolean json, PrintStream out) throws IOException {
        List<Instant> times = new ArrayList<>();
        List<List<Alert>> deliveries = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(webhooks, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = in.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node = Json.MAPPER.readTree(line);
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
        for (int i = 1; i < times.size(); i++) {
            if (times.get(i).isBefore(times.get(i - 1))) {
                throw new IllegalArgumentException(webhooks + ": deliveries out of time order at line " + (i + 1));
            }
        }
        OfflinePipeline p = new OfflinePipeline(rules.ruleSet(), times.get(0), false);
        Map<String, Row> rows = new TreeMap<>();
        int alerts = 0;
        for (int i = 0; i < deliveries.size(); i++) {
            p.clock.now = times.get(i);
            p.finishRunsStartedBefore(runsTake);
            alerts += deliveries.get(i).size();
            for (AlertResult r : p.accept(deliveries.get(i))) {
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
            doc.put("deliveries", deliveries.size());
            doc.put("alerts", alerts);
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
            doc.put("totals", Map.of("acted", acted, "preventedByLimits", prevented, "notReproducible", unknown));
            out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
            return RulesCli.OK;
        }
        out.printf("backtest: %d deliveries, %d alerts, %s .. %s; runs assumed to take %s; no pause and no earlier action assumed before %s%n",
                deliveries.size(), alerts, times.get(0), times.get(times.size() - 1), Durations.format(runsTake), times.get(0));
        rows.forEach((k, r) -> {
            String[] tr = k.split("\t");
            out.printf("%-40s %-28s would act %dx%s; refused %dx %s%s%s%n", tr[0], tr[1], r.acted.size(), r.acted.isEmpty() ? "" : " " + r.acted,
                    r.refused.values().stream().mapToInt(Integer::intValue).sum(), r.refused,
                    r.prevented == 0 ? "" : "; limits prevented " + r.prevented,
                    r.notReproducible == 0 ? "" : "; " + r.notReproducible + " not reproducible (the recorded alert lacks the value the threshold reads)");
        });
        out.printf("totals: would act %d time(s); the limits prevented %d; %d decision(s) not reproducible from the recording%n", acted, prevented, unknown);
        return RulesCli.OK;
    }
}
