package io.pgstream.operator.credentials;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pgstream.operator.api.AdminLoginSpec;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.SecretKeyRef;
import io.pgstream.operator.api.SecretValueSource;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Reads the login Secrets a pipeline references ({@link ReferableSecrets}). */
public class CredentialsResolver {
  private final ReferableSecrets referable;

  /** Any Secret of the pipeline's namespace may be referenced: for the CLI, which reads with its user's rights. */
  public CredentialsResolver(KubernetesClient client) {
    this(new ReferableSecrets(client, false));
  }

  public CredentialsResolver(ReferableSecrets referable) {
    this.referable = referable;
  }

  /** Either credentials or the first problem found. */
  public sealed interface Result permits Resolved, Unavailable {}

  public record Resolved(ResolvedCredentials credentials) implements Result {}

  public record Unavailable(CredentialsProblem problem) implements Result {}

  /** Thrown inside {@link #resolve} to stop at the first problem. */
  private static final class Missing extends Exception {
    private final CredentialsProblem problem;

    Missing(CredentialsProblem problem) {
      super(problem.message(), null, false, false);
      this.problem = problem;
    }
  }

  public Result resolve(PgstreamPipeline pipeline) {
    Reader reader = new Reader(pipeline.getMetadata().getNamespace());
    PgstreamPipelineSpec spec = pipeline.getSpec();
    try {
      Login source = reader.login(spec.source.username, spec.source.password, "source");
      Login target = reader.login(spec.target.username, spec.target.password, "target");
      Login sourceAdmin = spec.prepare == null ? null : reader.admin(spec.prepare.source, "source admin");
      Login targetAdmin = spec.prepare == null ? null : reader.admin(spec.prepare.target, "target admin");
      if (referable.requireReferenceLabel() && spec.podTemplate != null && spec.podTemplate.spec != null) {
        // The kubelet, not the operator, reads these; the label guard still decides which Secrets a pipeline may name.
        for (String name : spec.podTemplate.spec.secretNames()) {
          reader.offered(name);
        }
      }
      // The logins pgstream connects with; the admins otherwise only serve the operator's own JDBC.
      Optional<CredentialsProblem> unsupported =
          PasswordCharacters.check(source, "source")
              .or(() -> PasswordCharacters.check(target, "target"))
              .or(() -> spec.initAsAdmin() ? PasswordCharacters.check(sourceAdmin, "source admin") : Optional.empty());
      if (unsupported.isPresent()) {
        return new Unavailable(unsupported.get());
      }
      return new Resolved(new ResolvedCredentials(source, target, sourceAdmin, targetAdmin));
    } catch (Missing m) {
      return new Unavailable(m.problem);
    }
  }

  /** Reads each Secret once per resolution. */
  private final class Reader {
    private final String namespace;
    private final Map<String, Secret> secrets = new HashMap<>();

    Reader(String namespace) {
      this.namespace = namespace;
    }

    Login login(SecretValueSource user, SecretValueSource password, String role) throws Missing {
      return new Login(value(user.secretKeyRef, role + " username"), value(password.secretKeyRef, role + " password"));
    }

    /**
     * The admin login from Secrets; null when none is referenced (the RDS master user secret), and a
     * login without password when only the username is (IAM authentication fills in a token).
     */
    Login admin(AdminLoginSpec admin, String role) throws Missing {
      if (admin == null || admin.adminUsername == null) {
        return null;
      }
      if (admin.adminPassword == null) {
        return new Login(value(admin.adminUsername.secretKeyRef, role + " username"), null);
      }
      return login(admin.adminUsername, admin.adminPassword, role);
    }

    void offered(String name) throws Missing {
      if (secrets.computeIfAbsent(name, n -> referable.get(namespace, n)) == null) {
        throw new Missing(referable.missing(namespace, name, "spec.podTemplate env", null));
      }
    }

    private String value(SecretKeyRef ref, String what) throws Missing {
      Secret secret = secrets.computeIfAbsent(ref.name, name -> referable.get(namespace, name));
      if (secret == null) {
        throw new Missing(referable.missing(namespace, ref.name, what, ref.key));
      }
      String value = decode(secret, ref.key);
      if (value == null) {
        throw new Missing(
            new CredentialsProblem(
                "SecretKeyNotFound", "Secret %s/%s has no key %s (%s)".formatted(namespace, ref.name, ref.key, what)));
      }
      if (value.isEmpty()) {
        throw new Missing(
            new CredentialsProblem(
                "SecretValueEmpty", "Secret %s/%s key %s (%s) is empty".formatted(namespace, ref.name, ref.key, what)));
      }
      return value;
    }
  }

  private static String decode(Secret secret, String key) {
    if (secret.getData() != null && secret.getData().containsKey(key)) {
      return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
    }
    if (secret.getStringData() != null) {
      return secret.getStringData().get(key);
    }
    return null;
  }
}
