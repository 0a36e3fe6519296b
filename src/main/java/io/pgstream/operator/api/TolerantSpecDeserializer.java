package io.pgstream.operator.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DatabindException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;

/**
 * Reads a spec that does not fit the model (a wrong type, an unknown enum value, a field from a newer
 * CRD version) as an "unreadable" spec instead of failing. One such object would otherwise break the
 * informer's list, and JOSDK stops the whole operator when its informer fails; this way that one
 * pipeline gets an InvalidSpec condition and the others go on.
 */
public class TolerantSpecDeserializer extends JsonDeserializer<PgstreamPipelineSpec> {
  @Override
  public PgstreamPipelineSpec deserialize(JsonParser parser, DeserializationContext ctxt) throws IOException {
    JsonNode tree = parser.readValueAsTree();
    try {
      return ctxt.readTreeAsValue(tree, PgstreamPipelineSpec.class);
    } catch (DatabindException e) {
      PgstreamPipelineSpec unreadable = new PgstreamPipelineSpec();
      unreadable.unreadable = e.getOriginalMessage();
      return unreadable;
    }
  }
}
