package io.autonova.remediator.scenarios;

import com.fasterxml.jackson.databind.JsonNode;
import io.autonova.remediator.domain.Durations;
import io.autonova.remediator.domain.Json;
import io.autonova.remediator.engine.FailureReason;
import io.autonova.remediator.engine.RunContext;
import io.autonova.remediator.engine.StepHandler;
import io.autonova.remediator.engine.StepResult;
import io.autonova.remediator.peers.PrometheusClient;
import io.autonova.remediator.rules.Scenario;
import io.autonova.remediator.rules.Threshold;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Post-rollback: did the signal clear, not only the rollout? The rule's PromQL query is asked every interval
 * for the window. Healthy needs every answer finite and on the right side of the bound; one answer on the
 * wrong side fails it; an empty result, NaN, an error or a warning makes it inconclusive, which never counts
 * as healthy. Every answer is kept in the record.
 */
public final class SignalVerification {

    static final String VERIFY_SIGNAL = "verify-signal";
    /** Answers kept in the record (newest); a 5m window at 30s makes 11. */
    static final int MAX_OBSERVATIONS = 100;

    public enum Kind { GOOD, BAD, INCONCLUSIVE }

    public enum Verdict { HEALTHY, FAILED, INCONCLUSIVE, PENDING }

    public record Observation(Instant at, Kind kind, String detail) {
        String line() {
            return at + " " + kind.name().toLowerCase() + " " + detail.replace('\n', ' ');
        }

        static Observation parse(String line) {
            String[] p = line.split(" ", 3);
            return new Observation(Instant.parse(p[0]), Kind.valueOf(p[1].toUpperCase()), p.length > 2 ? p[2] : "");
        }
    }

    private SignalVerification() {
    }

