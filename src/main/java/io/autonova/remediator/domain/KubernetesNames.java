package io.autonova.remediator.domain;

import java.util.Optional;
import java.util.regex.Pattern;

/** Validation of names before they reach any Kubernetes API call. */
public final class KubernetesNames {

    // RFC 1123 label: namespaces, and the strictest common form for object names.
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    // RFC 1123 subdomain: Deployment and Application names.
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private KubernetesNames() {
    }

    /** Returns why {@code value} is not a valid namespace name, or empty when it is. */
    public static Optional<String> namespaceProblem(String value) {
        if (value == null || value.isEmpty()) {
            return Optional.of("is empty");
        }
        if (value.length() > 63) {
            return Optional.of("is longer than 63 characters");
        }
        if (!DNS_LABEL.matcher(value).matches()) {
            return Optional.of("is not a valid RFC 1123 label (lower case alphanumerics and '-')");
        }
        return Optional.empty();
    }

    /** Returns why {@code value} is not a valid object name (DNS subdomain), or empty when it is. */
    public static Optional<String> objectNameProblem(String value) {
        if (value == null || value.isEmpty()) {
            return Optional.of("is empty");
        }
        if (value.length() > 253) {
            return Optional.of("is longer than 253 characters");
        }
        if (!DNS_SUBDOMAIN.matcher(value).matches()) {
            return Optional.of("is not a valid RFC 1123 subdomain (lower case alphanumerics, '-' and '.')");
        }
        return Optional.empty();
    }

    /** A short, log-safe rendering of an untrusted value. */
    public static String quoteUntrusted(String value) {
        if (value == null) {
            return "null";
        }
        String shown = value.length() > 64 ? value.substring(0, 64) + "..." : value;
        StringBuilder sb = new StringBuilder("\"");
        for (char c : shown.toCharArray()) {
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\u%04x", (int) c));
            } else if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
