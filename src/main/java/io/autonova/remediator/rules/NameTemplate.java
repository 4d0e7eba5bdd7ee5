package io.autonova.remediator.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A target name built from an alert, in Prometheus' template spelling: literal text with
 * {@code {{ $labels.name }}} or {@code {{ $annotations.name }}}. Parsed once at load; anything else
 * inside braces is a load error, so a typo never renders silently.
 */
public final class NameTemplate {

    private static final Pattern EXPRESSION = Pattern.compile("\\{\\{\\s*(.*?)\\s*}}");
    private static final Pattern REFERENCE = Pattern.compile("\\$(labels|annotations)\\.([a-zA-Z_][a-zA-Z0-9_]*)");

    private record Part(String literal, boolean fromLabels, String key) {
    }

    private final String source;
    private final List<Part> parts;

    private NameTemplate(String source, List<Part> parts) {
        this.source = source;
        this.parts = parts;
    }

    public static NameTemplate parse(String source) {
        List<Part> parts = new ArrayList<>();
        Matcher m = EXPRESSION.matcher(source);
        int at = 0;
        while (m.find()) {
            if (m.start() > at) {
                parts.add(new Part(source.substring(at, m.start()), false, null));
            }
            Matcher ref = REFERENCE.matcher(m.group(1));
            if (!ref.matches()) {
                throw new IllegalArgumentException("unsupported template expression '" + m.group() + "' (use {{ $labels.<name> }} or {{ $annotations.<name> }})");
            }
            parts.add(new Part(null, ref.group(1).equals("labels"), ref.group(2)));
            at = m.end();
        }
        if (at < source.length()) {
            String rest = source.substring(at);
            if (rest.contains("{{") || rest.contains("}}")) {
                throw new IllegalArgumentException("unbalanced template braces in '" + source + "'");
            }
            parts.add(new Part(rest, false, null));
        }
        return new NameTemplate(source, List.copyOf(parts));
    }

    /** Renders the template; a missing label or annotation renders as the empty string (and then fails validation). */
    public String render(Map<String, String> labels, Map<String, String> annotations) {
        StringBuilder sb = new StringBuilder();
        for (Part p : parts) {
            if (p.literal != null) {
                sb.append(p.literal);
            } else {
                sb.append((p.fromLabels ? labels : annotations).getOrDefault(p.key, ""));
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return source;
    }
}
