package io.autonova.remediator.it;

import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.quarkus.test.kubernetes.client.KubernetesServer;

import java.util.function.Consumer;

/** Teaches the CRUD mock server the custom resources it serves: our Remediation and Argo CD's Application. */
public class MockClusterSetup implements Consumer<KubernetesServer> {

    static final io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext REMEDIATION = io.autonova.remediator.state.KubernetesStateStore.REMEDIATION;

    @Override
    public void accept(KubernetesServer server) {
        server.getKubernetesMockServer().expectCustomResource(new CustomResourceDefinitionContext.Builder()
                .withGroup("autonova.io").withVersion("v1alpha1").withKind("Remediation").withPlural("remediations").withScope("Namespaced").build());
        server.getKubernetesMockServer().expectCustomResource(new CustomResourceDefinitionContext.Builder()
                .withGroup("autonova.io").withVersion("v1alpha1").withKind("RemediationPause").withPlural("remediationpauses").withScope("Namespaced").build());
        server.getKubernetesMockServer().expectCustomResource(new CustomResourceDefinitionContext.Builder()
                .withGroup("argoproj.io").withVersion("v1alpha1").withKind("Application").withPlural("applications").withScope("Namespaced").build());
    }
}
