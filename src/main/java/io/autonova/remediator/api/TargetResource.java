package io.autonova.remediator.api;

import io.autonova.remediator.pipeline.LedgerUpdates;
import io.autonova.remediator.policy.Ledger;
import io.autonova.remediator.rules.KubernetesNames;
import io.autonova.remediator.state.ServiceRuntime;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.Map;

/** Per-target policy state; an operator clears the consecutive-action cap here after looking at the target. */
@Path("/api/v1/targets")
@Produces(MediaType.APPLICATION_JSON)
public class TargetResource {

    private static final Logger LOG = Logger.getLogger(TargetResource.class);

    private final ServiceRuntime runtime;
    private final Clock clock;

    public TargetResource(ServiceRuntime runtime, Clock clock) {
        this.runtime = runtime;
        this.clock = clock;
    }

    @GET
    public Map<String, Object> list() {
        Ledger l = runtime.store().loadLedger().value();
        return Map.of("inFlight", l.activeInFlight(clock.instant()), "consecutive", l.consecutive());
    }

    @DELETE
    @Path("/{namespace}/{deployment}/hold")
    public Response clearHold(@PathParam("namespace") String namespace, @PathParam("deployment") String deployment) {
        KubernetesNames.namespaceProblem(namespace).ifPresent(p -> {
            throw new ProblemException(400, "Invalid name", "namespace " + KubernetesNames.quoteUntrusted(namespace) + " " + p);
        });
        KubernetesNames.objectNameProblem(deployment).ifPresent(p -> {
            throw new ProblemException(400, "Invalid name", "deployment " + KubernetesNames.quoteUntrusted(deployment) + " " + p);
        });
        String key = namespace + "/" + deployment;
        LedgerUpdates.update(runtime.store(), l -> l.consecutive().containsKey(key) ? l.withConsecutiveCleared(key) : l);
        LOG.infof("operator cleared the consecutive-action count of %s", key);
        return Response.noContent().build();
    }
}
