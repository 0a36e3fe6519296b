package io.pgstream.operator.lifecycle;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.pgstream.operator.api.Annotations;
import io.pgstream.operator.api.DeletionPolicy;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.support.FakeKubelet;
import io.pgstream.operator.support.FakePgstream;
import io.pgstream.operator.support.Pipelines;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One sequence on one lane: its pipelines (one, or two whose default slot names collide), a random walk of {@link Move}s with the world settled and the
 * {@link Invariants} checked after each, then the deletion of every pipeline and a bounded drain.
 */
final class ModelRun {
  /** World moves after the deletion within which every pipeline must be gone, unless {@link #DRAIN_TIME} has not passed yet. */
  static final int DRAIN_STEPS = 10;
  /**
   * How long a deletion may take however few moves the world makes. Pods that outlive their Job (the
   * mock server has no foreground deletion, so a Job goes before its pods here) end as events
   * (PodEvents); what no event announces, a slot a consumer still holds, is looked at again after 1 s,
   * backing off (DeletionHandler.recheck). A destroy Job's end is an event. 15 s leaves room for a
   * loaded machine.
   */
  static final Duration DRAIN_TIME = Duration.ofSeconds(15);
  /** How long the drain waits between world moves once the world has nothing to do: the operator's next recheck is due. */
  private static final long IDLE_WAIT_MILLIS = 1_000;
  /** Each check opens a connection (SCRAM costs CPU): often enough to see a lost slot within a step, no more. */
  static final Duration SLOT_CHECK_INTERVAL = Duration.ofSeconds(2);
  private static final long POLL_MILLIS = 40;
  /** How long nothing may change before a step counts as settled; longer than a reconcile takes, mostly. */
  private static final long QUIET_MILLIS = 400;
  private static final long SETTLE_LIMIT_MILLIS = 30_000;

  record Finding(int step, Invariants.Violation violation, String statuses) {}

  /** What a Job's pod started with: the ConfigMap of that moment and the model's identity then. */
  private record Started(ModelPipeline pipeline, String step, Map<String, String> config, ModelPipeline.Identity identity, int at) {}

  /** -Dlifecycle.trace=true: the statuses and Events after every step in the printed sequence, to explain a violation. */
  private static final boolean TRACE_STATES = Boolean.getBoolean("lifecycle.trace");
  private final Set<String> tracedEvents = new HashSet<>();
  final int index;
  final long seed;
  private final ModelLane lane;
  private final KubernetesClient client;
  private final FakeKubelet kubelet;
  private final FakePgstream pgstream;
  private final ChangeClock clock;
  private final Random rnd;
  private final List<ModelPipeline> model = new ArrayList<>();
  private final List<String> namespaces = new ArrayList<>();
  final List<String> trace = new ArrayList<>();
  final List<Finding> findings = new ArrayList<>();
  private final Set<String> seen = new LinkedHashSet<>();
  private final Map<String, Started> started = new HashMap<>();
  private final Map<String, Invariants.JobStart> jobStarts = new HashMap<>();
  private final Set<String> deploymentsStarted = new LinkedHashSet<>();
  private Observation last;
  int steps;
  int unsettled;
  /** What broke the test harness itself (not an invariant), if anything. */
  RuntimeException error;
  long millis;
  /** When the sequence ran (wall clock), to pick the warnings logged meanwhile. */
  LocalTime began;
  LocalTime ended;
  private int slots;

  ModelRun(int index, long seed, ModelLane lane, KubernetesClient client, ChangeClock clock, FakePgstream pgstream) {
    this.clock = clock;
    this.index = index;
    this.seed = seed;
    this.lane = lane;
    this.client = client;
    this.kubelet = new FakeKubelet(client);
    this.pgstream = pgstream;
    this.rnd = new Random(seed);
  }

  void run() {
    long start = System.currentTimeMillis();
    began = LocalTime.now();
    try {
      walk();
    } catch (RuntimeException e) {
      error = e;
      trace.add("harness error: " + e);
    } finally {
      millis = System.currentTimeMillis() - start;
      ended = LocalTime.now();
    }
  }

