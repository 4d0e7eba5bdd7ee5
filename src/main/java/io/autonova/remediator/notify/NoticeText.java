package io.autonova.remediator.notify;

import io.autonova.remediator.domain.Templates;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import io.quarkus.qute.Template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** What notices say, from the record alone (pure). */
public final class NoticeText {

    private NoticeText() {
    }

    /** The tag that finds a run's annotation again (a retry after a crash must not add a second one). */
    public static String runTag(RemediationRecord r) {
        return "remediation:" + r.name;
    }

    public static List<String> tags(RemediationRecord r, List<String> extra) {
        List<String> tags = new ArrayList<>(List.of("rollback", r.spec.scenario, r.spec.target.namespace, runTag(r)));
        extra.stream().filter(t -> !tags.contains(t)).forEach(tags::add);
        return tags;
    }

    public static boolean held(RemediationRecord r) {
        return r.status.humanActions.stream().anyMatch(a -> a.startsWith("the target is held"));
    }

    private static final Template HEADLINE = Templates.load("notice-headline.txt", UnaryOperator.identity());

    /** One line: what happened to which target, and where it stands (escaped for each channel by its caller). */
    public static String headline(RemediationRecord r, String event) {
        String outcome = switch (r.status.phase) {
            case SUCCEEDED -> "succeeded";
            case ABORTED -> "was aborted";
            case DENIED -> "was denied";
            case EXPIRED -> "expired unapproved";
            case CLEARED -> "was not needed";
            default -> "failed";
        };
        boolean approval = event.equals("approval");
        RemediationRecord.Preview preview = r.status.preview;
        return HEADLINE.data("started", event.equals("started"))
                .data("human", event.equals(NEEDS_HUMAN))
                .data("approval", approval)
                .data("expiresAt", r.spec.approval == null ? "" : String.valueOf(r.spec.approval.expiresAt))
                .data("scenario", r.spec.scenario)
                .data("target", r.spec.target.namespace + "/" + r.spec.target.deployment)
                .data("rule", r.spec.rule)
                .data("alertname", r.spec.trigger.alertname)
                .data("outcome", outcome)
                .data("revisionFrom", approval && preview != null ? preview.revisionFrom : r.status.revisionFrom)
                .data("revisionTo", approval && preview != null ? preview.revisionTo : r.status.revisionTo)
                .data("held", held(r))
                .data("message", r.status.message == null ? "" : r.status.message)
                .render().strip();
    }

    /**
     * Text from alerts and the cluster, made inert in Slack mrkdwn: its control characters escaped as Slack documents, so
     * that {@code <!channel>}, {@code <@U123>} or {@code <https://x|click>} stay text.
     */
    public static String slack(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    static String cap(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    public static String annotationText(RemediationRecord r) {
        return headline(r, r.status.phase.finished() ? "finished" : "started") + " [" + r.name + "]";
    }

    /** A refusal by the change gate: the alert is real and nothing this service can undo changed before it. */
    public static final String NEEDS_HUMAN = "needs-human";

    /** The block id Slack sends back with a button press: it says the buttons are ours. */
    public static final String APPROVAL_BLOCK = "autonova-approval";

    /**
     * Approve and Deny (Block Kit buttons, each with a confirmation dialog); the value is the record's name, which the
     * interactions endpoint checks like any other input.
     */
    static Map<String, Object> approvalButtons(String record) {
        return Map.of("type", "actions", "block_id", APPROVAL_BLOCK, "elements", List.of(
                button("Approve", "approve", "primary", record, "Run the rollback now?"),
                button("Deny", "deny", "danger", record, "Deny the rollback? Nothing will be changed.")));
    }

    private static Map<String, Object> button(String label, String action, String style, String value, String question) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("type", "button");
        b.put("text", Map.of("type", "plain_text", "text", label));
        b.put("action_id", action);
        b.put("style", style);
        b.put("value", value);
        b.put("confirm", Map.of("title", Map.of("type", "plain_text", "text", label + "?"), "text", Map.of("type", "plain_text", "text", question),
                "confirm", Map.of("type", "plain_text", "text", label), "deny", Map.of("type", "plain_text", "text", "Cancel")));
        return b;
    }

    /** A Slack-compatible incoming-webhook message: {@code text} (what Mattermost and notifications show) plus blocks. */
    public static Map<String, Object> chat(RemediationRecord r, String event, String consoleUrl) {
        return chat(r, event, consoleUrl, false);
    }

    /** As above; {@code buttons}: an approval notice carries Approve / Deny. */
    public static Map<String, Object> chat(RemediationRecord r, String event, String consoleUrl, boolean buttons) {
        String emoji = event.equals("approval") ? ":raised_hand:" : event.equals(NEEDS_HUMAN) ? ":raising_hand:" : event.equals("started") ? ":arrows_counterclockwise:" : r.status.phase == Phase.SUCCEEDED ? ":white_check_mark:"
                : held(r) ? ":raising_hand:" : ":x:";
        String text = cap(emoji + " " + slack(headline(r, event)), 2900); // Slack: 3,000 characters per section text
        List<Map<String, Object>> blocks = new ArrayList<>();
        blocks.add(Map.of("type", "section", "text", Map.of("type", "mrkdwn", "text", text)));
        List<Map<String, Object>> fields = new ArrayList<>();
        fields.add(Map.of("type", "mrkdwn", "text", "*Remediation*\n" + r.name));
        fields.add(Map.of("type", "mrkdwn", "text", "*Scenario*\n" + r.spec.scenario));
        if (event.equals("approval") && r.status.preview != null) {
            List<String> steps = r.status.preview.steps.stream().map(s -> "• " + s.name + ": " + s.message).toList();
            fields.add(Map.of("type", "mrkdwn", "text", cap("*Plan preview*\n" + slack(r.status.preview.summary + "\n" + String.join("\n", steps)), 1900)));
        }
        if (!event.equals("approval") && r.status.approval != null) {
            RemediationRecord.ApprovalAnswer a = r.status.approval;
            fields.add(Map.of("type", "mrkdwn", "text", cap("*Approval*\n" + slack(a.answer + (a.by == null ? "" : " by " + a.by + " via " + a.via)
                    + (a.reason == null ? "" : ": " + a.reason)), 1900)));
        }
        if (event.equals(NEEDS_HUMAN) && r.spec.change != null && !r.spec.change.context.isEmpty()) {
            fields.add(Map.of("type", "mrkdwn", "text", cap("*What changed*\n" + slack(String.join("\n", r.spec.change.context)), 1900)));
        }
        if (event.equals("finished") && !r.status.humanActions.isEmpty()) {
            fields.add(Map.of("type", "mrkdwn", "text", cap("*Left for a human*\n" + slack(String.join("\n", r.status.humanActions)), 1900)));
        }
        blocks.add(Map.of("type", "section", "fields", fields));
        if (event.equals("approval") && buttons) {
            blocks.add(approvalButtons(r.name));
        }
        if (consoleUrl != null) {
            blocks.add(Map.of("type", "context", "elements", List.of(Map.of("type", "mrkdwn",
                    "text", "<" + consoleUrl.replaceAll("/$", "") + "/api/v1/remediations/" + r.name + "/report|Incident report>"))));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("text", text);
        m.put("blocks", blocks);
        return m;
    }
}
