package io.autonova.remediator.scenarios;

import io.autonova.remediator.cluster.DryRunClusterActions;
import io.autonova.remediator.domain.Durations;
import io.autonova.remediator.engine.EngineOutput;
import io.autonova.remediator.engine.FailureReason;
import io.autonova.remediator.engine.RunContext;
import io.autonova.remediator.engine.StepHandler;
import io.autonova.remediator.engine.StepResult;
import io.autonova.remediator.peers.GitOps;
import io.autonova.remediator.peers.GitRemote;
import io.autonova.remediator.peers.PullRequests;
import io.autonova.remediator.rules.Scenario;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.autonova.remediator.scenarios.RollbackSteps.*;

/**
 * Git follows an Argo CD rollback ({@code gitops: {mode: pull-request | push}}): once the rollback verified, the
 * application's folder is reverted in Git to the good commit (a pull/merge request, or a push to the tracked branch);
 * automated sync stays off until the tracked branch and Argo CD's comparison hold the revert, then the saved policy is
 * put back and the run records when Git and the cluster agreed. Every step is idempotent: the revert commit carries
 * the record's name as a trailer and the request is looked up by its branch before one is opened.
 */
final class GitFollows {

    static final String PLAN_GIT = "plan-git-revert";
    static final String WRITE_REVERT = "write-git-revert";
    static final String OPEN_REQUEST = "open-pull-request";
    static final String AWAIT_GIT = "await-git-revert";
    static final String RESTORE_AFTER_GIT = "restore-argo-auto-sync-after-git";
    static final String AWAIT_AGREEMENT = "await-argo-git-agreement";

    static final Duration DEFAULT_MERGE_TIMEOUT = Duration.ofHours(24);
    /** How long an unreachable Git server is retried before the write-back gives up (and the target is held). */
    static final Duration UNREACHABLE_FOR = Duration.ofMinutes(15);

    private GitFollows() {
    }

    /** Git and the provider are asked at this pace while a merge is awaited (each look fetches the repository). */
    private static Duration poll(RunContext ctx) {
        return ctx.gitops() == null ? Duration.ofSeconds(30) : ctx.gitops().pollInterval();
    }

    static String mode(RunContext ctx) {
        return ctx.parameters().get(Scenario.GITOPS_MODE);
    }

    static boolean wanted(RunContext ctx) {
        return mode(ctx) != null;
    }

    static List<StepHandler> steps(RunContext ctx) {
        return "push".equals(mode(ctx)) ? List.of(PLAN, WRITE, AWAIT, RESTORE, AGREED) : List.of(PLAN, WRITE, REQUEST, AWAIT, RESTORE, AGREED);
    }

    static List<String[]> outline(RunContext ctx) {
        boolean push = "push".equals(mode(ctx));
        return List.of(
                new String[]{PLAN_GIT, "if Argo CD manages it (else Git is not involved): read the Application's Git source and tracked branch; "
                        + "the bad and good commits come from its history"},
                new String[]{WRITE_REVERT, "restore the application's folder to the good commit as one revert commit on top of the tracked branch, "
                        + (push ? "pushed to the branch (only if it has not moved)" : "pushed to branch " + branch(ctx))},
                push ? null : new String[]{OPEN_REQUEST, "open (or find) the pull/merge request into the tracked branch, linking this run"},
                new String[]{AWAIT_GIT, "wait up to " + Durations.format(mergeTimeout(ctx)) + " for the tracked branch to hold the revert; closed "
                        + "unmerged, or a newer commit to the folder first: the target waits for a human, automated sync stays off"},
                new String[]{RESTORE_AFTER_GIT, "once Argo CD compares against a commit holding the revert, put the saved automated sync policy back"},
                new String[]{AWAIT_AGREEMENT, "wait for Argo CD to report Synced on that commit; record when Git and the cluster agreed"})
                .stream().filter(l -> l != null).toList();
    }

    static String branch(RunContext ctx) {
        return "autonova/revert-" + ctx.record().name;
    }

