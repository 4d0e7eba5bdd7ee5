package io.autonova.remediator.state;

import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.api.model.events.v1.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * {@code events.k8s.io/v1} Events, aggregated as client-go's recorder does: the first occurrence of a
 * (object, reason, note) creates an Event; later ones raise its {@code series.count}, written in one patch
 * per Event every {@code seriesInterval}. Writes run on one background thread with a bounded queue, so a
 * storm of decisions never waits on them, and each waits (up to {@link #MAX_DEFER}) for a pause in the state
 * store's calls, so that they do not queue at the API server ahead of the records a storm must create.
 */
public class KubernetesEventRecorder implements EventRecorder {

    private static final Logger LOG = Logger.getLogger(KubernetesEventRecorder.class);
    private static final int MAX_TRACKED = 10_000;
    static final java.time.Duration MAX_DEFER = java.time.Duration.ofSeconds(2);
    private static final DateTimeFormatter MICRO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSX").withZone(java.time.ZoneOffset.UTC);

    private static final class Series {
        final String namespace;
        final String name;
        int count = 1;
        Instant last;
        boolean dirty;

        Series(String namespace, String name, Instant last) {
            this.namespace = namespace;
            this.name = name;
            this.last = last;
        }
    }

    private final KubernetesClient client;
    private final String stateNamespace;
    private final String instance;
    private final java.time.Clock clock;
    private final StateWrites priority;
    private final Map<String, Series> series = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Series> eldest) {
            return size() > MAX_TRACKED;
        }
    };
    private final ExecutorService writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(10_000), r -> {
        Thread t = new Thread(r, "event-recorder");
        t.setDaemon(true);
        return t;
    }, new ThreadPoolExecutor.DiscardPolicy());

    public KubernetesEventRecorder(KubernetesClient client, String stateNamespace, String instance, java.time.Clock clock, StateWrites priority) {
        this.client = client;
        this.priority = priority;
        this.stateNamespace = stateNamespace;
        this.instance = instance;
        this.clock = clock;
    }

    @Override
    public void emit(RemediationRecord record, boolean warning, String reason, String note) {
        Instant now = clock.instant();
        String shortNote = note.length() > 1000 ? note.substring(0, 1000) : note;
        ObjectReference onRecord = new ObjectReferenceBuilder().withApiVersion(KubernetesStateStore.GROUP + "/" + KubernetesStateStore.VERSION)
                .withKind("Remediation").withNamespace(stateNamespace).withName(record.name).withUid(record.uid).build();
        ObjectReference onTarget = new ObjectReferenceBuilder().withApiVersion("apps/v1").withKind("Deployment")
                .withNamespace(record.spec.target.namespace).withName(record.spec.target.deployment).build();
        occurrence(stateNamespace, onRecord, warning, reason, shortNote, now, record.name);
        occurrence(record.spec.target.namespace, onTarget, warning, reason, shortNote, now, record.name);
    }

    private void occurrence(String namespace, ObjectReference regarding, boolean warning, String reason, String note, Instant now, String related) {
        // Aggregate on the reason code, not the sentence: "COOLDOWN: last action at ..." varies with every alert.
        String code = note.contains(":") ? note.substring(0, note.indexOf(':')) : note;
        String key = regarding.getKind() + "/" + regarding.getNamespace() + "/" + regarding.getName() + "/" + reason + "/" + code;
        Series s;
        synchronized (series) {
            s = series.get(key);
            if (s != null) {
                s.count++;
                s.last = now;
                s.dirty = true;
                return;
            }
            String name = regarding.getName() + "." + Long.toHexString(now.toEpochMilli() * 1000 + (System.nanoTime() % 1000 + 1000) % 1000);
            series.put(key, new Series(namespace, name, now));
            s = series.get(key);
        }
        String eventName = s.name;
        deferred(() -> {
            try {
                Event e = new EventBuilder().withMetadata(new ObjectMetaBuilder().withName(eventName).withNamespace(namespace).build())
                        .withEventTime(new MicroTime(MICRO.format(now.truncatedTo(ChronoUnit.MICROS)))).withReportingController("autonova.io/remediator")
                        .withReportingInstance(instance).withAction("Decide").withReason(reason).withNote(note).withType(warning ? "Warning" : "Normal")
                        .withRegarding(withUid(regarding)).build();
                client.resources(Event.class).inNamespace(namespace).resource(e).create();
            } catch (RuntimeException ex) {
                // Said once per namespace at WARN (a 403 here is missing RBAC, not noise), then at debug.
                if (warnedNamespaces.add(namespace)) {
                    LOG.warnf("could not write event %s/%s: %s", namespace, eventName, ex.getMessage());
                } else {
                    LOG.debugf("could not write event %s/%s: %s", namespace, eventName, ex.getMessage());
                }
            }
        });
    }

    private final java.util.Set<String> warnedNamespaces = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private record Uid(String uid, Instant at) {
    }

    private static final java.time.Duration UID_TTL = java.time.Duration.ofMinutes(10);
    /** A Deployment's UID from a watch cache the replica keeps anyway (namespace, name); empty: not known there. */
    private volatile java.util.function.BiFunction<String, String, java.util.Optional<String>> deploymentUids = (ns, name) -> java.util.Optional.empty();

    /** Reads Deployments' UIDs from {@code lookup} first (a storm's Events on 200 targets made 200 GETs before). */
    public void deploymentUids(java.util.function.BiFunction<String, String, java.util.Optional<String>> lookup) {
        this.deploymentUids = lookup;
    }
    private final Map<String, Uid> uids = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Uid> eldest) {
            return size() > MAX_TRACKED;
        }
    };

    /**
     * The object's UID on the reference: {@code kubectl describe} selects Events by {@code involvedObject.uid}, so an Event
     * without it is stored but never shown there. A Deployment's comes from the watch cache when it is there; otherwise it
     * is looked up once per object (cached 10 minutes: a recreated object gets a new UID); an object that does not exist
     * gets an Event without one.
     */
    private ObjectReference withUid(ObjectReference ref) {
        if (ref.getUid() != null) {
            return ref; // a record's UID comes with it from the store: no lookup
        }
        if (ref.getKind().equals("Deployment")) {
            java.util.Optional<String> cached = deploymentUids.apply(ref.getNamespace(), ref.getName());
            if (cached.isPresent()) {
                return new ObjectReferenceBuilder(ref).withUid(cached.get()).build();
            }
        }
        String key = ref.getKind() + "/" + ref.getNamespace() + "/" + ref.getName();
        Uid known;
        synchronized (uids) {
            known = uids.get(key);
        }
        if (known == null || clock.instant().isAfter(known.at().plus(UID_TTL))) {
            io.fabric8.kubernetes.api.model.HasMetadata o = ref.getKind().equals("Deployment")
                    ? client.apps().deployments().inNamespace(ref.getNamespace()).withName(ref.getName()).get()
                    : client.genericKubernetesResources(KubernetesStateStore.REMEDIATION).inNamespace(ref.getNamespace()).withName(ref.getName()).get();
            known = new Uid(o == null ? null : o.getMetadata().getUid(), clock.instant());
            synchronized (uids) {
                uids.put(key, known);
            }
        }
        return known.uid() == null ? ref : new ObjectReferenceBuilder(ref).withUid(known.uid()).build();
    }

    /** Writes the counts of repeated occurrences: one patch per Event that repeated since the last flush. */
    public void flushSeries() {
        Map<Series, Integer> dirty = new LinkedHashMap<>();
        synchronized (series) {
            for (Series s : series.values()) {
                if (s.dirty) {
                    s.dirty = false;
                    dirty.put(s, s.count);
                }
            }
        }
        dirty.forEach((s, count) -> deferred(() -> {
            try {
                String patch = "{\"series\":{\"count\":" + count + ",\"lastObservedTime\":\"" + MICRO.format(s.last.truncatedTo(ChronoUnit.MICROS)) + "\"}}";
                client.resources(Event.class).inNamespace(s.namespace).withName(s.name)
                        .patch(new PatchContext.Builder().withPatchType(PatchType.JSON_MERGE).build(), patch);
            } catch (RuntimeException ex) {
                LOG.debugf("could not update event series %s/%s: %s", s.namespace, s.name, ex.getMessage());
            }
        }));
    }

    /** Queues a write that goes ahead once the state store pauses, or {@link #MAX_DEFER} after it was queued. */
    private void deferred(Runnable write) {
        Instant queued = clock.instant();
        writer.execute(() -> {
            try {
                priority.awaitIdle(queued.plus(MAX_DEFER));
            } catch (InterruptedException stopping) {
                Thread.currentThread().interrupt();
            }
            write.run();
        });
    }

    public void stop() {
        writer.shutdown();
    }
}
