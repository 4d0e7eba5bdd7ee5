package io.autonova.remediator.api;

import io.autonova.remediator.domain.KubernetesNames;
import io.autonova.remediator.pipeline.ApprovalDesk;
import io.autonova.remediator.pipeline.ManualRuns;
import io.autonova.remediator.state.RemediationRecord;
import io.autonova.remediator.runtime.ServiceRuntime;
import io.autonova.remediator.state.StateStore;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Remediation records: list, the full decision trail of one, approval or denial of one waiting, abort of one in flight. */
@Path("/api/v1/remediations")
@Produces(MediaType.APPLICATION_JSON)
public class RemediationResource {

    private static final Logger LOG = Logger.getLogger(RemediationResource.class);

    private final ServiceRuntime runtime;
    private final Caller caller;
    private final ApprovalDesk desk;
    private final ManualRuns manual;
    private final com.fasterxml.jackson.databind.ObjectMapper mapper;

    public RemediationResource(ServiceRuntime runtime, Caller caller, ApprovalDesk desk, ManualRuns manual,
                               com.fasterxml.jackson.databind.ObjectMapper mapper) {
        this.runtime = runtime;
        this.caller = caller;
        this.desk = desk;
        this.manual = manual;
        this.mapper = mapper;
    }

    /**
     * Starts a run by hand: {@code rule} or {@code scenario} (with {@code parameters}), {@code target}, {@code reason};
     * {@code dryRun} shows the plan without acting; {@code force} (with the {@code force} right) goes past the policy's
     * limits and approval, never past another run on the target. Needs {@code create} on remediations in the target's
     * namespace. 201 with the record when admitted (or waiting for approval), 409 with the policy's reason when refused.
     */
    @POST
    @Consumes(MediaType.WILDCARD)
    public Response start(String body) {
        com.fasterxml.jackson.databind.JsonNode req = Requests.object(mapper, body);
        com.fasterxml.jackson.databind.JsonNode t = req.get("target");
        if (t == null || !t.isObject()) {
            throw new ProblemException(400, "Invalid run", "'target' must be an object with 'namespace' and 'deployment'");
        }
        String reason = Requests.requiredText(req, "reason");
        if (reason.length() > 1000) {
            throw new ProblemException(400, "Invalid run", "'reason' is longer than 1000 characters");
        }
        java.util.Map<String, String> parameters = new java.util.LinkedHashMap<>();
        if (req.has("parameters")) {
            if (!req.get("parameters").isObject()) {
                throw new ProblemException(400, "Invalid run", "'parameters' must be an object of strings");
            }
            req.get("parameters").fields().forEachRemaining(e -> {
                if (!e.getValue().isTextual()) {
                    throw new ProblemException(400, "Invalid run", "parameter '" + e.getKey() + "' must be a string");
                }
                parameters.put(e.getKey(), e.getValue().asText());
            });
        }
        boolean force = Requests.optionalBoolean(req, "force");
        var target = new io.autonova.remediator.domain.Target(Requests.requiredText(t, "namespace"), Requests.requiredText(t, "deployment"),
                Requests.optionalText(t, "argoApplication"));
        KubernetesNames.namespaceProblem(target.namespace()).ifPresent(p -> {
            throw new ProblemException(400, "Invalid run", "namespace " + KubernetesNames.quoteUntrusted(target.namespace()) + " " + p);
        });
        var who = caller.require("create", "remediations", null, target.namespace(), null);
        if (force) {
            caller.require("force", "remediations", null, target.namespace(), null);
        }
        ManualRuns.Request request = new ManualRuns.Request(Requests.optionalText(req, "rule"), Requests.optionalText(req, "scenario"), target,
                parameters, reason, force, Requests.optionalBoolean(req, "dryRun"));
        RemediationRecord r;
        try {
            r = manual.start(request, who);
        } catch (ManualRuns.Invalid e) {
            throw new ProblemException(e.status(), "Invalid run", e.getMessage());
        }
        if (r.status.phase == io.autonova.remediator.state.Phase.REFUSED) {
            throw new ProblemException(409, "Refused by the policy", r.status.decision.reason + ": " + r.status.decision.message
                    + " (recorded as remediation " + r.name + ")");
        }
        return Response.status(201).entity(summary(r)).build();
    }

