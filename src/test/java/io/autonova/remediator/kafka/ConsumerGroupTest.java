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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Consumers of one group against a real broker: a member joining mid-episode (a real rebalance) and a member that dies
 * after deciding but before committing. Each episode is one identity (rule, target, start), however often its
 * records are read, because that identity is what the pipeline deduplicates on.
 */
class ConsumerGroupTest {

    static EmbeddedKafkaBroker broker;
    static RuleSet rules;

    @BeforeAll
    static void broker() throws Exception {
        broker = EmbeddedKafkaBroker.start();
        rules = RuleSetAssembler.assemble(List.of(RuleFileParser.parse("signals.yaml", """
                rules:
                  - name: restarts
                    signal: {kind: pod-restarts, window: 15m, lateness: 30s, op: ">", bound: 3}
                    target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.deployment }}"}
                    scenario: immediate-rollback
                """)), Instant.now()).ruleSet();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    /** Not caught by the consumer (it restarts on exceptions): ends its thread like a kill. */
    static final class Killed extends Error {
    }

    private record Running(SignalConsumer consumer, Thread thread) {
        void stop() throws InterruptedException {
            consumer.stop();
            thread.join(10_000);
        }
    }

    private static Running start(String topic, String group, String name, Consumer<SignalWindows.Match> handler) {
        SignalConsumer c = new SignalConsumer(KafkaIngestBench.kafka(broker.bootstrapServers(), topic, group), name, () -> rules,
                new SignalParser(new ObjectMapper()), handler::accept, new SignalConsumer.Counters() {
                    @Override
                    public void records(String result, long count) {
                    }

                    @Override
                    public void deadLetter(PoisonRecord.Reason reason) {
                    }
                }, Clock.systemUTC());
        Thread t = new Thread(c, name);
        t.start();
        return new Running(c, t);
    }

    private static void restarts(String topic, List<String> deployments, Instant from, int count) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers(),
                "key.serializer", StringSerializer.class, "value.serializer", StringSerializer.class))) {
            for (String d : deployments) {
                for (int i = 0; i < count; i++) {
                    producer.send(new ProducerRecord<>(topic, "shop/" + d, "{\"type\":\"pod-restart\",\"namespace\":\"shop\",\"deployment\":\"" + d
                            + "\",\"time\":\"" + from.plusSeconds(i) + "\"}")).get();
                }
            }
        }
    }

    /** Firing identities decided: target and start of crossing. */
    private static Set<String> episodes(List<SignalWindows.Match> decided) {
        return decided.stream().filter(m -> m.emission().firing()).map(m -> m.signal().targetKey() + "@" + m.emission().firingSince())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> targets(List<SignalWindows.Match> decided) {
        return decided.stream().filter(m -> m.emission().firing()).map(m -> m.signal().targetKey()).collect(Collectors.toSet());
    }

    @Test
    void aThirdConsumerJoiningMidEpisodeLeavesOneIdentityPerEpisode() throws Exception {
        String topic = "group.join";
        broker.createTopics(6, topic, topic + ".dlq");
        List<String> services = List.of("a", "b", "c", "d", "e", "f", "g", "h");
        List<SignalWindows.Match> decided = new CopyOnWriteArrayList<>();
        List<Running> members = new ArrayList<>(List.of(start(topic, "join", "join-1", decided::add), start(topic, "join", "join-2", decided::add)));
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> members.stream().mapToInt(m -> m.consumer().assignedPartitions()).sum() == 6);
            Instant t = Instant.now().minusSeconds(120);
            restarts(topic, services, t, 4); // every service crosses (4 > 3)
            await().atMost(Duration.ofSeconds(30)).until(() -> targets(decided).size() == services.size());
            members.add(start(topic, "join", "join-3", decided::add));
            await().atMost(Duration.ofSeconds(60)).until(() -> members.get(2).consumer().assignedPartitions() > 0
                    && members.stream().mapToInt(m -> m.consumer().assignedPartitions()).sum() == 6);
            // Still crashing after the rebalance: the windows moved with their partitions and keep their start.
            restarts(topic, services, t.plusSeconds(10), 4);
            Thread.sleep(3000);
            Set<String> episodes = episodes(decided);
            assertEquals(services.size(), episodes.size(), "one identity per service across the rebalance: " + episodes);
        } finally {
            for (Running m : members) {
                m.stop();
            }
        }
    }

    @Test
    void aConsumerThatDiesAfterDecidingButBeforeCommittingIsReplacedWithTheSameDecisions() throws Exception {
        String topic = "group.kill";
        broker.createTopics(1, topic, topic + ".dlq");
        Instant t = Instant.now().minusSeconds(120);
        restarts(topic, List.of("a"), t, 4);
        // Without a crash.
        List<SignalWindows.Match> clean = new CopyOnWriteArrayList<>();
        Running reference = start(topic, "reference", "reference", clean::add);
        await().atMost(Duration.ofSeconds(30)).until(() -> !episodes(clean).isEmpty());
        reference.stop();

        // The same records, a consumer that dies right after its first decision, before the batch is committed.
        List<SignalWindows.Match> decided = new CopyOnWriteArrayList<>();
        Running victim = start(topic, "crashing", "victim", m -> {
            decided.add(m);
            throw new Killed(); // an Error ends the thread as a kill would: nothing after it runs, nothing is committed
        });
        victim.thread().join(30_000);
        assertEquals(1, decided.size(), "the victim decided once and died");
        Running successor = start(topic, "crashing", "successor", decided::add);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> decided.size() >= 2);
            assertEquals(episodes(clean), episodes(decided), "re-read and decided again with the same identity, which the pipeline deduplicates");
        } finally {
            successor.stop();
        }
    }
}
