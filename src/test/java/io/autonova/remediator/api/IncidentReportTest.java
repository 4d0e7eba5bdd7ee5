package io.autonova.remediator.api;

import io.autonova.remediator.notify.NoticeText;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import org.junit.jupiter.api.Test;

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
}
