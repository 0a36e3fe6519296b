package io.pgstream.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.credentials.CredentialsResolver;
import io.pgstream.operator.credentials.PasswordCharacters;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.dependent.PgstreamPods;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.support.Pipelines;
import io.pgstream.operator.support.TestPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of character in a login's password, end to end: the operator reads the password from a
 * real Secret, and either refuses it up front ({@link PasswordCharacters}) or hands pgstream the
 * environment its credentials Secret holds, with which {@code init}, a {@code full} snapshot (pg_dump
 * and psql get the URL) and {@code run} must all work. A refused password must really fail in
 * pgstream, so the refusal list cannot drift from what pgstream does.
 */
class PasswordClassesE2E {
  static final KubernetesClient kube = Peers.admin();
  final TestPostgres source = Peers.source();
  final TestPostgres target = Peers.target();
  final PgstreamRunner pgstream = new PgstreamRunner(Peers.pgstream());

  static Stream<Arguments> classes() {
    return Stream.of(
        arguments("letters and digits", "alnum", "Abcdefxyz0123456789", false),
        // Every ASCII punctuation character, in four groups.
        arguments("punctuation !\"#$%&'(", "punct1", "p!\"#$%&'(w", false),
        arguments("punctuation )*+,-./:", "punct2", "p)*+,-./:w", false),
        arguments("punctuation ;<=>?@[\\", "punct3", "p;<=>?@[\\w", false),
        arguments("punctuation ]^_`{|}~", "punct4", "p]^_`{|}~w", false),
        arguments("a space", "space", "pass word", true),
        arguments("leading and trailing spaces", "edges", " s3cret ", true),
        // pgstream expands ${NAME} in the config once, before the values are in it.
        arguments("braced variable references", "braced", "a${PGSTREAM_SOURCE_USER}b${PGSTREAM_SOURCE_PASSWORD}c", false),
        arguments("bare variable references", "bare", "a$PGSTREAM_SOURCE_USER$HOME", false),
        // pgstream decodes the URL's password before re-encoding it (its PR #543): %XX must survive.
        arguments("percent sequences", "percent", "a%41b%2Bc%%d%zz", false),
        arguments("backslash sequences", "backslash", "a\\n\\t\\\\\\x41\\u00e9\\'b", false),
        arguments("tab and newline", "control", "a\tb\nc", false),
        arguments("é (precomposed)", "eacute", "pässwörd-é", false),
        arguments("ß", "sharp_s", "straße", false),
        arguments("中文", "cjk", "密码中文", false),
        arguments("emoji", "emoji", "pw🔑🚀", false),
        arguments("combining marks (e + U+0301)", "combining", "pe\u0301a\u0308w", true),
        arguments("compatibility characters (ﬁ, fullwidth)", "compat", "ﬁ\uFF30w", true),
        arguments("no-break space (U+00A0)", "nbsp", "pass\u00A0word", true),
        arguments("soft hyphen (U+00AD)", "shy", "pass\u00ADword", true),
        arguments("emoji with variation selector (❤️)", "emoji_vs", "pw\u2764\uFE0F", true),
        arguments("200 characters of all of these", "long", "Ab1!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~é中🔑".repeat(6).substring(0, 200), false));
  }

