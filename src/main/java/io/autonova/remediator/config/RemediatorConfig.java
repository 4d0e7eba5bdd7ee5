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

    GitOps gitops();

    Records records();

    /** This replica's identity in Leases and records; default: the host name (the pod name in Kubernetes). */
    Optional<String> replicaId();

    /**
     * The only namespaces the service may act in (with RBAC bound per namespace); targets elsewhere are refused
     * with NAMESPACE_NOT_ALLOWED. Unset: every namespace but the protected and denied ones.
     */
    Optional<java.util.Set<String>> allowedNamespaces();

    /**
     * Namespaces never acted in, on top of those always refused (kube-system, kube-public, kube-node-lease, the
     * service's own and Argo CD's): NAMESPACE_PROTECTED.
     */
    Optional<java.util.Set<String>> deniedNamespaces();

    /** How often the service account's permissions are checked against what the configuration needs (SelfSubjectAccessReview). */
    @WithDefault("60s")
    java.time.Duration permissionCheckInterval();

    interface Records {
        /** Finished records are deleted this long after they finished. */
        @WithDefault("30d")
        Duration retention();

        /** At most this many finished records are kept per target (newest first). */
        @WithDefault("20")
        int keepPerTarget();

        /** How often retention runs. */
        @WithDefault("10m")
        Duration gcInterval();
    }

    Kafka kafka();

    /**
     * The short form of the Kafka settings. The signals channel ({@code mp.messaging.incoming.signals.*} in
     * application.properties) is built from these; any connector attribute can be set there directly too.
     */
    interface Kafka {
        /** Brokers to read signals from; when unset, Kafka ingest is off and only webhooks are served. */
        java.util.Optional<String> bootstrapServers();

        /** Signal topics; the backbone writes to the first. */
        @WithDefault("autonova.signals")
        java.util.List<String> topics();

        /** Consumer group of all replicas. */
        @WithDefault("autonova-remediator")
        String groupId();

        /** Poison records go here, with the reason in headers. */
        @WithDefault("autonova.signals.dlq")
        String deadLetterTopic();

        /** Records per poll, so per batch. */
        @WithDefault("5000")
        int maxPollRecords();

        /** Live signals older than this are ignored for acting (counted as stale); default: the longest window plus its lateness. */
        Optional<Duration> maxSignalAge();

        /** Consumers this replica runs in the group (the connector's {@code partitions}). */
        @WithDefault("1")
        int consumers();

        /**
         * Webhook alerts go through Kafka: produced to the first signal topic keyed by target (idempotent, acks=all),
         * answered 202 once the broker has them, decided by the consumer that owns the target's partition.
         */
        @WithDefault("false")
        boolean webhookBackbone();

        /** A batch of signals in processing for longer than this (a decision retried, or a hang) makes the replica unready. */
        @WithDefault("2m")
        Duration stuckAfter();

        /** How long the webhook waits for the broker to acknowledge its alerts before answering 503. */
        @WithDefault("10s")
        Duration publishTimeout();
    }

    interface Rules {
        /** Directory of rule files (*.yaml, *.yml). */
        @WithDefault("rules")
        Path dir();

        /** How often the directory is checked for changes. */
        @WithDefault("5s")
        Duration reloadInterval();
    }

    Warmup warmup();

    interface Warmup {
        /**
         * How long a starting replica decides synthetic alerts (through its decision path and its Kubernetes store's code,
         * against a throwaway API server on 127.0.0.1) before it reports ready, so its first storm meets compiled code; 0: off.
         */
        @WithDefault("1s")
        Duration budget();

        /**
         * Whose store code it runs: the service's own ({@code auto}), or the Kubernetes store's on a throwaway API server
         * whatever the service uses ({@code kubernetes}: the image's AOT training, which has no cluster). The JIT's profiles
         * follow the classes it sees, so warming the other store's code would mislead them.
         */
        @WithDefault("auto")
        WarmupStore store();
    }

    /** See {@link Warmup#store()}. */
    enum WarmupStore {
        AUTO, KUBERNETES, MEMORY
    }

    interface Webhook {
        /** Bearer token Alertmanager sends; or {@link #tokenFile()}. */
        Optional<String> token();

        Optional<Path> tokenFile();

        /** Larger bodies get 413. */
        @WithDefault("33554432")
        int maxBodyBytes();

        /** Append every delivery (as parsed, with its receive time) to this JSON-lines file, for scripts/rules backtest. */
        Optional<Path> captureFile();

        /** The capture file is rotated (to {@code <file>.1}, replacing the previous one) when it would grow past this. */
        @WithDefault("104857600")
        long captureMaxBytes();

        /** Decisions that write, carried out at once over all deliveries (their API calls overlap; one episode is still decided by one thread). */
        @WithDefault("8")
        int parallelism();
    }

    interface Admin {
        /** Bearer token for the operator API (break-glass: may do everything); must differ from the webhook token. */
        Optional<String> token();

        Optional<Path> tokenFile();

        /**
         * Operators' own Kubernetes tokens on the operator API: checked with a TokenReview, each action authorized with a
         * SubjectAccessReview on the remediator's resources. Needs the Kubernetes store's client.
         */
        @WithDefault("true")
        boolean kubernetesUsers();

        /**
         * Take approvals written with kubectl (annotations on the Remediation, {@code kubectl remediation approve}). Only
         * with the ValidatingAdmissionPolicy {@code autonova-remediator-answers} installed (the base installs both): it is
         * what vouches that the annotated user is the one who wrote it.
         */
        @WithDefault("false")
        boolean kubectlAnswers();

        /** How long a TokenReview or SubjectAccessReview answer is reused (bounded: a revoked binding takes effect after it). */
        @WithDefault("10s")
        java.time.Duration reviewCacheTtl();
    }

    interface State {
        /** auto: Kubernetes when reachable, else in-memory with dry-run; kubernetes: required; memory. */
        @WithDefault("auto")
        StoreMode store();

        /** Namespace holding Remediation records and the ledger ConfigMap. */
        @WithDefault("autonova-system")
        String namespace();

        /** The ConfigMap of shared policy state (rule and global rate limits, runs in flight). */
        @WithDefault("autonova-remediator-policy")
        String globalName();

        /** How long start-up waits for the state caches to fill before serving 503 until they do. */
        @WithDefault("30s")
        Duration syncTimeout();

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

        /** How often alerts folded into episodes (re-sends, new instances, repeats) are written to their records. */
        @WithDefault("30s")
        Duration resendFlushInterval();

        /** A replica owns a running remediation through its target's Lease, renewed every third of this. */
        @WithDefault("15s")
        Duration leaseDuration();

        /** How often a replica looks for runs whose Lease expired (their replica died). */
        @WithDefault("2s")
        Duration takeoverScanInterval();
    }

    ConfigHistorySettings configHistory();

    interface ConfigHistorySettings {
        /** Snapshot ConfigMaps and Secrets labelled autonova.io/config-history=true on every change (for configuration-rollback). */
        @WithDefault("true")
        boolean enabled();

        /**
         * The namespaces whose Secrets are snapshotted and may be restored ({@code *}: every namespace the service may
         * act in). Unset: Secrets are never read, kept or restored, and the service needs no Secret rights at all.
         */
        Optional<java.util.Set<String>> secretNamespaces();

        /** Contents kept per object. */
        @WithDefault("10")
        int keep();
    }

    Prometheus prometheus();

    interface Prometheus {
        /** Base URL of the Prometheus HTTP API that verifies a signal cleared (rules' verify blocks); unset: such checks end inconclusive. */
        Optional<java.net.URI> url();

        /** A bearer token, read at every query (rotation needs no restart). */
        Optional<Path> tokenFile();

        @WithDefault("10s")
        Duration timeout();
    }

    Grafana grafana();

    interface Grafana {
        /** Base URL of Grafana; set it to mark each run as an annotation region. */
        Optional<java.net.URI> url();

        /** A service-account token, read at every call. */
        Optional<Path> tokenFile();

        /** Pin annotations to one dashboard (UID); unset: organisation-wide annotations. */
        Optional<String> dashboardUid();

        /** Tags added to every annotation besides rollback, the scenario and the namespace. */
        Optional<java.util.List<String>> extraTags();
    }

    Chat chat();

    /** The peers runs are announced to, in the order notices are queued. */
    default java.util.List<String> noticeChannels() {
        java.util.List<String> c = new java.util.ArrayList<>();
        if (grafana().url().isPresent()) {
            c.add("grafana");
        }
        if (chat().webhookUrlFile().isPresent()) {
            c.add("chat");
        }
        return c;
    }

    interface Chat {
        /** A file holding the Slack-compatible incoming webhook URL (it is a secret); unset: no chat notices. */
        Optional<Path> webhookUrlFile();

        /** Link to the operator API or console, put in notices. */
        Optional<String> consoleUrl();

        /**
         * The Slack app's signing secret (a file): turns on the Approve / Deny buttons' endpoint,
         * {@code POST /api/v1/chat/slack/interactions}. Unset: the endpoint answers 404 and notices carry no buttons.
         */
        Optional<Path> slackSigningSecretFile();

        /**
         * Slack users who may press the buttons: {@code U0123ABCD} (allowed by this list alone) or
         * {@code U0123ABCD=alice} (acts as Kubernetes user alice: RBAC's approve is asked, rule approver lists apply).
         */
        Optional<java.util.List<String>> slackApprovers();

        /**
         * The Kubernetes groups of the users {@code slack-approvers} maps to, one {@code <user>=<group>} per entry (repeat
         * the user for more): Kubernetes cannot list a user's groups (its authenticator names them per request), so a
         * press is asked of RBAC, and of rule approver lists, with the groups given here.
         */
        Optional<java.util.List<String>> slackUserGroups();
    }

    /** Git write-back after an Argo CD rollback (rules opt in with {@code gitops:}); off until repositories are listed. */
    interface GitOps {
        /** Git URLs (prefixes) this service may push to and open requests on; a rule's write-back to any other is refused. */
        Optional<java.util.List<String>> repositories();

        /** {@code github} or {@code gitlab}: whose REST API opens pull/merge requests. */
        @WithDefault("github")
        String provider();

        /** The provider's REST API root; default https://api.github.com or https://gitlab.com/api/v4. */
        Optional<java.net.URI> apiUrl();

        /** A token with push and pull-request rights, read at each call: the HTTPS password for Git and the API's bearer token. */
        Optional<Path> tokenFile();

        /** For ssh:// (or git@host:path) repository URLs: an unencrypted private key file. */
        Optional<Path> sshKeyFile();

        /** The host keys SSH trusts (OpenSSH known_hosts format); required with an SSH key: unknown hosts are refused. */
        Optional<Path> knownHostsFile();

        /** The HTTPS user name the token goes with; default x-access-token (GitHub) or oauth2 (GitLab). */
        Optional<String> username();

        @WithDefault("autonova-remediator")
        String authorName();

        @WithDefault("autonova-remediator@users.noreply.autonova.io")
        String authorEmail();

        /** Where the bare mirrors live (one per repository); rebuilt by fetching when lost. */
        Optional<Path> workDir();

        /** How often a run waiting for its revert to be merged asks Git and the provider (each look fetches). */
        @WithDefault("30s")
        java.time.Duration pollInterval();
    }

    interface ArgoCd {
        /** Namespace of Argo CD Application resources. */
        @WithDefault("argocd")
        String namespace();
    }
}
