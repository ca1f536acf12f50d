package io.clipkit.cli;

import io.clipkit.Labels;
import io.clipkit.PromptTemplates;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Label and prompt-template options shared by {@code classify} and {@code tag}: {@code --labels a,b,c},
 * {@code --label L} (repeatable; may hold commas), {@code --labels-file F} (one per line, {@code #}
 * comments), {@code --template T} (repeatable), {@code --templates-file F}, {@code --ensemble}.
 */
public final class LabelOptionsMixin {
    @Option(names = "--labels", paramLabel = "A,B,C", description = "Comma-separated labels (repeatable).")
    List<String> csv = new ArrayList<>();

    @Option(names = "--label", paramLabel = "LABEL", description = "One label, may contain commas and spaces (repeatable).")
    List<String> single = new ArrayList<>();

    @Option(names = "--labels-file", paramLabel = "FILE",
            description = "Labels, one per line; '#' comment lines and blank lines are ignored.")
    Path labelsFile;

    @Option(names = "--template", paramLabel = "T",
            description = "Prompt template with {} for the label (repeatable). Default: the model's own ('"
                    + PromptTemplates.DEFAULT + "' for OpenAI's models; see 'clip models info').")
    List<String> templates = new ArrayList<>();

    @Option(names = "--templates-file", paramLabel = "FILE", description = "Prompt templates, one per line.")
    Path templatesFile;

    @Option(names = "--ensemble", description = "Average over clipkit's built-in ensemble of prompt templates.")
    boolean ensemble;

    /**
     * All labels given, in order (--labels, then --label, then --labels-file), checked.
     *
     * @throws IllegalArgumentException if none, empty or duplicate (a usage error)
     * @throws IOException if the labels file cannot be read
     */
    public List<String> labels() throws IOException {
        List<String> all = new ArrayList<>();
        for (String c : csv) {
            all.addAll(Labels.parseCsv(c));
        }
        for (String s : single) {
            all.add(s.strip());
        }
        if (labelsFile != null) {
            List<String> fromFile = Labels.readFile(labelsFile);
            if (fromFile.isEmpty()) {
                throw new IllegalArgumentException("labels file " + labelsFile + " holds no labels");
            }
            all.addAll(fromFile);
        }
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no labels: give --labels a,b,c, --label L (repeatable) or --labels-file FILE");
        }
        return Labels.check(all);
    }

    /** The templates: the ensemble and/or the given ones; empty if none was given (then the model's own are used). */
    public java.util.Optional<List<String>> templates() throws IOException {
        List<String> all = new ArrayList<>();
        if (ensemble) {
            all.addAll(PromptTemplates.ensemble());
        }
        all.addAll(templates);
        if (templatesFile != null) {
            all.addAll(PromptTemplates.readFile(templatesFile));
        }
        return all.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(PromptTemplates.check(all));
    }
}