    static Duration mergeTimeout(RunContext ctx) {
        String t = ctx.parameters().get(Scenario.GITOPS_MERGE_TIMEOUT);
        return t == null ? DEFAULT_MERGE_TIMEOUT : Durations.parse(t);
    }

    private static StepResult refused(String message) {
        return handOver(FailureReason.GIT_WRITE_BACK_REFUSED, message + "; automated sync stays off until Git is fixed by hand", message);
    }

    /** Ends the run for a human: Git still disagrees with the cluster, and {@code human} says what to do. */
    private static StepResult handOver(FailureReason reason, String message, String human) {
        return StepResult.fail(reason, message, out(EngineOutput.HUMAN_ACTION.key(), human, EngineOutput.GIT_MUST_FOLLOW.key(), "true"));
    }

    private static boolean dryRun(RunContext ctx) {
        return ctx.cluster() instanceof DryRunClusterActions;
    }

    /** A Git server or provider that does not answer: tried again until {@link #UNREACHABLE_FOR} after the step began. */
    private static StepResult unreachable(RunContext ctx, String step, IOException e) {
        if (ctx.now().isAfter(ctx.startedAt(step).plus(UNREACHABLE_FOR))) {
            return refused("Git or its provider kept failing for " + Durations.format(UNREACHABLE_FOR) + ": " + text(e));
        }
        return StepResult.waiting("Git or its provider failed, trying again: " + text(e), poll(ctx), Map.of());
    }

    private static String planned(RunContext ctx, String key) {
        return ctx.output(PLAN_GIT, key);
    }

    /** Reads the Application's source: the repository, folder and branch; the bad and good commits from the rollback's plan. */
    static final StepHandler PLAN = reader(PLAN_GIT, ctx -> {
        GitOps g = ctx.gitops();
        if (g == null) {
            return refused("the rule asks for gitops " + mode(ctx) + " but Git write-back is not configured here (remediator.gitops.repositories)");
        }
        Map<String, Object> app = application(ctx);
        if (app == null) {
            return applicationGone(ctx);
        }
        Optional<ArgoCd.Source> src = ArgoCd.gitSource(app);
        if (src.isEmpty()) {
            return refused("application " + argoApp(ctx) + " has no single Git source (multi-source or Helm repository): its Git is left to a human");
        }
        if (!g.allows(src.get().repoURL())) {
            return refused("repository " + src.get().repoURL() + " is not among those this service may write (remediator.gitops.repositories)");
        }
        String bad = ctx.output(RollbackSteps.PLAN_ARGO, EngineOutput.REVISION_FROM.key());
        String good = ctx.output(RollbackSteps.PLAN_ARGO, EngineOutput.REVISION_TO.key());
        try {
            String branch = g.git().branchOf(src.get().repoURL(), src.get().targetRevision());
            return StepResult.done("revert " + GitRemote.describePath(src.get().path()) + " of " + src.get().repoURL() + " on branch " + branch + " from "
                            + GitRemote.shortSha(bad) + " back to " + GitRemote.shortSha(good),
                    out("repoURL", src.get().repoURL(), "path", src.get().path(), "branch", branch, "bad", bad, "good", good));
        } catch (GitRemote.GitRefused e) {
            return refused(e.getMessage());
        } catch (IOException e) {
            return unreachable(ctx, PLAN_GIT, e);
        }
    });

