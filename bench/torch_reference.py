#!/usr/bin/env python3
"""PyTorch CPU reference for `ea bench` (lib/bench/): the same models, loss and optimizer as the TypeScript
library, written the way a PyTorch user would (nn.Linear, nn.LSTM, torch.optim.AdamW, clip_grad_norm_),
in float32 eager mode, timed per training step.

    .cache/torch-venv/bin/python bench/torch_reference.py '<config json>'

Config (JSON, one argument): {"model": {"kind": "transformer" | "lstm" | "mlp", ...the library's model
args...}, "batch": 32, "length": 32, "steps": 20, "warmup": 5, "threads": 0 (0 = torch's default),
"lr": 1e-3, "weight_decay": 0.01, "clip": 1.0, "seed": 0}. Prints one JSON line:
{"ms_per_step": ..., "steps_per_s": ..., "step_ms": [...], "cpu_ms_per_step": ..., "peak_rss_mb": ...,
"torch": "2.13.0", "threads": 2}. CPU time (all threads) is less sensitive than wall time to other load.

Data: random tokens, every position scored (throughput does not depend on the values).
"""
import json
import math
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


# ----------------------------------------------------------------------------------------------------
# Attention rules on scores s [B, H, T, T] with the causal mask keep [T, T] (True = visible key)

def rule_weights(name, s, keep, temperature=1.0, eps=1e-12):
    if name == 'dot-product':
        return F.softmax(s.masked_fill(~keep, float('-inf')), dim=-1)
    if name == 'cog':
        return torch.sign(s) * F.softmax(s.abs().masked_fill(~keep, float('-inf')), dim=-1)
    if name == 'expressive-softmax':
        return F.softmax((s * s / temperature).masked_fill(~keep, float('-inf')), dim=-1)
    if name in ('expressive', 'expressive-ratio', 'signed-expressive'):
        s2 = s * s
        mag = s2 if name == 'expressive-ratio' else s2 / (1 + s2)
        mag = mag.masked_fill(~keep, 0.0)
        w = mag / (mag.sum(dim=-1, keepdim=True) + eps)
        return torch.sign(s) * w if name == 'signed-expressive' else w
    raise ValueError(f'unknown rule {name}')


DEFAULT_SCALED = {'dot-product', 'cog', 'expressive-softmax'}


class PositionLinear(nn.Module):
    """A separate linear map per position (the cisformer's): x [B, T, in] -> [B, T, out]."""

    def __init__(self, positions, d_in, d_out, std):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(positions, d_in, d_out) * std)
        self.bias = nn.Parameter(torch.zeros(positions, d_out))

    def forward(self, x):
        T = x.shape[1]
        return torch.einsum('btd,tde->bte', x, self.weight[:T]) + self.bias[:T]


def linear(d_in, d_out, std, positions=None):
    if positions is not None:
        return PositionLinear(positions, d_in, d_out, std)
    layer = nn.Linear(d_in, d_out)
    nn.init.normal_(layer.weight, std=std)
    nn.init.zeros_(layer.bias)
    return layer


