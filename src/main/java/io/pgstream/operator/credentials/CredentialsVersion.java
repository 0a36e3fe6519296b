package io.pgstream.operator.credentials;

import io.pgstream.operator.api.PgstreamPipeline;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Which values of the referenced Secrets a pipeline runs with, without the values: an HMAC of the
 * resolved logins keyed by the pipeline's UID. A rotation changes it, so preparation, the preflight,
 * the step Jobs and the streaming pods can depend on it; the per-pipeline key means two pipelines with
 * the same password show different versions, and a version cannot be looked up in a table of common
 * passwords' hashes.
 */
public final class CredentialsVersion {
  private CredentialsVersion() {}

  public static String of(PgstreamPipeline p, ResolvedCredentials creds) {
    StringBuilder text = new StringBuilder();
    add(text, new Login(creds.sourceUser(), creds.sourcePassword()));
    add(text, new Login(creds.targetUser(), creds.targetPassword()));
    add(text, creds.sourceAdmin().orElse(null));
    add(text, creds.targetAdmin().orElse(null));
    return hmac(salt(p), text.toString());
  }

  /** The UID never repeats, even for a pipeline re-created under the same name. */
  private static String salt(PgstreamPipeline p) {
    String uid = p.getMetadata().getUid();
    return uid != null ? uid : p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
  }

  /** Length-prefixed, so no two different sets of logins give the same text. */
  private static void add(StringBuilder text, Login login) {
    for (String part : login == null ? new String[] {null, null} : new String[] {login.user(), login.password()}) {
      text.append(part == null ? "-1:" : part.length() + ":" + part);
    }
  }

  private static String hmac(String key, String text) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is required by every Java platform", e);
    }
  }
}
