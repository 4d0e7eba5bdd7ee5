package io.autonova.remediator.api;

import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.domain.Actor;
import io.autonova.remediator.pipeline.ApprovalDesk;
import io.autonova.remediator.runtime.ServiceRuntime;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import io.autonova.remediator.state.StateStore;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;

/**
 * Approvals written with kubectl: {@code kubectl remediation approve NAME} annotates the Remediation with the answer and
 * the writer's user name and groups; the ValidatingAdmissionPolicy {@code autonova-remediator-answers} admits that
 * write only when the names are the writer's own and RBAC lets them approve in the target's namespace. Each replica
 * sees the annotation in its watch and hands it to the same desk as the API (exactly once, approver lists, the policy
 * asked again); a refusal is written back as {@code autonova.io/answer-refused} for the plugin to show.
 */
@Singleton
public class KubectlAnswers {

    private static final Logger LOG = Logger.getLogger(KubectlAnswers.class);

    private final boolean enabled;
    private final ServiceRuntime runtime;
    private final ApprovalDesk desk;
    private final ExecutorService worker = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "kubectl-answers");
        t.setDaemon(true);
        return t;
    });

    public KubectlAnswers(RemediatorConfig config, ServiceRuntime runtime, ApprovalDesk desk) {
        this.enabled = config.admin().kubectlAnswers() && runtime.client().isPresent();
        this.runtime = runtime;
        this.desk = desk;
    }

    void start(@Observes StartupEvent event) {
        if (!enabled) {
            return;
        }
        runtime.store().onRecordChange(name -> worker.execute(() -> take(name)));
        runtime.store().records().stream().filter(r -> r.answerRequest != null).forEach(r -> worker.execute(() -> take(r.name)));
        LOG.info("approvals written with kubectl are taken (the ValidatingAdmissionPolicy autonova-remediator-answers vouches for their writer)");
    }

    void take(String name) {
        StateStore store = runtime.store();
        RemediationRecord r = store.record(name).orElse(null);
        if (r == null || r.answerRequest == null) {
            return;
        }
        Map<String, String> req = r.answerRequest;
        String answer = req.get(RemediationRecord.ANSWER);
        String by = req.get(RemediationRecord.ANSWER_BY);
        String refused = null;
        if (r.status.phase != Phase.AWAITING_APPROVAL || r.status.approval != null) {
            refused = r.status.approval != null ? null : "remediation " + name + " is " + r.status.phase.name().toLowerCase() + ", not awaiting approval";
        } else if (!List.of("approve", "deny").contains(answer) || by == null || by.isBlank()) {
            refused = "the answer must be approve or deny, with autonova.io/answer-by";
        } else {
            String groups = req.getOrDefault(RemediationRecord.ANSWER_GROUPS, "");
            Actor who = Actor.user(by, groups.isBlank() ? List.of() : Arrays.stream(groups.split(",")).map(String::trim).toList());
            try {
                desk.answer(name, answer.equals("approve"), who, "kubectl", req.get(RemediationRecord.ANSWER_REASON));
                return; // the desk's write took the request
            } catch (ApprovalDesk.Refused e) {
                if (e.title().equals("Already answered")) {
                    return; // another replica took it
                }
                refused = e.getMessage();
            } catch (RuntimeException e) {
                LOG.warnf("kubectl answer on %s not taken yet: %s", name, e.getMessage());
                return; // the next change of the record brings it back
            }
        }
        String why = refused;
        for (int i = 0; i < 3; i++) {
            RemediationRecord latest = (i == 0 ? store.record(name) : store.fetch(name)).orElse(null);
            if (latest == null || latest.answerRequest == null) {
                return;
            }
            RemediationRecord c = latest.copy();
            c.answerRequest = null;
            c.answerRefused = why;
            if (store.update(c)) {
                if (why != null) {
                    LOG.infof("kubectl answer on %s by %s refused: %s", name, by, why);
                }
                return;
            }
        }
    }
}
