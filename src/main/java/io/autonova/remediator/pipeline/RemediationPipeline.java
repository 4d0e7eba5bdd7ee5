package io.autonova.remediator.pipeline;

import io.autonova.remediator.ingest.Alert;
import io.autonova.remediator.policy.Decision;
import io.autonova.remediator.policy.DecisionInput;
import io.autonova.remediator.policy.Outcome;
import io.autonova.remediator.policy.PolicyEngine;
import io.autonova.remediator.policy.Reason;
import io.autonova.remediator.rules.Rule;
import io.autonova.remediator.rules.RuleRepository;
import io.autonova.remediator.rules.RuleSet;
import io.autonova.remediator.rules.SignalValue;
import io.autonova.remediator.rules.SignalWindows;
import io.autonova.remediator.rules.Target;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import io.autonova.remediator.state.ServiceRuntime;
import io.autonova.remediator.state.StateStore;
import io.autonova.remediator.config.RemediatorConfig;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Ingest to decision: each alert is matched against the rules, each match is decided by the policy
 * engine and written as a record before anything acts; then execution is handed to the runner. Returns
 * once every decision is recorded, so a 2xx to the sender means nothing is lost.
 */
@ApplicationScoped
public class RemediationPipeline {

    private static final Logger LOG = Logger.getLogger(RemediationPipeline.class);
    /** A claim older than this without a decision belongs to a replica that died mid-way. */
    private static final Duration STALE_CLAIM = Duration.ofMinutes(2);
    private static final Decision NO_MATCHING_RULE = new Decision(Outcome.REFUSE, Reason.NO_MATCHING_RULE, Reason.NO_MATCHING_RULE.description());

    private final RuleRepository rules;
    private final ServiceRuntime runtime;
    private final RemediationRunner runner;
    private final RemediatorMetrics metrics;
    private final RemediatorConfig config;
    private final ResendTracker resends;
    private final Clock clock;

    public RemediationPipeline(RuleRepository rules, ServiceRuntime runtime, RemediationRunner runner, RemediatorMetrics metrics,
                               RemediatorConfig config, ResendTracker resends, Clock clock) {
        this.resends = resends;
        this.rules = rules;
        this.runtime = runtime;
        this.runner = runner;
        this.metrics = metrics;
        this.config = config;
        this.clock = clock;
    }

    public List<AlertResult> accept(List<Alert> alerts) {
        RuleSet ruleSet = rules.current();
        List<AlertResult> results = new ArrayList<>();
        for (Alert alert : alerts) {
            metrics.alertReceived(alert.source(), alert.firing());
            List<Rule> matching = ruleSet.matching(alert.labels());
            if (matching.isEmpty()) {
                Decision d = NO_MATCHING_RULE;
                metrics.decision(d);
                LOG.debugf("alert %s (%s): no matching rule", alert.fingerprint(), alert.alertname());
                results.add(new AlertResult(alert.fingerprint(), null, d.outcome().tag(), d.reason().name(), d.message(), null));
                continue;
            }
            for (Rule rule : matching) {
                results.add(handle(alert, rule, ruleSet));
            }
        }
        return results;
    }

    /**
     * A window over Kafka signals started, kept or stopped crossing its threshold: decided exactly like an
     * alert. Its identity (fingerprint from rule and target, start from when the window started crossing)
     * is derived from the data, so a redelivered or rebuilt record maps to the same remediation record.
     */
    public AlertResult acceptSignal(SignalWindows.Match match) {
        Rule rule = match.rule();
        Map<String, String> labels = new LinkedHashMap<>(match.signal().labels());
        labels.put("alertname", rule.name());
        Alert alert = new Alert("kafka", sha256Hex(rule.name() + "|" + match.signal().targetKey()), match.emission().firing(), labels,
                Map.of("value", Double.toString(match.emission().value())), match.emission().firingSince(), null, null, clock.instant());
        metrics.alertReceived(alert.source(), alert.firing());
        return handle(alert, rule, rules.current());
    }

