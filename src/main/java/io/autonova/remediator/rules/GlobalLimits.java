package io.autonova.remediator.rules;

import java.time.Duration;

/** Limits over all rules and targets: the blast radius of the whole service. */
public record GlobalLimits(RateLimit rateLimit, int maxInFlight) {

    public static final GlobalLimits DEFAULTS = new GlobalLimits(new RateLimit(10, Duration.ofHours(1)), 3);
}
