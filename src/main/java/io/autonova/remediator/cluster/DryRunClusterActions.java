package io.autonova.remediator.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.zjsonpatch.JsonPatch;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The one dry-run mechanism: a what-if view of the cluster. Reads go to the cluster; writes are never sent, they are
 * kept here (the object as it would be after the write, JSON patches applied locally) and later reads see them, and
 * each is described in a journal the walk puts on the step. What controllers would do after a write (new pods, a
 * finished rollout, a completed Job) is not played: a step waiting on it is reported as waiting, not judged.
 * One instance per walk, so one dry-run never sees another's writes.
 */
public class DryRunClusterActions implements ClusterActions {

    private static final ObjectMapper MAPPER = FabricClusterActions.PATCH_MAPPER;
    private static final Object GONE = new Object();

    private final ClusterActions delegate;
    private final Map<String, Object> withheld = new LinkedHashMap<>();
    private final List<String> journal = new ArrayList<>();

    public DryRunClusterActions(ClusterActions delegate) {
        this.delegate = delegate;
    }

    /** The writes withheld since the last call, as sentences ("create Job shop/undo-1"), and forgets them. */
    public List<String> drain() {
        List<String> out = List.copyOf(journal);
        journal.clear();
        return out;
    }

    private static String key(String kind, String namespace, String name) {
        return kind + "/" + namespace + "/" + name;
    }

    @SuppressWarnings("unchecked")
    private <T> Optional<T> read(String kind, String namespace, String name, Function<String, Optional<T>> cluster) {
        Object seen = withheld.get(key(kind, namespace, name));
        if (seen == GONE) {
            return Optional.empty();
        }
        return seen != null ? Optional.of((T) seen) : cluster.apply(name);
    }

