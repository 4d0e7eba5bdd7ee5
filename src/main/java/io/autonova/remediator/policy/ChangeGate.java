package io.autonova.remediator.policy;

import io.autonova.remediator.domain.Change;
import io.autonova.remediator.domain.ChangeTimeline;
import io.autonova.remediator.domain.Durations;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The gate every rollback passes, and the decision table of {@code scenario: auto}. Pure: the target's change
 * timeline, the alert's start and the rule's window in, a verdict out.
 *
 * <p>A rollback undoes one change: the newest of the kind its scenario undoes (a release for scenarios 1-4, a
 * configuration content for scenario 5). It passes only when that change happened within {@code changedWithin}
 * before the alert started, was not made by this service, and nothing of that kind changed after the alert started
 * (someone may already have deployed a fix).
 */
public final class ChangeGate {

    /** Clocks disagree a little: a change this close after the alert's start still counts as before it. */
    static final Duration SKEW = Duration.ofMinutes(1);
    /**
     * A re-used ReplicaSet (rollout undo, or a re-deploy of an old template) has no creation time of its own; its time
     * is when its rollout last progressed, which can be minutes after the rollout started (at most the progress deadline).
     */
    static final Duration SKEW_ESTIMATED = Duration.ofMinutes(10);
    /** Releases of several Deployments this close together came from one change (one Git commit, one sync). */
    public static final Duration TOGETHER = Duration.ofMinutes(10);

    public static final String IMMEDIATE = "immediate-rollback";
    public static final String SELECTIVE = "selective-rollback";
    public static final String GRADUAL = "gradual-rollback";
    public static final String MIGRATION = "database-migration-rollback";
    public static final String CONFIGURATION = "configuration-rollback";

    private ChangeGate() {
    }

    /**
     * @param change   the change the run undoes (null when refused)
     * @param scenario the scenario that undoes it: the rule's, or the one the table picked
     * @param row      for {@code scenario: auto}, the row of the table that picked it
     * @param context  the other facts of the timeline, for the record and the incident report
     */
    public record Verdict(Reason refusal, String detail, Change change, String scenario, String row, List<String> context) {

        public Verdict {
            context = context == null ? List.of() : List.copyOf(context);
        }

        public boolean passes() {
            return refusal == null;
        }

        /** The gate was not asked (a resolved alert, a test of other checks). */
        public static Verdict notAsked(String scenario) {
            return new Verdict(null, "not asked", null, scenario, null, List.of());
        }
    }

    /** The kind of change a scenario undoes. */
    public static Change.Kind undoes(String scenario) {
        return CONFIGURATION.equals(scenario) ? Change.Kind.CONFIG : Change.Kind.RELEASE;
    }

    /** The gate for a rule that names its scenario. */
    public static Verdict check(ChangeTimeline t, String scenario, Instant alertStart, Duration within) {
        List<String> context = context(t, alertStart);
        Change.Kind kind = undoes(scenario);
        Optional<Verdict> refused = refusal(t, kind, alertStart, within, scenario, context);
        if (refused.isPresent()) {
            return refused.get();
        }
        Change c = t.newest(kind).orElseThrow();
        return new Verdict(null, describe(c, alertStart), c, scenario, null, context);
    }

    /**
     * The decision table of {@code scenario: auto}, first row that applies wins:
     * <ol>
     * <li>configuration: the newest recent change is a ConfigMap's or Secret's content -> configuration rollback</li>
     * <li>migration: the release ships its migration undo and its migration ran for it -> database-migration rollback</li>
     * <li>gradual: the alert is not critical, or about latency only -> gradual rollback</li>
     * <li>selective: other Deployments were rolled out with the same change and only this one alerts -> selective rollback</li>
     * <li>immediate: otherwise -> immediate rollback</li>
     * </ol>
     * Every row passes the gate first: with no recent change of either kind, the table refuses as the gate does.
     */
    public static Verdict auto(ChangeTimeline t, Instant alertStart, Duration within, String severity, String alertname) {
        List<String> context = context(t, alertStart);
        Optional<Verdict> release = refusal(t, Change.Kind.RELEASE, alertStart, within, IMMEDIATE, context);
        Optional<Verdict> config = refusal(t, Change.Kind.CONFIG, alertStart, within, CONFIGURATION, context);
        for (Optional<Verdict> v : List.of(release, config)) {
            if (v.isPresent() && v.get().refusal() == Reason.CHANGED_AFTER_ALERT) {
                // Whatever else changed, someone acted after the alert: a human decides (no scenario was picked).
                return new Verdict(v.get().refusal(), v.get().detail(), null, null, null, context);
            }
        }
        if (release.isPresent() && config.isPresent()) {
            return new Verdict(Reason.NO_RECENT_CHANGE, release.get().detail() + "; " + config.get().detail(), null, null, null, context);
        }
        Change r = release.isEmpty() ? t.newest(Change.Kind.RELEASE).orElseThrow() : null;
        Change c = config.isEmpty() ? t.newest(Change.Kind.CONFIG).orElseThrow() : null;
        if (c != null && (r == null || c.at().isAfter(r.at()))) {
            return chosen(c, CONFIGURATION, "configuration", "the newest change before the alert is configuration content", alertStart, context);
        }
        if (t.migrationUndo() && migrationRan(t, r, alertStart)) {
            return chosen(r, MIGRATION, "migration", "the release ships its migration undo and its migration ran", alertStart, context);
        }
        String sev = severity == null ? "" : severity.toLowerCase(Locale.ROOT);
        boolean critical = sev.isEmpty() || sev.equals("critical") || sev.equals("page") || sev.equals("error");
        boolean latency = alertname != null && alertname.toLowerCase(Locale.ROOT).contains("latency");
        if (!critical || latency) {
            return chosen(r, GRADUAL, "gradual", latency ? "the alert is about latency only" : "the alert's severity is " + sev + ", not critical",
                    alertStart, context);
        }
        if (!t.releaseGroup().isEmpty()) {
            return chosen(r, SELECTIVE, "selective", "released together with " + String.join(", ", t.releaseGroup())
                    + ", and only this one alerts", alertStart, context);
        }
        return chosen(r, IMMEDIATE, "immediate", "a release before a critical alert", alertStart, context);
    }

