package io.pgstream.operator.validation;

import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.RdsSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * An admin login (spec.prepare, the RDS master user secret, an IAM token) never travels over a
 * connection that may fall back to plaintext: sslMode disable, allow and prefer are refused on its side.
 */
public final class TlsRequirements {
  /** The condition reason of a pipeline this rule alone refuses. */
  public static final String REASON = "SslModeTooWeakForAdminLogin";

  private TlsRequirements() {}

  public static List<String> problems(PgstreamPipelineSpec spec) {
    List<String> problems = new ArrayList<>();
    RdsSpec rds = spec.source == null ? null : spec.source.rds;
    boolean awsAdmin = rds != null && (Boolean.TRUE.equals(rds.masterUserSecret) || Boolean.TRUE.equals(rds.iamAuthentication));
    boolean sourceAdmin = awsAdmin || (spec.prepare != null && spec.prepare.source != null);
    boolean targetAdmin = spec.prepare != null && spec.prepare.target != null;
    check("spec.source", spec.source, sourceAdmin, awsAdmin ? "the RDS master user secret or IAM token" : "spec.prepare.source", problems);
    check("spec.target", spec.target, targetAdmin, "spec.prepare.target", problems);
    return problems;
  }

  private static void check(String path, ConnectionSpec c, boolean admin, String login, List<String> problems) {
    if (!admin || c == null || c.sslMode == null || !c.sslMode.mayBePlaintext()) {
      return;
    }
    problems.add(
        ("%s.sslMode %s may send the admin login of %s unencrypted or to an unverified server: set %s.sslMode to"
                + " verify-full with %s.caBundle, or at least require; without sslMode the default is verify-full when a CA"
                + " bundle is given, require otherwise")
            .formatted(path, c.sslMode.libpqValue(), login, path, path));
  }
}