  /** The sequence's pipelines, as "namespace/name". */
  List<String> pipelines() {
    return model.stream().map(ModelPipeline::describe).toList();
  }

  private void walk() {
    PipelineMode[] modes = {PipelineMode.SNAPSHOT_AND_REPLICATION, PipelineMode.SNAPSHOT_AND_REPLICATION, PipelineMode.SNAPSHOT_AND_REPLICATION, PipelineMode.REPLICATION, PipelineMode.SNAPSHOT};
    // Two pipelines whose default slot names collide (pgstream_m<i>_a_orders): m<i>/a-orders and m<i>-a/orders.
    int count = rnd.nextInt(10) < 3 ? 2 : 1;
    for (int i = 0; i < count; i++) {
      ModelPipeline m =
          new ModelPipeline(i, lane.namespaces().get(i), i == 0 ? "a-s" + index : "s" + index,
              rnd.nextBoolean() ? DeletionPolicy.Delete : DeletionPolicy.Retain, modes[rnd.nextInt(modes.length)]);
      model.add(m);
      namespaces.add(m.namespace);
    }
    try {
      for (ModelPipeline m : model) {
        for (Secret s : secrets(m)) {
          client.resource(s).create();
        }
        client.resource(m.resource(lane)).create();
        trace.add("create " + m.describe() + " mode " + m.mode + ", deletionPolicy " + m.policy);
      }
      step(Set.of(), 0);
      int length = 3 + rnd.nextInt(14);
      for (int i = 0; i < length; i++) {
        Move move = Move.pick(rnd);
        ModelPipeline m = model.get(rnd.nextInt(model.size()));
        Set<ModelPipeline> edited = new LinkedHashSet<>();
        String what = move.world() ? world(move) : change(move, m, edited);
        // A world with nothing to act on does not spend a step.
        for (int retry = 0; what == null && retry < 5; retry++) {
          move = Move.pick(rnd);
          what = move.world() ? world(move) : change(move, m, edited);
        }
        if (what == null) {
          continue;
        }
        trace.add(what);
        step(edited, move == Move.SLOT_LOST ? 5 * SLOT_CHECK_INTERVAL.toMillis() / 2 : 0);
      }
      deleteAll();
    } finally {
      cleanUp();
    }
  }

  /** Each violation once per sequence, with the statuses of the moment. */
  private void record(List<Invariants.Violation> violations) {
    for (Invariants.Violation v : violations) {
      if (seen.add(v.kind() + v.message())) {
        findings.add(new Finding(trace.size(), v, statuses()));
      }
    }
  }

  /** Settles the world, then checks every invariant; a violation is recorded once per sequence. */
  private void step(Set<ModelPipeline> edited, long minMillis) {
    long start = System.currentTimeMillis();
    settle(edited, minMillis);
    if (!trace.isEmpty()) {
      trace.set(trace.size() - 1, trace.get(trace.size() - 1) + " [settled in " + (System.currentTimeMillis() - start) + " ms]");
    }
    steps++;
    if (TRACE_STATES) {
      traceStates();
    }
    Observation now = Observation.of(client, namespaces, lane);
    record(Invariants.check(model, last, now, jobStarts));
    last = now;
  }

  /** Each pipeline's records and each new Event, into the trace a violation prints. */
  private void traceStates() {
    for (ModelPipeline m : model) {
      PgstreamPipelineStatus st = Optional.ofNullable(pipeline(m).get()).map(PgstreamPipeline::getStatus).orElse(null);
      trace.add(st == null
          ? "   state " + m.describe() + ": none"
          : "   state %s: phase %s, source %s, target %s, snapshot %s, slots %s".formatted(m.describe(), st.phase,
              st.source == null ? null : st.source.database + "/" + st.source.slot, st.target == null ? null : st.target.database,
              st.snapshot == null ? null : st.snapshot.state + "/" + st.snapshot.reason + "/" + st.snapshot.nonce, Invariants.recordedSlots(st)));
    }
    for (String ns : namespaces) {
      client.v1().events().inNamespace(ns).list().getItems().stream()
          .filter(e -> tracedEvents.add(e.getMetadata().getUid()))
          .forEach(e -> trace.add("   event " + e.getReason() + ": " + e.getMessage()));
    }
  }

