package io.autonova.remediator.state;

import io.autonova.remediator.domain.Json;
import io.autonova.remediator.domain.Hashes;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.autonova.remediator.policy.GlobalState;
import io.autonova.remediator.policy.Pause;
import io.autonova.remediator.policy.PauseScope;
import io.autonova.remediator.policy.TargetState;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * State in the cluster, read from watch-fed caches (fabric8 informers, label-selected, resync off, listed in
 * pages) and written with resourceVersion preconditions:
 * <ul>
 * <li>a {@code Remediation} custom resource per episode;</li>
 * <li>a {@code coordination.k8s.io/v1} Lease per target: run ownership plus the target's policy state;</li>
 * <li>one small ConfigMap of shared policy state (rule and global rate limits, runs in flight);</li>
 * <li>a {@code RemediationPause} custom resource per pause.</li>
 * </ul>
 * Our own writes go into the cache at once (newer versions win), so a replica reads its own writes.
 */
public class KubernetesStateStore implements StateStore {

    private static final Logger LOG = Logger.getLogger(KubernetesStateStore.class);
    public static final String GROUP = "autonova.io";
    public static final String VERSION = "v1alpha1";
    public static final ResourceDefinitionContext REMEDIATION = new ResourceDefinitionContext.Builder()
            .withGroup(GROUP).withVersion(VERSION).withKind("Remediation").withPlural("remediations").withNamespaced(true).build();
    public static final ResourceDefinitionContext PAUSE = new ResourceDefinitionContext.Builder()
            .withGroup(GROUP).withVersion(VERSION).withKind("RemediationPause").withPlural("remediationpauses").withNamespaced(true).build();
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGER = "autonova-remediator";
    static final String KIND_LABEL = "autonova.io/kind";
    static final String STATE_KEY = "state.json";
    static final String TARGET_ANNOTATION = "autonova.io/target";
    static final String STATE_ANNOTATION = "autonova.io/state";
    static final String RUN_ANNOTATION = "autonova.io/run";
    private static final long PAGE = 500;
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private final KubernetesClient client;
    private final String namespace;
    private final String globalName;
    private final RecordIndex records = new RecordIndex();
    private final Map<String, Versioned<TargetRecord>> targets = new ConcurrentHashMap<>();
    private volatile Versioned<GlobalState> global = new Versioned<>(GlobalState.EMPTY, null);
    private final Map<String, Pause> pauses = new ConcurrentHashMap<>();
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<String>> anyListeners = new CopyOnWriteArrayList<>();
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private volatile boolean synced;
    /** Null until the key is read (or created): records are then neither written nor trusted. */
    private volatile RecordSeal seal;
    private volatile String sealProblem = "not loaded yet";
    private final StateWrites writes;
    private final java.time.Clock clock;

    public KubernetesStateStore(KubernetesClient client, String namespace, String globalName, java.time.Clock clock) {
        this.client = client;
        this.namespace = namespace;
        this.globalName = globalName;
        this.clock = clock;
        this.writes = new StateWrites(clock);
    }

    /**
     * A store on {@code client} without watches, its caches holding only what it wrote or read itself: the start-up
     * warm-up drives the service's own requests with it against a throwaway API server.
     */
    public static KubernetesStateStore unwatched(KubernetesClient client, String namespace, String globalName, java.time.Clock clock) {
        KubernetesStateStore s = new KubernetesStateStore(client, namespace, globalName, clock);
        s.seal = new RecordSeal(RecordSeal.newKey()); // its own key: no Secret is read or written
        s.synced = true;
        return s;
    }

    /** The store's calls in flight: telemetry writers wait for a pause in them. */
    public StateWrites writes() {
        return writes;
    }

    @Override
    public void inBackground(Runnable housekeeping) {
        writes.inBackground(housekeeping);
    }

    /** The Secret, in the state namespace, whose {@code key} seals records (created with a random key when missing). */
    public static final String SEAL_SECRET = "autonova-remediator-seal";

