package io.pgstream.operator.transform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgstream.operator.api.TableTransformation;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rules a ConfigMap holds: the shape of spec.transformations.tables, or a reason naming what is wrong. */
class TransformationRulesTest {
  @Test
  void aListOfTableRulesIsReadWithFreeFormParameters() throws Exception {
    List<TableTransformation> rules =
        TransformationRules.parse(
            """
            - schema: crm
              table: contacts
              columns:
                email: {transformer: email, parameters: {replacement_domain: "@example.com"}}
                phone: {transformer: phone_number, parameters: {prefix: "+44", max_length: 12}}
            """);
    assertThat(rules).singleElement().satisfies(r -> {
      assertThat(r.qualifiedName()).isEqualTo("crm.contacts");
      assertThat(r.columns.get("phone").parameters.get("max_length").getValue()).isEqualTo(12);
      assertThat(r.columns.get("phone").parameters.get("prefix").getValue()).isEqualTo("+44");
    });
  }

  @Test
  void aMisspeltKeyIsRefusedRatherThanIgnored() {
    // "column" for "columns": read leniently, the table would have no rules and stream unmasked.
    assertThatThrownBy(() -> TransformationRules.parse("- table: contacts\n  column:\n    email: {transformer: email}\n"))
        .isInstanceOf(TransformationRules.InvalidRules.class)
        .hasMessageContaining("are not a YAML list of table rules")
        .hasMessageContaining("column");
  }

  @Test
  void emptyRulesAndRulesWithoutATransformerAreRefused() {
    assertThatThrownBy(() -> TransformationRules.parse("[]")).hasMessage("hold no table rule");
    assertThatThrownBy(() -> TransformationRules.parse("- table: contacts\n  columns:\n    email: {}\n"))
        .hasMessage("name no transformer for column public.contacts.email");
    assertThatThrownBy(() -> TransformationRules.parse("- table: contacts\n")).hasMessage("hold a table rule without table or columns");
  }

  @Test
  void theTransformerNamesComeFromTheCheckedInList() {
    assertThat(PgstreamTransformers.NAMES).contains("email", "masking", "noop", "neosync_firstname").doesNotContain("mask");
    assertThat(PgstreamTransformers.listed()).startsWith("email, encrypted_aes_siv, greenmask_boolean");
  }
}
