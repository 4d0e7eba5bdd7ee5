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
}
