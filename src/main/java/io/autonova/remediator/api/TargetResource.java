package io.autonova.remediator.api;

import io.autonova.remediator.state.Cas;
import io.autonova.remediator.domain.KubernetesNames;
import io.autonova.remediator.runtime.ServiceRuntime;
import io.autonova.remediator.state.StateStore;
import io.autonova.remediator.state.TargetRecord;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Per-target state; an operator clears a target held for a human here after looking at it. */
@Path("/api/v1/targets")
@Produces(MediaType.APPLICATION_JSON)
public class TargetResource {

    private static final Logger LOG = Logger.getLogger(TargetResource.class);

    private final ServiceRuntime runtime;
    private final Clock clock;

    private final Caller caller;

    public TargetResource(ServiceRuntime runtime, Clock clock, Caller caller) {
        this.runtime = runtime;
        this.clock = clock;
        this.caller = caller;
    }

    @GET
    public Map<String, Object> list() {
        Instant now = clock.instant();
        List<Map<String, Object>> targets = runtime.store().targets().stream().sorted(Comparator.comparing(TargetRecord::key)).map(t -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("target", t.key());
            m.put("run", t.run());
            m.put("holder", t.holder() == null || t.expired(now) ? null : t.holder());
            m.put("consecutive", t.state().consecutive());
            m.put("lastActionAt", t.state().lastActionAt());
            m.put("hold", t.state().hold());
            m.put("knownBadTemplates", t.state().badTemplates().size());
            return m;
        }).toList();
        Map<String, Object> inFlight = new LinkedHashMap<>();
        runtime.store().global().value().inFlight().forEach((k, v) -> inFlight.put(k, v.record()));
        return Map.of("targets", targets, "inFlight", inFlight);
    }

    /** What changed about the target, newest first, from the watch caches: what the change gate reads. */
    @GET
    @Path("/{namespace}/{deployment}/changes")
    public Map<String, Object> changes(@PathParam("namespace") String namespace, @PathParam("deployment") String deployment) {
        checkNames(namespace, deployment);
        if (!runtime.changes().available()) {
            throw new ProblemException(503, "No cluster", "there is no Kubernetes API to read the change timeline from");
        }
        runtime.changes().checkReady();
        return ChangeViews.timeline(runtime.changes().timeline(namespace, deployment));
    }

    private static void checkNames(String namespace, String deployment) {
        KubernetesNames.namespaceProblem(namespace).ifPresent(p -> {
            throw new ProblemException(400, "Invalid name", "namespace " + KubernetesNames.quoteUntrusted(namespace) + " " + p);
        });
        KubernetesNames.objectNameProblem(deployment).ifPresent(p -> {
            throw new ProblemException(400, "Invalid name", "deployment " + KubernetesNames.quoteUntrusted(deployment) + " " + p);
        });
    }

    @DELETE
    @Path("/{namespace}/{deployment}/hold")
    public Response clearHold(@PathParam("namespace") String namespace, @PathParam("deployment") String deployment) {
        checkNames(namespace, deployment);
        var who = caller.require("delete", "targetholds", null, namespace, deployment);
        String key = namespace + "/" + deployment;
        StateStore store = runtime.store();
        String hold = store.target(key).value().state().hold();
        Cas.update("the state of " + key, () -> store.target(key), () -> store.fetchTarget(key), store::replaceTarget,
                t -> t.state().consecutive() == 0 && t.state().hold() == null ? t : t.withState(t.state().withHoldCleared()));
        LOG.infof("%s cleared the hold and consecutive-action count of %s", who.name(), key);
        // Who let automation act on the target again: an Event on the Deployment (kubectl describe shows it).
        io.autonova.remediator.state.RemediationRecord about = new io.autonova.remediator.state.RemediationRecord();
        about.name = store.target(key).value().run() != null ? store.target(key).value().run() : "target-hold";
        about.spec.target.namespace = namespace;
        about.spec.target.deployment = deployment;
        runtime.events().emit(about, false, "TargetHoldCleared", "hold and consecutive-action count cleared by " + who.name()
                + (hold == null ? "" : "; the hold was: " + hold));
        return Response.noContent().build();
    }
}
