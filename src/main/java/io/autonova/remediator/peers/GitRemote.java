package io.autonova.remediator.peers;

import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.revwalk.filter.RevFilter;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.errors.TransportException;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.sshd.JGitKeyCache;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.treewalk.TreeWalk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The Git side of a GitOps rollback, with JGit (no git binary): a bare mirror per repository under a work
 * folder, the application's folder restored to a good commit as one new commit on top of the branch, and pushes
 * that are compare-and-swap (the branch must still be where it was read). Credentials come from files: a token
 * (HTTPS, read at each call) or an SSH key with the known hosts it trusts; never logged.
 */
public final class GitRemote {

    /** The trailer every commit written here carries: how a retry after a crash finds its own commit. */
    public static final String TRAILER = "Autonova-Remediation";

    private final Path workDir;
    private final Path tokenFile;
    private final String username;
    private final PersonIdent author;
    /** One Git operation at a time per mirror: JGit's lock files would refuse a second fetch into the same folder. */
    private final java.util.concurrent.ConcurrentHashMap<String, Object> locks = new java.util.concurrent.ConcurrentHashMap<>();

    /** Set for ssh:// and scp-like URLs: the key and the known hosts it trusts, nothing else. */
    private final SshdSessionFactory ssh;

    public GitRemote(Path workDir, Path tokenFile, String username, String authorName, String authorEmail) {
        this(workDir, tokenFile, username, authorName, authorEmail, null, null);
    }

    /**
     * With {@code sshKey} (a private key file, unencrypted) Git over SSH authenticates with that key only, and
     * trusts only the host keys in {@code knownHosts}: an unknown or changed host key is refused, never learnt.
     */
    public GitRemote(Path workDir, Path tokenFile, String username, String authorName, String authorEmail, Path sshKey, Path knownHosts) {
        this.workDir = workDir;
        this.tokenFile = tokenFile;
        this.username = username;
        this.author = new PersonIdent(authorName, authorEmail);
        this.ssh = sshKey == null ? null : sshFactory(workDir, sshKey, knownHosts);
    }

