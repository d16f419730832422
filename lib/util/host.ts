/** What a result depends on beyond its config: this library's version and the CPU's vector extensions. */
import { readFileSync } from 'node:fs';

/** Name and version from the package.json at the top of the repository. */
export function libraryVersion(): { name: string; version: string } {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version };
}

let simd: string[] | undefined;
/** The CPU's vector extensions that change float results (Linux: from /proc/cpuinfo; elsewhere empty). */
export function cpuSimd(): string[] {
  if (simd) return simd;
  let flags: string[] = [];
  try {
    flags = (/^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '').trim().split(/\s+/);
  } catch { /* not Linux */ }
  return (simd = ['avx2', 'fma', 'avx512f'].filter((f) => flags.includes(f)));
}
