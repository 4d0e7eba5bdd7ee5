package io.autonova.remediator.policy;

import java.util.List;

/** What the policy engine reads to decide: active pauses, the target's state and the shared state. */
public record PolicyState(List<Pause> pauses, TargetState target, GlobalState global) {

    public static final PolicyState EMPTY = new PolicyState(List.of(), TargetState.EMPTY, GlobalState.EMPTY);

    public PolicyState {
        pauses = pauses == null ? List.of() : List.copyOf(pauses);
        target = target == null ? TargetState.EMPTY : target;
        global = global == null ? GlobalState.EMPTY : global;
    }

    /**
     * Whether {@code other} is this very state: the same shared and target objects (the caches replace them on every
     * change) and equal pauses. A decision taken on one holds on the other.
     */
    public boolean sameAs(PolicyState other) {
        return global == other.global && target == other.target && pauses.equals(other.pauses);
    }
}
