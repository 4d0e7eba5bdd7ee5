package io.autonova.remediator.domain;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;

import java.util.List;
import java.util.Map;

/**
 * What is taken out of anything a record keeps (and so the API, reports and chat serve): values of containers' inline
 * environment variables, and, in free text such as an undo Job's log, the secret part of connection strings and of
 * {@code password=...}-style pairs, bearer tokens and private keys. RE2: linear in the text, whatever it is.
 */
public final class Redaction {

    public static final String MARK = "<redacted>";

    /** scheme://user:SECRET@host */
    private static final Pattern URL_PASSWORD = Pattern.compile("(?i)([a-z][a-z0-9+.-]*://[^:/@\\s]+:)[^@\\s]+(@)");
    /** password=SECRET, "token": "SECRET", api_key: SECRET ... up to a separator. */
    private static final Pattern PAIR = Pattern.compile(
            "(?i)((?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|credentials?)\"?\\s*[=:]\\s*\"?)[^\\s\"',;&]+");
    private static final Pattern BEARER = Pattern.compile("(?i)(bearer\\s+)[a-z0-9._~+/=-]+");
    private static final Pattern PRIVATE_KEY = Pattern.compile("-----BEGIN [A-Z ]*PRIVATE KEY-----[\\s\\S]*?-----END [A-Z ]*PRIVATE KEY-----");

    private Redaction() {
    }

    /** Free text (a log) with secrets replaced by {@link #MARK}. */
    public static String text(String s) {
        if (s == null || s.isEmpty()) {
            return s;
        }
        String out = replace(PRIVATE_KEY, s, m -> MARK);
        out = replace(URL_PASSWORD, out, m -> m.group(1) + MARK + m.group(2));
        out = replace(PAIR, out, m -> m.group(1) + MARK);
        return replace(BEARER, out, m -> m.group(1) + MARK);
    }

    private static String replace(Pattern p, String s, java.util.function.Function<Matcher, String> with) {
        Matcher m = p.matcher(s);
        StringBuilder b = new StringBuilder(s.length());
        int last = 0;
        while (m.find()) {
            b.append(s, last, m.start()).append(with.apply(m));
            last = m.end();
        }
        return last == 0 ? s : b.append(s, last, s.length()).toString();
    }

    /** A Kubernetes object as JSON with {@link #envValues} applied: what a record may keep of it. */
    public static String envValuesJson(Object object) {
        try {
            return Json.MAPPER.writeValueAsString(envValues(Json.MAPPER.convertValue(object, Object.class)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A Kubernetes object as a JSON-like tree (maps and lists), with every {@code env[].value} replaced by {@link #MARK};
     * references ({@code valueFrom}) are kept: they name where a secret is, not what it is.
     */
    @SuppressWarnings("unchecked")
    public static Object envValues(Object tree) {
        if (tree instanceof Map<?, ?> m) {
            Map<String, Object> out = new java.util.LinkedHashMap<>();
            m.forEach((k, v) -> {
                if ("env".equals(k) && v instanceof List<?> vars) {
                    out.put("env", vars.stream().map(var -> {
                        if (var instanceof Map<?, ?> e && e.get("value") != null) {
                            Map<String, Object> copy = new java.util.LinkedHashMap<>((Map<String, Object>) e);
                            copy.put("value", MARK);
                            return copy;
                        }
                        return var;
                    }).toList());
                } else {
                    out.put(String.valueOf(k), envValues(v));
                }
            });
            return out;
        }
        if (tree instanceof List<?> l) {
            return l.stream().map(Redaction::envValues).toList();
        }
        return tree;
    }
}
