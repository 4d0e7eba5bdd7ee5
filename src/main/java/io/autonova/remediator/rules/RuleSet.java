package io.autonova.remediator.rules;


import java.time.Instant;
import java.util.List;
import java.util.Map;

/** An immutable, fully validated set of rules, swapped whole on reload. */
public record RuleSet(List<Rule> rules, GlobalLimits globalLimits, Instant loadedAt, List<String> files, List<Rule> signalRules, RuleIndex index) {

    public RuleSet(List<Rule> rules, GlobalLimits globalLimits, Instant loadedAt, List<String> files) {
        this(rules, globalLimits, loadedAt, files, rules.stream().filter(Rule::signalRule).toList(), new RuleIndex(rules));
    }

    public static RuleSet empty(Instant at) {
        return new RuleSet(List.of(), GlobalLimits.DEFAULTS, at, List.of());
    }

    /**
     * How long the shared state keeps admissions so that every loaded rule's rate windows can count them: the
     * longest over all rules (one rule's shorter window must not prune what another still counts).
     */
    public java.time.Duration sharedKeep() {
        return longest(r -> TargetLimits.keepShared(r, globalLimits));
    }

    /** How long a target keeps its actions: the longest cooldown or per-target window of any rule. */
    public java.time.Duration targetKeep() {
        return longest(TargetLimits::keepTarget);
    }

    private java.time.Duration longest(java.util.function.Function<io.autonova.remediator.rules.TargetLimits, java.time.Duration> keep) {
        java.time.Duration d = keep.apply(io.autonova.remediator.rules.TargetLimits.DEFAULTS);
        for (Rule r : rules) {
            java.time.Duration w = keep.apply(r.limits());
            if (w.compareTo(d) > 0) {
                d = w;
            }
        }
        return d;
    }

    /** Alert rules whose matchers match an alert's labels, in file order (through the index: not a scan of every rule). */
    public List<Rule> matching(Map<String, String> labels) {
        return index.matching(labels);
    }

    /** The same answer by checking every rule: the reference the index is tested against. */
    public List<Rule> matchingByScan(Map<String, String> labels) {
        return rules.stream().filter(r -> !r.signalRule() && r.matches(labels)).toList();
    }
}
