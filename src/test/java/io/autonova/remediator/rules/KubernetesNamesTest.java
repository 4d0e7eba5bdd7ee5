package io.autonova.remediator.rules;

import io.autonova.remediator.domain.KubernetesNames;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KubernetesNamesTest {

    @Test
    void hostileValuesAreRejected() {
        for (String bad : new String[]{"../x", "Prod", "a".repeat(300), "demo\nx", "", "-x", "x-", "a/b", "a b", "ü"}) {
            assertTrue(KubernetesNames.objectNameProblem(bad).isPresent(), bad);
            assertTrue(KubernetesNames.namespaceProblem(bad).isPresent(), bad);
        }
        assertTrue(KubernetesNames.namespaceProblem("a.b").isPresent(), "namespaces are labels, not subdomains");
        assertTrue(KubernetesNames.namespaceProblem("a".repeat(64)).isPresent());
    }

    @Test
    void validNamesPass() {
        assertFalse(KubernetesNames.namespaceProblem("prod").isPresent());
        assertFalse(KubernetesNames.objectNameProblem("checkout-api").isPresent());
        assertFalse(KubernetesNames.objectNameProblem("api.v2").isPresent());
        assertFalse(KubernetesNames.objectNameProblem("a".repeat(253)).isPresent());
    }

    @Test
    void untrustedValuesAreQuotedSafelyForLogs() {
        assertEquals("\"demo\\u000ax\"", KubernetesNames.quoteUntrusted("demo\nx"));
        assertEquals(67 + 2, KubernetesNames.quoteUntrusted("a".repeat(300)).length());
    }
}
