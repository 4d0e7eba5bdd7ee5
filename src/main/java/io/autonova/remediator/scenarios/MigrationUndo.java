package io.autonova.remediator.scenarios;

import io.autonova.remediator.cluster.ApiFailure;
import io.autonova.remediator.engine.EngineOutput;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.autonova.remediator.domain.Durations;
import io.autonova.remediator.domain.Hashes;
import io.autonova.remediator.domain.Json;
import io.autonova.remediator.domain.Target;
import io.autonova.remediator.engine.FailureReason;
import io.autonova.remediator.engine.RunContext;
import io.autonova.remediator.engine.StepHandler;
import io.autonova.remediator.engine.StepResult;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.autonova.remediator.scenarios.RollbackSteps.out;

/**
 * The migration undo of runbook scenario 4: where it comes from (the release being rolled back ships it, or
 * the rule gives image and command), the Job that runs it (named from the record, so a retried step finds it),
 * and its outcome with its log kept in the record.
 */
final class MigrationUndo {

    static final String PLAN_MIGRATION = "plan-migration-undo";
    static final String RUN_UNDO = "run-migration-undo";
    static final String WAIT_UNDO = "wait-migration-undo";
    static final String STOP_UNDO = "stop-migration-undo";
    static final String SCHEMA_NOTE = "schema-left-as-is";
    /** A suspended Job labelled with this (value: the Deployment) is the release's own undo. */
    static final String UNDO_FOR_LABEL = io.autonova.remediator.cluster.ReleaseHistory.MIGRATION_UNDO_FOR;
    /** ...and says which release it undoes: the image it belongs to. */
    static final String UNDOES_IMAGE = io.autonova.remediator.cluster.ReleaseHistory.UNDOES_IMAGE;
    static final String REMEDIATION_LABEL = "autonova.io/remediation";
    static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
    static final int LOG_BYTES = 8192;

    private MigrationUndo() {
    }

    static String jobName(RunContext ctx) {
        return "autonova-undo-" + Hashes.sha256Hex(ctx.record().name);
    }

    static Duration timeout(RunContext ctx) {
        String t = ctx.parameters().get("migrationTimeout");
        return t == null ? DEFAULT_TIMEOUT : Durations.parse(t);
    }