    /** Starts the watches; returns once every cache is filled, or after {@code timeout} (then {@link #checkReady()} says why). */
    public KubernetesStateStore start(Duration timeout) {
        loadSeal();
        informers.add(inform(client.genericKubernetesResources(REMEDIATION).inNamespace(namespace).withLabel(MANAGED_BY, MANAGER)
                .withLimit(PAGE).runnableInformer(0), r -> {
                    if (records.holds(r.getMetadata().getName(), r.getMetadata().getResourceVersion())) {
                        return; // the echo of a write of ours, already cached: not read again (two conversions and a seal check)
                    }
                    RemediationRecord rec = fromResource(r);
                    if (records.offer(rec)) {
                        listeners.forEach(l -> l.accept(rec.name));
                        anyListeners.forEach(l -> l.accept(rec.name));
                    }
                }, r -> records.remove(r.getMetadata().getName())));
        informers.add(inform(client.leases().inNamespace(namespace).withLabel(KIND_LABEL, "target").withLimit(PAGE).runnableInformer(0),
                l -> offerTarget(fromLease(l), l.getMetadata().getResourceVersion()),
                l -> targets.remove(targetKey(l))));
        informers.add(inform(client.configMaps().inNamespace(namespace).withLabel(KIND_LABEL, "policy").runnableInformer(0),
                cm -> {
                    if (globalName.equals(cm.getMetadata().getName())) {
                        offerGlobal(fromConfigMap(cm), cm.getMetadata().getResourceVersion());
                    }
                },
                cm -> {
                    global = new Versioned<>(GlobalState.EMPTY, null);
                    rebuilt = null;
                    LOG.warnf("the shared policy ConfigMap %s/%s was deleted: its rate-limit and in-flight state is rebuilt from the records "
                            + "and written back with the next decision", namespace, globalName);
                }));
        informers.add(inform(client.genericKubernetesResources(PAUSE).inNamespace(namespace).withLimit(PAGE).runnableInformer(0),
                p -> pauses.put(p.getMetadata().getName(), fromPauseResource(p)), p -> pauses.remove(p.getMetadata().getName())));
        try {
            for (SharedIndexInformer<?> i : informers) {
                i.start().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            synced = true;
        } catch (Exception e) {
            LOG.errorf("state caches not synced within %s: %s; requests answer 503 until they are", timeout, e.toString());
            Thread t = new Thread(this::awaitSync, "state-cache-sync");
            t.setDaemon(true);
            t.start();
        }
        return this;
    }

    /** Reads the seal key, creating it once for every replica (a conflict means another replica was first). */
    private synchronized boolean loadSeal() {
        if (seal != null) {
            return true;
        }
        try {
            for (int attempt = 0; attempt < 2 && seal == null; attempt++) {
                io.fabric8.kubernetes.api.model.Secret s = client.secrets().inNamespace(namespace).withName(SEAL_SECRET).get();
                if (s == null) {
                    try {
                        s = client.secrets().inNamespace(namespace).resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata()
                                .withName(SEAL_SECRET).withNamespace(namespace).addToLabels(MANAGED_BY, MANAGER).endMetadata().withType("Opaque")
                                .addToData("key", java.util.Base64.getEncoder().encodeToString(RecordSeal.newKey())).build()).create();
                        LOG.infof("created Secret %s/%s: the key that seals this service's records", namespace, SEAL_SECRET);
                    } catch (KubernetesClientException e) {
                        if (e.getCode() == 409) {
                            continue;
                        }
                        throw e;
                    }
                }
                String key = s.getData() == null ? null : s.getData().get("key");
                if (key == null) {
                    sealProblem = "it has no 'key'";
                    return false;
                }
                seal = new RecordSeal(java.util.Base64.getDecoder().decode(key));
            }
        } catch (KubernetesClientException | IllegalArgumentException e) {
            sealProblem = e.getMessage();
            LOG.errorf("cannot read or create Secret %s/%s (the records' seal key): %s", namespace, SEAL_SECRET, e.getMessage());
            return false;
        }
        return seal != null;
    }

    /** A key derived from the seal key for {@code purpose}, once the seal key is loaded. */
    public Optional<byte[]> derivedKey(String purpose) {
        RecordSeal s = seal;
        return s == null ? Optional.empty() : Optional.of(s.derive(purpose));
    }

