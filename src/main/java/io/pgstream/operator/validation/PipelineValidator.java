package io.pgstream.operator.validation;

import io.pgstream.operator.api.BatchSpec;
import io.pgstream.operator.api.ConnectionSpec;
import io.pgstream.operator.api.ImageReference;
import io.pgstream.operator.api.OnConflictAction;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PgstreamVersion;
import io.pgstream.operator.api.RdsSpec;
import io.pgstream.operator.api.SchemaSnapshotSpec;
import io.pgstream.operator.api.SecretValueSource;
import io.pgstream.operator.api.SnapshotMode;
import io.pgstream.operator.dependent.Children;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Checks the CRD schema cannot express, and repeats the schema's own rules, so that `render` on a
 * file that never met an API server, or a resource applied before the CRD was updated, gets the
 * same answers.
 */
public final class PipelineValidator {
  private static final Pattern SLOT = Pattern.compile("^[a-z0-9_]{1,63}$");
  private static final Pattern TABLE = Pattern.compile("^[A-Za-z0-9_*$-]{1,63}(\\.[A-Za-z0-9_*$-]{1,63})?$");
  private static final Pattern HOST =
      Pattern.compile("^[A-Za-z0-9]([-A-Za-z0-9.]{0,251}[A-Za-z0-9])?$|^\\[[0-9A-Fa-f:.]+\\]$");
  /** pgstream 1.3.1's own check: pkg/snapshot/generator/postgres/schema/pgdumprestore/snapshot_pg_dump_restore_generator.go:101. */
  private static final Pattern SESSION_SETTING = Pattern.compile("^[A-Za-z_][A-Za-z0-9_.]*=\\S+$");
  private static final Pattern DATABASE = Pattern.compile("^[A-Za-z0-9_][-A-Za-z0-9_$.]{0,62}$");

  private PipelineValidator() {}

  /** Every problem found, each naming the field; empty when the pipeline is valid. */
  public static List<String> validate(PgstreamPipeline pipeline) {
    List<String> problems = new ArrayList<>();
    String name = pipeline.getMetadata() == null ? null : pipeline.getMetadata().getName();
    if (name != null && name.length() > Children.MAX_PIPELINE_NAME) {
      problems.add(
          "metadata.name must be at most %d characters (names of the Jobs and Secret derive from it)"
              .formatted(Children.MAX_PIPELINE_NAME));
    }
    PgstreamPipelineSpec spec = pipeline.getSpec();
    if (spec == null) {
      problems.add("spec is required");
      return problems;
    }
    if (spec.unreadable != null) {
      problems.add("spec does not match the PgstreamPipeline schema: " + spec.unreadable);
      return problems;
    }
    if (spec.mode == null) {
      problems.add("spec.mode is required: snapshot, replication or snapshot_and_replication");
    }
    connection("spec.source", spec.source, problems);
    connection("spec.target", spec.target, problems);
    if (spec.transformations != null && (spec.transformations.tables == null) == (spec.transformations.rulesFrom == null)) {
      problems.add("spec.transformations needs exactly one of tables (inline rules) and rulesFrom (a ConfigMap)");
    }
    if (spec.source != null && spec.source.rds != null && (spec.source.rds.instanceIdentifier == null) == (spec.source.rds.clusterIdentifier == null)) {
      problems.add("spec.source.rds needs exactly one of instanceIdentifier and clusterIdentifier");
    }
    if (spec.prepare != null) {
      RdsSpec rds = spec.source == null ? null : spec.source.rds;
      boolean fromMasterSecret = rds != null && Boolean.TRUE.equals(rds.masterUserSecret);
      boolean withToken = rds != null && Boolean.TRUE.equals(rds.iamAuthentication);
      if (spec.prepare.source != null && !fromMasterSecret) {
        secretRef("spec.prepare.source.adminUsername", spec.prepare.source.adminUsername, problems);
        if (!withToken) {
          secretRef("spec.prepare.source.adminPassword", spec.prepare.source.adminPassword, problems);
        }
      }
      if (spec.initAsAdmin() && spec.adminFromAws()) {
        problems.add(
            "spec.prepare.source.initAsAdmin needs the admin login in a Kubernetes Secret: the init Job cannot use"
                + " the RDS master user secret or a 15-minute IAM token");
      }
      if (spec.prepare.target != null) {
        secretRef("spec.prepare.target.adminUsername", spec.prepare.target.adminUsername, problems);
        secretRef("spec.prepare.target.adminPassword", spec.prepare.target.adminPassword, problems);
      }
    }
    TlsRequirements.problems(spec).forEach(p -> problems.add(p.message()));
    if (spec.replicationSlot != null && !SLOT.matcher(spec.replicationSlot).matches()) {
      problems.add("spec.replicationSlot must match ^[a-z0-9_]+$ and be at most 63 characters");
    }
    if (spec.image != null && !spec.image.isBlank() && !ImageReference.valid(spec.image)) {
      problems.add("spec.image must be an image reference: registry/path:tag, or registry/path[:tag]@sha256:<64 hex digits> to pin it");
    }
    tables("spec.tables", spec.tables, problems);
    if (spec.target != null && spec.target.onConflictAction == OnConflictAction.UPDATE) {
      problems.add(
          "spec.target.onConflictAction update is not applied by pgstream %s without its injector (which the operator does not run): it would behave as error. Use nothing (skip the insert) or error"
              .formatted(PgstreamVersion.SUPPORTED));
    }
    if (spec.target != null && spec.target.maxConnections != null) {
      problems.add(
          "spec.target.maxConnections is read only by pgstream 1.4 and later; the operator runs pgstream %s, which would ignore it: remove the field"
              .formatted(PgstreamVersion.SUPPORTED));
    }
    tables("spec.excludedTables", spec.excludedTables, problems);
    if (spec.mode != null && spec.mode.snapshots() && (spec.tables == null || spec.tables.isEmpty())) {
      problems.add("spec.tables must name at least one table (or schema.*) when mode includes a snapshot");
    }
    if (spec.mode != null
        && spec.mode.replicates()
        && spec.tables != null
        && !spec.tables.isEmpty()
        && spec.excludedTables != null
        && !spec.excludedTables.isEmpty()) {
      problems.add(
          "spec.excludedTables cannot be combined with spec.tables when streaming: pgstream's table filter takes"
              + " an include list or an exclude list, not both; list the streamed tables explicitly");
    }
    if (spec.snapshot != null
        && spec.snapshot.effectiveMode() == SnapshotMode.DATA
        && spec.snapshot.schema != null
        && Boolean.TRUE.equals(spec.snapshot.schema.cleanTargetDb)) {
      problems.add("spec.snapshot.schema.cleanTargetDb needs a schema snapshot (mode full or schema)");
    }
    if (spec.snapshot != null) {
      tables("spec.snapshot.schemaOnlyTables", spec.snapshot.schemaOnlyTables, problems);
      if (spec.snapshot.effectiveMode() == SnapshotMode.DATA
          && spec.snapshot.schemaOnlyTables != null
          && !spec.snapshot.schemaOnlyTables.isEmpty()) {
        problems.add(
            "spec.snapshot.schemaOnlyTables needs a schema snapshot (mode full or schema): a data snapshot copies no schema");
      }
      SchemaSnapshotSpec schema = spec.snapshot.schema;
      List<String> settings = schema == null ? null : schema.indexConstraintSessionSettings;
      for (int i = 0; settings != null && i < settings.size(); i++) {
        if (settings.get(i) == null || !SESSION_SETTING.matcher(settings.get(i)).matches()) {
          problems.add(
              "spec.snapshot.schema.indexConstraintSessionSettings[%d] must be name=value without whitespace (pgstream passes it in PGOPTIONS)"
                  .formatted(i));
        }
      }
    }
    if (spec.target != null && spec.target.batch != null) {
      BatchSpec b = spec.target.batch;
      long max = b.maxBytes == null ? BatchSpec.DEFAULT_MAX_BYTES : b.maxBytes;
      long queue = b.maxQueueBytes == null ? BatchSpec.DEFAULT_MAX_QUEUE_BYTES : b.maxQueueBytes;
      if (queue < max) {
        problems.add("spec.target.batch.maxQueueBytes (%d) must be at least maxBytes (%d)".formatted(queue, max));
      }
    }
    problems.addAll(PodTemplateRules.problems(spec));
    return problems;
  }

