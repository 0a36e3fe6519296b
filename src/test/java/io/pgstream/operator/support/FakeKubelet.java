package io.pgstream.operator.support;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.time.temporal.ChronoUnit;

/**
 * Plays the part of the kubelet and the Job and Deployment controllers, which neither the mock API
 * server nor the e2e tier's bare kube-apiserver runs: it writes the status those controllers would
 * write, in the shape a real API server's status validation accepts (a finished Job has a start time,
 * and Complete comes with SuccessCriteriaMet, Failed with FailureTarget).
 */
public final class FakeKubelet {
  private final KubernetesClient client;

  public FakeKubelet(KubernetesClient client) {
    this.client = client;
  }

  public void jobSucceeded(String namespace, String name) {
    markSucceeded(client.batch().v1().jobs().inNamespace(namespace).withName(name).get());
  }

  private void markSucceeded(Job job) {
    String now = now();
    job.setStatus(
        new JobStatusBuilder()
            .withStartTime(now)
            .withSucceeded(1)
            .withCompletionTime(now)
            .addToConditions(condition("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods", now))
            .addToConditions(condition("Complete", "CompletionsReached", "Reached expected number of succeeded pods", now))
            .build());
    client.batch().v1().jobs().inNamespace(job.getMetadata().getNamespace()).resource(job).updateStatus();
  }

  /**
   * The Job controller's pod for {@code job}, running: named after the Job and its UID, labelled as
   * the Job controller labels it (its template's labels, job-name and controller-uid), so a successor Job of the same name gets pods of its own. Unlike a
   * real cluster, the mock server has no garbage collector: the pod stays after its Job is deleted
   * until the test removes it, which is how a pod still terminating after its Job is gone looks.
   */
  public Pod jobPodRunning(Job job) {
    String uid = job.getMetadata().getUid();
    Map<String, String> labels = new HashMap<>(Optional.ofNullable(job.getSpec().getTemplate().getMetadata())
        .map(ObjectMeta::getLabels).orElse(Map.of()));
    labels.put("job-name", job.getMetadata().getName());
    labels.put("controller-uid", uid);
    return runningPod(job.getMetadata().getNamespace(), job.getMetadata().getName() + "-" + podSuffix(uid), labels, job.getSpec().getTemplate().getSpec());
  }

