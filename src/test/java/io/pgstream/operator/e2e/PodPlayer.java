package io.pgstream.operator.e2e;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pgstream.operator.support.FakeKubelet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Plays, for one namespace of the bare API server, what a node and kube-controller-manager would do,
 * with the real pgstream binary: a Job's pod runs once and the Job controller's status follows its
 * exit; the Deployment's pod (a Pod object while its process runs, as the operator would see one) runs
 * its current template, is replaced when the template changes,
 * restarted after a crash, and reported available once pgstream's /ready answers; a pod whose Job or
 * Deployment is deleted is stopped; and, as the garbage collector does, a foreground deletion finishes
 * only after the pod is gone. pgstream's health endpoint listens on a free port of the player's own,
 * since pgstream processes of other test runs may share the host (a pod would have 9910 to itself).
 */
final class PodPlayer implements AutoCloseable {
  private static final String FOREGROUND = "foregroundDeletion";
  private static final Duration RESTART_BACKOFF = Duration.ofSeconds(5);

  private final KubernetesClient admin;
  private final String namespace;
  private final PgstreamRunner pgstream;
  private final FakeKubelet controllers;
  private final int healthPort = PgstreamRunner.freePort();
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
  private final Map<String, PgstreamRunner.Started> jobPods = new HashMap<>();
  private final Set<String> jobsReported = new HashSet<>();
  private final Map<String, StreamingPod> streamingPods = new HashMap<>();
  private final List<String> history = new ArrayList<>();

  /** The pod of one Deployment generation. */
  private static final class StreamingPod {
    final long generation;
    PgstreamRunner.Started run;
    boolean reportedAvailable;
    Instant crashedAt;

    StreamingPod(long generation, PgstreamRunner.Started run) {
      this.generation = generation;
      this.run = run;
    }
  }

  PodPlayer(KubernetesClient admin, String namespace, PgstreamRunner pgstream) {
    this.admin = admin;
    this.namespace = namespace;
    this.pgstream = pgstream;
    this.controllers = new FakeKubelet(admin);
  }

  PodPlayer start() {
    loop.scheduleWithFixedDelay(this::tickSafely, 0, 500, TimeUnit.MILLISECONDS);
    return this;
  }

  /** What ran, in order ("job x started", "deployment y generation 3 started", ...), for failure messages. */
  synchronized List<String> history() {
    return List.copyOf(history);
  }

  /** Whether a streaming pod of {@code deployment} runs (a stopped one has exited: it writes nothing more). */
  synchronized boolean streaming(String deployment) {
    return streamingPods.containsKey(deployment);
  }

  /** The output of the current streaming pod of {@code deployment}, or "" when none runs. */
  synchronized String streamingOutput(String deployment) {
    StreamingPod pod = streamingPods.get(deployment);
    return pod == null ? "" : pod.run.output();
  }

