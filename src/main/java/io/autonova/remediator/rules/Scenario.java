package io.autonova.remediator.rules;

import io.autonova.remediator.domain.Durations;
import io.autonova.remediator.domain.KubernetesNames;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** The runbook scenarios, by the name rule files use, each with the parameters it accepts. */
public enum Scenario {
    /** Runbook scenario 1: roll the target back now (through Argo CD when it manages the target). */
    IMMEDIATE_ROLLBACK("immediate-rollback", Map.of()),
    /** Runbook scenario 2: roll one Deployment back; Argo CD auto-sync is turned off so self-heal cannot undo it. */
    SELECTIVE_ROLLBACK("selective-rollback", Map.of()),
    /** Runbook scenario 3: the previous version beside the bad one, traffic moved to it, watched, then made permanent. */
    GRADUAL_ROLLBACK("gradual-rollback", Map.of(
            "service", Scenario::objectName,
            "scaleBadTo", Scenario::nonNegativeInteger,
            "drain", Scenario::duration,
            "watch", Scenario::duration)),
    /** Runbook scenario 4: app stopped, the release's own migration undo run as a Job, app rolled back and restarted. */
    DATABASE_MIGRATION_ROLLBACK("database-migration-rollback", Map.of(
            "reversible", Scenario::bool,
            "backwardCompatible", Scenario::bool,
            "undoImage", Scenario::image,
            "undoCommand", Scenario::nonEmpty,
            "migrationTimeout", Scenario::duration)),
    /** Runbook scenario 5: the ConfigMaps and Secrets that changed restored from their snapshots, then a rollout restart. */
    CONFIGURATION_ROLLBACK("configuration-rollback", Map.of(
            "restoreRotatedCredentials", Scenario::bool,
            "changedWithin", Scenario::duration));

    /** Parameters every scenario accepts. */
    static final Map<String, Function<String, Optional<String>>> COMMON = Map.of(
            "toRevision", Scenario::positiveInteger,
            "verifyTimeout", Scenario::duration);
    /** The {@code verify} block of a rule, kept in the parameters under these keys. */
    public static final String VERIFY_QUERY = "verify.query";
    public static final String VERIFY_OP = "verify.op";
    public static final String VERIFY_BOUND = "verify.bound";
    public static final String VERIFY_WINDOW = "verify.window";
    public static final String VERIFY_INTERVAL = "verify.interval";

    private final String ruleName;
    private final Map<String, Function<String, Optional<String>>> own;

    Scenario(String ruleName, Map<String, Function<String, Optional<String>>> own) {
        this.ruleName = ruleName;
        this.own = own;
    }

    public String ruleName() {
        return ruleName;
    }

    /** The parameters this scenario accepts, each with its validator (returns a problem or empty). */
    public Map<String, Function<String, Optional<String>>> parameters() {
        Map<String, Function<String, Optional<String>>> all = new LinkedHashMap<>(COMMON);
        all.putAll(own);
        return all;
    }

    /**
     * Every problem with a run's parameters, by the rules a rule file's are checked with at load: run again before a
     * run acts, so a record whose parameters were changed since (or never came from a rule) never reaches the cluster.
     */
    public List<String> problems(Map<String, String> p) {
        List<String> problems = new ArrayList<>();
        Map<String, Function<String, Optional<String>>> accepted = parameters();
        p.forEach((k, v) -> {
            Function<String, Optional<String>> check = k.startsWith("verify.") ? VERIFY.get(k) : accepted.get(k);
            if (check == null) {
                problems.add("parameter '" + k + "' is not one " + ruleName + " takes");
            } else if (v == null) {
                problems.add("parameter '" + k + "' has no value");
            } else {
                check.apply(v).ifPresent(problem -> problems.add("parameter '" + k + "' " + problem));
            }
        });
        if (p.keySet().stream().anyMatch(k -> k.startsWith("verify.")) && !VERIFY.keySet().stream().allMatch(p::containsKey)) {
            problems.add("the verify parameters go together: " + VERIFY.keySet());
        }
        problems.addAll(crossCheck(p));
        return problems;
    }

    /** The {@code verify} block as the rule parser stores it. */
    private static final Map<String, Function<String, Optional<String>>> VERIFY = Map.of(
            VERIFY_QUERY, Scenario::nonEmpty,
            VERIFY_OP, v -> java.util.Arrays.stream(Threshold.Comparison.values()).anyMatch(c -> c.symbol.equals(v)) ? Optional.empty()
                    : Optional.of("must be one of >, >=, <, <="),
            VERIFY_BOUND, Scenario::finiteNumber,
            VERIFY_WINDOW, Scenario::duration,
            VERIFY_INTERVAL, Scenario::duration);

    private static Optional<String> finiteNumber(String v) {
        try {
            return Double.isFinite(Double.parseDouble(v)) ? Optional.empty() : Optional.of("must be a finite number");
        } catch (NumberFormatException e) {
            return Optional.of("must be a number");
        }
    }

    /** Problems that involve more than one parameter (each validated alone before). */
    public List<String> crossCheck(Map<String, String> p) {
        List<String> problems = new ArrayList<>();
        if (this == DATABASE_MIGRATION_ROLLBACK) {
            if (!p.containsKey("reversible")) {
                problems.add("parameter 'reversible' is required: say whether the release's migration can be undone (true, with an undo "
                        + "Job shipped by the release or undoImage/undoCommand) or not (false)");
            }
            if (p.containsKey("undoImage") != p.containsKey("undoCommand")) {
                problems.add("parameters 'undoImage' and 'undoCommand' go together");
            }
            if ("false".equals(p.get("reversible")) && p.containsKey("undoImage")) {
                problems.add("a migration marked reversible: false has no undo; remove undoImage/undoCommand");
            }
        }
        return problems;
    }

    public static Optional<Scenario> fromRuleName(String name) {
        return Arrays.stream(values()).filter(s -> s.ruleName.equals(name)).findFirst();
    }

    public static List<String> names() {
        return Arrays.stream(values()).map(Scenario::ruleName).toList();
    }

    private static Optional<String> positiveInteger(String v) {
        try {
            return Long.parseLong(v) > 0 ? Optional.empty() : Optional.of("must be a positive integer");
        } catch (NumberFormatException e) {
            return Optional.of("must be a positive integer");
        }
    }

    private static Optional<String> nonNegativeInteger(String v) {
        try {
            return Integer.parseInt(v) >= 0 ? Optional.empty() : Optional.of("must be a whole number, 0 or more");
        } catch (NumberFormatException e) {
            return Optional.of("must be a whole number, 0 or more");
        }
    }

    static Optional<String> duration(String v) {
        try {
            Durations.parse(v);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    private static Optional<String> bool(String v) {
        return "true".equals(v) || "false".equals(v) ? Optional.empty() : Optional.of("must be true or false");
    }

    private static Optional<String> objectName(String v) {
        return KubernetesNames.objectNameProblem(v).map(p -> "is not a valid object name: " + p);
    }

    private static Optional<String> nonEmpty(String v) {
        return v.isBlank() ? Optional.of("must not be empty") : Optional.empty();
    }

    /** An image reference, or {@code current}: the image of the release being rolled back. */
    private static Optional<String> image(String v) {
        return v.equals("current") || v.matches("[a-z0-9]([-a-z0-9._/:]*[a-z0-9])?(@sha256:[a-f0-9]{64})?") ? Optional.empty()
                : Optional.of("must be an image reference or 'current' (the image of the release being rolled back)");
    }
}
