package io.pgstream.operator.credentials;

import io.pgstream.operator.config.CredentialEnv;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The logins read from the user's Secrets: the pipeline's source and target logins, and the admin
 * logins of spec.prepare when it is set. {@link #toString()} never shows them.
 */
public final class ResolvedCredentials {
  private final Login source;
  private final Login target;
  private final Login sourceAdmin;
  private final Login targetAdmin;

  public ResolvedCredentials(String sourceUser, String sourcePassword, String targetUser, String targetPassword) {
    this(new Login(sourceUser, sourcePassword), new Login(targetUser, targetPassword), null, null);
  }

  public ResolvedCredentials(Login source, Login target, Login sourceAdmin, Login targetAdmin) {
    this.source = source;
    this.target = target;
    this.sourceAdmin = sourceAdmin;
    this.targetAdmin = targetAdmin;
  }

  public String sourceUser() {
    return source.user();
  }

  public String sourcePassword() {
    return source.password();
  }

  public String targetUser() {
    return target.user();
  }

  public String targetPassword() {
    return target.password();
  }

  /** The same credentials with the source admin taken from elsewhere (the AWS API). */
  public ResolvedCredentials withSourceAdmin(Login admin) {
    return new ResolvedCredentials(source, target, admin, targetAdmin);
  }

  public Optional<Login> sourceAdmin() {
    return Optional.ofNullable(sourceAdmin);
  }

  public Optional<Login> targetAdmin() {
    return Optional.ofNullable(targetAdmin);
  }

  /**
   * The pod's credential variables, percent-encoded for use inside a URL, base64 for a Secret.
   *
   * @param initAsAdmin the init Job runs as the source admin: only then does any pod need the
   *     admin's login, so only then is it included; otherwise it stays with the operator
   */
  public Map<String, String> urlEncodedBase64(boolean initAsAdmin) {
    Map<String, String> data = new TreeMap<>();
    data.put(CredentialEnv.SOURCE_USER, encode(source.user()));
    data.put(CredentialEnv.SOURCE_PASSWORD, encode(source.password()));
    data.put(CredentialEnv.TARGET_USER, encode(target.user()));
    data.put(CredentialEnv.TARGET_PASSWORD, encode(target.password()));
    if (initAsAdmin && sourceAdmin != null && sourceAdmin.password() != null) {
      data.put(CredentialEnv.SOURCE_ADMIN_USER, encode(sourceAdmin.user()));
      data.put(CredentialEnv.SOURCE_ADMIN_PASSWORD, encode(sourceAdmin.password()));
    }
    return data;
  }

  /** Every password, for {@link Redactor}, which finds their encoded forms itself. */
  public Collection<String> secretValues() {
    List<String> values = new ArrayList<>();
    for (Login login : new Login[] {source, target, sourceAdmin, targetAdmin}) {
      if (login != null && login.password() != null) {
        values.add(login.password());
      }
    }
    return values;
  }

  private static String encode(String value) {
    return Base64.getEncoder().encodeToString(percentEncode(value).getBytes(StandardCharsets.UTF_8));
  }

  static String percentEncode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  @Override
  public String toString() {
    return "ResolvedCredentials[redacted]";
  }
}
