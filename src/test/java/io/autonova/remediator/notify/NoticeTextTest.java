package io.autonova.remediator.notify;

import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The headline every notice starts with, one row per shape (the template in templates/notice-headline.txt). */
class NoticeTextTest {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "started|-|HighErrorRate|-|false|-|autonova-remediator started immediate-rollback of shop/checkout (rule error-rate, alert HighErrorRate)",
            "started|-|-|-|false|-|autonova-remediator started immediate-rollback of shop/checkout (rule error-rate)",
            "finished|SUCCEEDED|HighErrorRate|3|false|rolled back|immediate-rollback of shop/checkout succeeded (revision 3 → 2): rolled back",
            "finished|FAILED|HighErrorRate|3|true|verification failed|immediate-rollback of shop/checkout failed (revision 3 → 2); the target is held for a human: verification failed",
            "finished|ABORTED|-|-|false|-|immediate-rollback of shop/checkout was aborted: ",
            "finished|DENIED|HighErrorRate|-|false|denied by alice via chat; nothing was changed|immediate-rollback of shop/checkout was denied: denied by alice via chat; nothing was changed",
            "finished|EXPIRED|HighErrorRate|-|false|nobody approved it within 15m|immediate-rollback of shop/checkout expired unapproved: nobody approved it within 15m",
            "approval|AWAITING_APPROVAL|HighErrorRate|-|false|-|autonova-remediator asks for approval to run immediate-rollback on shop/checkout (rule error-rate, alert HighErrorRate), until 2026-12-04T07:00:00Z",
    })
    void headline(String event, Phase phase, String alertname, String from, boolean held, String message, String expected) {
        RemediationRecord r = new RemediationRecord();
        r.name = "error-rate-1";
        r.spec.rule = "error-rate";
        r.spec.scenario = "immediate-rollback";
        r.spec.target.namespace = "shop";
        r.spec.target.deployment = "checkout";
        r.spec.trigger.alertname = alertname;
        r.status.phase = phase == null ? Phase.RUNNING : phase;
        r.status.revisionFrom = from;
        r.status.revisionTo = from == null ? null : "2";
        r.status.message = message;
        if (phase == Phase.AWAITING_APPROVAL) {
            r.spec.approval = new RemediationRecord.ApprovalNeed();
            r.spec.approval.expiresAt = java.time.Instant.parse("2026-12-04T07:00:00Z");
        }
        if (held) {
            r.status.humanActions.add("the target is held until an operator clears it");
        }
        assertEquals(expected.strip(), NoticeText.headline(r, event));
    }
}
