package io.autonova.remediator.policy;

import io.autonova.remediator.domain.Change;
import io.autonova.remediator.domain.ChangeTimeline;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The change gate and the decision table of {@code scenario: auto}: timelines in, verdicts out. */
class ChangeGateTest {

    static final Instant ALERT = Instant.parse("2026-12-04T03:00:00Z");
    static final Duration WITHIN = Duration.ofHours(2);

    static Change release(Duration before, boolean exact, String by) {
        return new Change(Change.Kind.RELEASE, ALERT.minus(before), exact, "Deployment shop/web", "revision 4 (web:1.4.0)", "revision 5 (web:1.5.0)",
                "t4", "t5", List.of("image of web: web:1.4.0 -> web:1.5.0"), by);
    }

    static Change firstRelease(Duration before) {
        return new Change(Change.Kind.RELEASE, ALERT.minus(before), true, "Deployment shop/web", null, "revision 1 (web:1.0.0)", null, "t1",
                List.of("first known revision"), null);
    }

    static Change config(Duration before) {
        return new Change(Change.Kind.CONFIG, ALERT.minus(before), true, "ConfigMap shop/web-config", "content aaaa", "content bbbb", "a", "b", List.of(), null);
    }

    static Change migration(Duration before) {
        return new Change(Change.Kind.MIGRATION, ALERT.minus(before), true, "Job shop/web-migrate", null, "succeeded (web:1.5.0)", null, null, List.of(), null);
    }

    static Change unknownTime() {
        return new Change(Change.Kind.RELEASE, null, false, "Deployment shop/web", "revision 4", "revision 5", "t4", "t5", List.of(), null);
    }

    static ChangeTimeline timeline(List<String> group, boolean undo, Change... changes) {
        return new ChangeTimeline("shop/web", true, ChangeTimeline.bound(List.of(changes), ALERT), List.of(), List.of("ConfigMap/web-config"), group, undo);
    }

    static ChangeTimeline timeline(Change... changes) {
        return timeline(List.of(), false, changes);
    }

    record Row(String name, ChangeTimeline t, String scenario, Reason refusal, String undoes) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Row> gate() {
        List<Row> rows = new ArrayList<>(List.of(
                new Row("a release 7 minutes before the alert", timeline(release(Duration.ofMinutes(7), true, null)), "immediate-rollback", null, "t5"),
                new Row("a release just inside the window", timeline(release(WITHIN.minusSeconds(1), true, null)), "immediate-rollback", null, "t5"),
                new Row("a release healthy for three weeks", timeline(release(Duration.ofDays(21), true, null)), "immediate-rollback", Reason.NO_RECENT_CHANGE, null),
                new Row("a release just outside the window", timeline(release(WITHIN.plusSeconds(1), true, null)), "gradual-rollback", Reason.NO_RECENT_CHANGE, null),
                new Row("a release 5 minutes after the alert started (a fix?)", timeline(release(Duration.ofMinutes(-5), true, null)), "immediate-rollback",
                        Reason.CHANGED_AFTER_ALERT, null),
                new Row("30 s after the alert: clock skew, still before", timeline(release(Duration.ofSeconds(-30), true, null)), "immediate-rollback", null, "t5"),
                new Row("an estimated time 5 minutes after: the rollout started before", timeline(release(Duration.ofMinutes(-5), false, null)),
                        "selective-rollback", null, "t5"),
                new Row("an estimated time 15 minutes after: after", timeline(release(Duration.ofMinutes(-15), false, null)), "selective-rollback",
                        Reason.CHANGED_AFTER_ALERT, null),
                new Row("the newest release is this service's own rollback", timeline(release(Duration.ofMinutes(7), true, "remediation r1")),
                        "immediate-rollback", Reason.NO_RECENT_CHANGE, null),
                new Row("the first revision: nothing before it", timeline(firstRelease(Duration.ofMinutes(7))), "immediate-rollback", Reason.NO_RECENT_CHANGE, null),
                new Row("a release of unknown time", timeline(unknownTime()), "immediate-rollback", Reason.NO_RECENT_CHANGE, null),
                new Row("only configuration changed: a release rollback has nothing to undo",
                        timeline(release(Duration.ofDays(3), true, null), config(Duration.ofMinutes(5))), "immediate-rollback", Reason.NO_RECENT_CHANGE, null),
                new Row("configuration changed: the configuration rollback undoes it",
                        timeline(release(Duration.ofDays(3), true, null), config(Duration.ofMinutes(5))), "configuration-rollback", null, "b"),
                new Row("a release only: the configuration rollback has nothing to undo", timeline(release(Duration.ofMinutes(5), true, null)),
                        "configuration-rollback", Reason.NO_RECENT_CHANGE, null),
                new Row("no Deployment", ChangeTimeline.missing("shop/web", "deployment shop/web does not exist"), "immediate-rollback",
                        Reason.NO_RECENT_CHANGE, null),
                new Row("a scale is not a change a rollback undoes", timeline(release(Duration.ofDays(3), true, null),
                        new Change(Change.Kind.SCALE, ALERT.minusSeconds(60), true, "Deployment shop/web", "2 replicas", "6 replicas", null, null, List.of(), null)),
                        "immediate-rollback", Reason.NO_RECENT_CHANGE, null)));
        return rows.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("gate")
    void theGate(Row row) {
        ChangeGate.Verdict v = ChangeGate.check(row.t(), row.scenario(), ALERT, WITHIN);
        assertEquals(row.refusal(), v.refusal(), v.detail());
        assertEquals(row.undoes(), v.change() == null ? null : v.change().toRef());
        assertEquals(row.scenario(), v.scenario());
        assertNotNull(v.detail());
    }

