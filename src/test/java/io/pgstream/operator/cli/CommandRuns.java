package io.pgstream.operator.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import picocli.CommandLine;

/** Runs a command on one pipeline file, capturing what it prints. */
final class CommandRuns {
  private CommandRuns() {}

  static int execute(Object command, Path file, StringWriter out, StringWriter err, String... extra) {
    CommandLine cli = new CommandLine(command);
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    String[] args = new String[extra.length + 2];
    args[0] = "-f";
    args[1] = file.toString();
    System.arraycopy(extra, 0, args, 2, extra.length);
    return cli.execute(args);
  }
}
