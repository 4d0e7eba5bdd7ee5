package io.autonova.remediator.cluster;

import io.autonova.remediator.domain.Hashes;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The history Kubernetes does not keep: every content of an opted-in ConfigMap or Secret, as a snapshot
 * object beside it (a ConfigMap for a ConfigMap, a Secret for a Secret: secret data never leaves Secrets, never
 * reaches records or logs). A snapshot is named from the content's hash, so replicas that both see a change
 * write the same object, and content that comes back refreshes its snapshot's time instead of adding one.
 */
public final class ConfigHistory {

    /** Put this label (value "true") on a ConfigMap or Secret to have its history kept. */
    public static final String OPT_IN = "autonova.io/config-history";
    public static final String SNAPSHOT_OF = "autonova.io/snapshot-of";
    public static final String SNAPSHOT_KIND = "autonova.io/snapshot-kind";
    public static final String SEEN_AT = "autonova.io/seen-at";
    public static final String FIRST_SEEN_AT = "autonova.io/first-seen-at";
    public static final String CONTENT_HASH = "autonova.io/content-hash";

    /**
     * One kept content of an object: its hash, when it was first and last seen, the snapshot holding it, and a digest per
     * key (what changed between two contents is said by key name, never by value: a Secret's digests are keyed like its hash).
     */
    public record Version(String hash, Instant firstSeen, Instant seenAt, String snapshot, boolean knownBad, Map<String, String> keys) {
        public Version {
            keys = keys == null ? Map.of() : Map.copyOf(keys);
        }

        public Version(String hash, Instant firstSeen, Instant seenAt, String snapshot, boolean knownBad) {
            this(hash, firstSeen, seenAt, snapshot, knownBad, Map.of());
        }
    }

    /** The keys whose values differ between two contents (added, removed or changed), sorted. */
    public static List<String> changedKeys(Version before, Version after) {
        java.util.TreeSet<String> out = new java.util.TreeSet<>();
        after.keys().forEach((k, v) -> {
            if (!v.equals(before.keys().get(k))) {
                out.add(k);
            }
        });
        before.keys().keySet().stream().filter(k -> !after.keys().containsKey(k)).forEach(out::add);
        return List.copyOf(out);
    }

    private static Map<String, String> digests(HasMetadata snapshot) {
        Map<String, String> all = new TreeMap<>();
        if (snapshot instanceof ConfigMap c) {
            (c.getData() == null ? Map.<String, String>of() : c.getData()).forEach((k, v) -> all.put(k, Hashes.sha256Hex(v).substring(0, 16)));
            (c.getBinaryData() == null ? Map.<String, String>of() : c.getBinaryData()).forEach((k, v) -> all.put(k, Hashes.sha256Hex(v).substring(0, 16)));
        } else if (snapshot instanceof Secret s) {
            javax.crypto.spec.SecretKeySpec key = secretHashKey;
            (s.getData() == null ? Map.<String, String>of() : s.getData()).forEach((k, v) -> all.put(k, key == null ? Hashes.sha256Hex(v).substring(0, 16)
                    : java.util.HexFormat.of().formatHex(Hashes.hmacSha256(key, v.getBytes(java.nio.charset.StandardCharsets.UTF_8))).substring(0, 16)));
        }
        return all;
    }

    /** On a snapshot whose content a run rolled back from: never restored again by a later run. */
    public static final String ROLLED_BACK_BY = "autonova.io/rolled-back-by";

    private ConfigHistory() {
    }

    public static boolean optedIn(HasMetadata o) {
        return o.getMetadata().getLabels() != null && "true".equals(o.getMetadata().getLabels().get(OPT_IN));
    }

    /** A stable hash of data and binaryData (keys sorted), never of anything else. */
    public static String contentHash(Map<String, String> data, Map<String, String> binaryData) {
        return Hashes.sha256Hex(canonical(data, binaryData));
    }

    private static String canonical(Map<String, String> data, Map<String, String> binaryData) {
        StringBuilder b = new StringBuilder();
        new TreeMap<>(data == null ? Map.of() : data).forEach((k, v) -> b.append("d:").append(k).append('=').append(v.length()).append(':').append(v).append('\n'));
        new TreeMap<>(binaryData == null ? Map.of() : binaryData).forEach((k, v) -> b.append("b:").append(k).append('=').append(v.length()).append(':').append(v).append('\n'));
        return b.toString();
    }

