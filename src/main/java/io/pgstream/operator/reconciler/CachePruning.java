package io.pgstream.operator.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.SSABasedGenericKubernetesResourceMatcher;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import java.util.List;
import java.util.function.Function;

/**
 * Drops from the informer caches what no reconcile reads. {@code metadata.managedFields}, parsed, were
 * more than half of what a cached pipeline, its Job, ConfigMap and Secret cost (31 of 57 KiB); only
 * JOSDK's server-side-apply matcher reads them, the operator's own Apply entry of the streaming
 * Deployment (ConfigMaps and Secrets are matched without it, Jobs are never updated). A Job's pod
 * template (8 of the 12 KiB left of a Job) is not read either: a Job is never updated, and what it runs
 * with is read from its annotations ({@link io.pgstream.operator.dependent.StepJobDependent}). The
 * objects the operator writes enter the cache whole for a moment (JOSDK's cache of its own writes)
 * until the watch brings them.
 *
 * <p>It is an index function that indexes nothing: the one hook that runs on every object as its
 * informer stores it. A pruning ItemStore would be JOSDK's own way, but JOSDK hands one ItemStore to
 * the informers of all watched namespaces, which then see each other's objects and, on a relist,
 * remove them.
 */
final class CachePruning {
  static final String INDEX = "pgstream.io/cache-pruned";

  private CachePruning() {}

  /** Prunes what {@code cache} stores from now on; call before its informer starts. */
  static <R extends HasMetadata> void install(IndexerResourceCache<R> cache, Class<R> type, String fieldManager) {
    cache.addIndexer(INDEX, pruning(type, fieldManager));
  }

  /** Prunes an object of {@code type} in place; indexes it under no key. */
  static <R extends HasMetadata> Function<R, List<String>> pruning(Class<R> type, String fieldManager) {
    if (type == Deployment.class) {
      return r -> keepApplyOf(r, fieldManager);
    }
    return type == Job.class ? r -> dropPodTemplate((Job) r) : CachePruning::dropManagedFields;
  }

  private static List<String> dropPodTemplate(Job job) {
    if (job.getSpec() != null) {
      job.getSpec().setTemplate(null);
    }
    return dropManagedFields(job);
  }

  private static List<String> dropManagedFields(HasMetadata r) {
    r.getMetadata().setManagedFields(null);
    return List.of();
  }

  private static List<String> keepApplyOf(HasMetadata r, String fieldManager) {
    List<ManagedFieldsEntry> entries = r.getMetadata().getManagedFields();
    if (entries != null) {
      r.getMetadata()
          .setManagedFields(
              entries.stream()
                  .filter(e -> fieldManager.equals(e.getManager()))
                  .filter(e -> SSABasedGenericKubernetesResourceMatcher.APPLY_OPERATION.equals(e.getOperation()))
                  .toList());
    }
    return List.of();
  }
}
