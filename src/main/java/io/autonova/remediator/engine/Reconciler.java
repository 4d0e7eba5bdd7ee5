package io.autonova.remediator.engine;

import io.autonova.remediator.state.Cas;
import io.autonova.remediator.policy.GlobalState;
import io.autonova.remediator.policy.Pause;
import io.autonova.remediator.domain.Durations;
import io.autonova.remediator.domain.Target;
import io.autonova.remediator.cluster.ApiFailure;
import io.autonova.remediator.cluster.ClusterActions;
import io.autonova.remediator.cluster.DryRunClusterActions;
import io.autonova.remediator.peers.GitOps;
import io.autonova.remediator.peers.PrometheusClient;
import io.autonova.remediator.state.EventRecorder;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import io.autonova.remediator.state.StateStore;
import io.autonova.remediator.state.TargetRecord;
import io.autonova.remediator.state.Versioned;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Advances one remediation by at most one step per call, with all state in the record, as Argo Rollouts
 * reconciles an AnalysisRun. Ownership is the target's Lease: a replica acts only while it holds it, and
 * takes it over once the holder stopped renewing. Returns when to look again (null: nothing more to do).
 *
 * <p>Step protocol: a step that acts is first written as {@code running} with its inputs (write-ahead), then
 * acts, then its outcome is written. A replica that finds a step {@code running} (the previous owner died)
 * runs it again: steps are idempotent. Waiting steps persist their next check and deadline. On failure or
 * abort, compensations of the steps done run in reverse order, each recorded like any step.
 */
public class Reconciler {

    private static final Logger LOG = Logger.getLogger(Reconciler.class);
    /** Attempts of a step whose calls fail transiently (see {@link ApiFailure}) before the run fails with {@code API_ERROR}. */
    static final int API_ATTEMPTS = 5;
    /** Attempts of a compensation that failed before the target is held; a refused call is not tried again. */
    static final int COMPENSATION_ATTEMPTS = 3;

    /** Settings that do not change while the service runs. */
    public record Settings(String identity, Duration leaseDuration, Duration pollInterval, Duration verifyTimeout, String argoNamespace,
                           PrometheusClient prometheus, List<String> notices, GitOps gitops) {
        public Settings(String identity, Duration leaseDuration, Duration pollInterval, Duration verifyTimeout, String argoNamespace) {
            this(identity, leaseDuration, pollInterval, verifyTimeout, argoNamespace, null, List.of(), null);
        }
    }

    /** Called when a run ends: scenario, outcome (succeeded, failed, aborted) and the record. */
    public interface Outcomes {
        void finished(RemediationRecord record, Phase outcome);

        void step(String scenario, String step, String outcome, Duration took);

        /** A run's approval was answered: approved, denied or expired, after waiting this long. */
        default void approval(RemediationRecord record, String result, Duration waited) {
        }
    }

    private final StateStore store;
    private final ClusterActions cluster;
    private final Map<String, ScenarioPlan> plans;
    private final EventRecorder events;
    private final Clock clock;
    private final Settings settings;
    private final Outcomes outcomes;

    public Reconciler(StateStore store, ClusterActions cluster, List<ScenarioPlan> plans, EventRecorder events, Clock clock, Settings settings,
                      Outcomes outcomes) {
        this.store = store;
        this.cluster = cluster;
        this.plans = new LinkedHashMap<>();
        plans.forEach(p -> this.plans.put(p.ruleName(), p));
        this.events = events;
        this.clock = clock;
        this.settings = settings;
        this.outcomes = outcomes;
    }