  /**
   * Waits until the operator saw every edit (observedGeneration) and then until the sequence's
   * namespaces have been quiet for a while; the kubelet starts a pod for every new Job and Deployment
   * meanwhile, as a real one would. Thread timing decides only how long this takes.
   */
  private void settle(Set<ModelPipeline> edited, long minMillis) {
    long deadline = System.currentTimeMillis() + SETTLE_LIMIT_MILLIS;
    for (ModelPipeline m : edited) {
      while (System.currentTimeMillis() < deadline && !observed(m)) {
        sleep(POLL_MILLIS);
      }
    }
    sleep(minMillis);
    long ticked = -1;
    while (System.currentTimeMillis() < deadline) {
      long changes = clock.changes(namespaces);
      if (changes != ticked) {
        kubeletTick();
        ticked = changes;
      } else if (clock.quietMillis(namespaces) >= QUIET_MILLIS) {
        return;
      }
      sleep(POLL_MILLIS);
    }
    unsettled++;
  }

  private boolean observed(ModelPipeline m) {
    PgstreamPipeline p = pipeline(m).get();
    if (p == null) {
      return true;
    }
    PgstreamPipelineStatus st = p.getStatus();
    return st != null && st.observedGeneration != null && st.observedGeneration >= p.getMetadata().getGeneration();
  }

  /** The kubelet's part: a pod for every new Job (with the config it starts with) and Deployment; the garbage collector's for deleted pipelines. */
  private void kubeletTick() {
    for (ModelPipeline m : model) {
      Optional<Map<String, String>> config = Optional.empty();
      for (Job job : client.batch().v1().jobs().inNamespace(m.namespace).list().getItems()) {
        String uid = job.getMetadata().getUid();
        if (started.containsKey(uid) || job.getMetadata().getDeletionTimestamp() != null) {
          continue;
        }
        if (config.isEmpty()) {
          config = Optional.ofNullable(client.configMaps().inNamespace(m.namespace).withName(m.name + "-pgstream-config").get())
              .map(c -> c.getData());
        }
        Pod pod = kubelet.jobPodRunning(job);
        if (!jobCurrent(job)) {
          // The Job was deleted since it was listed: the Job controller starts no pod for a Job being deleted, and
          // foreground deletion keeps a Job while its pods run, so this pod never was.
          client.resource(pod).withGracePeriod(0).delete();
          continue;
        }
        String step = job.getMetadata().getName().substring(m.name.length() + 1);
        started.put(uid, new Started(m, step, podReads(job, step, config.orElse(Map.of())), m.identity(), trace.size()));
        jobStarts.put(uid, new Invariants.JobStart(m, step, m.abort, m.nonce));
      }
      for (Deployment d : client.apps().deployments().inNamespace(m.namespace).list().getItems()) {
        if (deploymentsStarted.add(d.getMetadata().getUid())) {
          kubelet.deploymentPodRunning(d);
        }
      }
      if (m.deleted && pipeline(m).get() == null) {
        // Owned children go with their owner (the pods stay until the world lets them go, see PODS_GONE).
        client.batch().v1().jobs().inNamespace(m.namespace).delete();
        client.apps().deployments().inNamespace(m.namespace).delete();
      }
    }
  }

  /** The config as the Job's pod reads it: its own file (Step.jobFile) in place of the rendered one. */
  private static Map<String, String> podReads(Job job, String step, Map<String, String> config) {
    String key = job.getMetadata().getAnnotations() == null ? null : job.getMetadata().getAnnotations().get(Children.CONFIG_FILE_ANNOTATION);
    Map<String, String> read = new HashMap<>(config);
    if (key != null && config.containsKey(key)) {
      read.put(Step.valueOf(step.toUpperCase(Locale.ROOT)).configFile(), config.get(key));
    }
    return read;
  }

