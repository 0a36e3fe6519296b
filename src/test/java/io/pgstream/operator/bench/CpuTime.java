package io.pgstream.operator.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU seconds (user + system) a process has used, from /proc: what each party of a round cost the two
 * shared cores, whatever the load was.
 */
final class CpuTime {
  /** USER_HZ: Linux reports times in clock ticks of 1/100 s on every architecture the bench runs on. */
  private static final double TICKS_PER_SECOND = 100.0;

  private CpuTime() {}

  static double seconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      // The command name may hold spaces; the fields after it are plain.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /** etcd and the kube-apiserver, as bench/control-plane.sh recorded them in WORK/pids ("pid start signal name"). */
  static double controlPlaneSeconds(Path work) {
    try {
      List<String> lines = Files.readAllLines(work.resolve("pids"));
      return lines.stream().map(l -> l.split(" ")).filter(f -> f.length >= 4 && (f[3].equals("etcd") || f[3].equals("kube-apiserver")))
          .mapToDouble(f -> seconds(Long.parseLong(f[0]))).sum();
    } catch (IOException e) {
      return Double.NaN;
    }
  }

  static double ownSeconds() {
    return ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
  }
}
