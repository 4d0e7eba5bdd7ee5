package io.autonova.remediator.rules;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Whether a remediation waits for a person before it acts, for how long, and who may say yes. Set on a rule, on a
 * file's {@code defaults}, or by the {@code global.approvals} policies (per namespace, scenario, rule or
 * deployment, written once). The strictest wins: any source that requires approval requires it, the shortest
 * timeout applies, and an approver must satisfy every source's approver list (on top of RBAC's {@code approve}).
 *
 * @param approvers {@code user:<name>} or {@code group:<name>} (Kubernetes users and groups); empty: anyone RBAC lets approve
 */
public record Approval(boolean required, Duration timeout, List<String> approvers) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(15);
    public static final Duration MAX_TIMEOUT = Duration.ofHours(24);
    public static final Approval AUTO = new Approval(false, DEFAULT_TIMEOUT, List.of());
    private static final Pattern APPROVER = Pattern.compile("(user|group):[^\\s,]{1,253}");

    public Approval {
        approvers = List.copyOf(approvers);
    }

    /** Why an approver entry is not valid, if it is not. */
    public static Optional<String> approverProblem(String entry) {
        return APPROVER.matcher(entry).matches() ? Optional.empty()
                : Optional.of("approver '" + entry + "' must be 'user:<name>' or 'group:<name>'");
    }

    /**
     * Whether a person may answer a run that needs approval: every source's approver list (when it has one) must name
     * the user or one of the groups. Which verbs RBAC grants the person is checked apart.
     *
     * @return the first source whose list leaves the person out, or empty when every source accepts them
     */
    public static Optional<String> refusedBy(List<Requirement> requiredBy, String user, List<String> groups) {
        for (Requirement r : requiredBy) {
            if (!r.approvers().isEmpty() && r.approvers().stream().noneMatch(a -> a.equals("user:" + user) || groups.stream().anyMatch(g -> a.equals("group:" + g)))) {
                return Optional.of(r.source());
            }
        }
        return Optional.empty();
    }

    /** A {@code global.approvals} entry: approval required where its matchers match the run's labels. */
    public record Policy(String source, List<LabelMatcher> match, Approval approval, String file, int line) {
    }

    /** One source that requires approval, and whom it accepts. */
    public record Requirement(String source, List<String> approvers) {
    }

    /** What a run needs before it acts: the timeout and every source that requires approval. */
    public record Need(Duration timeout, List<Requirement> requiredBy) {
    }

    /**
     * The approval a run of {@code rule} on the target needs, or empty when it may act alone. Policies match the
     * labels {@code namespace}, {@code deployment}, {@code rule} and {@code scenario}.
     */
    public static Optional<Need> needed(Rule rule, String namespace, String deployment, List<Policy> policies) {
        return needed(rule, rule.scenarioName(), namespace, deployment, policies);
    }

    /** As above, for a run of {@code scenario}: the one {@code scenario: auto} picked for this alert. */
    public static Optional<Need> needed(Rule rule, String scenario, String namespace, String deployment, List<Policy> policies) {
        Map<String, String> labels = Map.of("namespace", namespace, "deployment", deployment, "rule", rule.name(),
                "scenario", scenario);
        List<Requirement> by = new ArrayList<>();
        Duration timeout = null;
        if (rule.approval().required()) {
            by.add(new Requirement("rule " + rule.name(), rule.approval().approvers()));
            timeout = rule.approval().timeout();
        }
        for (Policy p : policies) {
            if (p.match().stream().allMatch(m -> m.matches(labels))) {
                by.add(new Requirement(p.source(), p.approval().approvers()));
                timeout = timeout == null || p.approval().timeout().compareTo(timeout) < 0 ? p.approval().timeout() : timeout;
            }
        }
        return by.isEmpty() ? Optional.empty() : Optional.of(new Need(timeout, List.copyOf(by)));
    }
}
