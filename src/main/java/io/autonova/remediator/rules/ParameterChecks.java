package io.autonova.remediator.rules;

import io.autonova.remediator.domain.Durations;
import io.autonova.remediator.domain.KubernetesNames;

import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;

/** Checks of one scenario parameter's value: each returns the problem, or empty when the value is fine. */
public final class ParameterChecks {

    public static final Function<String, Optional<String>> POSITIVE_INTEGER = v -> {
        try {
            return Long.parseLong(v) > 0 ? Optional.empty() : Optional.of("must be a positive integer");
        } catch (NumberFormatException e) {
            return Optional.of("must be a positive integer");
        }
    };

    public static final Function<String, Optional<String>> NON_NEGATIVE_INTEGER = v -> {
        try {
            return Integer.parseInt(v) >= 0 ? Optional.empty() : Optional.of("must be a whole number, 0 or more");
        } catch (NumberFormatException e) {
            return Optional.of("must be a whole number, 0 or more");
        }
    };

    public static final Function<String, Optional<String>> DURATION = v -> {
        try {
            Durations.parse(v);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    };

    public static final Function<String, Optional<String>> BOOL = v -> "true".equals(v) || "false".equals(v) ? Optional.empty()
            : Optional.of("must be true or false");

    public static final Function<String, Optional<String>> OBJECT_NAME = v -> KubernetesNames.objectNameProblem(v)
            .map(p -> "is not a valid object name: " + p);

    public static final Function<String, Optional<String>> NON_EMPTY = v -> v.isBlank() ? Optional.of("must not be empty") : Optional.empty();

    /** An image reference, or {@code current}: the image of the release being rolled back. */
    public static final Function<String, Optional<String>> IMAGE = v -> v.equals("current")
            || v.matches("[a-z0-9]([-a-z0-9._/:]*[a-z0-9])?(@sha256:[a-f0-9]{64})?") ? Optional.empty()
            : Optional.of("must be an image reference or 'current' (the image of the release being rolled back)");

    public static final Function<String, Optional<String>> FINITE_NUMBER = v -> {
        try {
            return Double.isFinite(Double.parseDouble(v)) ? Optional.empty() : Optional.of("must be a finite number");
        } catch (NumberFormatException e) {
            return Optional.of("must be a number");
        }
    };

    public static final Function<String, Optional<String>> COMPARISON = v -> Arrays.stream(Threshold.Comparison.values())
            .anyMatch(c -> c.symbol.equals(v)) ? Optional.empty() : Optional.of("must be one of >, >=, <, <=");

    private ParameterChecks() {
    }
}
