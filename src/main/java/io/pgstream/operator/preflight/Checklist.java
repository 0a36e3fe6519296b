package io.pgstream.operator.preflight;

import io.pgstream.operator.api.AcknowledgedRisk;
import java.util.ArrayList;
import java.util.List;

/** Collects the outcome of each check as it runs. */
final class Checklist {
  private final List<String> acknowledged;
  private final List<Finding> findings = new ArrayList<>();
  private final List<String> passed = new ArrayList<>();
  private Integer sourceMajorVersion;
  private String sourceSystemIdentifier;

  /** @param acknowledged spec.acknowledge: errors with these codes are recorded as warnings */
  Checklist(List<AcknowledgedRisk> acknowledged) {
    this.acknowledged = acknowledged == null ? List.of() : acknowledged.stream().map(Enum::name).toList();
  }

  void sourceVersion(int versionNum) {
    sourceMajorVersion = versionNum / 10000;
  }

  void sourceSystemIdentifier(String systemIdentifier) {
    sourceSystemIdentifier = systemIdentifier;
  }

  void pass(Side side, String check) {
    passed.add(side.name().toLowerCase() + ": " + check);
  }

  void fail(Finding finding) {
    findings.add(acknowledged.contains(finding.code()) && finding.severity() == Severity.ERROR ? accepted(finding) : finding);
  }

  /** An accepted risk still shows (SourceReady message, Warning Event) but no longer blocks. */
  private static Finding accepted(Finding f) {
    return Finding.warning(
        f.side(), f.code(), f.cause() + " Acknowledged in spec.acknowledge, so the pipeline runs anyway.", f.fix());
  }

  /** Records a pass under {@code check} unless {@code finding} is non-null. */
  void check(Side side, String check, Finding finding) {
    if (finding == null) {
      pass(side, check);
    } else {
      fail(finding);
    }
  }

  PreflightReport report() {
    return new PreflightReport(List.copyOf(findings), List.copyOf(passed), sourceMajorVersion, sourceSystemIdentifier);
  }
}
