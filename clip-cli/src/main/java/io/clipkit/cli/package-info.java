/**
 * The {@code clip} command line (picocli): {@code ClipCommand} (root, exit codes from exception
 * types) and one class per subcommand, with the options several commands share as mixins
 * ({@code ModelOptionsMixin}, {@code DecodeOptionsMixin}, {@code LabelOptionsMixin}). Core messages
 * name library settings; {@code CliNames} shows them as flags.
 */
package io.clipkit.cli;
