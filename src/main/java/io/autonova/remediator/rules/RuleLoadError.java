package io.autonova.remediator.rules;

/** One problem in a rule file, with where it is. */
public record RuleLoadError(String file, int line, String message) {
    @Override
    public String toString() {
        return file + ":" + line + ": " + message;
    }
}
