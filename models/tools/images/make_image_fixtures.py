#!/usr/bin/python3
"""Generates the image fixtures for clipkit's preprocessing golden tests.

Run with Debian's /usr/bin/python3 (Pillow 9.4, torchvision 0.14, torch 1.13):

    /usr/bin/python3 models/tools/images/make_image_fixtures.py [models/fixtures/images]

Writes
  src/<image>                      the test images (made here, deterministic)
  expected/<case>.png              the reference crop (uint8 RGB) = what the model sees
  expected/<case>.npy              the full normalized float32 [3,n,n] tensor (a subset of cases)
  normalize.npy                    float32 [3,256]: reference ToTensor+Normalize of each uint8 level
  cases.tsv                        case, image, size, exif (1 = ImageOps.exif_transpose), PIL mode, npy
The reference is: PIL open -> (exif_transpose) -> Resize(n, BICUBIC) -> CenterCrop(n) -> convert("RGB")
-> ToTensor -> Normalize(CLIP mean/std).
"""
import io
import os
import struct
import sys
import zlib

import numpy as np
import torch
from PIL import Image, ImageOps
from torchvision import transforms as T

MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "fixtures", "images")
SRC = os.path.join(OUT, "src")
EXP = os.path.join(OUT, "expected")


def photo(w, h, seed, noise=5.0):
    """Photo-like RGB content: gradients, soft blobs, edges and a little sensor noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    xn, yn = x / max(w - 1, 1), y / max(h - 1, 1)
    img = np.zeros((h, w, 3))
    for c in range(3):
        f = rng.uniform(2, 9, size=2)
        ph = rng.uniform(0, 6.28, size=2)
        img[..., c] = (90 + 70 * xn * rng.uniform(-1, 1) + 60 * yn * rng.uniform(-1, 1)
                       + 40 * np.sin(f[0] * xn * 3.14 + ph[0]) * np.cos(f[1] * yn * 3.14 + ph[1]))
    for _ in range(4):  # blobs
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.05, 0.3) * max(w, h)
        col = rng.uniform(-90, 120, size=3)
        m = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r))
        img += m[..., None] * col
    # a hard-edged rectangle (ringing in bicubic) and a thin line
    x0, y0 = int(w * 0.6), int(h * 0.2)
    img[y0:y0 + max(1, h // 5), x0:x0 + max(1, w // 6)] = rng.uniform(0, 255, size=3)
    img[:, max(0, w // 3):max(1, w // 3 + 1)] = 250
    img += rng.normal(0, noise, size=img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def png_chunk(typ, data):
    c = typ + data
    return struct.pack(">I", len(data)) + c + struct.pack(">I", zlib.crc32(c) & 0xFFFFFFFF)


def write_png16(path, arr, color_type):
    """Pillow cannot write 16-bit RGB PNGs; write one by hand (big-endian samples, filter 0)."""
    h, w = arr.shape[:2]
    raw = b"".join(b"\x00" + arr[r].astype(">u2").tobytes() for r in range(h))
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, color_type, 0, 0, 0))
    data += png_chunk(b"IDAT", zlib.compress(raw, 9)) + png_chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


def write_png_gray_bits(path, arr, bits):
    """Grayscale PNG with 2 or 4 bits per sample (Pillow reads it as L, scaling values up)."""
    h, w = arr.shape
    per = 8 // bits
    rows = []
    for r in range(h):
        vals = list(arr[r]) + [0] * ((-w) % per)
        bs = bytearray()
        for i in range(0, len(vals), per):
            b = 0
            for v in vals[i:i + per]:
                b = (b << bits) | int(v)
            bs.append(b)
        rows.append(b"\x00" + bytes(bs))
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bits, 0, 0, 0, 0))
    data += png_chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + png_chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


def exif_bytes(orientation):
    ex = Image.Exif()
    ex[0x0112] = orientation
    return ex.tobytes()


def make_images():
    os.makedirs(SRC, exist_ok=True)
    imgs = {}

    def save(name, im, **kw):
        im.save(os.path.join(SRC, name), **kw)
        imgs[name] = True

    p = photo(320, 240, 1)
    save("jpeg_420_4x3.jpg", Image.fromarray(p), quality=90, subsampling=2)
    save("jpeg_444_2x3.jpg", Image.fromarray(photo(200, 300, 2)), quality=95, subsampling=0)
    save("jpeg_422_wide.jpg", Image.fromarray(photo(400, 150, 3)), quality=88, subsampling=1)
    save("jpeg_progressive.jpg", Image.fromarray(photo(300, 300, 4)), quality=85, progressive=True)
    save("jpeg_gray.jpg", Image.fromarray(photo(250, 180, 5)).convert("L"), quality=90)
    save("jpeg_cmyk.jpg", Image.fromarray(photo(160, 120, 6)).convert("CMYK"), quality=92)
    save("jpeg_large.jpg", Image.fromarray(photo(1000, 700, 7, noise=3)), quality=80)
    save("jpeg_odd_3x2.jpg", Image.fromarray(photo(3, 2, 8)), quality=95)
    save("jpeg_exact_224.jpg", Image.fromarray(photo(224, 224, 9)), quality=90)
    # EXIF orientations 1..8 on a non-square photo
    e = Image.fromarray(photo(120, 80, 10))
    for o in range(1, 9):
        save(f"jpeg_exif_{o}.jpg", e, quality=90, exif=exif_bytes(o))

    save("png_rgb.png", Image.fromarray(photo(300, 200, 11)))
    a = photo(240, 320, 12)
    y, x = np.mgrid[0:320, 0:240]
    alpha = np.clip((x * 255 // 239) + ((y // 40) % 2) * 60 - 30, 0, 255).astype(np.uint8)
    alpha[:20, :] = 0
    alpha[-20:, :] = 255
    save("png_rgba.png", Image.fromarray(np.dstack([a, alpha]), "RGBA"))
    l = photo(200, 150, 13)[..., 1]
    la_alpha = np.clip(np.mgrid[0:150, 0:200][1] * 2 - 50, 0, 255).astype(np.uint8)
    save("png_la.png", Image.fromarray(np.dstack([l, la_alpha]), "LA"))
    save("png_l.png", Image.fromarray(photo(180, 240, 14)[..., 0]))
    pal = Image.fromarray(photo(200, 200, 15)).quantize(64)
    save("png_p.png", pal)
    pt = Image.fromarray(photo(150, 100, 16)).quantize(32)
    save("png_p_trns.png", pt, transparency=3)
    rgb_t = Image.fromarray(photo(130, 90, 17))
    save("png_rgb_trns.png", rgb_t, transparency=(250, 250, 250))
    save("png_1bit.png", Image.fromarray(photo(170, 110, 18)[..., 2]).convert("1"))
    g16 = (np.mgrid[0:90, 0:140][1] * 5 + np.mgrid[0:90, 0:140][0] * 2).astype(np.uint16)  # 0..873
    write_png16(os.path.join(SRC, "png_gray16.png"), g16, 0)
    imgs["png_gray16.png"] = True
    rgb16 = photo(140, 100, 19).astype(np.uint16) * 257 + np.random.default_rng(1).integers(0, 257, (100, 140, 3)).astype(np.uint16)
    write_png16(os.path.join(SRC, "png_rgb16.png"), rgb16, 2)
    imgs["png_rgb16.png"] = True
    write_png_gray_bits(os.path.join(SRC, "png_gray4.png"), photo(90, 70, 20)[..., 0] // 16, 4)
    imgs["png_gray4.png"] = True
    save("png_1x1.png", Image.fromarray(np.array([[[200, 30, 90]]], np.uint8)))
    save("png_1x4000.png", Image.fromarray(photo(1, 4000, 21)))
    save("png_4000x1.png", Image.fromarray(photo(4000, 1, 22)[..., 0]))

    save("gif_palette.gif", Image.fromarray(photo(160, 120, 23)).quantize(100))
    gray = Image.fromarray(photo(120, 160, 24)[..., 1])
    save("gif_gray.gif", gray, optimize=False)
    save("webp_lossy.webp", Image.fromarray(photo(240, 160, 25)), quality=80)
    save("webp_lossless.webp", Image.fromarray(photo(160, 200, 26)), lossless=True)
    wa = np.dstack([photo(200, 140, 27), np.clip(np.mgrid[0:140, 0:200][1] * 2, 0, 255).astype(np.uint8)])
    save("webp_alpha_lossy.webp", Image.fromarray(wa, "RGBA"), quality=85)
    save("webp_alpha_lossless.webp", Image.fromarray(wa, "RGBA"), lossless=True)
    save("bmp_rgb24.bmp", Image.fromarray(photo(150, 110, 28)))
    save("bmp_p8.bmp", Image.fromarray(photo(110, 150, 29)).quantize(50))
    save("tiff_rgb.tif", Image.fromarray(photo(160, 130, 30)))
    save("tiff_lzw.tif", Image.fromarray(photo(130, 160, 31)), compression="tiff_lzw")
    return sorted(imgs)


# case list: image -> (sizes, exif variants)
def cases(images):
    out = []
    big = {"jpeg_420_4x3.jpg": (64, 224, 288, 336), "jpeg_large.jpg": (64, 224, 288, 336),
           "png_rgba.png": (64, 224), "jpeg_444_2x3.jpg": (64, 224, 336), "jpeg_422_wide.jpg": (64, 288),
           "webp_lossy.webp": (64, 224), "jpeg_exact_224.jpg": (224, 64), "png_1x4000.png": (64,),
           "png_4000x1.png": (64, 224), "jpeg_exif_6.jpg": (64, 224), "png_p.png": (64, 224),
           "png_la.png": (64, 288)}
    for im in images:
        sizes = big.get(im, (64,))
        for s in sizes:
            out.append((im, s, 1))
            if im.startswith("jpeg_exif_") and s == 64:
                out.append((im, s, 0))
    return out


NPY_CASES = {("jpeg_420_4x3.jpg", 64, 1), ("png_rgba.png", 64, 1), ("png_gray16.png", 64, 1),
             ("jpeg_exif_6.jpg", 64, 1), ("webp_alpha_lossy.webp", 64, 1), ("png_1bit.png", 64, 1)}


def reference(path, size, exif):
    im = Image.open(path)
    im.load()
    mode = im.mode  # after load: a GIF with a gray identity palette is "L"
    if exif:
        im = ImageOps.exif_transpose(im)
    im = T.Resize(size, interpolation=T.InterpolationMode.BICUBIC)(im)
    im = T.CenterCrop(size)(im)
    im = im.convert("RGB")
    tensor = T.Normalize(MEAN, STD)(T.ToTensor()(im))
    return mode, im, tensor


def main():
    os.makedirs(EXP, exist_ok=True)
    images = make_images()
    # Reference normalization of every uint8 level, per channel (proves the tensor from a crop).
    levels = np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, axis=2)  # 1x256 RGB
    norm = T.Normalize(MEAN, STD)(T.ToTensor()(Image.fromarray(levels, "RGB")))[:, 0, :]
    np.save(os.path.join(OUT, "normalize.npy"), norm.numpy().astype(np.float32))
    rows = ["case\timage\tsize\texif\tmode\tnpy"]
    for im, s, ex in cases(images):
        name = f"{os.path.splitext(im)[0]}__{s}" + ("" if ex else "__noexif")
        mode, crop, tensor = reference(os.path.join(SRC, im), s, ex)
        # plain RGB PNG: no tRNS carried over from the source's info
        Image.fromarray(np.asarray(crop), "RGB").save(os.path.join(EXP, name + ".png"), optimize=True)
        # The crop and the tensor must agree through the normalization table.
        arr = np.asarray(crop)
        check = np.stack([norm[c].numpy()[arr[..., c]] for c in range(3)])
        assert np.array_equal(check, tensor.numpy()), name
        npy = (im, s, ex) in NPY_CASES
        if npy:
            np.save(os.path.join(EXP, name + ".npy"), tensor.numpy().astype(np.float32))
        rows.append(f"{name}\t{im}\t{s}\t{ex}\t{mode}\t{int(npy)}")
    with open(os.path.join(OUT, "cases.tsv"), "w") as f:
        f.write("\n".join(rows) + "\n")
    print(f"{len(images)} images, {len(rows) - 1} cases -> {OUT}")


if __name__ == "__main__":
    main()