    /** One reconcile. Returns when to look again, or null when the run needs nothing more from this replica. */
    public Instant reconcile(String name) {
        RemediationRecord rec = store.record(name).orElse(null);
        if (rec == null) {
            return forgetLost(name);
        }
        boolean wantsWork = rec.status.phase.active() || rec.status.phase == Phase.DRY_RUN && rec.status.finishedAt == null;
        if (wantsWork) {
            String refused = notAdmitted(rec);
            if (refused != null) {
                return refuseRecord(rec, refused);
            }
        }
        if (rec.status.phase == Phase.DRY_RUN && rec.status.finishedAt == null) {
            dryRun(rec);
            return null;
        }
        Instant now = clock.instant();
        if (!rec.status.phase.active()) {
            if (rec.finalizers.contains(RemediationRecord.FINALIZER)) {
                // Ended, but its replica stopped before letting the record go.
                mutate(name, r -> r.finalizers.remove(RemediationRecord.FINALIZER));
            }
            return rec.status.phase.finished() ? tidyUp(rec, now) : null;
        }
        // Ownership: act only while holding the target's Lease.
        Versioned<TargetRecord> lease = store.target(rec.targetKey());
        if (!mine(lease.value(), now)) {
            if (!takeable(lease.value(), now)) {
                return takeableAt(lease.value()).plusMillis(50);
            }
            TargetRecord next = lease.value().acquiredBy(settings.identity(), name, now, settings.leaseDuration());
            if (!store.replaceTarget(lease, next)) {
                store.fetchTarget(rec.targetKey());
                return now.plusMillis(100);
            }
            if (lease.value().holder() != null && !settings.identity().equals(lease.value().holder())) {
                LOG.infof("remediation %s: took over %s from %s, seen here unrenewed for a whole lease (its last renewal stamped %s)", name,
                        rec.targetKey(), lease.value().holder(), lease.value().renewedAt());
            }
            if (rec.status.owner != null && !settings.identity().equals(rec.status.owner)) {
                // Read from the server first: a replica waking from a pause may take a free Lease on the word of a stale
                // cache, for a run another replica has meanwhile ended. An ended record is never written again.
                if (store.fetch(name).map(r -> r.status.phase.active()).orElse(false)) {
                    mutate(name, r -> r.status.owner = settings.identity());
                }
                return now;
            }
        }
        RunContext ctx = context(rec, now);
        ScenarioPlan plan = plans.get(rec.spec.scenario);
        if (plan == null) {
            return finish(rec, Phase.FAILED, null, "no plan for scenario " + rec.spec.scenario + " in this version", null);
        }
        if (rec.status.phase == Phase.AWAITING_APPROVAL) {
            return awaitApproval(rec, plan, now);
        }
        if (rec.status.phase == Phase.PENDING && rec.deletionRequestedAt != null) {
            return finish(rec, Phase.ABORTED, FailureReason.ABORTED, "its record was deleted before the run started; nothing was changed", null);
        }
        if (rec.status.phase == Phase.PENDING) {
            boolean forced = rec.spec.manual != null && rec.spec.manual.forced;
            Optional<Pause> pause = forced ? Optional.empty() : store.pauses().stream().filter(p -> p.activeAt(now))
                    .filter(p -> p.covers(rec.spec.target.namespace, rec.spec.target.deployment)).findFirst();
            if (pause.isPresent()) {
                // Admitted but not started: a pause holds it; nothing has changed in the cluster yet.
                String msg = "admitted, held before its first step by " + pause.get().describe();
                if (!msg.equals(rec.status.message)) {
                    mutate(name, r -> r.status.message = msg);
                }
                return now.plus(settings.pollInterval());
            }
            mutate(name, r -> {
                r.status.phase = Phase.RUNNING;
                r.status.startedAt = now;
                r.status.owner = settings.identity();
                if (!r.finalizers.contains(RemediationRecord.FINALIZER)) {
                    r.finalizers.add(RemediationRecord.FINALIZER);
                }
                addNotices(r, "started");
            });
            return now;
        }
        if ((rec.spec.abortRequested || rec.deletionRequestedAt != null) && rec.status.compensating == null) {
            String by = rec.spec.abortRequested ? "aborted by " + (rec.spec.abortRequestedBy == null ? "an operator" : rec.spec.abortRequestedBy)
                    : "its record was deleted while the run was going on (it goes once this is done)";
            mutate(name, r -> {
                for (RemediationRecord.Step st : r.status.steps) {
                    if ("running".equals(st.phase) || "waiting".equals(st.phase)) {
                        st.phase = "aborted";
                        st.finishedAt = now;
                        st.checkAt = null;
                    }
                }
                r.status.compensating = FailureReason.ABORTED.name();
                r.status.message = by + "; undoing what is safe to undo";
            });
            return now;
        }
        if (rec.status.compensating != null) {
            return compensate(rec, plan, ctx);
        }
        for (StepHandler step : plan.steps(ctx)) {
            RemediationRecord.Step s = rec.step(step.name());
            if (s != null && ("succeeded".equals(s.phase) || "skipped".equals(s.phase))) {
                continue;
            }
            return advance(rec, step, s, ctx, false);
        }
        return finish(rec, Phase.SUCCEEDED, null, closing(rec), null);
    }

    /**
     * A run waiting for a person: its plan preview is computed once (nothing is sent), an answer moves it on (approved:
     * pending, the usual start; denied: ended), and so do an abort, a deleted record, a resolved alert and the timeout.
     * Ended unapproved, it gives back its target and slot and does not count as an action on the target.
     */
    private Instant awaitApproval(RemediationRecord rec, ScenarioPlan plan, Instant now) {
        RemediationRecord.ApprovalAnswer answer = rec.status.approval;
        if (rec.spec.abortRequested || rec.deletionRequestedAt != null) {
            String by = rec.spec.abortRequested ? "aborted by " + (rec.spec.abortRequestedBy == null ? "an operator" : rec.spec.abortRequestedBy)
                    : "its record was deleted";
            return endUnapproved(rec, Phase.ABORTED, FailureReason.ABORTED, by + " while it waited for approval; nothing was changed", null);
        }
        if (answer != null && "approved".equals(answer.answer)) {
            String msg = "approved by " + answer.by + " via " + answer.via + (answer.reason == null ? "" : " (" + answer.reason + ")");
            mutate(rec.name, r -> {
                r.status.phase = Phase.PENDING;
                r.status.message = msg;
            });
            events.emit(store.record(rec.name).orElse(rec), false, "RemediationApproved", msg);
            outcomes.approval(rec, "approved", Duration.ofSeconds(answer.waitedSeconds));
            LOG.infof("remediation %s %s", rec.name, msg);
            return now;
        }
        if (answer != null && "denied".equals(answer.answer)) {
            return endUnapproved(rec, Phase.DENIED, FailureReason.APPROVAL_DENIED, "denied by " + answer.by + " via " + answer.via
                    + (answer.reason == null ? "" : ": " + answer.reason) + "; nothing was changed", "denied");
        }
        Instant expires = rec.spec.approval == null ? now : rec.spec.approval.expiresAt;
        if (!now.isBefore(expires)) {
            mutate(rec.name, r -> {
                if (r.status.approval == null) {
                    r.status.approval = new RemediationRecord.ApprovalAnswer();
                    r.status.approval.answer = "expired";
                    r.status.approval.at = now;
                    r.status.approval.waitedSeconds = r.approvalWait(now).toSeconds();
                }
            });
            RemediationRecord latest = store.record(rec.name).orElse(rec);
            if (latest.status.approval != null && !"expired".equals(latest.status.approval.answer)) {
                return now; // answered just in time: that answer wins
            }
            return endUnapproved(rec, Phase.EXPIRED, FailureReason.APPROVAL_EXPIRED, "nobody approved it within "
                    + (rec.spec.approval == null ? "its timeout" : rec.spec.approval.timeout) + "; nothing was changed", "expired");
        }
        if (rec.alertResolved()) {
            return endUnapproved(rec, Phase.CLEARED, FailureReason.ALERT_RESOLVED, FailureReason.ALERT_RESOLVED.description(), null);
        }
        if (rec.status.preview == null) {
            RemediationRecord.Preview preview = preview(rec, plan, now);
            mutate(rec.name, r -> {
                if (r.status.preview == null) {
                    r.status.preview = preview;
                    addNotices(r, "approval", List.of("chat"));
                }
            });
            RemediationRecord shown = store.record(rec.name).orElse(rec);
            events.emit(shown, true, "RemediationAwaitingApproval", "waits for approval until " + expires + ": " + preview.summary);
            LOG.infof("remediation %s waits for approval until %s: %s", rec.name, expires, preview.summary);
        }
        Instant poll = now.plus(settings.pollInterval());
        return expires.isBefore(poll) ? expires : poll;
    }

