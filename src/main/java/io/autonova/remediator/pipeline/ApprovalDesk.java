package io.autonova.remediator.pipeline;

import io.autonova.remediator.domain.Actor;
import io.autonova.remediator.engine.StepEngine;
import io.autonova.remediator.policy.Decision;
import io.autonova.remediator.policy.PolicyEngine;
import io.autonova.remediator.rules.Approval;
import io.autonova.remediator.runtime.ServiceRuntime;
import io.autonova.remediator.state.Cas;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import io.autonova.remediator.state.StateStore;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A person's answer to a run awaiting approval. Written once: the answer goes on the record with a resourceVersion
 * precondition, so of two people answering at the same instant (on any replicas) one wins and the other is told who
 * did. Approving asks the policy again first (the alert, pauses, holds); the run itself moves on in the reconciler.
 */
@ApplicationScoped
public class ApprovalDesk {

    private static final Logger LOG = Logger.getLogger(ApprovalDesk.class);

    /** The answer was written; the record as written. */
    public record Answered(RemediationRecord record) {
    }

    /** Not written, with an HTTP status and a sentence for the person. */
    public static final class Refused extends RuntimeException {
        private final int status;
        private final String title;

        Refused(int status, String title, String detail) {
            super(detail, null, false, false);
            this.status = status;
            this.title = title;
        }

        public int status() {
            return status;
        }

        public String title() {
            return title;
        }
    }

    private final ServiceRuntime runtime;
    private final StepEngine engine;
    private final Clock clock;

    public ApprovalDesk(ServiceRuntime runtime, StepEngine engine, Clock clock) {
        this.runtime = runtime;
        this.engine = engine;
        this.clock = clock;
    }

    /**
     * Approves ({@code approve}) or denies a run awaiting approval.
     *
     * @param via api, console, chat or kubectl
     * @throws Refused when nothing was written, saying why (not waiting, answered already, not an approver, the policy now says no)
     */
    public Answered answer(String name, boolean approve, Actor who, String via, String reason) {
        StateStore store = runtime.store();
        for (int i = 0; i < Cas.ATTEMPTS; i++) {
            Optional<RemediationRecord> read = i == 0 ? store.record(name) : store.fetch(name);
            RemediationRecord current = read.orElseThrow(() -> new Refused(404, "Not found", "no remediation named " + name));
            check(current, approve, who);
            Instant now = clock.instant();
            RemediationRecord r = current.copy();
            RemediationRecord.ApprovalAnswer a = new RemediationRecord.ApprovalAnswer();
            a.answer = approve ? "approved" : "denied";
            a.by = who.name();
            a.via = via;
            a.reason = reason;
            a.at = now;
            a.waitedSeconds = r.approvalWait(now).toSeconds();
            r.status.approval = a;
            r.answerRequest = null; // a kubectl answer, if that is what this is, is taken
            r.answerRefused = null;
            r.status.message = a.answer + " by " + who.name() + " via " + via + (reason == null ? "" : ": " + reason);
            if (store.update(r)) {
                LOG.infof("remediation %s %s by %s via %s%s", name, a.answer, who.name(), via, reason == null ? "" : " (" + reason + ")");
                engine.enqueue(name, null);
                return new Answered(store.record(name).orElse(r));
            }
            Cas.backOff(i);
        }
        throw new Refused(409, "Conflict", "remediation " + name + " kept changing; try again");
    }

    private void check(RemediationRecord r, boolean approve, Actor who) {
        if (r.untrusted) {
            throw new Refused(409, "Not trusted", "remediation " + r.name + " does not carry this service's seal; it is never run");
        }
        if (r.status.approval != null) {
            throw new Refused(409, "Already answered", "remediation " + r.name + " was already " + r.status.approval.answer
                    + (r.status.approval.by == null ? "" : " by " + r.status.approval.by) + " at " + r.status.approval.at);
        }
        if (r.status.phase != Phase.AWAITING_APPROVAL || r.spec.approval == null) {
            throw new Refused(409, "Not awaiting approval", "remediation " + r.name + " is " + r.status.phase.name().toLowerCase()
                    + "; only runs awaiting approval can be approved or denied");
        }
        List<Approval.Requirement> by = r.spec.approval.requiredBy.stream()
                .map(q -> new Approval.Requirement(q.source, q.approvers)).toList();
        // The break-glass token is nobody in particular: it passes approver lists as it passes RBAC (and is recorded as such).
        Approval.refusedBy(who.breakGlass() ? List.of() : by, who.name(), who.groups()).ifPresent(source -> {
            throw new Refused(403, "Not an approver", who.name() + " is not among the approvers " + source + " names for this run");
        });
        if (!clock.instant().isBefore(r.spec.approval.expiresAt)) {
            throw new Refused(409, "Expired", "remediation " + r.name + " waited for approval until " + r.spec.approval.expiresAt + "; it ends unapproved");
        }
        if (approve) {
            Optional<Decision> no = PolicyEngine.atApproval(!r.alertResolved(), r.spec.target.namespace, r.spec.target.deployment, runtime.store().pauses(),
                    runtime.store().target(r.targetKey()).value().state(), clock.instant());
            if (no.isPresent()) {
                throw new Refused(409, "Policy says no", "not approved: the policy now refuses it (" + no.get().reason().name() + ": "
                        + no.get().message() + "); " + (no.get().reason().isTransient()
                        ? "the run keeps waiting until " + r.spec.approval.expiresAt : "the run ends without acting"));
            }
            if (!runtime.mayActIn(r.spec.target.namespace)) {
                throw new Refused(409, "Policy says no", "not approved: this service may not act in namespace " + r.spec.target.namespace);
            }
        }
    }
}