    /** Writes the revert commit and pushes it; a retry finds the commit by its trailer and does not write a second one. */
    static final StepHandler WRITE = writer(WRITE_REVERT, (ctx, inputs) -> {
        String url = planned(ctx, "repoURL");
        String tracked = planned(ctx, "branch");
        String pushTo = "push".equals(mode(ctx)) ? null : branch(ctx);
        if (dryRun(ctx)) {
            return StepResult.done("dry-run: would push a revert of " + GitRemote.describePath(planned(ctx, "path")) + " to " + (pushTo == null ? tracked : pushTo));
        }
        String message = "Revert " + argoApp(ctx) + " to " + GitRemote.shortSha(planned(ctx, "good")) + " after an automatic rollback\n\n"
                + "autonova-remediator rolled Argo CD application " + argoApp(ctx) + " back from " + planned(ctx, "bad") + " to "
                + planned(ctx, "good") + " (deployment " + ctx.target().key() + ", remediation " + ctx.record().name + ", alert "
                + ctx.record().spec.trigger.alertname + ").\nThis commit restores " + GitRemote.describePath(planned(ctx, "path")) + " so that Git says what the cluster runs.";
        try {
            GitRemote.Revert r = ctx.gitops().git().revert(url, tracked, planned(ctx, "path"), planned(ctx, "good"), planned(ctx, "bad"), pushTo,
                    message, ctx.record().name);
            return StepResult.done((r.alreadyThere() ? "found revert " : "pushed revert ") + GitRemote.shortSha(r.commit()) + " on " + r.branch()
                            + (r.reverted().isEmpty() ? "" : " (reverts " + r.reverted().size() + " commit(s))"),
                    out("revertCommit", r.commit(), "pushedTo", r.branch(), EngineOutput.COMMITTED.key(), "true"));
        } catch (GitRemote.GitRefused e) {
            return refused(e.getMessage());
        } catch (IOException e) {
            return unreachable(ctx, WRITE_REVERT, e);
        }
    });

    /** Opens the pull/merge request, or finds the one this run opened before a crash. */
    static final StepHandler REQUEST = writer(OPEN_REQUEST, (ctx, inputs) -> {
        if (dryRun(ctx)) {
            return StepResult.done("dry-run: would open a pull request from " + branch(ctx) + " into " + planned(ctx, "branch"));
        }
        PullRequests pr = ctx.gitops().requests();
        String url = planned(ctx, "repoURL");
        try {
            Optional<PullRequests.Request> found = pr.find(url, branch(ctx), planned(ctx, "branch"));
            PullRequests.Request r = found.isPresent() ? found.get()
                    : pr.open(url, branch(ctx), planned(ctx, "branch"), "Revert " + argoApp(ctx) + " to " + GitRemote.shortSha(planned(ctx, "good"))
                    + " (automatic rollback " + ctx.record().name + ")", requestBody(ctx));
            return StepResult.done((found.isPresent() ? "found " : "opened ") + "request #" + r.number() + (r.url() == null ? "" : " " + r.url()),
                    out("requestNumber", String.valueOf(r.number()), "requestUrl", r.url()));
        } catch (IllegalArgumentException e) {
            return refused(e.getMessage());
        } catch (PullRequests.ProviderError e) {
            if (e.status >= 400 && e.status < 500 && e.status != 429 && e.status != 408) {
                return refused("the provider refused the pull request: " + e.getMessage());
            }
            return unreachable(ctx, OPEN_REQUEST, e);
        } catch (IOException e) {
            return unreachable(ctx, OPEN_REQUEST, e);
        }
    });

    static String requestBody(RunContext ctx) {
        StringBuilder b = new StringBuilder();
        b.append("autonova-remediator rolled back Argo CD application `").append(argoApp(ctx)).append("` (deployment `")
                .append(ctx.target().key()).append("`) from `").append(planned(ctx, "bad")).append("` to `").append(planned(ctx, "good"))
                .append("` after alert `").append(ctx.record().spec.trigger.alertname).append("`.\n\n");
        b.append("This restores `").append(planned(ctx, "path").isEmpty() ? "/" : planned(ctx, "path"))
                .append("` to the good commit, so that Git says what the cluster runs. Automated sync of the application stays off until ")
                .append("this is merged and Argo CD has compared against it; then the service turns it back on with the policy it saved.\n\n");
        b.append("- Remediation: `").append(ctx.record().name).append("` (`kubectl get remediation ").append(ctx.record().name).append("`)\n");
        b.append("- Incident report: `/api/v1/remediations/").append(ctx.record().name).append("/report`\n");
        b.append("- Commit: `").append(ctx.output(WRITE_REVERT, "revertCommit")).append("`\n\n");
        b.append("Closing this without merging holds the target for a human: automated sync stays off.\n");
        return b.toString();
    }

