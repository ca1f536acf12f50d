package io.clipkit.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code clip tag}. (Placeholder until implemented.) */
@Command(name = "tag", description = "Tag folders of photos in batch, resumably.", mixinStandardHelpOptions = true)
final class TagCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("clip tag: not implemented yet");
        return 1;
    }
}
