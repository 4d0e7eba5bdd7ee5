package io.autonova.remediator.domain;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where the service may act. Some namespaces are refused whatever the configuration says (the control plane's, the
 * service's own, Argo CD's) because an alert label must never aim a rollback at them; then a configurable deny list;
 * then, when set, the allow list. Checked when a decision is taken and again by every cluster call a step makes.
 */
public final class NamespaceGuard {

    /** Never acted in: the control plane's own namespaces. */
    public static final Set<String> SYSTEM = Set.of("kube-system", "kube-public", "kube-node-lease");

    /** Why a namespace is refused; {@code PROTECTED} cannot be lifted by configuration. */
    public enum Verdict { ALLOWED, PROTECTED, DENIED, NOT_ALLOWED }

    private final Map<String, String> protectedWhy;
    private final Set<String> denied;
    private final Set<String> allowed;

    /**
     * @param ownNamespace  the service's state namespace (records, Leases, pauses)
     * @param argoNamespace Argo CD's namespace (its Applications are patched, its workloads never)
     * @param denied        the operator's deny list (may be empty)
     * @param allowed       the operator's allow list; null: every namespace not refused above
     */
    public NamespaceGuard(String ownNamespace, String argoNamespace, Collection<String> denied, Collection<String> allowed) {
        Map<String, String> p = new LinkedHashMap<>();
        for (String s : new TreeSet<>(SYSTEM)) {
            p.put(s, "the control plane's namespace");
        }
        p.put(ownNamespace, "the remediator's own namespace");
        p.putIfAbsent(argoNamespace, "Argo CD's namespace");
        this.protectedWhy = Map.copyOf(p);
        this.denied = Set.copyOf(denied);
        this.allowed = allowed == null ? null : Set.copyOf(allowed);
    }

    public Verdict check(String namespace) {
        if (protectedWhy.containsKey(namespace)) {
            return Verdict.PROTECTED;
        }
        if (denied.contains(namespace)) {
            return Verdict.DENIED;
        }
        return allowed == null || allowed.contains(namespace) ? Verdict.ALLOWED : Verdict.NOT_ALLOWED;
    }

    /** Why the namespace is refused, said for a record or a log line; empty when the service may act there. */
    public Optional<String> refusal(String namespace) {
        return switch (check(namespace)) {
            case ALLOWED -> Optional.empty();
            case PROTECTED -> Optional.of(namespace + " is " + protectedWhy.get(namespace) + " and is never acted in");
            case DENIED -> Optional.of(namespace + " is in remediator.denied-namespaces");
            case NOT_ALLOWED -> Optional.of(namespace + " is not in " + new TreeSet<>(allowed) + " (remediator.allowed-namespaces)");
        };
    }

    /** The allow list, or empty for every namespace not refused. */
    public Optional<Set<String>> allowed() {
        return Optional.ofNullable(allowed);
    }
}
