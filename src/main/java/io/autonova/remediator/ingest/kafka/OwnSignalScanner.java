package io.autonova.remediator.ingest.kafka;

import io.autonova.remediator.domain.Signal;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;

/**
 * The hot path of Kafka ingest: a flat JSON object of the service's own signal format, scanned in place
 * without a parser or a tree. Anything it does not expect (nesting, escapes, fractions, duplicate or
 * unknown shapes) makes it give up and return false; the full parser then reads the record and names
 * any problem. So it never accepts what the full parser would refuse.
 */
final class OwnSignalScanner {

    private static final byte[] TYPE = bytes("type");
    private static final byte[] NAMESPACE = bytes("namespace");
    private static final byte[] DEPLOYMENT = bytes("deployment");
    private static final byte[] SERVICE = bytes("service");
    private static final byte[] TIME = bytes("time");
    private static final byte[] REQUESTS = bytes("requests");
    private static final byte[] ERRORS = bytes("errors");
    private static final byte[] RESTARTS = bytes("restarts");
    private static final byte[] REQUEST_SAMPLE = bytes(SignalParser.TYPE_REQUEST_SAMPLE);
    private static final byte[] POD_RESTART = bytes(SignalParser.TYPE_POD_RESTART);
    private static final byte[] SPECVERSION = bytes("specversion");
    private static final byte[] INVOLVED_OBJECT = bytes("involvedObject");
    private static final byte[] EVENT = bytes("event");
    private static final byte[] DATA = bytes("data");

    // Results of the last scan.
    Signal.Kind kind;
    String namespace;
    String deployment;
    Instant time;
    long requests;
    long errors;
    long restarts;

    private byte[] in;
    private int pos;
    private int strStart;
    private int strEnd;

    boolean scan(byte[] value, long maxCount) {
        in = value;
        pos = 0;
        kind = null;
        namespace = null;
        deployment = null;
        time = null;
        requests = -1;
        errors = -1;
        restarts = -1;
        String service = null;
        boolean typeSeen = false;
        skipSpace();
        if (!take('{')) {
            return false;
        }
        skipSpace();
        if (peek() == '}') {
            return false;
        }
        while (true) {
            skipSpace();
            if (!string()) {
                return false;
            }
            int keyStart = strStart;
            int keyEnd = strEnd;
            skipSpace();
            if (!take(':')) {
                return false;
            }
            skipSpace();
            byte c = peek();
            if (c == '"') {
                if (!string()) {
                    return false;
                }
                if (is(keyStart, keyEnd, TYPE)) {
                    if (typeSeen) {
                        return false;
                    }
                    typeSeen = true;
                    kind = is(strStart, strEnd, REQUEST_SAMPLE) ? Signal.Kind.REQUEST_SAMPLE : is(strStart, strEnd, POD_RESTART) ? Signal.Kind.POD_RESTART : null;
                    if (kind == null) {
                        return false;
                    }
                } else if (is(keyStart, keyEnd, NAMESPACE)) {
                    if (namespace != null) {
                        return false;
                    }
                    namespace = text();
                } else if (is(keyStart, keyEnd, DEPLOYMENT)) {
                    if (deployment != null) {
                        return false;
                    }
                    deployment = text();
                } else if (is(keyStart, keyEnd, SERVICE)) {
                    service = text();
                } else if (is(keyStart, keyEnd, TIME)) {
                    if (time != null) {
                        return false;
                    }
                    time = instant(in, strStart, strEnd);
                    if (time == null) {
                        return false;
                    }
                } else if (isCountKey(keyStart, keyEnd)) {
                    return false; // a count given as a string
                }
            } else if (c == '-' || c >= '0' && c <= '9') {
                long n = number(maxCount);
                if (n < 0) {
                    return false;
                }
                if (is(keyStart, keyEnd, REQUESTS) && requests < 0) {
                    requests = n;
                } else if (is(keyStart, keyEnd, ERRORS) && errors < 0) {
                    errors = n;
                } else if (is(keyStart, keyEnd, RESTARTS) && restarts < 0) {
                    restarts = n;
                } else if (isCountKey(keyStart, keyEnd) || isSignalField(keyStart, keyEnd)) {
                    return false;
                }
            } else {
                return false; // objects, arrays, literals: the full parser decides
            }
            if (is(keyStart, keyEnd, SPECVERSION) || is(keyStart, keyEnd, INVOLVED_OBJECT) || is(keyStart, keyEnd, EVENT)
                    || is(keyStart, keyEnd, DATA)) {
                return false;
            }
            skipSpace();
            if (take(',')) {
                continue;
            }
            if (take('}')) {
                break;
            }
            return false;
        }
        skipSpace();
        if (pos != in.length || !typeSeen || namespace == null || time == null) {
            return false;
        }
        if (deployment == null) {
            deployment = service;
        }
        return deployment != null;
    }