    /** The first 16 hex digits of SHA-256: stable names and fingerprints derived from data. */
    private static String sha256Hex(String identity) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private AlertResult handle(Alert alert, Rule rule, RuleSet ruleSet) {
        Instant now = clock.instant();
        Target target = rule.target().render(alert.labels(), alert.annotations());
        List<String> problems = target.problems();
        if (!problems.isEmpty()) {
            // Untrusted names never reach the API server, not even in a record.
            Decision d = new Decision(Outcome.REFUSE, Reason.INVALID_TARGET, Reason.INVALID_TARGET.description() + ": " + String.join("; ", problems));
            return finish(alert, rule, d, null);
        }
        String name = recordName(rule.name(), alert);
        if (resends.isSettled(name)) {
            // Known from memory: no read, and the count is written later, coalesced.
            if (!alert.firing()) {
                return finish(alert, rule, Decision.resolved(), name);
            }
            resends.count(name, now);
            return finish(alert, rule, duplicateOf(name, null), name);
        }
        StateStore store = runtime.store();
        Optional<RemediationRecord> existing = store.getRecord(name);

        if (!alert.firing()) {
            Decision d = Decision.resolved();
            existing.ifPresent(r -> clearPending(r, now));
            return finish(alert, rule, d, existing.map(r -> r.name).orElse(null));
        }

        RemediationRecord record;
        if (existing.isPresent() && !reEvaluable(existing.get(), now)) {
            return duplicate(alert, rule, existing.get(), now);
        } else if (existing.isPresent()) {
            record = existing.get();
            record.status.reevaluations++;
        } else {
            record = newRecord(name, alert, rule, target, now);
            if (!store.createRecord(record)) {
                // Another replica claimed this alert first.
                return store.getRecord(name).map(r -> duplicate(alert, rule, r, now))
                        .orElseThrow(() -> new StateStore.StoreUnavailableException("record " + name + " vanished while claiming it", null));
            }
        }

        SignalValue value = rule.threshold() == null ? SignalValue.missing() : rule.threshold().extract(alert.labels(), alert.annotations());
        DecisionInput input = new DecisionInput(rule.name(), target.namespace(), target.deployment(), true, false, rule.threshold(), value,
                alert.startsAt(), rule.minFiringDuration(), rule.limits(), ruleSet.globalLimits(), runtime.dryRun());
        Decision[] decided = new Decision[1];
        LedgerUpdates.update(store, ledger -> {
            Instant at = clock.instant();
            decided[0] = PolicyEngine.decide(input, ledger, at);
            return PolicyEngine.admit(ledger, input, decided[0], name, at, config.execution().inFlightTtl());
        });
        Decision d = decided[0];

        record.spec.trigger.value = value.raw();
        record.status.decision = new RemediationRecord.DecisionView();
        record.status.decision.outcome = d.outcome().tag();
        record.status.decision.reason = d.reason().name();
        record.status.decision.message = d.message();
        record.status.decision.decidedAt = clock.instant();
        record.status.phase = switch (d.outcome()) {
            case EXECUTE -> Phase.PENDING;
            case DRY_RUN -> Phase.DRY_RUN;
            case REFUSE -> Phase.REFUSED;
        };
        record.status.message = d.message();
        writeDecision(record);
        if (!d.reason().isTransient()) {
            resends.settle(record.name);
        }
        if (d.outcome() != Outcome.REFUSE) {
            runner.submit(record.name, rule, target, alert.receivedAt());
        }
        return finish(alert, rule, d, record.name);
    }

    private AlertResult finish(Alert alert, Rule rule, Decision d, String recordName) {
        metrics.decision(d);
        // Re-sends are summarised on their record and in metrics; everything else is logged as it is decided.
        boolean quiet = d.reason() == Reason.DUPLICATE_ALERT || d.reason() == Reason.NO_MATCHING_RULE;
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

    /** A re-send of an alert already decided: counted on its record rather than written as a new one. */
    private AlertResult duplicate(Alert alert, Rule rule, RemediationRecord record, Instant now) {
        if (record.status.phase != Phase.EVALUATING) { // a fresh claim by another replica may still end transient
            resends.settle(record.name);
        }
        resends.count(record.name, now);
        return finish(alert, rule, duplicateOf(record.name, record.status.phase.name().toLowerCase()), record.name);
    }

    private static Decision duplicateOf(String record, String phase) {
        return new Decision(Outcome.REFUSE, Reason.DUPLICATE_ALERT, Reason.DUPLICATE_ALERT.description() + " (remediation " + record
                + (phase == null ? "" : ", " + phase) + ")");
    }

    private boolean reEvaluable(RemediationRecord r, Instant now) {
        if (r.status.phase == Phase.REFUSED && r.status.decision != null) {
            try {
                return Reason.valueOf(r.status.decision.reason).isTransient();
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        return r.status.phase == Phase.EVALUATING && r.createdAt != null && r.createdAt.plus(STALE_CLAIM).isBefore(now);
    }

    private void clearPending(RemediationRecord r, Instant now) {
        if (r.status.phase != Phase.REFUSED && r.status.phase != Phase.EVALUATING) {
            return;
        }
        r.status.phase = Phase.CLEARED;
        r.status.finishedAt = now;
        r.status.message = "alert resolved at " + now + " before any action; earlier decision: "
                + (r.status.decision == null ? "none" : r.status.decision.reason);
        if (!runtime.store().updateRecord(r)) {
            LOG.debugf("record %s changed while clearing it; leaving it as it is", r.name);
        }
    }

    private void writeDecision(RemediationRecord record) {
        StateStore store = runtime.store();
        for (int i = 0; i < LedgerUpdates.ATTEMPTS; i++) {
            if (store.updateRecord(record)) {
                return;
            }
            // Someone counted a duplicate meanwhile: keep their counters, write our decision.
            RemediationRecord latest = store.getRecord(record.name).orElseThrow();
            record.status.suppressedDuplicates = latest.status.suppressedDuplicates;
            record.status.lastDuplicateAt = latest.status.lastDuplicateAt;
            record.resourceVersion = latest.resourceVersion;
            LedgerUpdates.backOff(i);
        }
        throw new StateStore.StoreUnavailableException("could not write the decision on " + record.name, null);
    }

    private RemediationRecord newRecord(String name, Alert alert, Rule rule, Target target, Instant now) {
        RemediationRecord r = new RemediationRecord();
        r.name = name;
        r.createdAt = now;
        r.spec.rule = rule.name();
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
        r.status.phase = Phase.EVALUATING;
        return r;
    }

    /** Same rule, fingerprint and start time: same name on every replica, so one alert is handled once. */
    static String recordName(String rule, Alert alert) {
        String prefix = rule.length() > 40 ? rule.substring(0, 40).replaceAll("-+$", "") : rule;
        return prefix + "-" + sha256Hex(rule + "\n" + alert.fingerprint() + "\n" + alert.startsAt());
    }
}
