package io.pgstream.operator.preflight;

import java.util.ArrayList;
import java.util.List;

/** Collects the outcome of each check as it runs. */
final class Checklist {
  private final List<Finding> findings = new ArrayList<>();
  private final List<String> passed = new ArrayList<>();
  private Integer sourceMajorVersion;

  void sourceVersion(int versionNum) {
    sourceMajorVersion = versionNum / 10000;
  }

  void pass(Side side, String check) {
    passed.add(side.name().toLowerCase() + ": " + check);
  }

  void fail(Finding finding) {
    findings.add(finding);
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
    return new PreflightReport(List.copyOf(findings), List.copyOf(passed), sourceMajorVersion);
  }
}
