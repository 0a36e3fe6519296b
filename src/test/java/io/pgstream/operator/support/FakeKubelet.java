package io.pgstream.operator.support;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Plays the part of the kubelet and the Job and Deployment controllers, which the mock API server
 * does not run: it writes the status those controllers would write.
 */
public final class FakeKubelet {
  private final KubernetesClient client;

  public FakeKubelet(KubernetesClient client) {
    this.client = client;
  }

  public void jobSucceeded(String namespace, String name) {
    Job job = client.batch().v1().jobs().inNamespace(namespace).withName(name).get();
    job.setStatus(
        new JobStatusBuilder()
            .withSucceeded(1)
            .withCompletionTime("2026-11-24T10:00:00Z")
            .addNewCondition()
            .withType("Complete")
            .withStatus("True")
            .endCondition()
            .build());
    client.batch().v1().jobs().inNamespace(namespace).resource(job).updateStatus();
  }

  /** Fails the Job the way a pod whose container exited 1 with {@code log} as its last output does. */
  public void jobFailed(String namespace, String name, String log) {
    client
        .pods()
        .inNamespace(namespace)
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(name + "-x1")
                .withNamespace(namespace)
                .addToLabels("job-name", name)
                .endMetadata()
                .withNewStatus()
                .addNewContainerStatus()
                .withName("pgstream")
                .withNewState()
                .withNewTerminated()
                .withExitCode(1)
                .withReason("Error")
                .withMessage(log)
                .endTerminated()
                .endState()
                .endContainerStatus()
                .endStatus()
                .build())
        .create();
    Job job = client.batch().v1().jobs().inNamespace(namespace).withName(name).get();
    job.setStatus(
        new JobStatusBuilder()
            .withFailed(1)
            .addNewCondition()
            .withType("Failed")
            .withStatus("True")
            .withReason("BackoffLimitExceeded")
            .withMessage("Job has reached the specified backoff limit")
            .endCondition()
            .build());
    client.batch().v1().jobs().inNamespace(namespace).resource(job).updateStatus();
  }

  public void deploymentAvailable(String namespace, String name) {
    Deployment d = client.apps().deployments().inNamespace(namespace).withName(name).get();
    d.setStatus(new DeploymentStatusBuilder().withReplicas(1).withReadyReplicas(1).withAvailableReplicas(1).build());
    client.apps().deployments().inNamespace(namespace).resource(d).updateStatus();
  }
}
