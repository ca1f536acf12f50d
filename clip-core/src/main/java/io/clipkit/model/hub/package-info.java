/**
 * Model folders as people have them: the one policy that turns a path (checkpoint file or folder)
 * into weights, configuration and tokenizer. It recognises OpenAI-style checkpoint files and
 * folders holding one, transformers {@code CLIPModel} folders ({@code config.json}, HF key names,
 * {@code vocab.json} + {@code merges.txt} or {@code tokenizer.json}, {@code preprocessor_config.json})
 * and open_clip hub folders ({@code open_clip_config.json} with OpenAI key names), maps their
 * tensors to OpenAI's names (fusing q/k/v, transposing Linear projections) and reads their configs
 * into a {@link io.clipkit.ModelSpec}. Only {@link io.clipkit.model.hub.ModelFolder} is public.
 */
package io.clipkit.model.hub;
