package io.clipkit.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code clip preprocess}. (Placeholder until implemented.) */
@Command(name = "preprocess", description = "Write what the model sees (npy / png).", mixinStandardHelpOptions = true)
final class PreprocessCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("clip preprocess: not implemented yet");
        return 1;
    }
}
