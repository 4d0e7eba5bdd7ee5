package io.autonova.remediator.state;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The cache of records both stores read from: newer versions win over older ones whether they come from
 * our own writes or from the watch, so a replica reads its own writes at once and never goes back in time.
 */
final class RecordIndex {

    private record Entry(RemediationRecord record, long version) {
    }

    private final Map<String, Entry> byName = new ConcurrentHashMap<>();
    private final Map<String, ConcurrentSkipListMap<Integer, String>> episodes = new ConcurrentHashMap<>();
    private final Map<String, java.util.Set<String>> byTarget = new ConcurrentHashMap<>();

    static long version(String rv) {
        try {
            return rv == null ? -1 : Long.parseLong(rv);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE; // opaque versions: the latest event wins
        }
    }

    /** True when the record was newer than what the cache held. */
    boolean offer(RemediationRecord r) {
        long v = version(r.resourceVersion);
        boolean[] changed = {false};
        byName.compute(r.name, (k, old) -> {
            if (newerOrSame(old, v)) {
                return old;
            }
            changed[0] = true;
            return new Entry(r, v);
        });
        if (changed[0]) {
            episodes.computeIfAbsent(episodeKey(r.spec.rule, r.targetKey()), k -> new ConcurrentSkipListMap<>()).put(r.spec.episode, r.name);
            byTarget.computeIfAbsent(r.targetKey(), k -> ConcurrentHashMap.newKeySet()).add(r.name);
        }
        return changed[0];
    }

    /** Whether the cache holds {@code name} at resourceVersion {@code rv} or newer: an event {@link #offer} would ignore. */
    boolean holds(String name, String rv) {
        return newerOrSame(byName.get(name), version(rv));
    }

    /** Whether a cached entry is at version {@code v} or newer (an opaque version is never known to be older). */
    private static boolean newerOrSame(Entry cached, long v) {
        return cached != null && v != Long.MAX_VALUE && cached.version() >= v;
    }

    void remove(String name) {
        Entry e = byName.remove(name);
        if (e != null) {
            var m = episodes.get(episodeKey(e.record().spec.rule, e.record().targetKey()));
            if (m != null) {
                m.remove(e.record().spec.episode, name);
            }
            var t = byTarget.get(e.record().targetKey());
            if (t != null) {
                t.remove(name);
            }
        }
    }

    /** The records of one target (every rule's, every episode's), in no order. */
    List<RemediationRecord> ofTarget(String targetKey) {
        var names = byTarget.get(targetKey);
        List<RemediationRecord> out = new ArrayList<>();
        if (names != null) {
            names.forEach(n -> get(n).ifPresent(out::add));
        }
        return out;
    }

    Optional<RemediationRecord> get(String name) {
        Entry e = byName.get(name);
        return e == null ? Optional.empty() : Optional.of(e.record());
    }

    Optional<RemediationRecord> latest(String rule, String targetKey) {
        var m = episodes.get(episodeKey(rule, targetKey));
        if (m == null || m.isEmpty()) {
            return Optional.empty();
        }
        var last = m.lastEntry();
        return last == null ? Optional.empty() : get(last.getValue());
    }

    List<RemediationRecord> all() {
        List<RemediationRecord> list = new ArrayList<>();
        byName.values().forEach(e -> list.add(e.record()));
        list.sort(Comparator.comparing((RemediationRecord r) -> r.createdAt == null ? java.time.Instant.EPOCH : r.createdAt)
                .thenComparing(r -> r.name).reversed());
        return list;
    }

    private static String episodeKey(String rule, String targetKey) {
        return rule + "\n" + targetKey;
    }
}
