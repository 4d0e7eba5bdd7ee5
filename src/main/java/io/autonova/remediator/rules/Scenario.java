package io.autonova.remediator.rules;

import io.autonova.remediator.domain.Durations;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** The runbook scenarios, by the name rule files use. */
public enum Scenario {
    /** Runbook scenario 1: roll the target back now (through Argo CD when it manages the target). */
    IMMEDIATE_ROLLBACK("immediate-rollback", true),
    /** Runbook scenario 2: roll one Deployment back; Argo CD auto-sync is turned off so self-heal cannot undo it. */
    SELECTIVE_ROLLBACK("selective-rollback", true),
    GRADUAL_ROLLBACK("gradual-rollback", false),
    DATABASE_MIGRATION_ROLLBACK("database-migration-rollback", false),
    CONFIGURATION_ROLLBACK("configuration-rollback", false);

    /** Parameters every implemented scenario accepts, each with its validator (returns a problem or empty). */
    public static final Map<String, Function<String, Optional<String>>> PARAMETERS = Map.of(
            "toRevision", Scenario::positiveInteger,
            "verifyTimeout", Scenario::duration);

    private final String ruleName;
    private final boolean implemented;

    Scenario(String ruleName, boolean implemented) {
        this.ruleName = ruleName;
        this.implemented = implemented;
    }

    public String ruleName() {
        return ruleName;
    }

    public boolean implemented() {
        return implemented;
    }

    public static Optional<Scenario> fromRuleName(String name) {
        return Arrays.stream(values()).filter(s -> s.ruleName.equals(name)).findFirst();
    }

    public static List<String> implementedNames() {
        return Arrays.stream(values()).filter(Scenario::implemented).map(Scenario::ruleName).toList();
    }

    private static Optional<String> positiveInteger(String v) {
        try {
            return Long.parseLong(v) > 0 ? Optional.empty() : Optional.of("must be a positive integer");
        } catch (NumberFormatException e) {
            return Optional.of("must be a positive integer");
        }
    }

    private static Optional<String> duration(String v) {
        try {
            Durations.parse(v);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }
}
