package io.autonova.remediator.notify;

import io.autonova.remediator.config.DaemonThreads;
import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.peers.HttpPeer;
import io.autonova.remediator.runtime.ServiceRuntime;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Runs {@link NoticeDelivery} every second when a notice channel is configured. */
@ApplicationScoped
public class Notifier {

    private static final Logger LOG = Logger.getLogger(Notifier.class);

    private final ServiceRuntime runtime;
    private final RemediatorConfig config;
    private final Clock clock;
    private ScheduledExecutorService timer;

    public Notifier(ServiceRuntime runtime, RemediatorConfig config, Clock clock) {
        this.runtime = runtime;
        this.config = config;
        this.clock = clock;
    }

    void start(@Observes StartupEvent event) {
        java.util.List<NoticeChannel> channels = NoticeChannel.configured(config, new HttpPeer(Duration.ofSeconds(10)), clock);
        if (channels.isEmpty()) {
            return;
        }
        NoticeDelivery delivery = new NoticeDelivery(runtime.store(), channels, runtime.identity(), clock);
        timer = DaemonThreads.scheduler("notices");
        timer.scheduleWithFixedDelay(() -> {
            try {
                delivery.deliverDue();
            } catch (RuntimeException e) {
                LOG.debugf("notice delivery round failed: %s", e.getMessage());
            }
        }, 1, 1, TimeUnit.SECONDS);
        LOG.infof("notices of runs go to %s", config.noticeChannels());
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
