/** Training-throughput benchmark: `runBench`, the `bench` command, worker measurements, kernel counting. */
export * from './bench.js';
export * from './command.js';
export * from './configs.js';
export * from './kernels.js';
export * from './workers.js';
