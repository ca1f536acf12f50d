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
 * <p>Exit codes, decided in one place ({@link #exitCode(Throwable)}, picocli's exit-code mapper,
 * from the exception's type): 0 success, {@value #EXIT_FAILURE} failure (I/O and anything else),
 * {@value #EXIT_USAGE} usage error, {@value #EXIT_PARTIAL} partial failure in batch commands,
 * {@value #EXIT_MODEL} the model could not be found, downloaded or loaded. Failures print a
 * message, not a stack trace, unless {@code -v} is given.
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
            ServeCommand.class,
            ModelsCommand.class,
            TrainCommand.class,
            CommandLine.HelpCommand.class
        })
public final class ClipCommand implements Runnable {
    /** Exit code of a failure: I/O (the message names the file) or anything not listed below. */
    public static final int EXIT_FAILURE = 1;
    /** Exit code of a usage error: a bad option or value (picocli's own code for those). */
    public static final int EXIT_USAGE = 2;
    /** Exit code of a batch run in which some inputs failed. */
    public static final int EXIT_PARTIAL = 3;
    /** Exit code of a model problem: not found, not downloadable, not a checkpoint, unsupported. */
    public static final int EXIT_MODEL = 4;

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
        cl.setExitCodeExceptionMapper(ClipCommand::exitCode);
        ModelsCommand.InfoCommand.trimOptions(cl.getSubcommands().get("models").getSubcommands().get("info"));
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            String message = describe(ex);
            if (ex instanceof IllegalArgumentException) {
                // A caller mistake found after parsing: a core message names the library's option.
                message = CliNames.checks(message);
            }
            err.println(commandLine.getCommandSpec().qualifiedName() + ": " + message);
            if (verbose(commandLine)) {
                ex.printStackTrace(err);
            }
            err.flush();
            return exitCode(ex);
        });
        return cl;
    }

    /** The exit code for a failure, by its type (the one place that decides; see the class comment). */
    static int exitCode(Throwable ex) {
        if (ex instanceof ModelOptionsMixin.ModelUnavailableException || ex instanceof io.clipkit.ClipException) {
            return EXIT_MODEL;
        }
        if (ex instanceof CommandLine.ParameterException || ex instanceof IllegalArgumentException) {
            return EXIT_USAGE;
        }
        return EXIT_FAILURE;
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
        // Core messages name library settings; here the advice names the flags.
        return m == null || m.isBlank() ? ex.getClass().getSimpleName() : CliNames.cli(m);
    }

    public static void main(String[] args) {
        io.clipkit.util.Trace.mark("main");
        int code = commandLine().execute(args);
        io.clipkit.util.Trace.mark("exit " + code);
        System.exit(code);
    }
}
