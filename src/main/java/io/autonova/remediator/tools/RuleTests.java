package io.autonova.remediator.tools;

import io.autonova.remediator.domain.Alert;
import io.autonova.remediator.domain.Durations;
import io.autonova.remediator.domain.Hashes;
import io.autonova.remediator.pipeline.AlertResult;
import io.autonova.remediator.policy.Pause;
import io.autonova.remediator.policy.PauseScope;
import io.autonova.remediator.rules.RuleSetAssembler;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.PrintStream;
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
import java.util.TreeSet;

/**
 * {@code rules test}: promtool-style unit tests of rule files. A test gives alerts at times (relative to the
 * start), optional pauses and prior actions, and the decisions expected at given times; they are run through
 * the service's own decision path on a moving clock (cooldowns, rate limits, windows, episodes all apply).
 * At a time that has expectations, the decisions must be exactly those listed.
 */
final class RuleTests {

    private static final Set<String> FILE_KEYS = Set.of("rule_files", "start", "tests");
    private static final Set<String> TEST_KEYS = Set.of("name", "dry_run", "runs_take", "pauses", "prior_actions", "changes", "alerts", "signals",
            "expect");
    private static final Set<String> CHANGE_KEYS = Set.of("target", "kind", "at", "object", "from", "to", "by");
    private static final Set<String> EXPECT_KEYS = Set.of("at", "rule", "target", "outcome", "reason", "approval", "approvers");

    private RuleTests() {
    }

    static int run(String[] files, PrintStream out, PrintStream err) {
        int failed = 0;
        int passed = 0;
        for (String f : files) {
            Path path = Path.of(f);
            try {
                int[] r = runFile(path, out);
                passed += r[0];
                failed += r[1];
            } catch (IOException | RuntimeException e) {
                err.println(f + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
                return RulesCli.USAGE;
            }
        }
        out.printf("%d test(s) passed, %d failed%n", passed, failed);
        return failed == 0 ? RulesCli.OK : RulesCli.FINDINGS;
    }

    @SuppressWarnings("unchecked")
    private static int[] runFile(Path path, PrintStream out) throws IOException {
        Object doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(path));
        Map<String, Object> file = map(doc, "the test file");
        unknown(file, FILE_KEYS, path + "");
        List<Path> ruleFiles = new ArrayList<>();
        for (Object rf : list(file.get("rule_files"), "rule_files")) {
            Path p = path.toAbsolutePath().getParent().resolve(String.valueOf(rf)).normalize();
            ruleFiles.addAll(RulesCli.ruleFiles(p));
        }
        RuleSetAssembler.Outcome rules = RulesCli.load(ruleFiles);
        if (!rules.ok()) {
            throw new IllegalArgumentException("its rule files do not load: " + rules.errors());
        }
        Object s = file.get("start");
        Instant start = s == null ? Instant.parse("2026-01-01T00:00:00Z") : s instanceof java.util.Date d ? d.toInstant() : Instant.parse(String.valueOf(s));
        int passed = 0;
        int failed = 0;
        for (Object t : list(file.get("tests"), "tests")) {
            Map<String, Object> test = map(t, "a test");
            unknown(test, TEST_KEYS, "test '" + test.get("name") + "'");
            List<String> problems = runTest(test, rules, start);
            String name = String.valueOf(test.getOrDefault("name", "(unnamed)"));
            if (problems.isEmpty()) {
                passed++;
                out.println("PASS " + path + ": " + name);
            } else {
                failed++;
                out.println("FAIL " + path + ": " + name);
                problems.forEach(p -> out.println("  " + p));
            }
        }
        return new int[]{passed, failed};
    }

    /**
     * One expected decision; {@code approval} ({@code required} or {@code none}) and {@code approvers} (every approver
     * list of the sources requiring it, together) are checked only when given.
     */
    private record Expected(String rule, String target, String outcome, String reason, String approval, List<String> approvers) {
        String describe() {
            return rule + (target == null ? "" : " on " + target) + " -> " + outcome + (reason == null ? "" : " " + reason)
                    + (approval == null ? "" : ", approval " + approval) + (approvers == null ? "" : " by " + approvers);
        }