    private static Verdict chosen(Change c, String scenario, String row, String why, Instant alertStart, List<String> context) {
        return new Verdict(null, describe(c, alertStart) + "; scenario " + scenario + " (row '" + row + "': " + why + ")", c, scenario, row, context);
    }

    /** A migration Job ran between the release's rollout (minus a little: hooks run first) and the alert. */
    private static boolean migrationRan(ChangeTimeline t, Change release, Instant alertStart) {
        Instant from = release.at().minus(TOGETHER);
        return t.of(Change.Kind.MIGRATION).stream().anyMatch(m -> m.at() != null && !m.at().isBefore(from) && !m.at().isAfter(alertStart.plus(SKEW)));
    }

    private static Optional<Verdict> refusal(ChangeTimeline t, Change.Kind kind, Instant alertStart, Duration within, String scenario, List<String> context) {
        String what = kind == Change.Kind.CONFIG ? "configuration" : "release";
        if (!t.found()) {
            return refuse(Reason.NO_RECENT_CHANGE, String.join("; ", t.gaps()), scenario, context);
        }
        Optional<Change> newest = t.newest(kind);
        if (newest.isEmpty()) {
            String gaps = t.gaps().isEmpty() ? "" : " (" + String.join("; ", t.gaps()) + ")";
            return refuse(Reason.NO_RECENT_CHANGE, "no " + what + " change of " + t.target() + " is known" + gaps, scenario, context);
        }
        Change c = newest.get();
        if (c.at() == null) {
            return refuse(Reason.NO_RECENT_CHANGE, "when " + c.object() + " last changed (" + c.to() + ") is not known", scenario, context);
        }
        Duration skew = c.exact() ? SKEW : SKEW_ESTIMATED;
        if (c.at().isAfter(alertStart.plus(skew))) {
            return refuse(Reason.CHANGED_AFTER_ALERT, c.describe() + " at " + c.at() + ", " + ago(c.at(), alertStart)
                    + ": someone may already have deployed a fix", scenario, context);
        }
        if (c.fromRef() == null) {
            return refuse(Reason.NO_RECENT_CHANGE, c.object() + " " + c.to() + " is the first known " + what + ": there is nothing earlier to go back to",
                    scenario, context);
        }
        if (c.ours()) {
            return refuse(Reason.NO_RECENT_CHANGE, "the last " + what + " change of " + t.target() + " was this service's own ("
                    + c.by() + ", " + ago(c.at(), alertStart) + "): undoing it again is a human's call", scenario, context);
        }
        if (c.at().isBefore(alertStart.minus(within))) {
            return refuse(Reason.NO_RECENT_CHANGE, "nothing of " + t.target() + " changed in the " + Durations.format(within)
                    + " before the alert: the last " + what + " change, " + c.describe() + ", was " + ago(c.at(), alertStart), scenario, context);
        }
        return Optional.empty();
    }

    private static Optional<Verdict> refuse(Reason reason, String detail, String scenario, List<String> context) {
        return Optional.of(new Verdict(reason, detail, null, scenario, null, context));
    }

    /** "image web:1.5.0 rolled out 7m before the alert started" */
    static String describe(Change c, Instant alertStart) {
        return c.describe() + ", " + ago(c.at(), alertStart);
    }

    private static String ago(Instant at, Instant alertStart) {
        Duration d = Duration.between(at, alertStart);
        return Durations.format(coarse(d.abs())) + (d.isNegative() ? " after" : " before") + " the alert started";
    }

    /** Minutes are enough past ten minutes, seconds below: people read these. */
    private static Duration coarse(Duration d) {
        return d.compareTo(Duration.ofMinutes(10)) >= 0 ? d.truncatedTo(java.time.temporal.ChronoUnit.MINUTES) : d.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }

    /** The newest change of each kind, and what is unknown: what a person reads first. */
    static List<String> context(ChangeTimeline t, Instant alertStart) {
        List<String> out = new ArrayList<>();
        for (Change.Kind k : Change.Kind.values()) {
            t.newest(k).ifPresent(c -> out.add(c.at() == null ? c.describe() + ", time unknown" : describe(c, alertStart)));
        }
        String ns = t.target().substring(0, t.target().indexOf('/') + 1);
        for (String read : t.reads()) { // "ConfigMap/web-config"
            String object = read.replace("/", " " + ns);
            if (t.of(Change.Kind.CONFIG).stream().noneMatch(c -> c.object().equals(object))) {
                out.add(object + " unchanged as far as its kept history goes");
            }
        }
        out.addAll(t.gaps());
        return List.copyOf(out);
    }
}
