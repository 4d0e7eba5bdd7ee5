package io.autonova.remediator.cluster;

import io.autonova.remediator.domain.NamespaceGuard;
import io.autonova.remediator.domain.TargetRefused;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The last door: a call aimed at a protected namespace, a denied one or an invalid name never reaches the cluster. */
class GuardedClusterActionsTest {

    final List<String> sent = new ArrayList<>();
    final ClusterActions recording = (ClusterActions) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{ClusterActions.class},
            (p, m, args) -> {
                sent.add(m.getName() + (args == null ? "" : " " + args[0]));
                return switch (m.getReturnType().getSimpleName()) {
                    case "Optional" -> Optional.empty();
                    case "List" -> List.of();
                    case "boolean" -> false;
                    default -> null;
                };
            });
    final GuardedClusterActions guarded = new GuardedClusterActions(recording,
            new NamespaceGuard("autonova-system", "argocd", Set.of("payments"), Set.of("apps", "web", "payments")), "argocd", Set.of("apps"));

    @Test
    void protectedDeniedAndUnlistedNamespacesAreRefusedBeforeAnyCall() {
        for (String ns : List.of("kube-system", "kube-public", "kube-node-lease", "autonova-system", "argocd", "payments", "other")) {
            TargetRefused e = assertThrows(TargetRefused.class, () -> guarded.patchDeployment(ns, "api", "[]"), ns);
            assertTrue(e.getMessage().contains(ns), e.getMessage());
            assertThrows(TargetRefused.class, () -> guarded.createJob(new JobBuilder().withNewMetadata().withNamespace(ns).withName("undo").endMetadata().build()));
            assertThrows(TargetRefused.class, () -> guarded.deployment(ns, "api"), "reads too: a step never looks where it may not act");
        }
        assertEquals(List.of(), sent);
    }

    @Test
    void invalidNamesFromARecordAreRefused() {
        assertThrows(TargetRefused.class, () -> guarded.patchDeployment("apps", "../secrets", "[]"));
        assertThrows(TargetRefused.class, () -> guarded.patchDeployment("Apps", "api", "[]"));
        assertThrows(TargetRefused.class, () -> guarded.createConfigMap(new ConfigMapBuilder().withNewMetadata().withNamespace("apps").withName("a/b").endMetadata().build()));
        assertEquals(List.of(), sent);
    }

    @Test
    void argoApplicationsOnlyInArgoCdsNamespaceAndSecretsOnlyWhereListed() {
        assertThrows(TargetRefused.class, () -> guarded.argoApplication("apps", "api"));
        assertThrows(TargetRefused.class, () -> guarded.mergePatchArgoApplication("kube-system", "api", Map.of()));
        guarded.argoApplication("argocd", "api");
        assertThrows(TargetRefused.class, () -> guarded.secret("web", "db"), "web may be acted in, but its Secrets are not handled");
        guarded.secret("apps", "db");
        guarded.patchDeployment("web", "api", "[]");
        assertEquals(List.of("argoApplication argocd", "secret apps", "patchDeployment web"), sent);
    }
}
