package io.autonova.remediator.notify;

import java.util.List;

import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.domain.Json;
import io.autonova.remediator.peers.HttpPeer;
import io.autonova.remediator.state.RemediationRecord;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** A Slack-compatible incoming webhook: one message when a run asks for approval (with
 * Approve and Deny buttons), one when it starts, one when it ends. At least once. */
public final class ChatChannel implements NoticeChannel {

    public static final String NAME = "chat";

    private final Path webhookUrlFile;
    private final String consoleUrl;
    private final HttpPeer http;
    /** Approve / Deny buttons on approval notices: only when the interactions endpoint can verify Slack's presses. */
    private final boolean buttons;

    public ChatChannel(Path webhookUrlFile, String consoleUrl, HttpPeer http) {
        this(webhookUrlFile, consoleUrl, http, false);
    }

    public ChatChannel(Path webhookUrlFile, String consoleUrl, HttpPeer http, boolean buttons) {
        this.webhookUrlFile = webhookUrlFile;
        this.consoleUrl = consoleUrl;
        this.http = http;
        this.buttons = buttons;
    }

    static Optional<NoticeChannel> from(RemediatorConfig config, HttpPeer http) {
        return config.chat().webhookUrlFile().map(f -> new ChatChannel(f, config.chat().consoleUrl().orElse(null), http,
                config.chat().slackSigningSecretFile().isPresent()));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Sent send(RemediationRecord r, RemediationRecord.Notice n) throws IOException {
        URI hook;
        try {
            // Read on each send: a rotated URL (a mounted Secret) takes effect without a restart.
            hook = new URI(Files.readString(webhookUrlFile).trim());
            if (!"https".equals(hook.getScheme()) && !"http".equals(hook.getScheme()) || hook.getHost() == null) {
                throw new URISyntaxException("(not shown)", "not an http(s) URL with a host");
            }
        } catch (URISyntaxException e) {
            // The URL is a credential (whoever has it can post): neither the record nor the log may show it.
            return Sent.givenUp("the chat webhook URL in " + webhookUrlFile + " is not a valid http(s) URL (its content is not shown: it is a secret)");
        }
        String event = List.of("started", "approval", NoticeText.NEEDS_HUMAN).contains(n.event) ? n.event : "finished";
        return Sent.judge(http.send("POST", hook, Json.MAPPER.writeValueAsString(NoticeText.chat(r, event, consoleUrl, buttons)), null), "HTTP 200");
    }
}
