package io.autonova.remediator.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What changed about one target, newest first, bounded in size and age. {@code gaps} says what could not be known
 * (no configuration history, a Deployment not found): the gate and people read it as "unknown", never as "unchanged".
 *
 * @param releaseGroup Deployments rolled out together with this one's newest release (same Argo CD application,
 *                     within minutes): the runbook's "only one or few services are affected" test
 * @param migrationUndo whether the current release ships its own migration undo (a suspended Job labelled for it)
 */
public record ChangeTimeline(String target, boolean found, List<Change> changes, List<String> gaps, List<String> reads,
                             List<String> releaseGroup, boolean migrationUndo) {

    public static final int MAX_CHANGES = 50;
    public static final Duration MAX_AGE = Duration.ofDays(30);

    public ChangeTimeline {
        changes = changes == null ? List.of() : List.copyOf(changes);
        gaps = gaps == null ? List.of() : List.copyOf(gaps);
        reads = reads == null ? List.of() : List.copyOf(reads);
        releaseGroup = releaseGroup == null ? List.of() : List.copyOf(releaseGroup);
    }

    /** No Deployment to build a timeline from. */
    public static ChangeTimeline missing(String target, String why) {
        return new ChangeTimeline(target, false, List.of(), List.of(why), List.of(), List.of(), false);
    }

    /**
     * Sorted newest first, cut to {@link #MAX_CHANGES} and to {@link #MAX_AGE} before {@code now}. A change of unknown time
     * comes first: it may be the newest (a rollout under way), and the gate must not take an older one for it.
     */
    public static List<Change> bound(List<Change> changes, Instant now) {
        Instant oldest = now.minus(MAX_AGE);
        List<Change> sorted = new ArrayList<>(changes);
        java.util.Collections.reverse(sorted); // changes come oldest first: of two at the same second, the later listed is newer
        sorted.sort(Comparator.comparing(Change::at, Comparator.nullsFirst(Comparator.<Instant>reverseOrder())));
        return sorted.stream().filter(c -> c.at() == null || c.at().isAfter(oldest)).limit(MAX_CHANGES).toList();
    }

    /** The newest change of a kind, known time or not. */
    public java.util.Optional<Change> newest(Change.Kind kind) {
        return changes.stream().filter(c -> c.kind() == kind).findFirst();
    }

    public List<Change> of(Change.Kind kind) {
        return changes.stream().filter(c -> c.kind() == kind).toList();
    }
}
