package io.autonova.remediator.runtime;

import io.autonova.remediator.cluster.ConfigHistory;
import io.autonova.remediator.cluster.FabricClusterActions;
import io.autonova.remediator.config.RemediatorConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Keeps the history of opted-in ConfigMaps and Secrets (label {@value ConfigHistory#OPT_IN}=true) by watching
 * them in every namespace and snapshotting each new content. Off in dry-run (snapshots are writes) and without
 * a cluster. Every replica watches; snapshots are named by content, so they agree.
 */
@ApplicationScoped
public class ConfigHistoryWatcher {

    private static final Logger LOG = Logger.getLogger(ConfigHistoryWatcher.class);

    private final ServiceRuntime runtime;
    private final RemediatorConfig config;
    private final Clock clock;
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();

    public ConfigHistoryWatcher(ServiceRuntime runtime, RemediatorConfig config, Clock clock) {
        this.runtime = runtime;
        this.config = config;
        this.clock = clock;
    }

    void start(@Observes StartupEvent event) {
        KubernetesClient client = runtime.client().orElse(null);
        if (client == null || runtime.dryRun() || !config.configHistory().enabled()) {
            return;
        }
        java.util.Set<String> secrets = config.configHistory().secretNamespaces().orElse(java.util.Set.of());
        if (!secrets.isEmpty() && !ConfigHistory.secretHashesKeyed()) {
            LOG.errorf("configuration history of Secrets is off: the key their contents are hashed under is not readable (see the seal Secret)");
            secrets = java.util.Set.of();
        }
        // Snapshots are written beside their source: never in a namespace the service must not act in.
        var cluster = new io.autonova.remediator.cluster.GuardedClusterActions(new FabricClusterActions(client), runtime.guard(),
                config.argocd().namespace(), secrets);
        int keep = config.configHistory().keep();
        runtime.changes().configHistoryKept(true);
        boolean allSecrets = secrets.contains("*");
        if (runtime.allowedNamespaces().isPresent()) {
            // RBAC is bound per namespace then: one watch per allowed namespace, never a cluster-wide one.
            for (String ns : runtime.allowedNamespaces().get()) {
                informers.add(client.configMaps().inNamespace(ns).withLabel(ConfigHistory.OPT_IN, "true")
                        .inform(handler(c -> keep(cluster, c, ConfigHistory.record(cluster, c, clock.instant(), keep))), 0));
                if (allSecrets || secrets.contains(ns)) {
                    informers.add(client.secrets().inNamespace(ns).withLabel(ConfigHistory.OPT_IN, "true")
                            .inform(handler(s -> keep(cluster, s, ConfigHistory.record(cluster, s, clock.instant(), keep))), 0));
                }
            }
        } else {
            informers.add(client.configMaps().inAnyNamespace().withLabel(ConfigHistory.OPT_IN, "true")
                    .inform(handler(c -> keep(cluster, c, ConfigHistory.record(cluster, c, clock.instant(), keep))), 0));
            if (allSecrets) {
                informers.add(client.secrets().inAnyNamespace().withLabel(ConfigHistory.OPT_IN, "true")
                        .inform(handler(s -> keep(cluster, s, ConfigHistory.record(cluster, s, clock.instant(), keep))), 0));
            } else {
                for (String ns : secrets) {
                    informers.add(client.secrets().inNamespace(ns).withLabel(ConfigHistory.OPT_IN, "true")
                            .inform(handler(s -> keep(cluster, s, ConfigHistory.record(cluster, s, clock.instant(), keep))), 0));
                }
            }
        }
        LOG.infof("keeping the last %d contents of ConfigMaps (and of Secrets in %s) labelled %s=true", keep, secrets.isEmpty() ? "no namespace" : new java.util.TreeSet<>(secrets), ConfigHistory.OPT_IN);
    }

    /** The change timeline reads the kept contents from here (once per object at start, again when one changes). */
    private void keep(io.autonova.remediator.cluster.ClusterActions cluster, HasMetadata o, boolean changed) {
        String ns = o.getMetadata().getNamespace();
        String name = o.getMetadata().getName();
        String kind = o instanceof Secret ? "Secret" : "ConfigMap";
        if (changed || !known.contains(ns + "/" + kind + "/" + name)) {
            runtime.changes().configVersions(ns, kind, name, ConfigHistory.versions(cluster, kind, ns, name));
            known.add(ns + "/" + kind + "/" + name);
        }
    }

    private final java.util.Set<String> known = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static <T extends HasMetadata> ResourceEventHandler<T> handler(Consumer<T> snapshot) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                safely(obj, snapshot);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                safely(newObj, snapshot);
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                // Snapshots stay: restoring a deleted object is a human's call.
            }
        };
    }

    private static <T extends HasMetadata> void safely(T obj, Consumer<T> snapshot) {
        try {
            snapshot.accept(obj);
        } catch (RuntimeException e) {
            // Names only: never the content of a Secret.
            LOG.warnf("could not snapshot %s %s/%s: %s", obj.getKind(), obj.getMetadata().getNamespace(), obj.getMetadata().getName(), e.getMessage());
        }
    }

    void stop(@Observes ShutdownEvent event) {
        informers.forEach(SharedIndexInformer::close);
    }
}
