package io.autonova.remediator.domain;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Stable names derived from data, the same on every replica. */
public final class Hashes {

    private Hashes() {
    }

    /** HMAC-SHA256 of {@code data} under {@code key} (an {@code HmacSHA256} key). */
    public static byte[] hmacSha256(javax.crypto.spec.SecretKeySpec key, byte[] data) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(data);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first 16 hex digits of SHA-256. */
    public static String sha256Hex(String identity) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
