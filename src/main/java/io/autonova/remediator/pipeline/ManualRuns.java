package io.autonova.remediator.pipeline;

import io.autonova.remediator.domain.Actor;
import io.autonova.remediator.domain.Hashes;
import io.autonova.remediator.domain.Target;
import io.autonova.remediator.engine.StepEngine;
import io.autonova.remediator.policy.ChangeGate;
import io.autonova.remediator.policy.Decision;
import io.autonova.remediator.policy.DecisionInput;
import io.autonova.remediator.policy.Outcome;
import io.autonova.remediator.policy.PolicyEngine;
import io.autonova.remediator.policy.PolicyState;
import io.autonova.remediator.rules.Approval;
import io.autonova.remediator.rules.Rule;
import io.autonova.remediator.rules.RuleRepository;
import io.autonova.remediator.rules.RuleSet;
import io.autonova.remediator.rules.Scenario;
import io.autonova.remediator.rules.SignalValue;
import io.autonova.remediator.rules.TargetLimits;
import io.autonova.remediator.runtime.ServiceRuntime;
import io.autonova.remediator.state.RemediationRecord;
import io.autonova.remediator.state.StateStore;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A run started by hand: a rule's scenario (its parameters, limits and approval) or a named scenario, on a target, with
 * a reason. It goes through the same policy and approval as an alert's, or, forced, past them but never past another
 * run on the target; the record says it was manual and by whom.
 */
@ApplicationScoped
public class ManualRuns {

    private static final Logger LOG = Logger.getLogger(ManualRuns.class);

    /** What was asked: exactly one of rule or scenario. */
    public record Request(String rule, String scenario, Target target, Map<String, String> parameters, String reason, boolean force, boolean dryRun) {
    }

    /** Why a request was not even decided: an HTTP status and a sentence. */
    public static final class Invalid extends RuntimeException {
        private final int status;

        Invalid(int status, String detail) {
            super(detail, null, false, false);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private final RuleRepository rules;
    private final ServiceRuntime runtime;
    private final StepEngine engine;
    private final RemediationPipeline pipeline;
    private final Clock clock;

    public ManualRuns(RuleRepository rules, ServiceRuntime runtime, StepEngine engine, RemediationPipeline pipeline, Clock clock) {
        this.rules = rules;
        this.runtime = runtime;
        this.engine = engine;
        this.pipeline = pipeline;
        this.clock = clock;
    }

    /** The rule the run follows: the named one, or a scenario's defaults under the rule name {@code manual}. */
    public Rule rule(Request req) {
        RuleSet set = rules.current();
        if ((req.rule() == null) == (req.scenario() == null)) {
            throw new Invalid(400, "give exactly one of 'rule' (a loaded rule's name) or 'scenario' (" + String.join(", ", Scenario.names()) + ")");
        }
        if (req.rule() != null) {
            Rule r = set.rules().stream().filter(x -> x.name().equals(req.rule())).findFirst()
                    .orElseThrow(() -> new Invalid(404, "no loaded rule named " + io.autonova.remediator.domain.KubernetesNames.quoteUntrusted(req.rule())));
            if (!req.parameters().isEmpty()) {
                throw new Invalid(400, "a rule brings its own parameters; give 'parameters' only with 'scenario'");
            }
            return r;
        }
        Scenario s = Scenario.fromRuleName(req.scenario()).orElseThrow(() -> new Invalid(400, "unknown scenario "
                + io.autonova.remediator.domain.KubernetesNames.quoteUntrusted(req.scenario()) + " (known: " + String.join(", ", Scenario.names()) + ")"));
        List<String> problems = s.problems(req.parameters());
        if (!problems.isEmpty()) {
            throw new Invalid(400, "parameters: " + String.join("; ", problems));
        }
        return new Rule(Rule.MANUAL, "started by hand", List.of(), null, Duration.ZERO, null, s, Map.copyOf(req.parameters()), TargetLimits.DEFAULTS,
                "operator API", 0, null, Approval.AUTO, io.autonova.remediator.rules.ChangeRule.DEFAULT);
    }

    /** Decides and records the run; the record as written (refused ones too: their reason is on it). */
    public RemediationRecord start(Request req, Actor who) {
        Rule rule = rule(req);
        Target target = req.target();
        List<String> problems = target.problems();
        if (!problems.isEmpty()) {
            throw new Invalid(400, "target: " + String.join("; ", problems));
        }
        if (!runtime.mayActIn(target.namespace())) {
            throw new Invalid(403, runtime.guard().refusal(target.namespace()).orElse("this service may not act in namespace " + target.namespace()));
        }
        StateStore store = runtime.store();
        store.checkReady();
        RuleSet set = rules.current();
        Instant now = clock.instant();
        String name = "manual-" + Hashes.sha256Hex(target.key() + "|" + now + "|" + UUID.randomUUID());
        boolean dryRun = req.dryRun() || runtime.dryRun();
        // A person's run is gated like an alert's, from now: a forced one goes past the gate, as past the limits.
        ChangeGate.Verdict gate = ChangeCheck.ask(runtime.changes(), rule, target, now, null, null);
        RemediationRecord r = EpisodeRecords.claim(name, 1, rule, target, dryRun, now);
        ChangeCheck.write(r, rule, gate);
        r.spec.trigger.source = "manual";
        r.spec.trigger.receivedAt = now;
        r.spec.manual = new RemediationRecord.Manual();
        r.spec.manual.by = who.name();
        r.spec.manual.reason = req.reason();
        r.spec.manual.forced = req.force();
        if (!store.create(r)) {
            throw new Invalid(409, "a record named " + name + " exists already; try again");
        }
        DecisionInput in = new DecisionInput(rule.name(), target.namespace(), target.deployment(), true, false, null, SignalValue.missing(), now,
                Duration.ZERO, rule.limits(), set.globalLimits(), dryRun, () -> gate);
        PolicyState state = new PolicyState(store.pauses(), store.target(target.key()).value().state(), store.global().value());
        Admission.Decider decider = req.force() ? (i, s, rec, at) -> PolicyEngine.forced(i, s, rec, who.name()) : PolicyEngine::decide;
        Decision first = decider.decide(in, state, name, now);
        // A hand-started dry-run only shows the plan: it takes no place in the limits and starts no cooldown.
        Decision d = req.dryRun() || first.outcome() == Outcome.REFUSE ? first
                : pipeline.admission().admit(store, new Admission.Decided(in, state, first, now), name, set.sharedKeep(), set.targetKeep(), decider);
        Optional<Approval.Need> need = req.force() ? Optional.empty()
                : Approval.needed(rule, r.spec.scenario, target.namespace(), target.deployment(), set.globalLimits().approvals());
        EpisodeRecords.writeAdmitted(store, r, d, clock.instant(), need);
        runtime.events().decision(store.record(name).orElse(r), d);
        LOG.infof("manual run %s of %s on %s by %s%s (%s): %s %s", name, r.spec.scenario, target.key(), who.name(),
                req.force() ? ", forced" : "", req.reason(), d.outcome().tag(), d.reason().name());
        if (d.outcome() != Outcome.REFUSE) {
            engine.enqueue(name, now);
        }
        return store.record(name).orElse(r);
    }

    /** The parameters of a request body, as strings. */
    public static Map<String, String> parameters(Map<String, ?> raw) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        raw.forEach((k, v) -> out.put(k, v == null ? null : String.valueOf(v)));
        return out;
    }
}
