package io.autonova.remediator.peers;

import com.fasterxml.jackson.databind.JsonNode;
import io.autonova.remediator.domain.Json;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Pull requests (GitHub REST {@code pulls}) and merge requests (GitLab REST {@code merge_requests}): find the
 * one for a branch, open it, read whether it was merged or closed. The repository comes from the Git URL Argo CD
 * syncs from; the token file is read at each call.
 */
public final class PullRequests {

    public enum Provider { GITHUB, GITLAB }

    public enum State { OPEN, MERGED, CLOSED }

    /** A pull or merge request: its number (GitLab's iid), web address and state. */
    public record Request(long number, String url, State state) {
    }

    /** The provider answered with something other than success. */
    public static final class ProviderError extends IOException {
        public final int status;

        public ProviderError(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private final Provider provider;
    private final URI api;
    private final Path tokenFile;
    private final HttpPeer http;

    public PullRequests(Provider provider, URI api, Path tokenFile, HttpPeer http) {
        this.provider = provider;
        this.api = URI.create(api.toString().replaceAll("/+$", "") + "/");
        this.tokenFile = tokenFile;
        this.http = http;
    }

    public Provider provider() {
        return provider;
    }

    /** "owner/repo" (GitHub) or "group/sub/project" (GitLab) from an HTTPS or SSH Git URL. */
    public static String repositoryPath(String gitUrl) {
        String s = gitUrl.trim().replaceAll("\\.git/?$", "").replaceAll("/+$", "");
        if (s.matches("^[\\w.-]+@[^:]+:.+")) {
            return s.substring(s.indexOf(':') + 1); // git@host:owner/repo
        }
        URI u = URI.create(s);
        String p = u.getPath() == null ? "" : u.getPath().replaceAll("^/+", "");
        if (!p.contains("/")) {
            throw new IllegalArgumentException("cannot tell the repository from " + gitUrl);
        }
        return p;
    }

    /** The open or past request from {@code branch} into {@code base}, if one exists. */
    public Optional<Request> find(String gitUrl, String branch, String base) throws IOException {
        String repo = repositoryPath(gitUrl);
        JsonNode list;
        if (provider == Provider.GITHUB) {
            String owner = repo.substring(0, repo.indexOf('/'));
            list = get(repoPath(repo) + "/pulls?state=all&head=" + enc(owner + ":" + branch) + "&base=" + enc(base));
        } else {
            list = get(repoPath(repo) + "/merge_requests?source_branch=" + enc(branch) + "&target_branch=" + enc(base));
        }
        for (JsonNode n : list) {
            return Optional.of(parse(n));
        }
        return Optional.empty();
    }

    /** Opens the request from {@code branch} into {@code base}. */
    public Request open(String gitUrl, String branch, String base, String title, String body) throws IOException {
        String repo = repositoryPath(gitUrl);
        Map<String, Object> req = new LinkedHashMap<>();
        if (provider == Provider.GITHUB) {
            req.put("title", title);
            req.put("head", branch);
            req.put("base", base);
            req.put("body", body);
            req.put("maintainer_can_modify", true);
            return parse(send("POST", repoPath(repo) + "/pulls", req));
        }
        req.put("source_branch", branch);
        req.put("target_branch", base);
        req.put("title", title);
        req.put("description", body);
        req.put("remove_source_branch", true);
        return parse(send("POST", repoPath(repo) + "/merge_requests", req));
    }

    public Request read(String gitUrl, long number) throws IOException {
        String repo = repositoryPath(gitUrl);
        return parse(get(repoPath(repo) + (provider == Provider.GITHUB ? "/pulls/" : "/merge_requests/") + number));
    }

    private Request parse(JsonNode n) {
        if (provider == Provider.GITHUB) {
            State s = n.path("merged").asBoolean(false) || !n.path("merged_at").isMissingNode() && !n.path("merged_at").isNull() ? State.MERGED
                    : "open".equals(n.path("state").asText()) ? State.OPEN : State.CLOSED;
            return new Request(n.path("number").asLong(), n.path("html_url").asText(null), s);
        }
        String st = n.path("state").asText();
        State s = "merged".equals(st) ? State.MERGED : "opened".equals(st) || "locked".equals(st) ? State.OPEN : State.CLOSED;
        return new Request(n.path("iid").asLong(), n.path("web_url").asText(null), s);
    }

    private String repoPath(String repo) {
        return provider == Provider.GITHUB ? "repos/" + repo : "projects/" + enc(repo);
    }

    private JsonNode get(String path) throws IOException {
        return send("GET", path, null);
    }

    private JsonNode send(String method, String path, Map<String, Object> body) throws IOException {
        Map<String, String> headers = provider == Provider.GITHUB
                ? Map.of("Accept", "application/vnd.github+json", "X-GitHub-Api-Version", "2022-11-28")
                : Map.of("Accept", "application/json");
        HttpPeer.Reply r = http.send(method, api.resolve(path), body == null ? null : Json.MAPPER.writeValueAsString(body), tokenFile, headers);
        if (!r.ok()) {
            String said = r.body() == null ? "" : r.body().length() > 300 ? r.body().substring(0, 300) : r.body();
            throw new ProviderError(r.status(), provider.name().toLowerCase() + " answered " + method + " " + path.replaceAll("\\?.*", "")
                    + " with " + r.status() + ": " + said);
        }
        return Json.MAPPER.readTree(r.body());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
