package io.autonova.remediator.peers;

import io.autonova.remediator.fixtures.GitProviderServer;
import io.autonova.remediator.fixtures.GitRepo;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GitHub pull requests and GitLab merge requests, against a local API that checks the documented request shapes. */
class PullRequestsTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(GitProviderServer.Kind.class)
    void opensFindsAndFollowsARequestToItsMerge(GitProviderServer.Kind kind) throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "s3cret\n");
        try (GitProviderServer server = new GitProviderServer(kind, repoWithBranch("autonova/revert-r1"), "team/deploys", "s3cret")) {
            PullRequests pr = client(kind, server, token);
            String url = "https://git.example/team/deploys.git";

            assertEquals(Optional.empty(), pr.find(url, "autonova/revert-r1", "main"));
            PullRequests.Request opened = pr.open(url, "autonova/revert-r1", "main", "Revert web", "body");
            assertEquals(PullRequests.State.OPEN, opened.state());
            assertTrue(opened.url().contains("team/deploys"), opened.url());
            assertEquals(Optional.of(opened), pr.find(url, "autonova/revert-r1", "main"));
            assertEquals(1, server.count());

            server.merge(opened.number());
            assertEquals(PullRequests.State.MERGED, pr.read(url, opened.number()).state());
            assertEquals(PullRequests.State.MERGED, pr.find(url, "autonova/revert-r1", "main").orElseThrow().state());
        }
    }

    @ParameterizedTest
    @EnumSource(GitProviderServer.Kind.class)
    void aClosedRequestAndRefusalsAreReadAsSuch(GitProviderServer.Kind kind) throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "s3cret");
        Path wrong = Files.writeString(dir.resolve("wrong"), "nope");
        try (GitProviderServer server = new GitProviderServer(kind, repoWithBranch("autonova/revert-r2"), "team/deploys", "s3cret")) {
            PullRequests pr = client(kind, server, token);
            String url = "git@git.example:team/deploys.git";
            PullRequests.Request r = pr.open(url, "autonova/revert-r2", "main", "Revert web", "body");
            server.close(r.number());
            assertEquals(PullRequests.State.CLOSED, pr.read(url, r.number()).state());

            PullRequests.ProviderError missing = assertThrows(PullRequests.ProviderError.class,
                    () -> pr.open(url, "no-such-branch", "main", "t", "b"));
            assertEquals(422, missing.status);
            PullRequests badToken = client(kind, server, wrong);
            assertEquals(401, assertThrows(PullRequests.ProviderError.class, () -> badToken.find(url, "x", "main")).status);
        }
    }

    /** A real repository with one commit on main and {@code branch}, as a revert branch pushed before its request. */
    private GitRepo repoWithBranch(String branch) throws Exception {
        GitRepo repo = GitRepo.create(dir);
        repo.commit("v1", Map.of("apps/web/a.yaml", "1"));
        repo.run("push", "-q", "origin", "HEAD:refs/heads/" + branch);
        return repo;
    }

    private static PullRequests client(GitProviderServer.Kind kind, GitProviderServer server, Path token) {
        return new PullRequests(PullRequests.Provider.valueOf(kind.name()), server.api(), token, new HttpPeer(Duration.ofSeconds(5)));
    }

    @org.junit.jupiter.api.Test
    void theRepositoryComesFromTheGitUrl() {
        assertEquals("team/deploys", PullRequests.repositoryPath("https://github.com/team/deploys.git"));
        assertEquals("group/sub/deploys", PullRequests.repositoryPath("https://gitlab.example/group/sub/deploys"));
        assertEquals("team/deploys", PullRequests.repositoryPath("git@github.com:team/deploys.git"));
        assertEquals("team/deploys", PullRequests.repositoryPath("ssh://git@github.com/team/deploys.git/"));
        assertThrows(IllegalArgumentException.class, () -> PullRequests.repositoryPath("https://github.com/deploys"));
    }
}
