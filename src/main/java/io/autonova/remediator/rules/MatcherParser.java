package io.autonova.remediator.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Parses Alertmanager's matcher syntax: a single matcher ({@code severity=~"critical|page"}) or a
 * brace-enclosed, comma-separated list ({@code {alertname="X", namespace!="kube-system"}}).
 * Values may be double-quoted (with {@code \"}, {@code \\} and {@code \n} escapes) or bare.
 */
public final class MatcherParser {

    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private final String input;
    private int pos;

    private MatcherParser(String input) {
        this.input = input;
    }

    /** Parses one matcher expression or a brace list; throws {@link IllegalArgumentException} with the reason. */
    public static List<LabelMatcher> parse(String input) {
        if (input == null || input.isBlank()) {
            throw new IllegalArgumentException("empty matcher");
        }
        MatcherParser parser = new MatcherParser(input.strip());
        return parser.parseAll();
    }

    private List<LabelMatcher> parseAll() {
        List<LabelMatcher> result = new ArrayList<>();
        boolean braced = peek() == '{';
        if (braced) {
            pos++;
            skipSpace();
            if (peek() == '}') {
                throw error("empty matcher list");
            }
        }
        while (true) {
            result.add(parseOne());
            skipSpace();
            if (pos >= input.length()) {
                break;
            }
            char c = input.charAt(pos);
            if (c == ',') {
                pos++;
                skipSpace();
                if (braced && peek() == '}') {
                    break;
                }
                if (!braced) {
                    throw error("several matchers must be enclosed in braces");
                }
                continue;
            }
            if (braced && c == '}') {
                break;
            }
            throw error("unexpected '" + c + "'");
        }
        if (braced) {
            skipSpace();
            if (peek() != '}') {
                throw error("missing closing '}'");
            }
            pos++;
            skipSpace();
            if (pos < input.length()) {
                throw error("unexpected text after '}'");
            }
        }
        return List.copyOf(result);
    }

    private LabelMatcher parseOne() {
        skipSpace();
        int start = pos;
        while (pos < input.length() && (Character.isLetterOrDigit(input.charAt(pos)) || input.charAt(pos) == '_')) {
            pos++;
        }
        String name = input.substring(start, pos);
        if (!LABEL_NAME.matcher(name).matches()) {
            throw error("invalid label name '" + name + "'");
        }
        skipSpace();
        LabelMatcher.Type type;
        if (input.startsWith("=~", pos)) {
            type = LabelMatcher.Type.REGEX;
        } else if (input.startsWith("!~", pos)) {
            type = LabelMatcher.Type.NOT_REGEX;
        } else if (input.startsWith("!=", pos)) {
            type = LabelMatcher.Type.NOT_EQUAL;
        } else if (input.startsWith("=", pos)) {
            type = LabelMatcher.Type.EQUAL;
        } else {
            throw error("expected one of =, !=, =~, !~ after label name '" + name + "'");
        }
        pos += type.symbol.length();
        skipSpace();
        String value = peek() == '"' ? quoted() : bare();
        try {
            return new LabelMatcher(name, type, value);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("invalid regular expression for label '" + name + "': " + e.getDescription());
        }
    }

    private String quoted() {
        pos++;
        StringBuilder sb = new StringBuilder();
        while (pos < input.length()) {
            char c = input.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if (c == '\\') {
                if (pos >= input.length()) {
                    break;
                }
                char e = input.charAt(pos++);
                switch (e) {
                    case 'n' -> sb.append('\n');
                    case '"', '\\' -> sb.append(e);
                    // Unknown escapes are kept as written: regexes like "\d+" must survive.
                    default -> sb.append('\\').append(e);
                }
            } else {
                sb.append(c);
            }
        }
        throw error("unterminated quoted value");
    }

    private String bare() {
        int start = pos;
        while (pos < input.length()) {
            char c = input.charAt(pos);
            if (c == ',' || c == '}' || c == '"') {
                break;
            }
            pos++;
        }
        return input.substring(start, pos).strip();
    }

    private char peek() {
        return pos < input.length() ? input.charAt(pos) : '\0';
    }

    private void skipSpace() {
        while (pos < input.length() && Character.isWhitespace(input.charAt(pos))) {
            pos++;
        }
    }

    private IllegalArgumentException error(String message) {
        return new IllegalArgumentException(message + " at position " + pos + " in '" + input + "'");
    }
}
