package io.clipkit.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code clip models}. (Placeholder until implemented.) */
@Command(name = "models", description = "List, pull, verify, remove and inspect models.", mixinStandardHelpOptions = true)
final class ModelsCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("clip models: not implemented yet");
        return 1;
    }
}