    /**
     * How long the wait gives the Job: never less than the Job's own deadline (a release's Job may carry a longer one
     * than the rule's timeout), plus time for the Job controller to say it is over.
     */
    static Duration waitDeadline(RunContext ctx) {
        Duration job = timeout(ctx);
        String planned = ctx.output(PLAN_MIGRATION, "job");
        if (planned != null) {
            try {
                Long seconds = Json.MAPPER.readValue(planned, Job.class).getSpec().getActiveDeadlineSeconds();
                if (seconds != null && Duration.ofSeconds(seconds).compareTo(job) > 0) {
                    job = Duration.ofSeconds(seconds);
                }
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        return job.plusMinutes(2);
    }

    static boolean undoPlanned(RunContext ctx) {
        return "undo".equals(ctx.output(PLAN_MIGRATION, "mode"));
    }

    /** Finds the undo; with none, rolls the app back alone only when the rule says the schema is backward compatible. */
    static final StepHandler PLAN_UNDO = RollbackSteps.reader(PLAN_MIGRATION, ctx -> {
        Target t = ctx.target();
        Deployment d = ctx.cluster().deployment(t.namespace(), t.deployment()).orElse(null);
        if (d == null) {
            return StepResult.fail(FailureReason.TARGET_NOT_FOUND, "deployment " + t.key() + " not found");
        }
        List<String> images = d.getSpec().getTemplate().getSpec().getContainers().stream().map(Container::getImage).toList();
        boolean reversible = "true".equals(ctx.parameters().get("reversible"));
        boolean compatible = "true".equals(ctx.parameters().get("backwardCompatible"));
        String why;
        if (reversible && ctx.parameters().containsKey("undoImage")) {
            Job job = fromRule(ctx, d);
            return planned(job, "the rule's undo: image " + job.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()
                    + ", command '" + ctx.parameters().get("undoCommand") + "'");
        } else if (reversible) {
            List<Job> shipped = shippedUndos(ctx, d);
            if (shipped.size() == 1) {
                return planned(fromRelease(ctx, shipped.get(0)), "the undo Job the release ships: " + t.namespace() + "/" + shipped.get(0).getMetadata().getName()
                        + " (for image " + annotation(shipped.get(0), UNDOES_IMAGE) + ")");
            }
            why = shipped.isEmpty() ? "the release being rolled back (" + String.join(", ", images) + ") ships no suspended Job labelled "
                    + UNDO_FOR_LABEL + "=" + t.deployment() + " and annotated " + UNDOES_IMAGE + " with its image"
                    : shipped.size() + " undo Jobs claim to undo this release (" + shipped.stream().map(j -> j.getMetadata().getName()).toList() + ")";
        } else {
            why = "the rule marks the migration reversible: false";
        }
        if (compatible) {
            return StepResult.done("no migration undo (" + why + "); the rule says the schema is backward compatible: rolling the app back alone",
                    out("mode", "app-only", "why", why));
        }
        return StepResult.fail(FailureReason.MIGRATION_NOT_REVERSIBLE, "no migration undo (" + why + ") and the rule does not say the schema is "
                + "backward compatible: nothing was changed, the current version keeps running, the target waits for a human");
    });

    /** The suspended Jobs that say they undo the release the Deployment runs. */
    private static List<Job> shippedUndos(RunContext ctx, Deployment d) {
        List<String> images = d.getSpec().getTemplate().getSpec().getContainers().stream().map(Container::getImage).toList();
        return ctx.cluster().jobs(ctx.target().namespace(), Map.of(UNDO_FOR_LABEL, ctx.target().deployment())).stream()
                .filter(j -> io.autonova.remediator.cluster.ReleaseHistory.undoes(j, ctx.target().deployment(), images)).toList();
    }

    /** The record keeps the Job with its environment values redacted (they may be credentials); it is made again to run. */
    private static StepResult planned(Job job, String source) {
        return StepResult.done("undo the migration with " + source, out("mode", "undo", "source", source, "job", io.autonova.remediator.domain.Redaction.envValuesJson(job)));
    }

    /**
     * The planned Job made again from the cluster (the record holds it redacted), or null when it can no longer be made
     * the same: the app's template or the release's undo changed since the plan, and nobody reviewed what would run now.
     */
    static Job again(RunContext ctx) {
        Target t = ctx.target();
        Deployment d = ctx.cluster().deployment(t.namespace(), t.deployment()).orElse(null);
        if (d == null) {
            return null;
        }
        Job job;
        if (ctx.parameters().containsKey("undoImage")) {
            job = fromRule(ctx, d);
        } else {
            List<Job> shipped = shippedUndos(ctx, d);
            if (shipped.size() != 1) {
                return null;
            }
            job = fromRelease(ctx, shipped.get(0));
        }
        return io.autonova.remediator.domain.Redaction.envValuesJson(job).equals(ctx.output(PLAN_MIGRATION, "job")) ? job : null;
    }

    private static String annotation(Job j, String key) {
        return j.getMetadata().getAnnotations() == null ? null : j.getMetadata().getAnnotations().get(key);
    }

    /** A Job from the rule's image and command; it gets the app container's environment (database credentials). */
    static Job fromRule(RunContext ctx, Deployment d) {
        PodSpec app = d.getSpec().getTemplate().getSpec();
        Container first = app.getContainers().get(0);
        String image = "current".equals(ctx.parameters().get("undoImage")) ? first.getImage() : ctx.parameters().get("undoImage");
        Container c = new Container();
        c.setName("migration-undo");
        c.setImage(image);
        c.setCommand(Arrays.asList(ctx.parameters().get("undoCommand").trim().split("\\s+")));
        c.setEnv(first.getEnv());
        c.setEnvFrom(first.getEnvFrom());
        PodTemplateSpec template = new PodTemplateSpec();
        template.setSpec(new PodSpec());
        template.getSpec().setContainers(List.of(c));
        template.getSpec().setServiceAccountName(app.getServiceAccountName());
        template.getSpec().setImagePullSecrets(app.getImagePullSecrets());
        return job(ctx, template, null);
    }

    /** The release's suspended Job, unsuspended under the run's name; generated selector and labels dropped. */
    static Job fromRelease(RunContext ctx, Job shipped) {
        PodTemplateSpec template = Json.MAPPER.convertValue(shipped.getSpec().getTemplate(), PodTemplateSpec.class);
        if (template.getMetadata() != null && template.getMetadata().getLabels() != null) {
            Map<String, String> labels = new LinkedHashMap<>(template.getMetadata().getLabels());
            labels.keySet().removeIf(k -> k.equals("controller-uid") || k.equals("job-name") || k.startsWith("batch.kubernetes.io/"));
            template.getMetadata().setLabels(labels);
        }
        // The release's own pod failure policy is not kept: an Ignore or Count rule would let the undo run a second time.
        return job(ctx, template, shipped.getSpec().getActiveDeadlineSeconds());
    }

    /**
     * No retry (a half-applied undo must not run twice), a deadline, and a pod failure policy that fails the Job at
     * once on a non-zero exit and on a disruption (a drain, an eviction, a preemption): a disrupted undo may have
     * applied part of its change, so it is never started again by itself; the run fails and the target is held.
     */
    private static Job job(RunContext ctx, PodTemplateSpec template, Long deadline) {
        Map<String, String> labels = Map.of(REMEDIATION_LABEL, ctx.record().name, "app.kubernetes.io/managed-by", "autonova-remediator");
        if (template.getMetadata() == null) {
            template.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMeta());
        }
        Map<String, String> podLabels = new LinkedHashMap<>(template.getMetadata().getLabels() == null ? Map.of() : template.getMetadata().getLabels());
        podLabels.putAll(labels);
        template.getMetadata().setLabels(podLabels);
        template.getSpec().setRestartPolicy("Never");
        return new JobBuilder().withNewMetadata().withName(jobName(ctx)).withNamespace(ctx.target().namespace()).withLabels(labels)
                .addToAnnotations("autonova.io/undoes-deployment", ctx.target().key()).endMetadata()
                .withNewSpec().withBackoffLimit(0).withActiveDeadlineSeconds(deadline != null ? deadline : timeout(ctx).toSeconds())
                .withPodFailurePolicy(new PodFailurePolicyBuilder()
                        .addNewRule().withAction("FailJob").addNewOnPodCondition().withType("DisruptionTarget").withStatus("True").endOnPodCondition().endRule()
                        .addNewRule().withAction("FailJob").withNewOnExitCodes().withOperator("NotIn").withValues(0).endOnExitCodes().endRule()
                        .build())
                .withTemplate(template).endSpec().build();
    }

    /** Creates the Job once: a retry (or another replica) finds it by its derived name. */
    static final StepHandler RUN = new StepHandler() {
        @Override
        public String name() {
            return RUN_UNDO;
        }

        @Override
        public Map<String, String> prepare(RunContext ctx) {
            return out("job", jobName(ctx), EngineOutput.HOLD_ON_FAILURE.key(), "the migration undo Job " + ctx.target().namespace() + "/" + jobName(ctx)
                    + " was started: the schema may be partly undone");
        }

        @Override
        public StepResult act(RunContext ctx, Map<String, String> inputs) {
            String ns = ctx.target().namespace();
            String name = jobName(ctx);
            Job existing = ctx.cluster().job(ns, name).orElse(null);
            if (existing != null) {
                return ours(existing, ctx) ? StepResult.done("migration undo Job " + ns + "/" + name + " already started")
                        : StepResult.fail(FailureReason.MIGRATION_UNDO_FAILED, "a Job named " + ns + "/" + name + " exists and is not this run's");
            }
            Job job = again(ctx);
            if (job == null) {
                return StepResult.fail(FailureReason.NEWER_DEPLOY, "the migration undo planned for " + ctx.target().key() + " can no longer be made the "
                        + "same (the app or the release's undo Job changed since the plan): not running an undo nobody reviewed");
            }
            try {
                ctx.cluster().createJob(job);
            } catch (KubernetesClientException e) {
                if (ApiFailure.of(e) != ApiFailure.CONFLICT) { // 409: it exists already
                    throw e;
                }
            }
            return StepResult.done("created Job " + ns + "/" + name + " to undo the migration with " + ctx.output(PLAN_MIGRATION, "source"));
        }
    };

    private static boolean ours(Job j, RunContext ctx) {
        return j.getMetadata().getLabels() != null && ctx.record().name.equals(j.getMetadata().getLabels().get(REMEDIATION_LABEL));
    }

    /** Waits for Complete or Failed (FailureTarget counts as failed); keeps the pods' log in the record either way. */
    static final StepHandler WAIT = RollbackSteps.reader(WAIT_UNDO, MigrationUndo::waitDeadline, ctx -> {
        String ns = ctx.target().namespace();
        String name = jobName(ctx);
        Job job = ctx.cluster().job(ns, name).orElse(null);
        if (job == null) {
            return StepResult.fail(FailureReason.MIGRATION_UNDO_FAILED, "Job " + ns + "/" + name + " disappeared before its result was read");
        }
        String failed = condition(job, "Failed");
        if (failed == null) {
            failed = condition(job, "FailureTarget");
        }
        if (failed != null) {
            return StepResult.fail(FailureReason.MIGRATION_UNDO_FAILED, "migration undo Job " + ns + "/" + name + " failed: " + failed, out("log", logs(ctx, ns, name)));
        }
        if (condition(job, "Complete") != null) {
            return StepResult.done("migration undo Job " + ns + "/" + name + " completed", out("log", logs(ctx, ns, name)));
        }
        return StepResult.waiting("migration undo Job " + ns + "/" + name + " running");
    });

    /**
     * The compensation of {@link #RUN}: an undo still running is stopped (the Job deleted with foreground propagation)
     * and its pods are waited out before anything scales the app back up; the app must never start on a schema being
     * changed. A finished Job is left for inspection. The run's target is held either way (see {@link #RUN}'s input).
     */
    static final StepHandler STOP = new StepHandler() {
        @Override
        public String name() {
            return STOP_UNDO;
        }

        @Override
        public Duration deadline(RunContext ctx) {
            return Duration.ofMinutes(5);
        }

        @Override
        public StepResult act(RunContext ctx, Map<String, String> inputs) {
            String ns = ctx.target().namespace();
            String name = jobName(ctx);
            Job job = ctx.cluster().job(ns, name).orElse(null);
            if (job != null && !ours(job, ctx)) {
                return StepResult.done("the Job named " + ns + "/" + name + " is not this run's: left alone");
            }
            if (job != null && job.getMetadata().getDeletionTimestamp() == null) {
                String over = condition(job, "Complete") != null ? "Complete" : condition(job, "Failed") != null ? "Failed" : null;
                if (over != null) {
                    return StepResult.done("migration undo Job " + ns + "/" + name + " had already finished (" + over + "): nothing to stop");
                }
                ctx.cluster().deleteJob(ns, name);
                return StepResult.waiting("deleted migration undo Job " + ns + "/" + name + " (foreground): waiting for its pods to go before the app "
                        + "scales back up", Duration.ofSeconds(1), Map.of());
            }
            int left = jobPods(ctx, ns, name).size();
            if (job == null && left == 0) {
                return StepResult.done("migration undo Job " + ns + "/" + name + " stopped: no pod of it is left");
            }
            return StepResult.waiting(left + " pod(s) of migration undo Job " + ns + "/" + name + " still there; the app stays stopped until they are gone",
                    Duration.ofSeconds(1), Map.of());
        }
    };

    private static List<io.fabric8.kubernetes.api.model.Pod> jobPods(RunContext ctx, String ns, String job) {
        var pods = ctx.cluster().pods(ns, Map.of("batch.kubernetes.io/job-name", job));
        return pods.isEmpty() ? ctx.cluster().pods(ns, Map.of("job-name", job)) : pods;
    }

    /** The reason and message of a True condition of that type, or null. */
    private static String condition(Job job, String type) {
        if (job.getStatus() == null || job.getStatus().getConditions() == null) {
            return null;
        }
        for (JobCondition c : job.getStatus().getConditions()) {
            if (type.equals(c.getType()) && "True".equals(c.getStatus())) {
                return (c.getReason() == null ? type : c.getReason()) + (c.getMessage() == null ? "" : ": " + c.getMessage());
            }
        }
        return null;
    }

    /** The tail of each of the Job's pods' log (at most 3 pods), read before a TTL can remove them. */
    private static String logs(RunContext ctx, String ns, String job) {
        List<String> parts = new ArrayList<>();
        var pods = jobPods(ctx, ns, job);
        for (var p : pods.stream().limit(3).toList()) {
            String log;
            try {
                log = ctx.cluster().podLog(ns, p.getMetadata().getName(), LOG_BYTES);
            } catch (KubernetesClientException e) {
                log = "(log not readable: " + e.getMessage() + ")";
            }
            // A migration tool may print its connection string: kept in the record, so redacted.
            parts.add("--- pod " + p.getMetadata().getName() + "\n" + io.autonova.remediator.domain.Redaction.text(log));
        }
        return parts.isEmpty() ? "(no pod of the Job left to read a log from)" : String.join("\n", parts);
    }

    /** Records that the schema stays at the new version (the rule says the old app can use it). */
    static final StepHandler NOTE = RollbackSteps.reader(SCHEMA_NOTE, ctx -> {
        String s = "the migration of " + ctx.target().key() + " was not undone (" + ctx.output(PLAN_MIGRATION, "why")
                + "); the schema stays at the new version, which the rule says the previous release can use";
        return StepResult.done(s, out(EngineOutput.HUMAN_ACTION.key(), s));
    });
}