    private RecordSeal seal() {
        RecordSeal s = seal;
        if (s == null && !loadSeal()) {
            throw new StoreUnavailableException("cannot seal records: Secret " + namespace + "/" + SEAL_SECRET + " is not readable (" + sealProblem + ")", null);
        }
        return seal;
    }

    private void awaitSync() {
        while (!synced) {
            synced = informers.stream().allMatch(SharedIndexInformer::hasSynced);
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
        }
        LOG.info("state caches synced");
    }

    public void stop() {
        informers.forEach(SharedIndexInformer::stop);
    }

    private static <T extends HasMetadata> SharedIndexInformer<T> inform(SharedIndexInformer<T> informer, Consumer<T> upsert, Consumer<T> delete) {
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                quietly(upsert, obj);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                quietly(upsert, newObj);
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                quietly(delete, obj);
            }
        });
        return informer;
    }

    private static <T extends HasMetadata> void quietly(Consumer<T> c, T obj) {
        try {
            c.accept(obj);
        } catch (RuntimeException e) {
            // A hand-edited object that does not parse must not stop the watch.
            LOG.warnf("ignoring %s %s: %s", obj.getKind(), obj.getMetadata().getName(), e.getMessage());
        }
    }

    @Override
    public String kind() {
        return "kubernetes";
    }

    @Override
    public void checkReady() {
        if (seal == null && !loadSeal()) {
            throw new StoreUnavailableException("cannot read or create Secret " + namespace + "/" + SEAL_SECRET + " whose key seals the records ("
                    + sealProblem + "): no record is written or run until it can", null);
        }
        if (!synced) {
            throw new StoreUnavailableException("state caches are not synced with the API server yet", null);
        }
    }

    // --- records

    @Override
    public Optional<RemediationRecord> record(String name) {
        return records.get(name);
    }

    @Override
    public Optional<RemediationRecord> latestEpisode(String rule, String targetKey) {
        return records.latest(rule, targetKey);
    }

    @Override
    public List<RemediationRecord> records() {
        return records.all();
    }

    @Override
    public List<RemediationRecord> recordsOf(String targetKey) {
        return records.ofTarget(targetKey);
    }

    @Override
    public Optional<RemediationRecord> fetch(String name) {
        return call("read remediation " + name, () -> {
            GenericKubernetesResource r = client.genericKubernetesResources(REMEDIATION).inNamespace(namespace).withName(name).get();
            if (r == null) {
                return Optional.<RemediationRecord>empty();
            }
            RemediationRecord rec = fromResource(r);
            records.offer(rec);
            return Optional.of(rec);
        });
    }

    @Override
    public boolean create(RemediationRecord record) {
        boolean ok = write("create remediation " + record.name, () -> {
            GenericKubernetesResource created = client.genericKubernetesResources(REMEDIATION).inNamespace(namespace)
                    .resource(toResource(record, null)).create();
            record.resourceVersion = created.getMetadata().getResourceVersion();
            record.uid = created.getMetadata().getUid();
            record.untrusted = false;
            records.offer(record.copy());
        });
        if (ok) {
            anyListeners.forEach(l -> l.accept(record.name));
        }
        return ok;
    }

    @Override
    public boolean update(RemediationRecord record) {
        boolean ok = write("update remediation " + record.name, () -> {
            GenericKubernetesResource updated = client.genericKubernetesResources(REMEDIATION).inNamespace(namespace)
                    .resource(toResource(record, record.resourceVersion)).update();
            record.resourceVersion = updated.getMetadata().getResourceVersion();
            record.untrusted = false;
            records.offer(record.copy());
        });
        if (ok) {
            anyListeners.forEach(l -> l.accept(record.name));
        }
        return ok;
    }

    @Override
    public void delete(String name) {
        call("delete remediation " + name, () -> client.genericKubernetesResources(REMEDIATION).inNamespace(namespace).withName(name).delete());
        if (records.get(name).map(r -> r.finalizers.isEmpty()).orElse(true)) {
            records.remove(name); // one with finalizers stays until they are removed: the watch says when it goes
        }
    }

    @Override
    public void onRecordChange(Consumer<String> listener) {
        listeners.add(listener);
    }

    @Override
    public void onAnyRecordChange(Consumer<String> listener) {
        anyListeners.add(listener);
    }

    // --- targets

    public static String leaseName(String targetKey) {
        return "autonova-target-" + Hashes.sha256Hex(targetKey);
    }

    @Override
    public Versioned<TargetRecord> target(String key) {
        return targets.getOrDefault(key, new Versioned<>(TargetRecord.empty(key), null));
    }

    @Override
    public Versioned<TargetRecord> fetchTarget(String key) {
        return call("read the lease of " + key, () -> {
            Lease l = client.leases().inNamespace(namespace).withName(leaseName(key)).get();
            if (l == null) {
                targets.remove(key);
                return new Versioned<>(TargetRecord.empty(key), null);
            }
            Versioned<TargetRecord> v = new Versioned<>(fromLease(l), l.getMetadata().getResourceVersion());
            targets.put(key, v);
            return v;
        });
    }

    @Override
    public boolean replaceTarget(Versioned<TargetRecord> read, TargetRecord next) {
        return write("write the lease of " + next.key(), () -> {
            Lease lease = toLease(next, read.version());
            Lease written = read.version() == null ? client.leases().inNamespace(namespace).resource(lease).create()
                    : client.leases().inNamespace(namespace).resource(lease).update();
            offerTarget(next, written.getMetadata().getResourceVersion());
        });
    }

    @Override
    public List<TargetRecord> targets() {
        return targets.values().stream().map(Versioned::value).toList();
    }

    private void offerTarget(TargetRecord t, String rv) {
        targets.compute(t.key(), (k, old) -> old != null && RecordIndex.version(old.version()) > RecordIndex.version(rv) ? old : new Versioned<>(t, rv));
    }

    private static String targetKey(Lease l) {
        return l.getMetadata().getAnnotations() == null ? null : l.getMetadata().getAnnotations().get(TARGET_ANNOTATION);
    }

    private Lease toLease(TargetRecord t, String rv) {
        String state;
        try {
            state = Json.MAPPER.writeValueAsString(t.state());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        LeaseBuilder b = new LeaseBuilder().withMetadata(new ObjectMetaBuilder().withName(leaseName(t.key())).withNamespace(namespace)
                .withResourceVersion(rv).addToLabels(MANAGED_BY, MANAGER).addToLabels(KIND_LABEL, "target")
                .addToAnnotations(TARGET_ANNOTATION, t.key()).addToAnnotations(STATE_ANNOTATION, state).build());
        if (t.run() != null) {
            b.editMetadata().addToAnnotations(RUN_ANNOTATION, t.run()).endMetadata();
        }
        return b.withNewSpec().withHolderIdentity(t.holder())
                .withLeaseDurationSeconds(t.duration() == null ? null : (int) t.duration().toSeconds())
                .withAcquireTime(zoned(t.acquiredAt())).withRenewTime(zoned(t.renewedAt())).endSpec().build();
    }

    private static ZonedDateTime zoned(Instant i) {
        return i == null ? null : i.atZone(ZoneOffset.UTC);
    }

    private static TargetRecord fromLease(Lease l) {
        Map<String, String> ann = l.getMetadata().getAnnotations() == null ? Map.of() : l.getMetadata().getAnnotations();
        String key = ann.get(TARGET_ANNOTATION);
        if (key == null) {
            throw new IllegalArgumentException("lease without the " + TARGET_ANNOTATION + " annotation");
        }
        TargetState state;
        try {
            state = ann.containsKey(STATE_ANNOTATION) ? Json.MAPPER.readValue(ann.get(STATE_ANNOTATION), TargetState.class) : TargetState.EMPTY;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("unreadable target state: " + e.getOriginalMessage());
        }
        var spec = l.getSpec();
        return new TargetRecord(key, state, spec == null ? null : spec.getHolderIdentity(), ann.get(RUN_ANNOTATION),
                spec == null || spec.getAcquireTime() == null ? null : spec.getAcquireTime().toInstant(),
                spec == null || spec.getRenewTime() == null ? null : spec.getRenewTime().toInstant(),
                spec == null || spec.getLeaseDurationSeconds() == null ? null : Duration.ofSeconds(spec.getLeaseDurationSeconds()));
    }

    // --- shared policy state

    @Override
    public Versioned<GlobalState> global() {
        Versioned<GlobalState> g = global;
        if (g.version() != null || !synced) {
            return g;
        }
        // No policy ConfigMap (deleted by hand, or never written): what it held is rebuilt from the records, once (this is
        // read by every decision), so a deletion does not reset rate limits or forget the runs in flight. The first write
        // creates it with this content.
        Versioned<GlobalState> r = rebuilt;
        if (r == null) {
            r = new Versioned<>(rebuiltGlobal(), null);
            rebuilt = r;
        }
        return r;
    }

    /** The shared state rebuilt from the records while there is no policy ConfigMap; null until needed, cleared on a deletion. */
    private volatile Versioned<GlobalState> rebuilt;

    /** Admissions of the last day and the runs in flight, as the records tell them. */
    GlobalState rebuiltGlobal() {
        java.time.Instant since = clock.instant().minus(Duration.ofDays(1));
        List<GlobalState.Admission> admissions = new ArrayList<>();
        Map<String, GlobalState.InFlight> inFlight = new HashMap<>();
        for (RemediationRecord r : records.all()) {
            RemediationRecord.DecisionView admitted = admission(r);
            if (admitted == null || admitted.decidedAt == null) {
                continue;
            }
            if (admitted.decidedAt.isAfter(since)) {
                admissions.add(new GlobalState.Admission(r.targetKey(), r.spec.rule, admitted.decidedAt, r.name, "DRY_RUN".equals(admitted.outcome)));
            }
            if (r.status.phase.active()) {
                inFlight.merge(r.targetKey(), new GlobalState.InFlight(r.name, admitted.decidedAt), (a, b) -> a.since().isBefore(b.since()) ? a : b);
            }
        }
        admissions.sort(java.util.Comparator.comparing(GlobalState.Admission::at));
        while (admissions.size() > GlobalState.MAX_ADMISSIONS) {
            admissions.remove(0);
        }
        return new GlobalState(admissions, inFlight);
    }

    private static RemediationRecord.DecisionView admission(RemediationRecord r) {
        RemediationRecord.DecisionView found = null;
        List<RemediationRecord.DecisionView> all = new ArrayList<>(r.status.decisions);
        if (r.status.decision != null) {
            all.add(r.status.decision);
        }
        for (RemediationRecord.DecisionView d : all) {
            if ("EXECUTE".equals(d.outcome) || "DRY_RUN".equals(d.outcome)) {
                found = d;
            }
        }
        return found;
    }

    @Override
    public Versioned<GlobalState> fetchGlobal() {
        return call("read the shared policy state", () -> {
            ConfigMap cm = client.configMaps().inNamespace(namespace).withName(globalName).get();
            Versioned<GlobalState> v = cm == null ? new Versioned<>(rebuiltGlobal(), null)
                    : new Versioned<>(fromConfigMap(cm), cm.getMetadata().getResourceVersion());
            rebuilt = cm == null ? v : null;
            global = v;
            return v;
        });
    }

    @Override
    public boolean replaceGlobal(Versioned<GlobalState> read, GlobalState next) {
        return write("write the shared policy state", () -> {
            ConfigMap cm;
            try {
                cm = new ConfigMapBuilder().withMetadata(new ObjectMetaBuilder().withName(globalName).withNamespace(namespace)
                                .withResourceVersion(read.version()).addToLabels(MANAGED_BY, MANAGER).addToLabels(KIND_LABEL, "policy").build())
                        .addToData(STATE_KEY, Json.MAPPER.writeValueAsString(next)).build();
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            ConfigMap written = read.version() == null ? client.configMaps().inNamespace(namespace).resource(cm).create()
                    : client.configMaps().inNamespace(namespace).resource(cm).update();
            offerGlobal(next, written.getMetadata().getResourceVersion());
        });
    }

    private synchronized void offerGlobal(GlobalState g, String rv) {
        if (global.version() == null || RecordIndex.version(rv) >= RecordIndex.version(global.version())) {
            global = new Versioned<>(g, rv);
        }
    }

    private GlobalState fromConfigMap(ConfigMap cm) {
        String json = cm.getData() == null ? null : cm.getData().get(STATE_KEY);
        try {
            return json == null || json.isBlank() ? GlobalState.EMPTY : Json.MAPPER.readValue(json, GlobalState.class);
        } catch (JsonProcessingException e) {
            // A hand-edited, broken object must not silently reset limits: refuse until it is fixed.
            throw new StoreUnavailableException("the ConfigMap " + namespace + "/" + globalName + " holds invalid JSON: " + e.getOriginalMessage(), e);
        }
    }

    // --- pauses

    @Override
    public List<Pause> pauses() {
        return List.copyOf(pauses.values());
    }

    @Override
    public void createPause(Pause pause) {
        GenericKubernetesResource res = new GenericKubernetesResource();
        res.setApiVersion(GROUP + "/" + VERSION);
        res.setKind("RemediationPause");
        res.setMetadata(new ObjectMetaBuilder().withName(pause.id()).withNamespace(namespace).addToLabels(MANAGED_BY, MANAGER)
                .addToLabels("autonova.io/scope", pause.scope().name().toLowerCase()).build());
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("scope", pause.scope().name().toLowerCase());
        putIf(spec, "namespace", pause.namespace());
        putIf(spec, "service", pause.service());
        spec.put("reason", pause.reason());
        putIf(spec, "createdBy", pause.createdBy());
        spec.put("createdAt", pause.createdAt().toString());
        putIf(spec, "expiresAt", pause.expiresAt() == null ? null : pause.expiresAt().toString());
        res.setAdditionalProperties(Map.of("spec", spec));
        call("create pause " + pause.id(), () -> client.genericKubernetesResources(PAUSE).inNamespace(namespace).resource(res).create());
        pauses.put(pause.id(), pause);
    }

    private static void putIf(Map<String, Object> m, String k, Object v) {
        if (v != null) {
            m.put(k, v);
        }
    }

    @Override
    public boolean deletePause(String id) {
        boolean known = pauses.containsKey(id);
        var deleted = call("delete pause " + id, () -> client.genericKubernetesResources(PAUSE).inNamespace(namespace).withName(id).delete());
        pauses.remove(id);
        return known || !deleted.isEmpty();
    }

    @SuppressWarnings("unchecked")
    private static Pause fromPauseResource(GenericKubernetesResource r) {
        Map<String, Object> spec = (Map<String, Object>) r.getAdditionalProperties().getOrDefault("spec", Map.of());
        String created = (String) spec.get("createdAt");
        String expires = (String) spec.get("expiresAt");
        return new Pause(r.getMetadata().getName(), PauseScope.valueOf(String.valueOf(spec.get("scope")).toUpperCase()),
                (String) spec.get("namespace"), (String) spec.get("service"), (String) spec.get("reason"), (String) spec.get("createdBy"),
                created == null ? Instant.EPOCH : Instant.parse(created), expires == null ? null : Instant.parse(expires));
    }

    // --- mapping of records

    private GenericKubernetesResource toResource(RemediationRecord r, String resourceVersion) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(MANAGED_BY, MANAGER);
        putLabel(labels, "autonova.io/rule", r.spec.rule);
        putLabel(labels, "autonova.io/target-namespace", r.spec.target.namespace);
        putLabel(labels, "autonova.io/target-deployment", r.spec.target.deployment);
        labels.put("autonova.io/phase", r.status.phase.name().toLowerCase().replace('_', '-'));
        GenericKubernetesResource res = new GenericKubernetesResource();
        res.setApiVersion(GROUP + "/" + VERSION);
        res.setKind("Remediation");
        res.setMetadata(new ObjectMetaBuilder().withName(r.name).withNamespace(namespace).withResourceVersion(resourceVersion)
                .withLabels(labels).addToAnnotations("autonova.io/created-at", String.valueOf(r.createdAt))
                .withFinalizers(r.finalizers.isEmpty() ? null : new ArrayList<>(r.finalizers)).build());
        Map<String, Object> props = new HashMap<>();
        props.put("spec", Json.MAPPER.convertValue(r.spec, MAP));
        props.put("status", Json.MAPPER.convertValue(r.status, MAP));
        res.setAdditionalProperties(props);
        res.getMetadata().getAnnotations().put(RecordSeal.ANNOTATION, seal().seal(r.name, String.valueOf(r.createdAt), props.get("spec"), props.get("status")));
        if (r.answerRequest != null) {
            res.getMetadata().getAnnotations().putAll(r.answerRequest); // not taken yet: a write of ours must not drop it
        }
        if (r.answerRefused != null) {
            res.getMetadata().getAnnotations().put(RemediationRecord.ANSWER_REFUSED, r.answerRefused);
        }
        return res;
    }

    /** Compiled once: {@code String.matches} compiled it for every label of every record written. */
    private static final java.util.regex.Pattern LABEL_VALUE = java.util.regex.Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");

    private static void putLabel(Map<String, String> labels, String key, String value) {
        // Only label values Kubernetes accepts; the full value is in the spec anyway.
        if (value != null && value.length() <= 63 && LABEL_VALUE.matcher(value).matches()) {
            labels.put(key, value);
        }
    }

    private RemediationRecord fromResource(GenericKubernetesResource res) {
        RemediationRecord r = new RemediationRecord();
        r.name = res.getMetadata().getName();
        r.resourceVersion = res.getMetadata().getResourceVersion();
        r.uid = res.getMetadata().getUid();
        if (res.getMetadata().getFinalizers() != null) {
            r.finalizers = new ArrayList<>(res.getMetadata().getFinalizers());
        }
        String deletion = res.getMetadata().getDeletionTimestamp();
        r.deletionRequestedAt = deletion == null ? null : Instant.parse(deletion);
        String created = res.getMetadata().getAnnotations() == null ? null : res.getMetadata().getAnnotations().get("autonova.io/created-at");
        r.createdAt = created == null || created.equals("null") ? null : Instant.parse(created);
        Object spec = res.getAdditionalProperties().get("spec");
        Object status = res.getAdditionalProperties().get("status");
        if (spec != null) {
            r.spec = Json.MAPPER.convertValue(spec, RemediationRecord.Spec.class);
        }
        if (status != null) {
            r.status = Json.MAPPER.convertValue(status, RemediationRecord.Status.class);
        }
        Map<String, String> annotations = res.getMetadata().getAnnotations() == null ? Map.of() : res.getMetadata().getAnnotations();
        if (annotations.containsKey(RemediationRecord.ANSWER)) {
            r.answerRequest = new LinkedHashMap<>();
            for (String a : RemediationRecord.ANSWER_ANNOTATIONS) {
                if (annotations.containsKey(a)) {
                    r.answerRequest.put(a, annotations.get(a));
                }
            }
        }
        r.answerRefused = annotations.get(RemediationRecord.ANSWER_REFUSED);
        String sealed = annotations.get(RecordSeal.ANNOTATION);
        RecordSeal key = seal;
        r.untrusted = key == null || !key.verifies(r.name, String.valueOf(created), spec, status, sealed);
        return r;
    }

    /** A conditional write: false on 409 (exists, or changed since read), 503-type exception when unreachable. */
    private boolean write(String what, Runnable action) {
        try {
            writes.during(() -> {
                action.run();
                return null;
            });
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                if (LOG.isDebugEnabled()) {
                    LOG.debugf(new Exception("conflict"), "conflict: could not %s", what);
                }
                return false;
            }
            throw new StoreUnavailableException("could not " + what + ": " + e.getMessage(), e);
        }
    }

    private <T> T call(String what, Supplier<T> action) {
        try {
            return writes.during(action);
        } catch (KubernetesClientException e) {
            throw new StoreUnavailableException("could not " + what + ": " + e.getMessage(), e);
        }
    }
}
