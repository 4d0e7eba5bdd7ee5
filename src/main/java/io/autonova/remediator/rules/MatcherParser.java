package io.autonova.remediator.rules;

import com.google.re2j.PatternSyntaxException;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Alertmanager's matcher syntax as its 0.27 parser reads it ({@code matcher/parse}): one matcher or a list,
 * with or without braces, a trailing comma allowed; label names and values bare or double-quoted. Quoted
 * text is a Go string literal (backslash escapes n, t, quote, backslash, x with 2 hex digits, u with 4, U with 8,
 * and three octal digits), so UTF-8 names such as
 * {@code "service.name"} work; any other escape is an error, as it is there. Bare text stops at whitespace
 * and at {@code { } , = ! ~ \ " ' `}. Regexes are RE2, fully anchored.
 */
public final class MatcherParser {

    private static final String RESERVED = "{}!=~,\\\"'`";

    private final String input;
    private int pos;

    private MatcherParser(String input) {
        this.input = input;
    }

    /** Parses a matcher or a list of matchers; throws {@link IllegalArgumentException} with the position and reason. */
    public static List<LabelMatcher> parse(String input) {
        if (input == null || input.isBlank()) {
            throw new IllegalArgumentException("no matchers");
        }
        List<LabelMatcher> all = new MatcherParser(input).parseAll();
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no matchers");
        }
        return all;
    }

    private List<LabelMatcher> parseAll() {
        List<LabelMatcher> result = new ArrayList<>();
        skipSpace();
        boolean braced = peek() == '{';
        if (braced) {
            pos++;
        }
        while (true) {
            skipSpace();
            if (pos >= input.length()) {
                if (braced) {
                    throw error("end of input: expected close brace");
                }
                return result;
            }
            char c = input.charAt(pos);
            if (c == '}') {
                if (!braced) {
                    throw error("}: expected opening brace");
                }
                pos++;
                skipSpace();
                if (pos < input.length()) {
                    throw error("unexpected " + input.substring(pos) + " after the close brace");
                }
                return result;
            }
            result.add(parseOne());
            skipSpace();
            if (pos < input.length() && input.charAt(pos) == ',') {
                pos++;
            } else if (pos < input.length() && input.charAt(pos) != '}') {
                throw error("unexpected " + input.charAt(pos) + ": expected a comma or close brace");
            }
        }
    }

    private LabelMatcher parseOne() {
        int at = pos;
        String name = text("label name");
        if (name.isEmpty()) {
            throw error("empty label name", at);
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
            throw error(pos >= input.length() ? "end of input: expected an operator (=, !=, =~, !~) after " + name
                    : "unexpected " + input.charAt(pos) + ": expected an operator (=, !=, =~, !~) after " + name);
        }
        pos += type.symbol.length();
        skipSpace();
        String value = text("label value");
        try {
            return new LabelMatcher(name, type, value);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("invalid regular expression for label '" + name + "': " + e.getDescription());
        }
    }

    /** A bare or quoted token. */
    private String text(String what) {
        if (pos >= input.length()) {
            throw error("end of input: expected " + what);
        }
        if (input.charAt(pos) == '"') {
            return quoted();
        }
        int start = pos;
        while (pos < input.length() && !reserved(input.charAt(pos))) {
            pos++;
        }
        if (pos == start && what.equals("label name")) {
            throw error("unexpected " + input.charAt(pos) + ": expected " + what);
        }
        if (pos < input.length() && input.charAt(pos) == '\\') {
            throw error("\\: invalid input: escapes are only allowed in double quotes");
        }
        return input.substring(start, pos);
    }

    private static boolean reserved(char c) {
        return Character.isWhitespace(c) || RESERVED.indexOf(c) >= 0;
    }

    /** A Go double-quoted string literal; the bytes it denotes must be valid UTF-8. */
    private String quoted() {
        int start = pos++;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        while (pos < input.length()) {
            char c = input.charAt(pos++);
            if (c == '"') {
                try {
                    return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
                } catch (CharacterCodingException e) {
                    throw error(input.substring(start, pos) + ": invalid input: not valid UTF-8", start);
                }
            }
            if (c == '\n') {
                break;
            }
            if (c != '\\') {
                // A surrogate pair is one code point: encode the two chars together.
                boolean pair = Character.isHighSurrogate(c) && pos < input.length() && Character.isLowSurrogate(input.charAt(pos));
                bytes.writeBytes(input.substring(pos - 1, pair ? ++pos : pos).getBytes(StandardCharsets.UTF_8));
                continue;
            }
            if (pos >= input.length()) {
                break;
            }
            char e = input.charAt(pos++);
            switch (e) {
                case 'a' -> bytes.write(7);
                case 'b' -> bytes.write('\b');
                case 'f' -> bytes.write('\f');
                case 'n' -> bytes.write('\n');
                case 'r' -> bytes.write('\r');
                case 't' -> bytes.write('\t');
                case 'v' -> bytes.write(11);
                case '\\', '"' -> bytes.write(e);
                case 'x' -> bytes.write(hex(2, start));
                case 'u' -> bytes.writeBytes(new String(Character.toChars(hex(4, start))).getBytes(StandardCharsets.UTF_8));
                case 'U' -> {
                    int cp = hex(8, start);
                    if (!Character.isValidCodePoint(cp)) {
                        throw error("invalid input: \\U" + Integer.toHexString(cp) + " is not a Unicode code point", start);
                    }
                    bytes.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                }
                case '0', '1', '2', '3' -> {
                    pos--;
                    int v = 0;
                    for (int i = 0; i < 3; i++) {
                        char d = pos < input.length() ? input.charAt(pos++) : 'x';
                        if (d < '0' || d > '7') {
                            throw error("invalid input: an octal escape needs three digits", start);
                        }
                        v = v * 8 + (d - '0');
                    }
                    bytes.write(v);
                }
                default -> throw error(input.substring(start, Math.min(input.length(), pos)) + ": invalid input: unknown escape \\" + e
                        + " (write \\\\" + e + " for a regex escape, as Alertmanager requires)", start);
            }
        }
        throw error("unterminated quoted string", start);
    }

    private int hex(int digits, int start) {
        if (pos + digits > input.length()) {
            throw error("invalid input: escape needs " + digits + " hex digits", start);
        }
        try {
            int v = Integer.parseUnsignedInt(input.substring(pos, pos + digits), 16);
            pos += digits;
            return v;
        } catch (NumberFormatException e) {
            throw error("invalid input: escape needs " + digits + " hex digits", start);
        }
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
        return error(message, pos);
    }

    private IllegalArgumentException error(String message, int at) {
        return new IllegalArgumentException(at + ": " + message + " in '" + input + "'");
    }
}
