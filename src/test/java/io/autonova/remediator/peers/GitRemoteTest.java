package io.autonova.remediator.peers;

import io.autonova.remediator.fixtures.GitRepo;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

/** The revert, its pushes and the branch states against a real Git repository (file://, written by the git binary). */
class GitRemoteTest {

    @TempDir
    Path dir;
    GitRepo repo;
    GitRemote git;
    String good;
    String bad;

    @BeforeEach
    void history() throws Exception {
        repo = GitRepo.create(dir);
        good = repo.commit("web v1", Map.of("apps/web/deploy.yaml", "image: web:1\n", "apps/shop/deploy.yaml", "image: shop:1\n"));
        // The bad commit changes web and, in the same commit, another application: only web's folder goes back.
        bad = repo.commit("web v2, shop v2", Map.of("apps/web/deploy.yaml", "image: web:2\n", "apps/web/extra.yaml", "kind: ConfigMap\n",
                "apps/shop/deploy.yaml", "image: shop:2\n"));
        git = new GitRemote(dir.resolve("mirrors"), null, "x", "autonova-remediator", "bot@example.com");
    }

    @Test
    void aRevertBranchRestoresOnlyTheApplicationsFolderOnTopOfTheTrackedBranch() throws Exception {
        GitRemote.Revert r = git.revert(repo.url(), "main", "apps/web", good, bad, "autonova/revert-r1", "Revert web", "r1");

        assertFalse(r.alreadyThere());
        assertEquals("autonova/revert-r1", r.branch());
        assertEquals(List.of(bad), r.reverted());
        assertEquals(r.commit(), repo.originRef("refs/heads/autonova/revert-r1"));
        assertEquals(bad, repo.originRef("refs/heads/main")); // the tracked branch is left to the pull request
        assertEquals("image: web:1\n", repo.show(r.commit(), "apps/web/deploy.yaml"));
        assertEquals("image: web:2\n", repo.show(r.commit() + "^", "apps/web/deploy.yaml"));
        assertContains(assertThrows(Exception.class, () -> repo.show(r.commit(), "apps/web/extra.yaml")).getMessage(), "does not exist");
        assertEquals("image: shop:2\n", repo.show(r.commit(), "apps/shop/deploy.yaml"));
        assertContains(repo.message(r.commit()), "Revert web", "This reverts commit " + bad + ".", "Autonova-Remediation: r1");
        assertEquals(Optional.of(GitRemote.PathState.AT_GOOD), git.pathState(repo.url(), "autonova/revert-r1", "apps/web", good, bad));
        assertEquals(Optional.of(GitRemote.PathState.AT_BAD), git.pathState(repo.url(), "main", "apps/web", good, bad));
    }

    @Test
    void runAgainAfterACrashItFindsItsCommitInsteadOfWritingASecond() throws Exception {
        GitRemote.Revert first = git.revert(repo.url(), "main", "apps/web", good, bad, "autonova/revert-r1", "Revert web", "r1");
        GitRemote fresh = new GitRemote(dir.resolve("other-replica"), null, "x", "autonova-remediator", "bot@example.com");

        GitRemote.Revert again = fresh.revert(repo.url(), "main", "apps/web", good, bad, "autonova/revert-r1", "Revert web", "r1");

        assertTrue(again.alreadyThere());
        assertEquals(first.commit(), again.commit());
        assertEquals(first.commit(), repo.originRef("refs/heads/autonova/revert-r1"));
        // Merged (and its branch deleted): still found, on the tracked branch.
        repo.mergeBranch("autonova/revert-r1");
        repo.run("push", "-q", "origin", "--delete", "autonova/revert-r1");
        GitRemote.Revert afterMerge = fresh.revert(repo.url(), "main", "apps/web", good, bad, "autonova/revert-r1", "Revert web", "r1");
        assertTrue(afterMerge.alreadyThere());
        assertEquals("main", afterMerge.branch());
        assertNull(repo.originRef("refs/heads/autonova/revert-r1"));
    }

    @Test
    void pushModeWritesTheTrackedBranchOnlyFromWhereItWasRead() throws Exception {
        String unrelated = repo.commit("shop v3", Map.of("apps/shop/deploy.yaml", "image: shop:3\n"));

        GitRemote.Revert r = git.revert(repo.url(), "main", "apps/web", good, bad, null, "Revert web", "r2");

        assertEquals(r.commit(), repo.originRef("refs/heads/main"));
        assertEquals("image: shop:3\n", repo.show(r.commit() + "^", "apps/shop/deploy.yaml"));
        assertEquals(unrelated, GitRepo.git(repo.origin, "rev-parse", r.commit() + "^").strip());
        assertEquals("image: shop:3\n", repo.show("main", "apps/shop/deploy.yaml"));
        assertEquals(Optional.of(GitRemote.PathState.AT_GOOD), git.pathState(repo.url(), "main", "apps/web", good, bad));
        assertTrue(git.revert(repo.url(), "main", "apps/web", good, bad, null, "Revert web", "r2").alreadyThere());
    }

