package io.autonova.remediator.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.autonova.remediator.policy.Ledger;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Keeps state in the cluster: one {@code Remediation} custom resource per record and the policy ledger
 * in one ConfigMap, both written with resourceVersion preconditions so replicas never overwrite each other.
 */
public class KubernetesStateStore implements StateStore {

    public static final String GROUP = "autonova.io";
    public static final String VERSION = "v1alpha1";
    public static final ResourceDefinitionContext REMEDIATION = new ResourceDefinitionContext.Builder()
            .withGroup(GROUP).withVersion(VERSION).withKind("Remediation").withPlural("remediations").withNamespaced(true).build();
    static final String LEDGER_KEY = "ledger.json";
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private final KubernetesClient client;
    private final String namespace;
    private final String ledgerName;

    public KubernetesStateStore(KubernetesClient client, String namespace, String ledgerName) {
        this.client = client;
        this.namespace = namespace;
        this.ledgerName = ledgerName;
    }

    @Override
    public String kind() {
        return "kubernetes";
    }

    @Override
    public Versioned<Ledger> loadLedger() {
        return call("read the policy ledger", () -> {
            ConfigMap cm = client.configMaps().inNamespace(namespace).withName(ledgerName).get();
            if (cm == null) {
                ConfigMap created = createLedger();
                return new Versioned<>(Ledger.EMPTY, created.getMetadata().getResourceVersion());
            }
            String json = cm.getData() == null ? null : cm.getData().get(LEDGER_KEY);
            try {
                Ledger ledger = json == null || json.isBlank() ? Ledger.EMPTY : Json.MAPPER.readValue(json, Ledger.class);
                return new Versioned<>(ledger, cm.getMetadata().getResourceVersion());
            } catch (JsonProcessingException e) {
                // A hand-edited, broken ledger must not silently reset limits: refuse until it is fixed.
                throw new StoreUnavailableException("the ledger ConfigMap " + namespace + "/" + ledgerName + " holds invalid JSON: "
                        + e.getOriginalMessage(), e);
            }
        });
    }

    private ConfigMap createLedger() {
        ConfigMap cm = new ConfigMapBuilder().withMetadata(new ObjectMetaBuilder().withName(ledgerName).withNamespace(namespace)
                .addToLabels("app.kubernetes.io/name", "autonova-remediator").build()).addToData(LEDGER_KEY, "{}").build();
        try {
            return client.configMaps().inNamespace(namespace).resource(cm).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                return client.configMaps().inNamespace(namespace).withName(ledgerName).get();
            }
            throw e;
        }
    }

    @Override
    public boolean replaceLedger(Versioned<Ledger> read, Ledger next) {
        return call("write the policy ledger", () -> {
            try {
                ConfigMap cm = new ConfigMapBuilder().withMetadata(new ObjectMetaBuilder().withName(ledgerName).withNamespace(namespace)
                                .withResourceVersion(read.version()).addToLabels("app.kubernetes.io/name", "autonova-remediator").build())
                        .addToData(LEDGER_KEY, Json.MAPPER.writeValueAsString(next)).build();
                client.configMaps().inNamespace(namespace).resource(cm).update();
                return true;
            } catch (KubernetesClientException e) {
                if (e.getCode() == 409) {
                    return false;
                }
                throw e;
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Override
    public boolean createRecord(RemediationRecord record) {
        return call("create remediation " + record.name, () -> {
            try {
                GenericKubernetesResource created = client.genericKubernetesResources(REMEDIATION).inNamespace(namespace)
                        .resource(toResource(record, null)).create();
                record.resourceVersion = created.getMetadata().getResourceVersion();
                return true;
            } catch (KubernetesClientException e) {
                if (e.getCode() == 409) {
                    return false;
                }
                throw e;
            }
        });
    }

    @Override
    public boolean updateRecord(RemediationRecord record) {
        return call("update remediation " + record.name, () -> {
            try {
                GenericKubernetesResource updated = client.genericKubernetesResources(REMEDIATION).inNamespace(namespace)
                        .resource(toResource(record, record.resourceVersion)).update();
                record.resourceVersion = updated.getMetadata().getResourceVersion();
                return true;
            } catch (KubernetesClientException e) {
                if (e.getCode() == 409) {
                    return false;
                }
                throw e;
            }
        });
    }

    @Override
    public Optional<RemediationRecord> getRecord(String name) {
        return call("read remediation " + name, () -> Optional.ofNullable(
                client.genericKubernetesResources(REMEDIATION).inNamespace(namespace).withName(name).get()).map(this::fromResource));
    }

    @Override
    public List<RemediationRecord> listRecords() {
        return call("list remediations", () -> client.genericKubernetesResources(REMEDIATION).inNamespace(namespace).list().getItems()
                .stream().map(this::fromResource)
                .sorted(Comparator.comparing((RemediationRecord r) -> r.createdAt == null ? Instant.EPOCH : r.createdAt).reversed())
                .toList());
    }

    private GenericKubernetesResource toResource(RemediationRecord r, String resourceVersion) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("app.kubernetes.io/managed-by", "autonova-remediator");
        putLabel(labels, "autonova.io/rule", r.spec.rule);
        putLabel(labels, "autonova.io/target-namespace", r.spec.target.namespace);
        putLabel(labels, "autonova.io/target-deployment", r.spec.target.deployment);
        putLabel(labels, "autonova.io/phase", r.status.phase.name().toLowerCase().replace('_', '-'));
        GenericKubernetesResource res = new GenericKubernetesResource();
        res.setApiVersion(GROUP + "/" + VERSION);
        res.setKind("Remediation");
        res.setMetadata(new ObjectMetaBuilder().withName(r.name).withNamespace(namespace).withResourceVersion(resourceVersion)
                .withLabels(labels).addToAnnotations("autonova.io/created-at", String.valueOf(r.createdAt)).build());
        Map<String, Object> props = new HashMap<>();
        props.put("spec", Json.MAPPER.convertValue(r.spec, MAP));
        props.put("status", Json.MAPPER.convertValue(r.status, MAP));
        res.setAdditionalProperties(props);
        return res;
    }

    private static void putLabel(Map<String, String> labels, String key, String value) {
        // Only label values Kubernetes accepts; the full value is in the spec anyway.
        if (value != null && value.length() <= 63 && value.matches("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")) {
            labels.put(key, value);
        }
    }

    private RemediationRecord fromResource(GenericKubernetesResource res) {
        RemediationRecord r = new RemediationRecord();
        r.name = res.getMetadata().getName();
        r.resourceVersion = res.getMetadata().getResourceVersion();
        String created = res.getMetadata().getAnnotations() == null ? null : res.getMetadata().getAnnotations().get("autonova.io/created-at");
        r.createdAt = created == null || created.equals("null") ? null : Instant.parse(created);
        Object spec = res.getAdditionalProperties().get("spec");
        Object status = res.getAdditionalProperties().get("status");
        if (spec != null) {
            r.spec = Json.MAPPER.convertValue(spec, RemediationRecord.Spec.class);
        }
        if (status != null) {
            r.status = Json.MAPPER.convertValue(status, RemediationRecord.Status.class);
        }
        return r;
    }

    private static <T> T call(String what, Supplier<T> action) {
        try {
            return action.get();
        } catch (KubernetesClientException e) {
            throw new StoreUnavailableException("could not " + what + ": " + e.getMessage(), e);
        }
    }
}
