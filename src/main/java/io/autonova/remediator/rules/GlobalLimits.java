package io.autonova.remediator.rules;

import java.time.Duration;
import java.util.List;

/** Limits over all rules and targets (the blast radius of the whole service), and where a person must approve first. */
public record GlobalLimits(RateLimit rateLimit, int maxInFlight, List<Approval.Policy> approvals) {

    public GlobalLimits {
        approvals = List.copyOf(approvals);
    }

    public GlobalLimits(RateLimit rateLimit, int maxInFlight) {
        this(rateLimit, maxInFlight, List.of());
    }

    public static final GlobalLimits DEFAULTS = new GlobalLimits(new RateLimit(10, Duration.ofHours(1)), 3);
}
