package io.autonova.remediator.state;

import io.autonova.remediator.policy.TargetState;

import java.time.Duration;
import java.time.Instant;

/**
 * Everything kept about one target, stored as a {@code coordination.k8s.io/v1} Lease: the Lease's holder
 * owns the target's running remediation ({@code run}), renewing it while it works; the target's policy
 * state rides along in an annotation.
 *
 * @param holder        the replica running {@code run} on this target, or null
 * @param renewedAt     the holder's last renewal; the Lease is free once {@code renewedAt + duration} has passed
 */
public record TargetRecord(String key, TargetState state, String holder, String run, Instant acquiredAt, Instant renewedAt,
                           Duration duration) {

    public static TargetRecord empty(String key) {
        return new TargetRecord(key, TargetState.EMPTY, null, null, null, null, null);
    }

    public boolean heldBy(String replica, Instant now) {
        return replica.equals(holder) && !expired(now);
    }

    /** Free to take: no holder, or the holder stopped renewing. */
    public boolean free(Instant now) {
        return holder == null || expired(now);
    }

    public boolean expired(Instant now) {
        return renewedAt == null || duration == null || !now.isBefore(renewedAt.plus(duration));
    }

    public Instant expiresAt() {
        return renewedAt == null || duration == null ? Instant.EPOCH : renewedAt.plus(duration);
    }

    public TargetRecord withState(TargetState next) {
        return new TargetRecord(key, next, holder, run, acquiredAt, renewedAt, duration);
    }

    public TargetRecord acquiredBy(String replica, String record, Instant now, Duration leaseDuration) {
        boolean same = replica.equals(holder);
        return new TargetRecord(key, state, replica, record, same && acquiredAt != null ? acquiredAt : now, now, leaseDuration);
    }

    public TargetRecord released() {
        return new TargetRecord(key, state, null, null, null, null, null);
    }
}
