package io.autonova.remediator.config;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** Background loops (rule reload, re-send counts, abandoned runs) each get one named daemon thread. */
public final class DaemonThreads {

    private DaemonThreads() {
    }

    public static ScheduledExecutorService scheduler(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }
}
