/**
 * Videos: the frames a model should see ({@link io.clipkit.video.VideoSampler}, decoding provided
 * by the {@code clip-video} artifact on FFmpeg), overall labels and a timeline of segments
 * ({@link io.clipkit.video.VideoClassifier}). Frames go through the same preprocessing and
 * encoders as photos.
 */
package io.clipkit.video;
