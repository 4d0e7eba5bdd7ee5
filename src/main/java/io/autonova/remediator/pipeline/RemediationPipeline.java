package io.autonova.remediator.pipeline;

import io.autonova.remediator.config.RemediatorMetrics;
import io.autonova.remediator.domain.Alert;
import io.autonova.remediator.domain.NamespaceGuard;
import io.autonova.remediator.domain.Target;
import io.autonova.remediator.engine.StepEngine;
import io.autonova.remediator.policy.ChangeGate;
import io.autonova.remediator.policy.Decision;
import io.autonova.remediator.policy.DecisionInput;
import io.autonova.remediator.policy.Outcome;
import io.autonova.remediator.policy.PolicyEngine;
import io.autonova.remediator.policy.PolicyState;
import io.autonova.remediator.policy.Reason;
import io.autonova.remediator.rules.Approval;
import io.autonova.remediator.rules.Rule;
import io.autonova.remediator.rules.RuleRepository;
import io.autonova.remediator.rules.RuleSet;
import io.autonova.remediator.rules.SignalValue;
import io.autonova.remediator.runtime.ServiceRuntime;
import io.autonova.remediator.state.Cas;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import io.autonova.remediator.state.StateStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Ingest to decision, in stages: <b>match</b> (the rules an alert matches, each rendering a target that must
 * be valid and ours to touch), <b>episode</b> ({@link Episodes#next}: what the alert does to the latest
 * episode of its rule and target), <b>admit</b> ({@link Admission}: limits made good on the newest shared
 * state), <b>record</b> ({@link EpisodeRecords}: the decision written with a precondition) and <b>enqueue</b>
 * (the step engine runs what was admitted). One pass per (alert, rule): steps that only count are answered
 * from the watch-fed caches inline, steps that write are carried out on a pool, several targets at a time.
 * Returns once every changed decision is durable: a 2xx to the sender means nothing is lost.
 */
@ApplicationScoped
public class RemediationPipeline {

    private static final Logger LOG = Logger.getLogger(RemediationPipeline.class);
    /** How long the replica that lost the race for a record waits for the winner's decision to be durable. */
    static final Duration AWAIT_WINNER = Duration.ofSeconds(3);
    private static final Decision NO_MATCHING_RULE = new Decision(Outcome.REFUSE, Reason.NO_MATCHING_RULE, Reason.NO_MATCHING_RULE.description());

    private final RuleRepository rules;
    private final ServiceRuntime runtime;
    private final StepEngine engine;
    private final RemediatorMetrics metrics;
    private final EpisodeFolds folds;
    private final Clock clock;
    private final Admission admission;
    private final ExecutorService deciders;
    /** Whether chat notices are configured: a refusal that needs a human is said there too. */
    private boolean chat;
    /** Off for a pipeline deciding synthetic alerts (the start-up warm-up): its decisions are not the service's. */
    private volatile boolean decisionLog = true;

    @Inject
    public RemediationPipeline(RuleRepository rules, ServiceRuntime runtime, StepEngine engine, RemediatorMetrics metrics,
                               EpisodeFolds folds, Clock clock, io.autonova.remediator.config.RemediatorConfig config) {
        this(rules, runtime, engine, metrics, folds, clock, config.webhook().parallelism());
        this.chat = config.noticeChannels().contains("chat");
    }

    public RemediationPipeline(RuleRepository rules, ServiceRuntime runtime, StepEngine engine, RemediatorMetrics metrics,
                               EpisodeFolds folds, Clock clock, int parallelism) {
        AtomicInteger n = new AtomicInteger();
        if (parallelism <= 1) {
            this.deciders = null;
        } else {
            // Idle threads end after a minute: a pipeline built for a while (the start-up warm-up's) leaves none behind.
            ThreadPoolExecutor pool = new ThreadPoolExecutor(parallelism, parallelism, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "decide-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            pool.allowCoreThreadTimeOut(true);
            this.deciders = pool;
        }
        this.rules = rules;
        this.runtime = runtime;
        this.engine = engine;
        this.metrics = metrics;
        this.folds = folds;
        this.clock = clock;
        this.admission = new Admission(clock);
    }

    /** Decisions are no longer logged (metrics and records are the pipeline's caller's to keep apart). */
    public void withoutDecisionLog() {
        decisionLog = false;
    }

    /** The admit stage, shared with runs started by hand: this replica's admissions take turns on the shared state. */
    Admission admission() {
        return admission;
    }

    /** One delivery of alerts (a webhook body, or an alert record of the Kafka backbone). Answers in delivery order. */
    public List<AlertResult> accept(List<Alert> alerts) {
        RuleSet ruleSet = rules.current();
        List<AlertResult> results = new ArrayList<>(alerts.size());
        List<Integer> pending = new ArrayList<>();
        List<Deferred> writes = new ArrayList<>();
        for (Alert alert : alerts) {
            metrics.alertReceived(alert.source(), alert.firing());
            List<Rule> matching = ruleSet.matching(alert.labels());
            if (matching.isEmpty()) {
                Decision d = NO_MATCHING_RULE;
                metrics.decision(d.outcome().tag(), d.reason().tag());
                LOG.debugf("alert %s (%s): no matching rule", alert.fingerprint(), alert.alertname());
                results.add(new AlertResult(alert.fingerprint(), null, d.outcome().tag(), d.reason().name(), d.message(), null));
                continue;
            }
            for (Rule rule : matching) {
                // Most deliveries of a storm change nothing (re-sends, folds, the same refusal): answered inline from
                // the cache. Only the ones that must write (or wait for another replica) go to the pool.
                int before = writes.size();
                AlertResult r = decide(alert, rule, ruleSet, null, writes);
                if (writes.size() > before) {
                    pending.add(results.size());
                }
                results.add(r);
            }
        }
        if (!writes.isEmpty()) {
            List<AlertResult> written = carryOutAll(writes);
            for (int i = 0; i < pending.size(); i++) {
                results.set(pending.get(i), written.get(i));
            }
        }
        return results;
    }

    /**
     * One alert for one rule it matched, decided and carried out at once: the path of a window over Kafka signals
     * that started, kept or stopped crossing its threshold (see {@code ingest.kafka.SignalAlerts}).
     */
    public AlertResult accept(Alert alert, Rule rule) {
        metrics.alertReceived(alert.source(), alert.firing());
        return decide(alert, rule, rules.current(), null, null);
    }

    /** What one matching rule would do with an alert now: its target, and the policy's decision. Writes nothing. */
    public record Explanation(Rule rule, Target target, Decision decision, java.util.Optional<Approval.Need> approval, ChangeGate.Verdict change) {
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
            Decision refused = refusedTarget(target);
            if (refused != null) {
                out.add(new Explanation(rule, target, refused, java.util.Optional.empty(), null));
                continue;
            }
            runtime.store().checkReady();
            Asked asked = new Asked(alert, rule, ruleSet, target, clock.instant());
            Decision d = asked.decide("explain");
            out.add(new Explanation(rule, target, d, Approval.needed(rule, ChangeCheck.scenario(rule, asked.gate()), target.namespace(),
                    target.deployment(), ruleSet.globalLimits().approvals()), asked.gate()));
        }
        return out;
    }

    /** The match stage's last word: a target with an invalid name, or one this service may not touch, is refused before any API call. */
    private Decision refusedTarget(Target target) {
        List<String> problems = target.problems();
        if (!problems.isEmpty()) {
            return new Decision(Outcome.REFUSE, Reason.INVALID_TARGET, Reason.INVALID_TARGET.description() + ": " + String.join("; ", problems));
        }
        if (runtime.mayActIn(target.namespace())) {
            return null;
        }
        Reason reason = runtime.guard().check(target.namespace()) == NamespaceGuard.Verdict.NOT_ALLOWED
                ? Reason.NAMESPACE_NOT_ALLOWED : Reason.NAMESPACE_PROTECTED;
        return new Decision(Outcome.REFUSE, reason, reason.description() + ": " + runtime.guard().refusal(target.namespace()).orElseThrow());
    }

    /** An (alert, rule) whose step must write or wait: carried out on the pool, from the view it was decided on. */
    private record Deferred(Alert alert, Rule rule, RuleSet ruleSet, Target target, RemediationRecord seen, Episodes.Step step, Asked asked) {
    }

    /**
     * Carries out the deferred steps of one delivery, several at a time: each may wait on the API server, and
     * different targets never wait for each other. Answers in delivery order; the first failure fails the delivery.
     */
    private List<AlertResult> carryOutAll(List<Deferred> work) {
        if (work.size() == 1 || deciders == null) {
            List<AlertResult> results = new ArrayList<>(work.size());
            work.forEach(w -> results.add(decide(w.alert(), w.rule(), w.ruleSet(), w, null)));
            return results;
        }
        List<Future<AlertResult>> futures = new ArrayList<>(work.size());
        for (Deferred w : work) {
            long queued = System.nanoTime();
            futures.add(deciders.submit(() -> {
                trace("queued", queued); // a storm's deliveries wait here for the pool's threads
                return decide(w.alert(), w.rule(), w.ruleSet(), w, null);
            }));
        }
        List<AlertResult> results = new ArrayList<>(work.size());
        RuntimeException failed = null;
        for (Future<AlertResult> f : futures) {
            try {
                results.add(f.get());
            } catch (ExecutionException e) {
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

    /** The identity of one alert instance: Alertmanager's fingerprint and the start of this firing. */
    public static String instanceId(Alert alert) {
        return alert.fingerprint() + "@" + (alert.startsAt() == null ? 0 : alert.startsAt().getEpochSecond());
    }

    /**
     * Striped, and wide: a decision holds its episode's lock across a record create, so two targets sharing a stripe wait
     * for each other's API call (a storm's 200 new targets met 60 such pairs on 256 stripes, about 5 on 4,096).
     */
    private static final Lock[] EPISODE_LOCKS = new Lock[4096];

    static {
        for (int i = 0; i < EPISODE_LOCKS.length; i++) {
            EPISODE_LOCKS[i] = new ReentrantLock();
        }
    }

    /**
     * Decides one (alert, rule) and carries the step out; with {@code deferInto}, a step that must write or wait is
     * added there instead (its result is then null). {@code resumed} continues such a step on the pool.
     */
    private AlertResult decide(Alert alert, Rule rule, RuleSet ruleSet, Deferred resumed, List<Deferred> deferInto) {
        Target target = resumed != null ? resumed.target() : rule.target().render(alert.labels(), alert.annotations());
        if (resumed == null) {
            Decision refused = refusedTarget(target);
            if (refused != null) {
                // Untrusted names never reach the API server, not even in a record.
                return finish(alert, rule, refused, null, false);
            }
        }
        StateStore store = runtime.store();
        store.checkReady();
        // One thread of this replica at a time per episode: concurrent deliveries of the same storm then fold
        // from the cache instead of racing for the same record (replicas still race; preconditions settle it).
        Lock lock = EPISODE_LOCKS[Math.floorMod((rule.name() + "\n" + target.key()).hashCode(), EPISODE_LOCKS.length)];
        long t0 = System.nanoTime();
        lock.lock();
        long locked = System.nanoTime();
        try {
            return decideLocked(alert, rule, ruleSet, target, store, resumed, deferInto);
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

    private AlertResult decideLocked(Alert alert, Rule rule, RuleSet ruleSet, Target target, StateStore store, Deferred resumed,
                                     List<Deferred> deferInto) {
        String id = instanceId(alert);
        for (int attempt = 0; attempt < Cas.ATTEMPTS; attempt++) {
            RemediationRecord latest = store.latestEpisode(rule.name(), target.key()).orElse(null);
            Episodes.Step step;
            Asked asked;
            if (attempt == 0 && resumed != null && sameView(resumed.seen(), latest) && !resumed.asked().stale()) {
                step = resumed.step(); // nothing it was decided on changed since: carried out as decided
                asked = resumed.asked();
            } else {
                asked = new Asked(alert, rule, ruleSet, target, clock.instant());
                step = Episodes.next(latest, rule.name(), target.key(), id, alert.firing(), asked.at, asked::decide);
            }
            if (deferInto != null && step.waits()) {
                deferInto.add(new Deferred(alert, rule, ruleSet, target, latest, step, asked));
                return null;
            }
            AlertResult r = carryOut(step, alert, rule, ruleSet, id, asked);
            if (r != null) {
                return r;
            }
            Cas.backOff(attempt); // the episode changed under the step: decided again on what it is now
        }
        throw new StateStore.StoreUnavailableException("the episode of " + rule.name() + " on " + target.key() + " kept changing", null);
    }

    private static boolean sameView(RemediationRecord seen, RemediationRecord now) {
        if (seen == now) {
            return true;
        }
        return seen != null && now != null && seen.name.equals(now.name) && seen.resourceVersion != null
                && seen.resourceVersion.equals(now.resourceVersion);
    }

    /** Carries one step out; null when the episode changed under it (decide again). */
    private AlertResult carryOut(Episodes.Step step, Alert alert, Rule rule, RuleSet ruleSet, String id, Asked asked) {
        Instant now = asked.at;
        StateStore store = runtime.store();
        if (step instanceof Episodes.Resolved r) {
            if (r.wasFiring()) {
                folds.resolved(r.episode().name, id, now);
            }
            return finish(alert, rule, Decision.resolved(), r.episode() == null ? null : r.episode().name, false);
        }
        if (step instanceof Episodes.Resend r) {
            // A re-send of an instance already decided for good: answered from the cache, counted later.
            folds.resend(r.episode().name, now);
            return finish(alert, rule, duplicateOf(r.episode()), r.episode().name, false);
        }
        if (step instanceof Episodes.Fold f) {
            RemediationRecord ep = f.episode();
            folds.fold(ep.name, id, now);
            return finish(alert, rule, new Decision(Outcome.REFUSE, Reason.EPISODE_OPEN, Reason.EPISODE_OPEN.description()
                    + " (remediation " + ep.name + ", " + ep.status.phase.name().toLowerCase() + ")"), ep.name, false);
        }
        if (step instanceof Episodes.RepeatRefusal r) {
            folds.repeat(r.episode().name, id, now);
            return finish(alert, rule, r.decision(), r.episode().name, true);
        }
        if (step instanceof Episodes.FoldLate l) {
            folds.late(l.episode().name, id, l.decision(), now);
            runtime.events().decision(l.episode(), l.decision());
            return finish(alert, rule, l.decision(), l.episode().name, l.repeated());
        }
        if (step instanceof Episodes.AwaitWinner a) {
            return awaitDecision(a.episode().name) ? null : unavailable(a.episode().name);
        }
        if (step instanceof Episodes.Clear c) {
            // The last instance resolved: the pending refusal is over. A decision that changes is written now.
            RemediationRecord cleared = c.episode().copy();
            EpisodeFolds.clear(cleared, id, now);
            if (!store.update(cleared)) {
                store.fetch(cleared.name);
                return null;
            }
            runtime.events().cleared(cleared);
            return finish(alert, rule, Decision.resolved(), cleared.name, false);
        }
        if (step instanceof Episodes.Open o) {
            return open(o, alert, rule, ruleSet, id, asked);
        }
        return redecide((Episodes.Redecide) step, alert, rule, ruleSet, id, asked);
    }

    /** The first alert of a new episode: one create for a refusal; a decision to act claims the record, then admits. */
    private AlertResult open(Episodes.Open o, Alert alert, Rule rule, RuleSet ruleSet, String id, Asked asked) {
        Decision d = o.decision();
        StateStore store = runtime.store();
        RemediationRecord record = EpisodeRecords.claim(o.name(), o.number(), alert, rule, asked.target, id, asked.value().raw(),
                runtime.dryRun(), asked.at);
        ChangeCheck.write(record, rule, asked.gateIfAsked());
        if (d.outcome() == Outcome.REFUSE) {
            EpisodeRecords.setDecision(record, d, asked.at);
            tellHuman(record, d, store.latestEpisode(rule.name(), asked.target.key()).orElse(null), asked.at);
        }
        long c0 = System.nanoTime();
        boolean created = store.create(record);
        trace("create", c0);
        if (!created) {
            // Another replica took the name first: answer with its decision once it is durable.
            long w0 = System.nanoTime();
            boolean ok = awaitDecision(o.name());
            trace("await", w0);
            return ok ? null : unavailable(o.name());
        }
        metrics.firstWrite(Duration.between(alert.receivedAt(), clock.instant()));
        if (d.outcome() == Outcome.REFUSE) {
            runtime.events().decision(record, d);
            return finish(alert, rule, d, o.name(), false);
        }
        return admitAndWrite(alert, rule, ruleSet, asked, d, record);
    }

    /** A new alert instance or a re-send on an episode refused for a transient reason, whose decision changed. */
    private AlertResult redecide(Episodes.Redecide step, Alert alert, Rule rule, RuleSet ruleSet, String id, Asked asked) {
        RemediationRecord ep = step.episode();
        Decision d = step.decision();
        StateStore store = runtime.store();
        RemediationRecord record = ep.copy();
        ChangeCheck.write(record, rule, asked.gateIfAsked());
        EpisodeFolds.addInstance(record, id, asked.at);
        record.spec.trigger.value = asked.value().raw();
        if (d.outcome() == Outcome.REFUSE) {
            EpisodeRecords.setDecision(record, d, asked.at);
            tellHuman(record, d, null, asked.at);
        } else {
            record.status.phase = Phase.EVALUATING; // claimed again: the admission below belongs to this record only
            record.retireDecision();
        }
        if (!store.update(record)) {
            store.fetch(ep.name);
            return null;
        }
        if (d.outcome() == Outcome.REFUSE) {
            runtime.events().decision(record, d);
            return finish(alert, rule, d, record.name, false);
        }
        return admitAndWrite(alert, rule, ruleSet, asked, d, record);
    }

    /** A flapping alert opens an episode per firing: its people are told once in this long, not per episode. */
    static final Duration TELL_HUMAN_AGAIN = Duration.ofHours(1);

    /**
     * A refusal by the change gate is the one "no" someone must act on (the alert is real, nothing of ours to undo): it
     * is said in chat as well, with the same write as the decision, unless the previous episode said the same lately.
     */
    private void tellHuman(RemediationRecord record, Decision d, RemediationRecord previous, Instant now) {
        boolean toldLately = previous != null && previous.status.decision != null && d.reason().name().equals(previous.status.decision.reason)
                && previous.status.decision.decidedAt != null && previous.status.decision.decidedAt.isAfter(now.minus(TELL_HUMAN_AGAIN));
        if (chat && !toldLately && (d.reason() == Reason.NO_RECENT_CHANGE || d.reason() == Reason.CHANGED_AFTER_ALERT)
                && record.status.notices.stream().noneMatch(n -> io.autonova.remediator.notify.NoticeText.NEEDS_HUMAN.equals(n.event))) {
            RemediationRecord.Notice n = new RemediationRecord.Notice();
            n.channel = "chat";
            n.event = io.autonova.remediator.notify.NoticeText.NEEDS_HUMAN;
            record.status.notices.add(n);
        }
    }

    /** Admit, write the decision, enqueue: the record is ours (claimed). */
    private AlertResult admitAndWrite(Alert alert, Rule rule, RuleSet ruleSet, Asked asked, Decision first, RemediationRecord record) {
        StateStore store = runtime.store();
        Decision d = admission.admit(store, new Admission.Decided(asked.input(), asked.state(), first, asked.at), record.name,
                ruleSet.sharedKeep(), ruleSet.targetKeep());
        EpisodeRecords.writeAdmitted(store, record, d, clock.instant(),
                Approval.needed(rule, record.spec.scenario, asked.target.namespace(), asked.target.deployment(), ruleSet.globalLimits().approvals()));
        runtime.events().decision(record, d);
        if (d.outcome() != Outcome.REFUSE) {
            engine.enqueue(record.name, alert.receivedAt());
        }
        return finish(alert, rule, d, record.name, false);
    }

    /**
     * The policy's inputs for one (alert, rule): read from the caches when first asked, then kept, so the
     * admission can tell whether the state its decision was taken on is still current.
     */
    private final class Asked {
        final Alert alert;
        final Rule rule;
        final RuleSet ruleSet;
        final Target target;
        final Instant at;
        private SignalValue value;
        private ChangeGate.Verdict gate;
        private DecisionInput input;
        private PolicyState state;

        Asked(Alert alert, Rule rule, RuleSet ruleSet, Target target, Instant at) {
            this.alert = alert;
            this.rule = rule;
            this.ruleSet = ruleSet;
            this.target = target;
            this.at = at;
        }

        Decision decide(String recordName) {
            return PolicyEngine.decide(input(), state(), recordName, at);
        }

        SignalValue value() {
            if (value == null) {
                value = rule.threshold() == null ? SignalValue.missing() : rule.threshold().extract(alert.labels(), alert.annotations());
            }
            return value;
        }

        DecisionInput input() {
            if (input == null) {
                input = new DecisionInput(rule.name(), target.namespace(), target.deployment(), alert.firing(), false, rule.threshold(), value(),
                        alert.startsAt(), rule.minFiringDuration(), rule.limits(), ruleSet.globalLimits(), runtime.dryRun(), this::gate);
            }
            return input;
        }

        /** The verdict if the policy got as far as asking it (a decision to act, or a refusal by the gate), else null. */
        ChangeGate.Verdict gateIfAsked() {
            return gate;
        }

        /** The change gate's verdict, from the watch caches, once; a resolved alert never acts, so it is not asked then. */
        ChangeGate.Verdict gate() {
            if (gate == null) {
                gate = !alert.firing() ? ChangeGate.Verdict.notAsked(rule.scenarioName())
                        : ChangeCheck.ask(runtime.changes(), rule, target, alert.startsAt() != null ? alert.startsAt() : alert.receivedAt(),
                        alert.labels().get("severity"), alert.alertname());
            }
            return gate;
        }

        /**
         * Whether the policy state a decision was taken on is no longer the cache's. A step decided in a delivery's inline
         * pass is carried out later on the pool, after the delivery's earlier opens may have spent the limits: carrying
         * out a stale "act" would claim a record only for the admission to refuse it (two writes where one does).
         */
        boolean stale() {
            if (state == null) {
                return false;
            }
            StateStore store = runtime.store();
            return !new PolicyState(store.pauses(), store.target(target.key()).value().state(), store.global().value()).sameAs(state);
        }

        PolicyState state() {
            if (state == null) {
                StateStore store = runtime.store();
                state = new PolicyState(store.pauses(), store.target(target.key()).value().state(), store.global().value());
            }
            return state;
        }
    }

    /** The replica that lost the race waits for the winner's decision to be durable before answering. */
    private boolean awaitDecision(String name) {
        Instant deadline = clock.instant().plus(AWAIT_WINNER);
        StateStore store = runtime.store();
        // The create failed because the record exists: read it once rather than wait for the watch to bring it.
        if (decided(store.record(name).or(() -> store.fetch(name)))) {
            return true;
        }
        for (int i = 1; clock.instant().isBefore(deadline); i++) {
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

    private AlertResult finish(Alert alert, Rule rule, Decision d, String recordName, boolean repeated) {
        metrics.decision(d.outcome().tag(), d.reason().tag());
        // Re-sends and repeated refusals are summarised on their record and in metrics; new decisions are logged.
        boolean quiet = repeated || d.reason() == Reason.DUPLICATE_ALERT || d.reason() == Reason.NO_MATCHING_RULE || d.reason() == Reason.EPISODE_OPEN;
        if (decisionLog && (quiet ? LOG.isDebugEnabled() : LOG.isInfoEnabled())) {
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

    static final ThreadLocal<StringBuilder> TRACE = ThreadLocal.withInitial(StringBuilder::new);

    static void trace(String what, long sinceNanos) {
        if (!LOG.isDebugEnabled()) {
            return;
        }
        TRACE.get().append(what).append('=').append((System.nanoTime() - sinceNanos) / 1_000_000).append("ms ");
    }
}
