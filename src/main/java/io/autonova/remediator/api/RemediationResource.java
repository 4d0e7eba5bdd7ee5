package io.autonova.remediator.api;

import io.autonova.remediator.rules.KubernetesNames;
import io.autonova.remediator.state.RemediationRecord;
import io.autonova.remediator.state.ServiceRuntime;
import io.autonova.remediator.state.StateStore;
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

/** Remediation records: list, the full decision trail of one, and abort of one in flight. */
@Path("/api/v1/remediations")
@Produces(MediaType.APPLICATION_JSON)
public class RemediationResource {

    private static final Logger LOG = Logger.getLogger(RemediationResource.class);

    private final ServiceRuntime runtime;

    public RemediationResource(ServiceRuntime runtime) {
        this.runtime = runtime;
    }

    @GET
    public Map<String, Object> list(@QueryParam("namespace") String namespace, @QueryParam("deployment") String deployment,
                                    @QueryParam("phase") String phase) {
        List<Map<String, Object>> items = runtime.store().listRecords().stream()
                .filter(r -> namespace == null || namespace.equals(r.spec.target.namespace))
                .filter(r -> deployment == null || deployment.equals(r.spec.target.deployment))
                .filter(r -> phase == null || r.status.phase.name().equalsIgnoreCase(phase.replace('-', '_')))
                .map(RemediationResource::summary).toList();
        return Map.of("store", runtime.store().kind(), "dryRun", runtime.dryRun(), "remediations", items);
    }

    @GET
    @Path("/{name}")
    public RemediationRecord get(@PathParam("name") String name) {
        return find(name);
    }

    @POST
    @Path("/{name}/abort")
    public Response abort(@PathParam("name") String name) {
        StateStore store = runtime.store();
        for (int i = 0; i < 8; i++) {
            RemediationRecord r = find(name);
            if (!r.status.phase.active()) {
                throw new ProblemException(409, "Not in flight", "remediation " + name + " is " + r.status.phase.name().toLowerCase()
                        + "; only pending or running remediations can be aborted");
            }
            r.spec.abortRequested = true;
            r.spec.abortRequestedBy = "operator API";
            if (store.updateRecord(r)) {
                LOG.warnf("abort requested for remediation %s (%s)", name, r.targetKey());
                return Response.accepted(Map.of("remediation", name, "abortRequested", true,
                        "note", "the runner stops at its next step or poll; a patch already sent is not reverted")).build();
            }
        }
        throw new ProblemException(409, "Conflict", "remediation " + name + " kept changing; try again");
    }

    private RemediationRecord find(String name) {
        if (KubernetesNames.objectNameProblem(name).isPresent()) {
            throw new ProblemException(400, "Invalid name", "not a valid remediation name: " + KubernetesNames.quoteUntrusted(name));
        }
        return runtime.store().getRecord(name)
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
        m.put("suppressedDuplicates", r.status.suppressedDuplicates);
        m.put("dryRun", r.spec.dryRun);
        return m;
    }

}
