package io.autonova.remediator.cluster;

import io.fabric8.kubernetes.client.Config;
import io.quarkus.kubernetes.client.KubernetesConfigCustomizer;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * fabric8 allows 5 requests at once per host by default. Every watch of the caches holds one, so a storm's
 * writes would queue behind a single free connection; the Java Operator SDK raises the same limits for the
 * same reason.
 */
@Singleton
public class ClientTuning implements KubernetesConfigCustomizer {

    private final int perHost;

    public ClientTuning(@ConfigProperty(name = "remediator.kubernetes.max-concurrent-requests", defaultValue = "128") int perHost) {
        this.perHost = perHost;
    }

    @Override
    public void customize(Config config) {
        config.setMaxConcurrentRequests(Math.max(perHost, config.getMaxConcurrentRequests()));
        config.setMaxConcurrentRequestsPerHost(Math.max(perHost, config.getMaxConcurrentRequestsPerHost()));
        org.jboss.logging.Logger.getLogger(ClientTuning.class).infof("Kubernetes client: up to %d requests at once per API server",
                config.getMaxConcurrentRequestsPerHost());
    }
}