    private static SshdSessionFactory sshFactory(Path workDir, Path key, Path knownHosts) {
        if (knownHosts == null) {
            throw new IllegalArgumentException("an SSH key needs a known_hosts file: host keys are never accepted unseen");
        }
        Path dir = workDir.resolve(".ssh");
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("config"), "Host *\n  StrictHostKeyChecking yes\n  PreferredAuthentications publickey\n"
                    + "  BatchMode yes\n");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new SshdSessionFactoryBuilder().setHomeDirectory(workDir.toFile()).setSshDirectory(dir.toFile())
                .setConfigFile(d -> dir.resolve("config").toFile())
                .setDefaultIdentities(d -> List.of(key))
                .setDefaultKnownHostsFiles(d -> List.of(knownHosts))
                .setPreferredAuthentications("publickey")
                .build(new JGitKeyCache());
    }

    /** Gives SSH transports this remote's key and known hosts. */
    private void configure(Transport t) {
        if (t instanceof SshTransport s && ssh != null) {
            s.setSshSessionFactory(ssh);
        }
    }

    /** Why a Git step cannot go on: said to the human who takes over. */
    public static final class GitRefused extends Exception {
        public GitRefused(String message) {
            super(message);
        }
    }

    /** What the tracked branch holds for the application's folder, relative to the bad and good commits. */
    public enum PathState { AT_BAD, AT_GOOD, ELSEWHERE }

    /** A revert written (or found written before a crash): its commit and the branch it was pushed to. */
    public record Revert(String commit, String branch, List<String> reverted, boolean alreadyThere) {
    }

    private CredentialsProvider credentials() throws IOException {
        if (tokenFile == null) {
            return null;
        }
        return new UsernamePasswordCredentialsProvider(username, Files.readString(tokenFile).trim());
    }

    /** The mirror of {@code url}, fetched now (all branches). */
    private Repository fetched(String url) throws IOException, GitRefused {
        Repository repo = mirror(url);
        try (Git git = new Git(repo)) {
            git.fetch().setRemote(url).setCredentialsProvider(credentials()).setRemoveDeletedRefs(true).setTransportConfigCallback(this::configure)
                    .setRefSpecs(new RefSpec("+refs/heads/*:refs/heads/*")).call();
        } catch (GitAPIException e) {
            repo.close();
            throw new GitRefused("fetching " + url + " failed: " + scrub(e.getMessage()));
        }
        return repo;
    }

    /** The mirror of {@code url} as it is (created empty the first time). */
    private Repository mirror(String url) throws IOException {
        Path dir = workDir.resolve(Integer.toHexString(url.hashCode()) + "-" + url.replaceAll("[^A-Za-z0-9]+", "_")
                .replaceAll("^_+|_+$", "")).normalize();
        Repository repo = new FileRepositoryBuilder().setGitDir(dir.toFile()).setBare().build();
        if (!Files.exists(dir.resolve("HEAD"))) {
            Files.createDirectories(dir);
            repo.create(true);
        }
        return repo;
    }

    /** The branch an Argo CD {@code targetRevision} names: itself, or the remote's default for HEAD or empty. */
    public String branchOf(String url, String targetRevision) throws IOException, GitRefused {
        if (targetRevision != null && !targetRevision.isBlank() && !"HEAD".equals(targetRevision)) {
            return targetRevision.startsWith("refs/heads/") ? targetRevision.substring("refs/heads/".length()) : targetRevision;
        }
        try {
            Map<String, Ref> refs = Git.lsRemoteRepository().setRemote(url).setCredentialsProvider(credentials())
                    .setTransportConfigCallback(this::configure).callAsMap();
            Ref head = refs.get(Constants.HEAD);
            if (head != null && head.isSymbolic()) {
                return Repository.shortenRefName(head.getTarget().getName());
            }
            throw new GitRefused("the remote " + url + " does not say which branch HEAD is");
        } catch (GitAPIException e) {
            throw new GitRefused("listing " + url + " failed: " + scrub(e.getMessage()));
        }
    }

    /**
     * Restores {@code path} on {@code branch} to its content at {@code good} (the revert of every commit from
     * good to bad, limited to the application's folder) and pushes it: to {@code branch} itself, or to a new
     * {@code pushTo} branch for a pull request. Refuses when the branch moved past {@code bad} with other changes
     * to the folder. Idempotent: a commit carrying {@code trailerValue} already pushed is returned as it is.
     */
    public Revert revert(String url, String branch, String path, String good, String bad, String pushTo, String message,
                         String trailerValue) throws IOException, GitRefused {
        synchronized (locks.computeIfAbsent(url, u -> new Object())) {
            for (int attempt = 1; ; attempt++) {
                try {
                    return revertOnce(url, branch, path, good, bad, pushTo, message, trailerValue);
                } catch (BranchMoved e) {
                    if (attempt == 3) {
                        throw new GitRefused(e.getMessage() + " three times in a row");
                    }
                    // Someone pushed between our fetch and our push: read again and decide again.
                }
            }
        }
    }

    /** The branch moved between the fetch and the compare-and-swap push. */
    private static final class BranchMoved extends Exception {
        BranchMoved(String message) {
            super(message);
        }
    }

    private Revert revertOnce(String url, String branch, String path, String good, String bad, String pushTo, String message,
                              String trailerValue) throws IOException, GitRefused, BranchMoved {
        try (Repository repo = fetched(url); RevWalk walk = new RevWalk(repo); ObjectReader reader = repo.newObjectReader()) {
            ObjectId tip = repo.resolve("refs/heads/" + branch);
            if (tip == null) {
                throw new GitRefused("branch " + branch + " does not exist in " + url);
            }
            RevCommit head = walk.parseCommit(tip);
            // Retried after a crash: the commit may be on its branch already, or even merged into the tracked one.
            for (String b : pushTo == null ? List.of(branch) : List.of(pushTo, branch)) {
                Optional<RevCommit> mine = ownCommit(repo, b, trailerValue);
                if (mine.isPresent()) {
                    return new Revert(mine.get().name(), b, List.of(), true);
                }
            }
            RevCommit goodCommit = commit(walk, repo, good, url);
            RevCommit badCommit = commit(walk, repo, bad, url);
            if (!walk.isMergedInto(goodCommit, badCommit)) {
                throw new GitRefused("the good revision " + shortSha(goodCommit.name()) + " is not an ancestor of the bad one " + shortSha(badCommit.name()));
            }
            if (!walk.isMergedInto(walk.parseCommit(badCommit), walk.parseCommit(head))) {
                throw new GitRefused("branch " + branch + " no longer contains the bad revision " + shortSha(badCommit.name()) + " (rewritten history)");
            }
            ObjectId goodTree = subtree(reader, goodCommit, path);
            ObjectId badTree = subtree(reader, badCommit, path);
            ObjectId headTree = subtree(reader, head, path);
            if (Objects.equals(headTree, goodTree)) {
                throw new GitRefused("branch " + branch + " already holds " + describePath(path) + " as at the good revision: nothing to revert");
            }
            if (!Objects.equals(headTree, badTree)) {
                throw new GitRefused("a newer commit on " + branch + " (now " + shortSha(head.name()) + ") changed " + describePath(path)
                        + " after the bad revision: reverting would undo it too");
            }
            List<String> reverted = between(repo, goodCommit, badCommit, path);
            ObjectId tree = replaced(repo, reader, head, path, goodTree);
            CommitBuilder cb = new CommitBuilder();
            cb.setTreeId(tree);
            cb.setParentId(head);
            PersonIdent who = new PersonIdent(author, Instant.now(), ZoneOffset.UTC);
            cb.setAuthor(who);
            cb.setCommitter(who);
            StringBuilder msg = new StringBuilder(message.strip()).append("\n\n");
            for (String c : reverted) {
                msg.append("This reverts commit ").append(c).append(".\n");
            }
            msg.append("\n").append(TRAILER).append(": ").append(trailerValue).append("\n");
            cb.setMessage(msg.toString());
            ObjectId created;
            try (ObjectInserter ins = repo.newObjectInserter()) {
                created = ins.insert(cb);
                ins.flush();
            }
            String target = pushTo == null ? branch : pushTo;
            push(repo, url, created, target, pushTo == null ? head : ObjectId.zeroId());
            return new Revert(created.name(), target, reverted, false);
        }
    }

    /** The state of {@code branch} for the application's folder: still bad, reverted (good), or changed otherwise. */
    public Optional<PathState> pathState(String url, String branchOrCommit, String path, String good, String bad) throws IOException, GitRefused {
        boolean commitId = branchOrCommit.matches("[0-9a-f]{40}");
        synchronized (locks.computeIfAbsent(url, u -> new Object())) {
            // A commit id already mirrored (with the good and bad ones) cannot have changed: no fetch for it. A branch always.
            try (Repository local = mirror(url)) {
                if (commitId && local.getObjectDatabase().has(ObjectId.fromString(branchOrCommit))
                        && local.getObjectDatabase().has(ObjectId.fromString(good)) && local.getObjectDatabase().has(ObjectId.fromString(bad))) {
                    return pathStateIn(local, url, branchOrCommit, path, good, bad);
                }
            } catch (IllegalArgumentException e) {
                // good or bad is not a full commit id: fetch, and let the check below say so
            }
            try (Repository repo = fetched(url)) {
                return pathStateIn(repo, url, commitId ? branchOrCommit : "refs/heads/" + branchOrCommit, path, good, bad);
            }
        }
    }

    private static Optional<PathState> pathStateIn(Repository repo, String url, String rev, String path, String good, String bad)
            throws IOException, GitRefused {
        try (RevWalk walk = new RevWalk(repo); ObjectReader reader = repo.newObjectReader()) {
            ObjectId at = repo.resolve(rev);
            if (at == null) {
                return Optional.empty();
            }
            ObjectId tree = subtree(reader, walk.parseCommit(at), path);
            if (Objects.equals(tree, subtree(reader, commit(walk, repo, good, url), path))) {
                return Optional.of(PathState.AT_GOOD);
            }
            return Optional.of(Objects.equals(tree, subtree(reader, commit(walk, repo, bad, url), path)) ? PathState.AT_BAD : PathState.ELSEWHERE);
        }
    }

    private Optional<RevCommit> ownCommit(Repository repo, String branch, String trailerValue) throws IOException {
        ObjectId tip = repo.resolve("refs/heads/" + branch);
        if (tip == null) {
            return Optional.empty();
        }
        String line = TRAILER + ": " + trailerValue;
        try (RevWalk walk = new RevWalk(repo)) {
            walk.markStart(walk.parseCommit(tip));
            int seen = 0;
            for (RevCommit c : walk) {
                if (c.getFullMessage().lines().anyMatch(line::equals)) {
                    return Optional.of(c);
                }
                if (++seen >= 200) {
                    break; // a crash-retry looks at the recent past only
                }
            }
        }
        return Optional.empty();
    }

    private static RevCommit commit(RevWalk walk, Repository repo, String rev, String url) throws IOException, GitRefused {
        if (rev == null || !rev.matches("[0-9a-f]{7,40}")) {
            throw new GitRefused("'" + rev + "' is not a commit id (Argo CD history should name Git commits)");
        }
        ObjectId id = repo.resolve(rev);
        if (id == null) {
            throw new GitRefused("commit " + rev + " is not in " + url);
        }
        try {
            return walk.parseCommit(id);
        } catch (org.eclipse.jgit.errors.MissingObjectException e) {
            throw new GitRefused("commit " + rev + " is not in " + url);
        }
    }

    /** The commits from good (excluded) to bad (included) that changed {@code path}, newest first. */
    private static List<String> between(Repository repo, RevCommit good, RevCommit bad, String path) throws IOException {
        List<String> result = new ArrayList<>();
        try (Git git = new Git(repo)) {
            var log = git.log().addRange(good, bad).setRevFilter(RevFilter.NO_MERGES);
            if (!path.isEmpty()) {
                log.addPath(path);
            }
            for (RevCommit c : log.call()) {
                result.add(c.name());
            }
        } catch (GitAPIException e) {
            throw new IOException(e);
        }
        return result;
    }

    private static ObjectId subtree(ObjectReader reader, RevCommit c, String path) throws IOException {
        if (path.isEmpty()) {
            return c.getTree().getId();
        }
        try (TreeWalk tw = TreeWalk.forPath(reader, path, c.getTree())) {
            return tw == null ? null : tw.getObjectId(0);
        }
    }

    /** {@code head}'s tree with {@code path} replaced by {@code subtree} (removed when null). */
    private static ObjectId replaced(Repository repo, ObjectReader reader, RevCommit head, String path, ObjectId subtree) throws IOException {
        if (path.isEmpty()) {
            return subtree;
        }
        DirCache dc = DirCache.newInCore();
        DirCacheBuilder b = dc.builder();
        String prefix = path + "/";
        try (TreeWalk tw = new TreeWalk(reader)) {
            tw.addTree(head.getTree());
            tw.setRecursive(true);
            while (tw.next()) {
                String p = tw.getPathString();
                if (p.equals(path) || p.startsWith(prefix)) {
                    continue;
                }
                DirCacheEntry e = new DirCacheEntry(p);
                e.setFileMode(tw.getFileMode(0));
                e.setObjectId(tw.getObjectId(0));
                b.add(e);
            }
        }
        if (subtree != null) {
            b.addTree(path.getBytes(StandardCharsets.UTF_8), 0, reader, subtree);
        }
        b.finish();
        try (ObjectInserter ins = repo.newObjectInserter()) {
            ObjectId id = dc.writeTree(ins);
            ins.flush();
            return id;
        }
    }

    /** Pushes {@code commit} to {@code branch} only if the branch is still at {@code expected} (zero: must not exist yet). */
    private void push(Repository repo, String url, ObjectId commit, String branch, ObjectId expected) throws IOException, GitRefused, BranchMoved {
        RemoteRefUpdate update = new RemoteRefUpdate(repo, commit.name(), "refs/heads/" + branch, false, null, expected);
        try (Transport t = Transport.open(repo, url)) {
            t.setCredentialsProvider(credentials());
            configure(t);
            PushResult r = t.push(NullProgressMonitor.INSTANCE, List.of(update));
            RemoteRefUpdate u = r.getRemoteUpdate("refs/heads/" + branch);
            if (u != null && (u.getStatus() == RemoteRefUpdate.Status.REJECTED_REMOTE_CHANGED
                    || u.getStatus() == RemoteRefUpdate.Status.REJECTED_NONFASTFORWARD)) {
                throw new BranchMoved("branch " + branch + " moved while the revert was written");
            }
            if (u == null || u.getStatus() != RemoteRefUpdate.Status.OK && u.getStatus() != RemoteRefUpdate.Status.UP_TO_DATE) {
                throw new GitRefused("push of " + commit.name() + " to " + branch + " was refused: "
                        + (u == null ? "no answer" : u.getStatus() + (u.getMessage() == null ? "" : " (" + scrub(u.getMessage()) + ")")));
            }
        } catch (TransportException | java.net.URISyntaxException e) {
            throw new GitRefused("push to " + url + " failed: " + scrub(e.getMessage()));
        }
    }

    /** A commit id as people read it: the first 12 characters. */
    public static String shortSha(String sha) {
        return sha == null ? "?" : sha.length() > 12 ? sha.substring(0, 12) : sha;
    }

    /** An application's folder as said in messages: the whole repository when empty. */
    public static String describePath(String path) {
        return path == null || path.isEmpty() ? "the repository" : "'" + path + "'";
    }

    /** Transport messages may echo a URL with credentials in it. */
    public static String scrub(String message) {
        return message == null ? "" : message.replaceAll("(https?://)[^/@\\s]+@", "$1***@");
    }
}
