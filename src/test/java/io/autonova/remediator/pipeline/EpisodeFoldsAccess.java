package io.autonova.remediator.pipeline;

import io.autonova.remediator.state.RemediationRecord;

import java.time.Instant;

/** Test access to the package-private fold of an alert instance into a record. */
public final class EpisodeFoldsAccess {

    private EpisodeFoldsAccess() {
    }

    public static boolean addInstance(RemediationRecord r, String instance, Instant at) {
        return EpisodeFolds.addInstance(r, instance, at);
    }
}
