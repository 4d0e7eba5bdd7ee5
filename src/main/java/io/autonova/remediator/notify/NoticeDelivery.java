package io.autonova.remediator.notify;

import io.autonova.remediator.state.RemediationRecord;
import io.autonova.remediator.state.StateStore;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Delivers the notices queued on records (Grafana annotation regions, chat messages) apart from the runs:
 * a slow or failing peer never holds a rollback up. Each delivery is claimed on the record first (a
 * resourceVersion precondition), so two replicas do not both send it; a claim older than a minute is taken
 * over. Grafana is idempotent (the run's annotation is found again by its tag); chat is at least once.
 */
public class NoticeDelivery {

    private static final Logger LOG = Logger.getLogger(NoticeDelivery.class);
    static final int MAX_ATTEMPTS = 8;
    static final Duration CLAIM = Duration.ofMinutes(1);

    private final StateStore store;
    private final List<NoticeChannel> channels;
    private final String identity;
    private final Clock clock;
    /** Records that may have notices to deliver: every record changed since, not every record each round. */
    private final java.util.Set<String> candidates = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public NoticeDelivery(StateStore store, List<NoticeChannel> channels, String identity, Clock clock) {
        this.store = store;
        this.channels = List.copyOf(channels);
        this.identity = identity;
        this.clock = clock;
        // Own writes too: the run's replica queues its notices, and its watch then reports nothing new.
        store.onAnyRecordChange(candidates::add);
        store.records().forEach(r -> candidates.add(r.name)); // notices left pending by a replica before this one started
    }

    /** Delivers every notice that is due; returns how many were attempted. */
    public int deliverDue() {
        int attempted = 0;
        Instant now = clock.instant();
        for (String name : List.copyOf(candidates)) {
            // Taken out before it is read: a change from here on brings it back.
            candidates.remove(name);
            RemediationRecord r = store.record(name).orElse(null);
            if (r == null || r.status.notices.stream().noneMatch(n -> "pending".equals(n.phase))) {
                continue;
            }
            candidates.add(name); // still something to deliver, now or after its backoff
            for (NoticeChannel channel : channels) {
                int i = channel.nextPending(r);
                if (i >= 0 && due(r.status.notices.get(i), now)) {
                    attempted++;
                    deliver(channel, r.name, i, now);
                }
            }
        }
        return attempted;
    }

    private boolean due(RemediationRecord.Notice n, Instant now) {
        boolean claimed = n.claimedBy != null && n.claimedAt != null && now.isBefore(n.claimedAt.plus(CLAIM));
        return !claimed && (n.notBefore == null || !now.isBefore(n.notBefore));
    }

    private void deliver(NoticeChannel channel, String name, int index, Instant now) {
        // Claim first: only the replica whose write wins sends.
        if (!write(name, r -> {
            RemediationRecord.Notice n = r.status.notices.get(index);
            if (!"pending".equals(n.phase) || !due(n, now)) {
                throw new Lost();
            }
            n.claimedBy = identity;
            n.claimedAt = now;
            n.attempts++;
        })) {
            return;
        }
        RemediationRecord r = store.record(name).orElse(null);
        if (r == null) {
            return;
        }
        RemediationRecord.Notice n = r.status.notices.get(index);
        if (!channel.name().equals(n.channel)) {
            return; // notices are only ever appended: not expected, but never send one channel's notice through another
        }
        NoticeChannel.Sent result;
        try {
            result = channel.send(r, n);
        } catch (IOException | RuntimeException e) {
            result = new NoticeChannel.Sent(false, true, null, null, "unreachable: " + e.getMessage());
        }
        NoticeChannel.Sent res = result;
        Instant at = clock.instant();
        write(name, w -> {
            RemediationRecord.Notice x = w.status.notices.get(index);
            x.claimedBy = null;
            x.claimedAt = null;
            x.message = res.message();
            if (res.ok()) {
                x.phase = "sent";
                x.sentAt = at;
                x.detail = res.detail();
                channel.afterSent(w, x);
            } else if (res.retry() && x.attempts < MAX_ATTEMPTS) {
                x.notBefore = at.plus(res.after() != null ? res.after() : backoff(x.attempts));
            } else {
                x.phase = "failed";
                LOG.warnf("remediation %s: %s notice '%s' given up after %d attempt(s): %s", name, x.channel, x.event, x.attempts, res.message());
            }
        });
    }

    static Duration backoff(int attempts) {
        return Duration.ofSeconds(Math.min(600, 5L << Math.min(attempts, 7)));
    }

    private static final class Lost extends RuntimeException {
        Lost() {
            super(null, null, false, false);
        }
    }

    private boolean write(String name, Consumer<RemediationRecord> change) {
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<RemediationRecord> read = attempt == 0 ? store.record(name) : store.fetch(name);
            if (read.isEmpty()) {
                return false;
            }
            RemediationRecord copy = read.get().copy();
            try {
                change.accept(copy);
            } catch (Lost e) {
                return false;
            }
            if (store.update(copy)) {
                return true;
            }
        }
        return false;
    }
}
