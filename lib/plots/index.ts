/** Plotly figures and notebook display for tslab (see display.ts). */
export * from './display.js';
export * from './figures.js';
export * from './attention-geometry.js';
export * from './live-training.js';
export * from './svg-chart.js';
