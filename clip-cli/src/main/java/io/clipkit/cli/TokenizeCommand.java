package io.clipkit.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code clip tokenize}. (Placeholder until implemented.) */
@Command(name = "tokenize", description = "Print CLIP token ids of texts.", mixinStandardHelpOptions = true)
final class TokenizeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("clip tokenize: not implemented yet");
        return 1;
    }
}