  private Pod runningPod(String namespace, String name, Map<String, String> labels, PodSpec spec) {
    ensureDefaultServiceAccount(namespace);
    Pod pod =
        client
            .pods()
            .inNamespace(namespace)
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .withNamespace(namespace)
                    .withLabels(labels)
                    .endMetadata()
                    .withSpec(spec)
                    .build())
            .create();
    pod.setStatus(new PodStatusBuilder().withPhase("Running").build());
    return client.pods().inNamespace(namespace).resource(pod).updateStatus();
  }

  /**
   * The pod {@link #jobPodRunning} started ends (exit 0, or exit 1 with {@code log} as its last
   * output), and so does its Job if it still exists with the pod's UID (a pod without one: the Job of its name).
   */
  public void jobPodFinished(Pod pod, boolean succeeded, String log) {
    String namespace = pod.getMetadata().getNamespace();
    pod.setStatus(
        new PodStatusBuilder()
            .withPhase(succeeded ? "Succeeded" : "Failed")
            .addNewContainerStatus()
            .withName("pgstream")
            .withImage("pgstream")
            .withImageID("")
            .withReady(false)
            .withRestartCount(0)
            .withNewState()
            .withNewTerminated()
            .withExitCode(succeeded ? 0 : 1)
            .withReason(succeeded ? "Completed" : "Error")
            .withMessage(log)
            .endTerminated()
            .endState()
            .endContainerStatus()
            .build());
    client.pods().inNamespace(namespace).resource(pod).updateStatus();
    Job job = client.batch().v1().jobs().inNamespace(namespace).withName(pod.getMetadata().getLabels().get("job-name")).get();
    String uid = pod.getMetadata().getLabels().get("controller-uid");
    if (job == null || (uid != null && !job.getMetadata().getUid().equals(uid))) {
      return;
    }
    if (succeeded) {
      markSucceeded(job);
      return;
    }
    String now = now();
    String reason = "BackoffLimitExceeded";
    String message = "Job has reached the specified backoff limit";
    job.setStatus(
        new JobStatusBuilder()
            .withStartTime(now)
            .withFailed(1)
            .addToConditions(condition("FailureTarget", reason, message, now))
            .addToConditions(condition("Failed", reason, message, now))
            .build());
    client.batch().v1().jobs().inNamespace(namespace).resource(job).updateStatus();
  }

  /** The suffix of the pods {@link #jobPodRunning} and {@link #deploymentPodRunning} name after their owner's UID. */
  public static String podSuffix(String uid) {
    String hex = uid.replace("-", "");
    return hex.substring(hex.length() - 10);
  }

  /** The Deployment's pod, running but not ready yet, named after the Deployment's UID (see {@link #jobPodRunning}). */
  public Pod deploymentPodRunning(Deployment d) {
    return runningPod(
        d.getMetadata().getNamespace(),
        d.getMetadata().getName() + "-" + podSuffix(d.getMetadata().getUid()),
        d.getSpec().getTemplate().getMetadata().getLabels(),
        d.getSpec().getTemplate().getSpec());
  }


  /** Fails the Job the way a pod whose container exited 1 with {@code log} as its last output does. */
  public void jobFailed(String namespace, String name, String log) {
    PodSpec spec = new PodSpecBuilder().addNewContainer().withName("pgstream").withImage("pgstream").endContainer().withRestartPolicy("Never").build();
    jobPodFinished(runningPod(namespace, name + "-x1", Map.of("job-name", name), spec), false, log);
  }

  /** Kubernetes timestamps have whole seconds. */
  private static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static JobCondition condition(String type, String reason, String message, String now) {
    return new JobConditionBuilder()
        .withType(type)
        .withStatus("True")
        .withReason(reason)
        .withMessage(message)
        .withLastProbeTime(now)
        .withLastTransitionTime(now)
        .build();
  }

  /**
   * The streaming Deployment's pod after pgstream exited with {@code log} as its output: the kubelet
   * keeps the end of the log as the termination message (FallbackToLogsOnError) and restarts the
   * container with back-off, and the Deployment has no available replica.
   */
  public void streamingPodCrashing(String namespace, String deployment, String log) {
    Pod pod = streamingPod(namespace, deployment);
    pod.setStatus(
        new PodStatusBuilder()
            .withPhase("Running")
            .addNewContainerStatus()
            .withName("pgstream")
            .withImage("pgstream")
            .withImageID("")
            .withReady(false)
            .withRestartCount(1)
            .withNewState()
            .withNewWaiting()
            .withReason("CrashLoopBackOff")
            .endWaiting()
            .endState()
            .withNewLastState()
            .withNewTerminated()
            .withExitCode(1)
            .withReason("Error")
            .withMessage(terminationMessage(log))
            .endTerminated()
            .endLastState()
            .endContainerStatus()
            .build());
    client.pods().inNamespace(namespace).resource(pod).updateStatus();
    Deployment d = client.apps().deployments().inNamespace(namespace).withName(deployment).get();
    d.setStatus(
        new DeploymentStatusBuilder()
            .withObservedGeneration(d.getMetadata().getGeneration())
            .withReplicas(1)
            .withUpdatedReplicas(1)
            .withUnavailableReplicas(1)
            .build());
    client.apps().deployments().inNamespace(namespace).resource(d).updateStatus();
  }

  /** The streaming pod running again (its container restarted once), and the Deployment available. */
  public void streamingPodRunning(String namespace, String deployment) {
    Pod pod = streamingPod(namespace, deployment);
    pod.setStatus(
        new PodStatusBuilder()
            .withPhase("Running")
            .addNewContainerStatus()
            .withName("pgstream")
            .withImage("pgstream")
            .withImageID("")
            .withReady(true)
            .withRestartCount(2)
            .withNewState()
            .withNewRunning()
            .withStartedAt(now())
            .endRunning()
            .endState()
            .endContainerStatus()
            .build());
    client.pods().inNamespace(namespace).resource(pod).updateStatus();
    deploymentAvailable(namespace, deployment);
  }

  /**
   * A streaming pod of {@code d}'s template, running: what the ReplicaSet controller and the kubelet
   * show before the container starts, even if the Deployment is being deleted meanwhile.
   */
  public void streamingPodStarted(Deployment d) {
    Pod pod = createStreamingPod(d);
    pod.setStatus(new PodStatusBuilder().withPhase("Running").build());
    client.pods().inNamespace(d.getMetadata().getNamespace()).resource(pod).updateStatus();
  }

  /** The streaming pod's object removed once its container has exited. */
  public void streamingPodGone(String namespace, String deployment) {
    client.pods().inNamespace(namespace).withName(deployment + "-x1").withGracePeriod(0).delete();
  }

  /** The streaming container restarted in its pod (the kubelet counts restarts per container). */
  public void streamingContainerRestarted(String namespace, String deployment) {
    Pod pod = streamingPod(namespace, deployment);
    var status = pod.getStatus().getContainerStatuses().get(0);
    status.setRestartCount(status.getRestartCount() + 1);
    client.pods().inNamespace(namespace).resource(pod).updateStatus();
  }

  /** The Deployment's one pod, created from its template on first use. */
  private Pod streamingPod(String namespace, String deployment) {
    Pod existing = client.pods().inNamespace(namespace).withName(deployment + "-x1").get();
    return existing != null ? existing : createStreamingPod(client.apps().deployments().inNamespace(namespace).withName(deployment).get());
  }

  private Pod createStreamingPod(Deployment d) {
    String namespace = d.getMetadata().getNamespace();
    ensureDefaultServiceAccount(namespace);
    return client
        .pods()
        .inNamespace(namespace)
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(d.getMetadata().getName() + "-x1")
                .withNamespace(namespace)
                .withLabels(d.getSpec().getTemplate().getMetadata().getLabels())
                .withAnnotations(d.getSpec().getTemplate().getMetadata().getAnnotations())
                .endMetadata()
                .withSpec(d.getSpec().getTemplate().getSpec())
                .build())
        .createOr(NonDeletingOperation::update);
  }


  /** The service-account controller gives every namespace its default account; pods need it to be admitted. */
  private void ensureDefaultServiceAccount(String namespace) {
    if (client.serviceAccounts().inNamespace(namespace).withName("default").get() == null) {
      client.serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder().withNewMetadata().withName("default").endMetadata().build()).create();
    }
  }

  /** What the kubelet keeps of a log as the termination message: the last 80 lines, at most 2048 bytes. */
  public static String terminationMessage(String log) {
    List<String> lines = log.lines().toList();
    String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
    byte[] bytes = tail.getBytes(StandardCharsets.UTF_8);
    return bytes.length <= 2048 ? tail : new String(bytes, bytes.length - 2048, 2048, StandardCharsets.UTF_8);
  }

  /**
   * What the Deployment controller does after a template change (the mock server drops the status on
   * every update): the new generation becomes available. A streaming Deployment rolls on its own once
   * the stream is past the snapshot (on_conflict_action nothing to error), at a moment tests cannot pin.
   */
  public void keepAvailable(String namespace, String name) {
    Deployment d = client.apps().deployments().inNamespace(namespace).withName(name).get();
    if (d != null && (d.getStatus() == null || !d.getMetadata().getGeneration().equals(d.getStatus().getObservedGeneration()))) {
      deploymentAvailable(namespace, name);
    }
  }

  public void deploymentAvailable(String namespace, String name) {
    Deployment d = client.apps().deployments().inNamespace(namespace).withName(name).get();
    if (d == null) {
      throw new KubernetesClientException("Deployment " + namespace + "/" + name + " is gone", 404, null);
    }
    d.setStatus(
        new DeploymentStatusBuilder()
            .withObservedGeneration(d.getMetadata().getGeneration())
            .withReplicas(1)
            .withUpdatedReplicas(1)
            .withReadyReplicas(1)
            .withAvailableReplicas(1)
            .build());
    client.apps().deployments().inNamespace(namespace).resource(d).updateStatus();
  }
}
