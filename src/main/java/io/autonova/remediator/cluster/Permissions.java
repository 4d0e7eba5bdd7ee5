package io.autonova.remediator.cluster;

import io.autonova.remediator.rules.Scenario;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;

/**
 * The Kubernetes permissions the service needs for what it is configured to do: its own state, and in each namespace
 * it may act in, the calls of the scenarios its rules use. The same list k8s/base/rbac.yaml grants; checked at start
 * (and again periodically) with SelfSubjectAccessReviews so a missing verb is said loudly instead of failing a run.
 */
public final class Permissions {

    /** One call: {@code namespace} empty for cluster-wide, {@code name} empty for any object. */
    public record Permission(String namespace, String group, String resource, String name, String verb, String why) {
        public String describe() {
            return verb + " " + resource + (group.isEmpty() ? "" : "." + group) + (name.isEmpty() ? "" : " " + name)
                    + (namespace.isEmpty() ? " (all namespaces)" : " in " + namespace) + " (" + why + ")";
        }
    }

    private Permissions() {
    }

    /**
     * @param actIn            namespaces it may act in; an empty list means every namespace (cluster-wide RBAC)
     * @param secretNamespaces namespaces whose Secrets it keeps and restores ({@code *}: all of {@code actIn})
     */
    public static List<Permission> required(String stateNamespace, String policyConfigMap, Collection<String> actIn, Collection<Scenario> scenarios, boolean configHistory,
                                            Collection<String> secretNamespaces, String argoNamespace) {
        // Keyed by the call (everything but the reason): the first reason given for a call is kept (records before history...).
        Map<String, Permission> out = new LinkedHashMap<>();
        String s = stateNamespace;
        verbs(out, s, "autonova.io", "remediations", "records", "get", "list", "watch", "create", "update", "delete");
        verbs(out, s, "autonova.io", "remediationpauses", "pauses", "list", "watch", "create", "delete");
        verbs(out, s, "coordination.k8s.io", "leases", "run ownership and target state", "get", "list", "watch", "create", "update");
        named(out, s, "", "configmaps", policyConfigMap, "policy state", "get", "update");
        verbs(out, s, "", "configmaps", "policy state", "list", "watch", "create");
        verbs(out, s, "events.k8s.io", "events", "Events on records", "create", "patch");
        // The key that seals records (KubernetesStateStore.SEAL_SECRET): read by name, created once by the first replica.
        named(out, s, "", "secrets", "autonova-remediator-seal", "the records' seal key", "get");
        verbs(out, s, "", "secrets", "the records' seal key, created once", "create");
        List<String> where = actIn.isEmpty() ? List.of("") : List.copyOf(actIn);
        for (String ns : where) {
            verbs(out, ns, "apps", "deployments", "rollback", "get", "patch");
            verbs(out, ns, "apps", "deployments", "change timeline", "list", "watch");
            verbs(out, ns, "apps", "replicasets", "rollback", "list");
            verbs(out, ns, "apps", "replicasets", "change timeline", "watch");
            verbs(out, ns, "events.k8s.io", "events", "Events on targets", "create", "patch");
            if (configHistory) {
                verbs(out, ns, "", "configmaps", "configuration history", "get", "list", "watch", "create", "patch", "delete");
            }
            for (Scenario scenario : scenarios) {
                for (Scenario.Call call : scenario.calls()) {
                    verbs(out, ns, call.group(), call.resource(), call.why(), call.verbs().toArray(String[]::new));
                }
            }
        }
        boolean allSecrets = secretNamespaces.contains("*");
        for (String ns : allSecrets ? where : secretNamespaces) {
            verbs(out, ns, "", "secrets", "configuration history of Secrets", "get", "list", "watch", "create", "patch", "delete");
        }
        if (scenarios.stream().anyMatch(Scenario::throughArgoCd)) {
            // Only used when a target names its Argo CD Application; asked for, not required (see optional()).
            verbs(out, argoNamespace, "argoproj.io", "applications", "Argo CD", "get", "patch");
        }
        return new ArrayList<>(out.values());
    }

    /**
     * What operators' own Kubernetes tokens on the operator API need (Kubernetes' {@code system:auth-delegator} role):
     * each bearer token is checked with a TokenReview, each action with a SubjectAccessReview.
     */
    public static List<Permission> operatorAccess() {
        return OPERATOR_ACCESS;
    }

    private static final String OPERATOR_ACCESS_WHY = "operators' own Kubernetes tokens on the operator API";
    private static final List<Permission> OPERATOR_ACCESS = List.of(
            new Permission("", "authentication.k8s.io", "tokenreviews", "", "create", OPERATOR_ACCESS_WHY),
            new Permission("", "authorization.k8s.io", "subjectaccessreviews", "", "create", OPERATOR_ACCESS_WHY));

    /**
     * Reported but not making the service unready when missing: Argo CD and External Secrets may not be installed, and
     * without the auth-delegator binding only operators' Kubernetes tokens fail (alerts, runs and the admin token do not).
     */
    public static boolean optional(Permission p) {
        return p.group().equals("argoproj.io") || p.group().equals("external-secrets.io") || operatorAccess().contains(p);
    }

    private static void verbs(Map<String, Permission> out, String ns, String group, String resource, String why, String... verbs) {
        named(out, ns, group, resource, "", why, verbs);
    }

    private static void named(Map<String, Permission> out, String ns, String group, String resource, String name, String why, String... verbs) {
        for (String v : verbs) {
            out.putIfAbsent(String.join("|", ns, group, resource, name, v), new Permission(ns, group, resource, name, v, why));
        }
    }
}
