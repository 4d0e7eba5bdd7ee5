package io.autonova.remediator.engine;

import io.autonova.remediator.config.DaemonThreads;
import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.peers.GitOps;
import io.autonova.remediator.peers.GitRemote;
import io.autonova.remediator.peers.HttpPeer;
import io.autonova.remediator.peers.PrometheusClient;
import io.autonova.remediator.peers.PullRequests;
import io.autonova.remediator.config.RemediatorMetrics;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import io.autonova.remediator.runtime.ServiceRuntime;
import io.autonova.remediator.state.TargetRecord;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The controller loop around {@link Reconciler}: a delay queue of record names (one entry per name, the
 * earliest time wins), a few workers, a scan that finds runs whose target Lease is free (a replica died) and
 * a renewer that keeps this replica's Leases alive. Level-triggered: any change to a record, or its next
 * check time, puts it back on the queue. On shutdown, workers finish their current step and the Leases are
 * released so another replica resumes at once.
 */
@ApplicationScoped
public class StepEngine {

    private static final Logger LOG = Logger.getLogger(StepEngine.class);

    private static final class Item implements Delayed {
        final String name;
        final long at;

        Item(String name, long at) {
            this.name = name;
            this.at = at;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(at - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(at, ((Item) o).at);
        }
    }

    private final ServiceRuntime runtime;
    private final RemediatorConfig config;
    private final RemediatorMetrics metrics;
    private final Clock clock;
    private final List<ScenarioPlan> plans = ScenarioPlan.all();
    private final DelayQueue<Item> queue = new DelayQueue<>();
    private final Map<String, Long> scheduled = new ConcurrentHashMap<>();
    private final Map<String, Boolean> busy = new ConcurrentHashMap<>();
    private final Map<String, Instant> receivedAt = new ConcurrentHashMap<>();
    private final List<Thread> workers = new ArrayList<>();
    private volatile Reconciler reconciler;
    private volatile boolean stopping;
    private ScheduledExecutorService background;
    private ScheduledExecutorService renewer;

    public StepEngine(ServiceRuntime runtime, RemediatorConfig config, RemediatorMetrics metrics, Clock clock) {
        this.runtime = runtime;
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
    }

    void start(@Observes @Priority(10) StartupEvent event) {
        start();
    }

    /** Git write-back, or null while no repository is listed (rules asking for it then hold their target after the rollback). */
    static GitOps gitOps(RemediatorConfig.GitOps c) {
        java.util.List<String> repos = c.repositories().orElse(java.util.List.of());
        if (repos.isEmpty()) {
            return null;
        }
        PullRequests.Provider provider;
        try {
            provider = PullRequests.Provider.valueOf(c.provider().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("remediator.gitops.provider must be github or gitlab, not '" + c.provider() + "'");
        }
        java.net.URI api = c.apiUrl().orElse(java.net.URI.create(provider == PullRequests.Provider.GITHUB ? "https://api.github.com"
                : "https://gitlab.com/api/v4"));
        String user = c.username().orElse(provider == PullRequests.Provider.GITHUB ? "x-access-token" : "oauth2");
        java.nio.file.Path work = c.workDir().orElse(java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "autonova-gitops"));
        return new GitOps(repos, new GitRemote(work, c.tokenFile().orElse(null), user, c.authorName(), c.authorEmail(),
                c.sshKeyFile().orElse(null), c.knownHostsFile().orElse(null)),
                new PullRequests(provider, api, c.tokenFile().orElse(null), new HttpPeer(Duration.ofSeconds(10))), c.pollInterval());
    }