  private static void connection(String path, ConnectionSpec c, List<String> problems) {
    if (c == null) {
      problems.add(path + " is required");
      return;
    }
    if (c.host == null || !HOST.matcher(c.host).matches()) {
      problems.add(path + ".host must be a DNS name or IP address");
    }
    if (c.port != null && (c.port < 1 || c.port > 65535)) {
      problems.add(path + ".port must be between 1 and 65535");
    }
    if (c.database == null || !DATABASE.matcher(c.database).matches()) {
      problems.add(path + ".database must be a database name of at most 63 characters");
    }
    secretRef(path + ".username", c.username, problems);
    secretRef(path + ".password", c.password, problems);
    if (c.caBundle != null && (c.caBundle.configMapKeyRef == null) == (c.caBundle.secretKeyRef == null)) {
      problems.add(path + ".caBundle needs exactly one of configMapKeyRef and secretKeyRef");
    }
  }

  private static void secretRef(String path, SecretValueSource source, List<String> problems) {
    if (source == null || source.secretKeyRef == null) {
      problems.add(path + ".secretKeyRef is required (credentials are only read from Secrets)");
      return;
    }
    if (source.secretKeyRef.name == null || source.secretKeyRef.name.isBlank()) {
      problems.add(path + ".secretKeyRef.name is required");
    }
    if (source.secretKeyRef.key == null || source.secretKeyRef.key.isBlank()) {
      problems.add(path + ".secretKeyRef.key is required");
    }
  }

  private static void tables(String path, List<String> tables, List<String> problems) {
    if (tables == null) {
      return;
    }
    for (int i = 0; i < tables.size(); i++) {
      String t = tables.get(i);
      if (t == null || !TABLE.matcher(t).matches()) {
        problems.add("%s[%d] must be schema.table or table, letters, digits, _ $ - and * only".formatted(path, i));
      }
    }
  }
}