    /** One answer of {@code /api/v1/query}, judged against the bound. */
    public static Observation observe(Instant at, PrometheusClient.Answer answer, Threshold.Comparison op, double bound) {
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(answer.body());
        } catch (IOException | RuntimeException e) {
            return new Observation(at, Kind.INCONCLUSIVE, "HTTP " + answer.status() + ", not a Prometheus answer");
        }
        if (answer.status() != 200 || !"success".equals(body.path("status").asText())) {
            return new Observation(at, Kind.INCONCLUSIVE, "error (HTTP " + answer.status() + "): " + body.path("errorType").asText("?")
                    + ": " + body.path("error").asText(""));
        }
        if (body.path("warnings").size() > 0) {
            return new Observation(at, Kind.INCONCLUSIVE, "warnings: " + body.path("warnings"));
        }
        JsonNode data = body.path("data");
        String type = data.path("resultType").asText();
        List<String[]> samples = new ArrayList<>();
        if (type.equals("scalar")) {
            samples.add(new String[]{"scalar", data.path("result").path(1).asText()});
        } else if (type.equals("vector")) {
            for (JsonNode s : data.path("result")) {
                samples.add(new String[]{s.path("metric").toString(), s.path("value").path(1).asText()});
            }
        } else {
            return new Observation(at, Kind.INCONCLUSIVE, "result type " + type + " (the query must give an instant vector or a scalar)");
        }
        if (samples.isEmpty()) {
            return new Observation(at, Kind.INCONCLUSIVE, "no data (empty result)");
        }
        List<String> values = new ArrayList<>();
        for (String[] s : samples) {
            double v;
            try {
                v = Double.parseDouble(s[1]);
            } catch (NumberFormatException e) {
                return new Observation(at, Kind.INCONCLUSIVE, "unreadable value '" + s[1] + "' " + s[0]);
            }
            if (Double.isNaN(v) || Double.isInfinite(v)) {
                return new Observation(at, Kind.INCONCLUSIVE, s[1] + " " + s[0]);
            }
            if (!op.test(v, bound)) {
                return new Observation(at, Kind.BAD, s[1] + " " + s[0] + " is not " + op.symbol + " " + bound);
            }
            values.add(s[1] + (samples.size() > 1 ? " " + s[0] : ""));
        }
        return new Observation(at, Kind.GOOD, String.join(", ", values));
    }

    /** The verdict from the answers so far: failed at the first bad one; otherwise only once the window has passed. */
    public static Verdict conclude(List<Observation> observations, Instant started, Instant now, Duration window) {
        if (observations.stream().anyMatch(o -> o.kind() == Kind.BAD)) {
            return Verdict.FAILED;
        }
        if (Duration.between(started, now).compareTo(window) < 0) {
            return Verdict.PENDING;
        }
        return observations.isEmpty() || observations.stream().anyMatch(o -> o.kind() == Kind.INCONCLUSIVE) ? Verdict.INCONCLUSIVE : Verdict.HEALTHY;
    }

    /** The rule's query with the run's target filled in ({@code {{ $target.namespace }}}, {@code {{ $target.deployment }}}). */
    static String query(RunContext ctx) {
        return ctx.parameters().get(Scenario.VERIFY_QUERY)
                .replaceAll("\\{\\{\\s*\\$target\\.namespace\\s*}}", ctx.target().namespace())
                .replaceAll("\\{\\{\\s*\\$target\\.deployment\\s*}}", ctx.target().deployment());
    }

    static boolean wanted(RunContext ctx) {
        return ctx.parameters().containsKey(Scenario.VERIFY_QUERY);
    }

    static Duration window(RunContext ctx) {
        return Durations.parse(ctx.parameters().get(Scenario.VERIFY_WINDOW));
    }

    static Duration interval(RunContext ctx) {
        return Durations.parse(ctx.parameters().get(Scenario.VERIFY_INTERVAL));
    }

    /** Appends the signal check to a plan's steps when the rule has a verify block. */
    static List<StepHandler> withSignalCheck(List<StepHandler> steps, RunContext ctx) {
        if (!wanted(ctx)) {
            return steps;
        }
        List<StepHandler> all = new ArrayList<>(steps);
        all.add(STEP);
        return all;
    }

    /** The dry-run outline line of the check, or none. */
    static List<String[]> outline(List<String[]> lines, RunContext ctx) {
        if (!wanted(ctx)) {
            return lines;
        }
        List<String[]> all = new ArrayList<>(lines);
        all.add(new String[]{VERIFY_SIGNAL, "ask Prometheus '" + query(ctx) + "' every " + ctx.parameters().get(Scenario.VERIFY_INTERVAL) + " for "
                + ctx.parameters().get(Scenario.VERIFY_WINDOW) + "; healthy only if every value is " + ctx.parameters().get(Scenario.VERIFY_OP) + " "
                + ctx.parameters().get(Scenario.VERIFY_BOUND) + "; no data, NaN, errors or warnings: inconclusive, the target waits for a human"});
        return all;
    }

    static final StepHandler STEP = RollbackSteps.reader(VERIFY_SIGNAL, ctx -> window(ctx).plus(interval(ctx).multipliedBy(3)).plusMinutes(1), ctx -> {
        String q = query(ctx);
        Threshold.Comparison op = Threshold.Comparison.of(ctx.parameters().get(Scenario.VERIFY_OP));
        double bound = Double.parseDouble(ctx.parameters().get(Scenario.VERIFY_BOUND));
        var prev = ctx.record().step(VERIFY_SIGNAL);
        Instant started = ctx.startedAt(VERIFY_SIGNAL);
        List<Observation> seen = new ArrayList<>();
        if (prev != null && prev.outputs.containsKey("observations")) {
            prev.outputs.get("observations").lines().forEach(l -> seen.add(Observation.parse(l)));
        }
        Observation now;
        if (ctx.prometheus() == null) {
            now = new Observation(ctx.now(), Kind.INCONCLUSIVE, "no Prometheus configured (remediator.prometheus.url)");
        } else {
            try {
                now = observe(ctx.now(), ctx.prometheus().query(q), op, bound);
            } catch (IOException e) {
                now = new Observation(ctx.now(), Kind.INCONCLUSIVE, "Prometheus unreachable: " + e);
            }
        }
        seen.add(now);
        Verdict verdict = ctx.prometheus() == null ? Verdict.INCONCLUSIVE : conclude(seen, started, ctx.now(), window(ctx));
        Iterator<Observation> it = seen.iterator();
        while (seen.size() > MAX_OBSERVATIONS && it.hasNext()) {
            it.next();
            it.remove();
        }
        String lines = String.join("\n", seen.stream().map(Observation::line).toList());
        Map<String, String> outputs = RollbackSteps.out("query", q, "observations", lines, "verdict", verdict.name().toLowerCase());
        String expect = op.symbol + " " + bound;
        return switch (verdict) {
            case HEALTHY -> StepResult.done("signal cleared: every value " + expect + " for " + Durations.format(window(ctx)) + " (" + seen.size()
                    + " answers, last " + now.detail() + ")", outputs);
            case FAILED -> StepResult.fail(FailureReason.VERIFICATION_FAILED, "signal not cleared after the rollback: " + now.detail(), outputs);
            case INCONCLUSIVE -> StepResult.fail(FailureReason.VERIFICATION_INCONCLUSIVE, "verification inconclusive: "
                    + seen.stream().filter(o -> o.kind() == Kind.INCONCLUSIVE).map(Observation::detail).findFirst().orElse("no answer"), outputs);
            case PENDING -> StepResult.waiting("signal " + expect + " so far (" + seen.size() + " answers, last " + now.detail() + ")",
                    interval(ctx), outputs);
        };
    });
}
