package io.autonova.remediator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.Response;

/** An RFC 9457 problem body. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public static Response response(int status, String title, String detail) {
        return Response.status(status).type(MEDIA_TYPE).entity(new Problem("about:blank", title, status, detail)).build();
    }

    /** 503 with Retry-After: something the answer depends on is down; the sender (Alertmanager) tries again. */
    public static Response unavailable(String title, String detail) {
        return Response.status(503).type(MEDIA_TYPE).entity(new Problem("about:blank", title, 503, detail)).header("Retry-After", "10").build();
    }
}
