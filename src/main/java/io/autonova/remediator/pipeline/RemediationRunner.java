package io.autonova.remediator.pipeline;

import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.rules.Durations;
import io.autonova.remediator.rules.Rule;
import io.autonova.remediator.rules.Target;
import io.autonova.remediator.scenarios.ClusterActions;
import io.autonova.remediator.scenarios.ExecutionContext;
import io.autonova.remediator.scenarios.PlannedStep;
import io.autonova.remediator.scenarios.Scenario;
import io.autonova.remediator.scenarios.ScenarioExecutor;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import io.autonova.remediator.state.ServiceRuntime;
import io.autonova.remediator.state.StateStore;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Carries out admitted remediations on worker threads, off the request path. Owns the record's status
 * while it runs: every step is written as it starts and ends, and the target leaves "in flight" at the end.
 */
@ApplicationScoped
public class RemediationRunner {

    private static final Logger LOG = Logger.getLogger(RemediationRunner.class);

    private final ServiceRuntime runtime;
    private final RemediatorMetrics metrics;
    private final RemediatorConfig config;
    private final Clock clock;
    private final Map<Scenario, ScenarioExecutor> executors = new EnumMap<>(Scenario.class);
    private final ExecutorService pool;
    private final java.util.Set<String> running = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public RemediationRunner(ServiceRuntime runtime, RemediatorMetrics metrics, RemediatorConfig config, Clock clock,
                             Instance<ScenarioExecutor> all) {
        this.runtime = runtime;
        this.metrics = metrics;
        this.config = config;
        this.clock = clock;
        for (ScenarioExecutor e : all) {
            executors.put(e.scenario(), e);
        }
        for (Scenario s : Scenario.values()) {
            if (s.implemented() && !executors.containsKey(s)) {
                throw new IllegalStateException("no executor for implemented scenario " + s.ruleName());
            }
        }
        AtomicInteger n = new AtomicInteger();
        pool = Executors.newFixedThreadPool(Math.max(1, config.execution().threads()), r -> {
            Thread t = new Thread(r, "remediation-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    void stop(@Observes ShutdownEvent event) {
        pool.shutdownNow();
    }

    public void submit(String recordName, Rule rule, Target target, Instant receivedAt) {
        running.add(recordName);
        pool.submit(() -> {
            try {
                run(recordName, rule, target, receivedAt);
            } catch (RuntimeException e) {
                LOG.errorf(e, "remediation %s: unexpected error", recordName);
            } finally {
                running.remove(recordName);
            }
        });
    }

    /** True while this replica has the remediation queued or running. */
    public boolean running(String recordName) {
        return running.contains(recordName);
    }

    private void run(String recordName, Rule rule, Target target, Instant receivedAt) {
        StateStore store = runtime.store();
        RemediationRecord record = store.getRecord(recordName).orElseThrow();
        Run run = new Run(record, rule, target);
        ScenarioExecutor executor = executors.get(rule.scenario());
        if (record.status.phase == Phase.DRY_RUN) {
            dryRun(run, executor);
            return;
        }
        String scenario = rule.scenario().ruleName();
        Phase outcome;
        try {
            run.status().phase = Phase.RUNNING;
            run.status().startedAt = clock.instant();
            run.flush();
            run.checkAbort();
            run.status().message = executor.execute(run);
            outcome = Phase.SUCCEEDED;
        } catch (ExecutionContext.Aborted e) {
            run.status().message = e.getMessage();
            outcome = Phase.ABORTED;
        } catch (ExecutionContext.Failure e) {
            run.status().message = e.getMessage();
            outcome = Phase.FAILED;
        } catch (RuntimeException e) {
            run.status().message = "Kubernetes API error: " + e.getMessage();
            outcome = Phase.FAILED;
            LOG.errorf(e, "remediation %s failed", recordName);
        }
        run.status().phase = outcome;
        run.status().finishedAt = clock.instant();
        run.flush();
        LedgerUpdates.update(store, l -> l.withFinished(target.key(), recordName));
        Duration total = Duration.between(receivedAt, clock.instant());
        metrics.remediation(scenario, outcome.name().toLowerCase(), total);
        LOG.infof("remediation %s %s after %dms: %s", recordName, outcome.name().toLowerCase(), total.toMillis(), run.status().message);
    }

    private void dryRun(Run run, ScenarioExecutor executor) {
        ClusterActions cluster = runtime.cluster();
        if (cluster == null) {
            for (PlannedStep planned : executor.outline(run.target, run.rule.parameters())) {
                RemediationRecord.Step s = new RemediationRecord.Step();
                s.name = planned.name();
                s.phase = "planned";
                s.message = "dry-run (no cluster): would " + planned.action();
                run.status().steps.add(s);
            }
            run.status().message = "dry-run without a cluster: these are the steps it would take";
        } else {
            try {
                run.status().message = "dry-run: " + executor.execute(run);
            } catch (ExecutionContext.Failure | ExecutionContext.Aborted e) {
                run.status().message = "dry-run: would fail: " + e.getMessage();
            } catch (RuntimeException e) {
                run.status().message = "dry-run: Kubernetes API error: " + e.getMessage();
            }
        }
        run.status().finishedAt = clock.instant();
        run.flush();
    }

    /** The execution context of one run: steps go to the record as they happen. */
    private final class Run implements ExecutionContext {
        private RemediationRecord record;
        private final RemediationRecord.Status status;
        private final Rule rule;
        private final Target target;
        private final Duration verifyTimeout;
        private boolean abortRequested;

        Run(RemediationRecord record, Rule rule, Target target) {
            this.record = record;
            this.status = record.status;
            this.rule = rule;
            this.target = target;
            this.verifyTimeout = rule.parameters().containsKey("verifyTimeout")
                    ? Durations.parse(rule.parameters().get("verifyTimeout")) : config.execution().verifyTimeout();
        }

        RemediationRecord.Status status() {
            return status;
        }

        /** Writes our status onto the latest record, keeping fields others own (abort flag, duplicate counts). */
        void flush() {
            StateStore store = runtime.store();
            for (int i = 0; i < LedgerUpdates.ATTEMPTS; i++) {
                RemediationRecord latest = store.getRecord(record.name).orElseThrow();
                status.suppressedDuplicates = latest.status.suppressedDuplicates;
                status.lastDuplicateAt = latest.status.lastDuplicateAt;
                status.reevaluations = latest.status.reevaluations;
                latest.status = status;
                if (store.updateRecord(latest)) {
                    record = latest;
                    abortRequested = latest.spec.abortRequested;
                    return;
                }
                LedgerUpdates.backOff(i);
            }
            throw new StateStore.StoreUnavailableException("could not update record " + record.name, null);
        }

        @Override
        public Target target() {
            return target;
        }

        @Override
        public Map<String, String> parameters() {
            return rule.parameters();
        }

        @Override
        public ClusterActions cluster() {
            return runtime.cluster();
        }

        @Override
        public String argoNamespace() {
            return config.argocd().namespace();
        }

        @Override
        public Duration verifyTimeout() {
            return verifyTimeout;
        }

        @Override
        public String step(String name, StepBody body) {
            RemediationRecord.Step step = new RemediationRecord.Step();
            step.name = name;
            step.phase = "running";
            step.startedAt = clock.instant();
            status.steps.add(step);
            flush();
            long t0 = System.nanoTime();
            String outcome = "failed";
            try {
                step.message = body.run();
                outcome = "succeeded";
                return step.message;
            } catch (Aborted e) {
                outcome = "aborted";
                step.message = e.getMessage();
                throw e;
            } catch (RuntimeException e) {
                step.message = e instanceof Failure ? e.getMessage() : "Kubernetes API error: " + e.getMessage();
                throw e;
            } finally {
                step.phase = outcome;
                step.finishedAt = clock.instant();
                flush();
                metrics.step(rule.scenario().ruleName(), name, outcome, Duration.ofNanos(System.nanoTime() - t0));
            }
        }

        @Override
        public void revisions(String from, String to) {
            status.revisionFrom = from;
            status.revisionTo = to;
        }

        @Override
        public void gitMustFollow(String message) {
            status.gitMustFollow = true;
            RemediationRecord.Step step = new RemediationRecord.Step();
            step.name = "git-must-follow";
            step.phase = "succeeded";
            step.startedAt = clock.instant();
            step.finishedAt = step.startedAt;
            step.message = message;
            status.steps.add(step);
        }

        @Override
        public void pause() {
            try {
                Thread.sleep(config.execution().pollInterval().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Aborted("interrupted: the service is shutting down");
            }
            checkAbort();
        }

        @Override
        public void checkAbort() {
            if (cluster() != null && cluster().dryRun()) {
                return;
            }
            RemediationRecord latest = runtime.store().getRecord(record.name).orElseThrow();
            if (latest.spec.abortRequested) {
                abortRequested = true;
            }
            if (abortRequested) {
                throw new Aborted("aborted by " + (latest.spec.abortRequestedBy == null ? "an operator" : latest.spec.abortRequestedBy));
            }
        }

        @Override
        public boolean timedOut(long startedNanos) {
            return System.nanoTime() - startedNanos > verifyTimeout.toNanos();
        }
    }
}
