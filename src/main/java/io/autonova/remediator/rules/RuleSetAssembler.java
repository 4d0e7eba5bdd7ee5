package io.autonova.remediator.rules;


import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Combines parsed files into one rule set, checking what spans files: rule names and the single 'global' block. */
public final class RuleSetAssembler {

    /** Either a rule set (errors empty) or the full list of errors. */
    public record Outcome(RuleSet ruleSet, List<RuleLoadError> errors) {
        public boolean ok() {
            return errors.isEmpty();
        }
    }

    private RuleSetAssembler() {
    }

    public static Outcome assemble(List<RuleFileParser.Result> files, Instant now) {
        List<RuleLoadError> errors = new ArrayList<>();
        List<Rule> rules = new ArrayList<>();
        Map<String, Rule> byName = new HashMap<>();
        GlobalLimits global = null;
        String globalFile = null;
        for (RuleFileParser.Result file : files) {
            errors.addAll(file.errors());
            if (file.globalLimits().isPresent()) {
                if (globalFile != null) {
                    errors.add(new RuleLoadError(file.file(), file.globalLine(), "'global' is already set in " + globalFile + "; set it in one file only"));
                } else {
                    global = file.globalLimits().get();
                    globalFile = file.file() + ":" + file.globalLine();
                }
            }
            for (Rule rule : file.rules()) {
                Rule first = byName.putIfAbsent(rule.name(), rule);
                if (first != null) {
                    errors.add(new RuleLoadError(rule.file(), rule.line(), "duplicate rule name '" + rule.name() + "' (first defined at "
                            + first.file() + ":" + first.line() + ")"));
                } else {
                    rules.add(rule);
                }
            }
        }
        if (!errors.isEmpty()) {
            return new Outcome(null, List.copyOf(errors));
        }
        return new Outcome(new RuleSet(List.copyOf(rules), global == null ? GlobalLimits.DEFAULTS : global, now,
                files.stream().map(RuleFileParser.Result::file).toList()), List.of());
    }
}