    /** Waits until the tracked branch holds the revert (merged, or pushed); a closed request or a newer change hands over to a human. */
    static final StepHandler AWAIT = reader(AWAIT_GIT, ctx -> {
        if (dryRun(ctx)) {
            return StepResult.waiting("dry-run: would wait for the revert to reach " + planned(ctx, "branch"));
        }
        GitOps g = ctx.gitops();
        String url = planned(ctx, "repoURL");
        try {
            Optional<GitRemote.PathState> state = g.git().pathState(url, planned(ctx, "branch"), planned(ctx, "path"), planned(ctx, "good"), planned(ctx, "bad"));
            if (state.isEmpty()) {
                return refused("branch " + planned(ctx, "branch") + " is gone from " + url);
            }
            if (state.get() == GitRemote.PathState.AT_GOOD) {
                return StepResult.done(planned(ctx, "branch") + " holds the revert of " + GitRemote.describePath(planned(ctx, "path")),
                        out("gitRevertedAt", ctx.now().toString()));
            }
            if (state.get() == GitRemote.PathState.ELSEWHERE) {
                return handOver(FailureReason.GIT_MOVED_ON, "a newer commit on " + planned(ctx, "branch") + " changed "
                        + GitRemote.describePath(planned(ctx, "path")) + " before the revert landed; automated sync stays off", "decide what "
                        + planned(ctx, "branch") + " of " + url + " should deploy for " + argoApp(ctx) + ", then re-enable its automated sync");
            }
            String number = ctx.output(OPEN_REQUEST, "requestNumber");
            if (number != null) {
                PullRequests.Request r = g.requests().read(url, Long.parseLong(number));
                if (r.state() == PullRequests.State.CLOSED) {
                    return handOver(FailureReason.GIT_REQUEST_CLOSED, "request #" + number + " was closed without merging; automated sync stays off",
                            "fix Git for " + argoApp(ctx) + " by hand (request " + (r.url() == null ? "#" + number : r.url())
                                    + " was closed), then re-enable its automated sync");
                }
            }
            if (ctx.now().isAfter(ctx.startedAt(AWAIT_GIT).plus(mergeTimeout(ctx)))) {
                return handOver(FailureReason.GIT_NOT_MERGED, "the revert did not reach " + planned(ctx, "branch") + " within "
                        + Durations.format(mergeTimeout(ctx)) + "; automated sync stays off", "merge " + (number == null ? "the revert" : "request #" + number)
                        + " or fix Git for " + argoApp(ctx) + " by hand, then re-enable its automated sync");
            }
            return StepResult.waiting("waiting for " + planned(ctx, "branch") + " to hold the revert" + (number == null ? "" : " (request #" + number + ")"),
                    poll(ctx), Map.of());
        } catch (GitRemote.GitRefused e) {
            return refused(e.getMessage());
        } catch (IOException e) {
            return StepResult.waiting("Git or its provider failed, looking again: " + text(e), poll(ctx), Map.of());
        }
    });

