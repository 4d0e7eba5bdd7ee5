package io.autonova.remediator.cluster;

import com.fasterxml.jackson.core.type.TypeReference;
import io.autonova.remediator.domain.Change;
import io.autonova.remediator.domain.ChangeTimeline;
import io.autonova.remediator.domain.Hashes;
import io.autonova.remediator.domain.Json;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * A target's change timeline, built without I/O from what the watch caches hold: the Deployment's revisions (one
 * ReplicaSet each, with when it was rolled out and what differs from the one before), the content history of the
 * ConfigMaps and Secrets it reads, its migration Jobs, replica changes, and this service's own runs.
 */
public final class ReleaseHistory {

    public static final String REVISION_ANNOTATION = "deployment.kubernetes.io/revision";
    /** Set by the Deployment controller on a ReplicaSet that was rolled out again (undo, or an old template re-applied). */
    public static final String REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
    public static final String POD_TEMPLATE_HASH = "pod-template-hash";
    /** A Job labelled with this (value: the Deployment) is the release's forward migration. */
    public static final String MIGRATION_FOR = "autonova.io/migration-for";
    /** A suspended Job labelled with this (value: the Deployment) is the release's own migration undo... */
    public static final String MIGRATION_UNDO_FOR = "autonova.io/migration-undo-for";
    /** ...and says which release it undoes: the image it belongs to. */
    public static final String UNDOES_IMAGE = "autonova.io/undoes-image";
    /** An action of this service this close after its run ended is still its own (the controller writes a little later). */
    static final Duration OWN_SLACK = Duration.ofMinutes(1);

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };
    private static final com.fasterxml.jackson.databind.ObjectMapper CANONICAL = Json.MAPPER.copy()
            .configure(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    /** One run of this service on the target: what happened to it between {@code started} and {@code finished} is its own. */
    public record Run(String record, Instant started, Instant finished) {
    }

    /** Everything a timeline is built from; {@code configVersions} maps {@code ConfigMap/name} to its kept contents, newest first. */
    public record Inputs(Deployment deployment, List<ReplicaSet> replicaSets, Map<String, List<ConfigHistory.Version>> configVersions,
                         boolean configHistoryKept, List<Job> jobs, List<Run> runs, List<Change> scales, List<String> releaseGroup) {
    }

    private ReleaseHistory() {
    }

    public static ChangeTimeline build(Inputs in, Instant now) {
        return build(in, releases(in.deployment(), in.replicaSets()), now);
    }

    /** As above, with the Deployment's {@code releases} already built from its inputs (see {@link ReleaseCache}). */
    public static ChangeTimeline build(Inputs in, List<Change> releases, Instant now) {
        Deployment d = in.deployment();
        String ns = d.getMetadata().getNamespace();
        String target = ns + "/" + d.getMetadata().getName();
        List<Change> changes = new ArrayList<>(releases);
        List<String> gaps = new ArrayList<>();
        List<String> reads = new ArrayList<>(configReferences(d.getSpec().getTemplate().getSpec()));
        for (String ref : reads) {
            List<ConfigHistory.Version> versions = in.configVersions().get(ref);
            if (versions == null) {
                gaps.add(ref + ": no kept history, its changes are unknown" + (in.configHistoryKept() ? " (label it "
                        + ConfigHistory.OPT_IN + "=true)" : " (configuration history is off)"));
            } else {
                changes.addAll(configChanges(ref.replace("/", " " + ns + "/"), versions));
            }
        }
        changes.addAll(migrations(d, in.jobs()));
        changes.addAll(in.scales());
        List<Change> owned = changes.stream().map(c -> own(c, in.runs(), now)).toList();
        return new ChangeTimeline(target, true, ChangeTimeline.bound(owned, now), gaps, reads, in.releaseGroup(), shipsUndo(d, in.jobs()));
    }

    /** The Deployment's revisions, oldest first: each a change from the revision before it. */
    static List<Change> releases(Deployment d, List<ReplicaSet> replicaSets) {
        String object = "Deployment " + d.getMetadata().getNamespace() + "/" + d.getMetadata().getName();
        long current = revision(d.getMetadata().getAnnotations());
        TreeMap<Long, ReplicaSet> byRevision = new TreeMap<>();
        for (ReplicaSet rs : replicaSets) {
            long rev = revision(rs.getMetadata().getAnnotations());
            if (rev > 0 && controlledBy(rs, d.getMetadata().getUid())) {
                byRevision.put(rev, rs);
            }
        }
        List<Change> out = new ArrayList<>();
        ReplicaSet previous = null;
        String previousHash = null; // each template hashed once: the costliest step of a timeline
        for (Map.Entry<Long, ReplicaSet> e : byRevision.entrySet()) {
            ReplicaSet rs = e.getValue();
            String hash = templateHash(rs.getSpec().getTemplate());
            boolean reused = rs.getMetadata().getAnnotations().containsKey(REVISION_HISTORY);
            Instant at = created(rs);
            boolean exact = at != null && !reused;
            if (reused && e.getKey() == current) {
                // Rolled out again: its creation says nothing of when. Unknown rather than old, or the gate would take the
                // release before it for the newest.
                at = progressedTo(d, rs.getMetadata().getName());
            }
            PodTemplateSpec before = previous == null ? null : previous.getSpec().getTemplate();
            out.add(new Change(Change.Kind.RELEASE, at, exact, object, previous == null ? null : label(previous),
                    label(rs), previousHash, hash,
                    before == null ? List.of("first known revision") : differences(before, rs.getSpec().getTemplate(), previousHash, hash), null));
            previous = rs;
            previousHash = hash;
        }
        if (current > 0 && !byRevision.containsKey(current)) {
            // The Deployment is at a revision whose ReplicaSet is not (yet) seen: a rollout under way, of unknown time.
            PodTemplateSpec before = previous == null ? null : previous.getSpec().getTemplate();
            String hash = templateHash(d.getSpec().getTemplate());
            out.add(new Change(Change.Kind.RELEASE, null, false, object, previous == null ? null : label(previous),
                    "revision " + current + " (" + String.join(", ", images(d.getSpec().getTemplate())) + ")", previousHash,
                    hash, before == null ? List.of("its ReplicaSet is not seen yet")
                    : differences(before, d.getSpec().getTemplate(), previousHash, hash), null));
        }
        return out;
    }

    private static String label(ReplicaSet rs) {
        return "revision " + revision(rs.getMetadata().getAnnotations()) + " (" + String.join(", ", images(rs.getSpec().getTemplate())) + ")";
    }

    private static List<String> images(PodTemplateSpec t) {
        return t.getSpec().getContainers().stream().map(Container::getImage).toList();
    }

    /** When the Deployment controller last reported progress to this ReplicaSet (its Progressing condition names it). */
    private static Instant progressedTo(Deployment d, String replicaSet) {
        if (d.getStatus() == null || d.getStatus().getConditions() == null) {
            return null;
        }
        for (DeploymentCondition c : d.getStatus().getConditions()) {
            if ("Progressing".equals(c.getType()) && c.getMessage() != null && c.getMessage().contains("\"" + replicaSet + "\"")) {
                return parse(c.getLastUpdateTime());
            }
        }
        return null;
    }

    /** What differs between two pod templates (of these hashes): images, environment (names only), resources, probes, what it reads. */
    private static List<String> differences(PodTemplateSpec before, PodTemplateSpec after, String beforeHash, String afterHash) {
        List<String> out = new ArrayList<>();
        Map<String, Container> old = byName(before.getSpec());
        Map<String, Container> now = byName(after.getSpec());
        for (Map.Entry<String, Container> e : now.entrySet()) {
            String name = e.getKey();
            Container b = old.get(name);
            Container a = e.getValue();
            if (b == null) {
                out.add("container " + name + " added (" + a.getImage() + ")");
                continue;
            }
            if (!Objects.equals(b.getImage(), a.getImage())) {
                out.add("image of " + name + ": " + b.getImage() + " -> " + a.getImage());
            }
            Set<String> env = changedEnv(b.getEnv(), a.getEnv());
            if (!env.isEmpty()) {
                out.add("environment of " + name + ": " + String.join(", ", env));
            }
            if (!Objects.equals(b.getEnvFrom(), a.getEnvFrom())) {
                out.add("envFrom of " + name);
            }
            if (!Objects.equals(b.getResources(), a.getResources())) {
                out.add("resources of " + name);
            }
            if (!Objects.equals(b.getLivenessProbe(), a.getLivenessProbe())) {
                out.add("livenessProbe of " + name);
            }
            if (!Objects.equals(b.getReadinessProbe(), a.getReadinessProbe())) {
                out.add("readinessProbe of " + name);
            }
            if (!Objects.equals(b.getStartupProbe(), a.getStartupProbe())) {
                out.add("startupProbe of " + name);
            }
            if (!Objects.equals(b.getCommand(), a.getCommand()) || !Objects.equals(b.getArgs(), a.getArgs())) {
                out.add("command of " + name);
            }
        }
        old.keySet().stream().filter(n -> !now.containsKey(n)).forEach(n -> out.add("container " + n + " removed"));
        Set<String> readsBefore = configReferences(before.getSpec());
        Set<String> readsAfter = configReferences(after.getSpec());
        if (!readsBefore.equals(readsAfter)) {
            out.add("reads " + readsAfter + " (was " + readsBefore + ")");
        }
        if (out.isEmpty() && !beforeHash.equals(afterHash)) {
            out.add("pod template changed (labels, annotations, volumes or other fields)");
        }
        return out;
    }

    private static Map<String, Container> byName(PodSpec spec) {
        Map<String, Container> m = new LinkedHashMap<>();
        if (spec.getInitContainers() != null) {
            spec.getInitContainers().forEach(c -> m.put(c.getName(), c));
        }
        spec.getContainers().forEach(c -> m.put(c.getName(), c));
        return m;
    }

    /** Names of variables added, removed or changed: never their values (they may be credentials). */
    private static Set<String> changedEnv(List<EnvVar> before, List<EnvVar> after) {
        Map<String, EnvVar> b = new LinkedHashMap<>();
        Map<String, EnvVar> a = new LinkedHashMap<>();
        if (before != null) {
            before.forEach(v -> b.put(v.getName(), v));
        }
        if (after != null) {
            after.forEach(v -> a.put(v.getName(), v));
        }
        Set<String> names = new LinkedHashSet<>();
        a.forEach((k, v) -> {
            if (!v.equals(b.get(k))) {
                names.add(k);
            }
        });
        b.keySet().stream().filter(k -> !a.containsKey(k)).forEach(names::add);
        return names;
    }

    /** Transitions between kept contents: each content became current when it was (last) seen. */
    static List<Change> configChanges(String object, List<ConfigHistory.Version> newestFirst) {
        List<ConfigHistory.Version> ordered = new ArrayList<>(newestFirst);
        ordered.sort(java.util.Comparator.comparing(ConfigHistory.Version::seenAt));
        List<Change> out = new ArrayList<>();
        for (int i = 1; i < ordered.size(); i++) {
            ConfigHistory.Version before = ordered.get(i - 1);
            ConfigHistory.Version after = ordered.get(i);
            List<String> details = new ArrayList<>();
            List<String> keys = ConfigHistory.changedKeys(before, after);
            if (!keys.isEmpty()) {
                details.add("keys changed: " + String.join(", ", keys)); // names only: a Secret's values never leave it
            }
            if (after.knownBad()) {
                details.add("a content this service rolled back from before");
            }
            out.add(new Change(Change.Kind.CONFIG, after.seenAt(), true, object, "content " + shortHash(before.hash()),
                    "content " + shortHash(after.hash()), before.hash(), after.hash(), details, null));
        }
        return out;
    }

    private static String shortHash(String hash) {
        return hash == null ? "?" : hash.substring(0, Math.min(8, hash.length()));
    }

    /** The release's migration Jobs that ran (labelled {@value #MIGRATION_FOR}). */
    static List<Change> migrations(Deployment d, List<Job> jobs) {
        String name = d.getMetadata().getName();
        List<Change> out = new ArrayList<>();
        for (Job j : jobs) {
            if (!name.equals(label(j, MIGRATION_FOR))) {
                continue;
            }
            Instant at = j.getStatus() == null ? null : parse(j.getStatus().getCompletionTime() != null ? j.getStatus().getCompletionTime() : j.getStatus().getStartTime());
            String state = j.getStatus() == null ? "not started" : j.getStatus().getSucceeded() != null && j.getStatus().getSucceeded() > 0 ? "succeeded"
                    : j.getStatus().getFailed() != null && j.getStatus().getFailed() > 0 ? "failed" : "running";
            out.add(new Change(Change.Kind.MIGRATION, at != null ? at : created(j), at != null, "Job " + d.getMetadata().getNamespace() + "/"
                    + j.getMetadata().getName(), null, state + " (" + String.join(", ", images(j.getSpec().getTemplate())) + ")", null, null, List.of(), null));
        }
        return out;
    }

    /** Whether the release the Deployment runs ships its migration undo: a suspended Job labelled for it that undoes one of its images. */
    public static boolean shipsUndo(Deployment d, List<Job> jobs) {
        List<String> images = images(d.getSpec().getTemplate());
        return jobs.stream().anyMatch(j -> undoes(j, d.getMetadata().getName(), images));
    }

    public static boolean undoes(Job j, String deployment, List<String> images) {
        return deployment.equals(label(j, MIGRATION_UNDO_FOR)) && Boolean.TRUE.equals(j.getSpec().getSuspend())
                && j.getMetadata().getAnnotations() != null && images.contains(j.getMetadata().getAnnotations().get(UNDOES_IMAGE));
    }

    /** A change made while one of this service's runs on the target was under way is its own. */
    private static Change own(Change c, List<Run> runs, Instant now) {
        if (c.at() == null || c.kind() == Change.Kind.MIGRATION) {
            return c;
        }
        for (Run r : runs) {
            Instant end = (r.finished() == null ? now : r.finished()).plus(c.exact() ? OWN_SLACK : OWN_SLACK.multipliedBy(10));
            // The API server's times have whole seconds: a change in the second the run started is the run's.
            if (r.started() != null && !c.at().isBefore(r.started().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)) && !c.at().isAfter(end)) {
                return c.by("remediation " + r.record());
            }
        }
        return c;
    }

    /** ConfigMaps and Secrets the pod template reads: volumes (also projected), env and envFrom of every container. */
    public static Set<String> configReferences(PodSpec spec) {
        Set<String> refs = new LinkedHashSet<>();
        if (spec.getVolumes() != null) {
            for (var v : spec.getVolumes()) {
                if (v.getConfigMap() != null) {
                    refs.add("ConfigMap/" + v.getConfigMap().getName());
                }
                if (v.getSecret() != null) {
                    refs.add("Secret/" + v.getSecret().getSecretName());
                }
                if (v.getProjected() != null && v.getProjected().getSources() != null) {
                    for (var s : v.getProjected().getSources()) {
                        if (s.getConfigMap() != null) {
                            refs.add("ConfigMap/" + s.getConfigMap().getName());
                        }
                        if (s.getSecret() != null) {
                            refs.add("Secret/" + s.getSecret().getName());
                        }
                    }
                }
            }
        }
        List<Container> all = new ArrayList<>(spec.getContainers());
        if (spec.getInitContainers() != null) {
            all.addAll(spec.getInitContainers());
        }
        for (Container c : all) {
            if (c.getEnvFrom() != null) {
                for (var e : c.getEnvFrom()) {
                    if (e.getConfigMapRef() != null) {
                        refs.add("ConfigMap/" + e.getConfigMapRef().getName());
                    }
                    if (e.getSecretRef() != null) {
                        refs.add("Secret/" + e.getSecretRef().getName());
                    }
                }
            }
            if (c.getEnv() != null) {
                for (var e : c.getEnv()) {
                    if (e.getValueFrom() != null && e.getValueFrom().getConfigMapKeyRef() != null) {
                        refs.add("ConfigMap/" + e.getValueFrom().getConfigMapKeyRef().getName());
                    }
                    if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
                        refs.add("Secret/" + e.getValueFrom().getSecretKeyRef().getName());
                    }
                }
            }
        }
        return refs;
    }


    /** A stable identity of a pod template (without pod-template-hash): what "the same release" means here. */
    public static String templateHash(Object podTemplate) {
        try {
            return Hashes.sha256Hex(CANONICAL.writeValueAsString(withoutHash(Json.MAPPER.convertValue(podTemplate, MAP))));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The template as a map without the controller's {@code pod-template-hash} label. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> withoutHash(Map<String, Object> template) {
        Object meta = template.get("metadata");
        if (meta instanceof Map<?, ?> m && m.get("labels") instanceof Map<?, ?> labels) {
            Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) labels);
            copy.remove(POD_TEMPLATE_HASH);
            Map<String, Object> metaCopy = new LinkedHashMap<>((Map<String, Object>) m);
            metaCopy.put("labels", copy);
            Map<String, Object> t = new LinkedHashMap<>(template);
            t.put("metadata", metaCopy);
            return t;
        }
        return template;
    }

    public static Map<String, Object> asMap(Object podTemplate) {
        return Json.MAPPER.convertValue(podTemplate, MAP);
    }

    public static boolean controlledBy(HasMetadata o, String uid) {
        if (o.getMetadata().getOwnerReferences() == null || uid == null) {
            return false;
        }
        for (OwnerReference ref : o.getMetadata().getOwnerReferences()) {
            if (Boolean.TRUE.equals(ref.getController()) && uid.equals(ref.getUid())) {
                return true;
            }
        }
        return false;
    }

    public static long revision(Map<String, String> annotations) {
        if (annotations == null || !annotations.containsKey(REVISION_ANNOTATION)) {
            return 0;
        }
        try {
            return Long.parseLong(annotations.get(REVISION_ANNOTATION));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String label(HasMetadata o, String key) {
        return o.getMetadata().getLabels() == null ? null : o.getMetadata().getLabels().get(key);
    }

    /** When the API server created it; null when unset or unreadable. */
    public static Instant created(HasMetadata o) {
        return parse(o.getMetadata().getCreationTimestamp());
    }

    private static Instant parse(String time) {
        if (time == null || time.isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(time);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }
}
