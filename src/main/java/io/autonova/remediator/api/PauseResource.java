package io.autonova.remediator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.autonova.remediator.policy.Pause;
import io.autonova.remediator.policy.PauseScope;
import io.autonova.remediator.domain.Durations;
import io.autonova.remediator.domain.KubernetesNames;
import io.autonova.remediator.runtime.ServiceRuntime;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Operators pause and resume automation: globally, per namespace or per service, with a reason and an expiry. */
@Path("/api/v1/pauses")
@Produces(MediaType.APPLICATION_JSON)
public class PauseResource {

    private static final Logger LOG = Logger.getLogger(PauseResource.class);
    static final Duration MAX_PAUSE = Duration.ofDays(30);

    private final ServiceRuntime runtime;
    private final ObjectMapper mapper;
    private final Clock clock;

    private final Caller caller;

    public PauseResource(ServiceRuntime runtime, ObjectMapper mapper, Clock clock, Caller caller) {
        this.caller = caller;
        this.runtime = runtime;
        this.mapper = mapper;
        this.clock = clock;
    }

    @GET
    public Map<String, List<Pause>> list() {
        Instant now = clock.instant();
        return Map.of("pauses", runtime.store().pauses().stream().filter(p -> p.activeAt(now))
                .sorted(java.util.Comparator.comparing(Pause::createdAt)).toList());
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    public Response create(String body) {
        JsonNode req = Requests.object(mapper, body);
        Instant now = clock.instant();
        PauseScope scope;
        try {
            scope = PauseScope.valueOf(Requests.requiredText(req, "scope").toUpperCase());
        } catch (IllegalArgumentException e) {
            throw new ProblemException(400, "Invalid pause", "'scope' must be one of global, namespace, service");
        }
        String namespace = Requests.optionalText(req, "namespace");
        String service = Requests.optionalText(req, "service");
        if (scope != PauseScope.GLOBAL) {
            if (namespace == null) {
                throw new ProblemException(400, "Invalid pause", "'namespace' is required for scope " + scope.name().toLowerCase());
            }
            KubernetesNames.namespaceProblem(namespace).ifPresent(p -> {
                throw new ProblemException(400, "Invalid pause", "namespace " + KubernetesNames.quoteUntrusted(namespace) + " " + p);
            });
        } else if (namespace != null || service != null) {
            throw new ProblemException(400, "Invalid pause", "a global pause takes no 'namespace' or 'service'");
        }
        if (scope == PauseScope.SERVICE) {
            if (service == null) {
                throw new ProblemException(400, "Invalid pause", "'service' (the Deployment name) is required for scope service");
            }
            KubernetesNames.objectNameProblem(service).ifPresent(p -> {
                throw new ProblemException(400, "Invalid pause", "service " + KubernetesNames.quoteUntrusted(service) + " " + p);
            });
        } else if (service != null) {
            throw new ProblemException(400, "Invalid pause", "'service' is only valid with scope service");
        }
        String reason = Requests.requiredText(req, "reason");
        if (reason.length() > 1000) {
            throw new ProblemException(400, "Invalid pause", "'reason' is longer than 1000 characters");
        }
        Instant expiresAt = expiry(req, now);
        var who = caller.require("create", "remediationpauses", null, namespace, null);
        // The person is the caller; a 'createdBy' in the body is kept only as a note from the break-glass token.
        String onBehalf = Requests.optionalText(req, "createdBy");
        String by = who.breakGlass() && onBehalf != null ? who.name() + " for " + onBehalf : who.name();
        Pause pause = new Pause("pause-" + UUID.randomUUID().toString().substring(0, 8), scope, namespace, service, reason,
                by, now, expiresAt);
        runtime.store().createPause(pause);
        LOG.infof("pause created: %s", pause.describe());
        return Response.status(201).entity(pause).build();
    }

    @DELETE
    @Path("/{id}")
    public Response delete(@PathParam("id") String id) {
        Pause pause = KubernetesNames.objectNameProblem(id).isPresent() ? null
                : runtime.store().pauses().stream().filter(p -> p.id().equals(id)).findFirst().orElse(null);
        if (pause == null) {
            throw new ProblemException(404, "Not found", "no pause with id " + KubernetesNames.quoteUntrusted(id));
        }
        var who = caller.require("delete", "remediationpauses", null, pause.namespace(), id);
        if (!runtime.store().deletePause(id)) {
            throw new ProblemException(404, "Not found", "no pause with id " + KubernetesNames.quoteUntrusted(id));
        }
        LOG.infof("pause %s deleted by %s: automation resumes for its scope", id, who.name());
        return Response.noContent().build();
    }

    private static Instant expiry(JsonNode req, Instant now) {
        String at = Requests.optionalText(req, "expiresAt");
        String duration = Requests.optionalText(req, "duration");
        if ((at == null) == (duration == null)) {
            throw new ProblemException(400, "Invalid pause", "give exactly one of 'expiresAt' (RFC 3339) or 'duration' (e.g. 2h)");
        }
        Instant expires;
        try {
            expires = at != null ? Instant.parse(at) : now.plus(Durations.parse(duration));
        } catch (DateTimeParseException | IllegalArgumentException e) {
            throw new ProblemException(400, "Invalid pause", "invalid expiry: " + e.getMessage());
        }
        if (!expires.isAfter(now)) {
            throw new ProblemException(400, "Invalid pause", "the expiry must be in the future");
        }
        if (expires.isAfter(now.plus(MAX_PAUSE))) {
            throw new ProblemException(400, "Invalid pause", "a pause lasts at most 30d; renew it if you need longer");
        }
        return expires;
    }
}