    /**
     * Puts the saved automated sync policy back once Argo CD compares against a commit that holds the revert (so
     * the sync it starts goes to the revert, not the bad release); asks for a refresh while it does not yet.
     */
    static final StepHandler RESTORE = new StepHandler() {
        @Override
        public String name() {
            return RESTORE_AFTER_GIT;
        }

        @Override
        public Duration deadline(RunContext ctx) {
            return ctx.verifyTimeout().plus(Duration.ofMinutes(5)); // Argo CD compares every 3 minutes unless refreshed
        }

        @Override
        public StepResult act(RunContext ctx, Map<String, String> inputs) {
            if (dryRun(ctx)) {
                return StepResult.done("dry-run: would restore automated sync once Argo CD compares against the revert");
            }
            Map<String, Object> app = application(ctx);
            if (app == null) {
                return applicationGone(ctx);
            }
            String saved = savedAutomatedPolicy(ctx);
            String revision = ArgoCd.sync(app)[0];
            GitRemote.PathState state;
            try {
                state = revision == null ? null : ctx.gitops().git().pathState(planned(ctx, "repoURL"), revision, planned(ctx, "path"),
                        planned(ctx, "good"), planned(ctx, "bad")).orElse(null);
            } catch (GitRemote.GitRefused e) {
                state = null; // not fetched yet on our side: look again
            } catch (IOException e) {
                return StepResult.waiting("Git failed, looking again: " + text(e), poll(ctx), Map.of());
            }
            if (state == GitRemote.PathState.ELSEWHERE) {
                return StepResult.fail(FailureReason.GIT_MOVED_ON, "Argo CD now compares against " + GitRemote.shortSha(revision) + ", which changed "
                        + GitRemote.describePath(planned(ctx, "path")) + " again; automated sync stays off", out(EngineOutput.GIT_MUST_FOLLOW.key(), "true"));
            }
            if (state != GitRemote.PathState.AT_GOOD) {
                ctx.cluster().mergePatchArgoApplication(ctx.argoNamespace(), ctx.output(RESOLVE_TARGET, "argoApplication"), ArgoCd.refreshPatch());
                return StepResult.waiting("Argo CD compares against " + (revision == null ? "nothing yet" : GitRemote.shortSha(revision))
                        + ", not yet a commit holding the revert; refresh asked", Duration.ofSeconds(5), Map.of());
            }
            if (saved.isEmpty()) {
                return StepResult.done("application " + argoApp(ctx) + " had no automated sync: nothing to restore", out("syncRevision", revision));
            }
            if (ArgoCd.automatedSyncPolicy(app).isPresent()) {
                return StepResult.done("automated sync of " + argoApp(ctx) + " is on again", out("syncRevision", revision));
            }
            return StepResult.done(restoreAutomatedPolicy(ctx, saved) + ": Git holds the revert (" + GitRemote.shortSha(revision)
                    + "), automated sync " + saved + " restored", out("syncRevision", revision));
        }
    };

    /** Waits until Argo CD reports the application Synced on a commit holding the revert: Git and the cluster agree again. */
    static final StepHandler AGREED = reader(AWAIT_AGREEMENT, RunContext::verifyTimeout, ctx -> {
        if (dryRun(ctx)) {
            return StepResult.waiting("dry-run: would wait for Argo CD to report Synced on the revert");
        }
        Map<String, Object> app = application(ctx);
        if (app == null) {
            return applicationGone(ctx);
        }
        String[] sync = ArgoCd.sync(app);
        String[] op = ArgoCd.operationState(app);
        boolean running = op != null && "Running".equals(op[0]);
        if (sync[0] != null && "Synced".equals(sync[1]) && !running) {
            try {
                Optional<GitRemote.PathState> s = ctx.gitops().git().pathState(planned(ctx, "repoURL"), sync[0], planned(ctx, "path"),
                        planned(ctx, "good"), planned(ctx, "bad"));
                if (s.orElse(null) == GitRemote.PathState.AT_GOOD) {
                    Instant at = ctx.now();
                    return StepResult.done("Git and the cluster agree again at " + GitRemote.shortSha(sync[0]) + " (" + at + ")",
                            out("gitAgreedAt", at.toString(), "agreedRevision", sync[0], EngineOutput.GIT_MUST_FOLLOW.key(), "false"));
                }
            } catch (GitRemote.GitRefused | IOException e) {
                return StepResult.waiting("Git failed, looking again: " + text(e), poll(ctx), Map.of());
            }
        }
        return StepResult.waiting("Argo CD reports " + sync[1] + " at " + (sync[0] == null ? "no revision" : GitRemote.shortSha(sync[0])), Duration.ofSeconds(5), Map.of());
    });

    /** An I/O failure as one line, without credentials a transport may echo. */
    private static String text(Exception e) {
        return GitRemote.scrub(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }
}