    /** The plan walked over a what-if view of the cluster, for the approver: nothing is sent. */
    private RemediationRecord.Preview preview(RemediationRecord rec, ScenarioPlan plan, Instant now) {
        RemediationRecord.Preview p = new RemediationRecord.Preview();
        p.at = now;
        if (cluster == null) {
            p.steps.addAll(outline(plan, context(rec, now), "would "));
            p.summary = "the steps it would take (no cluster to walk them over)";
            return p;
        }
        p.summary = simulate(rec, plan, p.steps, now);
        for (RemediationRecord.Step s : p.steps) {
            p.revisionFrom = p.revisionFrom != null ? p.revisionFrom : EngineOutput.REVISION_FROM.in(s.outputs);
            p.revisionTo = p.revisionTo != null ? p.revisionTo : EngineOutput.REVISION_TO.in(s.outputs);
        }
        return p;
    }

    /**
     * Ends a run that never acted (denied, expired, aborted or cleared while it waited): its admission no longer counts
     * as an action on the target (cooldown, consecutive cap); the rate limits keep counting what was asked for.
     */
    private Instant endUnapproved(RemediationRecord rec, Phase outcome, FailureReason reason, String message, String approvalResult) {
        String key = rec.targetKey();
        Cas.update("the state of " + key, () -> store.target(key), () -> store.fetchTarget(key), store::replaceTarget, t -> {
            var s = t.state().withoutAction(rec.name);
            return s == t.state() ? t : t.withState(s);
        });
        Instant now = clock.instant();
        finish(rec, outcome, reason, message, null);
        if (approvalResult != null) {
            RemediationRecord ended = store.record(rec.name).orElse(rec);
            outcomes.approval(ended, approvalResult, ended.status.approval == null ? ended.approvalWait(now) : Duration.ofSeconds(ended.status.approval.waitedSeconds));
        }
        return null;
    }

    private RunContext context(RemediationRecord rec, Instant now) {
        return context(rec, now, cluster);
    }

    private RunContext context(RemediationRecord rec, Instant now, ClusterActions on) {
        Target t = new Target(rec.spec.target.namespace, rec.spec.target.deployment, rec.spec.target.argoApplication);
        Duration verify = rec.spec.parameters.containsKey("verifyTimeout") ? Durations.parse(rec.spec.parameters.get("verifyTimeout"))
                : settings.verifyTimeout();
        return new RunContext(rec, t, on, settings.argoNamespace(), now, verify, store.target(rec.targetKey()).value().state(),
                settings.prometheus(), settings.gitops());
    }

    /** Runs or resumes one step (or compensation) of the run. */
    private Instant advance(RemediationRecord rec, StepHandler step, RemediationRecord.Step s, RunContext ctx, boolean compensation) {
        Instant now = ctx.now();
        String name = rec.name;
        if (s != null && "waiting".equals(s.phase) && s.checkAt != null && now.isBefore(s.checkAt)) {
            return s.checkAt;
        }
        Map<String, String> inputs;
        if (s == null || "pending".equals(s.phase)) {
            inputs = step.prepare(ctx);
            Duration deadline = step.deadline(ctx);
            if (!step.readOnly()) {
                // Write-ahead: what the step needs to be finished or undone is durable before it acts.
                Map<String, String> in = inputs;
                if (!mutate(name, r -> {
                    RemediationRecord.Step n = stepEntry(r, step.name(), compensation);
                    n.phase = "running";
                    n.startedAt = now;
                    n.inputs = new LinkedHashMap<>(in);
                    n.deadline = deadline == null ? null : now.plus(deadline);
                    n.attempts = 1;
                    r.status.owner = settings.identity();
                })) {
                    return now;
                }
                rec = store.record(name).orElseThrow();
                s = compensation ? compensationEntry(rec, step.name()) : rec.step(step.name());
            } else {
                s = new RemediationRecord.Step();
                s.name = step.name();
                s.startedAt = now;
                s.deadline = deadline == null ? null : now.plus(deadline);
            }
        } else {
            inputs = s.inputs;
        }
        long t0 = System.nanoTime();
        if (!step.readOnly() && !fence(rec.targetKey(), name)) {
            return now.plus(settings.pollInterval());
        }
        StepResult result;
        try {
            result = step.act(context(rec, now), inputs);
        } catch (io.autonova.remediator.domain.TargetRefused e) {
            // Not a transient error: the record names a target this service must never touch. Never retried.
            LOG.errorf("remediation %s, step %s: %s", name, step.name(), e.getMessage());
            result = StepResult.fail(FailureReason.TARGET_REFUSED, e.getMessage());
        } catch (RuntimeException e) {
            int attempts = s.attempts + 1;
            ApiFailure failure = ApiFailure.of(e);
            if (failure == ApiFailure.REFUSED) {
                LOG.errorf("remediation %s, step %s: refused by the API server, not retried: %s", name, step.name(), e.getMessage());
                result = StepResult.fail(FailureReason.API_REFUSED, "Kubernetes API refused the call: " + e.getMessage());
            } else if (attempts >= API_ATTEMPTS) {
                result = StepResult.fail(FailureReason.API_ERROR, "Kubernetes API error: " + e.getMessage());
            } else {
                LOG.warnf("remediation %s, step %s: attempt %d failed, retrying: %s", name, step.name(), attempts, e.getMessage());
                RemediationRecord.Step started = s;
                mutate(name, r -> {
                    RemediationRecord.Step n = startedEntry(r, step.name(), compensation, started);
                    if ("pending".equals(n.phase)) {
                        n.phase = "running";
                    }
                    n.attempts = attempts;
                    n.message = "attempt " + attempts + " failed: " + e.getMessage();
                });
                // A conflict that escaped the step is looked at again at once; anything else waits, with jitter.
                return failure == ApiFailure.CONFLICT ? now : now.plus(ApiFailure.backoff(settings.pollInterval(), attempts));
            }
        }
        if (result.kind() == StepResult.Kind.WAIT && s.deadline != null && !now.isBefore(s.deadline)) {
            result = StepResult.fail(FailureReason.TIMED_OUT, step.name() + " not done after " + Durations.format(Duration.between(s.startedAt, s.deadline))
                    + ": " + result.message());
        }
        StepResult r0 = result;
        RemediationRecord.Step started = s;
        String scenario = rec.spec.scenario;
        switch (r0.kind()) {
            case DONE -> {
                mutate(name, r -> {
                    RemediationRecord.Step n = startedEntry(r, step.name(), compensation, started);
                    n.phase = "succeeded";
                    n.finishedAt = now;
                    n.message = r0.message();
                    n.outputs.putAll(r0.outputs());
                    n.checkAt = null;
                    applyOutputs(r, r0.outputs());
                });
                outcomes.step(scenario, step.name(), "succeeded", Duration.ofNanos(System.nanoTime() - t0));
                return now;
            }
            case WAIT -> {
                Instant next = now.plus(r0.checkAgainIn() == null ? settings.pollInterval() : r0.checkAgainIn());
                // Persist only what changed: a poll that saw the same thing costs no write.
                if (!"waiting".equals(started.phase) || !r0.message().equals(started.message) || !r0.outputs().isEmpty()) {
                    mutate(name, r -> {
                        RemediationRecord.Step n = startedEntry(r, step.name(), compensation, started);
                        n.phase = "waiting";
                        n.message = r0.message();
                        n.outputs.putAll(r0.outputs());
                        n.checkAt = next;
                        r.status.nextCheckAt = next;
                    });
                }
                return next;
            }
            default -> {
                mutate(name, r -> {
                    RemediationRecord.Step n = startedEntry(r, step.name(), compensation, started);
                    n.phase = "failed";
                    n.finishedAt = now;
                    n.message = r0.message();
                    n.reason = r0.reason().name();
                    n.outputs.putAll(r0.outputs());
                    applyOutputs(r, r0.outputs()); // a failure may say what a human must do now
                    if (!compensation) {
                        r.status.compensating = r0.reason().name();
                        r.status.failureReason = r0.reason().name();
                        r.status.message = r0.message();
                    }
                });
                outcomes.step(scenario, step.name(), "failed", Duration.ofNanos(System.nanoTime() - t0));
                return now; // a failed step starts compensation; a failed compensation is retried, then the target is held
            }
        }
    }

