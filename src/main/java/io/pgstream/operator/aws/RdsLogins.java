package io.pgstream.operator.aws;

import static io.pgstream.operator.aws.AwsCalls.call;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgstream.operator.credentials.Login;
import java.io.IOException;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Admin logins from AWS instead of Kubernetes Secrets, for the operator's own checks and
 * preparation: the RDS-managed master user secret, or an IAM authentication token (valid 15
 * minutes, so never handed to pgstream, which cannot renew it).
 */
public final class RdsLogins {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RdsLogins() {}

  /** The master user secret's JSON: {"username": ..., "password": ...}. */
  public static Login masterUserSecret(SecretsManagerClient secrets, String arn) throws AwsCallFailed {
    String value = call("secretsmanager:GetSecretValue", () -> secrets.getSecretValue(r -> r.secretId(arn)).secretString());
    try {
      JsonNode json = JSON.readTree(value);
      if (!json.hasNonNull("username") || !json.hasNonNull("password")) {
        throw new IllegalArgumentException("no username/password");
      }
      return new Login(json.get("username").asText(), json.get("password").asText());
    } catch (IOException | IllegalArgumentException e) {
      // The secret's text is never echoed: it holds the password.
      throw new IllegalStateException("master user secret " + arn + " is not JSON with username and password");
    }
  }

  /** A presigned, locally computed token; no network call. */
  public static Login iamToken(RdsClient rds, String host, int port, String user) {
    String token = rds.utilities().generateAuthenticationToken(b -> b.hostname(host).port(port).username(user));
    return new Login(user, token);
  }
}