  @AfterAll
  static void close() {
    kube.close();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("classes")
  void aPasswordWorksInEveryStepOrIsRefusedUpFront(String kind, String id, String password, boolean refused) {
    String srcRole = "pwc_src_" + id;
    String tgtRole = "pwc_tgt_" + id;
    String db = "pwc_" + id;
    source.login(srcRole, password, "SUPERUSER"); // init creates event triggers
    source.database(db, srcRole, "CREATE TABLE public.t (id int PRIMARY KEY)", "INSERT INTO public.t VALUES (1), (2)");
    target.login(tgtRole, password, "");
    target.database(db, tgtRole);
    PgstreamPipeline p = Pipelines.onServers(db.replace('_', '-'), source, db, target, db);
    kube.resource(Pipelines.secret(p.getMetadata().getName() + "-source", srcRole, password)).create();
    kube.resource(Pipelines.secret(p.getMetadata().getName() + "-target", tgtRole, password)).create();
    try {
      CredentialsResolver.Result verdict = new CredentialsResolver(kube).resolve(p);
      ResolvedCredentials creds;
      if (refused) {
        assertThat(verdict).isInstanceOfSatisfying(CredentialsResolver.Unavailable.class, u -> {
          assertThat(u.problem().reason()).isEqualTo(PasswordCharacters.REASON);
          assertThat(u.problem().message()).startsWith("the source password contains").doesNotContain(password);
        });
        // What the operator's Secret would hold without the check.
        creds = new ResolvedCredentials(srcRole, password, tgtRole, password);
      } else {
        assertThat(verdict).isInstanceOf(CredentialsResolver.Resolved.class);
        creds = ((CredentialsResolver.Resolved) verdict).credentials();
      }
      String failure = runPipeline(p, secretEnv(creds), db);
      // The per-kind outcome, for the README's table.
      System.out.println(
          kind + ": " + (failure == null ? "init, snapshot and run work" : failure.lines().filter(l -> l.contains("failed")).toList()));
      if (refused) {
        assertThat(failure).as("pgstream must really fail with a refused password").contains("password authentication failed");
      } else {
        assertThat(failure).isNull();
      }
    } finally {
      kube.secrets().inNamespace(Pipelines.NAMESPACE).withName(p.getMetadata().getName() + "-source").delete();
      kube.secrets().inNamespace(Pipelines.NAMESPACE).withName(p.getMetadata().getName() + "-target").delete();
      source.execute(
          "postgres",
          "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + ReplicationSlots.slotFor(p) + "'",
          "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)",
          "DROP ROLE " + srcRole);
      target.execute("postgres", "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)", "DROP ROLE " + tgtRole);
    }
  }

  /**
   * init, snapshot and run as the pipeline's Jobs and Deployment run them; null when all three worked
   * (rows copied, an insert streamed), else the failing step and its output.
   */
  private String runPipeline(PgstreamPipeline p, Map<String, String> env, String db) {
    Map<String, String> files = PgstreamRunner.onFreeHealthPort(new PgstreamConfigRenderer().render(p).files());
    for (Step step : List.of(Step.INIT, Step.SNAPSHOT)) {
      PgstreamRunner.Started run = pgstream.start(PgstreamPods.args(step.command(), step.configFile()), files, env);
      if (run.waitFor() != 0) {
        return step + " failed:\n" + run.output();
      }
    }
    if (rows(db) != 2) {
      return "the snapshot copied " + rows(db) + " rows, not 2";
    }
    // After init the slot holds the insert, whenever run starts.
    source.execute(db, "INSERT INTO public.t VALUES (3)");
    PgstreamRunner.Started run =
        pgstream.start(PgstreamPods.args(List.of("run"), PgstreamConfigRenderer.REPLICATION_FILE), files, env);
    try {
      boolean streamed = Peers.eventually(Duration.ofSeconds(30), () -> !run.process().isAlive() || rows(db) == 3);
      return streamed && rows(db) == 3 ? null : "run did not stream the insert:\n" + run.output();
    } finally {
      run.stop();
    }
  }

  private long rows(String db) {
    try {
      return target.query(db, "SELECT count(*) FROM public.t");
    } catch (IllegalStateException noTableYet) {
      return -1;
    }
  }

  /** The credential variables exactly as the operator's derived Secret holds them. */
  private static Map<String, String> secretEnv(ResolvedCredentials creds) {
    Map<String, String> env = new HashMap<>();
    creds.urlEncodedBase64(false).forEach((k, v) -> env.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    return env;
  }
}