    /** Undoes what is safe to undo, newest first; then ends the run failed or aborted. */
    private Instant compensate(RemediationRecord rec, ScenarioPlan plan, RunContext ctx) {
        List<String> done = new ArrayList<>();
        for (RemediationRecord.Step s : rec.status.steps) {
            if (!s.compensation && !"pending".equals(s.phase) && !"planned".equals(s.phase)) {
                done.add(s.name);
            }
        }
        for (int i = done.size() - 1; i >= 0; i--) {
            Optional<StepHandler> undo = plan.compensation(done.get(i), ctx);
            if (undo.isEmpty()) {
                continue;
            }
            RemediationRecord.Step c = compensationEntry(rec, undo.get().name());
            if (c != null && "succeeded".equals(c.phase)) {
                continue;
            }
            if (c != null && "failed".equals(c.phase)) {
                if (c.attempts >= COMPENSATION_ATTEMPTS || FailureReason.API_REFUSED.name().equals(c.reason)) {
                    return finish(rec, Phase.FAILED, FailureReason.COMPENSATION_FAILED, "could not undo " + done.get(i) + ": " + c.message,
                            "undo by hand: " + c.message);
                }
                int attempts = c.attempts + 1;
                mutate(rec.name, r -> {
                    RemediationRecord.Step n = compensationEntry(r, undo.get().name());
                    n.phase = "running";
                    n.attempts = attempts;
                });
                return ctx.now().plus(settings.pollInterval());
            }
            return advance(rec, undo.get(), c, ctx, true);
        }
        FailureReason why = FailureReason.valueOf(rec.status.compensating);
        Phase end = why == FailureReason.ABORTED ? Phase.ABORTED : Phase.FAILED;
        return finish(rec, end, why, rec.status.message, null);
    }

    private static RemediationRecord.Step compensationEntry(RemediationRecord r, String name) {
        return r.status.steps.stream().filter(s -> s.compensation && s.name.equals(name)).findFirst().orElse(null);
    }

    private static RemediationRecord.Step stepEntry(RemediationRecord r, String name, boolean compensation) {
        RemediationRecord.Step s = compensation ? compensationEntry(r, name) : r.step(name);
        if (s == null) {
            s = new RemediationRecord.Step();
            s.name = name;
            s.compensation = compensation;
            s.phase = "pending";
            r.status.steps.add(s);
        }
        return s;
    }

    /**
     * The step's entry on {@code r}, carrying the start and deadline of {@code started}: a read-only step is
     * not written ahead, so its entry first appears with its outcome.
     */
    private static RemediationRecord.Step startedEntry(RemediationRecord r, String name, boolean compensation, RemediationRecord.Step started) {
        RemediationRecord.Step n = stepEntry(r, name, compensation);
        if (n.startedAt == null) {
            n.startedAt = started.startedAt;
        }
        if (n.deadline == null) {
            n.deadline = started.deadline;
        }
        return n;
    }

