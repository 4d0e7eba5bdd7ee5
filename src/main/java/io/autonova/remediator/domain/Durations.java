package io.autonova.remediator.domain;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations exactly as Prometheus parses them ({@code model.ParseDuration}): units {@code y w d h m s ms}, each
 * at most once, largest to smallest, whole numbers, a bare {@code 0}; a year is 365 days. Anything longer
 * than Prometheus can hold (about 292 years) is an error, never an overflow.
 */
public final class Durations {

    private static final Pattern GRAMMAR = Pattern.compile("(?:(\\d+)y)?(?:(\\d+)w)?(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?(?:(\\d+)ms)?");
    private static final long[] UNIT_MS = {365L * 86_400_000, 7L * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1};
    private static final String[] UNITS = {"y", "w", "d", "h", "m", "s", "ms"};
    /** Prometheus keeps durations as int64 nanoseconds. */
    static final long MAX_MS = Long.MAX_VALUE / 1_000_000;

    private Durations() {
    }

    public static Duration parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("empty duration string");
        }
        if (text.equals("0")) {
            return Duration.ZERO; // Prometheus allows 0 without a unit
        }
        Matcher m = GRAMMAR.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a valid duration string: \"" + text + "\" (units y, w, d, h, m, s, ms, largest first, "
                    + "each once, e.g. 30s, 5m, 1h30m, 1d)");
        }
        long total = 0;
        for (int i = 0; i < UNIT_MS.length; i++) {
            String digits = m.group(i + 1);
            if (digits == null) {
                continue;
            }
            long n;
            try {
                n = Long.parseLong(digits);
            } catch (NumberFormatException e) {
                throw outOfRange(text);
            }
            if (n > MAX_MS / UNIT_MS[i] || total > MAX_MS - n * UNIT_MS[i]) {
                throw outOfRange(text);
            }
            total += n * UNIT_MS[i];
        }
        return Duration.ofMillis(total);
    }

    private static IllegalArgumentException outOfRange(String text) {
        return new IllegalArgumentException("duration out of range: \"" + text + "\" (at most about 292y)");
    }

    /** As Prometheus prints a duration: years and weeks only when exact ({@code 14d} is {@code 2w}, {@code 23d1h} stays). */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0s";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < UNIT_MS.length; i++) {
            boolean exactOnly = i < 2;
            if (exactOnly && ms % UNIT_MS[i] != 0) {
                continue;
            }
            long v = ms / UNIT_MS[i];
            if (v > 0) {
                sb.append(v).append(UNITS[i]);
                ms -= v * UNIT_MS[i];
            }
        }
        return sb.toString();
    }
}