    /**
     * The key Secret contents are hashed under (HMAC-SHA256), so that a hash in a record or in a snapshot's name cannot be
     * tested against guesses of a low-entropy credential by whoever reads them. Set once at start from the records' seal
     * key; unset (no cluster, tests), Secret hashes are plain like ConfigMap ones.
     */
    private static volatile javax.crypto.spec.SecretKeySpec secretHashKey;

    public static boolean secretHashesKeyed() {
        return secretHashKey != null;
    }

    public static void keySecretHashes(byte[] key) {
        secretHashKey = key == null ? null : new javax.crypto.spec.SecretKeySpec(key.clone(), "HmacSHA256");
    }

    public static String hash(ConfigMap c) {
        return contentHash(c.getData(), c.getBinaryData());
    }

    public static String hash(Secret s) {
        javax.crypto.spec.SecretKeySpec key = secretHashKey;
        if (key == null) {
            return contentHash(s.getData(), s.getStringData());
        }
        byte[] h = Hashes.hmacSha256(key, canonical(s.getData(), s.getStringData()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return java.util.HexFormat.of().formatHex(h).substring(0, 16);
    }

    static String snapshotName(String source, String hash) {
        String base = source.length() > 230 ? source.substring(0, 230) : source;
        return base + "-snap-" + hash.substring(0, 10);
    }

    private static Map<String, String> labels(String kind, String source) {
        // Deliberately without the opt-in label: a snapshot has no history of its own.
        return Map.of(SNAPSHOT_OF, source, SNAPSHOT_KIND, kind, "app.kubernetes.io/managed-by", "autonova-remediator");
    }

    private static Map<String, String> annotations(String hash, Instant now, Instant firstSeen) {
        return new LinkedHashMap<>(Map.of(CONTENT_HASH, hash, SEEN_AT, now.toString(), FIRST_SEEN_AT, firstSeen.toString()));
    }

    /**
     * Snapshots belong to their source: the garbage collector removes them with it, so a deleted Secret's old contents
     * do not outlive it (nothing blocks the source's deletion).
     */
    private static List<io.fabric8.kubernetes.api.model.OwnerReference> ownedBy(String kind, io.fabric8.kubernetes.api.model.ObjectMeta source) {
        return source.getUid() == null ? List.of() : List.of(new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder().withApiVersion("v1").withKind(kind)
                .withName(source.getName()).withUid(source.getUid()).build());
    }

    /** Records the ConfigMap's current content; keeps the newest {@code keep} contents. Returns true if something was written. */
    public static boolean record(ClusterActions cluster, ConfigMap c, Instant now, int keep) {
        String ns = c.getMetadata().getNamespace();
        String source = c.getMetadata().getName();
        String hash = hash(c);
        List<ConfigMap> snaps = cluster.configMaps(ns, Map.of(SNAPSHOT_OF, source, SNAPSHOT_KIND, "ConfigMap"));
        Optional<ConfigMap> same = snaps.stream().filter(s -> hash.equals(annotation(s, CONTENT_HASH))).findFirst();
        if (newest(snaps).map(s -> hash.equals(annotation(s, CONTENT_HASH))).orElse(false)) {
            return false; // already the newest: nothing changed (a resync, or another replica was first)
        }
        String name = snapshotName(source, hash);
        if (same.isPresent()) {
            cluster.patchConfigMap(ns, name, seenPatch(now));
        } else {
            try {
                cluster.createConfigMap(new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(ns).withLabels(labels("ConfigMap", source))
                        .withAnnotations(annotations(hash, now, now)).withOwnerReferences(ownedBy("ConfigMap", c.getMetadata())).endMetadata().withData(c.getData()).withBinaryData(c.getBinaryData()).build());
            } catch (KubernetesClientException e) {
                if (ApiFailure.of(e) != ApiFailure.CONFLICT) { // 409: it exists already
                    throw e;
                }
            }
        }
        List<ConfigMap> all = cluster.configMaps(ns, Map.of(SNAPSHOT_OF, source, SNAPSHOT_KIND, "ConfigMap"));
        all.stream().sorted(BY_SEEN.reversed()).skip(keep).forEach(old -> cluster.deleteConfigMap(ns, old.getMetadata().getName()));
        return true;
    }

    /** As {@link #record(ClusterActions, ConfigMap, Instant, int)}, into Secrets of the same type. */
    public static boolean record(ClusterActions cluster, Secret s, Instant now, int keep) {
        String ns = s.getMetadata().getNamespace();
        String source = s.getMetadata().getName();
        String hash = hash(s);
        List<Secret> snaps = cluster.secrets(ns, Map.of(SNAPSHOT_OF, source, SNAPSHOT_KIND, "Secret"));
        if (newest(snaps).map(x -> hash.equals(annotation(x, CONTENT_HASH))).orElse(false)) {
            return false;
        }
        String name = snapshotName(source, hash);
        if (snaps.stream().anyMatch(x -> hash.equals(annotation(x, CONTENT_HASH)))) {
            cluster.patchSecret(ns, name, seenPatch(now));
        } else {
            try {
                // Opaque whatever the source type: typed Secrets (TLS, docker config) validate keys, and a snapshot is not mounted.
                cluster.createSecret(new SecretBuilder().withNewMetadata().withName(name).withNamespace(ns).withLabels(labels("Secret", source))
                        .withAnnotations(annotations(hash, now, now)).addToAnnotations("autonova.io/source-type", s.getType() == null ? "Opaque" : s.getType())
                        .withOwnerReferences(ownedBy("Secret", s.getMetadata())).endMetadata().withType("Opaque").withImmutable(false).withData(s.getData()).build());
            } catch (KubernetesClientException e) {
                if (ApiFailure.of(e) != ApiFailure.CONFLICT) { // 409: it exists already
                    throw e;
                }
            }
        }
        List<Secret> all = cluster.secrets(ns, Map.of(SNAPSHOT_OF, source, SNAPSHOT_KIND, "Secret"));
        all.stream().sorted(BY_SEEN.reversed()).skip(keep).forEach(old -> cluster.deleteSecret(ns, old.getMetadata().getName()));
        return true;
    }

    /** An object's kept contents, newest first. */
    public static List<Version> versions(ClusterActions cluster, String kind, String namespace, String source) {
        List<? extends HasMetadata> snaps = kind.equals("Secret") ? cluster.secrets(namespace, Map.of(SNAPSHOT_OF, source, SNAPSHOT_KIND, "Secret"))
                : cluster.configMaps(namespace, Map.of(SNAPSHOT_OF, source, SNAPSHOT_KIND, "ConfigMap"));
        return snaps.stream().sorted(BY_SEEN.reversed()).map(s -> new Version(annotation(s, CONTENT_HASH), Instant.parse(annotation(s, FIRST_SEEN_AT)),
                Instant.parse(annotation(s, SEEN_AT)), s.getMetadata().getName(), s.getMetadata().getAnnotations() != null
                && s.getMetadata().getAnnotations().containsKey(ROLLED_BACK_BY), digests(s))).toList();
    }

    /** Marks the snapshot of a content a run rolled back from as known bad. */
    public static void markRolledBackFrom(ClusterActions cluster, String kind, String namespace, String source, String hash, String run) {
        String patch = "[{\"op\":\"add\",\"path\":\"/metadata/annotations/autonova.io~1rolled-back-by\",\"value\":\"" + run + "\"}]";
        String name = snapshotName(source, hash);
        if (kind.equals("Secret")) {
            cluster.patchSecret(namespace, name, patch);
        } else {
            cluster.patchConfigMap(namespace, name, patch);
        }
    }

    /** A content that comes back is seen again, but keeps when it was first seen: a restore of A over B does not make A look new. */
    private static String seenPatch(Instant now) {
        return "[{\"op\":\"replace\",\"path\":\"/metadata/annotations/autonova.io~1seen-at\",\"value\":\"" + now + "\"}]";
    }

    static String annotation(HasMetadata o, String key) {
        return o.getMetadata().getAnnotations() == null ? null : o.getMetadata().getAnnotations().get(key);
    }

    private static final Comparator<HasMetadata> BY_SEEN = Comparator.comparing(o -> Instant.parse(annotation(o, SEEN_AT)));

    private static <T extends HasMetadata> Optional<T> newest(List<T> snaps) {
        return snaps.stream().max(BY_SEEN);
    }
}
