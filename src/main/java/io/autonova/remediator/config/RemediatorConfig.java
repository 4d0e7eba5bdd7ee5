package io.autonova.remediator.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** All settings, under {@code remediator.*} (environment: {@code REMEDIATOR_*}). */
@ConfigMapping(prefix = "remediator")
public interface RemediatorConfig {

    Rules rules();

    /** Record what would be done and change nothing. Forced on when the state store is in-memory. */
    @WithDefault("false")
    boolean dryRun();

    Webhook webhook();

    Admin admin();

    State state();

    Execution execution();

    ArgoCd argocd();

    Kafka kafka();

    interface Kafka {
        /** Brokers to read signals from; when unset, Kafka ingest is off and only webhooks are served. */
        java.util.Optional<String> bootstrapServers();

        @WithDefault("autonova.signals")
        java.util.List<String> topics();

        @WithDefault("autonova-remediator")
        String groupId();

        /** Poison records go here, with the reason in headers. */
        @WithDefault("autonova.signals.dlq")
        String deadLetterTopic();

        @WithDefault("5000")
        int maxPollRecords();

        /** Consumers this replica runs in the group (threads). */
        @WithDefault("1")
        int consumers();
    }

    interface Rules {
        /** Directory of rule files (*.yaml, *.yml). */
        @WithDefault("rules")
        Path dir();

        /** How often the directory is checked for changes. */
        @WithDefault("5s")
        Duration reloadInterval();
    }

    interface Webhook {
        /** Bearer token Alertmanager sends; or {@link #tokenFile()}. */
        Optional<String> token();

        Optional<Path> tokenFile();

        /** Larger bodies get 413. */
        @WithDefault("1048576")
        int maxBodyBytes();
    }

    interface Admin {
        /** Bearer token for the operator API; must differ from the webhook token. */
        Optional<String> token();

        Optional<Path> tokenFile();
    }

    interface State {
        /** auto: Kubernetes when reachable, else in-memory with dry-run; kubernetes: required; memory. */
        @WithDefault("auto")
        StoreMode store();

        /** Namespace holding Remediation records and the ledger ConfigMap. */
        @WithDefault("autonova-system")
        String namespace();

        @WithDefault("autonova-remediator-ledger")
        String ledgerName();

        /** How long the start-up check waits for the API server in auto mode. */
        @WithDefault("3s")
        Duration probeTimeout();
    }

    enum StoreMode { AUTO, KUBERNETES, MEMORY }

    interface Execution {
        /** Default bound on waiting for a rollout to complete; rules may set verifyTimeout. */
        @WithDefault("5m")
        Duration verifyTimeout();

        @WithDefault("2s")
        Duration pollInterval();

        /** Worker threads running remediations. */
        @WithDefault("4")
        int threads();

        /** How often counted re-sends of settled alerts are written to their records. */
        @WithDefault("5s")
        Duration resendFlushInterval();

        /** A target stays "in flight" at most this long if its replica dies mid-run. */
        @WithDefault("30m")
        Duration inFlightTtl();
    }

    interface ArgoCd {
        /** Namespace of Argo CD Application resources. */
        @WithDefault("argocd")
        String namespace();
    }
}
