package io.autonova.remediator.tools;

import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.config.RemediatorMetrics;
import io.autonova.remediator.domain.Alert;
import io.autonova.remediator.engine.StepEngine;
import io.autonova.remediator.pipeline.AlertResult;
import io.autonova.remediator.pipeline.EpisodeFolds;
import io.autonova.remediator.pipeline.RemediationPipeline;
import io.autonova.remediator.policy.GlobalState;
import io.autonova.remediator.policy.Pause;
import io.autonova.remediator.policy.TargetState;
import io.autonova.remediator.rules.RuleRepository;
import io.autonova.remediator.rules.RuleSet;
import io.autonova.remediator.runtime.ServiceRuntime;
import io.autonova.remediator.state.Cas;
import io.autonova.remediator.state.EventRecorder;
import io.autonova.remediator.state.InMemoryStateStore;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import io.autonova.remediator.state.StateStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.SmallRyeConfigBuilder;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The service's own decision path — rules, episodes, policy, records — over an in-process store (or the start-up
 * warm-up's, see {@link Warmup}) and a clock the caller moves, with no cluster and no step engine running: an admitted run stays in flight until
 * {@link #finishRunsStartedBefore} ends it, as a rollback would. Used by rule tests and backtests, so they
 * decide exactly as the service does.
 */
final class OfflinePipeline {

    final io.autonova.remediator.domain.MovableClock clock;
    private final RuleSet rules;
    private io.autonova.remediator.rules.SignalWindows windows = new io.autonova.remediator.rules.SignalWindows();
    /** Signals of the last longest window span, for {@link #restartConsumer}: what a consumer would re-read. */
    private final java.util.ArrayDeque<io.autonova.remediator.domain.Signal> seen = new java.util.ArrayDeque<>();
    private final Duration longestSpan;
    private final io.autonova.remediator.ingest.kafka.SignalParser parser =
            new io.autonova.remediator.ingest.kafka.SignalParser(io.autonova.remediator.domain.Json.MAPPER);
    final StateStore store;
    private final RemediationPipeline pipeline;
    private final EpisodeFolds folds;
    private final io.autonova.remediator.ingest.kafka.SignalAlerts signalAlerts;

    OfflinePipeline(RuleSet rules, Instant start, boolean dryRun) {
        this(rules, start, dryRun, null);
    }

    /** As the service configured with {@code remediator.allowed-namespaces} (null: every namespace). */
    OfflinePipeline(RuleSet rules, Instant start, boolean dryRun, java.util.Set<String> allowedNamespaces) {
        this(rules, start, dryRun, allowedNamespaces, io.autonova.remediator.runtime.ChangeWatch.none());
    }

    /** As above, the change gate reading the timelines {@code changes} gives (a rule test's {@code changes}). */
    OfflinePipeline(RuleSet rules, Instant start, boolean dryRun, java.util.Set<String> allowedNamespaces,
                    io.autonova.remediator.runtime.ChangeWatch changes) {
        this(rules, new io.autonova.remediator.domain.MovableClock(start), InMemoryStateStore::new, dryRun, allowedNamespaces, changes, 1);
    }

    /**
     * On the store {@code stores} makes with the pipeline's clock, deciding the writes of one delivery {@code parallelism} at a
     * time as the service does (1: one after the other).
     */
    OfflinePipeline(RuleSet rules, io.autonova.remediator.domain.MovableClock clock, java.util.function.Function<java.time.Clock, StateStore> stores,
                    boolean dryRun, java.util.Set<String> allowedNamespaces, io.autonova.remediator.runtime.ChangeWatch changes, int parallelism) {
        this.clock = clock;
        store = stores.apply(clock);
        this.rules = rules;
        longestSpan = rules.signalRules().stream().map(r -> r.window().span()).max(Duration::compareTo).orElse(Duration.ZERO);
        RemediatorConfig config = new SmallRyeConfigBuilder().withMapping(RemediatorConfig.class)
                .withConverter(Duration.class, 200, new io.quarkus.runtime.configuration.DurationConverter())
                .withDefaultValue("remediator.execution.resend-flush-interval", "1h").build().getConfigMapping(RemediatorConfig.class);
        RemediatorMetrics metrics = new RemediatorMetrics(new SimpleMeterRegistry());
        ServiceRuntime runtime = new ServiceRuntime(store, null, EventRecorder.NONE, "offline", dryRun, allowedNamespaces, changes);
        RuleRepository repository = new RuleRepository(config, metrics, clock);
        repository.use(rules);
        folds = new EpisodeFolds(runtime, config);
        pipeline = new RemediationPipeline(repository, runtime, new StepEngine(runtime, config, metrics, clock), metrics, folds, clock, parallelism);
        signalAlerts = new io.autonova.remediator.ingest.kafka.SignalAlerts(pipeline, () -> store, clock);
    }

    /** Its decisions are not logged: they are not the service's (the start-up warm-up). */
    OfflinePipeline quiet() {
        pipeline.withoutDecisionLog();
        return this;
    }

    List<AlertResult> accept(List<Alert> alerts) {
        List<AlertResult> results = pipeline.accept(alerts);
        folds.flush();
        return results;
    }

    /**
     * One Kafka signal record (its value, as produced to the topic), through the same parser and event-time
     * windows as the consumer; the decisions of the windows it made cross or clear their thresholds.
     */
    List<AlertResult> acceptSignal(byte[] value) {
        io.autonova.remediator.domain.Signal signal = parser.parse(value, java.util.Map.of(), clock.instant()).orElse(null);
        if (signal == null) {
            return List.of();
        }
        seen.addLast(signal);
        Instant keepFrom = clock.instant().minus(longestSpan);
        while (!seen.isEmpty() && seen.peekFirst().time().isBefore(keepFrom)) {
            seen.removeFirst();
        }
        List<AlertResult> out = new java.util.ArrayList<>();
        for (var match : windows.accept(signal, rules.signalRules(), true)) {
            out.add(signalAlerts.accept(match));
        }
        folds.flush();
        return out;
    }

    /**
     * As the Kafka consumer after a restart: its windows are rebuilt, without deciding, from the signals of the
     * last {@code span} only (what it re-reads from the topic; at most the longest window span is kept).
     */
    void restartConsumer(Duration span) {
        windows = new io.autonova.remediator.rules.SignalWindows();
        Instant from = clock.instant().minus(span);
        for (var s : seen) {
            if (!s.time().isBefore(from)) {
                windows.accept(s, rules.signalRules(), false);
            }
        }
    }

    /** The target a decision was about: from its record. */
    String target(AlertResult r) {
        return r.remediation() == null ? null : store.record(r.remediation()).map(RemediationRecord::targetKey).orElse(null);
    }

    /** Ends, as succeeded, every admitted run that started at least {@code runsTake} ago (the rollback took that long). */
    void finishRunsStartedBefore(Duration runsTake) {
        Instant now = clock.instant();
        for (RemediationRecord r : store.records()) {
            if (r.status.phase.active() && !r.createdAt.plus(runsTake).isAfter(now)) {
                RemediationRecord done = r.copy();
                done.status.phase = Phase.SUCCEEDED;
                done.status.startedAt = r.createdAt;
                done.status.finishedAt = now;
                done.status.message = "finished (offline: runs take " + runsTake + ")";
                store.update(done);
                Cas.update("the shared policy state", store::global, store::fetchGlobal, store::replaceGlobal,
                        g -> g.withFinished(r.targetKey(), r.name));
            }
        }
    }

    void pause(Pause p) {
        store.createPause(p);
    }

    /** An action taken on a target before the test starts (it counts toward cooldowns, rate limits and the cap). */
    void priorAction(String targetKey, String rule, Instant at) {
        Cas.update("target " + targetKey, () -> store.target(targetKey), () -> store.fetchTarget(targetKey), store::replaceTarget,
                t -> t.withState(t.state().withAction(new TargetState.Action("prior-" + at.toEpochMilli(), rule, at, false),
                        Duration.ofDays(30), Duration.ofDays(30))));
        Cas.update("the shared policy state", store::global, store::fetchGlobal, store::replaceGlobal,
                g -> g.withAdmission(new GlobalState.Admission(targetKey, rule, at, "prior-" + at.toEpochMilli(), false), false, Duration.ofDays(30)));
    }
}
