package io.pgstream.operator.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the jar: the operator by default, and tools around it. */
@Command(
    name = "pgstream-operator",
    mixinStandardHelpOptions = true,
    version = "pgstream-operator 0.1.0",
    subcommands = {RunCommand.class, RenderCommand.class, PreflightCommand.class, VerifyCommand.class},
    description = "Runs pgstream pipelines on Kubernetes. Without a sub-command: run.")
public class Main implements Runnable {
  public static void main(String[] args) {
    System.exit(execute(args));
  }

  static int execute(String... args) {
    String[] effective = args.length == 0 ? new String[] {"run"} : args;
    return new CommandLine(new Main()).execute(effective);
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
