#!/usr/bin/env python3
"""Roofline measurements for bench/README.md ("What is reachable on this machine"):

1. FLOPs of one training step (forward + backward) of each reference configuration, counted by
   torch.utils.flop_counter.FlopCounterMode on the PyTorch reference models (bench/torch_reference.py):
   matrix products only (mm, bmm, addmm, einsum → bmm, the LSTM's cell); element-wise work is not counted
   (it is < 5 % of the arithmetic at these sizes and memory-bound).
2. Achievable matmul GFLOP/s of PyTorch on this machine, with 1 thread and with torch's default threads,
   for the shapes that dominate those steps (single model and 8 models batched), best of 5 trials;
   and the time of one small eager op (PyTorch's per-op floor).

    .cache/torch-venv/bin/python bench/roofline.py '<configs json: [{"name", "model", "batch", "length"}]>'

Prints one JSON object: {"torch": ..., "threads_default": n, "configs": [{"name", "train_flops"}],
"matmul": [{"shape", "flops", "gflops_1_thread", "gflops_default"}], "op_us": {...}}.
"""
import json
import sys
import time

import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, __file__.rsplit('/', 1)[0])
from torch_reference import build  # noqa: E402

# [batch, m, k, n]: C[b] = A[b] (m×k) · B[b] (k×n). Single model: rows R = 32·32 = 1024; 8 models: 8 × that.
SHAPES = [
    [1, 1024, 64, 192],    # transformer q|k|v projection
    [1, 1024, 64, 256],    # transformer feed-forward in
    [1, 1024, 256, 64],    # transformer feed-forward out
    [64, 32, 32, 32],      # attention scores / α·v (B·H = 64 heads-rows)
    [1, 32, 128, 512],     # LSTM recurrent step (batch 32)
    [1, 1024, 128, 512],   # LSTM input projection
    [8, 1024, 64, 256],    # 8 models: feed-forward in
    [512, 32, 32, 32],     # 8 models: attention
    [8, 32, 128, 512],     # 8 models: LSTM recurrent step
]


def train_flops(entry):
    torch.manual_seed(0)
    model, c = build(entry['model'])
    B, T, V = entry['batch'], entry['length'], c['vocabSize']
    x = torch.randint(0, V, (B, T))
    y = torch.randint(0, V, (B, T))
    counter = FlopCounterMode(display=False)
    with counter:
        loss = F.cross_entropy(model(x).reshape(-1, V), y.reshape(-1))
        loss.backward()
    flops = counter.get_total_flops()
    if c['kind'] == 'lstm':
        # The fused LSTM kernel is not counted by FlopCounterMode: per layer the gates' products
        # [x_t | h_{t-1}]·[W_in; W_rec] are 2·B·T·(in + h)·4h FLOPs forward, twice that backward.
        h = c['hiddenSize']
        for layer in range(c['layers']):
            d_in = c['embeddingSize'] if layer == 0 else h
            flops += 3 * 2 * B * T * (d_in + h) * 4 * h
    return flops


def op_cost_us(threads, shape, reps=1000, trials=5):
    """Wall time per eager element-wise op (a + b), microseconds, best of `trials`: the per-op floor."""
    torch.set_num_threads(threads)
    a = torch.randn(*shape)
    b = torch.randn(*shape)
    for _ in range(100):
        a + b
    best = float('inf')
    for _ in range(trials):
        t0 = time.perf_counter()
        for _ in range(reps):
            a + b
        best = min(best, (time.perf_counter() - t0) / reps * 1e6)
    return best


def matmul_gflops(shape, threads, trials=5, seconds=0.15):
    """Best of `trials` timings (on a shared machine the best is the closest to what the cores can do)."""
    torch.set_num_threads(threads)
    b, m, k, n = shape
    a = torch.randn(b, m, k)
    w = torch.randn(b, k, n)
    for _ in range(5):
        torch.bmm(a, w)
    best = 0.0
    for _ in range(trials):
        reps, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            torch.bmm(a, w)
            reps += 1
        best = max(best, 2 * b * m * k * n * reps / (time.perf_counter() - t0) / 1e9)
    return best


def main():
    configs = json.loads(sys.argv[1])
    default_threads = torch.get_num_threads()
    out = {'torch': torch.__version__.split('+')[0], 'threads_default': default_threads,
           'configs': [{'name': c['name'], 'train_flops': train_flops(c)} for c in configs], 'matmul': []}
    for shape in SHAPES:
        b, m, k, n = shape
        out['matmul'].append({'shape': shape, 'flops': 2 * b * m * k * n,
                              'gflops_1_thread': matmul_gflops(shape, 1), 'gflops_default': matmul_gflops(shape, default_threads)})
    out['op_us'] = {'add_1x1_1_thread': op_cost_us(1, (1, 1)), 'add_1024x64_1_thread': op_cost_us(1, (1024, 64)),
                     'add_1024x64_default': op_cost_us(default_threads, (1024, 64))}
    print(json.dumps(out))


if __name__ == '__main__':
    main()
