package io.autonova.remediator.api;

import io.autonova.remediator.domain.Durations;
import io.autonova.remediator.rules.LabelMatcher;
import io.autonova.remediator.rules.Rule;
import io.autonova.remediator.rules.RuleLoadError;
import io.autonova.remediator.rules.RuleRepository;
import io.autonova.remediator.rules.RuleSet;
import com.fasterxml.jackson.databind.JsonNode;
import io.autonova.remediator.domain.Alert;
import io.autonova.remediator.pipeline.RemediationPipeline;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The active rules and what the last load found. */
@Path("/api/v1/rules")
@Produces(MediaType.APPLICATION_JSON)
public class RuleResource {

    private final RuleRepository repository;
    private final RemediationPipeline pipeline;
    private final java.time.Clock clock;

    public RuleResource(RuleRepository repository, RemediationPipeline pipeline, java.time.Clock clock) {
        this.clock = clock;
        this.repository = repository;
        this.pipeline = pipeline;
    }

    /**
     * Which rules an alert matches, the target each renders and the decision the policy engine would take
     * now; writes nothing. Body: one alert as Alertmanager sends it ({@code labels}, {@code annotations},
     * {@code startsAt}, {@code status}), or a whole webhook body (each of its alerts is explained).
     */
    @POST
    @Path("/explain")
    @Consumes(MediaType.APPLICATION_JSON)
    public Map<String, Object> explain(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ProblemException(400, "Invalid alert", "the body must be a JSON object: an alert, or a webhook body with 'alerts'");
        }
        List<JsonNode> alerts = new ArrayList<>();
        if (body.has("alerts")) {
            body.get("alerts").forEach(alerts::add);
        } else {
            alerts.add(body);
        }
        if (alerts.isEmpty() || alerts.size() > 100) {
            throw new ProblemException(400, "Invalid alert", "explain takes 1 to 100 alerts, got " + alerts.size());
        }
        List<Map<String, Object>> answers = new ArrayList<>();
        for (JsonNode a : alerts) {
            Alert alert = alert(a, clock.instant());
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("labels", alert.labels());
            List<Map<String, Object>> matches = new ArrayList<>();
            for (RemediationPipeline.Explanation e : pipeline.explain(alert)) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("rule", e.rule().name());
                m.put("source", e.rule().file() + ":" + e.rule().line());
                m.put("scenario", e.change() == null || e.change().scenario() == null ? e.rule().scenarioName() : e.change().scenario());
                m.put("target", e.target().problems().isEmpty() ? e.target().key() : null);
                m.put("targetProblems", e.target().problems());
                m.put("outcome", e.decision().outcome().tag());
                m.put("reason", e.decision().reason().name());
                m.put("message", e.decision().message());
                m.put("approval", e.approval().map(n -> Map.of("required", true, "timeout", io.autonova.remediator.domain.Durations.format(n.timeout()),
                        "requiredBy", n.requiredBy())).orElse(Map.of("required", false)));
                m.put("change", e.change() == null ? null : ChangeViews.verdict(e.change()));
                matches.add(m);
            }
            one.put("matches", matches);
            if (matches.isEmpty()) {
                one.put("note", "no rule matches these labels");
            }
            answers.add(one);
        }
        return Map.of("alerts", answers, "rulesLoadedAt", repository.current().loadedAt(), "writes", 0);
    }

    private static Alert alert(JsonNode a, Instant now) {
        JsonNode labels = a.get("labels");
        if (labels == null || !labels.isObject() || labels.isEmpty()) {
            throw new ProblemException(400, "Invalid alert", "an alert needs a non-empty 'labels' object");
        }
        Map<String, String> l = strings(labels, "labels");
        Map<String, String> ann = a.has("annotations") ? strings(a.get("annotations"), "annotations") : Map.of();
        Instant startsAt = null;
        if (a.hasNonNull("startsAt")) {
            try {
                startsAt = Instant.parse(a.get("startsAt").asText());
            } catch (DateTimeParseException e) {
                throw new ProblemException(400, "Invalid alert", "'startsAt' is not an RFC 3339 time");
            }
        }
        boolean firing = !"resolved".equals(a.path("status").asText("firing"));
        return new Alert("explain", a.path("fingerprint").asText("explain"), firing, l, ann, startsAt, null, null, now);
    }

    private static Map<String, String> strings(JsonNode o, String what) {
        if (!o.isObject()) {
            throw new ProblemException(400, "Invalid alert", "'" + what + "' must be an object of strings");
        }
        Map<String, String> m = new LinkedHashMap<>();
        o.fields().forEachRemaining(f -> {
            if (!f.getValue().isTextual()) {
                throw new ProblemException(400, "Invalid alert", "'" + what + "." + f.getKey() + "' must be a string");
            }
            m.put(f.getKey(), f.getValue().asText());
        });
        return m;
    }

    @GET
    public Map<String, Object> get() {
        RuleSet set = repository.current();
        RuleRepository.LoadStatus last = repository.lastLoad();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("loadedAt", set.loadedAt());
        m.put("files", set.files());
        m.put("global", Map.of("rateLimit", set.globalLimits().rateLimit().toString(), "maxInFlight", set.globalLimits().maxInFlight()));
        m.put("rules", set.rules().stream().map(RuleResource::view).toList());
        m.put("lastLoad", Map.of("at", last.at(), "ok", last.ok(), "errors", last.errors().stream().map(RuleLoadError::toString).toList()));
        return m;
    }

    private static Map<String, Object> view(Rule r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", r.name());
        m.put("source", r.file() + ":" + r.line());
        m.put("description", r.description());
        m.put("matchers", r.matchers().stream().map(LabelMatcher::toString).toList());
        m.put("threshold", r.threshold() == null ? null : r.threshold().toString());
        m.put("for", Durations.format(r.minFiringDuration()));
        m.put("target", Map.of("namespace", r.target().namespace().toString(), "deployment", r.target().deployment().toString(),
                "argoApplication", r.target().argoApplication() == null ? "" : r.target().argoApplication().toString()));
        m.put("scenario", r.scenarioName());
        m.put("changedWithin", Durations.format(r.change().within()));
        m.put("parameters", r.parameters());
        m.put("limits", Map.of("cooldown", Durations.format(r.limits().cooldown()), "targetRateLimit", r.limits().perTarget().toString(),
                "ruleRateLimit", r.limits().perRule().toString(), "maxConsecutive", r.limits().maxConsecutive(),
                "consecutiveWithin", Durations.format(r.limits().consecutiveWithin())));
        return m;
    }
}
