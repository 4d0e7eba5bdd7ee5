package io.autonova.remediator.rules;

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

    /** How long the shared state keeps admissions: the per-rule and global rate windows (per-target ones live on the target). */
    public static Duration keepShared(TargetLimits limits, GlobalLimits global) {
        Duration rule = limits.perRule().window();
        return rule.compareTo(global.rateLimit().window()) > 0 ? rule : global.rateLimit().window();
    }

    /** How long a target keeps its actions: its cooldown and per-target rate window. */
    public static Duration keepTarget(TargetLimits limits) {
        return limits.cooldown().compareTo(limits.perTarget().window()) > 0 ? limits.cooldown() : limits.perTarget().window();
    }

    public static final TargetLimits DEFAULTS = new TargetLimits(Duration.ofMinutes(30), new RateLimit(2, Duration.ofHours(1)),
            new RateLimit(5, Duration.ofHours(1)), 3, Duration.ofHours(24));
}
