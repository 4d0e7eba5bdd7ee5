package io.autonova.remediator.rules;

import io.autonova.remediator.domain.Durations;
import java.time.Duration;

/** At most {@code count} actions within any sliding {@code window}. */
public record RateLimit(int count, Duration window) {
    @Override
    public String toString() {
        return count + " per " + io.autonova.remediator.domain.Durations.format(window);
    }
}
