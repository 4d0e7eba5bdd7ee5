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
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The broker goes away for 70 s (longer than the consumer's 45 s session) and comes back: consumption resumes on its own. */
class BrokerOutageTest {

    static final String TOPIC = "outage.signals";

    @Test
    void afterA70SecondOutageNewCrossingsStillDecideAndNothingIsDecidedTwice() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            broker.createTopics(4, TOPIC, "autonova.signals.dlq");
            RuleSet rules = RuleSetAssembler.assemble(List.of(RuleFileParser.parse("signals.yaml", Files.readString(Path.of("rules/signals.yaml")))),
                    Instant.now()).ruleSet();
            List<SignalWindows.Match> decided = new CopyOnWriteArrayList<>();
            SignalConsumer consumer = new SignalConsumer(KafkaIngestBench.kafka(broker.bootstrapServers(), TOPIC, "outage-test"), "outage",
                    () -> rules, new SignalParser(new ObjectMapper()), decided::add, new SignalConsumer.Counters() {
                        @Override
                        public void records(String result, long count) {
                        }

                        @Override
                        public void deadLetter(PoisonRecord.Reason reason) {
                        }
                    }, Clock.systemUTC());
            Thread t = new Thread(consumer, "outage-test");
            t.start();
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> consumer.assignedPartitions() == 4);
                crossing(broker, "before");
                await().atMost(Duration.ofSeconds(30)).until(() -> firing(decided).contains("shop/before"));

                broker.stop();
                Thread.sleep(70_000);
                broker.restart();

                crossing(broker, "after");
                await().atMost(Duration.ofSeconds(120)).until(() -> firing(decided).contains("shop/after"));
                assertTrue(t.isAlive(), "the consumer thread lived through the outage");
                // Redelivery after the outage is allowed (offsets may not have been committed); a second identity is not.
                Set<String> before = decided.stream().filter(m -> m.emission().firing() && m.signal().targetKey().equals("shop/before"))
                        .map(m -> m.emission().firingSince().toString()).collect(Collectors.toSet());
                assertEquals(1, before.size(), "the crossing before the outage is one instance, whatever was re-read: " + before);
            } finally {
                consumer.stop();
                t.join(10_000);
            }
        }
    }

    private static Set<String> firing(List<SignalWindows.Match> decided) {
        return decided.stream().filter(m -> m.emission().firing()).map(m -> m.signal().targetKey()).collect(Collectors.toSet());
    }

    /** Three samples at 50% errors (the error-rate window of rules/signals.yaml crosses on the third). */
    private static void crossing(EmbeddedKafkaBroker broker, String deployment) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers(),
                "key.serializer", StringSerializer.class, "value.serializer", StringSerializer.class))) {
            Instant at = Instant.now().minusSeconds(20);
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(TOPIC, "shop/" + deployment, "{\"type\":\"request-sample\",\"namespace\":\"shop\","
                        + "\"deployment\":\"" + deployment + "\",\"time\":\"" + at.plusSeconds(i) + "\",\"requests\":100,\"errors\":50}")).get();
            }
        }
    }
}