    @Test
    void aNewerCommitToTheFolderIsNeverReverted() throws Exception {
        repo.commit("web v3 (a fix forward)", Map.of("apps/web/deploy.yaml", "image: web:3\n"));

        assertContains(assertThrows(GitRemote.GitRefused.class, () -> git.revert(repo.url(), "main", "apps/web", good, bad, "autonova/revert-r3", "Revert web", "r3")).getMessage(), "newer commit on main", "apps/web");
        assertNull(repo.originRef("refs/heads/autonova/revert-r3"));
        assertEquals(Optional.of(GitRemote.PathState.ELSEWHERE), git.pathState(repo.url(), "main", "apps/web", good, bad));
    }

    @Test
    void refusesWhatItCannotRevertSafely() throws Exception {
        assertContains(assertThrows(GitRemote.GitRefused.class, () -> git.revert(repo.url(), "main", "apps/web", bad, good, null, "m", "r4")).getMessage(), "not an ancestor");
        assertContains(assertThrows(GitRemote.GitRefused.class, () -> git.revert(repo.url(), "release", "apps/web", good, bad, null, "m", "r4")).getMessage(), "branch release does not exist");
        assertContains(assertThrows(GitRemote.GitRefused.class, () -> git.revert(repo.url(), "main", "apps/web", "v1.0", bad, null, "m", "r4")).getMessage(), "not a commit id");
        assertContains(assertThrows(GitRemote.GitRefused.class, () -> git.revert(repo.url(), "main", "apps/web", good, "0123456789abcdef0123456789abcdef01234567", null, "m", "r4")).getMessage(), "is not in");
        // Already at the good content: nothing to write.
        git.revert(repo.url(), "main", "apps/web", good, bad, null, "Revert web", "r5");
        assertContains(assertThrows(GitRemote.GitRefused.class, () -> git.revert(repo.url(), "main", "apps/web", good, bad, null, "m", "r6")).getMessage(), "nothing to revert");
        assertTrue(repo.run("log", "--format=%s", "origin/main").lines().filter(l -> l.startsWith("Revert")).count() <= 1);
    }

    @Test
    void findsTheTrackedBranchBehindHeadAndHidesCredentialsInMessages() throws Exception {
        assertEquals("main", git.branchOf(repo.url(), "HEAD"));
        assertEquals("main", git.branchOf(repo.url(), ""));
        assertEquals("release", git.branchOf(repo.url(), "refs/heads/release"));
        assertEquals("push to https://***@github.com/o/r.git failed",
                GitRemote.scrub("push to https://x-access-token:ghp_secret@github.com/o/r.git failed"));
    }

    @Test
    void overSshItUsesItsKeyAndTrustsOnlyTheKnownHostKey() throws Exception {
        Path keys = java.nio.file.Files.createDirectories(dir.resolve("keys"));
        GitRepo.git(keys, "--version"); // git is there; ssh-keygen comes with the ssh client
        Process keygen = new ProcessBuilder("ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", keys.resolve("id").toString())
                .redirectErrorStream(true).start();
        assertEquals(0, keygen.waitFor());
        try (io.autonova.remediator.fixtures.GitSshServer ssh = new io.autonova.remediator.fixtures.GitSshServer(dir, keys.resolve("id.pub"),
                keys.resolve("host-key"))) {
            String url = ssh.url("repo-ssh/origin.git");
            GitRepo.git(dir, "clone", "-q", "--bare", repo.origin.toString(), dir.resolve("repo-ssh/origin.git").toString());
            Path known = java.nio.file.Files.writeString(keys.resolve("known_hosts"), ssh.knownHostsLine() + "\n");
            GitRemote overSsh = new GitRemote(dir.resolve("ssh-mirrors"), null, "x", "autonova-remediator", "bot@example.com", keys.resolve("id"), known);

            GitRemote.Revert r = overSsh.revert(url, "main", "apps/web", good, bad, "autonova/revert-s1", "Revert web", "s1");
            assertEquals(r.commit(), GitRepo.git(dir.resolve("repo-ssh/origin.git"), "rev-parse", "refs/heads/autonova/revert-s1").strip());
            assertEquals("main", overSsh.branchOf(url, "HEAD"));

            // A host key it has not been told about is refused, never learnt.
            Path other = java.nio.file.Files.writeString(keys.resolve("other_known_hosts"),
                    "[127.0.0.1]:" + ssh.port() + " ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n");
            GitRemote distrustful = new GitRemote(dir.resolve("ssh-mirrors-2"), null, "x", "a", "b@example.com", keys.resolve("id"), other);
            assertThrows(GitRemote.GitRefused.class, () -> distrustful.revert(url, "main", "apps/web", good, bad, "autonova/revert-s2", "m", "s2"));
            assertEquals("", GitRepo.git(dir.resolve("repo-ssh/origin.git"), "branch", "--list", "autonova/revert-s2").strip());
            assertThrows(IllegalArgumentException.class,
                    () -> new GitRemote(dir.resolve("m3"), null, "x", "a", "b@example.com", keys.resolve("id"), null), "a key without known hosts");
        }
    }

    private static void assertContains(String text, String... parts) {
        for (String p : parts) {
            assertTrue(text != null && text.contains(p), "expected '" + p + "' in: " + text);
        }
    }
}
