package io.autonova.remediator.bench;

import io.autonova.remediator.kafka.EmbeddedKafkaBroker;

import java.nio.file.Files;
import java.nio.file.Path;

/** A KRaft broker as a process for the benchmark scripts: writes its bootstrap address to a file, runs until killed. */
public final class BrokerMain {

    private BrokerMain() {
    }

    public static void main(String[] args) throws Exception {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        broker.createTopics(4, "autonova.signals");
        broker.createTopics(1, "autonova.signals.dlq");
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close));
        Path out = Path.of(args[0]);
        Files.writeString(out.resolveSibling(out.getFileName() + ".tmp"), broker.bootstrapServers());
        Files.move(out.resolveSibling(out.getFileName() + ".tmp"), out);
        Thread.currentThread().join();
    }
}
