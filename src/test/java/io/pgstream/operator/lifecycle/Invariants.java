package io.pgstream.operator.lifecycle;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.SlotRecord;
import io.pgstream.operator.support.FakePgstream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** The lifecycle's promises, checked against one observation (and the one before it). */
final class Invariants {
  enum Kind {
    WRITERS("never two writers on one slot or one target"),
    GAP("a snapshot is never silently skipped after a gap"),
    SLOTS("no slot forgotten"),
    JOBS("no Job deleted while its pods run, unless deleted or aborted"),
    DELETION("deletion always finishes");

    final String promise;

    Kind(String promise) {
      this.promise = promise;
    }
  }

  record Violation(Kind kind, String message) {
    @Override
    public String toString() {
      return kind + " (" + kind.promise + "): " + message;
    }
  }

  /** Why a Job of a pipeline may be deleted while its pods run: the verbs as they were when its pod started. */
  record JobStart(ModelPipeline pipeline, String step, int abort, int nonce) {
    boolean allowsDeletion() {
      return pipeline.deleted || pipeline.abort != abort || ("snapshot".equals(step) && pipeline.nonce != nonce);
    }
  }

  private Invariants() {}

  static List<Violation> check(List<ModelPipeline> model, Observation before, Observation now, Map<String, JobStart> starts) {
    List<Violation> found = new ArrayList<>();
    writers(model, now, found);
    gaps(model, now, found);
    slots(model, now, found);
    if (before != null) {
      jobs(before, now, starts, found);
    }
    return found;
  }

  /** Two writers: the stream and a snapshot, two Jobs of one step, destroy beside init or the stream, two pipelines on one slot. */
  private static void writers(List<ModelPipeline> model, Observation now, List<Violation> found) {
    Map<FakePgstream.SlotRef, String> consumers = new HashMap<>();
    for (ModelPipeline m : model) {
      Map<String, Set<String>> uidsByJob = new TreeMap<>();
      for (Pod pod : now.unfinishedPods()) {
        String job = Observation.label(pod, "job-name");
        if (Observation.in(pod, m) && job != null) {
          uidsByJob.computeIfAbsent(job, k -> new TreeSet<>()).add(Observation.label(pod, "controller-uid"));
        }
      }
      boolean streams = now.streams(m);
      boolean snapshotRuns = uidsByJob.containsKey(m.name + "-snapshot");
      boolean initRuns = uidsByJob.containsKey(m.name + "-init");
      boolean destroyRuns = uidsByJob.containsKey(m.name + "-destroy");
      if (streams && snapshotRuns) {
        found.add(new Violation(Kind.WRITERS, m.describe() + ": the streaming Deployment (or its pod) and a snapshot pod both write the target"));
      }
      uidsByJob.forEach(
          (job, uids) -> {
            if (uids.size() > 1) {
              found.add(new Violation(Kind.WRITERS, m.describe() + ": " + uids.size() + " Jobs " + job + " have unfinished pods (a successor started before its predecessor's pods were gone)"));
            }
          });
      if (destroyRuns && (initRuns || streams)) {
        found.add(new Violation(Kind.WRITERS, m.describe() + ": pgstream destroy runs beside " + (initRuns ? "a running init" : "the stream")));
      }
      if (now.deployment(m).isPresent()) {
        now.config(m)
            .flatMap(FakePgstream::slot)
            .ifPresent(
                slot -> {
                  String other = consumers.putIfAbsent(slot, m.describe());
                  if (other != null) {
                    found.add(new Violation(Kind.WRITERS, other + " and " + m.describe() + " both stream from slot " + slot.name() + " in " + slot.database()));
                  }
                });
      }
    }
  }

  /** After a gap (new source, slot or target, lost slot), no streaming until a newer snapshot or an acknowledgement. */
  private static void gaps(List<ModelPipeline> model, Observation now, List<Violation> found) {
    for (ModelPipeline m : model) {
      String gap = m.gap();
      PgstreamPipeline p = now.pipeline(m).orElse(null);
      if (gap == null || p == null || m.deleted) {
        continue;
      }
      List<String> streaming = new ArrayList<>();
      if (now.deployment(m).isPresent()) {
        streaming.add("Deployment " + m.name + "-stream exists");
      }
      for (String type : List.of("Ready", "Streaming")) {
        if (isTrue(p.getStatus(), type)) {
          streaming.add(type + "=True");
        }
      }
      if (!streaming.isEmpty()) {
        found.add(new Violation(Kind.GAP, m.describe() + ": " + String.join(", ", streaming) + " although " + gap + " and no newer snapshot or acknowledgeGap"));
      }
    }
  }

  /** Every slot in the lane's source databases is in some pipeline's status, or was announced by an Event naming it. */
  private static void slots(List<ModelPipeline> model, Observation now, List<Violation> found) {
    Set<String> recorded = new HashSet<>();
    for (ModelPipeline m : model) {
      now.pipeline(m).map(PgstreamPipeline::getStatus).ifPresent(st -> recorded.addAll(recordedSlots(st)));
    }
    for (FakePgstream.SlotRef slot : now.slots()) {
      if (recorded.contains(slot.name()) || announced(now.events(), slot.name())) {
        continue;
      }
      found.add(new Violation(Kind.SLOTS, "slot " + slot.name() + " in database " + slot.database() + " is in no pipeline's status and no SlotRetained/SlotAbandoned Event names it"));
    }
  }

  static Set<String> recordedSlots(PgstreamPipelineStatus st) {
    Set<String> names = new TreeSet<>();
    if (st.replicationSlot != null) {
      names.add(st.replicationSlot);
    }
    if (st.slotsCreated != null) {
      st.slotsCreated.stream().map((SlotRecord r) -> r.name).forEach(names::add);
    }
    return names;
  }

  private static boolean announced(List<Event> events, String slot) {
    Pattern named = Pattern.compile("(^|[^A-Za-z0-9_])" + Pattern.quote(slot) + "($|[^A-Za-z0-9_])");
    return events.stream()
        .filter(e -> "SlotRetained".equals(e.getReason()) || "SlotAbandoned".equals(e.getReason()))
        .anyMatch(e -> e.getMessage() != null && named.matcher(e.getMessage()).find());
  }

  /** A Job that existed with running pods is gone while they still run: only for a deletion or an abort. */
  private static void jobs(Observation before, Observation now, Map<String, JobStart> starts, List<Violation> found) {
    for (Pod pod : now.unfinishedPods()) {
      String uid = Observation.label(pod, "controller-uid");
      JobStart start = uid == null ? null : starts.get(uid);
      if (start == null || !before.jobExists(uid) || now.jobExists(uid) || start.allowsDeletion()) {
        continue;
      }
      found.add(new Violation(Kind.JOBS, start.pipeline().describe() + ": Job " + Observation.label(pod, "job-name") + " was deleted while its pod " + pod.getMetadata().getName() + " still runs, without an abort or a deletion"));
    }
  }

  static boolean isTrue(PgstreamPipelineStatus st, String type) {
    if (st == null || st.conditions == null) {
      return false;
    }
    for (Condition c : st.conditions) {
      if (type.equals(c.getType())) {
        return "True".equals(c.getStatus());
      }
    }
    return false;
  }
}
