package io.autonova.remediator.policy;

import java.time.Duration;

/**
 * Limits that apply per target and per rule; rule files set defaults and rules may override them.
 *
 * @param cooldown        no new action on a target for this long after the last one
 * @param perTarget       rate limit per target
 * @param perRule         rate limit per rule
 * @param maxConsecutive  automatic actions on one target, within {@code consecutiveWithin}, after which it waits for a human
 */
public record TargetLimits(Duration cooldown, RateLimit perTarget, RateLimit perRule, int maxConsecutive, Duration consecutiveWithin) {

    public static final TargetLimits DEFAULTS = new TargetLimits(Duration.ofMinutes(30), new RateLimit(2, Duration.ofHours(1)),
            new RateLimit(5, Duration.ofHours(1)), 3, Duration.ofHours(24));
}
