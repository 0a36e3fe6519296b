package io.pgstream.operator.lifecycle;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.support.FakePgstream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/** Everything the invariants look at after a step: the sequence's objects in the mock server and the lane's slots. */
record Observation(
    Map<String, PgstreamPipeline> pipelines,
    List<Job> jobs,
    List<Deployment> deployments,
    List<Pod> pods,
    List<ConfigMap> configMaps,
    List<Event> events,
    List<FakePgstream.SlotRef> slots) {

  static Observation of(KubernetesClient client, List<String> namespaces, ModelLane lane) {
    Map<String, PgstreamPipeline> pipelines = new TreeMap<>();
    List<Job> jobs = new ArrayList<>();
    List<Deployment> deployments = new ArrayList<>();
    List<Pod> pods = new ArrayList<>();
    List<ConfigMap> configMaps = new ArrayList<>();
    List<Event> events = new ArrayList<>();
    for (String ns : namespaces) {
      client.resources(PgstreamPipeline.class).inNamespace(ns).list().getItems()
          .forEach(p -> pipelines.put(ns + "/" + p.getMetadata().getName(), p));
      jobs.addAll(client.batch().v1().jobs().inNamespace(ns).list().getItems());
      deployments.addAll(client.apps().deployments().inNamespace(ns).list().getItems());
      pods.addAll(client.pods().inNamespace(ns).list().getItems());
      configMaps.addAll(client.configMaps().inNamespace(ns).list().getItems());
      events.addAll(client.v1().events().inNamespace(ns).list().getItems());
    }
    Comparator<HasMetadata> byName = Comparator.comparing(o -> o.getMetadata().getNamespace() + "/" + o.getMetadata().getName());
    jobs.sort(byName);
    deployments.sort(byName);
    pods.sort(byName);
    return new Observation(pipelines, jobs, deployments, pods, configMaps, events, lane.slots());
  }

  Optional<PgstreamPipeline> pipeline(ModelPipeline m) {
    return Optional.ofNullable(pipelines.get(m.namespace + "/" + m.name));
  }

  Optional<Deployment> deployment(ModelPipeline m) {
    return deployments.stream().filter(d -> in(d, m) && d.getMetadata().getName().equals(m.name + "-stream")).findFirst();
  }

  Optional<Job> job(String namespace, String name) {
    return jobs.stream()
        .filter(j -> j.getMetadata().getNamespace().equals(namespace) && j.getMetadata().getName().equals(name))
        .findFirst();
  }

  boolean jobExists(String uid) {
    return jobs.stream().anyMatch(j -> j.getMetadata().getUid().equals(uid) && j.getMetadata().getDeletionTimestamp() == null);
  }

  Optional<Map<String, String>> config(ModelPipeline m) {
    return configMaps.stream()
        .filter(c -> in(c, m) && c.getMetadata().getName().equals(m.name + "-pgstream-config"))
        .map(ConfigMap::getData)
        .filter(Objects::nonNull)
        .findFirst();
  }

  /** Pods that may still run pgstream (a finished pod writes nothing more). */
  List<Pod> unfinishedPods() {
    return pods.stream().filter(Observation::unfinished).toList();
  }

  static boolean unfinished(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return !"Succeeded".equals(phase) && !"Failed".equals(phase);
  }

  /** The streaming pods of pipeline {@code m} that still run, the Deployment's or one it left behind. */
  boolean streams(ModelPipeline m) {
    return deployment(m).isPresent()
        || unfinishedPods().stream().anyMatch(p -> in(p, m) && p.getMetadata().getName().startsWith(m.name + "-stream-"));
  }

  static boolean in(HasMetadata o, ModelPipeline m) {
    return o.getMetadata().getNamespace().equals(m.namespace);
  }

  static String label(HasMetadata o, String key) {
    return o.getMetadata().getLabels() == null ? null : o.getMetadata().getLabels().get(key);
  }
}
