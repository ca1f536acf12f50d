/**
 * Video for clipkit: frames sampled from video files through JavaCV's FFmpeg (natives inside the
 * jars), preprocessed like photos and ranked with the same labels. {@link io.clipkit.video.VideoFrames}
 * samples, {@link io.clipkit.video.VideoClassifier} gives overall labels and a timeline of segments.
 */
package io.clipkit.video;
