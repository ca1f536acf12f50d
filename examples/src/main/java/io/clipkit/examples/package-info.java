/**
 * Small programs that use the library as an application would: {@code ClassifyOne} (one image,
 * some labels) and {@code PhotoApp} (one model and classifier shared by many threads). Run them as
 * the README's "Java API" section shows.
 */
package io.clipkit.examples;
