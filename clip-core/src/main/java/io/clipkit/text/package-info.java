/**
 * CLIP's tokenizer, identical to the reference: ftfy's text repair ({@code Ftfy}, {@code Badness}),
 * HTML unescaping, NFC, the pre-tokenization regex ({@code PreTokenizer}) and byte-level BPE
 * ({@code BpeTokenizer}), with data tables generated from the Python reference
 * ({@code models/tools/tokens/make_text_tables.py}). Implementation: use {@link io.clipkit.ClipTokenizer}.
 */
package io.clipkit.text;
