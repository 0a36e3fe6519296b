package io.pgstream.operator.logs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** PostgreSQL's details that quote row data, as its server and psql write them (pgjdbc prefixes "Detail: "). */
class RowValuesTest {
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          DETAIL:  Key (email)=(ann@example.com) already exists.                        | DETAIL:  Key (email)=(<redacted>) already exists.
          Detail: Key (lower(email::text))=(ann@example.com) already exists.            | Detail: Key (lower(email::text))=(<redacted>) already exists.
          Key (note)=(a) b) c) already exists. (SQLSTATE 23505)                         | Key (note)=(<redacted>) already exists. (SQLSTATE 23505)
          Key (a, b)=(1, ann) is not present in table "t".                              | Key (a, b)=(<redacted>) is not present in table "t".
          Key (id)=(7) is still referenced from table "orders".                         | Key (id)=(<redacted>) is still referenced from table "orders".
          Key (id)=(7) is duplicated.                                                   | Key (id)=(<redacted>) is duplicated.
          Key (r, d)=(1, [1,3)) conflicts with existing key (r, d)=(1, [2,4)).          | Key (r, d)=(<redacted>) conflicts with existing key (r, d)=(<redacted>).
          DETAIL:  Failing row contains (42, ann@example.com, null).                    | DETAIL:  Failing row contains (<redacted>).
          DETAIL:  Partition key of the failing row contains (region) = (secret-eu).    | DETAIL:  Partition key of the failing row contains (<redacted>).
          CONTEXT:  COPY users, line 3, column email: "ann@example.com"                 | CONTEXT:  COPY users, line 3, column email: <redacted>
          CONTEXT:  COPY users, line 3: "3	ann "the" example	12"                      | CONTEXT:  COPY users, line 3: <redacted>
          pgstream run is streaming from slot pgstream_default_a (Deployment a-stream)  | pgstream run is streaming from slot pgstream_default_a (Deployment a-stream)
          """)
  void rowValuesGoAndEverythingElseStays(String message, String expected) {
    assertThat(RowValues.strip(message.strip())).isEqualTo(expected.strip());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "Failing row contains (1, first line| second line, 3).",
        "Key (note)=(first line| second line) already exists.",
        "Key (note)=(first line| second line"
      })
  void aValueWithALineBreakGoesWhole(String before, String after) {
    String stripped = RowValues.strip(before + "\n" + after + "\nHINT:  next line");
    assertThat(stripped).doesNotContain("first line").doesNotContain("second line").contains("<redacted>");
  }
}
