package io.clipkit.search;

/** A row of a scorer with its score: the cosine of the query with the row's vector. */
public record Scored(String path, float score) {}
