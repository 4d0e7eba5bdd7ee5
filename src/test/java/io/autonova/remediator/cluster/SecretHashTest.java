package io.autonova.remediator.cluster;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** A Secret's content hash (kept in records and snapshot names) is keyed: without the key it cannot be tested against guesses. */
class SecretHashTest {

    static Secret secret(String password) {
        return new SecretBuilder().withNewMetadata().withName("db").endMetadata()
                .withData(Map.of("password", java.util.Base64.getEncoder().encodeToString(password.getBytes()))).build();
    }

    @AfterEach
    void unkey() {
        ConfigHistory.keySecretHashes(null);
    }

    @Test
    void theHashOfAGuessableSecretDependsOnTheKey() {
        String plain = ConfigHistory.hash(secret("hunter2"));
        assertEquals(ConfigHistory.contentHash(secret("hunter2").getData(), null), plain, "unkeyed without a key (no cluster)");
        ConfigHistory.keySecretHashes(new byte[32]);
        String keyed = ConfigHistory.hash(secret("hunter2"));
        assertNotEquals(plain, keyed, "a guess hashed without the key does not match");
        assertEquals(keyed, ConfigHistory.hash(secret("hunter2")), "stable under one key: history still finds a content again");
        assertEquals(16, keyed.length());
        ConfigHistory.keySecretHashes(new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});
        assertNotEquals(keyed, ConfigHistory.hash(secret("hunter2")), "another cluster's key, another hash");
    }
}