  /** The environment the current streaming pgstream process of {@code deployment} runs with, read from /proc. */
  synchronized Map<String, String> streamingEnvironment(String deployment) {
    StreamingPod pod = streamingPods.get(deployment);
    if (pod == null || !pod.run.process().isAlive()) {
      return Map.of();
    }
    try {
      Map<String, String> env = new HashMap<>();
      for (String entry : Files.readString(Path.of("/proc", Long.toString(pod.run.process().pid()), "environ")).split("\0")) {
        int eq = entry.indexOf('=');
        if (eq > 0) {
          env.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
      }
      return env;
    } catch (IOException e) {
      return Map.of();
    }
  }

  private void tickSafely() {
    try {
      tick();
    } catch (RuntimeException e) {
      record("tick failed: " + e);
    }
  }

  private synchronized void tick() {
    playJobs();
    playDeployments();
  }

  private void playJobs() {
    Set<String> present = new HashSet<>();
    for (Job job : admin.batch().v1().jobs().inNamespace(namespace).list().getItems()) {
      String uid = job.getMetadata().getUid();
      String name = job.getMetadata().getName();
      present.add(uid);
      PgstreamRunner.Started run = jobPods.get(uid);
      if (job.getMetadata().getDeletionTimestamp() != null) {
        if (run != null && run.process().isAlive()) {
          run.stop();
          record("job " + name + " pod stopped (Job deleted)");
        }
        finishForegroundDeletion(job);
        continue;
      }
      if (run == null && !finished(job)) {
        jobPods.put(uid, pgstream.startPod(admin, namespace, job.getSpec().getTemplate().getSpec(), healthPort));
        record("job " + name + " pod started");
      } else if (run != null && !run.process().isAlive() && jobsReported.add(uid)) {
        if (run.process().exitValue() == 0) {
          controllers.jobSucceeded(namespace, name);
          record("job " + name + " succeeded");
        } else {
          controllers.jobFailed(namespace, name, FakeKubelet.terminationMessage(run.output()));
          record("job " + name + " failed: " + run.output().lines().reduce((a, b) -> b).orElse(""));
        }
      }
    }
    jobPods.entrySet().removeIf(e -> {
      if (!present.contains(e.getKey())) {
        e.getValue().stop();
        return true;
      }
      return false;
    });
  }

  private void playDeployments() {
    Set<String> present = new HashSet<>();
    for (Deployment d : admin.apps().deployments().inNamespace(namespace).list().getItems()) {
      String name = d.getMetadata().getName();
      StreamingPod pod = streamingPods.get(name);
      if (d.getMetadata().getDeletionTimestamp() != null) {
        stop(name, "Deployment deleted");
        finishForegroundDeletion(d);
        continue;
      }
      present.add(name);
      long generation = d.getMetadata().getGeneration();
      if (pod == null || pod.generation != generation) {
        stop(name, "template changed");
        // One streaming pod per Deployment (replicas 1, strategy Recreate): the old one is gone first.
        controllers.streamingPodStarted(d);
        streamingPods.put(name, new StreamingPod(generation, pgstream.startPod(admin, namespace, d.getSpec().getTemplate().getSpec(), healthPort)));
        record("deployment " + name + " generation " + generation + " pod started");
        continue;
      }
      if (pod.run.process().isAlive()) {
        if (!pod.reportedAvailable && ready()) {
          controllers.deploymentAvailable(namespace, name);
          pod.reportedAvailable = true;
          record("deployment " + name + " generation " + generation + " available");
        }
      } else if (pod.crashedAt == null) {
        pod.crashedAt = Instant.now();
        controllers.streamingPodCrashing(namespace, name, pod.run.output());
        record("deployment " + name + " pod exited " + pod.run.process().exitValue() + ": "
            + pod.run.output().lines().reduce((a, b) -> b).orElse(""));
      } else if (Instant.now().isAfter(pod.crashedAt.plus(RESTART_BACKOFF))) {
        pod.run = pgstream.startPod(admin, namespace, d.getSpec().getTemplate().getSpec(), healthPort);
        pod.crashedAt = null;
        pod.reportedAvailable = false;
        record("deployment " + name + " pod restarted");
      }
    }
    for (String name : new ArrayList<>(streamingPods.keySet())) {
      if (!present.contains(name)) {
        stop(name, "Deployment gone");
      }
    }
  }

  private void stop(String deployment, String why) {
    StreamingPod pod = streamingPods.remove(deployment);
    if (pod != null) {
      pod.run.stop();
      controllers.streamingPodGone(namespace, deployment);
      record("deployment " + deployment + " pod stopped (" + why + ")");
    }
  }

  /** pgstream's health endpoint; one streaming pod runs at a time for a player. */
  private boolean ready() {
    try {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + "/ready")).build();
      return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The garbage collector's part of a foreground deletion, once the dependents (here: the pod) are gone. */
  private void finishForegroundDeletion(HasMetadata object) {
    List<String> finalizers = object.getMetadata().getFinalizers();
    if (finalizers != null && finalizers.contains(FOREGROUND)) {
      admin.resource(object).edit(o -> {
        o.getMetadata().getFinalizers().remove(FOREGROUND);
        return o;
      });
      record(object.getKind() + " " + object.getMetadata().getName() + " foreground deletion finished");
    }
  }

  private static boolean finished(Job job) {
    return job.getStatus() != null
        && job.getStatus().getConditions() != null
        && job.getStatus().getConditions().stream().anyMatch(c -> ("Complete".equals(c.getType()) || "Failed".equals(c.getType())) && "True".equals(c.getStatus()));
  }

  private void record(String what) {
    history.add(Instant.now() + " " + what);
  }

  @Override
  public synchronized void close() {
    loop.shutdownNow();
    jobPods.values().forEach(PgstreamRunner.Started::stop);
    streamingPods.values().forEach(p -> p.run.stop());
  }
}
