package io.clipkit.cli;

import io.clipkit.ClipModel;
import io.clipkit.ModelInfo;
import io.clipkit.registry.ClipHome;
import io.clipkit.registry.Downloader;
import io.clipkit.registry.ModelRegistry;
import io.clipkit.registry.ModelResolver;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code clip models list|pull|verify|rm|info}: the model registry and cache. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = {"List, pull, verify, remove and inspect models.",
            "Models are cached in $CLIPKIT_HOME, else $XDG_CACHE_HOME/clipkit, else ~/.cache/clipkit (or --cache-dir). "
                    + "Add your own entries (name, url, sha256, activation) in <cache>/registry.json."},
        subcommands = {
            ModelsCommand.ListCommand.class,
            ModelsCommand.PullCommand.class,
            ModelsCommand.VerifyCommand.class,
            ModelsCommand.RmCommand.class,
            ModelsCommand.InfoCommand.class
        })
final class ModelsCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: list, pull, verify, rm or info");
    }

    /** {@code --cache-dir} for the subcommands that need only the cache. */
    static final class CacheOption {
        @Spec(Spec.Target.MIXEE) CommandSpec mixee;

        @Option(names = "--cache-dir", paramLabel = "DIR", description = "Model cache (default: see 'clip models --help').")
        Path cacheDir;

        ModelResolver resolver() throws IOException {
            return resolver(DownloadProgress.forConsole(mixee.commandLine().getErr()));
        }

        ModelResolver resolver(Downloader.Listener progress) throws IOException {
            PrintWriter err = mixee.commandLine().getErr();
            return new ModelResolver(ClipHome.cacheDir(cacheDir), new Downloader(), progress, err::println);
        }

        /** The registry entries of the named models, in order; an unknown name is a usage error. */
        List<ModelRegistry.Entry> entries(ModelResolver r, List<String> names) {
            List<ModelRegistry.Entry> entries = new ArrayList<>();
            for (String name : names) {
                entries.add(r.registry().find(name).orElseThrow(() -> new ModelOptionsMixin.ModelUnavailableException(
                        new IllegalArgumentException("unknown model '" + name + "': known models are " + r.registry().names()))));
            }
            return entries;
        }
    }

    static String state(ModelResolver r, ModelRegistry.Entry e) throws IOException {
        if (e.bundled()) {
            return r.isCached(e) ? "bundled" : "bundled, not available (needs the " + e.artifact() + " artifact)";
        }
        Path f = r.cachedPath(e);
        if (Files.isRegularFile(f)) {
            return "yes";
        }
        Path part = f.resolveSibling(f.getFileName() + ".part");
        if (Files.isRegularFile(part) && e.size() > 0) {
            return String.format(Locale.ROOT, "partial (%.0f%%)", 100.0 * Files.size(part) / e.size());
        }
        return "no";
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the known models and whether they are cached.")
    static final class ListCommand implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin CacheOption cache;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            ModelResolver r = cache.resolver();
            out.println("cache: " + r.cacheDir());
            int w = Math.max(4, r.registry().entries().stream().mapToInt(e -> e.name().length()).max().orElse(4));
            String fmt = "%-" + w + "s  %10s  %10s  %-10s  %s%n";
            out.printf(Locale.ROOT, fmt, "NAME", "SIZE", "RESOLUTION", "ACTIVATION", "CACHED");
            for (ModelRegistry.Entry e : r.registry().entries()) {
                out.printf(Locale.ROOT, fmt, e.name() + (e.builtIn() ? "" : "*"), e.size() > 0 ? ModelResolver.describeSize(e) : "?",
                        e.resolution() > 0 ? e.resolution() + "px" : "?", e.activation().cliName(), state(r, e));
            }
            if (r.registry().entries().stream().anyMatch(e -> !e.builtIn())) {
                out.println("* from " + r.cacheDir().resolve(ModelRegistry.USER_FILE));
            }
            return 0;
        }
    }

    @Command(name = "pull", mixinStandardHelpOptions = true,
            description = "Download models (and the vocabulary) into the cache, verifying their SHA-256; resumes partial downloads.")
    static final class PullCommand implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin CacheOption cache;

        @Parameters(arity = "1..*", paramLabel = "NAME")
        List<String> names;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            Downloader.Listener shown = DownloadProgress.forConsole(spec.commandLine().getErr());
            java.util.concurrent.atomic.AtomicBoolean transferred = new java.util.concurrent.atomic.AtomicBoolean();
            ModelResolver r = cache.resolver(new Downloader.Listener() {
                @Override
                public void started(String what, long total, long resumedFrom) {
                    transferred.set(true);
                    shown.started(what, total, resumedFrom);
                }

                @Override
                public void progress(long bytes) {
                    shown.progress(bytes);
                }

                @Override
                public void finished() {
                    shown.finished();
                }

                @Override
                public void message(String line) {
                    shown.message(line);
                }
            });
            List<ModelRegistry.Entry> entries = cache.entries(r, names);
            for (ModelRegistry.Entry e : entries) {
                if (e.bundled()) {
                    Path dir;
                    try {
                        dir = r.pull(e); // extracts it, verified: nothing is downloaded
                    } catch (IOException ex) {
                        throw new ModelOptionsMixin.ModelUnavailableException(ex);
                    }
                    out.println(e.name() + ": bundled with clipkit (" + e.artifact() + "), nothing to download; verified copy: " + dir);
                    out.flush();
                    continue;
                }
                transferred.set(false);
                boolean wasCached = Files.isRegularFile(r.cachedPath(e));
                Path p;
                try {
                    p = r.pull(e);
                } catch (IOException ex) {
                    throw new ModelOptionsMixin.ModelUnavailableException(ex);
                }
                // Only a transfer is a download: a concurrent pull may have put the file there while
                // this one waited for the lock.
                String what = transferred.get() ? "downloaded and verified"
                        : !wasCached ? "already cached (pulled meanwhile by another process), verified"
                        : "already cached, verified";
                out.println(e.name() + ": " + what + ": " + p);
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Check cached models (all, or the named ones) and the vocabulary against their SHA-256.")
    static final class VerifyCommand implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin CacheOption cache;

        @Parameters(arity = "0..*", paramLabel = "NAME")
        List<String> names = new ArrayList<>();

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            ModelResolver r = cache.resolver();
            List<ModelRegistry.Entry> entries = cache.entries(r, names);
            boolean all = entries.isEmpty();
            if (all) {
                for (ModelRegistry.Entry e : r.registry().entries()) {
                    if (!e.bundled() && Files.isRegularFile(r.cachedPath(e))) {
                        entries.add(e);
                    }
                }
            }
            int bad = 0;
            for (ModelRegistry.Entry e : entries) {
                if (e.bundled()) {
                    out.println(e.name() + ": bundled (" + e.artifact() + "); its files are checked against their "
                            + io.clipkit.model.BundledModels.MANIFEST + " when extracted (clip models rm " + e.name()
                            + " removes the extracted copy, so the next use checks them again)");
                    continue;
                }
                // hub entries without a registry SHA-256 are checked against the one recorded at download
                bad += check(out, err, e.name(), r.cachedPath(e),
                        java.util.Objects.requireNonNullElse(r.expectedSha256(e), "(none recorded: pull it again)")) ? 0 : 1;
            }
            if (all && entries.isEmpty()) {
                out.println("no models cached in " + r.cacheDir());
            }
            return bad == 0 ? 0 : ClipCommand.EXIT_FAILURE;
        }

        private static boolean check(PrintWriter out, PrintWriter err, String name, Path file, String sha) throws IOException {
            if (!Files.isRegularFile(file)) {
                err.println("clip models verify: " + name + ": not cached (" + file + ")");
                return false;
            }
            String got = Downloader.sha256(file);
            if (got.equalsIgnoreCase(sha)) {
                out.println(name + ": ok (" + file + ")");
                return true;
            }
            err.println("clip models verify: " + name + ": SHA-256 mismatch in " + file + ": expected " + sha + ", found " + got
                    + "; remove it with 'clip models rm' and pull it again");
            return false;
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove cached models (and their partial downloads).")
    static final class RmCommand implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin CacheOption cache;

        @Parameters(arity = "1..*", paramLabel = "NAME")
        List<String> names;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            ModelResolver r = cache.resolver();
            List<ModelRegistry.Entry> entries = cache.entries(r, names);
            int missing = 0;
            for (ModelRegistry.Entry e : entries) {
                if (e.bundled()) {
                    // the model ships in its artifact; only its extracted copy is in the cache
                    java.util.Optional<Path> dir = io.clipkit.model.BundledModels.folder(e.resource(), r.cacheDir());
                    if (dir.isPresent() && Files.isDirectory(dir.get())) {
                        deleteTree(dir.get());
                        out.println(e.name() + ": removed the extracted copy " + dir.get() + " (the model itself is bundled with "
                                + "clipkit and is extracted again on next use)");
                    } else {
                        err.println("clip models rm: " + e.name() + " is bundled with clipkit (" + e.artifact()
                                + "), not downloaded; there is no extracted copy in " + r.cacheDir() + " to remove");
                        missing++;
                    }
                    continue;
                }
                Path f = r.cachedPath(e);
                boolean removed = Files.deleteIfExists(f);
                boolean part = Files.deleteIfExists(f.resolveSibling(f.getFileName() + ".part"));
                Files.deleteIfExists(f.resolveSibling(f.getFileName() + ".lock"));
                removed |= r.removeCompanions(e); // a hub folder's other files and the download records
                if (removed || part) {
                    out.println(e.name() + ": removed " + (removed ? f : f + ".part"));
                } else {
                    err.println("clip models rm: " + e.name() + " is not cached (" + f + ")");
                    missing++;
                }
            }
            return missing == 0 ? 0 : ClipCommand.EXIT_FAILURE;
        }
    }

    /** Deletes a folder the cache owns (an extracted bundled model: plain files, no links followed). */
    static void deleteTree(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true,
            description = "Load a model (registry name or checkpoint path) and print what was inferred from it.")
    static final class InfoCommand implements Callable<Integer> {
        /** Options of the shared model mixin that change nothing {@code info} prints: left out of its help and parser. */
        static final List<String> IRRELEVANT = List.of("--batch-size", "--encoder-threads");

        @Spec CommandSpec spec;

        @Mixin ModelOptionsMixin modelOptions;

        @Parameters(index = "0", arity = "0..1", paramLabel = "NAME|PATH",
                description = "The model (the same as --model; default: " + ModelResolver.DEFAULT_MODEL + ").")
        String model;

        /** Removes {@link #IRRELEVANT} from this command (called once when the command line is built). */
        static void trimOptions(CommandLine info) {
            CommandSpec s = info.getCommandSpec();
            for (String name : IRRELEVANT) {
                CommandLine.Model.OptionSpec o = s.findOption(name);
                o.setValue(Integer.valueOf(o.defaultValue())); // no longer parsed, so no longer defaulted by picocli
                s.remove(o);
            }
        }

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            boolean flag = spec.commandLine().getParseResult().hasMatchedOption("--model");
            if (model != null && flag && !model.equals(modelOptions.model)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "two models given: --model "
                        + modelOptions.model + " and " + model + "; give one (as NAME|PATH or with --model)");
            }
            if (model == null) {
                model = modelOptions.model;
            }
            modelOptions.model = model;
            ModelResolver r = new ModelResolver(modelOptions.cacheDir(), new Downloader(), Downloader.SILENT, line -> { });
            var entry = r.registry().find(model);
            if (entry.isPresent() && !entry.get().bundled() && !Files.exists(Path.of(model))
                    && !Files.isRegularFile(r.cachedPath(entry.get()))) {
                ModelRegistry.Entry e = entry.get();
                row(out, "name", e.name());
                row(out, "url", e.url());
                row(out, "sha256", e.sha256());
                row(out, "size", ModelResolver.describeSize(e));
                row(out, "resolution", e.resolution());
                row(out, "activation", e.activation().cliName());
                row(out, "cached", "no (run 'clip models pull " + e.name() + "' to download and inspect it)");
                return 0;
            }
            // Inspecting a checkpoint needs no vocabulary (only its text encoder's input would).
            try (ClipModel m = modelOptions.load()) {
                print(out, m.info());
                boolean registryModel = entry.isPresent() && !Files.exists(Path.of(model));
                Path where = !registryModel ? Path.of(model)
                        : entry.get().bundled() ? r.extractBundled(entry.get()) : r.modelPath(entry.get());
                if (registryModel && entry.get().bundled()) {
                    row(out, "bundled", entry.get().artifact() + " (extracted to " + where + ")");
                }
                printFound(out, m.info(), io.clipkit.model.hub.ModelFolder.of(where), modelOptions.activation != null,
                        registryModel && !entry.get().bundled());
            }
            return 0;
        }

        /** What was found in the folder and where each setting came from (given, config, registry, default). */
        static void printFound(PrintWriter out, ModelInfo i, io.clipkit.model.hub.ModelFolder f, boolean activationGiven,
                               boolean registry) {
            for (java.util.Map.Entry<String, String> line : f.describe()) {
                if (line.getKey().isEmpty()) {
                    out.println(" ".repeat(LABEL_WIDTH) + line.getValue());
                } else {
                    row(out, line.getKey(), line.getValue());
                }
            }
            String from;
            if (activationGiven) {
                from = "given (--activation)";
            } else if (registry) {
                from = "registry entry";
            } else if (f.activationSource().isPresent()) {
                from = "inferred from " + f.activationSource().get();
            } else {
                from = "defaulted: OpenAI-style checkpoints do not record it; pass --activation gelu for a GELU model";
            }
            row(out, "activation from", from);
            io.clipkit.ModelSpec s = i.spec();
            row(out, "family", s.family());
            row(out, "image pipeline", s.image().describe());
            row(out, "templates", String.join(" | ", s.templates()));
            row(out, "tokens", "start " + s.text().startId() + ", end " + s.text().endId() + ", pad " + s.text().padId()
                    + " (vocabulary sha256 " + i.vocabularySha256() + ")");
        }

        static void print(PrintWriter out, ModelInfo i) {
            row(out, "name", i.name());
            row(out, "architecture", i.architecture());
            row(out, "format", i.format());
            row(out, "checkpoint sha256", i.checkpointSha256());
            row(out, "embed dim", i.embedDim());
            row(out, "image resolution", i.imageResolution());
            row(out, "vision", "width " + i.visionWidth() + ", layers " + i.visionLayers()
                    + (i.visionBlocks().isEmpty() ? "" : " " + i.visionBlocks()) + ", heads " + i.visionHeads()
                    + (i.patchSize() > 0 ? ", patch " + i.patchSize() : ""));
            row(out, "text", "width " + i.textWidth() + ", layers " + i.textLayers() + ", heads " + i.textHeads()
                    + ", context " + i.contextLength() + ", vocab " + i.vocabSize());
            row(out, "activation", i.activation().cliName());
            row(out, "device", i.device() + " (" + i.dtype().name().toLowerCase(Locale.ROOT) + ")");
            row(out, "kernel", i.kernel());
        }

        /** Width of the label column: the longest label ("checkpoint sha256:") and one space. */
        static final int LABEL_WIDTH = 19;

        /** One "label: value" line, values aligned in one column. */
        static void row(PrintWriter out, String label, Object value) {
            out.println(String.format(Locale.ROOT, "%-" + LABEL_WIDTH + "s", label + ":") + value);
        }
    }
}
