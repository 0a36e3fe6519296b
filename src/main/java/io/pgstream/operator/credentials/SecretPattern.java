package io.pgstream.operator.credentials;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Finds one secret in text in every form it takes on its way into a message: raw, percent-encoded
 * (upper- or lower-case hex, {@code +} or {@code %20} for a space, any mix of escaped and unescaped
 * characters as Go's and Java's URL encoders leave different ones alone), JSON-escaped as Go's
 * encoding/json and Jackson write it ({@code \"}, {@code \\}, {@code \n}, {@code \u00e9}, surrogate
 * pairs; repeated backslashes for JSON inside JSON), and with SQL's doubled quotes. Each character of
 * the secret may independently appear in any of these forms.
 *
 * <p>A secret shorter than {@link #WHOLE_TOKEN_BELOW} characters is found only as a whole token: not
 * preceded or followed by a letter or digit (an escape such as {@code %3D} or {@code \n} next to it
 * counts as a separator). Matching a two-character password inside words would mask parts of most
 * messages; where a password leaks (after {@code password=}, inside JSON quotes, in a URL's user
 * information, as a base64 token) it stands between separators.
 */
final class SecretPattern {
  static final int WHOLE_TOKEN_BELOW = 4;
  private static final String WORD_CHAR = "[\\p{L}\\p{N}]";
  private static final String ESCAPE_BEFORE = "(?<=%[0-9A-Fa-f]{2})|(?<=\\\\u[0-9A-Fa-f]{4})|(?<=\\\\[bfnrt])";
  private static final String TOKEN_START = "(?:(?<!" + WORD_CHAR + ")|" + ESCAPE_BEFORE + ")";
  private static final String TOKEN_END = "(?:(?!" + WORD_CHAR + ")|(?=%[0-9A-Fa-f]{2}|\\\\))";

  private final Pattern pattern;

  private SecretPattern(Pattern pattern) {
    this.pattern = pattern;
  }

  static SecretPattern of(String secret) {
    StringBuilder regex = new StringBuilder();
    secret.codePoints().forEach(cp -> regex.append(anyForm(cp)));
    boolean whole = secret.codePointCount(0, secret.length()) < WHOLE_TOKEN_BELOW;
    return new SecretPattern(Pattern.compile(whole ? TOKEN_START + regex + TOKEN_END : regex.toString()));
  }

  Pattern pattern() {
    return pattern;
  }

  /** One character as itself or escaped in any of the ways above. */
  private static String anyForm(int cp) {
    List<String> forms = new ArrayList<>();
    forms.add(Pattern.quote(Character.toString(cp)));
    StringBuilder percent = new StringBuilder();
    for (byte b : Character.toString(cp).getBytes(StandardCharsets.UTF_8)) {
      percent.append('%').append(hex(b & 0xff, 2));
    }
    forms.add(percent.toString());
    StringBuilder utf16 = new StringBuilder();
    for (char unit : Character.toChars(cp)) {
      utf16.append("\\\\+u").append(hex(unit, 4));
    }
    forms.add(utf16.toString());
    switch (cp) {
      case ' ' -> forms.add("\\+");
      case '"' -> forms.addAll(List.of("\\\\+\"", "\"\""));
      case '\'' -> forms.add("''");
      case '\\' -> forms.add("\\\\+");
      case '/' -> forms.add("\\\\+/");
      case '\n' -> forms.add("\\\\+n");
      case '\r' -> forms.add("\\\\+r");
      case '\t' -> forms.add("\\\\+t");
      case '\b' -> forms.add("\\\\+b");
      case '\f' -> forms.add("\\\\+f");
      default -> {}
    }
    if (cp < 0x80) {
      forms.add("\\\\+x" + hex(cp, 2)); // Go's %q
    }
    return "(?:" + String.join("|", forms) + ")";
  }

  /** {@code value} as hex digits of either case. */
  private static String hex(int value, int digits) {
    String plain = String.format("%0" + digits + "x", value);
    StringBuilder out = new StringBuilder();
    for (char c : plain.toCharArray()) {
      out.append(Character.isLetter(c) ? "[" + c + Character.toUpperCase(c) + "]" : String.valueOf(c));
    }
    return out.toString();
  }
}
