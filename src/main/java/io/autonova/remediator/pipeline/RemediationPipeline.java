package io.autonova.remediator.pipeline;

import io.autonova.remediator.config.RemediatorMetrics;
import io.autonova.remediator.state.Cas;
import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.engine.StepEngine;
import io.autonova.remediator.domain.Alert;
import io.autonova.remediator.policy.Decision;
import io.autonova.remediator.policy.DecisionInput;
import io.autonova.remediator.policy.GlobalState;
import io.autonova.remediator.policy.Outcome;
import io.autonova.remediator.policy.PolicyEngine;
import io.autonova.remediator.policy.PolicyState;
import io.autonova.remediator.policy.Reason;
import io.autonova.remediator.policy.TargetState;
import io.autonova.remediator.rules.Rule;
import io.autonova.remediator.rules.RuleRepository;
import io.autonova.remediator.rules.RuleSet;
import io.autonova.remediator.rules.SignalValue;
import io.autonova.remediator.rules.SignalWindows;
import io.autonova.remediator.domain.Target;
import io.autonova.remediator.domain.Hashes;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import io.autonova.remediator.runtime.ServiceRuntime;
import io.autonova.remediator.state.StateStore;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ingest to decision. Each alert is matched against the rules and each match is folded into the open
 * episode of its (rule, target) or opens a new one. Decisions are taken against the watch-fed cache; only a
 * decision that changes is written (with a precondition), so a re-send that changes nothing costs no API
 * call. Returns once every changed decision is durable: a 2xx to the sender means nothing is lost.
 */
@ApplicationScoped
public class RemediationPipeline {

    private static final Logger LOG = Logger.getLogger(RemediationPipeline.class);
    /** A claim older than this without a decision belongs to a replica that died mid-way. */
    static final Duration STALE_CLAIM = Duration.ofSeconds(30);
    /** How long the replica that lost the race for a record waits for the winner's decision to be durable. */
    static final Duration AWAIT_WINNER = Duration.ofSeconds(3);
    private static final Decision NO_MATCHING_RULE = new Decision(Outcome.REFUSE, Reason.NO_MATCHING_RULE, Reason.NO_MATCHING_RULE.description());

    private final RuleRepository rules;
    private final ServiceRuntime runtime;
    private final StepEngine engine;
    private final RemediatorMetrics metrics;
    private final EpisodeFolds folds;
    private final Clock clock;

    private final java.util.concurrent.ExecutorService deciders;

    @jakarta.inject.Inject
    public RemediationPipeline(RuleRepository rules, ServiceRuntime runtime, StepEngine engine, RemediatorMetrics metrics,
                               EpisodeFolds folds, Clock clock, io.autonova.remediator.config.RemediatorConfig config) {
        this(rules, runtime, engine, metrics, folds, clock, config.webhook().parallelism());
    }

