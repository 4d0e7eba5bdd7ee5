package io.autonova.remediator.api;

import io.autonova.remediator.notify.NoticeText;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Alert and cluster text never becomes a link, an image, HTML or a mention where the report or the chat notice is rendered. */
class IncidentReportTest {

    static RemediationRecord record(String message, String log) {
        RemediationRecord r = new RemediationRecord();
        r.name = "rule-1";
        r.spec.rule = "rule";
        r.spec.scenario = "database-migration-rollback";
        r.spec.target.namespace = "apps";
        r.spec.target.deployment = "orders";
        r.spec.trigger.alertname = "[click](https://evil.example) ![x](https://evil.example/p.png)";
        r.status.phase = Phase.FAILED;
        r.status.message = message;
        RemediationRecord.Step s = new RemediationRecord.Step();
        s.name = "wait-migration-undo";
        s.phase = "succeeded";
        s.outputs = new java.util.LinkedHashMap<>(Map.of("log", log));
        r.status.steps.add(s);
        return r;
    }

    @Test
    void alertTextIsInertMarkdown() {
        String report = IncidentReport.render(record("<script>x</script> see https://evil.example **now**", "ok\n```\n# injected heading\n```"));
        assertFalse(report.contains("](https://"), report);
        assertFalse(report.contains("<script>"), report);
        assertTrue(report.contains("\\[click\\]\\(https\\://evil.example\\)"), report);
        assertTrue(report.contains("\\*\\*now\\*\\*"), report);
        // The log's own fence cannot close the report's: the report's is longer.
        assertTrue(report.contains("````\nok\n```\n# injected heading\n```\n````"), report);
    }

    @Test
    void chatTextCannotMentionOrLink() {
        String text = String.valueOf(NoticeText.chat(record("<!channel> <https://evil.example|click here>", ""), "finished", null).get("text"));
        assertFalse(text.contains("<!channel>"), text);
        assertTrue(text.contains("&lt;!channel&gt; &lt;https://evil.example|click here&gt;"), text);
        assertEquals(-1, text.indexOf('<'), text);
    }

    static RemediationRecord full() {
        RemediationRecord r = new RemediationRecord();
        r.name = "error-rate-0123456789abcdef-1";
        r.createdAt = Instant.parse("2026-12-04T03:00:00Z");
        r.spec.rule = "error-rate";
        r.spec.scenario = "immediate-rollback";
        r.spec.target.namespace = "shop";
        r.spec.target.deployment = "checkout";
        r.spec.target.argoApplication = "checkout";
        r.spec.trigger.alertname = "HighErrorRate";
        r.spec.trigger.value = "0.27";
        r.spec.trigger.startsAt = Instant.parse("2026-12-04T02:58:10.345Z");
        r.status.alerts.instances = 3;
        r.status.startedAt = Instant.parse("2026-12-04T03:00:01.5Z");
        r.status.finishedAt = Instant.parse("2026-12-04T03:02:31Z");
        r.status.phase = Phase.FAILED;
        r.status.failureReason = "ROLLOUT_FAILED";
        r.status.message = "rollout of shop/checkout failed: progress deadline exceeded | see pods";
        r.status.revisionFrom = "3";
        r.status.revisionTo = "2";
        r.status.humanActions.add("re-enable automated sync once Git is fixed: kubectl -n argocd patch ...");
        RemediationRecord.DecisionView d = new RemediationRecord.DecisionView();
        d.outcome = "execute";
        d.reason = "ALL_CHECKS_PASSED";
        d.message = "all checks passed";
        d.decidedAt = Instant.parse("2026-12-04T03:00:00.2Z");
        d.repeats = 2;
        r.status.decisions.add(d);
        RemediationRecord.Step s = new RemediationRecord.Step();
        s.name = "rollback-deployment";
        s.phase = "succeeded";
        s.startedAt = Instant.parse("2026-12-04T03:00:02Z");
        s.finishedAt = Instant.parse("2026-12-04T03:00:03Z");
        s.message = "rolled back to revision 2";
        r.status.steps.add(s);
        RemediationRecord.Step u = new RemediationRecord.Step();
        u.name = "restore-sync-policy";
        u.compensation = true;
        u.phase = "succeeded";
        u.message = "put automated sync back";
        r.status.steps.add(u);
        RemediationRecord.Step v = new RemediationRecord.Step();
        v.name = "verify-signal";
        v.phase = "failed";
        v.outputs = new java.util.LinkedHashMap<>(Map.of("verdict", "not cleared", "query", "sum(rate(x[5m]))", "observations", "03:01 0.31\n03:02 0.29"));
        r.status.steps.add(v);
        return r;
    }


