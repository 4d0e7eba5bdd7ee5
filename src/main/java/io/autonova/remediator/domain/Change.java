package io.autonova.remediator.domain;

import java.time.Instant;
import java.util.List;

/**
 * One thing that changed about a target, as the cluster and this service know it: a release (a new pod template,
 * a Deployment revision), a configuration content, a migration Job, a scale, or this service's own action.
 *
 * @param at        when it happened; null when nothing says (then no gate counts it as recent)
 * @param exact     false when {@code at} is an estimate (a re-used ReplicaSet: the rollout's progress time, not its start)
 * @param object    what changed: {@code Deployment shop/web}, {@code ConfigMap shop/web-config}
 * @param from      what it was before, for people ({@code revision 4 (web:1.4.0)}); null for the first known
 * @param to        what it became
 * @param fromRef   what a run checks against: the template hash (release) or content hash (configuration) before
 * @param toRef     ...and after
 * @param details   the differences, names only for Secrets and environment values
 * @param by        who or what made it when known: {@code remediation <name>} for this service's own actions
 */
public record Change(Kind kind, Instant at, boolean exact, String object, String from, String to, String fromRef, String toRef,
                     List<String> details, String by) {

    public enum Kind {
        /** A new pod template rolled out (a Deployment revision). */
        RELEASE,
        /** New content of a ConfigMap or Secret the Deployment reads (from the configuration history). */
        CONFIG,
        /** A migration Job of the release ran. */
        MIGRATION,
        /** The Deployment's replica count changed (a person or an autoscaler). */
        SCALE;

        public String tag() {
            return name().toLowerCase();
        }
    }

    public Change {
        details = details == null ? List.of() : List.copyOf(details);
    }

    /** Made by this service (its own rollback is never a change it undoes). */
    public boolean ours() {
        return by != null && by.startsWith("remediation ");
    }

    /** One line for people: what, from what to what, and the differences. */
    public String describe() {
        StringBuilder b = new StringBuilder(kind.tag()).append(' ').append(object);
        if (from != null || to != null) {
            b.append(": ").append(from == null ? "?" : from).append(" -> ").append(to == null ? "?" : to);
        }
        if (!details.isEmpty()) {
            b.append(" (").append(String.join("; ", details)).append(')');
        }
        if (by != null) {
            b.append(" by ").append(by);
        }
        return b.toString();
    }

    public Change by(String who) {
        return new Change(kind, at, exact, object, from, to, fromRef, toRef, details, who);
    }
}