    public RemediationPipeline(RuleRepository rules, ServiceRuntime runtime, StepEngine engine, RemediatorMetrics metrics,
                               EpisodeFolds folds, Clock clock, int parallelism) {
        AtomicInteger n = new AtomicInteger();
        this.deciders = parallelism <= 1 ? null : java.util.concurrent.Executors.newFixedThreadPool(parallelism, r -> {
            Thread t = new Thread(r, "decide-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.rules = rules;
        this.runtime = runtime;
        this.engine = engine;
        this.metrics = metrics;
        this.folds = folds;
        this.clock = clock;
    }

    public List<AlertResult> accept(List<Alert> alerts) {
        RuleSet ruleSet = rules.current();
        List<java.util.function.Supplier<AlertResult>> work = new ArrayList<>(alerts.size());
        List<java.util.function.Supplier<AlertResult>> slow = new ArrayList<>(alerts.size());
        for (Alert alert : alerts) {
            metrics.alertReceived(alert.source(), alert.firing());
            List<Rule> matching = ruleSet.matching(alert.labels());
            if (matching.isEmpty()) {
                Decision d = NO_MATCHING_RULE;
                metrics.decision(d.outcome().tag(), d.reason().tag());
                LOG.debugf("alert %s (%s): no matching rule", alert.fingerprint(), alert.alertname());
                AlertResult none = new AlertResult(alert.fingerprint(), null, d.outcome().tag(), d.reason().name(), d.message(), null);
                work.add(() -> none);
                slow.add(() -> none);
                continue;
            }
            for (Rule rule : matching) {
                work.add(() -> handle(alert, rule, ruleSet, true));
                slow.add(() -> handle(alert, rule, ruleSet, false));
            }
        }
        // Most deliveries of a storm change nothing (re-sends, folds, the same refusal): answered inline from the
        // cache. Only the ones that must write are decided on the pool, several at a time.
        List<AlertResult> results = new ArrayList<>(work.size());
        List<Integer> pending = new ArrayList<>();
        List<java.util.function.Supplier<AlertResult>> writes = new ArrayList<>();
        for (int i = 0; i < work.size(); i++) {
            AlertResult r = work.get(i).get();
            results.add(r);
            if (r == NEEDS_WRITE) {
                pending.add(i);
                writes.add(slow.get(i));
            }
        }
        if (!writes.isEmpty()) {
            List<AlertResult> written = decideAll(writes);
            for (int i = 0; i < pending.size(); i++) {
                results.set(pending.get(i), written.get(i));
            }
        }
        return results;
    }

    private Decision notAllowed(Target target) {
        Reason reason = runtime.guard().check(target.namespace()) == io.autonova.remediator.domain.NamespaceGuard.Verdict.NOT_ALLOWED
                ? Reason.NAMESPACE_NOT_ALLOWED : Reason.NAMESPACE_PROTECTED;
        return new Decision(Outcome.REFUSE, reason, reason.description() + ": " + runtime.guard().refusal(target.namespace()).orElseThrow());
    }

    /** What one matching rule would do with an alert now: its target, and the policy's decision. Writes nothing. */
    public record Explanation(Rule rule, Target target, Decision decision) {
    }

    /**
     * The rules an alert matches, each with its rendered target and the decision the policy engine would take
     * now from the caches (as for a new episode: an open one's own admission never refuses it). Writes nothing.
     */
    public List<Explanation> explain(Alert alert) {
        RuleSet ruleSet = rules.current();
        List<Explanation> out = new ArrayList<>();
        for (Rule rule : ruleSet.matching(alert.labels())) {
            Target target = rule.target().render(alert.labels(), alert.annotations());
            if (!target.problems().isEmpty()) {
                out.add(new Explanation(rule, target, new Decision(Outcome.REFUSE, Reason.INVALID_TARGET,
                        Reason.INVALID_TARGET.description() + ": " + String.join("; ", target.problems()))));
                continue;
            }
            if (!runtime.mayActIn(target.namespace())) {
                out.add(new Explanation(rule, target, notAllowed(target)));
                continue;
            }
            runtime.store().checkReady();
            DecisionInput in = input(rule, target, alert, value(rule, alert), ruleSet);
            DecisionInput asResent = new DecisionInput(in.rule(), in.namespace(), in.deployment(), alert.firing(), false, in.threshold(), in.value(),
                    in.firingSince(), in.minFiring(), in.limits(), in.global(), in.dryRun());
            out.add(new Explanation(rule, target, PolicyEngine.decide(asResent, policyState(target.key()), "explain", clock.instant())));
        }
        return out;
    }

    /** Marks an (alert, rule) whose decision needs a write: taken off the inline pass. */
    private static final AlertResult NEEDS_WRITE = new AlertResult(null, null, null, null, null, null);

    /**
     * Decides the (alert, rule) pairs of one delivery, several at a time: each may wait on the API server, and
     * different targets never wait for each other. Answers in delivery order; the first failure fails the delivery.
     */
    private List<AlertResult> decideAll(List<java.util.function.Supplier<AlertResult>> work) {
        if (work.size() == 1 || deciders == null) {
            List<AlertResult> results = new ArrayList<>(work.size());
            work.forEach(w -> results.add(w.get()));
            return results;
        }
        List<java.util.concurrent.Future<AlertResult>> futures = new ArrayList<>(work.size());
        for (var w : work) {
            long queued = System.nanoTime();
            futures.add(deciders.submit(() -> {
                trace("queued", queued); // a storm's deliveries wait here for the pool's threads
                return w.get();
            }));
        }
        List<AlertResult> results = new ArrayList<>(work.size());
        RuntimeException failed = null;
        for (var f : futures) {
            try {
                results.add(f.get());
            } catch (java.util.concurrent.ExecutionException e) {
                failed = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StateStore.StoreUnavailableException("interrupted while deciding", e);
            }
        }
        if (failed != null) {
            throw failed;
        }
        return results;
    }

    /**
     * A window over Kafka signals started, kept or stopped crossing its threshold: decided exactly like an
     * alert. Its identity (fingerprint from rule and target, start from when the window started crossing)
     * is derived from the data, so a redelivered or rebuilt record folds into the same episode.
     */
    public AlertResult acceptSignal(SignalWindows.Match match) {
        Rule rule = match.rule();
        Map<String, String> labels = new LinkedHashMap<>(match.signal().labels());
        labels.put("alertname", rule.name());
        String fingerprint = Hashes.sha256Hex(rule.name() + "|" + match.signal().targetKey());
        Instant now = clock.instant();
        Instant since = continuedSince(rule, match.signal().targetKey(), fingerprint, match.emission(), now);
        Alert alert = new Alert("kafka", fingerprint, match.emission().firing(), labels,
                Map.of("value", Double.toString(match.emission().value())), since, null, null, now);
        metrics.alertReceived(alert.source(), alert.firing());
        return handle(alert, rule, rules.current(), false);
    }

    /**
     * When a window started crossing, as the episode knows it. After a restart the windows are rebuilt from
     * their span only, so a condition that has lasted longer seems to start later than it did: while the
     * latest episode still has an earlier start of the same fingerprint firing, and saw it within the span,
     * it is the same instance (no second record, no second action). A condition that resolved, or went
     * unseen for longer than the span, starts afresh.
     */
    private Instant continuedSince(Rule rule, String targetKey, String fingerprint, io.autonova.remediator.rules.WindowState.Emission emission,
                                   Instant now) {
        Instant since = emission.firingSince();
        if (since == null) {
            return null;
        }
        Optional<RemediationRecord> latest = runtime.store().latestEpisode(rule.name(), targetKey);
        if (latest.isEmpty()) {
            return since;
        }
        RemediationRecord.Alerts a = latest.get().status.alerts;
        Instant seen = a.lastSeen;
        Instant resent = latest.get().status.lastDuplicateAt;
        if (resent != null && (seen == null || resent.isAfter(seen))) {
            seen = resent;
        }
        // A resolve always ends the instance that fires; a firing one continues it only if seen within the span.
        if (emission.firing() && (seen == null || seen.isBefore(now.minus(rule.window().span())))) {
            return since;
        }
        String prefix = fingerprint + "@";
        Instant earliest = since;
        for (String id : a.firing) {
            if (id.startsWith(prefix)) {
                Instant started = Instant.ofEpochSecond(Long.parseLong(id.substring(prefix.length())));
                if (started.isBefore(earliest)) {
                    earliest = started;
                }
            }
        }
        return earliest;
    }

    /** The identity of one alert instance: Alertmanager's fingerprint and the start of this firing. */
    static String instanceId(Alert alert) {
        return alert.fingerprint() + "@" + (alert.startsAt() == null ? 0 : alert.startsAt().getEpochSecond());
    }

    private AlertResult handle(Alert alert, Rule rule, RuleSet ruleSet, boolean fastOnly) {
        Target target = rule.target().render(alert.labels(), alert.annotations());
        List<String> problems = target.problems();
        if (!problems.isEmpty()) {
            // Untrusted names never reach the API server, not even in a record.
            Decision d = new Decision(Outcome.REFUSE, Reason.INVALID_TARGET, Reason.INVALID_TARGET.description() + ": " + String.join("; ", problems));
            return finish(alert, rule, d, null);
        }
        if (!runtime.mayActIn(target.namespace())) {
            return finish(alert, rule, notAllowed(target), null);
        }
        StateStore store = runtime.store();
        store.checkReady();
        // One thread of this replica at a time per episode: concurrent deliveries of the same storm then fold
        // from the cache instead of racing for the same record (replicas still race; preconditions settle it).
        java.util.concurrent.locks.Lock lock = EPISODE_LOCKS[Math.floorMod((rule.name() + "\n" + target.key()).hashCode(), EPISODE_LOCKS.length)];
        long t0 = System.nanoTime();
        lock.lock();
        long locked = System.nanoTime();
        try {
            return handleLocked(alert, rule, ruleSet, target, store, fastOnly);
        } finally {
            lock.unlock();
            if (LOG.isDebugEnabled()) {
                long took = System.nanoTime() - t0;
                if (took > 100_000_000L) {
                    LOG.debugf("slow decision for %s on %s: %d ms (%d ms waiting for the episode lock) %s", rule.name(), target.key(),
                            took / 1_000_000, (locked - t0) / 1_000_000, TRACE.get());
                }
                TRACE.remove();
            }
        }
    }

    static final ThreadLocal<StringBuilder> TRACE = ThreadLocal.withInitial(StringBuilder::new);

    static void trace(String what, long sinceNanos) {
        if (!LOG.isDebugEnabled()) {
            return;
        }
        TRACE.get().append(what).append('=').append((System.nanoTime() - sinceNanos) / 1_000_000).append("ms ");
    }

    private static final java.util.concurrent.locks.Lock[] EPISODE_LOCKS = new java.util.concurrent.locks.Lock[256];

    static {
        for (int i = 0; i < EPISODE_LOCKS.length; i++) {
            EPISODE_LOCKS[i] = new java.util.concurrent.locks.ReentrantLock();
        }
    }

    private AlertResult handleLocked(Alert alert, Rule rule, RuleSet ruleSet, Target target, StateStore store, boolean fastOnly) {
        String id = instanceId(alert);
        for (int attempt = 0; attempt < Cas.ATTEMPTS; attempt++) {
            Instant now = clock.instant();
            Optional<RemediationRecord> latest = store.latestEpisode(rule.name(), target.key());
            RemediationRecord ep = latest.orElse(null);
            if (!alert.firing()) {
                if (ep != null && ep.transientRefusal() && lastFiring(ep, id)) {
                    if (fastOnly) {
                        return NEEDS_WRITE;
                    }
                    // The last instance resolved: the pending refusal is over. A decision that changes is written now.
                    RemediationRecord cleared = ep.copy();
                    EpisodeFolds.clear(cleared, id, now);
                    if (!store.update(cleared)) {
                        store.fetch(ep.name);
                        Cas.backOff(attempt);
                        continue;
                    }
                    runtime.events().cleared(cleared);
                } else if (ep != null && ep.status.alerts.firing.contains(id)) {
                    // Kept for ended episodes too: whether an instance still fires is what ties a rebuilt window to it.
                    folds.resolved(ep.name, id, now);
                }
                return finish(alert, rule, Decision.resolved(), ep == null ? null : ep.name);
            }
            if (ep != null && ep.knows(id) && !ep.transientRefusal() && ep.status.phase != Phase.EVALUATING) {
                // A re-send of an instance already decided for good: answered from the cache, counted later.
                folds.resend(ep.name, now);
                return finish(alert, rule, duplicateOf(ep), ep.name);
            }
            if (ep != null && !ep.open()) {
                // A new instance after the episode ended: while the policy refuses it for a transient reason (the
                // cooldown after this very run, a rate limit, a hold) it folds into the ended episode; once the
                // policy would act, it opens the next episode.
                SignalValue value = value(rule, alert);
                int next = ep.spec.episode + 1;
                Decision d = PolicyEngine.decide(input(rule, target, alert, value, ruleSet), policyState(target.key()),
                        recordName(rule.name(), target.key(), next), now);
                if (d.outcome() == Outcome.REFUSE && d.reason().isTransient()) {
                    folds.late(ep.name, id, d, now);
                    runtime.events().decision(ep, d);
                    return finish(alert, rule, d, ep.name, ep.status.alerts.late.contains(id));
                }
                if (fastOnly) {
                    return NEEDS_WRITE;
                }
                AlertResult opened = open(alert, rule, ruleSet, target, id, recordName(rule.name(), target.key(), next), next, now);
                if (opened != null) {
                    return opened;
                }
                Cas.backOff(attempt);
                continue;
            }
            AlertResult r;
            boolean folding = ep != null && (ep.status.phase.active() || ep.status.phase == Phase.EVALUATING && ep.status.decision != null);
            if (fastOnly && (ep == null || !folding && ep.status.phase == Phase.EVALUATING)) {
                return NEEDS_WRITE;
            }
            if (ep == null) {
                int episode = latest.map(e -> e.spec.episode + 1).orElse(1);
                r = open(alert, rule, ruleSet, target, id, recordName(rule.name(), target.key(), episode), episode, now);
            } else if (ep.status.phase == Phase.EVALUATING && !ep.createdAt.plus(STALE_CLAIM).isBefore(now)
                    && ep.status.decision == null) {
                r = awaitDecision(ep.name) ? null : unavailable(ep.name);
            } else if (folding) {
                folds.fold(ep.name, id, now);
                r = finish(alert, rule, new Decision(Outcome.REFUSE, Reason.EPISODE_OPEN, Reason.EPISODE_OPEN.description()
                        + " (remediation " + ep.name + ", " + ep.status.phase.name().toLowerCase() + ")"), ep.name);
            } else {
                r = redecide(alert, rule, ruleSet, target, id, ep, now, fastOnly);
            }
            if (r != null) {
                return r;
            }
            Cas.backOff(attempt);
        }
        throw new StateStore.StoreUnavailableException("the episode of " + rule.name() + " on " + target.key() + " kept changing", null);
    }

    private DecisionInput input(Rule rule, Target target, Alert alert, SignalValue value, RuleSet ruleSet) {
        return new DecisionInput(rule.name(), target.namespace(), target.deployment(), true, false, rule.threshold(), value,
                alert.startsAt(), rule.minFiringDuration(), rule.limits(), ruleSet.globalLimits(), runtime.dryRun());
    }

    private PolicyState policyState(String targetKey) {
        StateStore store = runtime.store();
        return new PolicyState(store.pauses(), store.target(targetKey).value().state(), store.global().value());
    }

    /** The first alert of a new episode: decide, then write the record with its decision (one create for a refusal). */
    private AlertResult open(Alert alert, Rule rule, RuleSet ruleSet, Target target, String id, String name, int episode, Instant now) {
        SignalValue value = value(rule, alert);
        DecisionInput in = input(rule, target, alert, value, ruleSet);
        Decision d = PolicyEngine.decide(in, policyState(target.key()), name, now);
        RemediationRecord record = newRecord(name, episode, alert, rule, target, id, value, now);
        if (d.outcome() == Outcome.REFUSE) {
            setDecision(record, d, now);
            long c0 = System.nanoTime();
            boolean created = runtime.store().create(record);
            trace("create", c0);
            if (created) {
                metrics.firstWrite(Duration.between(alert.receivedAt(), clock.instant()));
            }
            if (!created) {
                long w0 = System.nanoTime();
                boolean ok = awaitDecision(name);
                trace("await", w0);
                return ok ? null : unavailable(name);
            }
            runtime.events().decision(record, d);
            return finish(alert, rule, d, name);
        }
        // It may act: claim the record first, so the admission below belongs to exactly one record.
        if (!runtime.store().create(record)) {
            return awaitDecision(name) ? null : unavailable(name);
        }
        metrics.firstWrite(Duration.between(alert.receivedAt(), clock.instant()));
        return admitAndWrite(alert, rule, ruleSet, in, record);
    }

    /** A new alert instance or a re-send on an episode refused for a transient reason: decided again, in memory. */
    private AlertResult redecide(Alert alert, Rule rule, RuleSet ruleSet, Target target, String id, RemediationRecord ep, Instant now,
                                 boolean fastOnly) {
        SignalValue value = value(rule, alert);
        DecisionInput in = input(rule, target, alert, value, ruleSet);
        Decision d = PolicyEngine.decide(in, policyState(target.key()), ep.name, now);
        boolean stale = ep.status.phase == Phase.EVALUATING;
        if (!stale && d.outcome() == Outcome.REFUSE && ep.status.decision != null && d.reason().name().equals(ep.status.decision.reason)) {
            folds.repeat(ep.name, id, now);
            return finish(alert, rule, d, ep.name, true);
        }
        if (fastOnly) {
            return NEEDS_WRITE;
        }
        RemediationRecord record = ep.copy();
        EpisodeFolds.addInstance(record, id, now);
        record.spec.trigger.value = value.raw();
        if (d.outcome() == Outcome.REFUSE) {
            setDecision(record, d, now);
            if (!runtime.store().update(record)) {
                runtime.store().fetch(ep.name);
                return null;
            }
            runtime.events().decision(record, d);
            return finish(alert, rule, d, record.name);
        }
        record.status.phase = Phase.EVALUATING;
        record.retireDecision();
        if (!runtime.store().update(record)) {
            runtime.store().fetch(ep.name);
            return null;
        }
        return admitAndWrite(alert, rule, ruleSet, in, record);
    }

    /**
     * The record is ours (claimed). Admit against the newest shared state (exact limits across replicas),
     * then the target's state, then write the decision. Admissions are keyed by record name, so a retry after
     * a crash or a conflict never counts twice.
     */
    private AlertResult admitAndWrite(Alert alert, Rule rule, RuleSet ruleSet, DecisionInput in, RemediationRecord record) {
        StateStore store = runtime.store();
        Duration keep = rules.current().sharedKeep();
        Duration keepTarget = rules.current().targetKeep();
        Decision[] decided = new Decision[1];
        // Admissions of this replica take turns on the one shared object: its threads never conflict with each other.
        long a0 = System.nanoTime();
        synchronized (admissions) {
            trace("admit-lock", a0);
            long a1 = System.nanoTime();
            admitShared(store, in, record, keep, decided);
            trace("admit", a1);
        }
        Decision d = decided[0];

        if (d.outcome() != Outcome.REFUSE) {
            Cas.update("the state of " + in.targetKey(), () -> store.target(in.targetKey()), () -> store.fetchTarget(in.targetKey()),
                    store::replaceTarget, t -> {
                        TargetState next = PolicyEngine.admit(t.state(), in, d, record.name, clock.instant(), keepTarget);
                        return next == t.state() ? t : t.withState(next);
                    });
        }
        Instant now = clock.instant();
        for (int i = 0; i < Cas.ATTEMPTS; i++) {
            setDecision(record, d, now);
            record.status.phase = switch (d.outcome()) {
                case EXECUTE -> Phase.PENDING;
                case DRY_RUN -> Phase.DRY_RUN;
                case REFUSE -> Phase.REFUSED;
            };
            if (store.update(record)) {
                runtime.events().decision(record, d);
                if (d.outcome() != Outcome.REFUSE) {
                    engine.enqueue(record.name, alert.receivedAt());
                }
                return finish(alert, rule, d, record.name);
            }
            // Someone folded alerts or counted re-sends meanwhile: keep theirs, write our decision.
            RemediationRecord latest = store.fetch(record.name).orElseThrow(
                    () -> new StateStore.StoreUnavailableException("record " + record.name + " vanished while deciding it", null));
            record.status.alerts = latest.status.alerts;
            record.status.suppressedDuplicates = latest.status.suppressedDuplicates;
            record.status.lastDuplicateAt = latest.status.lastDuplicateAt;
            record.resourceVersion = latest.resourceVersion;
            Cas.backOff(i);
        }
        throw new StateStore.StoreUnavailableException("could not write the decision on " + record.name, null);
    }

    private final Object admissions = new Object();

    private void admitShared(StateStore store, DecisionInput in, RemediationRecord record, Duration keep, Decision[] decided) {
        Cas.update("the shared policy state", store::global, store::fetchGlobal, store::replaceGlobal, g -> {
            Instant at = clock.instant();
            GlobalState pruned = g.withoutStale(r -> stillActive(r, record.name));
            PolicyState ps = new PolicyState(store.pauses(), store.target(in.targetKey()).value().state(), pruned);
            decided[0] = PolicyEngine.decide(in, ps, record.name, at);
            GlobalState next = PolicyEngine.admit(pruned, in, decided[0], record.name, at, keep);
            return next.equals(g) ? g : next;
        });
    }

    /** An in-flight entry is live unless its record is known and no longer running (or never started). */
    private boolean stillActive(String recordName, String deciding) {
        if (recordName.equals(deciding)) {
            return true;
        }
        Optional<RemediationRecord> r = runtime.store().record(recordName);
        return r.isEmpty() || r.get().status.phase.active() || r.get().status.phase == Phase.EVALUATING;
    }

    private static boolean lastFiring(RemediationRecord r, String id) {
        var firing = r.status.alerts.firing;
        return !r.status.alerts.overflow && (firing.isEmpty() || firing.size() == 1 && firing.contains(id));
    }

    /** The replica that lost the race waits for the winner's decision to be durable before answering. */
    private boolean awaitDecision(String name) {
        long deadline = System.nanoTime() + AWAIT_WINNER.toNanos();
        StateStore store = runtime.store();
        // The create failed because the record exists: read it once rather than wait for the watch to bring it.
        if (decided(store.record(name).or(() -> store.fetch(name)))) {
            return true;
        }
        for (int i = 1; System.nanoTime() < deadline; i++) {
            // The watch usually brings the winner's decision within milliseconds; under load, read it now and then.
            if (decided(i % 20 == 0 ? store.fetch(name) : store.record(name))) {
                return true;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        Optional<RemediationRecord> r = store.fetch(name);
        LOG.warnf("waited %s for the decision on %s: %s", AWAIT_WINNER, name, r.map(x -> x.status.phase + " " + x.status.owner).orElse("gone"));
        return r.isPresent() && r.get().status.phase != Phase.EVALUATING;
    }

    private static boolean decided(Optional<RemediationRecord> r) {
        return r.isPresent() && (r.get().status.phase != Phase.EVALUATING || r.get().status.decision != null);
    }

    private AlertResult unavailable(String name) {
        throw new StateStore.StoreUnavailableException("another replica is deciding remediation " + name + " and has not written its decision yet", null);
    }

    private static SignalValue value(Rule rule, Alert alert) {
        return rule.threshold() == null ? SignalValue.missing() : rule.threshold().extract(alert.labels(), alert.annotations());
    }

    private static void setDecision(RemediationRecord record, Decision d, Instant now) {
        RemediationRecord.DecisionView v = new RemediationRecord.DecisionView();
        v.outcome = d.outcome().tag();
        v.reason = d.reason().name();
        v.message = d.message();
        v.decidedAt = now;
        v.lastAt = now;
        record.retireDecision();
        record.status.decision = v;
        record.status.message = d.message();
        if (d.outcome() == Outcome.REFUSE) {
            record.status.phase = Phase.REFUSED;
            record.status.finishedAt = d.reason().isTransient() ? null : now;
        }
    }

    private AlertResult finish(Alert alert, Rule rule, Decision d, String recordName) {
        return finish(alert, rule, d, recordName, false);
    }

    private AlertResult finish(Alert alert, Rule rule, Decision d, String recordName, boolean repeated) {
        metrics.decision(d.outcome().tag(), d.reason().tag());
        // Re-sends and repeated refusals are summarised on their record and in metrics; new decisions are logged.
        boolean quiet = repeated || d.reason() == Reason.DUPLICATE_ALERT || d.reason() == Reason.NO_MATCHING_RULE || d.reason() == Reason.EPISODE_OPEN;
        if (quiet ? LOG.isDebugEnabled() : LOG.isInfoEnabled()) {
            String line = String.format("decision alert=%s fingerprint=%s rule=%s outcome=%s reason=%s record=%s: %s", alert.alertname(),
                    alert.fingerprint(), rule.name(), d.outcome().tag(), d.reason().name(), recordName, d.message());
            if (quiet) {
                LOG.debug(line);
            } else {
                LOG.info(line);
            }
        }
        return new AlertResult(alert.fingerprint(), rule.name(), d.outcome().tag(), d.reason().name(), d.message(), recordName);
    }

    private static Decision duplicateOf(RemediationRecord r) {
        return new Decision(Outcome.REFUSE, Reason.DUPLICATE_ALERT, Reason.DUPLICATE_ALERT.description() + " (remediation " + r.name
                + ", " + r.status.phase.name().toLowerCase() + ")");
    }

    private RemediationRecord newRecord(String name, int episode, Alert alert, Rule rule, Target target, String id, SignalValue value, Instant now) {
        RemediationRecord r = new RemediationRecord();
        r.name = name;
        r.createdAt = now;
        r.spec.rule = rule.name();
        r.spec.episode = episode;
        r.spec.scenario = rule.scenario().ruleName();
        r.spec.parameters.putAll(rule.parameters());
        r.spec.dryRun = runtime.dryRun();
        r.spec.target.namespace = target.namespace();
        r.spec.target.deployment = target.deployment();
        r.spec.target.argoApplication = target.argoApplication();
        r.spec.trigger.source = alert.source();
        r.spec.trigger.fingerprint = alert.fingerprint();
        r.spec.trigger.alertname = alert.alertname();
        r.spec.trigger.startsAt = alert.startsAt();
        r.spec.trigger.labels.putAll(alert.labels());
        r.spec.trigger.receivedAt = alert.receivedAt();
        r.spec.trigger.value = value.raw();
        EpisodeFolds.addInstance(r, id, now);
        r.status.phase = Phase.EVALUATING;
        return r;
    }

    /** Same rule, target and episode number: the same name on every replica, so one episode is one record. */
    public static String recordName(String rule, String targetKey, int episode) {
        String prefix = rule.length() > 40 ? rule.substring(0, 40).replaceAll("-+$", "") : rule;
        return prefix + "-" + Hashes.sha256Hex(rule + "\n" + targetKey) + "-" + episode;
    }
}
