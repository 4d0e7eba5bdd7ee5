package io.autonova.remediator.domain;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NamespaceGuardTest {

    @ParameterizedTest(name = "{0} with allow list [{1}], deny list [{2}]: {3}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
            kube-system     | null          | ''        | PROTECTED
            kube-public     | null          | ''        | PROTECTED
            kube-node-lease | null          | ''        | PROTECTED
            autonova-system | null          | ''        | PROTECTED
            argocd          | null          | ''        | PROTECTED
            kube-system     | kube-system   | ''        | PROTECTED
            autonova-system | autonova-system | ''      | PROTECTED
            argocd          | argocd,apps   | ''        | PROTECTED
            payments        | null          | payments  | DENIED
            payments        | payments      | payments  | DENIED
            apps            | null          | ''        | ALLOWED
            apps            | apps,web      | ''        | ALLOWED
            web2            | apps,web      | ''        | NOT_ALLOWED
            """)
    void refusesWhatMustNeverBeTouchedWhateverTheListsSay(String ns, String allowed, String denied, NamespaceGuard.Verdict expected) {
        NamespaceGuard guard = new NamespaceGuard("autonova-system", "argocd", list(denied), allowed == null ? null : list(allowed));
        assertEquals(expected, guard.check(ns));
        assertEquals(expected == NamespaceGuard.Verdict.ALLOWED, guard.refusal(ns).isEmpty());
    }

    @ParameterizedTest
    @CsvSource({"remediator, remediator", "gitops, gitops"})
    void theServicesOwnAndArgoCdsNamespaceFollowTheirConfiguration(String own, String argo) {
        NamespaceGuard guard = new NamespaceGuard(own + "-system", argo, Set.of(), null);
        assertEquals(NamespaceGuard.Verdict.PROTECTED, guard.check(own + "-system"));
        assertEquals(NamespaceGuard.Verdict.PROTECTED, guard.check(argo));
        assertEquals(NamespaceGuard.Verdict.ALLOWED, guard.check("autonova-system"), "the default name is not protected when the service lives elsewhere");
    }

    private static List<String> list(String csv) {
        return csv.isEmpty() ? List.of() : Arrays.asList(csv.split(","));
    }
}
