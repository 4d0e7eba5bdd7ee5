package io.autonova.remediator.api;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Slack's request signing: {@code X-Slack-Signature} is {@code v0=} and the hex HMAC-SHA256, under the app's signing
 * secret, of {@code v0:<X-Slack-Request-Timestamp>:<raw body>}. Requests more than five minutes from now are refused
 * (a captured request cannot be replayed later); the comparison takes the same time whatever matches. Pure.
 */
public final class SlackSignature {

    public static final Duration MAX_AGE = Duration.ofMinutes(5);

    private SlackSignature() {
    }

    /** Why the request is not Slack's, or empty when it is. */
    public static Optional<String> problem(byte[] secret, String timestamp, String signature, String body, Instant now) {
        if (timestamp == null || signature == null) {
            return Optional.of("missing X-Slack-Request-Timestamp or X-Slack-Signature");
        }
        long ts;
        try {
            ts = Long.parseLong(timestamp.trim());
        } catch (NumberFormatException e) {
            return Optional.of("X-Slack-Request-Timestamp is not a number");
        }
        if (Math.abs(now.getEpochSecond() - ts) > MAX_AGE.toSeconds()) {
            return Optional.of("the request's timestamp is more than 5 minutes from now (stale or replayed)");
        }
        byte[] expected = ("v0=" + sign(secret, timestamp.trim(), body)).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, signature.trim().getBytes(StandardCharsets.US_ASCII))) {
            return Optional.of("the signature does not match (not signed with this app's signing secret)");
        }
        return Optional.empty();
    }

    /** The hex signature of a request (also what tests sign with). */
    public static String sign(byte[] secret, String timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(("v0:" + timestamp + ":" + body).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
