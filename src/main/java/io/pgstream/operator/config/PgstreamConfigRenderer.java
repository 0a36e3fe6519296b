package io.pgstream.operator.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.pgstream.operator.api.BatchSpec;
import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.api.OnConflictAction;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.PgstreamVersion;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.api.RolesSnapshotMode;
import io.pgstream.operator.api.SchemaSnapshotSpec;
import io.pgstream.operator.api.SnapshotSpec;
import io.pgstream.operator.api.SslMode;
import io.pgstream.operator.api.TargetSpec;
import io.pgstream.operator.lifecycle.TableSelectionChange;
import io.pgstream.operator.lifecycle.TableSelectionChange.Selection;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns a pipeline spec into pgstream YAML config for {@link PgstreamVersion#SUPPORTED}, with keys
 * exactly as that version's {@code cmd/config/config_yaml.go} reads them (the strict fidelity check of
 * the e2e tools decodes every golden file with those structs). Pure: no I/O, no clock, same input same
 * bytes. The input is the spec, plus facts from the status: whether streaming has passed the
 * snapshot (it decides on_conflict_action), and the {@link RenderOptions} (tables held out of
 * streaming until a backfill, and the backfill itself).
 *
 * <p>Every value whose pgstream default is surprising is rendered explicitly (disable_triggers,
 * batch.*, bulk_ingest), because pgstream silently switches them when bulk ingest is implied.
 */
public final class PgstreamConfigRenderer {
  public static final String SNAPSHOT_FILE = "snapshot.yaml";
  public static final String REPLICATION_FILE = "replication.yaml";
  /** A snapshot of just the tables added after the last one (spec.snapshot.backfill). */
  public static final String BACKFILL_FILE = "backfill.yaml";
  /** The CA bundles each side trusts, beside the config files in the pods' read-only config volume. */
  public static final String SOURCE_CA_FILE = "source-ca.crt";
  public static final String TARGET_CA_FILE = "target-ca.crt";
  /** Where the pods mount the pipeline's ConfigMap. */
  public static final String CONFIG_DIR = "/etc/pgstream";
  public static final int HEALTH_PORT = 9910;
  private static final long BULK_BATCH_BYTES = 80L * 1024 * 1024;
  private static final int BULK_BATCH_TIMEOUT_MILLIS = 30_000;

  // Strings that read as numbers are quoted: a transformer parameter such as prefix "+44" must stay a string.
  private static final ObjectMapper YAML =
      new ObjectMapper(
          YAMLFactory.builder()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
              .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
              .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
              .build());
  private static final ObjectMapper JSON = new ObjectMapper();

  public RenderedConfig render(PgstreamPipeline pipeline) {
    return render(pipeline, RenderOptions.NONE);
  }

  public RenderedConfig render(PgstreamPipeline pipeline, RenderOptions options) {
    PgstreamPipelineSpec spec = pipeline.getSpec();
    String slot = ReplicationSlots.slotFor(pipeline);
    Map<String, String> files = new LinkedHashMap<>();
    String initHash = "";
    String snapshotHash = "";
    if (spec.mode.snapshots()) {
      Map<String, Object> snapshot = snapshotDocument(spec, new Selection(spec.tables, spec.excludedTables), false);
      files.put(SNAPSHOT_FILE, yaml(snapshot));
      if (options.backfill() != null) {
        files.put(BACKFILL_FILE, yaml(snapshotDocument(spec, options.backfill(), true)));
      }
      String nonce = spec.snapshot == null ? "" : Objects.toString(spec.snapshot.nonce, "");
      snapshotHash = Hashes.shortHash(files.get(SNAPSHOT_FILE) + "\nnonce=" + nonce);
    }
    if (spec.mode.replicates()) {
      Map<String, Object> replication = replicationDocument(spec, slot, streamedTables(spec, options));
      files.put(REPLICATION_FILE, yaml(replication));
      initHash = Hashes.shortHash(json(initSource(replication)));
    }
    // The bundles count in the content hash only: a new CA rolls the streaming pods, never a snapshot.
    caFile(files, SOURCE_CA_FILE, spec.source);
    caFile(files, TARGET_CA_FILE, spec.target);
    String contentHash = Hashes.shortHash(json(files));
    Map<String, Object> transformations = TransformationsDocument.of(spec);
    String transformationsHash = transformations == null ? null : Hashes.shortHash(json(transformations));
    return new RenderedConfig(Map.copyOf(files), contentHash, initHash, snapshotHash, transformationsHash);
  }