        boolean matches(Got g) {
            return g.rule.equals(rule) && (target == null || target.equals(g.target)) && g.outcome.equals(outcome)
                    && (reason == null || g.reason.equals(reason)) && (approval == null || approval.equals(g.approval))
                    && (approvers == null || new TreeSet<>(approvers).equals(new TreeSet<>(g.approvers)));
        }
    }

    /** A decision taken: whether it waits for approval, and whom it accepts, as its record says. */
    private record Got(String rule, String target, String outcome, String reason, String approval, List<String> approvers) {
        String describe() {
            return rule + " " + target + " " + outcome + " " + reason + ("required".equals(approval) ? " (approval required" + (approvers.isEmpty() ? "" : " by " + approvers) + ")" : "");
        }
    }

    private static List<String> runTest(Map<String, Object> test, RuleSetAssembler.Outcome rules, Instant start) {
        OfflinePipeline p = new OfflinePipeline(rules.ruleSet(), start, Boolean.TRUE.equals(test.get("dry_run")), null, changes(test, start));
        Duration runsTake = test.containsKey("runs_take") ? Durations.parse(String.valueOf(test.get("runs_take"))) : Duration.ZERO;
        for (Object o : list(test.getOrDefault("pauses", List.of()), "pauses")) {
            Map<String, Object> m = map(o, "a pause");
            p.pause(new Pause("pause-" + m.hashCode(), PauseScope.valueOf(String.valueOf(m.getOrDefault("scope", "global")).toUpperCase()),
                    (String) m.get("namespace"), (String) m.get("service"), String.valueOf(m.getOrDefault("reason", "test")), "rules test",
                    start.plus(offset(m.getOrDefault("from", "0s"))), start.plus(offset(m.getOrDefault("until", "1000d")))));
        }
        for (Object o : list(test.getOrDefault("prior_actions", List.of()), "prior_actions")) {
            Map<String, Object> m = map(o, "a prior action");
            p.priorAction(String.valueOf(m.get("target")), String.valueOf(m.get("rule")), start.plus(offset(m.get("at"))));
        }
        TreeMap<Duration, List<Map<String, Object>>> alertsAt = new TreeMap<>();
        for (Object o : list(test.getOrDefault("alerts", List.of()), "alerts")) {
            Map<String, Object> m = map(o, "an alert");
            alertsAt.computeIfAbsent(offset(m.getOrDefault("at", "0s")), k -> new ArrayList<>()).add(m);
        }
        TreeMap<Duration, List<Map<String, Object>>> signalsAt = new TreeMap<>();
        for (Object o : list(test.getOrDefault("signals", List.of()), "signals")) {
            Map<String, Object> m = map(o, "a signal");
            signalsAt.computeIfAbsent(offset(m.getOrDefault("at", "0s")), k -> new ArrayList<>()).add(m);
        }
        TreeMap<Duration, List<Expected>> expectAt = new TreeMap<>();
        for (Object o : list(test.getOrDefault("expect", List.of()), "expect")) {
            Map<String, Object> m = map(o, "an expectation");
            unknown(m, EXPECT_KEYS, "an expectation");
            List<Expected> at = expectAt.computeIfAbsent(offset(m.getOrDefault("at", "0s")), k -> new ArrayList<>());
            if (m.containsKey("rule")) { // an entry with only 'at' says: no decision at that time
                Object approval = m.get("approval");
                if (approval != null && !Set.of("required", "none").contains(String.valueOf(approval))) {
                    throw new IllegalArgumentException("an expectation's approval is 'required' or 'none', not '" + approval + "'");
                }
                List<String> approvers = m.containsKey("approvers") ? list(m.get("approvers"), "approvers").stream().map(String::valueOf).toList() : null;
                at.add(new Expected(String.valueOf(m.get("rule")), (String) m.get("target"), String.valueOf(m.get("outcome")), (String) m.get("reason"),
                        approval == null ? (approvers == null ? null : "required") : String.valueOf(approval), approvers));
            }
        }
        List<String> problems = new ArrayList<>();
        TreeSet<Duration> times = new TreeSet<>(alertsAt.keySet());
        times.addAll(signalsAt.keySet());
        times.addAll(expectAt.keySet());
        for (Duration at : times) {
            p.clock.set(start.plus(at));
            p.finishRunsStartedBefore(runsTake);
            List<Alert> alerts = new ArrayList<>();
            for (Map<String, Object> m : alertsAt.getOrDefault(at, List.of())) {
                alerts.add(alert(m, start.plus(at)));
            }
            List<Got> got = new ArrayList<>();
            List<String> explained = new ArrayList<>();
            List<AlertResult> results = new ArrayList<>(alerts.isEmpty() ? List.<AlertResult>of() : p.accept(alerts));
            for (Map<String, Object> m : signalsAt.getOrDefault(at, List.of())) {
                results.addAll(p.acceptSignal(signal(m, start.plus(at))));
            }
            for (AlertResult r : results) {
                if (r.rule() == null) {
                    continue; // no rule matched
                }
                String target = p.target(r);
                var need = r.remediation() == null || !"execute".equals(r.outcome()) ? null
                        : p.store.record(r.remediation()).map(rec -> rec.spec.approval).orElse(null);
                List<String> approvers = need == null ? List.of() : need.requiredBy.stream().flatMap(q -> q.approvers.stream()).distinct().sorted().toList();
                got.add(new Got(r.rule(), target, r.outcome(), r.reason(), need == null ? "none" : "required", approvers));
                explained.add(r.rule() + (target == null ? "" : " on " + target) + " -> " + r.outcome() + " " + r.reason() + ": " + r.message()
                        + (need == null ? "" : " (waits for approval" + (approvers.isEmpty() ? "" : " by " + approvers) + ")"));
            }
            List<Expected> expected = expectAt.get(at);
            if (expected == null) {
                continue;
            }
            List<Got> unmatched = new ArrayList<>(got);
            List<String> missing = new ArrayList<>();
            for (Expected e : expected) {
                Got hit = unmatched.stream().filter(e::matches).findFirst().orElse(null);
                if (hit == null) {
                    missing.add(e.describe());
                } else {
                    unmatched.remove(hit);
                }
            }
            if (!missing.isEmpty() || !unmatched.isEmpty()) {
                problems.add("at " + Durations.format(at) + ": expected " + (expected.isEmpty() ? "no decision" : missing.isEmpty() ? "only "
                        + expected.stream().map(Expected::describe).toList() : missing) + (unmatched.isEmpty() ? "" : ", not " + unmatched.stream()
                        .map(Got::describe).toList()) + "; what happened: " + (explained.isEmpty() ? "no decision" : String.join("; ", explained)));
            }
        }
        return problems;
    }

