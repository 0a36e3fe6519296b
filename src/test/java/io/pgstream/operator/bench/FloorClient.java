package io.pgstream.operator.bench;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.pgstream.operator.api.PgstreamPipeline;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The floor: a plain Fabric8 client with 50 threads that, for each new pipeline its informer shows,
 * makes exactly the writes a pipeline needs, with copies of the operator's own objects: ConfigMap,
 * Secret, Job (plain creates) and the status (one PUT). No reads, no checks, no Events, no finalizer.
 */
final class FloorClient implements AutoCloseable {
  static final int THREADS = 50;
  /** Fields the API server fills in on a Job, which a create must not carry. */
  private static final List<String> JOB_SERVER_LABELS =
      List.of("controller-uid", "batch.kubernetes.io/controller-uid", "job-name", "batch.kubernetes.io/job-name");

  /** One pipeline's children as the operator made them; {@code name} is that pipeline's name. */
  record Templates(String name, HasMetadata configMap, HasMetadata secret, Job job, PgstreamPipeline pipeline) {}

  private final KubernetesClient client;
  private final Templates templates;
  private final ExecutorService workers = Executors.newFixedThreadPool(THREADS);
  private final AtomicLong failures = new AtomicLong();
  private SharedIndexInformer<PgstreamPipeline> informer;

  FloorClient(KubernetesClient client, Templates templates) {
    this.client = client;
    this.templates = templates;
  }

  void watch(String namespace) {
    informer = client.resources(PgstreamPipeline.class).inNamespace(namespace).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(PgstreamPipeline p) {
        workers.submit(() -> writeChildren(p));
      }

      @Override
      public void onUpdate(PgstreamPipeline before, PgstreamPipeline after) {}

      @Override
      public void onDelete(PgstreamPipeline p, boolean unknownFinalStateOutcome) {}
    });
  }

  long failures() {
    return failures.get();
  }

  private void writeChildren(PgstreamPipeline p) {
    try {
      client.resource(copy(templates.configMap(), p)).create();
      client.resource(copy(templates.secret(), p)).create();
      Job job = copy(templates.job(), p);
      job.getSpec().setSelector(null);
      job.getSpec().getTemplate().getMetadata().getLabels().keySet().removeAll(JOB_SERVER_LABELS);
      client.resource(job).create();
      PgstreamPipeline withStatus = Serialization.clone(p);
      withStatus.setStatus(Serialization.clone(templates.pipeline().getStatus()));
      client.resource(withStatus).updateStatus();
    } catch (RuntimeException e) {
      failures.incrementAndGet();
    }
  }

  /** The template renamed for {@code p} (same length names, so the same size), owned by it, as a create sends it. */
  @SuppressWarnings("unchecked")
  private <R extends HasMetadata> R copy(R template, PgstreamPipeline p) {
    String json = Serialization.asJson(template).replace(templates.name(), p.getMetadata().getName());
    R copy = (R) Serialization.unmarshal(json, template.getClass());
    ObjectMeta m = copy.getMetadata();
    m.setNamespace(p.getMetadata().getNamespace());
    m.setUid(null);
    m.setResourceVersion(null);
    m.setCreationTimestamp(null);
    m.setManagedFields(null);
    m.setGeneration(null);
    m.setOwnerReferences(List.of(new OwnerReferenceBuilder().withApiVersion(p.getApiVersion()).withKind(p.getKind())
        .withName(p.getMetadata().getName()).withUid(p.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).build()));
    if (copy instanceof Job job) {
      job.setStatus(null);
    }
    return copy;
  }

  @Override
  public void close() throws InterruptedException {
    if (informer != null) {
      informer.close();
    }
    workers.shutdown();
    workers.awaitTermination(1, TimeUnit.MINUTES);
  }
}
