package io.autonova.remediator.ingest.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.autonova.remediator.domain.Signal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

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

    /** The hand-written scanner's own RFC 3339 reader: the comparison is of the JSON reading, not of the time parsing. */
    private static Instant instant(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        return OwnSignalScanner.instant(b, 0, b.length);
    }
}
