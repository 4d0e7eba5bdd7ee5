package io.autonova.remediator.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.autonova.remediator.domain.Signal;
import io.autonova.remediator.ingest.kafka.SignalParser;
import io.autonova.remediator.rules.RuleFileParser;
import io.autonova.remediator.rules.RuleSet;
import io.autonova.remediator.rules.RuleSetAssembler;
import io.autonova.remediator.rules.SignalWindows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Where the per-event CPU goes, without Kafka: parse only, then parse + window. Prints ns/event. */
public final class ParseWindowProfile {
    public static void main(String[] args) throws Exception {
        RuleSet rules = RuleSetAssembler.assemble(List.of(RuleFileParser.parse("s", Files.readString(Path.of("rules/signals.yaml")))), Instant.now()).ruleSet();
        SignalParser parser = new SignalParser(new ObjectMapper());
        int n = 200_000;
        byte[][] events = new byte[n][];
        Instant base = Instant.now().minusSeconds(200);
        for (int i = 0; i < n; i++) {
            events[i] = ("{\"type\":\"request-sample\",\"namespace\":\"bench\",\"deployment\":\"svc-" + (i % 1000) + "\",\"time\":\""
                    + base.plusMillis(i) + "\",\"requests\":100,\"errors\":1}").getBytes(StandardCharsets.UTF_8);
        }
        Instant now = Instant.now();
        Signal[] parsed = new Signal[n];
        for (int i = 0; i < n; i++) {
            parsed[i] = parser.parse(events[i], Map.of(), now).get();
        }
        for (int round = 0; round < 12; round++) {
            long t0 = System.nanoTime();
            long sink = 0;
            for (byte[] e : events) {
                sink += parser.parse(e, Map.of(), now).get().requests();
            }
            long t1 = System.nanoTime();
            SignalWindows w = new SignalWindows();
            for (Signal s : parsed) {
                sink += w.accept(s, rules.signalRules(), true).size();
            }
            long t2 = System.nanoTime();
            System.out.printf("parse %d ns/event, window %d ns/event (%d)%n", (t1 - t0) / n, (t2 - t1) / n, sink);
        }
    }
}