    /** Well-known outputs that belong on the record's status. */
    private static void applyOutputs(RemediationRecord r, Map<String, String> outputs) {
        String from = EngineOutput.REVISION_FROM.in(outputs);
        String to = EngineOutput.REVISION_TO.in(outputs);
        String human = EngineOutput.HUMAN_ACTION.in(outputs);
        if (from != null) {
            r.status.revisionFrom = from;
        }
        if (to != null) {
            r.status.revisionTo = to;
        }
        if (human != null && !r.status.humanActions.contains(human)) {
            r.status.humanActions.add(human);
        }
        if (EngineOutput.GIT_MUST_FOLLOW.in(outputs) != null) {
            r.status.gitMustFollow = Boolean.parseBoolean(EngineOutput.GIT_MUST_FOLLOW.in(outputs)); // false: Git write-back made them agree
        }
    }

    private static String closing(RemediationRecord r) {
        for (int i = r.status.steps.size() - 1; i >= 0; i--) {
            String summary = EngineOutput.SUMMARY.in(r.status.steps.get(i).outputs);
            if (summary != null) {
                return summary;
            }
        }
        return r.status.revisionTo == null ? "done" : "rolled back " + r.targetKey() + " from revision " + r.status.revisionFrom + " to " + r.status.revisionTo;
    }

    /**
     * Ends the run. Order matters for a crash in between: the target's state first (known-bad template, hold),
     * then the record, then the Lease and the shared in-flight entry, which a later admission also prunes.
     */
    private Instant finish(RemediationRecord rec, Phase outcome, FailureReason reason, String message, String humanAction) {
        Instant now = clock.instant();
        String key = rec.targetKey();
        RemediationRecord fresh = store.fetch(rec.name).orElse(null);
        if (fresh == null || !fresh.status.phase.active() || fresh.status.owner != null && !settings.identity().equals(fresh.status.owner)) {
            // Ended elsewhere, or taken over, while this replica decided on an older view: neither the target nor the record is touched.
            LOG.warnf("remediation %s: not ending it %s here: the server has it %s, owned by %s", rec.name, outcome,
                    fresh == null ? "gone" : fresh.status.phase, fresh == null ? null : fresh.status.owner);
            return null;
        }
        String bad = committedFromTemplate(rec);
        String holdStep = outcome == Phase.SUCCEEDED ? null : holdOnFailure(rec);
        boolean hold = reason != null && reason.holdsTarget() || holdStep != null;
        String holdWhy = !hold ? null : "remediation " + rec.name + ": " + (reason == FailureReason.KNOWN_BAD_REVISION ? reason.description()
                : holdStep != null && (reason == null || !reason.holdsTarget()) ? holdStep + "; " + message : message);
        Cas.update("the state of " + key, () -> store.target(key), () -> store.fetchTarget(key), store::replaceTarget, t -> {
            var s = t.state().withBadTemplate(bad);
            if (holdWhy != null && t.state().hold() == null) {
                s = s.withHold(holdWhy);
            }
            return s.equals(t.state()) ? t : t.withState(s);
        });
        mutate(rec.name, r -> {
            r.status.phase = outcome;
            r.status.finishedAt = now;
            r.status.message = message;
            r.status.nextCheckAt = null;
            // Nothing left to undo: a deletion asked for meanwhile now completes.
            r.finalizers.remove(RemediationRecord.FINALIZER);
            if (reason != null) {
                r.status.failureReason = reason.name();
            }
            if (humanAction != null && !r.status.humanActions.contains(humanAction)) {
                r.status.humanActions.add(humanAction);
            }
            if (hold) {
                r.status.humanActions.add("the target is held: clear it with DELETE /api/v1/targets/" + key + "/hold once it is safe");
            }
            addNotices(r, "finished");
        });
        Cas.update("the state of " + key, () -> store.target(key), () -> store.fetchTarget(key), store::replaceTarget,
                t -> rec.name.equals(t.run()) || settings.identity().equals(t.holder()) ? t.released() : t);
        Cas.update("the shared policy state", store::global, store::fetchGlobal, store::replaceGlobal, g -> g.withFinished(key, rec.name));
        RemediationRecord ended = store.record(rec.name).orElse(rec);
        String eventReason = switch (outcome) {
            case SUCCEEDED -> "RemediationSucceeded";
            case ABORTED -> "RemediationAborted";
            case DENIED -> "RemediationDenied";
            case EXPIRED -> "RemediationApprovalExpired";
            case CLEARED -> "RemediationCleared";
            default -> "RemediationFailed";
        };
        events.emit(ended, outcome != Phase.SUCCEEDED, eventReason,
                (reason == null ? outcome.name() : reason.name()) + ": " + message);
        outcomes.finished(ended, outcome);
        LOG.infof("remediation %s %s: %s", rec.name, outcome.name().toLowerCase(), message);
        return null;
    }

    /** Queues a notice per configured channel, once per event (a retried write must not queue it twice). */
    private void addNotices(RemediationRecord r, String event) {
        addNotices(r, event, settings.notices());
    }

    private void addNotices(RemediationRecord r, String event, List<String> channels) {
        for (String channel : settings.notices()) {
            if (!channels.contains(channel)) {
                continue;
            }
            if (r.status.notices.stream().noneMatch(n -> n.channel.equals(channel) && n.event.equals(event))) {
                RemediationRecord.Notice n = new RemediationRecord.Notice();
                n.channel = channel;
                n.event = event;
                r.status.notices.add(n);
            }
        }
    }

    /** Why a run that did not succeed must hold its target whatever the reason (e.g. a migration undo ran), or null. */
    private static String holdOnFailure(RemediationRecord r) {
        for (RemediationRecord.Step s : r.status.steps) {
            String hold = EngineOutput.HOLD_ON_FAILURE.in(s.outputs) != null ? EngineOutput.HOLD_ON_FAILURE.in(s.outputs) : EngineOutput.HOLD_ON_FAILURE.in(s.inputs);
            if (!s.compensation && hold != null && !"pending".equals(s.phase)) {
                return hold;
            }
        }
        return null;
    }

