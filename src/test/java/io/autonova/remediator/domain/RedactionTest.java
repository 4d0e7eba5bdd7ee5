package io.autonova.remediator.domain;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RedactionTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "connecting to postgres://app:hunter2@db:5432/orders    | connecting to postgres://app:<redacted>@db:5432/orders",
            "jdbc:mysql://root:s3cr3t@mysql/app?ssl=true             | jdbc:mysql://root:<redacted>@mysql/app?ssl=true",
            "flyway.password=hunter2 flyway.user=app                | flyway.password=<redacted> flyway.user=app",
            "'{\"token\": \"abc.def\", \"ok\": true}'               | '{\"token\": \"<redacted>\", \"ok\": true}'",
            "Authorization: Bearer eyJhbGciOi.x-y_z                 | Authorization: Bearer <redacted>",
            "API_KEY: AKIA1234 then more                            | API_KEY: <redacted> then more",
            "Successfully undid 1 migration                         | Successfully undid 1 migration",
    })
    void secretsInFreeTextAreRedacted(String in, String out) {
        assertEquals(out, Redaction.text(in));
    }

    @Test
    void aPrivateKeyGoesWhole() {
        assertEquals("key: <redacted> done", Redaction.text("key: -----BEGIN RSA PRIVATE KEY-----\nMIIE\nabc\n-----END RSA PRIVATE KEY----- done"));
    }

    @Test
    void inlineEnvironmentValuesGoAndReferencesStay() {
        Map<String, Object> pod = Map.of("containers", List.of(Map.of("name", "app", "env", List.of(
                Map.of("name", "DB_PASSWORD", "value", "hunter2"),
                Map.of("name", "DB_USER", "valueFrom", Map.of("secretKeyRef", Map.of("name", "db", "key", "user")))))));
        assertEquals(Map.of("containers", List.of(Map.of("name", "app", "env", List.of(
                Map.of("name", "DB_PASSWORD", "value", "<redacted>"),
                Map.of("name", "DB_USER", "valueFrom", Map.of("secretKeyRef", Map.of("name", "db", "key", "user"))))))), Redaction.envValues(pod));
    }
}
