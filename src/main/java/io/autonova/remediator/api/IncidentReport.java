package io.autonova.remediator.api;

import io.autonova.remediator.domain.Durations;
import io.autonova.remediator.state.RemediationRecord;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** The runbook's incident report template filled from a record, as Markdown (pure). */
public final class IncidentReport {

    private IncidentReport() {
    }

    public static String render(RemediationRecord r) {
        StringBuilder b = new StringBuilder();
        Instant start = r.status.startedAt != null ? r.status.startedAt : r.createdAt;
        Instant end = r.status.finishedAt;
        b.append("# Incident Report: ").append(start == null ? "?" : start.truncatedTo(ChronoUnit.DAYS).toString().substring(0, 10)).append(" Rollback\n\n");
        b.append("- **Time:** ").append(at(start)).append(" - ").append(end == null ? "still running" : at(end))
                .append(start != null && end != null ? " (" + Durations.format(Duration.between(start, end).truncatedTo(ChronoUnit.SECONDS)) + ")" : "").append('\n');
        RemediationRecord.Trigger t = r.spec.trigger;
        b.append("- **Trigger:** ").append(t.alertname == null ? "signal" : "alert " + md(t.alertname))
                .append(t.value == null ? "" : " (value " + md(t.value) + ")").append(", rule `").append(r.spec.rule).append("`")
                .append(t.startsAt == null ? "" : ", firing since " + at(t.startsAt))
                .append(r.status.alerts.instances > 1 ? "; " + r.status.alerts.instances + " alert instances folded into this episode" : "").append('\n');
        b.append("- **Affected Services:** deployment `").append(r.targetKey()).append("`")
                .append(r.spec.target.argoApplication == null ? "" : ", Argo CD application `" + r.spec.target.argoApplication + "`").append('\n');
        b.append("- **Rollback Method:** ").append(method(r)).append('\n');
        b.append("- **Revision Rolled Back:** ").append(r.status.revisionFrom == null ? "none" : "from " + r.status.revisionFrom + " to " + r.status.revisionTo).append('\n');
        b.append("- **Impact:** ").append(impact(r)).append('\n');
        b.append("- **Root Cause:** _for the post-mortem_\n");
        b.append("- **Prevention:** _for the post-mortem_\n\n");

        b.append("## Outcome\n\n").append(r.status.phase.name().toLowerCase().replace('_', '-'));
        if (r.status.failureReason != null) {
            b.append(" (").append(r.status.failureReason).append(")");
        }
        b.append(": ").append(md(r.status.message == null ? "" : r.status.message)).append("\n\n");
        if (!r.status.humanActions.isEmpty()) {
            b.append("Left for a human:\n\n");
            r.status.humanActions.forEach(a -> b.append("- ").append(md(a)).append('\n'));
            b.append('\n');
        }

        b.append("## Decision trail\n\n| time | outcome | reason | message | repeats |\n|---|---|---|---|---|\n");
        for (RemediationRecord.DecisionView d : r.status.decisions) {
            decision(b, d);
        }
        if (r.status.decision != null) {
            decision(b, r.status.decision);
        }
        b.append('\n');

        if (!r.status.steps.isEmpty()) {
            b.append("## Steps\n\n| step | phase | started | finished | message |\n|---|---|---|---|---|\n");
            for (RemediationRecord.Step s : r.status.steps) {
                b.append("| ").append(s.compensation ? "undo: " : "").append(s.name).append(" | ").append(s.phase).append(" | ").append(at(s.startedAt))
                        .append(" | ").append(at(s.finishedAt)).append(" | ").append(cell(s.message)).append(" |\n");
            }
            b.append('\n');
        }
        RemediationRecord.Step verify = r.step("verify-signal");
        if (verify != null && verify.outputs.containsKey("observations")) {
            b.append("## Signal verification: ").append(md(verify.outputs.getOrDefault("verdict", "?"))).append("\n\nQuery: ")
                    .append(md(String.valueOf(verify.outputs.get("query")))).append("\n\n").append(fenced(String.valueOf(verify.outputs.get("observations"))));
        }
        RemediationRecord.Step undo = r.step("wait-migration-undo");
        if (undo != null && undo.outputs.containsKey("log")) {
            b.append("## Migration undo log\n\n").append(fenced(undo.outputs.get("log")));
        }
        b.append("_Record `").append(r.name).append("`; full detail at `GET /api/v1/remediations/").append(r.name).append("`._\n");
        return b.toString();
    }

    private static String method(RemediationRecord r) {
        String how = r.status.steps.stream().anyMatch(s -> s.name.equals("argo-rollback-sync")) ? "Argo CD (sync to an earlier history entry)"
                : "Kubernetes API (as kubectl)";
        String dry = r.spec.dryRun ? " — dry-run, nothing was changed" : "";
        String git = Boolean.TRUE.equals(r.status.gitMustFollow) ? "; Git must follow" : "";
        return "`" + r.spec.scenario + "` via " + how + dry + git;
    }

    private static String impact(RemediationRecord r) {
        Instant from = r.spec.trigger.startsAt != null ? r.spec.trigger.startsAt : r.createdAt;
        Instant to = r.status.finishedAt;
        if (from == null || to == null) {
            return "the alert has fired since " + at(from);
        }
        RemediationRecord.Step v = r.step("verify-signal");
        String verdict = v == null ? "" : "; signal check: " + v.outputs.getOrDefault("verdict", v.phase);
        return "from the first alert to the end of the run: " + Durations.format(Duration.between(from, to).truncatedTo(ChronoUnit.SECONDS)) + verdict;
    }

    private static void decision(StringBuilder b, RemediationRecord.DecisionView d) {
        b.append("| ").append(at(d.decidedAt)).append(" | ").append(d.outcome).append(" | ").append(d.reason).append(" | ").append(cell(d.message))
                .append(" | ").append(d.repeats).append(" |\n");
    }

    private static String at(Instant i) {
        return i == null ? "" : i.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /**
     * Text from alerts and the cluster, made inert in Markdown: every character that could start a link, an image, an
     * emphasis, code, HTML or an autolink is escaped, and it stays on one line.
     */
    static String md(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '\n', '\r' -> b.append(' ');
                default -> {
                    if ("\\`*_[]()!|~#:".indexOf(c) >= 0) {
                        b.append('\\');
                    }
                    b.append(c);
                }
            }
        }
        return b.toString();
    }

    /** A fenced block that no content can close: the fence is longer than any run of backticks in it. */
    static String fenced(String content) {
        int longest = 0;
        int run = 0;
        for (int i = 0; i < content.length(); i++) {
            run = content.charAt(i) == '`' ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        String fence = "`".repeat(Math.max(3, longest + 1));
        return fence + "\n" + content + "\n" + fence + "\n\n";
    }

    private static String cell(String s) {
        return s == null ? "" : md(s).replace("|", "\\|");
    }
}