  /**
   * What pgstream init reads of the replication file's source: the URL, mode and slot. The wal2json
   * arguments are read only when streaming starts (pgstream 1.3.1 pg_replication_handler.go:125-133),
   * so a new table selection rolls the streaming pods and never repeats init.
   */
  @SuppressWarnings("unchecked")
  private static Object initSource(Map<String, Object> replicationDocument) {
    Map<String, Object> source = (Map<String, Object>) replicationDocument.get("source");
    Map<String, Object> postgres = new LinkedHashMap<>((Map<String, Object>) source.get("postgres"));
    Map<String, Object> replication = new LinkedHashMap<>((Map<String, Object>) postgres.get("replication"));
    replication.remove("plugin");
    postgres.put("replication", replication);
    return Map.of("postgres", postgres);
  }

  private static void caFile(Map<String, String> files, String name, ConnectionSpec c) {
    if (c.trustedCa != null) {
      files.put(name, c.trustedCa.pem());
    }
  }

  /** The tables replication streams: the spec's, less those held out until a backfill copied them. */
  private static List<String> streamedTables(PgstreamPipelineSpec spec, RenderOptions options) {
    if (spec.tables == null || options.heldOutTables().isEmpty()) {
      return spec.tables;
    }
    return TableSelectionChange.streamed(spec.tables, options.heldOutTables(), options.coveredTables());
  }

  /**
   * A backfill copies into a target that streams: it never cleans or creates the target database,
   * and it skips a row already there instead of stopping (the operator checked the tables empty
   * after streaming stopped, so only a row the copy itself repeats could meet one).
   */
  private Map<String, Object> snapshotDocument(PgstreamPipelineSpec spec, Selection tables, boolean backfill) {
    SnapshotSpec options = spec.snapshot == null ? new SnapshotSpec() : spec.snapshot;
    Map<String, Object> snapshot = new LinkedHashMap<>();
    snapshot.put("mode", enumValue(options.effectiveMode()));
    snapshot.put("tables", tables.tables());
    if (!tables.excluded().isEmpty()) {
      snapshot.put("excluded_tables", tables.excluded());
    }
    // Also in a backfill: a wildcard of its tables may cover a schema-only table, whose rows stay out
    // (pgstream's table finder drops them from the data copy; the schema part meets "already exists",
    // which its restore skips, internal/postgres/pg_restore.go:297).
    if (options.schemaOnlyTables != null && !options.schemaOnlyTables.isEmpty()) {
      snapshot.put("schema_only_tables", options.schemaOnlyTables);
    }
    snapshot.put("snapshot_workers", options.effectiveWorkers());
    if (options.effectiveMode().includesData()) {
      Map<String, Object> data = new LinkedHashMap<>();
      data.put("schema_workers", options.effectiveSchemaWorkers());
      data.put("table_workers", options.effectiveTableWorkers());
      // The reader's pool never needs more than this; preflight checks the source has room for it.
      data.put("max_connections", options.sourceConnections());
      snapshot.put("data", data);
    }
    if (options.effectiveMode().includesSchema()) {
      // pgstream requires a non-empty schema block for full/schema snapshots; all leaves are explicit.
      snapshot.put("schema", Map.of("pgdump_pgrestore", schemaOptions(options.schema, backfill)));
    }

    Map<String, Object> postgres = new LinkedHashMap<>();
    postgres.put("url", url(spec.source, CredentialEnv.SOURCE_USER, CredentialEnv.SOURCE_PASSWORD, SOURCE_CA_FILE));
    postgres.put("mode", "snapshot");
    postgres.put("snapshot", snapshot);

    Map<String, Object> target;
    if (options.effectiveBulkIngest()) {
      target = targetPostgres(spec, onConflictAction(spec), bulkBatch(options.effectiveCopyWorkers()));
      Map<String, Object> bulk = new LinkedHashMap<>();
      bulk.put("enabled", true);
      bulk.put("copy_workers", options.effectiveCopyWorkers());
      target.put("bulk_ingest", bulk);
    } else {
      target = targetPostgres(spec, onConflictAction(spec), streamingBatch(spec.target.batch));
      target.put("bulk_ingest", Map.of("enabled", false));
    }
    Map<String, Object> transformations = TransformationsDocument.of(spec);
    return document(postgres, target, transformations == null ? null : Map.of("transformations", transformations));
  }

  /**
   * What pgstream 1.3.1 sets for a bulk-ingest writer whose batch is left unset
   * (cmd/config/config.go:22-25 and applyPostgresBulkBatchDefaults, :174-203): 20,000 rows, 30 s, 80 MiB
   * split across the COPY workers, a queue holding every worker's batch plus one. Written out, because a
   * batch block in the file replaces these defaults key by key.
   */
  static Map<String, Object> bulkBatch(int copyWorkers) {
    long maxBytes = copyWorkers > 1 ? BULK_BATCH_BYTES / copyWorkers : BULK_BATCH_BYTES;
    Map<String, Object> batch = new LinkedHashMap<>();
    batch.put("timeout", BULK_BATCH_TIMEOUT_MILLIS);
    batch.put("size", SnapshotSpec.BULK_BATCH_SIZE);
    batch.put("max_bytes", maxBytes);
    batch.put("max_queue_bytes", copyWorkers > 1 ? maxBytes * (copyWorkers + 1) : BatchSpec.DEFAULT_MAX_QUEUE_BYTES);
    return batch;
  }

