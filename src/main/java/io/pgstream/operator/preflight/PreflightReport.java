package io.pgstream.operator.preflight;

import java.util.List;
import java.util.Optional;

/**
 * Everything a preflight found.
 *
 * @param passed names of the checks that ran and passed, for the human report
 * @param sourceMajorVersion the source server's major version, when it could be read
 * @param sourceSystemIdentifier the source server's system identifier, when it could be read
 */
public record PreflightReport(List<Finding> findings, List<String> passed, Integer sourceMajorVersion, String sourceSystemIdentifier) {
  public List<Finding> errors(Side side) {
    return findings.stream().filter(f -> f.side() == side && f.severity() == Severity.ERROR).toList();
  }

  public List<Finding> warnings(Side side) {
    return findings.stream().filter(f -> f.side() == side && f.severity() == Severity.WARNING).toList();
  }

  public boolean ok(Side side) {
    return errors(side).isEmpty();
  }

  public boolean ok() {
    return ok(Side.SOURCE) && ok(Side.TARGET);
  }

  public Optional<Finding> firstError(Side side) {
    return errors(side).stream().findFirst();
  }
}
