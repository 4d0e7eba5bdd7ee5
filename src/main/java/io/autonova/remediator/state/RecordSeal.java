package io.autonova.remediator.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.autonova.remediator.domain.Hashes;
import io.autonova.remediator.domain.Json;

import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Binds a Remediation record to this service: an HMAC-SHA256, under a key kept in a Secret of the service's namespace,
 * over the record's name, creation time, spec and status as stored. A record written by anyone else (a hand-written
 * PENDING record the policy never saw), or changed outside the service (an undo image edited in), does not verify and
 * never acts. Only {@code spec.abortRequested} and {@code spec.abortRequestedBy} are left out: asking for an abort with
 * {@code kubectl patch} only makes the service undo the steps it recorded itself.
 */
public final class RecordSeal {

    public static final String ANNOTATION = "autonova.io/seal";
    private static final List<String> UNSEALED_SPEC = List.of("abortRequested", "abortRequestedBy");
    private final SecretKeySpec key;

    public RecordSeal(byte[] key) {
        if (key.length < 32) {
            throw new IllegalArgumentException("a record seal key has at least 32 bytes, this one " + key.length);
        }
        this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
    }

    public static byte[] newKey() {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        return k;
    }

    /** The seal of a record as stored: {@code spec} and {@code status} as the maps sent to (or read from) the API server. */
    public String seal(String name, String createdAt, Object spec, Object status) {
        try {
            Map<String, Object> sealed = new TreeMap<>();
            sealed.put("name", name);
            sealed.put("createdAt", createdAt);
            Object s = canonical(spec);
            if (s instanceof Map<?, ?> m) {
                UNSEALED_SPEC.forEach(m::remove);
            }
            sealed.put("spec", s);
            sealed.put("status", canonical(status));
            byte[] bytes = Json.MAPPER.writeValueAsBytes(canonical(sealed));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Hashes.hmacSha256(key, bytes));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot seal record " + name, e);
        }
    }

    /** A key for another purpose, derived from this one (HMAC of the purpose): one Secret to keep, one to rotate. */
    public byte[] derive(String purpose) {
        return Hashes.hmacSha256(key, ("autonova derived key: " + purpose).getBytes(StandardCharsets.UTF_8));
    }

    public boolean verifies(String name, String createdAt, Object spec, Object status, String seal) {
        return seal != null && MessageDigest.isEqual(seal(name, createdAt, spec, status).getBytes(StandardCharsets.US_ASCII),
                seal.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * The same value whoever serialised it: keys sorted, nulls dropped (the API server prunes them), whole numbers as
     * longs (a Go server writes 2.0 back as 2).
     */
    @SuppressWarnings("unchecked")
    static Object canonical(Object value) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof Map<?, ?>) && !(value instanceof List<?>) && !(value instanceof String) && !(value instanceof Number)
                && !(value instanceof Boolean)) {
            value = Json.MAPPER.convertValue(value, Object.class);
        }
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = new TreeMap<>();
            m.forEach((k, v) -> {
                Object c = canonical(v);
                if (c != null) {
                    out.put(String.valueOf(k), c);
                }
            });
            return out;
        }
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            l.forEach(v -> out.add(canonical(v)));
            return out;
        }
        if (value instanceof Number n && !(n instanceof Long) && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) < 1e15) {
            return n.longValue();
        }
        return value;
    }
}