    /** A cluster list with this walk's writes laid over it: changed and deleted objects replaced, created ones added. */
    @SuppressWarnings("unchecked")
    private <T extends HasMetadata> List<T> list(String kind, String namespace, Map<String, String> labels, List<T> fromCluster) {
        Map<String, T> byName = new LinkedHashMap<>();
        fromCluster.forEach(o -> byName.put(o.getMetadata().getName(), o));
        String prefix = key(kind, namespace, "");
        for (Map.Entry<String, Object> e : withheld.entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
                continue;
            }
            String name = e.getKey().substring(prefix.length());
            if (e.getValue() == GONE) {
                byName.remove(name);
            } else {
                T o = (T) e.getValue();
                Map<String, String> has = o.getMetadata().getLabels() == null ? Map.of() : o.getMetadata().getLabels();
                if (has.entrySet().containsAll(labels.entrySet())) {
                    byName.put(name, o);
                } else {
                    byName.remove(name);
                }
            }
        }
        return new ArrayList<>(byName.values());
    }

    private <T> T keep(String kind, String namespace, String name, T object, String sentence) {
        withheld.put(key(kind, namespace, name), object);
        journal.add(sentence);
        return object;
    }

    private <T extends HasMetadata> T create(String kind, T object) {
        String ns = object.getMetadata().getNamespace();
        String name = object.getMetadata().getName();
        if (withheld.get(key(kind, ns, name)) instanceof HasMetadata) {
            throw new KubernetesClientException(kind + " " + ns + "/" + name + " already exists (created earlier in this dry-run)", 409, null);
        }
        return keep(kind, ns, name, copy(object, object), "create " + kind + " " + ns + "/" + name);
    }

    private <T extends HasMetadata> T patch(String kind, String namespace, String name, String jsonPatch, Optional<T> current) {
        return patch(kind, namespace, name, jsonPatch, current, ": " + abbreviate(jsonPatch));
    }

    /** {@code shown}: what the journal says of the patch (a Secret's never shows its values). */
    private <T extends HasMetadata> T patch(String kind, String namespace, String name, String jsonPatch, Optional<T> current, String shown) {
        T base = current.orElseThrow(() -> new KubernetesClientException(kind + " " + namespace + "/" + name + " not found", 404, null));
        JsonNode after;
        try {
            after = JsonPatch.apply(MAPPER.readTree(jsonPatch), MAPPER.valueToTree(base));
        } catch (JsonProcessingException | RuntimeException e) {
            // What the API server answers to a patch whose test fails or that does not apply.
            throw new KubernetesClientException("the patch of " + kind + " " + namespace + "/" + name + " does not apply: " + e.getMessage(), 422, null);
        }
        T patched = copy(after, base);
        if (patched instanceof Deployment d) {
            Long generation = d.getMetadata().getGeneration();
            d.getMetadata().setGeneration(generation == null ? 1 : generation + 1);
        }
        return keep(kind, namespace, name, patched, "JSON-patch " + kind + " " + namespace + "/" + name + shown);
    }

    private boolean delete(String kind, String namespace, String name, boolean existed) {
        if (existed) {
            keep(kind, namespace, name, GONE, "delete " + kind + " " + namespace + "/" + name);
        }
        return existed;
    }

    @SuppressWarnings("unchecked")
    private static <T> T copy(Object from, T like) {
        return (T) MAPPER.convertValue(from, like.getClass());
    }

    @Override
    public Optional<Deployment> deployment(String namespace, String name) {
        return read("Deployment", namespace, name, n -> delegate.deployment(namespace, n));
    }

    @Override
    public List<ReplicaSet> replicaSets(Deployment deployment) {
        return delegate.replicaSets(deployment);
    }

    @Override
    public Deployment patchDeployment(String namespace, String name, String jsonPatch) {
        return patch("Deployment", namespace, name, jsonPatch, deployment(namespace, name));
    }

    @Override
    public Deployment createDeployment(Deployment deployment) {
        return create("Deployment", deployment);
    }

    @Override
    public boolean deleteDeployment(String namespace, String name) {
        return delete("Deployment", namespace, name, deployment(namespace, name).isPresent());
    }

    @Override
    public List<Pod> pods(String namespace, Map<String, String> selector) {
        return delegate.pods(namespace, selector);
    }

    @Override
    public Optional<HorizontalPodAutoscaler> autoscalerFor(String namespace, String deployment) {
        return delegate.autoscalerFor(namespace, deployment);
    }

    @Override
    public Optional<Service> service(String namespace, String name) {
        return read("Service", namespace, name, n -> delegate.service(namespace, n));
    }

    @Override
    public Service patchService(String namespace, String name, String jsonPatch) {
        return patch("Service", namespace, name, jsonPatch, service(namespace, name));
    }

    @Override
    public List<EndpointSlice> endpointSlices(String namespace, String service) {
        return delegate.endpointSlices(namespace, service);
    }

    @Override
    public Optional<Job> job(String namespace, String name) {
        return read("Job", namespace, name, n -> delegate.job(namespace, n));
    }

    @Override
    public List<Job> jobs(String namespace, Map<String, String> labels) {
        return list("Job", namespace, labels, delegate.jobs(namespace, labels));
    }

    @Override
    public Job createJob(Job job) {
        return create("Job", job);
    }

    @Override
    public void deleteJob(String namespace, String name) {
        delete("Job", namespace, name, job(namespace, name).isPresent());
    }

    @Override
    public String podLog(String namespace, String pod, int limitBytes) {
        return delegate.podLog(namespace, pod, limitBytes);
    }

    @Override
    public Optional<ConfigMap> configMap(String namespace, String name) {
        return read("ConfigMap", namespace, name, n -> delegate.configMap(namespace, n));
    }

    @Override
    public List<ConfigMap> configMaps(String namespace, Map<String, String> labels) {
        return list("ConfigMap", namespace, labels, delegate.configMaps(namespace, labels));
    }

    @Override
    public ConfigMap createConfigMap(ConfigMap configMap) {
        return create("ConfigMap", configMap);
    }

    @Override
    public ConfigMap patchConfigMap(String namespace, String name, String jsonPatch) {
        return patch("ConfigMap", namespace, name, jsonPatch, configMap(namespace, name));
    }

    @Override
    public boolean deleteConfigMap(String namespace, String name) {
        return delete("ConfigMap", namespace, name, configMap(namespace, name).isPresent());
    }

    @Override
    public Optional<Secret> secret(String namespace, String name) {
        return read("Secret", namespace, name, n -> delegate.secret(namespace, n));
    }

    @Override
    public List<Secret> secrets(String namespace, Map<String, String> labels) {
        return list("Secret", namespace, labels, delegate.secrets(namespace, labels));
    }

    @Override
    public Secret createSecret(Secret secret) {
        return create("Secret", secret);
    }

    @Override
    public Secret patchSecret(String namespace, String name, String jsonPatch) {
        return patch("Secret", namespace, name, jsonPatch, secret(namespace, name), " (content not shown)");
    }

    @Override
    public boolean deleteSecret(String namespace, String name) {
        return delete("Secret", namespace, name, secret(namespace, name).isPresent());
    }

    @Override
    public Optional<Map<String, Object>> externalSecret(String namespace, String name) {
        return read("ExternalSecret", namespace, name, n -> delegate.externalSecret(namespace, n));
    }

    @Override
    public void mergePatchExternalSecret(String namespace, String name, Map<String, Object> patch) {
        mergePatch("ExternalSecret", namespace, name, patch, externalSecret(namespace, name));
    }

    @Override
    public Optional<Map<String, Object>> argoApplication(String namespace, String name) {
        return read("Application", namespace, name, n -> delegate.argoApplication(namespace, n));
    }

    @Override
    public String mergePatchArgoApplication(String namespace, String name, Map<String, Object> patch) {
        return "would " + mergePatch("Application", namespace, name, patch, argoApplication(namespace, name));
    }

    @SuppressWarnings("unchecked")
    private String mergePatch(String kind, String namespace, String name, Map<String, Object> patch, Optional<Map<String, Object>> current) {
        Map<String, Object> base = current.orElseThrow(() -> new KubernetesClientException(kind + " " + namespace + "/" + name + " not found", 404, null));
        ObjectNode target = MAPPER.valueToTree(base);
        mergeInto(target, MAPPER.valueToTree(patch));
        String sentence;
        try {
            sentence = "merge-patch " + kind + " " + namespace + "/" + name + ": " + abbreviate(MAPPER.writeValueAsString(patch));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        keep(kind, namespace, name, MAPPER.convertValue(target, Map.class), sentence);
        return sentence;
    }

    /** RFC 7386: objects merge member by member, null removes, anything else replaces. */
    private static void mergeInto(ObjectNode target, JsonNode patch) {
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode value = e.getValue();
            if (value.isNull()) {
                target.remove(e.getKey());
            } else if (value.isObject() && target.get(e.getKey()) instanceof ObjectNode inner) {
                mergeInto(inner, value);
            } else {
                target.set(e.getKey(), value.deepCopy());
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 2000 ? s.substring(0, 2000) + "..." : s;
    }

    @Override
    public boolean handlesSecrets(String namespace) {
        return delegate.handlesSecrets(namespace);
    }
}
