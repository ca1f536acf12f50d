package io.clipkit.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code clip embed}. (Placeholder until implemented.) */
@Command(name = "embed", description = "Print image and text embeddings.", mixinStandardHelpOptions = true)
final class EmbedCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("clip embed: not implemented yet");
        return 1;
    }
}