    /** Starts the workers, the takeover scan and the Lease renewer. */
    public void start() {
        RemediatorConfig.Execution ex = config.execution();
        reconciler = new Reconciler(runtime.store(), runtime.cluster(), plans, runtime.events(), clock,
                new Reconciler.Settings(runtime.identity(), ex.leaseDuration(), ex.pollInterval(), ex.verifyTimeout(), config.argocd().namespace(),
                        config.prometheus().url().map(u -> PrometheusClient.http(u, config.prometheus().tokenFile().orElse(null),
                                config.prometheus().timeout())).orElse(null), config.noticeChannels(), gitOps(config.gitops())),
                new Reconciler.Outcomes() {
                    @Override
                    public void finished(RemediationRecord r, Phase outcome) {
                        Instant from = receivedAt.remove(r.name);
                        Instant start = from != null ? from : r.status.startedAt != null ? r.status.startedAt : r.createdAt;
                        metrics.remediation(r.spec.scenario, outcome.name().toLowerCase(), Duration.between(start, clock.instant()));
                    }

                    @Override
                    public void step(String scenario, String step, String outcome, Duration took) {
                        metrics.step(scenario, step, outcome, took);
                    }

                    @Override
                    public void approval(RemediationRecord r, String result, Duration waited) {
                        metrics.approval(r.spec.scenario, result, waited);
                    }
                });
        runtime.store().onRecordChange(name -> {
            if (stopping) {
                return;
            }
            runtime.store().record(name).ifPresent(r -> {
                if (r.status.phase.active() || r.status.phase == Phase.DRY_RUN && r.status.finishedAt == null) {
                    enqueue(name, null);
                } else if (r.status.phase.finished()) {
                    receivedAt.remove(name); // another replica finished it
                }
            });
        });
        AtomicInteger n = new AtomicInteger();
        for (int i = 0; i < Math.max(1, ex.threads()); i++) {
            Thread t = new Thread(this::work, "remediation-" + n.incrementAndGet());
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
        background = DaemonThreads.scheduler("step-engine");
        long scan = Math.max(50, ex.takeoverScanInterval().toMillis());
        background.scheduleWithFixedDelay(this::scan, 0, scan, TimeUnit.MILLISECONDS);
        // Its own thread: a slow takeover scan (or a slow API call in it) must not delay a renewal past the renew deadline.
        renewer = DaemonThreads.scheduler("lease-renewer");
        long renew = Math.max(50, ex.leaseDuration().toMillis() / 4);
        renewer.scheduleWithFixedDelay(this::renew, renew, renew, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        shutdown();
    }

    /** Stops taking steps, lets the current ones finish (bounded), then hands this replica's targets back. */
    public void shutdown() {
        if (stopping) {
            return;
        }
        stopping = true;
        if (renewer != null) {
            renewer.shutdownNow();
        }
        if (background != null) {
            background.shutdownNow();
        }
        workers.forEach(Thread::interrupt);
        for (Thread t : workers) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (reconciler == null) {
            return;
        }
        for (TargetRecord t : runtime.store().targets()) {
            if (runtime.identity().equals(t.holder())) {
                try {
                    reconciler.release(t.key());
                    LOG.infof("released %s (run %s) for another replica to continue", t.key(), t.run());
                } catch (RuntimeException e) {
                    LOG.warnf("could not release %s: %s; another replica takes it over when the lease expires", t.key(), e.getMessage());
                }
            }
        }
    }

    /** Schedules a look at the record now; {@code received} (when known) is where the end-to-end duration starts. */
    public void enqueue(String name, Instant received) {
        if (received != null) {
            receivedAt.put(name, received);
        }
        schedule(name, System.nanoTime());
    }

    private void schedule(String name, long atNanos) {
        boolean[] add = {false};
        scheduled.compute(name, (k, old) -> {
            if (old == null || atNanos < old) {
                add[0] = true;
                return atNanos;
            }
            return old;
        });
        if (add[0]) {
            queue.add(new Item(name, atNanos));
        }
    }

    private void work() {
        while (!stopping) {
            Item item;
            try {
                item = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            Long want = scheduled.get(item.name);
            if (want == null || want != item.at) {
                continue; // superseded by an earlier entry
            }
            scheduled.remove(item.name, item.at);
            if (busy.putIfAbsent(item.name, Boolean.TRUE) != null) {
                schedule(item.name, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20));
                continue;
            }
            try {
                Instant next = reconciler.reconcile(item.name);
                if (next != null && !stopping) {
                    // When to look again is the Clock's answer; the queue only turns it into a delay.
                    long delay = Duration.between(clock.instant(), next).toNanos();
                    schedule(item.name, System.nanoTime() + Math.max(0, delay));
                }
            } catch (RuntimeException e) {
                LOG.warnf("remediation %s: %s; trying again", item.name, e.getMessage());
                schedule(item.name, System.nanoTime() + config.execution().pollInterval().toNanos());
            } finally {
                busy.remove(item.name);
            }
        }
    }

    private void scan() {
        try {
            // Runnable now: a run whose Lease was released or expired may sit scheduled for a later look
            // (when the previous holder's Lease would have expired); the earliest time wins.
            for (String name : reconciler.runnable()) {
                if (!busy.containsKey(name)) {
                    enqueue(name, null);
                }
            }
        } catch (RuntimeException e) {
            LOG.debugf("scan for runnable remediations failed: %s", e.getMessage());
        }
    }

    private void renew() {
        for (TargetRecord t : runtime.store().targets()) {
            if (!runtime.identity().equals(t.holder()) || t.run() == null) {
                continue;
            }
            try {
                boolean active = runtime.store().record(t.run()).map(r -> r.status.phase.active()).orElse(false);
                if (active && !reconciler.renew(t.key(), t.run())) {
                    LOG.warnf("lost the lease of %s to another replica; it continues run %s", t.key(), t.run());
                }
            } catch (RuntimeException e) {
                LOG.warnf("could not renew the lease of %s: %s", t.key(), e.getMessage());
            }
        }
    }
}