    /** The template the run rolled the target away from, once the rollback is known to have been sent. */
    private static String committedFromTemplate(RemediationRecord r) {
        for (RemediationRecord.Step s : r.status.steps) {
            if (!s.compensation && "true".equals(EngineOutput.COMMITTED.in(s.outputs))) {
                return EngineOutput.FROM_TEMPLATE.in(s.outputs) != null ? EngineOutput.FROM_TEMPLATE.in(s.outputs) : EngineOutput.FROM_TEMPLATE.in(s.inputs);
            }
        }
        return null;
    }

    /**
     * A run that ended but whose replica died before giving the target back: release the Lease (once it is
     * free) and the shared in-flight entry, so the record's end and the target's state agree.
     */
    private Instant tidyUp(RemediationRecord rec, Instant now) {
        String key = rec.targetKey();
        TargetRecord t = store.target(key).value();
        boolean leaseNamesIt = rec.name.equals(t.run()) && t.holder() != null;
        boolean inFlight = store.global().value().inFlight().values().stream().anyMatch(f -> f.record().equals(rec.name));
        if (!leaseNamesIt && !inFlight) {
            return null;
        }
        if (leaseNamesIt && !takeable(t, now)) {
            return takeableAt(t).plusMillis(50);
        }
        if (leaseNamesIt) {
            Cas.update("the state of " + key, () -> store.target(key), () -> store.fetchTarget(key), store::replaceTarget,
                    x -> rec.name.equals(x.run()) && takeable(x, now) ? x.released() : x);
        }
        Cas.update("the shared policy state", store::global, store::fetchGlobal, store::replaceGlobal, g -> g.withFinished(key, rec.name));
        LOG.infof("remediation %s had ended without giving %s back (its replica stopped); tidied up", rec.name, key);
        return null;
    }

    /**
     * Why a record must not run, or null: not sealed by this service (a hand-written PENDING record the policy never saw,
     * or one changed outside the service), or a target or parameters that fail the checks a rule file's pass at load.
     */
    static String notAdmitted(RemediationRecord rec) {
        if (rec.untrusted) {
            return "the record does not carry this service's seal: it was written, or changed, outside the service";
        }
        List<String> problems = new ArrayList<>();
        io.autonova.remediator.domain.KubernetesNames.namespaceProblem(String.valueOf(rec.spec.target.namespace))
                .ifPresent(p -> problems.add("target namespace: " + p));
        io.autonova.remediator.domain.KubernetesNames.objectNameProblem(String.valueOf(rec.spec.target.deployment))
                .ifPresent(p -> problems.add("target deployment: " + p));
        if (rec.spec.target.argoApplication != null) {
            io.autonova.remediator.domain.KubernetesNames.objectNameProblem(rec.spec.target.argoApplication)
                    .ifPresent(p -> problems.add("Argo CD application: " + p));
        }
        Optional<io.autonova.remediator.rules.Scenario> scenario = io.autonova.remediator.rules.Scenario.fromRuleName(String.valueOf(rec.spec.scenario));
        if (scenario.isEmpty()) {
            problems.add("unknown scenario " + io.autonova.remediator.domain.KubernetesNames.quoteUntrusted(String.valueOf(rec.spec.scenario)));
        } else {
            problems.addAll(scenario.get().problems(rec.spec.parameters));
        }
        return problems.isEmpty() ? null : "its target or parameters fail the rule checks: " + String.join("; ", problems);
    }

    /**
     * Ends a record that must not run without trusting anything in its status: no compensation (its steps cannot be
     * believed), the target held when it claims to have started (what it did is unknown), its Lease and slot freed.
     */
    private Instant refuseRecord(RemediationRecord rec, String why) {
        Instant now = clock.instant();
        String key = rec.targetKey();
        boolean claimsStarted = rec.status.phase == Phase.RUNNING;
        String message = "not run: " + why;
        LOG.errorf("remediation %s: %s", rec.name, message);
        boolean validKey = io.autonova.remediator.domain.KubernetesNames.namespaceProblem(String.valueOf(rec.spec.target.namespace)).isEmpty()
                && io.autonova.remediator.domain.KubernetesNames.objectNameProblem(String.valueOf(rec.spec.target.deployment)).isEmpty();
        if (claimsStarted && validKey) {
            Cas.update("the state of " + key, () -> store.target(key), () -> store.fetchTarget(key), store::replaceTarget,
                    t -> t.state().hold() != null ? t : t.withState(t.state().withHold("remediation " + rec.name + ": " + message)));
        }
        mutate(rec.name, r -> {
            r.status.phase = Phase.FAILED;
            r.status.finishedAt = now;
            r.status.nextCheckAt = null;
            r.status.failureReason = FailureReason.RECORD_NOT_ADMITTED.name();
            r.status.message = message;
            r.finalizers.remove(RemediationRecord.FINALIZER);
            if (claimsStarted && validKey) {
                r.status.humanActions.add("the record claimed a run had started: check " + key + " by hand, then clear its hold with DELETE /api/v1/targets/"
                        + key + "/hold");
            }
        });
        if (validKey) {
            Cas.update("the state of " + key, () -> store.target(key), () -> store.fetchTarget(key), store::replaceTarget,
                    t -> rec.name.equals(t.run()) && takeable(t, now) ? t.released() : t);
        }
        Cas.update("the shared policy state", store::global, store::fetchGlobal, store::replaceGlobal, g -> g.withFinished(key, rec.name));
        events.emit(store.record(rec.name).orElse(rec), true, "RemediationFailed", FailureReason.RECORD_NOT_ADMITTED.name() + ": " + message);
        outcomes.finished(store.record(rec.name).orElse(rec), Phase.FAILED);
        return null;
    }

