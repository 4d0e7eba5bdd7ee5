package io.autonova.remediator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.domain.Actor;
import io.autonova.remediator.domain.KubernetesNames;
import io.autonova.remediator.notify.NoticeText;
import io.autonova.remediator.peers.HttpPeer;
import io.autonova.remediator.pipeline.ApprovalDesk;
import io.autonova.remediator.runtime.ServiceRuntime;
import io.autonova.remediator.state.RemediationRecord;
import jakarta.inject.Singleton;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The Approve / Deny buttons of a chat notice. Slack posts here when one is pressed: the request must carry a valid
 * signature of this app (and not one seen before), the presser must be a listed approver (and, when mapped to a
 * Kubernetes user, have RBAC's approve), and the answer is written exactly once as through the API. The message is
 * then replaced with the outcome through Slack's response_url; refusals go to the presser alone.
 */
@Path("/api/v1/chat/slack/interactions")
@Singleton
@io.quarkus.runtime.Startup // a malformed slack-user-groups entry fails the start, not the first press
public class SlackInteractionsResource {

    private static final Logger LOG = Logger.getLogger(SlackInteractionsResource.class);

    private final Optional<java.nio.file.Path> secretFile;
    private final Map<String, Optional<String>> approvers = new LinkedHashMap<>();
    /** Kubernetes user -> groups, for the users approvers map to. */
    private final Map<String, List<String>> groups = new LinkedHashMap<>();
    private final ApprovalDesk desk;
    private final KubernetesAccess access;
    private final ServiceRuntime runtime;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final HttpPeer http = new HttpPeer(Duration.ofSeconds(10));
    /** Signatures already accepted, kept past their 5 minutes of validity: a replay inside them is refused too. */
    private final Cache<String, Boolean> seen = Caffeine.newBuilder().expireAfterWrite(Duration.ofMinutes(6)).maximumSize(100_000).build();
    private final ExecutorService replies = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "slack-replies");
        t.setDaemon(true);
        return t;
    });

    public SlackInteractionsResource(RemediatorConfig config, ApprovalDesk desk, KubernetesAccess access, ServiceRuntime runtime, ObjectMapper mapper,
                                     Clock clock) {
        this.secretFile = config.chat().slackSigningSecretFile();
        for (String entry : config.chat().slackApprovers().orElse(List.of())) {
            int eq = entry.indexOf('=');
            approvers.put((eq < 0 ? entry : entry.substring(0, eq)).trim(), eq < 0 ? Optional.empty() : Optional.of(entry.substring(eq + 1).trim()));
        }
        for (String entry : config.chat().slackUserGroups().orElse(List.of())) {
            int eq = entry.lastIndexOf('=');
            if (eq <= 0 || eq == entry.length() - 1) {
                throw new IllegalArgumentException("remediator.chat.slack-user-groups: '" + entry + "' is not <kubernetes user>=<group>");
            }
            groups.computeIfAbsent(entry.substring(0, eq).trim(), u -> new java.util.ArrayList<>()).add(entry.substring(eq + 1).trim());
        }
        this.desk = desk;
        this.access = access;
        this.runtime = runtime;
        this.mapper = mapper;
        this.clock = clock;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    public Response interact(String body, @HeaderParam("X-Slack-Request-Timestamp") String timestamp, @HeaderParam("X-Slack-Signature") String signature) {
        if (secretFile.isEmpty()) {
            throw new ProblemException(404, "Not found", "chat buttons are off: remediator.chat.slack-signing-secret-file is not set");
        }
        byte[] secret;
        try {
            secret = Files.readString(secretFile.get()).trim().getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ProblemException(503, "Unavailable", "the Slack signing secret cannot be read from " + secretFile.get());
        }
        String text = body == null ? "" : body;
        Optional<String> forged = SlackSignature.problem(secret, timestamp, signature, text, clock.instant());
        if (forged.isEmpty() && seen.asMap().putIfAbsent(signature.trim(), Boolean.TRUE) != null) {
            forged = Optional.of("this exact request was already received (a replay)");
        }
        if (forged.isPresent()) {
            LOG.warnf("Slack interaction refused: %s", forged.get());
            throw new ProblemException(401, "Unauthorized", forged.get());
        }
        JsonNode payload = payload(text);
        JsonNode action = payload.path("actions").path(0);
        String actionId = action.path("action_id").asText("");
        String name = action.path("value").asText("");
        if (!"block_actions".equals(payload.path("type").asText()) || !NoticeText.APPROVAL_BLOCK.equals(action.path("block_id").asText())
                || !List.of("approve", "deny").contains(actionId) || KubernetesNames.objectNameProblem(name).isPresent()) {
            throw new ProblemException(400, "Not an approval", "the interaction is not one of this service's Approve / Deny buttons");
        }
        String userId = payload.path("user").path("id").asText("");
        String userName = payload.path("user").path("username").asText(payload.path("user").path("name").asText(""));
        Optional<URI> responseUrl = responseUrl(payload.path("response_url").asText(""));
        boolean approve = actionId.equals("approve");
        String outcome = decide(name, approve, userId, userName, responseUrl);
        LOG.infof("Slack interaction by %s (%s) on %s: %s", userId, userName, name, outcome);
        return Response.ok().build();
    }

    /** Answers the run as the presser, and says how it went through the response_url. */
    private String decide(String name, boolean approve, String userId, String userName, Optional<URI> reply) {
        Optional<String> mapped = approvers.get(userId);
        if (mapped == null) {
            return ephemeral(reply, "You are not among the approvers of autonova-remediator (remediator.chat.slack-approvers); nothing was done.");
        }
        Actor who = mapped.map(u -> Actor.user(u, groups.getOrDefault(u, List.of()))).orElse(Actor.user("slack:" + userId + (userName.isEmpty() ? "" : " (" + userName + ")"), List.of()));
        RemediationRecord r = runtime.store().record(name).orElse(null);
        if (r == null) {
            return ephemeral(reply, "There is no remediation " + name + " any more; nothing was done.");
        }
        if (mapped.isPresent()) {
            boolean allowed;
            try {
                allowed = access.allowed(who, new KubernetesAccess.Attributes("approve", "remediations", null, r.spec.target.namespace, name));
            } catch (RuntimeException e) {
                return ephemeral(reply, "Your rights could not be checked with the API server just now; nothing was done. Try again.");
            }
            if (!allowed) {
                return ephemeral(reply, who.name() + " may not approve runs in namespace " + r.spec.target.namespace
                        + " ('approve' on remediations.autonova.io); nothing was done.");
            }
        }
        try {
            RemediationRecord answered = desk.answer(name, approve, who, "chat", (approve ? "Approve" : "Deny") + " pressed in Slack").record();
            RemediationRecord.ApprovalAnswer a = answered.status.approval;
            String line = (approve ? ":white_check_mark: Approved" : ":no_entry: Denied") + " by " + NoticeText.slack(a.by) + " via chat at " + a.at + ": "
                    + NoticeText.slack(answered.spec.scenario + " of " + answered.targetKey()) + (approve ? " starts now." : "; nothing is changed.");
            return replace(reply, line, name);
        } catch (ApprovalDesk.Refused e) {
            return ephemeral(reply, "Not " + (approve ? "approved" : "denied") + ": " + e.getMessage());
        }
    }

    private String ephemeral(Optional<URI> reply, String text) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("response_type", "ephemeral");
        m.put("replace_original", false);
        m.put("text", NoticeText.slack(text));
        send(reply, m);
        return text;
    }

    private String replace(Optional<URI> reply, String line, String name) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("replace_original", true);
        m.put("text", line);
        m.put("blocks", List.of(Map.of("type", "section", "text", Map.of("type", "mrkdwn", "text", line)),
                Map.of("type", "context", "elements", List.of(Map.of("type", "mrkdwn", "text", "Remediation " + name)))));
        send(reply, m);
        return line;
    }

    /** After the answer: Slack wants its 200 within 3 seconds, the reply may take longer. */
    private void send(Optional<URI> reply, Map<String, Object> message) {
        reply.ifPresent(uri -> replies.execute(() -> {
            try {
                HttpPeer.Reply r = http.send("POST", uri, mapper.writeValueAsString(message), null);
                if (!r.ok()) {
                    LOG.warnf("Slack response_url answered HTTP %d", r.status());
                }
            } catch (IOException e) {
                LOG.warnf("Slack response_url could not be reached: %s", e.getMessage());
            }
        }));
    }

    private JsonNode payload(String form) {
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals("payload")) {
                try {
                    JsonNode node = mapper.readTree(URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                    if (node != null && node.isObject()) {
                        return node;
                    }
                } catch (IOException | IllegalArgumentException e) {
                    break;
                }
            }
        }
        throw new ProblemException(400, "Invalid interaction", "expected a form body with a JSON 'payload', as Slack sends");
    }

    /** Slack's hooks are https; plain http only to this machine (a local proxy, or a test). */
    private static Optional<URI> responseUrl(String s) {
        try {
            URI u = new URI(s);
            boolean ok = u.getHost() != null && ("https".equals(u.getScheme())
                    || "http".equals(u.getScheme()) && (u.getHost().equals("127.0.0.1") || u.getHost().equals("localhost")));
            return ok ? Optional.of(u) : Optional.empty();
        } catch (java.net.URISyntaxException e) {
            return Optional.empty();
        }
    }
}
