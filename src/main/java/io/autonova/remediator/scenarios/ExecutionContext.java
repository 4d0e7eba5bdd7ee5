package io.autonova.remediator.scenarios;

import io.autonova.remediator.rules.Target;

import java.time.Duration;
import java.util.Map;

/** What a scenario sees of the remediation it runs: its target, its parameters, the cluster and the record. */
public interface ExecutionContext {

    Target target();

    Map<String, String> parameters();

    ClusterActions cluster();

    String argoNamespace();

    Duration verifyTimeout();

    /** Runs one step, recording its start, end and message; a thrown failure marks the step and the remediation failed. */
    String step(String name, StepBody body);

    void revisions(String from, String to);

    /** Records that Git must be brought in line with what the cluster now runs. */
    void gitMustFollow(String message);

    /** Waits for the poll interval; throws {@link Aborted} when an operator aborted the remediation. */
    void pause();

    /** Throws {@link Aborted} when an operator aborted the remediation. */
    void checkAbort();

    boolean timedOut(long startedNanos);

    @FunctionalInterface
    interface StepBody {
        /** Returns a sentence for the record. */
        String run();
    }

    /** A scenario cannot go on; the message is what the record and the log say. */
    class Failure extends RuntimeException {
        public Failure(String message) {
            super(message);
        }
    }

    /** An operator aborted the remediation. */
    class Aborted extends RuntimeException {
        public Aborted(String message) {
            super(message);
        }
    }
}
