package io.clipkit.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code clip classify}. (Placeholder until implemented.) */
@Command(name = "classify", description = "Zero-shot classify images against labels.", mixinStandardHelpOptions = true)
final class ClassifyCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("clip classify: not implemented yet");
        return 1;
    }
}
