package io.autonova.remediator.rules;

import java.time.Duration;

/**
 * What a rule says about changes: how recent the change it undoes must be ({@code changedWithin}), and whether the
 * scenario is picked from the change timeline ({@code scenario: auto}) instead of named.
 */
public record ChangeRule(Duration within, boolean auto) {

    /** Safe by default: only a change in the two hours before the alert is rolled back. */
    public static final Duration DEFAULT_WITHIN = Duration.ofHours(2);
    /** Longer windows reach releases that were healthy for days: refused at load. */
    public static final Duration MAX_WITHIN = Duration.ofDays(7);
    public static final ChangeRule DEFAULT = new ChangeRule(DEFAULT_WITHIN, false);
    public static final String AUTO = "auto";

    public ChangeRule withAuto(boolean auto) {
        return new ChangeRule(within, auto);
    }
}
