package io.autonova.remediator.rules;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Alert rules indexed by their most selective equality matcher, so an alert is checked only
 * against the rules that can match it and those without any such matcher, not against every rule.
 * Matching keeps the rules' order in their files.
 */
final class RuleIndex {

    private final Map<String, Map<String, List<Integer>>> byLabel = new HashMap<>();
    private final List<Integer> unindexed = new ArrayList<>();
    private final List<Rule> rules;

    RuleIndex(List<Rule> all) {
        this.rules = all.stream().filter(r -> !r.signalRule()).toList();
        // Index each rule under its most selective equality matcher: the (name, value) fewest rules share.
        Map<String, Integer> shared = new HashMap<>();
        for (Rule r : rules) {
            for (LabelMatcher m : r.matchers()) {
                if (indexable(m)) {
                    shared.merge(m.name() + "\n" + m.value(), 1, Integer::sum);
                }
            }
        }
        for (int i = 0; i < rules.size(); i++) {
            LabelMatcher key = null;
            for (LabelMatcher m : rules.get(i).matchers()) {
                if (indexable(m) && (key == null || shared.get(m.name() + "\n" + m.value()) < shared.get(key.name() + "\n" + key.value()))) {
                    key = m;
                }
            }
            if (key == null) {
                unindexed.add(i);
            } else {
                byLabel.computeIfAbsent(key.name(), k -> new HashMap<>()).computeIfAbsent(key.value(), k -> new ArrayList<>()).add(i);
            }
        }
    }

    /** An equality matcher on a non-empty value (an empty one also matches a missing label). */
    private static boolean indexable(LabelMatcher m) {
        return m.type() == LabelMatcher.Type.EQUAL && !m.value().isEmpty();
    }

    List<Rule> matching(Map<String, String> labels) {
        List<Integer> candidates = new ArrayList<>(unindexed);
        for (Map.Entry<String, Map<String, List<Integer>>> e : byLabel.entrySet()) {
            String v = labels.get(e.getKey());
            List<Integer> hit = v == null ? null : e.getValue().get(v);
            if (hit != null) {
                candidates.addAll(hit);
            }
        }
        if (candidates.isEmpty()) {
            return List.of();
        }
        candidates.sort(null);
        List<Rule> out = new ArrayList<>(2);
        for (int i : candidates) {
            if (rules.get(i).matches(labels)) {
                out.add(rules.get(i));
            }
        }
        return out;
    }
}
