package io.autonova.remediator.api;

import io.autonova.remediator.config.RemediatorMetrics;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/** Webhooks need the webhook token; everything else under /api/v1 needs the admin token. */
public class BearerAuthFilter {

    private final Tokens tokens;
    private final RemediatorMetrics metrics;

    public BearerAuthFilter(Tokens tokens, RemediatorMetrics metrics) {
        this.tokens = tokens;
        this.metrics = metrics;
    }

    @ServerRequestFilter(preMatching = true)
    public Response authenticate(ContainerRequestContext ctx) {
        String path = ctx.getUriInfo().getPath();
        if (!path.startsWith("/api/")) {
            return null;
        }
        String header = ctx.getHeaderString(HttpHeaders.AUTHORIZATION);
        boolean webhook = path.startsWith("/api/v1/webhooks/");
        boolean ok = webhook ? tokens.webhookAuthorized(header) : tokens.adminAuthorized(header);
        if (ok) {
            return null;
        }
        if (webhook) {
            metrics.webhookRejected("unauthorized");
        }
        return Response.fromResponse(Problem.response(401, "Unauthorized", header == null
                        ? "missing 'Authorization: Bearer <token>' header"
                        : "invalid bearer token for " + (webhook ? "the webhook" : "the operator API")))
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"autonova-remediator\"").build();
    }
}