  private static Map<String, Object> streamingBatch(BatchSpec spec) {
    BatchSpec b = spec == null ? new BatchSpec() : spec;
    Map<String, Object> batch = new LinkedHashMap<>();
    batch.put("timeout", b.timeoutMillis == null ? BatchSpec.DEFAULT_TIMEOUT_MILLIS : b.timeoutMillis);
    batch.put("size", b.size == null ? BatchSpec.DEFAULT_SIZE : b.size);
    batch.put("max_bytes", b.maxBytes == null ? BatchSpec.DEFAULT_MAX_BYTES : b.maxBytes);
    batch.put(
        "max_queue_bytes", b.maxQueueBytes == null ? BatchSpec.DEFAULT_MAX_QUEUE_BYTES : b.maxQueueBytes);
    return batch;
  }

  private Map<String, Object> replicationDocument(PgstreamPipelineSpec spec, String slot, List<String> tables) {
    Map<String, Object> postgres = new LinkedHashMap<>();
    postgres.put("url", url(spec.source, CredentialEnv.SOURCE_USER, CredentialEnv.SOURCE_PASSWORD, SOURCE_CA_FILE));
    postgres.put("mode", "replication");
    Map<String, Object> replication = new LinkedHashMap<>();
    replication.put("replication_slot", slot);
    postgres.put("replication", replication);

    Map<String, Object> target = targetPostgres(spec, onConflictAction(spec), streamingBatch(spec.target.batch));
    target.put("bulk_ingest", Map.of("enabled", false));
    target.put("ignore_ddl", Boolean.TRUE.equals(spec.target.ignoreDdl));

    List<String> schemaOnly = spec.effectiveSchemaOnlyTables();
    Map<String, Object> filter = new LinkedHashMap<>();
    if (tables != null && !tables.isEmpty()) {
      filter.put("include_tables", tables);
    } else if (spec.excludedTables != null && !spec.excludedTables.isEmpty()) {
      filter.put("exclude_tables", spec.excludedTables);
    }
    if (!schemaOnly.isEmpty()) {
      filter.put("schema_only_tables", schemaOnly);
    }
    Map<String, Object> plugin = DecodeFilter.pluginArguments(tables, spec.excludedTables, schemaOnly);
    if (!plugin.isEmpty()) {
      replication.put("plugin", plugin);
    }
    Map<String, Object> modifiers = new LinkedHashMap<>();
    Map<String, Object> transformations = TransformationsDocument.of(spec);
    if (transformations != null) {
      modifiers.put("transformations", transformations);
    }
    if (!filter.isEmpty()) {
      modifiers.put("filter", filter);
    }
    return document(postgres, target, modifiers.isEmpty() ? null : modifiers);
  }

  private static Map<String, Object> schemaOptions(SchemaSnapshotSpec schema, boolean backfill) {
    SchemaSnapshotSpec s = schema == null ? new SchemaSnapshotSpec() : schema;
    Map<String, Object> options = new LinkedHashMap<>();
    options.put("clean_target_db", !backfill && Boolean.TRUE.equals(s.cleanTargetDb));
    options.put("create_target_db", !backfill && Boolean.TRUE.equals(s.createTargetDb));
    options.put(
        "roles_snapshot_mode",
        enumValue(s.rolesSnapshotMode == null ? RolesSnapshotMode.DISABLED : s.rolesSnapshotMode));
    options.put("no_owner", !Boolean.FALSE.equals(s.noOwner));
    options.put("no_privileges", !Boolean.FALSE.equals(s.noPrivileges));
    options.put("include_global_db_objects", Boolean.TRUE.equals(s.includeGlobalDbObjects));
    if (s.role != null && !s.role.isBlank()) {
      options.put("role", s.role);
    }
    if (s.indexConstraintSessionSettings != null && !s.indexConstraintSessionSettings.isEmpty()) {
      options.put("index_constraint_session_settings", s.indexConstraintSessionSettings);
    }
    return options;
  }