  private boolean jobCurrent(Job job) {
    Job now = client.batch().v1().jobs().inNamespace(job.getMetadata().getNamespace()).withName(job.getMetadata().getName()).get();
    return now != null && now.getMetadata().getUid().equals(job.getMetadata().getUid()) && now.getMetadata().getDeletionTimestamp() == null;
  }

  /** A user's (or the environment's) change to pipeline {@code m}. */
  private String change(Move move, ModelPipeline m, Set<ModelPipeline> edited) {
    String what = move + " " + m.describe() + ": ";
    switch (move) {
      case SOURCE_ENDPOINT -> {
        m.alias = !m.alias;
        return what + "host " + (m.alias ? "localhost" : "127.0.0.1") + edit(m, edited);
      }
      case SOURCE_IDENTITY -> {
        m.source = (m.source + 1 + rnd.nextInt(ModelLane.SOURCES - 1)) % ModelLane.SOURCES;
        return what + "source database " + lane.sourceDb(m.source) + " on port " + lane.sourceServer(m.source).port() + edit(m, edited);
      }
      case SLOT -> {
        m.slot(m.slotClearable() && rnd.nextBoolean() ? null : "m" + index + "_p" + m.index + "_s" + ++slots);
        return what + "replicationSlot " + m.slot + edit(m, edited);
      }
      case TARGET -> {
        m.target = 1 - m.target;
        return what + "target database " + lane.targetDb(m.index, m.target) + edit(m, edited);
      }
      case TABLES_ADDED -> {
        m.moreTables = true;
        return what + "tables public.orders, public.items" + edit(m, edited);
      }
      case TABLES_REMOVED -> {
        m.moreTables = false;
        return what + "tables public.orders" + edit(m, edited);
      }
      case MODE -> {
        PipelineMode before = m.mode;
        List<PipelineMode> others = new ArrayList<>(List.of(PipelineMode.values()));
        others.remove(before);
        m.mode = others.get(rnd.nextInt(others.size()));
        // Back to a streaming mode it was created with, the slot its init made before any snapshot still serves
        // (seed 20261202, sequence 409): only a pipeline created without one would stream from a slot made after its copy.
        if (!before.replicates() && m.mode.replicates() && !m.createdMode.replicates()) {
          m.broke("mode turned " + m.mode + " after a snapshot: a slot created now misses what changed since", trace.size());
        }
        return what + "mode " + before + " -> " + m.mode + edit(m, edited);
      }
      case SNAPSHOT_TUNING -> {
        m.workers = m.workers % 4 + 1;
        return what + "snapshot workers " + m.workers + edit(m, edited);
      }
      case STREAM_TUNING -> {
        m.batch = 50 + 50 * rnd.nextInt(10);
        return what + "target batch size " + m.batch + edit(m, edited);
      }
      case TRANSFORMATIONS -> {
        m.masked = !m.masked;
        return what + (m.masked ? "public.orders.total transformed" : "no transformations") + edit(m, edited);
      }
      case POD_TEMPLATE -> {
        m.template = (m.template + 1 + rnd.nextInt(3)) % 4;
        return what + "pod template " + m.template + " (odd: memory limit, >= 2: spec.image)" + edit(m, edited);
      }
      case CREDENTIALS -> {
        lane.rotate();
        for (ModelPipeline each : model) {
          if (!each.deleted) {
            secrets(each).forEach(s -> client.resource(s).update());
          }
        }
        return what + "passwords rotated on the servers and in every Secret";
      }
      case PREPARE -> {
        m.prepare++;
        return what + "spec.prepare.source (grantRead " + (m.prepare % 2 == 0) + ")" + edit(m, edited);
      }
      case SNAPSHOT_NONCE -> {
        m.nonce++;
        return what + "spec.snapshot.nonce n" + m.nonce + edit(m, edited);
      }
      case ACKNOWLEDGE_GAP -> {
        m.ack++;
        m.acknowledged();
        return what + "spec.acknowledgeGap ack" + m.ack + edit(m, edited);
      }
      case RETRY -> {
        m.retry++;
        return what + annotate(m, Annotations.RETRY, "r" + m.retry);
      }
      case ABORT -> {
        m.abort++;
        return what + annotate(m, Annotations.ABORT, "a" + m.abort);
      }
      case SLOT_LOST -> {
        Optional<FakePgstream.SlotRef> slot = Optional.ofNullable(client.configMaps().inNamespace(m.namespace).withName(m.name + "-pgstream-config").get())
            .flatMap(c -> FakePgstream.slot(c.getData()));
        if (slot.isPresent() && pgstream.drop(slot.get())) {
          m.broke("slot " + slot.get().name() + " was lost", trace.size());
          return what + "slot " + slot.get().name() + " dropped on the source";
        }
        return what + "no slot to drop";
      }
      case LOST_STATUS -> {
        retryOnConflict(() -> {
          PgstreamPipeline p = pipeline(m).get();
          p.setStatus(new PgstreamPipelineStatus());
          client.resource(p).updateStatus();
        });
        // Settled only once the operator wrote status again (observedGeneration), as after an edit.
        edited.add(m);
        return what + "status erased";
      }
      case OPERATOR_RESTART -> {
        lane.restartOperator();
        return what + "operator restarted";
      }
      default -> throw new IllegalArgumentException(move.toString());
    }
  }

