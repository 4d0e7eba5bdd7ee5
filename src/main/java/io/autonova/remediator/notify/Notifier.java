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

/** Runs {@link NoticeDelivery} every second when Grafana or a chat webhook is configured. */
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
        if (config.noticeChannels().isEmpty()) {
            return;
        }
        var g = config.grafana();
        NoticeDelivery delivery = new NoticeDelivery(runtime.store(), new HttpPeer(Duration.ofSeconds(10)),
                g.url().map(u -> new NoticeDelivery.Grafana(u, g.tokenFile().orElse(null), g.dashboardUid().orElse(null),
                        g.extraTags().orElse(java.util.List.of()))).orElse(null),
                config.chat().webhookUrlFile().map(f -> new NoticeDelivery.Chat(f, config.chat().consoleUrl().orElse(null))).orElse(null),
                runtime.identity(), clock);
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
