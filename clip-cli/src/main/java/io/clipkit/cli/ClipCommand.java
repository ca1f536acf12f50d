package io.clipkit.cli;

import io.clipkit.util.IoReasons;
import java.io.PrintWriter;
import java.nio.file.FileSystemException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code clip} command: a root that only dispatches to subcommands.
 *
 * <p>Exit codes: 0 success, 1 failure, 2 usage error (picocli's default), 3 partial failure in
 * batch commands. Failures print a message, not a stack trace, unless {@code -v} is given.
 */
@Command(
        name = "clip",
        mixinStandardHelpOptions = true,
        version = "clip 0.1.0",
        description = "CLIP zero-shot image classification on the JVM.",
        subcommands = {
            TokenizeCommand.class,
            PreprocessCommand.class,
            EmbedCommand.class,
            ClassifyCommand.class,
            TagCommand.class,
            IndexCommand.class, SearchCommand.class,
            ModelsCommand.class,
            CommandLine.HelpCommand.class
        })
public final class ClipCommand implements Runnable {
    /** Exit code of a batch run in which some inputs failed. */
    public static final int EXIT_PARTIAL = 3;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = {"-v", "--verbose"}, scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces of failures.")
    boolean verbose;

    /** Whether {@code -v} was given to this invocation (read from the root command, not a static). */
    static boolean verbose(CommandLine any) {
        CommandLine c = any;
        while (c.getParent() != null) {
            c = c.getParent();
        }
        return c.getCommand() instanceof ClipCommand root && root.verbose;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand");
    }

    /** Builds the command line with the project's error handling. */
    public static CommandLine commandLine() {
        return commandLine(java.util.function.UnaryOperator.identity());
    }

    /**
     * The same, with {@code models} applied to every model builder before it loads: the seam
     * through which tests substitute a stand-in model ({@code b -> b.loader(...)}), injected by
     * picocli's factory rather than kept in a static field.
     */
    static CommandLine commandLine(java.util.function.UnaryOperator<io.clipkit.ClipModel.Builder> models) {
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            @SuppressWarnings("unchecked")
            public <K> K create(Class<K> cls) throws Exception {
                if (cls == ModelOptionsMixin.class) {
                    return (K) new ModelOptionsMixin(models);
                }
                return defaults.create(cls);
            }
        };
        CommandLine cl = new CommandLine(new ClipCommand(), factory);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (ex instanceof IllegalArgumentException) {
                // A caller mistake found after parsing (bad label list, bad value): usage error.
                err.println(commandLine.getCommandSpec().qualifiedName() + ": " + describe(ex));
                if (verbose(commandLine)) {
                    ex.printStackTrace(err);
                }
                err.flush();
                return CommandLine.ExitCode.USAGE;
            }
            err.println(commandLine.getCommandSpec().qualifiedName() + ": " + describe(ex));
            if (verbose(commandLine)) {
                ex.printStackTrace(err);
            }
            err.flush();
            return CommandLine.ExitCode.SOFTWARE;
        });
        return cl;
    }

    /**
     * A one-line message for a failure: its message, or its type when it has none. The JDK's file
     * exceptions often carry only the path ("x.pt"), so their kind is spelled out.
     */
    static String describe(Throwable ex) {
        if (ex instanceof FileSystemException fse && fse.getReason() == null && fse.getFile() != null) {
            return fse.getFile() + ": " + IoReasons.reason(fse);
        }
        String m = ex.getMessage();
        return m == null || m.isBlank() ? ex.getClass().getSimpleName() : m;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
