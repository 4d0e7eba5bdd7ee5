package io.autonova.remediator.domain;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Prometheus-style durations: {@code 30s}, {@code 5m}, {@code 1h30m}, {@code 1d}, {@code 500ms}. */
public final class Durations {

    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d|w)");

    private Durations() {
    }

    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty duration");
        }
        String s = text.strip();
        Matcher m = PART.matcher(s);
        int at = 0;
        Duration total = Duration.ZERO;
        while (at < s.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new IllegalArgumentException("invalid duration '" + text + "' (use e.g. 30s, 5m, 1h30m, 1d)");
            }
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            });
            at = m.end();
        }
        return total;
    }

    public static String format(Duration d) {
        long s = d.getSeconds();
        if (s == 0) {
            return d.toMillis() + "ms";
        }
        StringBuilder sb = new StringBuilder();
        if (s >= 86400) {
            sb.append(s / 86400).append('d');
            s %= 86400;
        }
        if (s >= 3600) {
            sb.append(s / 3600).append('h');
            s %= 3600;
        }
        if (s >= 60) {
            sb.append(s / 60).append('m');
            s %= 60;
        }
        if (s > 0) {
            sb.append(s).append('s');
        }
        return sb.toString();
    }
}
