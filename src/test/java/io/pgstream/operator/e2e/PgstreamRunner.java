package io.pgstream.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapKeySelector;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pgstream.operator.config.CredentialEnv;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.dependent.PgstreamPods;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real pgstream binary in place of the image's entrypoint: either a pod's container as the
 * kubelet would start it (its args, its env resolved from Secrets, its ConfigMap's files where the pod
 * mounts them), or a command with files and env given directly.
 */
public final class PgstreamRunner {
  private final Path binary;

  public PgstreamRunner(Path binary) {
    this.binary = binary;
  }

  /** A started pgstream and the file its output goes to. */
  public record Started(Process process, Path log) {
    public int waitFor() {
      try {
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
          process.destroyForcibly();
          throw new AssertionError("pgstream did not finish in 5 minutes:\n" + output());
        }
        return process.exitValue();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    public String output() {
      try {
        return Files.readString(log);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    public void stop() {
      process.destroy();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The pod's only container, with the ConfigMap volume and the env of the pod in {@code namespace}. */
  Started startPod(KubernetesClient client, String namespace, PodSpec pod) {
    return startPod(client, namespace, pod, PgstreamConfigRenderer.HEALTH_PORT);
  }

  /** As {@link #startPod(KubernetesClient, String, PodSpec)}, with pgstream's health endpoint on loopback's {@code healthPort}. */
  Started startPod(KubernetesClient client, String namespace, PodSpec pod, int healthPort) {
    Container c = pod.getContainers().get(0);
    ConfigMap cm = client.configMaps().inNamespace(namespace).withName(pod.getVolumes().get(0).getConfigMap().getName()).get();
    return start(c.getArgs(), onHealthPort(cm.getData(), healthPort), env(client, namespace, c));
  }

  /** As the kubelet builds it: envFrom first (each key behind its prefix), then env, a later name winning. */
  private static Map<String, String> env(KubernetesClient client, String namespace, Container c) {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvFromSource from : c.getEnvFrom() == null ? List.<EnvFromSource>of() : c.getEnvFrom()) {
      String prefix = from.getPrefix() == null ? "" : from.getPrefix();
      Map<String, String> data =
          from.getConfigMapRef() != null
              ? client.configMaps().inNamespace(namespace).withName(from.getConfigMapRef().getName()).get().getData()
              : secretData(client.secrets().inNamespace(namespace).withName(from.getSecretRef().getName()).get());
      data.forEach((k, v) -> env.put(prefix + k, v));
    }
    for (EnvVar e : c.getEnv()) {
      if (e.getValueFrom() == null) {
        env.put(e.getName(), e.getValue());
      } else if (e.getValueFrom().getConfigMapKeyRef() != null) {
        ConfigMapKeySelector ref = e.getValueFrom().getConfigMapKeyRef();
        env.put(e.getName(), client.configMaps().inNamespace(namespace).withName(ref.getName()).get().getData().get(ref.getKey()));
      } else {
        SecretKeySelector ref = e.getValueFrom().getSecretKeyRef();
        env.put(e.getName(), secretData(client.secrets().inNamespace(namespace).withName(ref.getName()).get()).get(ref.getKey()));
      }
    }
    return env;
  }

  private static Map<String, String> secretData(Secret s) {
    Map<String, String> out = new LinkedHashMap<>();
    s.getData().forEach((k, v) -> out.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    return out;
  }

  /** The credential variables of a pgstream pod for these logins, unencoded (plain passwords need none). */
  static Map<String, String> env(ResolvedCredentials logins) {
    return Map.of(
        CredentialEnv.SOURCE_USER, logins.sourceUser(),
        CredentialEnv.SOURCE_PASSWORD, logins.sourcePassword(),
        CredentialEnv.TARGET_USER, logins.targetUser(),
        CredentialEnv.TARGET_PASSWORD, logins.targetPassword());
  }

  /** pgstream with {@code args}, {@code files} written where /etc/pgstream is mounted, and {@code env}. */
  public Started start(List<String> args, Map<String, String> files, Map<String, String> env) {
    try {
      Path dir = Files.createTempDirectory(Peers.work(), "pod");
      // The URLs name the CA files by their mount path, percent-encoded.
      String mounted = URLEncoder.encode(PgstreamPods.CONFIG_DIR + "/", StandardCharsets.UTF_8);
      String here = URLEncoder.encode(dir + "/", StandardCharsets.UTF_8);
      for (var file : files.entrySet()) {
        Files.writeString(dir.resolve(file.getKey()), file.getValue().replace(mounted, here));
      }
      List<String> command = new ArrayList<>();
      command.add(binary.toString());
      for (String arg : args) {
        command.add(arg.replace(PgstreamPods.CONFIG_DIR, dir.toString()));
      }
      Path log = dir.resolve("pgstream.log");
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment().putAll(env);
      return new Started(pb.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Each pod has its own 9910; here pgstream processes share the host with other test runs. */
  static Map<String, String> onFreeHealthPort(Map<String, String> files) {
    Map<String, String> out = onHealthPort(files, freePort());
    assertThat(out).isNotEqualTo(files);
    return out;
  }

  static int freePort() {
    try (ServerSocket free = new ServerSocket(0)) {
      return free.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, String> onHealthPort(Map<String, String> files, int port) {
    String address = "0.0.0.0:" + PgstreamConfigRenderer.HEALTH_PORT;
    Map<String, String> out = new HashMap<>();
    files.forEach((name, yaml) -> out.put(name, yaml.replace(address, "127.0.0.1:" + port)));
    return out;
  }
}