    /** The layout, pinned: what the hand-built renderer wrote before the report moved to a Qute template. */
    @Test
    void theReportFollowsTheRunbookTemplate() {
        assertEquals(
                "# Incident Report: 2026-12-04 Rollback\n" +
                "\n" +
                "- **Time:** 2026-12-04T03:00:01Z - 2026-12-04T03:02:31Z (2m29s)\n" +
                "- **Trigger:** alert HighErrorRate (value 0.27), rule `error-rate`, firing since 2026-12-04T02:58:10Z; 3 alert instances folded into this episode\n" +
                "- **Affected Services:** deployment `shop/checkout`, Argo CD application `checkout`\n" +
                "- **Rollback Method:** `immediate-rollback` via Kubernetes API (as kubectl)\n" +
                "- **Revision Rolled Back:** from 3 to 2\n" +
                "- **Impact:** from the first alert to the end of the run: 4m20s; signal check: not cleared\n" +
                "- **Root Cause:** _for the post-mortem_\n" +
                "- **Prevention:** _for the post-mortem_\n" +
                "\n" +
                "## Outcome\n" +
                "\n" +
                "failed (ROLLOUT_FAILED): rollout of shop/checkout failed\\: progress deadline exceeded \\| see pods\n" +
                "\n" +
                "Left for a human:\n" +
                "\n" +
                "- re-enable automated sync once Git is fixed\\: kubectl -n argocd patch ...\n" +
                "\n" +
                "## Decision trail\n" +
                "\n" +
                "| time | outcome | reason | message | repeats |\n" +
                "|---|---|---|---|---|\n" +
                "| 2026-12-04T03:00:00Z | execute | ALL_CHECKS_PASSED | all checks passed | 2 |\n" +
                "\n" +
                "## Steps\n" +
                "\n" +
                "| step | phase | started | finished | message |\n" +
                "|---|---|---|---|---|\n" +
                "| rollback-deployment | succeeded | 2026-12-04T03:00:02Z | 2026-12-04T03:00:03Z | rolled back to revision 2 |\n" +
                "| undo: restore-sync-policy | succeeded |  |  | put automated sync back |\n" +
                "| verify-signal | failed |  |  |  |\n" +
                "\n" +
                "## Signal verification: not cleared\n" +
                "\n" +
                "Query: sum\\(rate\\(x\\[5m\\]\\)\\)\n" +
                "\n" +
                "```\n" +
                "03:01 0.31\n" +
                "03:02 0.29\n" +
                "```\n" +
                "\n" +
                "_Record `error-rate-0123456789abcdef-1`; full detail at `GET /api/v1/remediations/error-rate-0123456789abcdef-1`._\n" +
                "",
                IncidentReport.render(full()));
    }

    @Test
    void aPipeInACellStaysInItsCell() {
        RemediationRecord r = full();
        r.status.steps.get(0).message = "a | b";
        String report = IncidentReport.render(r);
        assertTrue(report.contains("| a \\| b |"), report);
        assertFalse(report.contains("a \\\\|"), "escaped once, not twice (a doubled backslash lets the pipe split the cell): " + report);
    }
}