  private String edit(ModelPipeline m, Set<ModelPipeline> edited) {
    PgstreamPipeline wanted = m.resource(lane);
    retryOnConflict(() -> pipeline(m).edit(p -> {
      p.setSpec(wanted.getSpec());
      return p;
    }));
    edited.add(m);
    return "";
  }

  private String annotate(ModelPipeline m, String key, String value) {
    retryOnConflict(() -> pipeline(m).edit(p -> {
      p.getMetadata().setAnnotations(new HashMap<>(Optional.ofNullable(p.getMetadata().getAnnotations()).orElse(Map.of())));
      p.getMetadata().getAnnotations().put(key, value);
      return p;
    }));
    return key + "=" + value;
  }

  /** The kubelet's and pgstream's moves; when the chosen one has nothing to act on, the next that has; null when none has. */
  private String world(Move move) {
    List<Move> order = new ArrayList<>(List.of(move, Move.JOB_SUCCEEDS, Move.PODS_GONE, Move.STREAM_AVAILABLE));
    for (Move m : order) {
      String done = switch (m) {
        case JOB_SUCCEEDS, JOB_FAILS -> finishJob(m == Move.JOB_SUCCEEDS);
        case PODS_GONE -> podsGone();
        case STREAM_AVAILABLE -> streamAvailable();
        default -> throw new IllegalArgumentException(m.toString());
      };
      if (done != null) {
        return m + ": " + done;
      }
    }
    return null;
  }

  private String finishJob(boolean succeeds) {
    List<Pod> running = runningJobPods();
    if (running.isEmpty()) {
      return null;
    }
    Pod pod = running.get(rnd.nextInt(running.size()));
    Started s = started.get(Observation.label(pod, "controller-uid"));
    String log = "error: connection reset by peer";
    if (succeeds) {
      switch (s.step()) {
        case "init" -> {
          Optional<String> error = pgstream.init(s.config());
          if (error.isPresent()) {
            succeeds = false;
            log = error.get();
          }
        }
        case "destroy" -> pgstream.destroy(s.config());
        case "snapshot" -> s.pipeline().snapshotSucceeded(copied(s), s.at());
        default -> {}
      }
    }
    kubelet.jobPodFinished(pod, succeeds, log);
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName() + (succeeds ? " succeeded" : " failed: " + log);
  }

