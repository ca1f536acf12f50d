#!/usr/bin/python3
"""Video fixtures for clip-video's golden tests: three still images shown 2 s each, encoded
losslessly (FFV1 in Matroska, H.264 RGB at qp 0 in MP4) and as a phone-style MP4 whose frames are
stored sideways with a 90-degree display rotation; plus the reference embedding of each still
(PIL + torchvision preprocessing, the plain-torch CLIP of models/tools/clip_ref) on the fixture
model vit-p32-r64.

    /usr/bin/python3 models/tools/video/make_video_fixtures.py     (needs Debian's ffmpeg)

Writes models/fixtures/video/: still_{0,1,2}.png, three_stills.{mkv,mp4}, rotated.mp4,
audio_only.m4a, expected.json (segment start/end seconds, still per segment, embeddings).
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "clip_ref"))
sys.path.insert(0, os.path.join(HERE, "..", "images"))
from model import build_model  # noqa: E402
import make_image_fixtures as images_ref  # noqa: E402

FIXTURES = os.path.normpath(os.path.join(HERE, "..", "..", "fixtures"))
OUT = os.path.join(FIXTURES, "video")
MODEL = "vit-p32-r64/model.pt"
W, H, FPS, SECONDS = 96, 64, 4, 2


def stills():
    """Three pictures far apart in content (so a frame-difference test sees the cuts)."""
    y, x = np.mgrid[0:H, 0:W].astype(np.float64)
    a = np.stack([200 + 40 * np.sin(x / 7), 60 + 30 * np.cos(y / 5), 40 + 0 * x], -1)
    b = np.stack([30 + 0 * x, 90 + 80 * ((x // 12 + y // 12) % 2), 210 - y], -1)
    c = np.stack([120 + 100 * np.exp(-((x - 48) ** 2 + (y - 32) ** 2) / 300), 20 + x, 230 - 2 * x], -1)
    return [np.clip(i, 0, 255).astype(np.uint8) for i in (a, b, c)]


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def encode(frames_dir, out, codec_args, extra=()):
    ffmpeg("-framerate", str(FPS), "-i", os.path.join(frames_dir, "f%03d.png"), *codec_args, *extra, out)


def set_rotation(path):
    """Writes a phone's 90-degree clockwise display matrix into the MP4's track header (Debian's
    ffmpeg 5.1 no longer honours -metadata rotate=90 when writing)."""
    data = bytearray(open(path, "rb").read())
    i = data.index(b"tkhd")
    assert data[i + 4] == 0, "version-0 tkhd expected"
    matrix = i + 4 + 40
    vals = [0, 0x10000, 0, 0xFFFF0000, 0, 0, 0, 0, 0x40000000]
    data[matrix:matrix + 36] = b"".join(v.to_bytes(4, "big") for v in vals)
    open(path, "wb").write(bytes(data))


def main():
    os.makedirs(OUT, exist_ok=True)
    imgs = stills()
    for i, im in enumerate(imgs):
        Image.fromarray(im).save(os.path.join(OUT, f"still_{i}.png"))
    with tempfile.TemporaryDirectory() as tmp:
        upright = os.path.join(tmp, "upright")
        sideways = os.path.join(tmp, "sideways")
        os.makedirs(upright)
        os.makedirs(sideways)
        k = 0
        for im in imgs:
            for _ in range(FPS * SECONDS):
                Image.fromarray(im).save(os.path.join(upright, f"f{k:03d}.png"))
                # stored turned a quarter counter-clockwise: displaying it needs a quarter clockwise
                Image.fromarray(np.ascontiguousarray(np.rot90(im, 1))).save(os.path.join(sideways, f"f{k:03d}.png"))
                k += 1
        encode(upright, os.path.join(OUT, "three_stills.mkv"), ["-c:v", "ffv1", "-pix_fmt", "bgr0"])
        encode(upright, os.path.join(OUT, "three_stills.mp4"), ["-c:v", "libx264rgb", "-qp", "0", "-pix_fmt", "rgb24"])
        encode(sideways, os.path.join(OUT, "rotated.mp4"), ["-c:v", "libx264rgb", "-qp", "0", "-pix_fmt", "rgb24"])
        set_rotation(os.path.join(OUT, "rotated.mp4"))
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", os.path.join(OUT, "audio_only.m4a"))

    m = torch.jit.load(os.path.join(FIXTURES, "models", MODEL), map_location="cpu")
    sd = {k: (v.float() if v.is_floating_point() else v) for k, v in m.state_dict().items()}
    model = build_model(sd)
    res = model.visual.input_resolution
    batch = torch.stack([images_ref.reference(os.path.join(OUT, f"still_{i}.png"), res, False)[2] for i in range(3)])
    with torch.no_grad():
        emb = model.encode_image(batch)
    emb = emb / emb.norm(dim=-1, keepdim=True)
    segments = [{"start": i * SECONDS, "end": (i + 1) * SECONDS, "still": f"still_{i}.png"} for i in range(3)]
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump({"model": MODEL, "activation": "quick-gelu", "fps": FPS, "seconds_per_still": SECONDS,
                   "segments": segments, "embeddings": emb.numpy().astype(float).round(7).tolist()}, f, indent=1)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
