package io.autonova.remediator.api;

import io.autonova.remediator.config.RemediatorConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A group mapping that cannot be read is refused when the resource is built (at start), not guessed at a press. */
class SlackApproverSettingsTest {

    @ParameterizedTest
    @ValueSource(strings = {"alice", "=sre-leads", "alice="})
    void aMalformedUserGroupEntryIsRefusedByName(String entry) {
        RemediatorConfig config = new SmallRyeConfigBuilder().withMapping(RemediatorConfig.class)
                .withConverter(Duration.class, 200, new io.quarkus.runtime.configuration.DurationConverter())
                .withDefaultValue("remediator.chat.slack-user-groups", "bob=sre," + entry).build().getConfigMapping(RemediatorConfig.class);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SlackInteractionsResource(config, null, null, null, null, null));
        assertTrue(e.getMessage().contains("'" + entry + "' is not <kubernetes user>=<group>"), e.getMessage());
    }
}
