package io.clipkit.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code clip} command: a root that only dispatches to subcommands. */
@Command(
        name = "clip",
        mixinStandardHelpOptions = true,
        version = "clip 0.1.0",
        description = "CLIP zero-shot image classification on the JVM.",
        subcommands = {CommandLine.HelpCommand.class})
public final class ClipCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand");
    }

    /** Builds the command line with the project's error handling; tests use this too. */
    public static CommandLine commandLine() {
        return new CommandLine(new ClipCommand());
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
