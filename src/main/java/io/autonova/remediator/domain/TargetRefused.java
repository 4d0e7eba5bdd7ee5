package io.autonova.remediator.domain;

/** A cluster call aimed where the service must never act, or at a name that is not valid: refused before it is sent. */
public class TargetRefused extends RuntimeException {

    public TargetRefused(String message) {
        super(message);
    }
}
