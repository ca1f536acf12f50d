package io.clipkit.model;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Models shipped on the classpath. A resource folder lists its files in {@code files.sha256}
 * ({@code <sha256>  <name>} per line, as {@code sha256sum} writes it); the files are copied once
 * into {@code <cache>/bundled/<manifest hash>/}, verified, and loaded from there like any folder
 * (the checkpoint readers map files; a jar entry cannot be mapped).
 */
public final class BundledModels {
    /** The manifest each bundled model folder holds. */
    public static final String MANIFEST = "files.sha256";

    private BundledModels() {}

    /** Whether the resource folder is on the classpath (its manifest is). */
    public static boolean available(String resourceFolder) {
        return BundledModels.class.getResource(base(resourceFolder) + MANIFEST) != null;
    }

    /**
     * Where {@link #extract} puts (or put) the folder in this cache: {@code <cache>/bundled/<manifest
     * hash>/}; empty if the resource is not on the classpath.
     */
    public static java.util.Optional<Path> folder(String resourceFolder, Path cacheDir) throws IOException {
        byte[] manifest = manifest(base(resourceFolder));
        return manifest == null ? java.util.Optional.empty() : java.util.Optional.of(folderOf(manifest, cacheDir));
    }

    private static String base(String resourceFolder) {
        String base = resourceFolder.startsWith("/") ? resourceFolder : "/" + resourceFolder;
        return base.endsWith("/") ? base : base + "/";
    }

    private static byte[] manifest(String base) throws IOException {
        try (InputStream in = BundledModels.class.getResourceAsStream(base + MANIFEST)) {
            return in == null ? null : in.readAllBytes();
        }
    }

    private static Path folderOf(byte[] manifest, Path cacheDir) {
        return cacheDir.resolve("bundled").resolve(io.clipkit.util.Hashes.sha256Hex(manifest).substring(0, 16));
    }

    /** Copies the resource folder into the cache unless a verified copy is there; returns the folder. */
    public static Path extract(String resourceFolder, Path cacheDir) throws IOException {
        String base = base(resourceFolder);
        byte[] manifest = manifest(base);
        if (manifest == null) {
            throw new FileNotFoundException("no bundled model at classpath resource " + base
                    + " (its " + MANIFEST + " is missing; is the model's artifact on the classpath?)");
        }
        List<String[]> files = new ArrayList<>();
        for (String line : new String(manifest, StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] parts = line.strip().split("\\s+\\*?", 2);
            if (parts.length != 2 || !parts[0].matches("[0-9a-f]{64}") || parts[1].contains("/") || parts[1].startsWith(".")) {
                throw new IOException("bundled model " + base + ": bad line in " + MANIFEST + ": '" + line + "'");
            }
            files.add(parts);
        }
        Path dir = folderOf(manifest, cacheDir);
        if (Files.isRegularFile(dir.resolve(MANIFEST))) {
            return dir; // written last, after every file was verified
        }
        Files.createDirectories(dir);
        for (String[] f : files) {
            Path target = dir.resolve(f[1]);
            Path tmp = Files.createTempFile(dir, f[1], ".part");
            try (InputStream raw = BundledModels.class.getResourceAsStream(base + f[1])) {
                if (raw == null) {
                    throw new FileNotFoundException("bundled model " + base + ": " + f[1] + " is listed but missing");
                }
                java.security.MessageDigest md = io.clipkit.util.Hashes.sha256();
                try (InputStream in = new DigestInputStream(raw, md)) {
                    Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                }
                String got = io.clipkit.util.Hashes.hex(md.digest());
                if (!got.equals(f[0])) {
                    throw new IOException("bundled model " + base + ": " + f[1] + " has SHA-256 " + got + ", expected " + f[0]);
                }
                move(tmp, target);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        Path tmp = Files.createTempFile(dir, MANIFEST, ".part");
        Files.write(tmp, manifest);
        move(tmp, dir.resolve(MANIFEST));
        return dir;
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
