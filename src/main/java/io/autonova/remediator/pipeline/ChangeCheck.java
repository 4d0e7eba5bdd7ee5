package io.autonova.remediator.pipeline;

import io.autonova.remediator.domain.Change;
import io.autonova.remediator.domain.ChangeTimeline;
import io.autonova.remediator.domain.Target;
import io.autonova.remediator.policy.ChangeGate;
import io.autonova.remediator.rules.Rule;
import io.autonova.remediator.rules.Scenario;
import io.autonova.remediator.runtime.ChangeWatch;
import io.autonova.remediator.state.RemediationRecord;

import java.time.Instant;
import java.util.List;

/** The change gate asked for one (alert, rule): the timeline from the watch caches, the verdict from the pure gate. */
final class ChangeCheck {

    private ChangeCheck() {
    }

    /**
     * @param alertStart when the alert started (a run started by hand: now)
     */
    static ChangeGate.Verdict ask(ChangeWatch watch, Rule rule, Target target, Instant alertStart, String severity, String alertname) {
        if (!watch.available()) {
            // Without a cluster nothing can be acted on: the service runs dry, and says the gate was not asked.
            return new ChangeGate.Verdict(null, "the change gate was not evaluated: no Kubernetes API (a live run asks it)", null,
                    rule.change().auto() ? ChangeGate.IMMEDIATE : rule.scenario().ruleName(), rule.change().auto() ? "not evaluated" : null, List.of());
        }
        watch.checkReady();
        ChangeTimeline t = watch.timeline(target.namespace(), target.deployment());
        return rule.change().auto() ? ChangeGate.auto(t, alertStart, rule.change().within(), severity, alertname)
                : ChangeGate.check(t, rule.scenario().ruleName(), alertStart, rule.change().within());
    }

    /** The scenario a record of this verdict runs: the rule's, the table's pick, or {@code auto} for a refusal of an auto rule. */
    static String scenario(Rule rule, ChangeGate.Verdict v) {
        return v.scenario() != null ? v.scenario() : rule.scenarioName();
    }

    /**
     * Puts the verdict on the record's spec: the change it undoes, the scenario, and the parameters the picked scenario
     * needs that an {@code auto} rule cannot give (the migration undo the release ships; the configuration window).
     */
    static void write(RemediationRecord r, Rule rule, ChangeGate.Verdict v) {
        if (v == null) { // refused before the gate was asked: nothing known of the change
            r.spec.scenario = rule.scenarioName();
            r.spec.change = null;
            return;
        }
        r.spec.scenario = scenario(rule, v);
        RemediationRecord.ChangeRef ref = new RemediationRecord.ChangeRef();
        Change c = v.change();
        if (c != null) {
            ref.kind = c.kind().tag();
            ref.object = c.object();
            ref.at = c.at();
            ref.exact = c.exact();
            ref.from = c.from();
            ref.to = c.to();
            ref.fromRef = c.fromRef();
            ref.toRef = c.toRef();
            ref.details.addAll(c.details());
        }
        ref.summary = v.detail();
        ref.row = v.row();
        ref.context.addAll(v.context().stream().limit(10).toList());
        r.spec.change = ref;
        if (ChangeGate.MIGRATION.equals(v.scenario()) && rule.change().auto()) {
            r.spec.parameters.putIfAbsent("reversible", "true"); // the row needs the release's own undo Job
        }
        if (ChangeGate.CONFIGURATION.equals(v.scenario())) {
            r.spec.parameters.putIfAbsent("changedWithin", io.autonova.remediator.domain.Durations.format(rule.change().within()));
        }
        if (rule.change().auto() && !Scenario.fromRuleName(r.spec.scenario).map(Scenario::writesBackToGit).orElse(false)) {
            r.spec.parameters.keySet().removeIf(k -> k.startsWith("gitops.")); // Git write-back follows a whole-application rollback only
        }
    }
}
