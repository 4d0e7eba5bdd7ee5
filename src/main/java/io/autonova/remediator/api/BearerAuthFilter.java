package io.autonova.remediator.api;

import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.config.RemediatorMetrics;
import io.autonova.remediator.domain.Actor;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.Optional;

/**
 * Webhooks need the webhook token. The operator API takes an operator's own Kubernetes token (TokenReview, then a
 * SubjectAccessReview per action) or the admin token (break-glass); the webhook token never drives it. Reads need
 * {@code get} on {@code remediations.autonova.io} in the service's namespace; each write asks for its own verb.
 */
public class BearerAuthFilter {

    private final Tokens tokens;
    private final RemediatorMetrics metrics;
    private final KubernetesAccess access;
    private final Caller caller;
    private final String recordsNamespace;

    public BearerAuthFilter(Tokens tokens, RemediatorMetrics metrics, KubernetesAccess access, Caller caller, RemediatorConfig config) {
        this.tokens = tokens;
        this.metrics = metrics;
        this.access = access;
        this.caller = caller;
        this.recordsNamespace = config.state().namespace();
    }

    // Not pre-matching: reviews are blocking API calls, and a matched blocking endpoint's filters run on a worker
    // thread (on the event loop they would also starve the Kubernetes client, which shares it).
    @ServerRequestFilter
    public Response authenticate(ContainerRequestContext ctx) {
        String path = ctx.getUriInfo().getPath();
        if (!path.startsWith("/api/")) {
            return null;
        }
        String header = ctx.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (path.startsWith("/api/v1/webhooks/")) {
            if (tokens.webhookAuthorized(header)) {
                return null;
            }
            metrics.webhookRejected("unauthorized");
            return unauthorized(header, "invalid bearer token for the webhook");
        }
        if (path.startsWith("/api/v1/chat/")) {
            return null; // chat interactions carry the chat service's signature instead (checked by their resource)
        }
        Actor who;
        if (tokens.adminAuthorized(header)) {
            who = Actor.ADMIN_TOKEN;
        } else if (header == null || tokens.webhookAuthorized(header) || !access.enabled()) {
            return unauthorized(header, "invalid bearer token for the operator API" + (access.enabled() ? "" : " (only the admin token is accepted: "
                    + "Kubernetes users need the Kubernetes store)"));
        } else {
            Optional<Actor> user;
            try {
                user = Tokens.bearer(header).flatMap(access::authenticate);
            } catch (RuntimeException e) {
                return Problem.unavailable("Authentication unavailable", "could not review the token with the API server: " + e.getMessage());
            }
            if (user.isEmpty()) {
                return unauthorized(header, "the API server does not accept this bearer token (TokenReview)");
            }
            who = user.get();
        }
        caller.set(who, access);
        if ("GET".equals(ctx.getMethod()) || "HEAD".equals(ctx.getMethod()) || path.equals("/api/v1/rules/explain")) {
            try {
                caller.require("get", "remediations", null, recordsNamespace, null);
            } catch (ProblemException e) {
                return e.toResponse();
            }
        }
        return null;
    }

    private static Response unauthorized(String header, String detail) {
        return Response.fromResponse(Problem.response(401, "Unauthorized", header == null ? "missing 'Authorization: Bearer <token>' header" : detail))
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"autonova-remediator\"").build();
    }
}
