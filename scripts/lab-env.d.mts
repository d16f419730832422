// Types of lab-env.mjs, for the tests that import it.
export const root: string;
export const venvDir: string;
export const venvPython: string;
export const KERNEL_NAME: string;
export interface LabEnvStatus { ready: boolean; reason?: string; python?: string; kernelDir?: string }
export function jupyterEnv(extra?: Record<string, string>): NodeJS.ProcessEnv;
export function labEnvStatus(): LabEnvStatus;
export function ensureNotebookLink(): void;
export function ensureLabEnv(): LabEnvStatus;
