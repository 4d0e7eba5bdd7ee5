package io.autonova.remediator.it;

import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.quarkus.test.kubernetes.client.KubernetesServer;

import java.util.function.Consumer;

/**
 * Teaches the CRUD mock server the custom resources it serves (our Remediation and Argo CD's Application), and swaps
 * its CRUD store for {@link io.autonova.remediator.fixtures.IndexedCrudDispatcher}: the same store indexed by name (as the
 * benches use), which also lets fixtures create ReplicaSets that were rolled out days ago, as a cluster holds them.
 */
public class MockClusterSetup implements Consumer<KubernetesServer> {

    static final io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext REMEDIATION = io.autonova.remediator.state.KubernetesStateStore.REMEDIATION;

    @Override
    public void accept(KubernetesServer server) {
        useIndexedDispatcher(server.getKubernetesMockServer());
        server.getKubernetesMockServer().expectCustomResource(new CustomResourceDefinitionContext.Builder()
                .withGroup("autonova.io").withVersion("v1alpha1").withKind("Remediation").withPlural("remediations").withScope("Namespaced").build());
        server.getKubernetesMockServer().expectCustomResource(new CustomResourceDefinitionContext.Builder()
                .withGroup("autonova.io").withVersion("v1alpha1").withKind("RemediationPause").withPlural("remediationpauses").withScope("Namespaced").build());
        server.getKubernetesMockServer().expectCustomResource(new CustomResourceDefinitionContext.Builder()
                .withGroup("argoproj.io").withVersion("v1alpha1").withKind("Application").withPlural("applications").withScope("Namespaced").build());
    }

    /** Quarkus builds the mock with fabric8's own dispatcher; its CRUD part is replaced before any object exists. */
    private static void useIndexedDispatcher(io.fabric8.kubernetes.client.server.mock.KubernetesMockServer mock) {
        try {
            java.lang.reflect.Field field = io.fabric8.kubernetes.client.server.mock.KubernetesMockServer.class.getDeclaredField("dispatcher");
            field.setAccessible(true);
            Object dispatcher = field.get(mock);
            if (!(dispatcher instanceof io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher)) {
                throw new IllegalStateException("the mock's dispatcher is a " + dispatcher.getClass().getName() + ", not the mixed one");
            }
            java.lang.reflect.Field crud = io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher.class.getDeclaredField("kubernetesCrudDispatcher");
            crud.setAccessible(true);
            crud.set(dispatcher, new io.autonova.remediator.fixtures.IndexedCrudDispatcher(java.util.List.of()));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("fabric8's mock server changed: cannot swap its CRUD dispatcher", e);
        }
    }
}
