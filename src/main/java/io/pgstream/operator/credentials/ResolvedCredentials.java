package io.pgstream.operator.credentials;

import io.pgstream.operator.config.CredentialEnv;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Source and target logins read from the user's Secrets. {@link #toString()} never shows them, so
 * an accidental log line cannot leak them.
 */
public final class ResolvedCredentials {
  private final String sourceUser;
  private final String sourcePassword;
  private final String targetUser;
  private final String targetPassword;

  public ResolvedCredentials(String sourceUser, String sourcePassword, String targetUser, String targetPassword) {
    this.sourceUser = sourceUser;
    this.sourcePassword = sourcePassword;
    this.targetUser = targetUser;
    this.targetPassword = targetPassword;
  }

  public String sourceUser() {
    return sourceUser;
  }

  public String sourcePassword() {
    return sourcePassword;
  }

  public String targetUser() {
    return targetUser;
  }

  public String targetPassword() {
    return targetPassword;
  }

  /** The pod's credential variables, percent-encoded for use inside a URL, base64 for a Secret. */
  public Map<String, String> urlEncodedBase64() {
    Map<String, String> data = new TreeMap<>();
    data.put(CredentialEnv.SOURCE_USER, encode(sourceUser));
    data.put(CredentialEnv.SOURCE_PASSWORD, encode(sourcePassword));
    data.put(CredentialEnv.TARGET_USER, encode(targetUser));
    data.put(CredentialEnv.TARGET_PASSWORD, encode(targetPassword));
    return data;
  }

  /** Every secret value, raw and as it appears in a URL, for redaction. */
  public Collection<String> secretValues() {
    return List.of(
        sourcePassword,
        targetPassword,
        percentEncode(sourcePassword),
        percentEncode(targetPassword));
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
