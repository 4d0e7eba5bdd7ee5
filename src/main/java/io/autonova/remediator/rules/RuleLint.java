package io.autonova.remediator.rules;

import io.autonova.remediator.domain.Durations;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Findings that are not load errors but that an SRE wants before a rule decides rollbacks: rules that can
 * never match, rules shadowed by an earlier one on the same target, rules that can never act. Pure.
 */
public final class RuleLint {

    private RuleLint() {
    }

    public static List<RuleLoadError> warnings(RuleSet set) {
        List<RuleLoadError> out = new ArrayList<>();
        List<Rule> alertRules = set.rules().stream().filter(r -> !r.signalRule()).toList();
        for (Rule r : alertRules) {
            neverMatches(r).ifPresent(why -> out.add(new RuleLoadError(r.file(), r.line(), "rule '" + r.name() + "' can never match: " + why)));
            neverActs(r).ifPresent(why -> out.add(new RuleLoadError(r.file(), r.line(), "rule '" + r.name() + "' can never act: " + why)));
        }
        for (Rule r : set.rules()) {
            gateMismatch(r).ifPresent(why -> out.add(new RuleLoadError(r.file(), r.line(), "rule '" + r.name() + "': " + why)));
        }
        for (Approval.Policy p : set.globalLimits().approvals()) {
            if (!appliesToAnyRun(p, set.rules())) {
                out.add(new RuleLoadError(p.file(), p.line(), p.source() + " requires approval of no run: no rule's name and scenario "
                        + "(nor a run started by hand: rule \"" + Rule.MANUAL + "\", any scenario) satisfy its rule and scenario matchers"));
            }
        }
        for (int i = 0; i < alertRules.size(); i++) {
            for (int j = i + 1; j < alertRules.size(); j++) {
                Rule a = alertRules.get(i);
                Rule b = alertRules.get(j);
                boolean aIsWider = set(b).containsAll(set(a));
                if (sameTarget(a, b) && aIsWider && !set(a).equals(set(b))) {
                    out.add(new RuleLoadError(b.file(), b.line(), "rule '" + b.name() + "' is shadowed by rule '" + a.name() + "' (" + a.file() + ":"
                            + a.line() + "): every alert it matches, '" + a.name() + "' matches too, on the same target; the first to admit a run "
                            + "refuses the other (in flight, cooldown)"));
                } else if (sameTarget(a, b) && set(a).equals(set(b))) {
                    out.add(new RuleLoadError(b.file(), b.line(), "rule '" + b.name() + "' has the same matchers and target as rule '" + a.name() + "' ("
                            + a.file() + ":" + a.line() + "): one of them is redundant"));
                }
            }
        }
        return out;
    }

    /**
     * Whether some run can meet the policy's {@code rule} and {@code scenario} matchers (namespace and deployment come
     * from alerts, so they are not judged here): a typo there turns a safety control off without a word.
     */
    static boolean appliesToAnyRun(Approval.Policy p, List<Rule> rules) {
        List<LabelMatcher> judged = p.match().stream().filter(m -> m.name().equals("rule") || m.name().equals("scenario")).toList();
        List<java.util.Map<String, String>> runs = new ArrayList<>();
        for (String scenario : Scenario.names()) {
            runs.add(java.util.Map.of("rule", Rule.MANUAL, "scenario", scenario));
        }
        for (Rule r : rules) {
            for (Scenario scenario : r.possibleScenarios()) {
                runs.add(java.util.Map.of("rule", r.name(), "scenario", scenario.ruleName()));
            }
        }
        return runs.stream().anyMatch(run -> judged.stream().allMatch(m -> m.matches(run)));
    }

    private static Set<String> set(Rule r) {
        Set<String> s = new HashSet<>();
        r.matchers().forEach(m -> s.add(m.toString()));
        return s;
    }

    private static boolean sameTarget(Rule a, Rule b) {
        return a.target().namespace().toString().equals(b.target().namespace().toString())
                && a.target().deployment().toString().equals(b.target().deployment().toString());
    }

    /** Contradicting matchers on one label (two different equalities, an equality its other matchers refuse). */
    static java.util.Optional<String> neverMatches(Rule r) {
        for (LabelMatcher eq : r.matchers()) {
            if (eq.type() != LabelMatcher.Type.EQUAL) {
                continue;
            }
            java.util.Map<String, String> only = java.util.Map.of(eq.name(), eq.value());
            for (LabelMatcher other : r.matchers()) {
                if (other != eq && other.name().equals(eq.name()) && !other.matches(only)) {
                    return java.util.Optional.of(eq + " and " + other + " cannot both hold");
                }
            }
        }
        for (LabelMatcher m : r.matchers()) {
            if (m.type() == LabelMatcher.Type.NOT_REGEX && (m.value().equals(".*") || m.value().equals("(.*)"))) {
                return java.util.Optional.of(m + " refuses every value, the empty one included");
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * A configuration rollback looks back its own {@code changedWithin} parameter for what to restore; when that is shorter
     * than the rule's change gate window, the gate admits changes the run then finds nothing to restore for.
     */
    static java.util.Optional<String> gateMismatch(Rule r) {
        String own = r.parameters().get("changedWithin");
        if (r.change().auto() || r.scenario() == null || !"configuration-rollback".equals(r.scenario().ruleName()) || own == null) {
            return java.util.Optional.empty();
        }
        java.time.Duration restores = Durations.parse(own);
        if (restores.compareTo(r.change().within()) < 0) {
            return java.util.Optional.of("its change gate admits configuration changes up to " + Durations.format(r.change().within())
                    + " before the alert, but parameter changedWithin restores only those of the last " + own
                    + ": a change in between passes the gate and then fails with nothing to restore (make them equal)");
        }
        return java.util.Optional.empty();
    }

    /** Limits or thresholds under which no alert can ever be admitted. */
    static java.util.Optional<String> neverActs(Rule r) {
        Threshold t = r.threshold();
        if (t != null && t.source() == Threshold.Source.LABEL) {
            for (LabelMatcher m : r.matchers()) {
                if (m.type() == LabelMatcher.Type.EQUAL && m.name().equals(t.key()) && !SignalValue.parse(m.value()).usable()) {
                    return java.util.Optional.of("its threshold reads label '" + t.key() + "', which its matchers fix to the non-numeric '" + m.value() + "'");
                }
                if (m.type() == LabelMatcher.Type.EQUAL && m.name().equals(t.key()) && !t.crossedBy(SignalValue.parse(m.value()).value())) {
                    return java.util.Optional.of("its threshold reads label '" + t.key() + "', fixed by its matchers to " + m.value() + ", which is not "
                            + t.comparison().symbol + " " + t.bound());
                }
            }
        }
        TargetLimits l = r.limits();
        if (l.perTarget().count() < 1 || l.perRule().count() < 1 || l.maxConsecutive() < 1) {
            return java.util.Optional.of("a limit allows no action at all");
        }
        if (r.parameters().containsKey("verifyTimeout") && Durations.parse(r.parameters().get("verifyTimeout")).isZero()) {
            return java.util.Optional.of("verifyTimeout is 0: every run would time out verifying");
        }
        return java.util.Optional.empty();
    }
}