class Block(nn.Module):
    def __init__(self, c, rule):
        super().__init__()
        d, T0 = c['width'], c['contextLength']
        self.heads, self.rule = c['heads'], rule
        self.scale = 1 / math.sqrt(d // self.heads) if rule in DEFAULT_SCALED else 1.0
        self.temperature = c.get('attentionOptions', {}).get('temperature', 1.0)
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv = linear(d, 3 * d, c['initStd'], T0 if c['cis'] else None)
        self.out = linear(d, d, c['initStd'])
        ff_pos = T0 if c['cisFeedForward'] else None
        self.ff_in = linear(d, c['ffWidth'], c['initStd'], ff_pos)
        self.ff_out = linear(c['ffWidth'], d, c['initStd'], ff_pos)
        self.act = nn.ReLU() if c['activation'] == 'relu' else nn.GELU(approximate='tanh')

    def forward(self, h, keep):
        B, T, d = h.shape
        q, k, v = self.qkv(self.norm1(h)).split(d, dim=2)
        q, k, v = (t.view(B, T, self.heads, d // self.heads).transpose(1, 2) for t in (q, k, v))
        w = rule_weights(self.rule, (q @ k.transpose(-2, -1)) * self.scale, keep, self.temperature)
        h = h + self.out((w @ v).transpose(1, 2).reshape(B, T, d))
        return h + self.ff_out(self.act(self.ff_in(self.norm2(h))))


class Transformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        rules = c['attention'] if isinstance(c['attention'], list) else [c['attention']] * c['layers']
        self.embedding = nn.Embedding(c['vocabSize'], c['width'])
        nn.init.normal_(self.embedding.weight, std=c['initStd'])
        self.position = nn.Parameter(torch.randn(c['contextLength'], c['width']) * c['initStd']) if c['positional'] == 'learned' else None
        self.blocks = nn.ModuleList(Block(c, r) for r in rules)
        self.norm = nn.LayerNorm(c['width'])
        self.head = linear(c['width'], c['vocabSize'], c['initStd'])
        T0 = c['contextLength']
        self.register_buffer('keep', torch.tril(torch.ones(T0, T0, dtype=torch.bool)))

    def forward(self, x):
        T = x.shape[1]
        h = self.embedding(x)
        if self.position is not None:
            h = h + self.position[:T]
        keep = self.keep[:T, :T]
        for block in self.blocks:
            h = block(h, keep)
        return self.head(self.norm(h))


class LSTMModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embedding = nn.Embedding(c['vocabSize'], c['embeddingSize'])
        self.lstm = nn.LSTM(c['embeddingSize'], c['hiddenSize'], num_layers=c['layers'], batch_first=True)
        self.head = nn.Linear(c['hiddenSize'], c['vocabSize'])

    def forward(self, x):
        return self.head(self.lstm(self.embedding(x))[0])


class MLPModel(nn.Module):
    """Causal flattened one-hot window: position t reads one_hot(x_0..x_t) at their absolute positions."""

    def __init__(self, c):
        super().__init__()
        T0, V, sizes = c['contextLength'], c['vocabSize'], c['hiddenSizes']
        bound = 1 / math.sqrt(T0 * V)
        self.w1 = nn.Parameter(torch.empty(T0, V, sizes[0]).uniform_(-bound, bound))
        self.b1 = nn.Parameter(torch.empty(sizes[0]).uniform_(-bound, bound))
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.head = nn.Linear(sizes[-1], V)
        self.act = nn.ReLU() if c['activation'] == 'relu' else nn.GELU(approximate='tanh')
        self.V = V

    def forward(self, x):
        T = x.shape[1]
        per_position = torch.einsum('btv,tvh->bth', F.one_hot(x, self.V).float(), self.w1[:T])
        z = self.act(per_position.cumsum(dim=1) + self.b1)
        for layer in self.hidden:
            z = self.act(layer(z))
        return self.head(z)


def resolve(m):
    """The library's defaults for the fields the benchmark configs may leave out."""
    kind = m['kind']
    if kind == 'transformer':
        width = m.get('width', 64)
        return {**m, 'width': width, 'layers': m.get('layers', 2), 'heads': m.get('heads', 2), 'ffWidth': m.get('ffWidth', 4 * width),
                'attention': m.get('attention', 'dot-product'), 'positional': m.get('positional', 'learned'), 'cis': m.get('cis', False),
                'cisFeedForward': m.get('cisFeedForward', False), 'activation': m.get('activation', 'relu'), 'initStd': m.get('initStd', 0.02)}
    if kind == 'lstm':
        hidden = m.get('hiddenSize', 64)
        return {**m, 'hiddenSize': hidden, 'layers': m.get('layers', 1), 'embeddingSize': m.get('embeddingSize', hidden)}
    if kind == 'mlp':
        return {**m, 'hiddenSizes': m.get('hiddenSizes', [256]), 'activation': m.get('activation', 'relu')}
    raise ValueError(f'unknown model kind {kind}')


def build(m):
    c = resolve(m)
    return {'transformer': Transformer, 'lstm': LSTMModel, 'mlp': MLPModel}[c['kind']](c), c


def main():
    cfg = json.loads(sys.argv[1])
    if cfg.get('threads', 0) > 0:
        torch.set_num_threads(cfg['threads'])
    torch.manual_seed(cfg.get('seed', 0))
    model, c = build(cfg['model'])
    B, T, V = cfg.get('batch', 32), cfg.get('length', c['contextLength']), c['vocabSize']
    # AdamW with weight decay on matrices and embeddings only (the library's ParamSpec.decay).
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': cfg.get('weight_decay', 0.01)},
                             {'params': no_decay, 'weight_decay': 0.0}], lr=cfg.get('lr', 1e-3))
    clip = cfg.get('clip', 1.0)
    g = torch.Generator().manual_seed(cfg.get('seed', 0))
    batches = [(torch.randint(0, V, (B, T), generator=g), torch.randint(0, V, (B, T), generator=g)) for _ in range(4)]
    mask = torch.ones(B, T)

    def step(i):
        x, y = batches[i % len(batches)]
        logits = model(x)
        nll = F.cross_entropy(logits.reshape(-1, V), y.reshape(-1), reduction='none').view(B, T)
        loss = (nll * mask).sum() / mask.sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        return loss.item()

    for i in range(cfg.get('warmup', 5)):
        step(i)
    times = []
    cpu0 = time.process_time()
    for i in range(cfg.get('steps', 20)):
        t0 = time.perf_counter()
        step(i)
        times.append((time.perf_counter() - t0) * 1000)
    cpu = (time.process_time() - cpu0) * 1000 / len(times)
    total = sum(times)
    print(json.dumps({
        'ms_per_step': total / len(times), 'steps_per_s': 1000 * len(times) / total, 'step_ms': times, 'cpu_ms_per_step': cpu,
        'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'torch': torch.__version__.split('+')[0],
        'threads': torch.get_num_threads(), 'parameters': sum(p.numel() for p in model.parameters()),
    }))


if __name__ == '__main__':
    main()
