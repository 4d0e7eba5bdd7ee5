package io.autonova.remediator.api;

import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.config.Secrets;
import jakarta.inject.Singleton;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * The two bearer tokens, read once at start-up. Missing or identical tokens stop the service from
 * starting: a remediator that anyone can drive must never run.
 */
@io.quarkus.runtime.Startup
@Singleton
public class Tokens {

    private final byte[] webhookDigest;
    private final byte[] adminDigest;

    public Tokens(RemediatorConfig config) {
        Optional<String> webhook = Secrets.resolve(config.webhook().token(), config.webhook().tokenFile());
        Optional<String> admin = Secrets.resolve(config.admin().token(), config.admin().tokenFile());
        if (webhook.isEmpty()) {
            throw new IllegalStateException("remediator.webhook.token (or remediator.webhook.token-file) must be set");
        }
        if (admin.isEmpty()) {
            throw new IllegalStateException("remediator.admin.token (or remediator.admin.token-file) must be set");
        }
        if (webhook.get().equals(admin.get())) {
            throw new IllegalStateException("remediator.admin.token must differ from remediator.webhook.token");
        }
        webhookDigest = sha256(webhook.get());
        adminDigest = sha256(admin.get());
    }

    public boolean webhookAuthorized(String authorizationHeader) {
        return matches(authorizationHeader, webhookDigest);
    }

    public boolean adminAuthorized(String authorizationHeader) {
        return matches(authorizationHeader, adminDigest);
    }

    // Comparing fixed-length digests with MessageDigest.isEqual is constant-time and hides the token length.
    private static boolean matches(String header, byte[] expected) {
        return bearer(header).map(t -> MessageDigest.isEqual(sha256(t), expected)).orElse(false);
    }

    /** The token of an {@code Authorization: Bearer <token>} header. */
    static Optional<String> bearer(String header) {
        return header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? Optional.of(header.substring(7).strip()) : Optional.empty();
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
