"""Reference video pipeline for bench/video.sh: OpenCV-Python (Debian python3-opencv) decodes
every frame, one every EVERY seconds is converted to a PIL image and preprocessed by torchvision
(Resize(224, BICUBIC), CenterCrop, ToTensor, Normalize), and the plain-torch reference CLIP
(models/tools/clip_ref) embeds them in batches: the same work `clip classify VIDEO --every EVERY`
does without scene cuts.

    /usr/bin/python3 bench/video_ref.py CKPT VIDEO EVERY BATCH THREADS
Prints one JSON line: frames, seconds (decode + preprocess + encode; model load excluded).
"""
import json
import os
import sys
import time

import cv2
import torch
from PIL import Image
from torchvision import transforms

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "models", "tools", "clip_ref"))
MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)


def main():
    from model import build_model
    ckpt, video, every, batch, threads = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(threads)
    sd = torch.jit.load(ckpt, map_location="cpu").state_dict()
    model = build_model({k: v.float() if v.is_floating_point() else v for k, v in sd.items()}).eval()
    size = model.visual.input_resolution
    tf = transforms.Compose([transforms.Resize(size, interpolation=transforms.InterpolationMode.BICUBIC),
                             transforms.CenterCrop(size), transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    t0 = time.perf_counter()
    cap = cv2.VideoCapture(video)
    nxt, pending, frames = 0.0, [], 0
    with torch.no_grad():
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            t = cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            if t + 1e-6 < nxt:
                continue
            nxt = (int(t / every) + 1) * every
            pending.append(tf(Image.fromarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))))
            if len(pending) == batch:
                model.encode_image(torch.stack(pending))
                frames += len(pending)
                pending = []
        if pending:
            model.encode_image(torch.stack(pending))
            frames += len(pending)
    print(json.dumps({"frames": frames, "seconds": time.perf_counter() - t0}))


if __name__ == "__main__":
    main()