  private static Map<String, Object> targetPostgres(
      PgstreamPipelineSpec spec, OnConflictAction onConflict, Map<String, Object> batch) {
    TargetSpec t = spec.target;
    Map<String, Object> target = new LinkedHashMap<>();
    target.put("url", url(t, CredentialEnv.TARGET_USER, CredentialEnv.TARGET_PASSWORD, TARGET_CA_FILE));
    target.put("batch", batch);
    target.put("disable_triggers", Boolean.TRUE.equals(t.disableTriggers));
    target.put("on_conflict_action", enumValue(onConflict));
    // pgstream's default drops a write the target rejects and moves on; stopping keeps the gap visible.
    target.put("strict_mode", t.effectiveStrictMode());
    return target;
  }

  /**
   * Wherever replication is involved, a change can arrive twice: the slot starts at init, before the
   * snapshot copies rows, and a restarted pgstream resumes from the last position it confirmed, which
   * trails what it wrote (it confirms after writing; after a kill the last batch is written but not
   * confirmed). A repeated insert meets its own row and must be skipped; updates and deletes repeat
   * harmlessly. So the default is nothing for a snapshot that streaming follows and for streaming, and
   * error for a snapshot alone (mode snapshot). update is not an option, see {@link OnConflictAction#UPDATE}.
   */
  public static OnConflictAction onConflictAction(PgstreamPipelineSpec spec) {
    if (spec.target.onConflictAction != null) {
      return spec.target.onConflictAction;
    }
    return spec.mode.replicates() ? OnConflictAction.NOTHING : OnConflictAction.ERROR;
  }

  private static Map<String, Object> document(
      Map<String, Object> sourcePostgres, Map<String, Object> targetPostgres, Map<String, Object> modifiers) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("source", Map.of("postgres", sourcePostgres));
    doc.put("target", Map.of("postgres", targetPostgres));
    if (modifiers != null) {
      doc.put("modifiers", modifiers);
    }
    Map<String, Object> format = new LinkedHashMap<>();
    format.put("type", "json");
    Map<String, Object> logging = new LinkedHashMap<>();
    logging.put("level", "info");
    logging.put("format", format);
    doc.put("logging", logging);
    Map<String, Object> health = new LinkedHashMap<>();
    health.put("enabled", true);
    health.put("address", "0.0.0.0:" + HEALTH_PORT);
    doc.put("instrumentation", Map.of("health", health));
    return doc;
  }

  /**
   * A URL whose credentials are {@code ${VAR}} references. The pod's variables hold
   * percent-encoded values, because pg_dump and psql receive this URL unmodified.
   */
  static String url(ConnectionSpec c, String userEnv, String passwordEnv, String caFile) {
    return "postgres://"
        + CredentialEnv.reference(userEnv)
        + ":"
        + CredentialEnv.reference(passwordEnv)
        + "@"
        + c.host
        + ":"
        + c.effectivePort()
        + "/"
        + URLEncoder.encode(c.database, StandardCharsets.UTF_8).replace("+", "%20")
        + "?sslmode="
        + c.effectiveSslMode().libpqValue()
        + rootCert(c, caFile);
  }

  /**
   * pgx and libpq read sslrootcert from the URL. The path is percent-encoded (both decode it) because
   * pgstream 1.3.1 strips the database from a createTargetDb URL with a plain text replacement of
   * "/&lt;database&gt;", which would also cut a literal path. verify-full without a bundle names the
   * system roots: pgx uses them anyway, and libpq (pg_dump, psql) would otherwise look for
   * ~/.postgresql/root.crt; verify-ca without one never gets here (CaBundleResolver refuses it).
   */
  private static String rootCert(ConnectionSpec c, String caFile) {
    if (c.hasCa()) {
      return "&sslrootcert=" + URLEncoder.encode(CONFIG_DIR + "/" + caFile, StandardCharsets.UTF_8);
    }
    return c.effectiveSslMode() == SslMode.VERIFY_FULL ? "&sslrootcert=system" : "";
  }

  static String enumValue(Enum<?> value) {
    return JSON.convertValue(value, String.class);
  }

  private static String yaml(Object document) {
    try {
      return YAML.writeValueAsString(document);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("config documents are plain maps and always serialise", e);
    }
  }

  private static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("config documents are plain maps and always serialise", e);
    }
  }

  /**
   * Every file of the ConfigMap in one stream, for {@code render} on the command line: the CA bundles
   * too, since the rendered URLs name them.
   */
  public static String asMultiDocument(RenderedConfig config) {
    StringBuilder out = new StringBuilder();
    for (String file : List.of(SNAPSHOT_FILE, BACKFILL_FILE, REPLICATION_FILE, SOURCE_CA_FILE, TARGET_CA_FILE)) {
      String content = config.files().get(file);
      if (content != null) {
        out.append("---\n# ").append(file).append('\n').append(content);
      }
    }
    return out.toString();
  }
}
