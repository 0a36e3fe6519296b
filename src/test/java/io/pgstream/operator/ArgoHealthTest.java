package io.pgstream.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.pgstream.operator.api.Phase;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.StatusUpdater;
import io.pgstream.operator.support.Pipelines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/** argocd/health.lua run by a Lua interpreter against status objects the operator writes. */
class ArgoHealthTest {
  static final Path SCRIPT = Path.of("argocd/health.lua");

  private static String[] health(PgstreamPipeline p) throws IOException {
    Globals lua = JsePlatform.standardGlobals();
    lua.set("obj", toLua(new ObjectMapper().readTree(Serialization.asJson(p))));
    LuaValue hs = lua.load(Files.readString(SCRIPT), "health.lua").call();
    return new String[] {hs.get("status").tojstring(), hs.get("message").tojstring()};
  }

  private static PgstreamPipeline pipeline(long generation, Phase phase, Map<ConditionType, String> conditions) {
    PgstreamPipeline p = Pipelines.snapshotAndReplication("argo");
    p.getMetadata().setGeneration(generation);
    StatusUpdater s = new StatusUpdater(p, Clock.systemUTC());
    s.phase(phase);
        conditions.forEach(
        (type, value) -> {
          String[] parts = value.split("\\|", 3);
          s.set(type, parts[0].equals("True"), parts[1], parts[2]);
        });
    p.setStatus(s.status());
    return p;
  }

  @Test
  void readyIsHealthy() throws IOException {
    PgstreamPipeline p =
        pipeline(2, Phase.Streaming, Map.of(ConditionType.Ready, "True|Streaming|streaming from slot s", ConditionType.Degraded, "False|AsExpected|No problems"));
    assertThat(health(p)).containsExactly("Healthy", "streaming from slot s");
  }

  @Test
  void degradedOrFailedIsDegradedWithTheReasonsMessage() throws IOException {
    assertThat(health(pipeline(1, Phase.Pending, Map.of(ConditionType.Degraded, "True|SecretNotFound|Secret default/x does not exist"))))
        .containsExactly("Degraded", "Secret default/x does not exist");
    assertThat(health(pipeline(1, Phase.Failed, Map.of()))).containsExactly("Degraded", "Phase Failed");
  }

  @Test
  void suspendedIsSuspendedUnlessDegraded() throws IOException {
    assertThat(health(pipeline(2, Phase.Suspended, Map.of(ConditionType.Ready, "False|Suspended|Suspended (spec.state): streaming is stopped"))))
        .containsExactly("Suspended", "Suspended (spec.state): streaming is stopped");
    assertThat(health(pipeline(2, Phase.Suspended, Map.of(ConditionType.Degraded, "True|SlotLagHigh|slot keeps 2 GiB")))[0])
        .as("WAL piling up behind a suspended pipeline")
        .isEqualTo("Degraded");
  }

  @Test
  void workInProgressIsProgressing() throws IOException {
    assertThat(health(pipeline(1, Phase.Snapshotting, Map.of(ConditionType.Ready, "False|Snapshotting|Job x is running pgstream snapshot"))))
        .containsExactly("Progressing", "Job x is running pgstream snapshot");
    PgstreamPipeline stale = pipeline(1, Phase.Streaming, Map.of(ConditionType.Ready, "True|Streaming|ok"));
    stale.getMetadata().setGeneration(3L);
    assertThat(health(stale)[0]).as("status of an older generation").isEqualTo("Progressing");
    PgstreamPipeline fresh = Pipelines.snapshotAndReplication("argo");
    fresh.setStatus(null);
    assertThat(health(fresh)[0]).isEqualTo("Progressing");
  }

  @Test
  void theArgoCdPatchCarriesTheScript() throws IOException {
    JsonNode patch = new ObjectMapper(new YAMLFactory()).readTree(Path.of("argocd/argocd-cm-patch.yaml").toFile());
    assertThat(patch.path("data").path("resource.customizations.health.pgstream.io_PgstreamPipeline").asText())
        .isEqualTo(Files.readString(SCRIPT));
  }

  private static LuaValue toLua(JsonNode node) {
    if (node.isObject()) {
      LuaTable t = new LuaTable();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        t.set(e.getKey(), toLua(e.getValue()));
      }
      return t;
    }
    if (node.isArray()) {
      LuaTable t = new LuaTable();
      for (int i = 0; i < node.size(); i++) {
        t.set(i + 1, toLua(node.get(i)));
      }
      return t;
    }
    if (node.isNumber()) {
      return LuaValue.valueOf(node.asDouble());
    }
    if (node.isBoolean()) {
      return LuaValue.valueOf(node.asBoolean());
    }
    return node.isNull() ? LuaValue.NIL : LuaValue.valueOf(node.asText());
  }

}