    /**
     * A run whose record is gone (deleted with its finalizer removed by hand, or never stored): its compensations can
     * no longer run, so its target's Lease and its in-flight slot are given back, and that is said loudly. Confirmed
     * against the server first: a record just created may not be in the cache yet.
     */
    private Instant forgetLost(String name) {
        Instant now = clock.instant();
        String key = null;
        for (TargetRecord t : store.targets()) {
            if (name.equals(t.run())) {
                key = t.key();
            }
        }
        for (Map.Entry<String, GlobalState.InFlight> e : store.global().value().inFlight().entrySet()) {
            if (key == null && e.getValue().record().equals(name)) {
                key = e.getKey();
            }
        }
        if (key == null || store.fetch(name).isPresent()) {
            return null;
        }
        String targetKey = key;
        TargetRecord t = store.target(targetKey).value();
        if (name.equals(t.run()) && !takeable(t, now)) {
            return takeableAt(t).plusMillis(50);
        }
        Cas.update("the state of " + targetKey, () -> store.target(targetKey), () -> store.fetchTarget(targetKey), store::replaceTarget,
                x -> name.equals(x.run()) ? x.released() : x);
        Cas.update("the shared policy state", store::global, store::fetchGlobal, store::replaceGlobal, g -> g.withFinished(targetKey, name));
        LOG.errorf("remediation %s is gone before it ended (its record was deleted and its finalizer removed by hand): %s and its in-flight slot "
                + "are freed; whatever the run had changed was NOT undone, check %s by hand", name, targetKey, targetKey);
        RemediationRecord lost = new RemediationRecord();
        lost.name = name;
        int slash = targetKey.indexOf('/');
        lost.spec.target.namespace = targetKey.substring(0, slash);
        lost.spec.target.deployment = targetKey.substring(slash + 1);
        events.emit(lost, true, "RemediationRecordLost", "RECORD_LOST: the record of run " + name
                + " was removed before the run ended; the target is freed and nothing it changed was undone: check it by hand");
        outcomes.step("unknown", "record-lost", "failed", Duration.ZERO);
        return null;
    }

    /** The plan's steps as written, each {@code planned}, for when there is no cluster to walk them over. */
    private static List<RemediationRecord.Step> outline(ScenarioPlan plan, RunContext ctx, String prefix) {
        List<RemediationRecord.Step> steps = new ArrayList<>();
        for (String[] o : plan.outline(ctx)) {
            RemediationRecord.Step s = new RemediationRecord.Step();
            s.name = o[0];
            s.phase = "planned";
            s.message = prefix + o[1];
            steps.add(s);
        }
        return steps;
    }

    /** Dry-run: walks the plan over a what-if view of the cluster, or outlines it without a cluster. */
    private void dryRun(RemediationRecord rec) {
        Instant now = clock.instant();
        ScenarioPlan plan = plans.get(rec.spec.scenario);
        List<RemediationRecord.Step> steps = new ArrayList<>();
        String message;
        RunContext ctx = context(rec, now);
        if (plan == null) {
            message = "dry-run: no plan for scenario " + rec.spec.scenario;
        } else if (cluster == null) {
            steps.addAll(outline(plan, ctx, "dry-run (no cluster): would "));
            message = "dry-run without a cluster: these are the steps it would take";
        } else {
            message = "dry-run: " + simulate(rec, plan, steps, now);
        }
        String m = message;
        mutate(rec.name, r -> {
            r.status.steps = steps;
            r.status.finishedAt = now;
            r.status.message = m;
        });
    }

    /**
     * Walks the plan once over a what-if view of the cluster ({@link DryRunClusterActions}): every read is real, no write
     * is sent, later steps see the earlier ones' writes. A step waiting for what controllers would do is reported as
     * waiting; once a write has been withheld, a step that fails may only be missing the controllers' work, so it is
     * reported as not judged and the walk goes on. A failure before any write is the plan's real answer.
     */
    private String simulate(RemediationRecord rec, ScenarioPlan plan, List<RemediationRecord.Step> steps, Instant now) {
        DryRunClusterActions whatIf = new DryRunClusterActions(cluster);
        RemediationRecord scratch = rec.copy();
        scratch.status.steps = steps;
        boolean withheld = false;
        for (int guard = 0; guard < 20; guard++) {
            RunContext ctx = context(scratch, now, whatIf);
            StepHandler next = null;
            for (StepHandler h : plan.steps(ctx)) {
                if (scratch.step(h.name()) == null) {
                    next = h;
                    break;
                }
            }
            if (next == null) {
                return closing(scratch);
            }
            RemediationRecord.Step s = new RemediationRecord.Step();
            s.name = next.name();
            s.startedAt = now;
            s.finishedAt = now;
            steps.add(s);
            StepResult r;
            try {
                s.inputs.putAll(next.prepare(ctx));
                r = next.act(ctx, s.inputs);
            } catch (RuntimeException e) {
                r = StepResult.fail(FailureReason.API_ERROR, "Kubernetes API error: " + e.getMessage());
            }
            List<String> writes = whatIf.drain();
            String would = writes.isEmpty() ? "" : "would " + String.join("; would ", writes) + " (not sent)";
            s.outputs.putAll(r.outputs());
            if (r.kind() == StepResult.Kind.FAIL && !withheld) {
                s.phase = "failed";
                s.reason = r.reason().name();
                s.message = r.message();
                return "would fail: " + r.message();
            }
            if (r.kind() == StepResult.Kind.FAIL) {
                s.phase = "skipped";
                s.message = "dry-run: not judged, it depends on what the controllers would do after the writes above: " + r.message();
            } else if (r.kind() == StepResult.Kind.WAIT) {
                s.phase = "skipped";
                s.message = "dry-run: " + (would.isEmpty() ? "" : would + "; then ") + "would wait up to its deadline: " + r.message();
            } else {
                s.phase = "succeeded";
                s.message = would.isEmpty() ? r.message() : "dry-run: " + would;
            }
            withheld |= !writes.isEmpty();
        }
        return "stopped after 20 steps";
    }

