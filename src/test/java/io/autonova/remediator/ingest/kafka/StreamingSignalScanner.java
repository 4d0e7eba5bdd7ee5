package io.autonova.remediator.ingest.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.autonova.remediator.domain.Signal;

import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;

/**
 * The hot path of Kafka ingest: a flat JSON object of the service's own signal format, read token by token with
 * Jackson's streaming parser (no tree). Anything it does not expect (nesting, literals, fractions, duplicate or
 * unknown shapes) makes it give up and return false; the full parser then reads the record and names any problem.
 * So it never accepts what the full parser would refuse.
 */
final class StreamingSignalScanner {

    private final JsonFactory factory;

    // Results of the last scan.
    Signal.Kind kind;
    String namespace;
    String deployment;
    Instant time;
    long requests;
    long errors;
    long restarts;

    StreamingSignalScanner(JsonFactory factory) {
        this.factory = factory;
    }

    boolean scan(byte[] value, long maxCount) {
        kind = null;
        namespace = null;
        deployment = null;
        time = null;
        requests = -1;
        errors = -1;
        restarts = -1;
        try (JsonParser p = factory.createParser(value)) {
            return scan(p, maxCount);
        } catch (IOException | RuntimeException e) {
            return false; // not JSON, or not as expected: the full parser says why
        }
    }

    private boolean scan(JsonParser p, long maxCount) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            return false;
        }
        String service = null;
        boolean typeSeen = false;
        boolean any = false;
        for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
            any = true;
            JsonToken v = p.nextToken();
            switch (key) {
                case "type" -> {
                    if (typeSeen || v != JsonToken.VALUE_STRING) {
                        return false;
                    }
                    typeSeen = true;
                    String type = p.getText();
                    kind = SignalParser.TYPE_REQUEST_SAMPLE.equals(type) ? Signal.Kind.REQUEST_SAMPLE
                            : SignalParser.TYPE_POD_RESTART.equals(type) ? Signal.Kind.POD_RESTART : null;
                    if (kind == null) {
                        return false;
                    }
                }
                case "namespace" -> {
                    if (namespace != null || v != JsonToken.VALUE_STRING) {
                        return false;
                    }
                    namespace = p.getText();
                }
                case "deployment" -> {
                    if (deployment != null || v != JsonToken.VALUE_STRING) {
                        return false;
                    }
                    deployment = p.getText();
                }
                case "service" -> {
                    if (v != JsonToken.VALUE_STRING) {
                        return false;
                    }
                    service = p.getText();
                }
                case "time" -> {
                    if (time != null || v != JsonToken.VALUE_STRING || (time = instant(p.getText())) == null) {
                        return false;
                    }
                }
                case "requests", "errors", "restarts" -> {
                    long n = count(p, v, maxCount);
                    if (n < 0) {
                        return false;
                    }
                    if (key.equals("requests") && requests < 0) {
                        requests = n;
                    } else if (key.equals("errors") && errors < 0) {
                        errors = n;
                    } else if (key.equals("restarts") && restarts < 0) {
                        restarts = n;
                    } else {
                        return false;
                    }
                }
                case "specversion", "involvedObject", "event", "data" -> {
                    return false;
                }
                default -> {
                    if (v != JsonToken.VALUE_STRING && v != JsonToken.VALUE_NUMBER_INT) {
                        return false; // objects, arrays, literals, fractions: the full parser decides
                    }
                }
            }
        }
        if (!any || p.nextToken() != null || !typeSeen || namespace == null || time == null) {
            return false;
        }
        if (deployment == null) {
            deployment = service;
        }
        return deployment != null;
    }

    /** A non-negative integer up to max; -1 for anything else (strings, fractions, negatives, overflow). */
    private static long count(JsonParser p, JsonToken v, long max) throws IOException {
        if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            return -1;
        }
        long n = p.getLongValue();
        return n < 0 || n > max ? -1 : n;
    }

    /** RFC 3339 in UTC ({@code 2026-11-26T11:59:30.250Z}), as the service's own producers write it; null otherwise. */
    static Instant instant(String s) {
        int n = s.length();
        if (n < 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':' || s.charAt(16) != ':'
                || s.charAt(n - 1) != 'Z') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return null;
        }
        int nanos = 0;
        if (n > 20) {
            int fractionDigits = n - 21;
            if (s.charAt(19) != '.' || fractionDigits < 1 || fractionDigits > 9) {
                return null;
            }
            nanos = digits(s, 20, fractionDigits);
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

    private static int digits(String s, int from, int len) {
        int v = 0;
        for (int i = from; i < from + len; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