    record AutoRow(String name, ChangeTimeline t, String severity, String alertname, String scenario, String row, Reason refusal) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<AutoRow> table() {
        Change recent = release(Duration.ofMinutes(7), true, null);
        Change old = release(Duration.ofDays(3), true, null);
        return Stream.of(
                new AutoRow("a release before a critical alert", timeline(recent), "critical", "HighErrorRate", "immediate-rollback", "immediate", null),
                new AutoRow("no severity counts as critical", timeline(recent), null, "HighErrorRate", "immediate-rollback", "immediate", null),
                new AutoRow("only configuration changed", timeline(old, config(Duration.ofMinutes(4))), "critical", "HighErrorRate",
                        "configuration-rollback", "configuration", null),
                new AutoRow("configuration changed after the release: the newest decides", timeline(recent, config(Duration.ofMinutes(4))), "critical",
                        "HighErrorRate", "configuration-rollback", "configuration", null),
                new AutoRow("a release after the configuration change: the newest decides", timeline(recent, config(Duration.ofMinutes(30))), "critical",
                        "HighErrorRate", "immediate-rollback", "immediate", null),
                new AutoRow("the release ships its undo and its migration ran", timeline(List.of(), true, recent, migration(Duration.ofMinutes(8))),
                        "critical", "HighErrorRate", "database-migration-rollback", "migration", null),
                new AutoRow("an undo shipped but no migration ran for this release", timeline(List.of(), true, recent, migration(Duration.ofDays(3))),
                        "critical", "HighErrorRate", "immediate-rollback", "immediate", null),
                new AutoRow("a migration ran but the release ships no undo", timeline(List.of(), false, recent, migration(Duration.ofMinutes(8))),
                        "critical", "HighErrorRate", "immediate-rollback", "immediate", null),
                new AutoRow("a warning alert", timeline(recent), "warning", "HighErrorRate", "gradual-rollback", "gradual", null),
                new AutoRow("a latency alert, even critical", timeline(recent), "critical", "HighLatencyP99", "gradual-rollback", "gradual", null),
                new AutoRow("released together with others", timeline(List.of("cart", "pay"), false, recent), "critical", "HighErrorRate",
                        "selective-rollback", "selective", null),
                new AutoRow("migration before gradual", timeline(List.of(), true, recent, migration(Duration.ofMinutes(8))), "warning", "HighErrorRate",
                        "database-migration-rollback", "migration", null),
                new AutoRow("nothing changed recently", timeline(old), "critical", "HighErrorRate", null, null, Reason.NO_RECENT_CHANGE),
                new AutoRow("a release after the alert, whatever else", timeline(release(Duration.ofMinutes(-5), true, null), config(Duration.ofMinutes(4))),
                        "critical", "HighErrorRate", null, null, Reason.CHANGED_AFTER_ALERT),
                new AutoRow("only this service's own rollback", timeline(release(Duration.ofMinutes(7), true, "remediation r1")), "critical",
                        "HighErrorRate", null, null, Reason.NO_RECENT_CHANGE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void theAutoTable(AutoRow row) {
        ChangeGate.Verdict v = ChangeGate.auto(row.t(), ALERT, WITHIN, row.severity(), row.alertname());
        assertEquals(row.refusal(), v.refusal(), v.detail());
        assertEquals(row.scenario(), v.scenario(), v.detail());
        assertEquals(row.row(), v.row());
        if (row.refusal() == null) {
            assertTrue(v.detail().contains("row '" + row.row() + "'"), "the record says which row chose: " + v.detail());
        }
    }
}
