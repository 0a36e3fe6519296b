package io.pgstream.operator.validation;

import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.SslMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An admin login (spec.prepare) never travels over a connection that may fall back to plaintext:
 * sslMode disable, allow and prefer are refused on its side. An admin from AWS (the RDS master user
 * secret or an IAM token) goes only to a server verify-full proves to be the endpoint, and only
 * through the operator's default CA bundle: a bundle the tenant picks could vouch for a server of
 * the tenant's own.
 */
public final class TlsRequirements {
  /** The condition reason of a pipeline whose sslMode is too weak for its admin login. */
  public static final String SSL_MODE_TOO_WEAK = "SslModeTooWeakForAdminLogin";

  /** The condition reason of a pipeline with its own source CA bundle and an admin from AWS. */
  public static final String CA_BUNDLE_NOT_ALLOWED = "CaBundleNotAllowedWithAwsAdmin";

  /** One refusal, as a condition reason and message. */
  public record Problem(String reason, String message) {}

  private TlsRequirements() {}

  public static List<Problem> problems(PgstreamPipelineSpec spec) {
    List<Problem> problems = new ArrayList<>();
    if (spec.adminFromAws()) {
      awsAdmin(spec.source, problems);
    } else {
      check("spec.source", spec.source, spec.prepare != null && spec.prepare.source != null, problems);
    }
    check("spec.target", spec.target, spec.prepare != null && spec.prepare.target != null, problems);
    return problems;
  }

  /** The reason of a spec that only this class refuses, for the messages {@code all} of the whole validation. */
  public static Optional<String> soleReason(List<String> all, PgstreamPipelineSpec spec) {
    List<Problem> own = problems(spec);
    if (own.isEmpty() || !all.equals(own.stream().map(Problem::message).toList())) {
      return Optional.empty();
    }
    return Optional.of(own.get(0).reason());
  }

  private static void awsAdmin(ConnectionSpec source, List<Problem> problems) {
    SslMode mode = source.effectiveSslMode();
    if (mode != SslMode.VERIFY_FULL) {
      problems.add(
          new Problem(
              SSL_MODE_TOO_WEAK,
              ("spec.source.sslMode %s is refused because the admin login of spec.prepare.source comes from AWS"
                      + " (spec.source.rds.masterUserSecret or iamAuthentication): only verify-full proves the login"
                      + " goes to the RDS endpoint; set spec.source.sslMode to verify-full or omit it")
                  .formatted(mode.libpqValue())));
    }
    if (source.caBundle != null) {
      problems.add(
          new Problem(
              CA_BUNDLE_NOT_ALLOWED,
              "spec.source.caBundle is refused because the admin login of spec.prepare.source comes from AWS"
                  + " (spec.source.rds.masterUserSecret or iamAuthentication): admin logins from AWS trust only the"
                  + " operator's default CA bundle (chart value tls.defaultCaBundle, else the JVM's trust store);"
                  + " remove spec.source.caBundle"));
    }
  }

  private static void check(String path, ConnectionSpec c, boolean admin, List<Problem> problems) {
    if (!admin || c == null || c.sslMode == null || !c.sslMode.mayBePlaintext()) {
      return;
    }
    String login = path.equals("spec.source") ? "spec.prepare.source" : "spec.prepare.target";
    problems.add(
        new Problem(
            SSL_MODE_TOO_WEAK,
            ("%s.sslMode %s may send the admin login of %s unencrypted or to an unverified server: set %s.sslMode to"
                    + " verify-full with %s.caBundle, or at least require; without sslMode the default is verify-full"
                    + " when a CA bundle is given, require otherwise")
                .formatted(path, c.sslMode.libpqValue(), login, path, path)));
  }
}
