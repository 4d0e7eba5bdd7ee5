package io.autonova.remediator.api;

import jakarta.ws.rs.core.Response;

/** Ends a request with a problem body. */
public class ProblemException extends RuntimeException {

    private final int status;
    private final String title;

    public ProblemException(int status, String title, String detail) {
        super(detail);
        this.status = status;
        this.title = title;
    }

    public Response toResponse() {
        return Problem.response(status, title, getMessage());
    }
}
