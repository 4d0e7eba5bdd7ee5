package io.autonova.remediator.api;

import io.autonova.remediator.domain.Durations;
import io.autonova.remediator.domain.Templates;
import io.autonova.remediator.state.RemediationRecord;

import io.quarkus.qute.RawString;
import io.quarkus.qute.Template;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * The runbook's incident report filled from a record, as Markdown (pure): the layout is the Qute template
 * {@code templates/incident-report.md}; every text value is escaped as inert Markdown when the template writes it
 * out, so only what this class marks raw (times, fixed names, its own Markdown) is written as is.
 */
public final class IncidentReport {

    private static final Template TEMPLATE = Templates.load("incident-report.md", IncidentReport::md);

    private IncidentReport() {
    }

    /** A row of the decision trail; text fields are escaped when written. */
    public record DecisionRow(RawString at, RawString outcome, RawString reason, String message, long repeats) {
    }

    public record StepRow(RawString name, RawString phase, RawString started, RawString finished, String message) {
    }

    public record Verification(String verdict, String query, RawString observations) {
    }

    public static String render(RemediationRecord r) {
        Instant start = r.status.startedAt != null ? r.status.startedAt : r.createdAt;
        Instant end = r.status.finishedAt;
        RemediationRecord.Trigger t = r.spec.trigger;
        List<DecisionRow> decisions = new ArrayList<>();
        r.status.decisions.forEach(d -> decisions.add(row(d)));
        if (r.status.decision != null) {
            decisions.add(row(r.status.decision));
        }
        List<StepRow> steps = r.status.steps.stream().map(s -> new StepRow(raw((s.compensation ? "undo: " : "") + s.name), raw(s.phase), at(s.startedAt),
                at(s.finishedAt), s.message == null ? "" : s.message)).toList();
        RemediationRecord.Step verify = r.step("verify-signal");
        Verification verification = verify == null || !verify.outputs.containsKey("observations") ? null
                : new Verification(verify.outputs.getOrDefault("verdict", "?"), String.valueOf(verify.outputs.get("query")),
                raw(fenced(String.valueOf(verify.outputs.get("observations")))));
        RemediationRecord.Step undo = r.step("wait-migration-undo");
        RawString undoLog = undo == null || !undo.outputs.containsKey("log") ? null : raw(fenced(undo.outputs.get("log")));
        return TEMPLATE.data("day", raw(start == null ? "?" : start.truncatedTo(ChronoUnit.DAYS).toString().substring(0, 10)))
                .data("time", raw(at(start) + " - " + (end == null ? "still running" : at(end))
                        + (start != null && end != null ? " (" + Durations.format(Duration.between(start, end).truncatedTo(ChronoUnit.SECONDS)) + ")" : "")))
                .data("alertname", t.alertname)
                .data("value", t.value)
                .data("rule", r.spec.rule)
                .data("firingSince", t.startsAt == null ? null : at(t.startsAt))
                .data("instances", r.status.alerts.instances)
                .data("target", r.targetKey())
                .data("argoApplication", r.spec.target.argoApplication)
                .data("method", raw(method(r)))
                .data("startedBy", r.spec.manual == null ? null : r.spec.manual.by + (r.spec.manual.forced ? ", forced past the policy's limits" : "")
                        + ": " + r.spec.manual.reason)
                .data("approval", approval(r))
                .data("changeUndone", r.spec.change == null || r.spec.change.kind == null ? null : r.spec.change.summary)
                .data("rootCause", rootCause(r))
                .data("revisions", raw(r.status.revisionFrom == null ? "none" : "from " + r.status.revisionFrom + " to " + r.status.revisionTo))
                .data("impact", raw(impact(r)))
                .data("outcome", raw(r.status.phase.name().toLowerCase().replace('_', '-')))
                .data("failureReason", r.status.failureReason == null ? null : raw(r.status.failureReason))
                .data("message", r.status.message == null ? "" : r.status.message)
                .data("humanActions", r.status.humanActions)
                .data("decisions", decisions)
                .data("steps", steps)
                .data("verification", verification)
                .data("undoLog", undoLog)
                .data("name", r.name)
                .render();
    }

    /** What the change timeline said when the run was decided: the change undone (or why none), and the rest of what changed. */
    private static String rootCause(RemediationRecord r) {
        RemediationRecord.ChangeRef c = r.spec.change;
        if (c == null || c.summary == null) {
            return null;
        }
        List<String> facts = new ArrayList<>();
        facts.add(c.kind == null ? "no change to undo: " + c.summary : "likely " + c.summary);
        if (c.row != null) {
            facts.add("scenario " + r.spec.scenario + " picked by row '" + c.row + "' of the auto table");
        }
        c.context.stream().filter(x -> c.kind == null || !c.summary.startsWith(x)).forEach(facts::add);
        return String.join("; ", facts);
    }

    private static DecisionRow row(RemediationRecord.DecisionView d) {
        return new DecisionRow(at(d.decidedAt), raw(String.valueOf(d.outcome)), raw(String.valueOf(d.reason)), d.message == null ? "" : d.message, d.repeats);
    }

    private static RawString raw(String s) {
        return new RawString(s);
    }

    private static String method(RemediationRecord r) {
        String how = r.status.steps.stream().anyMatch(s -> s.name.equals("argo-rollback-sync")) ? "Argo CD (sync to an earlier history entry)"
                : "Kubernetes API (as kubectl)";
        String dry = r.spec.dryRun ? " — dry-run, nothing was changed" : "";
        String git = Boolean.TRUE.equals(r.status.gitMustFollow) ? "; Git must follow" : "";
        RemediationRecord.Step revert = r.step("write-git-revert");
        if (revert != null && revert.outputs.get("revertCommit") != null) {
            RemediationRecord.Step request = r.step("open-pull-request");
            RemediationRecord.Step agreed = r.step("await-argo-git-agreement");
            git += "; Git reverted by commit " + revert.outputs.get("revertCommit") + " on " + revert.outputs.get("pushedTo")
                    + (request != null && request.outputs.get("requestUrl") != null ? " (" + request.outputs.get("requestUrl") + ")" : "")
                    + (agreed != null && agreed.outputs.get("gitAgreedAt") != null ? ", Git and the cluster agreed at " + agreed.outputs.get("gitAgreedAt") : "");
        }
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

    private static RawString at(Instant i) {
        return raw(i == null ? "" : i.truncatedTo(ChronoUnit.SECONDS).toString());
    }

    /** Who answered the approval, how and when, and what required it; null when the run needed none. */
    static String approval(RemediationRecord r) {
        if (r.spec.approval == null) {
            return null;
        }
        String required = "required by " + String.join("; ", r.spec.approval.requiredBy.stream().map(q -> q.source).toList());
        RemediationRecord.ApprovalAnswer a = r.status.approval;
        if (a == null) {
            return "waiting until " + r.spec.approval.expiresAt + " (" + required + ")";
        }
        if ("expired".equals(a.answer)) {
            return "Expired: nobody answered within " + r.spec.approval.timeout + " (" + required + ")";
        }
        return (a.answer.equals("approved") ? "Approved" : "Denied") + " by " + a.by + " via " + a.via + " at " + a.at
                + " after " + a.waitedSeconds + "s" + (a.reason == null ? "" : ": " + a.reason) + " (" + required + ")";
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
        return fence + "\n" + content + "\n" + fence;
    }

}
