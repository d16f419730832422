/**
 * A small, fast, seedable random number generator (sfc32, seeded through splitmix32).
 *
 * Everything random in this library — parameter initialisation, task batches — draws from an `Rng`
 * built from an integer seed, so the same seed gives the same numbers on every backend and machine.
 * `state()` / `Rng.fromState()` capture and restore it exactly (checkpoints use this).
 *
 * ```ts
 * const rng = new Rng(42);
 * rng.float();   // in [0, 1)
 * rng.int(16);   // in 0..15
 * rng.normal();  // standard normal (Box–Muller)
 * ```
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `seed` and `stream` are any integers; different streams of one seed are independent sequences. */
  constructor(seed: number, stream = 0) {
    if (!Number.isInteger(seed)) throw new Error(`seed must be an integer; got ${seed}`);
    if (!Number.isInteger(stream)) throw new Error(`stream must be an integer; got ${stream}`);
    let s = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(stream | 0, 0x85ebca77) ^ (Math.floor(seed / 2 ** 32) | 0)) >>> 0;
    const split = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    for (let i = 0; i < 12; i++) this.uint32(); // mix the initial state
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1), 32 bits of randomness. */
  float(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform integer in 0..n-1. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1) throw new Error(`int(n) needs a positive integer n; got ${n}`);
    return Math.floor(this.float() * n);
  }

  /** Standard normal draw (Box–Muller; one draw per call, the pair's second half is discarded). */
  normal(): number {
    const u = 1 - this.float(); // (0, 1]
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Binomial(n, p) by n Bernoulli draws (n is small in every use here). */
  binomial(n: number, p: number): number {
    let k = 0;
    for (let i = 0; i < n; i++) if (this.float() < p) k++;
    return k;
  }

  /** The full internal state; `Rng.fromState(rng.state())` continues the same sequence. */
  state(): [number, number, number, number] {
    return [this.a, this.b, this.c, this.d];
  }

  static fromState(state: readonly number[]): Rng {
    if (state.length !== 4 || !state.every(Number.isInteger)) {
      throw new Error(`Rng state must be four integers; got ${JSON.stringify(state)}`);
    }
    const r = new Rng(0);
    [r.a, r.b, r.c, r.d] = state.map((x) => x | 0) as [number, number, number, number];
    return r;
  }
}
