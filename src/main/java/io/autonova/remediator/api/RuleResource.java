package io.autonova.remediator.api;

import io.autonova.remediator.domain.Durations;
import io.autonova.remediator.rules.LabelMatcher;
import io.autonova.remediator.rules.Rule;
import io.autonova.remediator.rules.RuleLoadError;
import io.autonova.remediator.rules.RuleRepository;
import io.autonova.remediator.rules.RuleSet;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.LinkedHashMap;
import java.util.Map;

/** The active rules and what the last load found. */
@Path("/api/v1/rules")
@Produces(MediaType.APPLICATION_JSON)
public class RuleResource {

    private final RuleRepository repository;

    public RuleResource(RuleRepository repository) {
        this.repository = repository;
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
        m.put("scenario", r.scenario().ruleName());
        m.put("parameters", r.parameters());
        m.put("limits", Map.of("cooldown", Durations.format(r.limits().cooldown()), "targetRateLimit", r.limits().perTarget().toString(),
                "ruleRateLimit", r.limits().perRule().toString(), "maxConsecutive", r.limits().maxConsecutive(),
                "consecutiveWithin", Durations.format(r.limits().consecutiveWithin())));
        return m;
    }
}
