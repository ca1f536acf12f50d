"""Reference side of bench/search.sh.

    /usr/bin/python3 bench/search_ref.py exact N DIM QUERIES
        numpy fp32: one matrix-vector product over N clustered unit vectors + top-10 (argpartition),
        the way rclip and most Python photo-search scripts score; median latency and matrix size.
    /usr/bin/python3 bench/search_ref.py index CKPT LIST BATCH THREADS OUT.npy
        the reference embedding pipeline (PIL + torchvision + Debian torch, a DataLoader with 2
        workers, models/tools/clip_ref) over the files in LIST; vectors saved; files/s.
"""
import json
import os
import sys
import time

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))


def data(n, dim, seed):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((2000, dim), dtype=np.float32)
    out = np.empty((n, dim), dtype=np.float32)
    step = 100_000
    for s in range(0, n, step):
        m = min(step, n - s)
        out[s:s + m] = centres[rng.integers(0, 2000, m)] + 0.6 * rng.standard_normal((m, dim), dtype=np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def exact(n, dim, q):
    m = data(n, dim, 1)
    rng = np.random.default_rng(2)
    qs = m[rng.integers(0, n, q)] + 0.03 * rng.standard_normal((q, dim), dtype=np.float32)
    qs /= np.linalg.norm(qs, axis=1, keepdims=True)
    for i in range(3):
        m @ qs[i % q]
    ms = []
    c0 = time.process_time()
    for i in range(q):
        t = time.perf_counter()
        s = m @ qs[i]
        top = np.argpartition(-s, 10)[:10]
        top = top[np.argsort(-s[top])]
        ms.append((time.perf_counter() - t) * 1e3)
    cpu_ms = (time.process_time() - c0) * 1e3 / q
    print(json.dumps({"bench": "numpy-exact", "n": n, "dim": dim, "queries": q, "median_ms": round(float(np.median(ms)), 2),
                      "cpu_ms_per_query": round(cpu_ms, 2),
                      "p90_ms": round(float(np.percentile(ms, 90)), 2), "matrix_mb": round(m.nbytes / 2**20, 1),
                      "numpy": np.__version__}))


def index(ckpt, listfile, batch, threads, out):
    import torch
    from torch.utils.data import DataLoader
    sys.path.insert(0, here)
    sys.path.insert(0, os.path.join(here, "..", "models", "tools", "clip_ref"))
    from tag_ref import Files, collate
    from model import build_model
    t0 = time.perf_counter()
    torch.set_num_threads(threads)
    sd = torch.jit.load(ckpt, map_location="cpu").state_dict()
    model = build_model({k: v.float() if v.is_floating_point() else v for k, v in sd.items()}).eval()
    paths = [l.rstrip("\n") for l in open(listfile)]
    loader = DataLoader(Files(paths, model.visual.input_resolution), batch_size=batch, num_workers=2, collate_fn=collate)
    t1 = time.perf_counter()
    vecs, n_bad = [], 0
    with torch.no_grad():
        for ps, x, bad in loader:
            if x is not None:
                e = model.encode_image(x)
                vecs.append((e / e.norm(dim=-1, keepdim=True)).numpy())
            n_bad += len(bad)
    t2 = time.perf_counter()
    v = np.concatenate(vecs) if vecs else np.zeros((0, 0), np.float32)
    np.save(out, v)
    print(json.dumps({"bench": "python-index", "ok": int(v.shape[0]), "failed": n_bad, "setup_s": round(t1 - t0, 2),
                      "index_s": round(t2 - t1, 2), "files_per_s": round((v.shape[0] + n_bad) / (t2 - t1), 2)}))


if __name__ == "__main__":
    if sys.argv[1] == "exact":
        exact(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    else:
        index(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
