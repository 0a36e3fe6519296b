package io.pgstream.operator.logs;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes the row data PostgreSQL quotes in its error details, from any text bound for status or an
 * Event: unlike the database, those are readable by everyone who may read the pipeline. Only the forms
 * that can hold nothing else are touched, so operator messages pass unchanged.
 */
public final class RowValues {
  static final String REDACTED = "<redacted>";
  /** Values run to the first parenthesis that ends a line (a value may hold parentheses and line breaks), else to the end. */
  private static final String TO_LINE_END = "(?s:.*?)(?=\\)\\.?[ \\t]*(?:\\r?\\n|$))|(?s:.*)";
  /**
   * "Key (email)=(ann@example.com) already exists", "Key (lower(email::text))=(…)", an exclusion
   * constraint's "Key (…)=(…) conflicts with existing key (…)=(…)": the values end before the words
   * PostgreSQL puts after them.
   */
  private static final Pattern KEY_VALUES =
      Pattern.compile(
          "((?i:key) \\(.*?\\)=\\()(?:(?s:.*?)(?=\\) (?:already exists|is not present|is still referenced|is duplicated|conflicts with))|"
              + TO_LINE_END
              + ")");
  /** A NOT NULL or CHECK violation's DETAIL lists the whole row; a partition's lists its key. */
  private static final Pattern FAILING_ROW = Pattern.compile("((?i:failing row contains) \\()(?:" + TO_LINE_END + ")");
  /** COPY's CONTEXT quotes the input line (or one column of it), quotes inside unescaped. */
  private static final Pattern COPY_LINE = Pattern.compile("(COPY [^,\\n]+, line \\d+(?:, column [^:\\n]+)?: )[^\\n]*");

  private RowValues() {}

  public static String strip(String text) {
    if (text == null) {
      return null;
    }
    String out = values(KEY_VALUES, text);
    out = values(FAILING_ROW, out);
    return COPY_LINE.matcher(out).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + REDACTED));
  }

  /** Each match's values redacted; the closing parenthesis stays, or is added when the values ran to the end. */
  private static String values(Pattern p, String text) {
    return p.matcher(text).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + REDACTED + (m.end() == text.length() ? ")" : "")));
  }
}