    /** Applies a change to the newest record: cache first, then one fresh read per conflict. */
    boolean mutate(String name, Consumer<RemediationRecord> change) {
        String ownerSeen = null;
        boolean activeSeen = false;
        for (int i = 0; i < Cas.ATTEMPTS; i++) {
            Optional<RemediationRecord> read = i == 0 ? store.record(name) : store.fetch(name);
            if (read.isEmpty()) {
                return false;
            }
            RemediationRecord current = read.get();
            if (i == 0) {
                ownerSeen = current.status.owner;
                activeSeen = current.status.phase.active();
            } else if (activeSeen && (!current.status.phase.active() || !java.util.Objects.equals(ownerSeen, current.status.owner))) {
                // The change was decided on a view that is gone: the run ended, or another replica took it over.
                LOG.warnf("remediation %s changed under this replica (now %s, owned by %s): its write is dropped", name,
                        current.status.phase, current.status.owner);
                return false;
            }
            RemediationRecord r = current.copy();
            change.accept(r);
            if (store.update(r)) {
                return true;
            }
            Cas.backOff(i);
        }
        throw new StateStore.StoreUnavailableException("record " + name + " kept changing", null);
    }

    /** What this replica last saw of another holder's Lease, and when by its own clock (client-go's observed time). */
    private record Observed(String holder, Instant renewedAt, Instant at) {
    }

    private final Map<String, Observed> observed = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Whether this replica may act on the target: it holds the Lease and renewed it less than the renew deadline ago (two
     * thirds of the lease, by its own clock, as its own write recorded). Past that it stops acting well before another
     * replica may take over, whatever its cache says.
     */
    boolean mine(TargetRecord t, Instant now) {
        if (!settings.identity().equals(t.holder()) || t.renewedAt() == null) {
            return false;
        }
        Duration lease = t.duration() == null ? settings.leaseDuration() : t.duration();
        return now.isBefore(t.renewedAt().plus(lease.multipliedBy(2).dividedBy(3)));
    }

    /**
     * Whether this replica may take the target's Lease: free, ours, or another holder's that this replica has seen
     * unchanged for a whole lease duration by its own clock. The holder's renew time is never compared with this
     * replica's clock, so skew cannot make an early takeover (client-go's leader-election rule).
     */
    boolean takeable(TargetRecord t, Instant now) {
        if (t.holder() == null || settings.identity().equals(t.holder())) {
            return true;
        }
        return !now.isBefore(takeableAt(t));
    }

    private Instant takeableAt(TargetRecord t) {
        Instant now = clock.instant();
        Observed o = observed.compute(t.key(), (k, old) -> old != null && java.util.Objects.equals(old.holder(), t.holder())
                && java.util.Objects.equals(old.renewedAt(), t.renewedAt()) ? old : new Observed(t.holder(), t.renewedAt(), now));
        return o.at().plus(t.duration() == null ? settings.leaseDuration() : t.duration());
    }

    /**
     * The fenced write before a step acts: the Lease renewed with a precondition on the version this replica last saw. A
     * replica that lost the Lease (paused, partitioned, its cache behind) fails it and does not act.
     */
    private boolean fence(String targetKey, String run) {
        if (renew(targetKey, run)) {
            return true;
        }
        LOG.warnf("remediation %s: this replica no longer holds the Lease of %s; not acting", run, targetKey);
        return false;
    }

    /** Extends this replica's hold on a target while its run goes on; false when another replica took it. */
    public boolean renew(String targetKey, String run) {
        Instant now = clock.instant();
        Versioned<TargetRecord> read = store.target(targetKey);
        if (!settings.identity().equals(read.value().holder()) || read.value().run() != null && !read.value().run().equals(run)) {
            return false;
        }
        if (store.replaceTarget(read, read.value().acquiredBy(settings.identity(), run, now, settings.leaseDuration()))) {
            return true;
        }
        Versioned<TargetRecord> fresh = store.fetchTarget(targetKey);
        return settings.identity().equals(fresh.value().holder()) && (fresh.value().run() == null || fresh.value().run().equals(run))
                && store.replaceTarget(fresh, fresh.value().acquiredBy(settings.identity(), run, now, settings.leaseDuration()));
    }

    /** Gives a target back (clean shutdown): another replica continues the run from its last persisted step. */
    public void release(String targetKey) {
        Versioned<TargetRecord> read = store.target(targetKey);
        if (settings.identity().equals(read.value().holder())) {
            TargetRecord t = read.value();
            // Keep the run's name, drop the holder: the next replica takes it at once instead of after expiry.
            store.replaceTarget(read, new TargetRecord(t.key(), t.state(), null, t.run(), null, null, null));
        }
    }

    /** Runs this replica may have to look at: active ones whose target is free, or held by us. */
    public List<String> runnable() {
        Instant now = clock.instant();
        List<String> names = new ArrayList<>();
        for (RemediationRecord r : store.records()) {
            if (r.status.phase == Phase.DRY_RUN && r.status.finishedAt == null) {
                names.add(r.name);
            } else if (r.status.phase.active()) {
                TargetRecord t = store.target(r.targetKey()).value();
                if (takeable(t, now)) {
                    names.add(r.name);
                }
            }
        }
        // Runs that ended without giving their target back or letting their record go, and runs whose record is gone.
        for (TargetRecord t : store.targets()) {
            if (t.run() != null && t.holder() != null && takeable(t, now)
                    && store.record(t.run()).map(r -> r.status.phase.finished() || r.finalizers.contains(RemediationRecord.FINALIZER)
                    && !r.status.phase.active()).orElse(true)) {
                names.add(t.run());
            }
        }
        store.global().value().inFlight().values().forEach(f -> {
            if (store.record(f.record()).map(r -> r.status.phase.finished()).orElse(true) && !names.contains(f.record())) {
                names.add(f.record());
            }
        });
        for (RemediationRecord r : store.records()) {
            if (!r.status.phase.active() && r.finalizers.contains(RemediationRecord.FINALIZER) && !names.contains(r.name)) {
                names.add(r.name);
            }
        }
        return names;
    }

}
