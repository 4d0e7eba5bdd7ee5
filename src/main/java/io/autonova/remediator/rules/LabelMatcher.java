package io.autonova.remediator.rules;

import com.google.re2j.Pattern;

import java.util.Map;

/**
 * One Alertmanager label matcher ({@code name="v"}, {@code name!="v"}, {@code name=~"re"}, {@code name!~"re"}).
 * Regexes are RE2 (linear time: no label value can make matching slow), fully anchored, as in Alertmanager,
 * and compiled once when the matcher is built.
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
        this.pattern = (type == Type.REGEX || type == Type.NOT_REGEX) ? compiled(value) : null;
    }

    /** Rules repeat the same regexes (severity, namespaces): one compiled pattern each, shared, stays hot in cache. */
    private static final java.util.concurrent.ConcurrentHashMap<String, Pattern> COMPILED = new java.util.concurrent.ConcurrentHashMap<>();

    private static Pattern compiled(String regex) {
        Pattern p = COMPILED.get(regex);
        if (p == null) {
            p = Pattern.compile("^(?:" + regex + ")$"); // a syntax error surfaces here, before anything is cached
            if (COMPILED.size() > 50_000) {
                COMPILED.clear(); // bounded across reloads of ever-changing rule files
            }
            COMPILED.putIfAbsent(regex, p);
        }
        return p;
    }

    public boolean matches(Map<String, String> labels) {
        String actual = labels.getOrDefault(name, "");
        return switch (type) {
            case EQUAL -> actual.equals(value);
            case NOT_EQUAL -> !actual.equals(value);
            case REGEX -> pattern.matches(actual);
            case NOT_REGEX -> !pattern.matches(actual);
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

    /** As Alertmanager prints it: a name that is not a classic label name is quoted; values always are. */
    @Override
    public String toString() {
        String n = name.matches("[a-zA-Z_][a-zA-Z0-9_]*") ? name : quote(name);
        return n + type.symbol + quote(value);
    }

    private static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\t", "\\t") + '"';
    }
}