  /**
   * What a snapshot copied: the source and target its pod's file names (the Job's, frozen when it was
   * created, which may be before the model's last edit), with the slot of the model at its start.
   */
  private static ModelPipeline.Identity copied(Started s) {
    String yaml = s.config().getOrDefault(PgstreamConfigRenderer.SNAPSHOT_FILE, "");
    Matcher source = Pattern.compile("/m\\d+_([a-z])\\?").matcher(yaml);
    Matcher target = Pattern.compile("/m\\d+_t\\d+([a-z])\\?").matcher(yaml);
    if (!source.find() || !target.find()) {
      return s.identity();
    }
    return new ModelPipeline.Identity(source.group(1).charAt(0) - 'a', s.identity().slot(), target.group(1).charAt(0) - 'a');
  }

  /** Pods whose Job still exists and runs them. */
  private List<Pod> runningJobPods() {
    List<Pod> pods = new ArrayList<>();
    for (String ns : namespaces) {
      Set<String> jobs = client.batch().v1().jobs().inNamespace(ns).list().getItems().stream()
          .filter(j -> j.getMetadata().getDeletionTimestamp() == null)
          .map(j -> j.getMetadata().getUid())
          .collect(Collectors.toSet());
      client.pods().inNamespace(ns).list().getItems().stream()
          .filter(Observation::unfinished)
          .filter(p -> jobs.contains(Observation.label(p, "controller-uid")))
          .forEach(pods::add);
    }
    return pods;
  }

  /**
   * Pods whose Job or Deployment is gone finish terminating. A killed init may have got as far as
   * creating its slot: the model says it did, half the time.
   */
  private String podsGone() {
    List<String> gone = new ArrayList<>();
    for (String ns : namespaces) {
      Set<String> owners = new LinkedHashSet<>();
      client.batch().v1().jobs().inNamespace(ns).list().getItems().forEach(j -> owners.add(j.getMetadata().getUid()));
      client.apps().deployments().inNamespace(ns).list().getItems().forEach(d -> owners.add(FakeKubelet.podSuffix(d.getMetadata().getUid())));
      for (Pod pod : client.pods().inNamespace(ns).list().getItems()) {
        String uid = Observation.label(pod, "controller-uid");
        String name = pod.getMetadata().getName();
        boolean orphan = uid != null ? !owners.contains(uid) : !owners.contains(name.substring(name.lastIndexOf('-') + 1));
        if (!orphan || !Observation.unfinished(pod)) {
          continue;
        }
        Started s = uid == null ? null : started.get(uid);
        if (s != null && s.step().equals("init") && rnd.nextBoolean()) {
          pgstream.init(s.config());
          name += " (after creating its slot)";
        }
        client.resource(pod).withGracePeriod(0).delete();
        gone.add(ns + "/" + name);
      }
    }
    return gone.isEmpty() ? null : "gone: " + String.join(", ", gone);
  }

  private String streamAvailable() {
    for (String ns : namespaces) {
      for (Deployment d : client.apps().deployments().inNamespace(ns).list().getItems()) {
        boolean available = d.getStatus() != null && d.getMetadata().getGeneration().equals(d.getStatus().getObservedGeneration());
        if (!available && becameAvailable(ns, d)) {
          return "Deployment " + ns + "/" + d.getMetadata().getName() + " available";
        }
      }
    }
    return null;
  }

  /** False when the operator deleted the Deployment since it was listed. */
  private boolean becameAvailable(String ns, Deployment d) {
    try {
      kubelet.deploymentAvailable(ns, d.getMetadata().getName());
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
      return false;
    }
  }