    /**
     * What changed, as the change gate reads it: {@code changes: [{target: shop/checkout, kind: release, at: -20m}]}. Without
     * {@code changes} the gate is not asked (as without a cluster); with it, a target not listed has no known change.
     */
    private static io.autonova.remediator.runtime.ChangeWatch changes(Map<String, Object> test, Instant start) {
        if (!test.containsKey("changes")) {
            return io.autonova.remediator.runtime.ChangeWatch.none();
        }
        Map<String, List<io.autonova.remediator.domain.Change>> byTarget = new LinkedHashMap<>();
        int n = 0;
        for (Object o : list(test.get("changes"), "changes")) {
            Map<String, Object> m = map(o, "a change");
            unknown(m, CHANGE_KEYS, "a change");
            String target = String.valueOf(m.get("target"));
            if (!target.contains("/")) {
                throw new IllegalArgumentException("a change's target is namespace/deployment, not '" + target + "'");
            }
            io.autonova.remediator.domain.Change.Kind kind = io.autonova.remediator.domain.Change.Kind.valueOf(
                    String.valueOf(m.getOrDefault("kind", "release")).toUpperCase());
            String object = m.containsKey("object") ? String.valueOf(m.get("object"))
                    : (kind == io.autonova.remediator.domain.Change.Kind.CONFIG ? "ConfigMap " : "Deployment ") + target;
            n++;
            byTarget.computeIfAbsent(target, k -> new ArrayList<>()).add(new io.autonova.remediator.domain.Change(kind, start.plus(offset(m.get("at"))),
                    true, object, String.valueOf(m.getOrDefault("from", "before")), String.valueOf(m.getOrDefault("to", "change " + n)), "before-" + n,
                    "after-" + n, List.of(), m.containsKey("by") ? "remediation " + m.get("by") : null));
        }
        return io.autonova.remediator.runtime.ChangeWatch.given(key -> {
            List<io.autonova.remediator.domain.Change> c = byTarget.get(key);
            return c == null ? new io.autonova.remediator.domain.ChangeTimeline(key, true, List.of(), List.of(), List.of(), List.of(), false)
                    : new io.autonova.remediator.domain.ChangeTimeline(key, true, io.autonova.remediator.domain.ChangeTimeline.bound(c, start),
                    List.of(), List.of(), List.of(), false);
        });
    }

