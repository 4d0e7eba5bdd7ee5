package io.autonova.remediator.rules;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * One Alertmanager label matcher ({@code name="v"}, {@code name!="v"}, {@code name=~"re"}, {@code name!~"re"}).
 * Regexes are fully anchored, as in Alertmanager, and compiled once when the matcher is built.
 * A missing label matches as the empty string, as in Alertmanager.
 */
public final class LabelMatcher {

    public enum Type {
        EQUAL("="), NOT_EQUAL("!="), REGEX("=~"), NOT_REGEX("!~");

        final String symbol;

        Type(String symbol) {
            this.symbol = symbol;
        }
    }

    private final String name;
    private final Type type;
    private final String value;
    private final Pattern pattern;

    LabelMatcher(String name, Type type, String value) {
        this.name = name;
        this.type = type;
        this.value = value;
        this.pattern = (type == Type.REGEX || type == Type.NOT_REGEX) ? Pattern.compile("^(?:" + value + ")$") : null;
    }

    public boolean matches(Map<String, String> labels) {
        String actual = labels.getOrDefault(name, "");
        return switch (type) {
            case EQUAL -> actual.equals(value);
            case NOT_EQUAL -> !actual.equals(value);
            case REGEX -> pattern.matcher(actual).matches();
            case NOT_REGEX -> !pattern.matcher(actual).matches();
        };
    }

    public String name() {
        return name;
    }

    public Type type() {
        return type;
    }

    public String value() {
        return value;
    }

    @Override
    public String toString() {
        return name + type.symbol + '"' + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
    }
}
