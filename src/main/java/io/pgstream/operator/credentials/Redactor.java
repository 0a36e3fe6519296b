package io.pgstream.operator.credentials;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes credentials from text that leaves the operator (status, Events, logs): the password part of
 * any URL, and each known secret in any encoding {@link SecretPattern} describes, of any length
 * (shorter than four characters only as a whole token, see there). A base64 token whose decoded text
 * holds a secret (a Secret's data, HTTP basic auth's {@code user:password}, either alphabet) is masked
 * whole. Every match becomes {@link #MASK}; matches are collected first and masked in one pass, so a
 * mask is never matched again. Matching has a budget: a message it exceeds is replaced by
 * {@link #WITHHELD} rather than passed on unchecked.
 */
public final class Redactor {
  /** The password part of {@code scheme://user:password@host}. */
  private static final Pattern URL_PASSWORD = Pattern.compile("://[^:/@\\s]*:([^@\\s]*)@");
  /** A run of either base64 alphabet with its padding. */
  private static final Pattern BASE64_TOKEN = Pattern.compile("[A-Za-z0-9+/_-]{2,}={0,2}");
  static final String MASK = "****";
  /**
   * What is left of a message when matching took too long: a password's escape alternatives (runs of
   * backslashes or quotes) can make a regular expression backtrack exponentially, and a tenant chooses
   * its own password.
   */
  static final String WITHHELD = "[message withheld: it could not be checked for credentials]";
  /** Character reads allowed per character of text and per pattern; ordinary matching needs a handful. */
  private static final long READS_PER_CHAR = 200;

  private record Range(int start, int end) {}

  private static final class TooComplex extends RuntimeException {
    TooComplex() {
      super(null, null, false, false);
    }
  }

  /** The text, failing once matching has read it more often than the budget allows. */
  private static final class Budgeted implements CharSequence {
    private final String text;
    private long reads;

    Budgeted(String text, int patterns) {
      this.text = text;
      this.reads = READS_PER_CHAR * (text.length() + 1) * (patterns + 1);
    }

    @Override
    public char charAt(int index) {
      if (--reads < 0) {
        throw new TooComplex();
      }
      return text.charAt(index);
    }

    @Override
    public int length() {
      return text.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return text.subSequence(start, end);
    }

    @Override
    public String toString() {
      return text;
    }
  }

  private Redactor() {}

  public static String redact(String text, Collection<String> secretValues) {
    if (text == null) {
      return null;
    }
    List<Range> ranges = new ArrayList<>();
    Matcher url = URL_PASSWORD.matcher(text);
    while (url.find()) {
      ranges.add(new Range(url.start(1), url.end(1)));
    }
    List<Pattern> secrets =
        secretValues.stream().filter(Objects::nonNull).filter(v -> !v.isEmpty()).distinct().map(v -> SecretPattern.of(v).pattern()).toList();
    try {
      Budgeted budgeted = new Budgeted(text, secrets.size());
      for (Pattern secret : secrets) {
        Matcher m = secret.matcher(budgeted);
        while (m.find()) {
          ranges.add(new Range(m.start(), m.end()));
        }
      }
      Matcher token = BASE64_TOKEN.matcher(text);
      while (token.find()) {
        String decoded = decodedText(token.group());
        if (decoded != null && secrets.stream().anyMatch(s -> s.matcher(new Budgeted(decoded, 1)).find())) {
          ranges.add(new Range(token.start(), token.end()));
        }
      }
    } catch (TooComplex e) {
      return WITHHELD;
    }
    return masked(text, ranges);
  }

  /** The token's bytes as UTF-8 text when it is base64 of text, else null. */
  private static String decodedText(String token) {
    Base64.Decoder decoder = token.indexOf('-') >= 0 || token.indexOf('_') >= 0 ? Base64.getUrlDecoder() : Base64.getDecoder();
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(decoder.decode(token)))
          .toString();
    } catch (IllegalArgumentException | CharacterCodingException notBase64Text) {
      return null;
    }
  }

  /** {@code text} with every range, overlapping or adjacent ones merged, replaced by one mask. */
  private static String masked(String text, List<Range> ranges) {
    ranges.sort(Comparator.comparingInt(Range::start));
    StringBuilder out = new StringBuilder();
    int copied = 0;
    int maskedUpTo = -1;
    for (Range r : ranges) {
      if (r.start() > maskedUpTo) {
        out.append(text, copied, r.start()).append(MASK);
      }
      copied = Math.max(copied, r.end());
      maskedUpTo = copied;
    }
    return out.append(text.substring(copied)).toString();
  }
}
