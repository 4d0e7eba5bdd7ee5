package io.autonova.remediator.rules;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.Function;

/**
 * A runbook scenario as rule files name it: its name, the parameters it takes (checked when rules load, and
 * again before a run acts) and the Kubernetes calls it makes. Implemented by the scenario's plan (one class per
 * scenario, in {@code scenarios}), listed once in {@code META-INF/services/io.autonova.remediator.rules.Scenario}
 * and found here through {@link ServiceLoader}, so the rules are checked against the scenarios that exist.
 */
public interface Scenario {

    /** The name rule files use ({@code scenario: gradual-rollback}). */
    String ruleName();

    /** The parameters this scenario takes besides the common ones, each with its check. */
    default Map<String, Function<String, Optional<String>>> ownParameters() {
        return Map.of();
    }

    /** Problems that involve more than one parameter (each already checked alone). */
    default List<String> crossCheck(Map<String, String> p) {
        return List.of();
    }

    /** The calls it makes in a namespace it acts in, beyond reading, patching and listing the target's Deployment and ReplicaSets. */
    default List<Call> calls() {
        return List.of();
    }

    /** Whether it goes through Argo CD when an Application manages the target (reads and patches Applications). */
    default boolean throughArgoCd() {
        return false;
    }

    /** One kind of call, for RBAC: the API group, the resource and its verbs. */
    record Call(String group, String resource, String why, List<String> verbs) {
        public static Call of(String group, String resource, String why, String... verbs) {
            return new Call(group, resource, why, List.of(verbs));
        }
    }

    /** Parameters every scenario takes. */
    Map<String, Function<String, Optional<String>>> COMMON = Map.of(
            "toRevision", ParameterChecks.POSITIVE_INTEGER,
            "verifyTimeout", ParameterChecks.DURATION);
    /** The {@code verify} block of a rule, kept in the parameters under these keys. */
    String VERIFY_QUERY = "verify.query";
    String VERIFY_OP = "verify.op";
    String VERIFY_BOUND = "verify.bound";
    String VERIFY_WINDOW = "verify.window";
    String VERIFY_INTERVAL = "verify.interval";
    Map<String, Function<String, Optional<String>>> VERIFY_CHECKS = Map.of(
            VERIFY_QUERY, ParameterChecks.NON_EMPTY,
            VERIFY_OP, ParameterChecks.COMPARISON,
            VERIFY_BOUND, ParameterChecks.FINITE_NUMBER,
            VERIFY_WINDOW, ParameterChecks.DURATION,
            VERIFY_INTERVAL, ParameterChecks.DURATION);

    /** The {@code gitops} block of a rule, kept in the parameters under these keys (absent: Git is left to a human). */
    String GITOPS_MODE = "gitops.mode";
    String GITOPS_MERGE_TIMEOUT = "gitops.mergeTimeout";
    Map<String, Function<String, Optional<String>>> GITOPS_CHECKS = Map.of(
            GITOPS_MODE, v -> v.equals("pull-request") || v.equals("push") ? Optional.empty() : Optional.of("must be pull-request or push"),
            GITOPS_MERGE_TIMEOUT, ParameterChecks.DURATION);

    /** Whether a rollback through Argo CD can be followed by a revert in Git (the whole application goes back). */
    default boolean writesBackToGit() {
        return false;
    }

    /** The parameters this scenario accepts, each with its check (returns a problem or empty). */
    default Map<String, Function<String, Optional<String>>> parameters() {
        Map<String, Function<String, Optional<String>>> all = new LinkedHashMap<>(COMMON);
        all.putAll(ownParameters());
        return all;
    }

    /**
     * Every problem with a run's parameters, by the rules a rule file's are checked with at load: run again before a
     * run acts, so a record whose parameters were changed since (or never came from a rule) never reaches the cluster.
     */
    default List<String> problems(Map<String, String> p) {
        List<String> problems = new ArrayList<>();
        Map<String, Function<String, Optional<String>>> accepted = parameters();
        p.forEach((k, v) -> {
            Function<String, Optional<String>> check = k.startsWith("verify.") ? VERIFY_CHECKS.get(k)
                    : k.startsWith("gitops.") && writesBackToGit() ? GITOPS_CHECKS.get(k) : accepted.get(k);
            if (check == null) {
                problems.add("parameter '" + k + "' is not one " + ruleName() + " takes");
            } else if (v == null) {
                problems.add("parameter '" + k + "' has no value");
            } else {
                check.apply(v).ifPresent(problem -> problems.add("parameter '" + k + "' " + problem));
            }
        });
        if (p.keySet().stream().anyMatch(k -> k.startsWith("verify.")) && !VERIFY_CHECKS.keySet().stream().allMatch(p::containsKey)) {
            problems.add("the verify parameters go together: " + VERIFY_CHECKS.keySet());
        }
        problems.addAll(crossCheck(p));
        return problems;
    }

    /** Every scenario there is, in the order of the services file. */
    static List<Scenario> all() {
        return Catalog.ALL;
    }

    static Optional<Scenario> fromRuleName(String name) {
        return all().stream().filter(s -> s.ruleName().equals(name)).findFirst();
    }

    static List<String> names() {
        return all().stream().map(Scenario::ruleName).toList();
    }

    /** Loaded once, on first use. */
    final class Catalog {
        static final List<Scenario> ALL = load();

        private Catalog() {
        }

        private static List<Scenario> load() {
            List<Scenario> found = new ArrayList<>();
            ServiceLoader.load(Scenario.class, Scenario.class.getClassLoader()).forEach(found::add);
            List<String> names = found.stream().map(Scenario::ruleName).toList();
            if (names.stream().distinct().count() != names.size()) {
                throw new IllegalStateException("two scenarios share a name: " + names);
            }
            return List.copyOf(found);
        }
    }
}