    private boolean isCountKey(int s, int e) {
        return is(s, e, REQUESTS) || is(s, e, ERRORS) || is(s, e, RESTARTS);
    }

    private boolean isSignalField(int s, int e) {
        return is(s, e, TYPE) || is(s, e, NAMESPACE) || is(s, e, DEPLOYMENT) || is(s, e, SERVICE) || is(s, e, TIME);
    }

    private String text() {
        return new String(in, strStart, strEnd - strStart, StandardCharsets.ISO_8859_1);
    }

    /** A string without escapes or non-ASCII bytes; sets strStart/strEnd to its content. */
    private boolean string() {
        if (!take('"')) {
            return false;
        }
        strStart = pos;
        while (pos < in.length) {
            byte b = in[pos];
            if (b == '"') {
                strEnd = pos++;
                return true;
            }
            if (b == '\\' || b < 0x20) {
                return false; // escapes, control characters and non-ASCII (negative bytes) go to the full parser
            }
            pos++;
        }
        return false;
    }

    /** A non-negative integer up to max; -1 for anything else (fractions, exponents, negatives, overflow). */
    private long number(long max) {
        if (peek() == '-') {
            return -1;
        }
        int start = pos;
        long v = 0;
        while (pos < in.length && in[pos] >= '0' && in[pos] <= '9') {
            v = v * 10 + (in[pos] - '0');
            if (v > max || pos - start > 18) {
                return -1;
            }
            pos++;
        }
        if (pos == start || pos - start > 1 && in[start] == '0') {
            return -1;
        }
        byte next = peek();
        if (next == '.' || next == 'e' || next == 'E') {
            return -1;
        }
        return v;
    }

    /** RFC 3339 in UTC ({@code 2026-11-26T11:59:30.250Z}) between {@code s} and {@code e}; null otherwise. */
    static Instant instant(byte[] in, int s, int e) {
        int n = e - s;
        if (n < 20 || in[s + 4] != '-' || in[s + 7] != '-' || in[s + 10] != 'T' || in[s + 13] != ':' || in[s + 16] != ':' || in[e - 1] != 'Z') {
            return null;
        }
        int year = digits(in, s, 4);
        int month = digits(in, s + 5, 2);
        int day = digits(in, s + 8, 2);
        int hour = digits(in, s + 11, 2);
        int minute = digits(in, s + 14, 2);
        int second = digits(in, s + 17, 2);
        if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return null;
        }
        int nanos = 0;
        if (n > 20) {
            int fractionDigits = n - 21;
            if (in[s + 19] != '.' || fractionDigits < 1 || fractionDigits > 9) {
                return null;
            }
            nanos = digits(in, s + 20, fractionDigits);
            if (nanos < 0) {
                return null;
            }
            for (int i = fractionDigits; i < 9; i++) {
                nanos *= 10;
            }
        }
        try {
            return Instant.ofEpochSecond(LocalDate.of(year, month, day).toEpochDay() * 86400 + hour * 3600L + minute * 60L + second, nanos);
        } catch (DateTimeException ex) {
            return null;
        }
    }

    private static int digits(byte[] in, int from, int len) {
        int v = 0;
        for (int i = from; i < from + len; i++) {
            byte c = in[i];
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private boolean is(int s, int e, byte[] word) {
        if (e - s != word.length) {
            return false;
        }
        for (int i = 0; i < word.length; i++) {
            if (in[s + i] != word[i]) {
                return false;
            }
        }
        return true;
    }

    private byte peek() {
        return pos < in.length ? in[pos] : 0;
    }

    private boolean take(char c) {
        if (pos < in.length && in[pos] == c) {
            pos++;
            return true;
        }
        return false;
    }

    private void skipSpace() {
        while (pos < in.length && (in[pos] == ' ' || in[pos] == '\n' || in[pos] == '\r' || in[pos] == '\t')) {
            pos++;
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
