package io.pgstream.operator.support;

import static io.pgstream.operator.support.Pipelines.NAMESPACE;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.dependent.PgstreamPods;
import java.util.List;
import java.util.function.Consumer;

/** A test pipeline and the children the operator gives it, read back from the (mock) API server. */
public record PipelineObjects(KubernetesClient client, String name) {
  public NonNamespaceOperation<PgstreamPipeline, KubernetesResourceList<PgstreamPipeline>, Resource<PgstreamPipeline>> pipelines() {
    return client.resources(PgstreamPipeline.class).inNamespace(NAMESPACE);
  }

  public PgstreamPipeline pipeline() {
    return pipelines().withName(name).get();
  }

  /**
   * The pipeline's status written empty, as a restore without status leaves it. Stop the operator first: a reconcile in
   * flight writes the status it holds over the erased one.
   */
  public void eraseStatus() {
    PgstreamPipeline erased = pipeline();
    erased.setStatus(new PgstreamPipelineStatus());
    pipelines().resource(erased).updateStatus();
  }

  public Job job(String step) {
    return client.batch().v1().jobs().inNamespace(NAMESPACE).withName(name + "-" + step).get();
  }

  /**
   * The file a step Job's pods read: the ConfigMap key its annotation names (Step.jobFile), which its
   * args must point at; null when they do not.
   */
  public static String jobConfig(KubernetesClient client, Job job) {
    String file = job.getMetadata().getAnnotations().get(Children.CONFIG_FILE_ANNOTATION);
    List<String> args = job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
    if (file == null || !args.get(args.size() - 1).equals(PgstreamPods.CONFIG_DIR + "/" + file)) {
      return null;
    }
    String configMap = job.getSpec().getTemplate().getSpec().getVolumes().stream()
        .filter(v -> v.getConfigMap() != null).findFirst().orElseThrow().getConfigMap().getName();
    return client.configMaps().inNamespace(job.getMetadata().getNamespace()).withName(configMap).get().getData().get(file);
  }

  public Deployment deployment() {
    return client.apps().deployments().inNamespace(NAMESPACE).withName(name + "-stream").get();
  }

  /** Applies {@code change} to the stored pipeline, again when it conflicts with the operator's status writes. */
  public void edit(Consumer<PgstreamPipeline> change) {
    await().ignoreExceptions().until(() -> {
      PgstreamPipeline p = pipeline();
      change.accept(p);
      pipelines().resource(p).update();
      return true;
    });
  }

  /** Until the pipeline is Ready and streaming, with the kubelet reporting its Deployment available. */
  public void awaitStreaming(FakeKubelet kubelet) {
    await().until(() -> {
      kubelet.keepAvailable(NAMESPACE, name + "-stream");
      return "True/Streaming".equals(Conditions.of(pipeline(), "Ready"));
    });
  }

  /** Creates {@code p} with its Secrets, then plays init (creating {@code slot}) and the snapshot through to streaming. */
  public void driveToStreaming(PgstreamPipeline p, String slot, FakeKubelet kubelet) {
    Pipelines.secretsFor(name).forEach(s -> client.resource(s).create());
    pipelines().resource(p).create();
    await().until(() -> job("init") != null);
    TestDatabases.createSlot(slot);
    kubelet.jobSucceeded(NAMESPACE, name + "-init");
    await().until(() -> job("snapshot") != null);
    kubelet.jobSucceeded(NAMESPACE, name + "-snapshot");
    awaitStreaming(kubelet);
  }
}
