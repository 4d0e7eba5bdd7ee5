package io.autonova.remediator.notify;

import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.peers.HttpPeer;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The channels the engine queues notices for (named by the configuration) are the channels that deliver them. */
class NoticeChannelsTest {

    @ParameterizedTest(name = "grafana={0} chat={1}")
    @CsvSource({"false,false", "true,false", "false,true", "true,true"})
    void theEngineQueuesForExactlyTheChannelsThatDeliver(boolean grafana, boolean chat) {
        SmallRyeConfigBuilder b = new SmallRyeConfigBuilder().withMapping(RemediatorConfig.class)
                .withConverter(Duration.class, 200, new io.quarkus.runtime.configuration.DurationConverter());
        if (grafana) {
            b.withDefaultValue("remediator.grafana.url", "http://grafana.example:3000");
        }
        if (chat) {
            b.withDefaultValue("remediator.chat.webhook-url-file", "/etc/autonova/chat-url");
        }
        RemediatorConfig config = b.build().getConfigMapping(RemediatorConfig.class);
        List<String> delivering = NoticeChannel.configured(config, new HttpPeer(Duration.ofSeconds(1)), Clock.systemUTC()).stream()
                .map(NoticeChannel::name).toList();
        assertEquals(config.noticeChannels(), delivering);
        assertEquals((grafana ? 1 : 0) + (chat ? 1 : 0), delivering.size());
    }
}
