package io.autonova.remediator.kafka;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.autonova.remediator.bench.KafkaIngestBench;
import io.autonova.remediator.ingest.kafka.PoisonRecord;
import io.autonova.remediator.ingest.kafka.SignalConsumer;
import io.autonova.remediator.ingest.kafka.SignalParser;
import io.autonova.remediator.rules.RuleFileParser;
import io.autonova.remediator.rules.RuleSet;
import io.autonova.remediator.rules.RuleSetAssembler;
import io.autonova.remediator.rules.SignalWindows;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A failure out of the consumer's loop restarts it (counted, with backoff) instead of ending the thread for good. */
class ConsumerRestartTest {

    @Test
    void aConsumerThatFailsIsRestartedAndGoesOnDeciding() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
             KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers(),
                     "key.serializer", StringSerializer.class, "value.serializer", StringSerializer.class))) {
            broker.createTopics(1, "restart.signals", "autonova.signals.dlq");
            RuleSet rules = RuleSetAssembler.assemble(List.of(RuleFileParser.parse("signals.yaml", Files.readString(Path.of("rules/signals.yaml")))),
                    Instant.now()).ruleSet();
            // The first batch finds the rules unavailable: an exception out of the loop, as a bug or a broken client would throw.
            AtomicInteger looks = new AtomicInteger();
            List<SignalWindows.Match> decided = new CopyOnWriteArrayList<>();
            AtomicInteger restarts = new AtomicInteger();
            SignalConsumer consumer = new SignalConsumer(KafkaIngestBench.kafka(broker.bootstrapServers(), "restart.signals", "restart-test"), "restart",
                    () -> {
                        if (looks.incrementAndGet() == 1) {
                            throw new IllegalStateException("boom (test)");
                        }
                        return rules;
                    }, new SignalParser(new ObjectMapper()), decided::add, new SignalConsumer.Counters() {
                        @Override
                        public void records(String result, long count) {
                            if (result.equals("consumer_restart")) {
                                restarts.addAndGet((int) count);
                            }
                        }

                        @Override
                        public void deadLetter(PoisonRecord.Reason reason) {
                        }
                    }, Clock.systemUTC());
            Thread t = new Thread(consumer, "restart-test");
            t.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> consumer.assignedPartitions() == 1);
            Instant at = Instant.now().minusSeconds(20);
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>("restart.signals", "shop/checkout", "{\"type\":\"request-sample\",\"namespace\":\"shop\","
                        + "\"deployment\":\"checkout\",\"time\":\"" + at.plusSeconds(i) + "\",\"requests\":100,\"errors\":50}")).get();
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> !decided.isEmpty());
            assertEquals(1, restarts.get(), "restarted once");
            assertEquals(1, consumer.restarts());
            assertTrue(t.isAlive(), "the thread is still consuming");
            assertEquals("error-rate-window", decided.get(0).rule().name());
            consumer.stop();
            t.join(10_000);
        }
    }
}