  /**
   * Deletes every pipeline, then lets the world move until they are gone: at least {@link #DRAIN_STEPS}
   * moves, and until {@link #DRAIN_TIME} has passed since the deletion.
   */
  private void deleteAll() {
    for (ModelPipeline m : model) {
      m.deleted = true;
      pipeline(m).delete();
      trace.add("DELETION " + m.describe() + " (deletionPolicy " + m.policy + ")");
    }
    long deleted = System.currentTimeMillis();
    for (int i = 0; i < DRAIN_STEPS || System.currentTimeMillis() - deleted < DRAIN_TIME.toMillis(); i++) {
      step(Set.of(), i >= DRAIN_STEPS ? IDLE_WAIT_MILLIS : 0);
      if (model.stream().allMatch(m -> pipeline(m).get() == null)) {
        return;
      }
      trace.add(Objects.requireNonNullElse(world(List.of(Move.JOB_SUCCEEDS, Move.PODS_GONE, Move.STREAM_AVAILABLE).get(rnd.nextInt(3))), "the world has nothing to do"));
    }
    step(Set.of(), 0);
    long millis = System.currentTimeMillis() - deleted;
    for (ModelPipeline m : model) {
      PgstreamPipeline p = pipeline(m).get();
      if (p != null) {
        record(List.of(new Invariants.Violation(Invariants.Kind.DELETION,
            m.describe() + " still exists " + millis + " ms after its deletion (at least " + DRAIN_STEPS + " world moves and "
                + DRAIN_TIME.toSeconds() + " s); finalizers " + p.getMetadata().getFinalizers())));
        retryOnConflict(() -> pipeline(m).edit(q -> {
          q.getMetadata().setFinalizers(List.of());
          return q;
        }));
      }
    }
  }

  /**
   * After the pipelines went: their children go, orphaned pods end, and every slot left must have
   * been announced. Then the lane is emptied for the next sequence (also after a harness error).
   */
  private void cleanUp() {
    for (String ns : namespaces) {
      client.batch().v1().jobs().inNamespace(ns).delete();
      client.apps().deployments().inNamespace(ns).delete();
    }
    podsGone();
    Observation now = Observation.of(client, namespaces, lane);
    if (now.pipelines().isEmpty()) {
      record(Invariants.check(model, null, now, jobStarts));
    }
    for (ModelPipeline m : model) {
      if (pipeline(m).get() != null) {
        retryOnConflict(() -> pipeline(m).edit(q -> {
          q.getMetadata().setFinalizers(List.of());
          return q;
        }));
        pipeline(m).delete();
      }
    }
    lane.reset(pgstream);
    for (String ns : namespaces) {
      client.pods().inNamespace(ns).withGracePeriod(0).delete();
      client.configMaps().inNamespace(ns).delete();
      client.secrets().inNamespace(ns).delete();
      client.v1().events().inNamespace(ns).delete();
    }
  }

  /** The statuses of the sequence's pipelines, short: for a violation's report. */
  String statuses() {
    StringBuilder out = new StringBuilder();
    for (ModelPipeline m : model) {
      PgstreamPipeline p = pipeline(m).get();
      out.append("    ").append(m.describe()).append(": ").append(p == null ? "gone" : summary(p.getStatus())).append('\n');
    }
    return out.toString();
  }

  private static String summary(PgstreamPipelineStatus st) {
    if (st == null) {
      return "no status";
    }
    String conditions = st.conditions == null ? "" : st.conditions.stream()
        .map(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason())
        .collect(Collectors.joining(" "));
    return "phase " + st.phase + ", slots recorded " + Invariants.recordedSlots(st) + ", init " + (st.init == null ? null : st.init.state) + ", snapshot "
        + (st.snapshot == null ? null : st.snapshot.state) + ", " + conditions;
  }

  private Resource<PgstreamPipeline> pipeline(ModelPipeline m) {
    return client.resources(PgstreamPipeline.class).inNamespace(m.namespace).withName(m.name);
  }

  private List<Secret> secrets(ModelPipeline m) {
    List<Secret> secrets = List.of(
        Pipelines.secret(m.name + "-source", lane.sourceLogin(), lane.password()),
        Pipelines.secret(m.name + "-target", lane.targetLogin(), lane.password()));
    secrets.forEach(s -> s.getMetadata().setNamespace(m.namespace));
    return secrets;
  }

  /** The operator writes status meanwhile; an edit based on an older version is tried again. */
  private static void retryOnConflict(Runnable write) {
    for (int attempt = 1; ; attempt++) {
      try {
        write.run();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 10) {
          throw e;
        }
        sleep(20L * attempt);
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