    @GET
    public Map<String, Object> list(@QueryParam("namespace") String namespace, @QueryParam("deployment") String deployment,
                                    @QueryParam("phase") String phase, @QueryParam("limit") Integer limit, @QueryParam("continue") String cont) {
        int pageSize = limit == null ? 100 : limit;
        if (pageSize < 1 || pageSize > 1000) {
            throw new ProblemException(400, "Invalid limit", "'limit' must be between 1 and 1000");
        }
        String after = cont == null ? null : decode(cont);
        List<RemediationRecord> all = runtime.store().records();
        List<Map<String, Object>> items = new java.util.ArrayList<>();
        boolean started = after == null;
        String next = null;
        for (RemediationRecord r : all) {
            if (!started) {
                started = r.name.equals(after);
                continue;
            }
            if (namespace != null && !namespace.equals(r.spec.target.namespace) || deployment != null && !deployment.equals(r.spec.target.deployment)
                    || phase != null && !r.status.phase.name().equalsIgnoreCase(phase.replace('-', '_'))) {
                continue;
            }
            if (items.size() == pageSize) {
                next = encode((String) items.get(items.size() - 1).get("name"));
                break;
            }
            items.add(summary(r));
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("store", runtime.store().kind());
        answer.put("dryRun", runtime.dryRun());
        answer.put("remediations", items);
        if (next != null) {
            answer.put("continue", next);
        }
        return answer;
    }

    private static String encode(String s) {
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static String decode(String token) {
        try {
            return new String(java.util.Base64.getUrlDecoder().decode(token), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ProblemException(400, "Invalid continue token", "the 'continue' token is not one this API gave out");
        }
    }

    @GET
    @Path("/{name}")
    public RemediationRecord get(@PathParam("name") String name) {
        return find(name);
    }

    /** The runbook's incident report, filled from the record. */
    @GET
    @Path("/{name}/report")
    @Produces("text/markdown; charset=utf-8")
    public String report(@PathParam("name") String name) {
        return IncidentReport.render(find(name));
    }

    /** Approves a run awaiting approval: needs {@code approve} on remediations in the target's namespace. */
    @POST
    @Path("/{name}/approve")
    @Consumes(MediaType.WILDCARD)
    public Response approve(@PathParam("name") String name, String body) {
        return answer(name, true, body);
    }

    /** Denies a run awaiting approval (the same right as approving it); nothing is changed in the cluster. */
    @POST
    @Path("/{name}/deny")
    @Consumes(MediaType.WILDCARD)
    public Response deny(@PathParam("name") String name, String body) {
        return answer(name, false, body);
    }

    private Response answer(String name, boolean approve, String body) {
        RemediationRecord r = find(name);
        com.fasterxml.jackson.databind.JsonNode req = body == null || body.isBlank() ? null : Requests.object(mapper, body);
        String reason = req == null ? null : Requests.optionalText(req, "reason");
        if (reason != null && reason.length() > 1000) {
            throw new ProblemException(400, "Invalid answer", "'reason' is longer than 1000 characters");
        }
        String via = req != null && "console".equals(Requests.optionalText(req, "via")) ? "console" : "api";
        var who = caller.require("approve", "remediations", null, r.spec.target.namespace, name);
        try {
            RemediationRecord answered = desk.answer(name, approve, who, via, reason).record();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("remediation", name);
            m.put("answer", answered.status.approval == null ? null : answered.status.approval.answer);
            m.put("by", who.name());
            m.put("via", via);
            m.put("note", approve ? "the run starts at its next reconcile, through the usual checks before its first step"
                    : "the run ends denied; nothing was changed");
            return Response.ok(m).build();
        } catch (ApprovalDesk.Refused e) {
            throw new ProblemException(e.status(), e.title(), e.getMessage());
        }
    }

    @POST
    @Path("/{name}/abort")
    public Response abort(@PathParam("name") String name) {
        StateStore store = runtime.store();
        RemediationRecord target = find(name);
        var who = caller.require("abort", "remediations", null, target.spec.target.namespace, name);
        for (int i = 0; i < 8; i++) {
            RemediationRecord r = (i == 0 ? store.record(name) : store.fetch(name)).orElseThrow(
                    () -> new ProblemException(404, "Not found", "no remediation named " + name)).copy();
            if (!r.status.phase.active()) {
                throw new ProblemException(409, "Not in flight", "remediation " + name + " is " + r.status.phase.name().toLowerCase()
                        + "; only pending or running remediations can be aborted");
            }
            r.spec.abortRequested = true;
            r.spec.abortRequestedBy = who.name();
            if (store.update(r)) {
                LOG.warnf("abort requested for remediation %s (%s) by %s", name, r.targetKey(), who.name());
                return Response.accepted(Map.of("remediation", name, "abortRequested", true,
                        "note", "the run stops at its next step boundary and undoes the steps that are safe to undo; "
                                + "a rollback already in the cluster is not reverted (that would re-deploy the bad release)")).build();
            }
        }
        throw new ProblemException(409, "Conflict", "remediation " + name + " kept changing; try again");
    }

    private RemediationRecord find(String name) {
        if (KubernetesNames.objectNameProblem(name).isPresent()) {
            throw new ProblemException(400, "Invalid name", "not a valid remediation name: " + KubernetesNames.quoteUntrusted(name));
        }
        return runtime.store().record(name)
                .orElseThrow(() -> new ProblemException(404, "Not found", "no remediation named " + name));
    }

    private static Map<String, Object> summary(RemediationRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", r.name);
        m.put("createdAt", r.createdAt);
        m.put("rule", r.spec.rule);
        m.put("scenario", r.spec.scenario);
        m.put("target", r.targetKey());
        m.put("alertname", r.spec.trigger.alertname);
        m.put("phase", r.status.phase);
        m.put("reason", r.status.decision == null ? null : r.status.decision.reason);
        m.put("message", r.status.message);
        m.put("revisionFrom", r.status.revisionFrom);
        m.put("revisionTo", r.status.revisionTo);
        m.put("episode", r.spec.episode);
        m.put("alerts", r.status.alerts.instances);
        m.put("suppressedDuplicates", r.status.suppressedDuplicates);
        m.put("failureReason", r.status.failureReason);
        m.put("dryRun", r.spec.dryRun);
        m.put("manual", r.spec.manual);
        m.put("approval", r.spec.approval == null ? null : Map.of("expiresAt", r.spec.approval.expiresAt,
                "answer", r.status.approval == null ? "waiting" : r.status.approval.answer));
        return m;
    }

}