    @SuppressWarnings("unchecked")
    private static Alert alert(Map<String, Object> m, Instant now) {
        Map<String, String> labels = new LinkedHashMap<>();
        map(m.get("labels"), "labels").forEach((k, v) -> labels.put(k, String.valueOf(v)));
        Map<String, String> annotations = new LinkedHashMap<>();
        map(m.getOrDefault("annotations", Map.of()), "annotations").forEach((k, v) -> annotations.put(k, String.valueOf(v)));
        Duration firingFor = offset(m.getOrDefault("firing_for", "0s"));
        String fingerprint = m.containsKey("fingerprint") ? String.valueOf(m.get("fingerprint")) : Hashes.sha256Hex(new TreeMap<>(labels).toString());
        boolean firing = !"resolved".equals(m.get("status"));
        Instant startsAt = m.containsKey("starts_at") ? now.plus(offset(m.get("starts_at"))) : now.minus(firingFor);
        return new Alert("test", fingerprint, firing, labels, annotations, startsAt, firing ? null : now, null, now);
    }

    /** A signal record as producers write it to the topic; its event time is the test time unless 'time' says otherwise. */
    private static byte[] signal(Map<String, Object> m, Instant now) {
        Map<String, Object> value = new LinkedHashMap<>(m);
        value.remove("at");
        Object time = value.get("time");
        value.put("time", time == null ? now.toString() : now.plus(offset(time)).toString());
        try {
            return io.autonova.remediator.domain.Json.MAPPER.writeValueAsBytes(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    /** A time offset: a Prometheus duration, or negative with a leading '-'. */
    static Duration offset(Object v) {
        String s = String.valueOf(v);
        return s.startsWith("-") ? Durations.parse(s.substring(1)).negated() : Durations.parse(s);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o, String what) {
        if (!(o instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException(what + " must be a mapping");
        }
        return (Map<String, Object>) m;
    }

    static List<Object> list(Object o, String what) {
        if (!(o instanceof List<?> l)) {
            throw new IllegalArgumentException("'" + what + "' must be a list");
        }
        return new ArrayList<>(l);
    }

    private static void unknown(Map<String, Object> m, Set<String> allowed, String where) {
        for (String k : m.keySet()) {
            if (!allowed.contains(k)) {
                throw new IllegalArgumentException(where + ": unknown field '" + k + "' (allowed: " + new TreeSet<>(allowed) + ")");
            }
        }
    }
}
