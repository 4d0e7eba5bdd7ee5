package io.autonova.remediator.it;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Instant;
import java.util.Map;

/** Writes signals to the test broker's topic as an exporter would: keyed by target, each send acknowledged before it returns. */
final class SignalProducer implements AutoCloseable {

    private final KafkaProducer<String, String> producer;
    private final String topic;

    /** To the signal topic of the tests' shared broker ({@link KafkaBrokerResource}). */
    SignalProducer() {
        this(KafkaBrokerResource.broker.bootstrapServers(), KafkaBrokerResource.TOPIC);
    }

    SignalProducer(String bootstrapServers, String topic) {
        this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers, ProducerConfig.LINGER_MS_CONFIG, 0),
                new StringSerializer(), new StringSerializer());
        this.topic = topic;
    }

    void send(String ns, String deployment, String json) throws Exception {
        producer.send(new ProducerRecord<>(topic, ns + "/" + deployment, json)).get();
    }

    void sample(String ns, String deployment, Instant time, long requests, long errors) throws Exception {
        send(ns, deployment, "{\"type\":\"request-sample\",\"namespace\":\"" + ns + "\",\"deployment\":\"" + deployment + "\",\"time\":\"" + time
                + "\",\"requests\":" + requests + ",\"errors\":" + errors + "}");
    }

    void restart(String ns, String deployment, Instant time) throws Exception {
        send(ns, deployment, "{\"type\":\"pod-restart\",\"namespace\":\"" + ns + "\",\"deployment\":\"" + deployment + "\",\"time\":\"" + time + "\"}");
    }

    @Override
    public void close() {
        producer.close();
    }
}
