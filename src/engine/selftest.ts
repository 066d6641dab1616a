/**
 * Kernel self-test: the GPU Taylor jets against the independent f64 reference, for a
 * set of random networks. Used by the node tests, the browser test, and the app's
 * "check this GPU" button, so every path runs the same comparison.
 */
import { GpuMlp } from './model/gpu-mlp';
import { Mlp, type Activation } from './model/mlp';
import { jetErrorsPerOrder, jetTolerance } from './reference/compare';
import { referenceJets } from './jets/jet-f64';
import { Rng } from './sampling/rng';
import { TaylorJetForward, type JetKernels } from './jets/taylor-jet';

export interface JetCheckCase {
  inputDim: number;
  width: number;
  depth: number;
  activation: Activation;
  order: number;
  sharedDirection: boolean;
  batch?: number;
  seed?: number;
  /** Kernel family to check; default: the device's preferred one. */
  kernels?: JetKernels;
}

export interface JetCheckResult {
  label: string;
  errors: number[];
  tolerance: number;
  pass: boolean;
}

export function caseLabel(c: JetCheckCase): string {
  return `d=${c.inputDim} ${c.depth}x${c.width} ${c.activation} n=${c.order}${c.sharedDirection ? ' shared v' : ''}${c.kernels ? ` (${c.kernels})` : ''}`;
}

/** Random points in [-1, 1]^d and directions with unit expected norm. */
export function randomJetInputs(rng: Rng, batch: number, d: number, shared: boolean) {
  const points = Float32Array.from({ length: batch * d }, () => rng.range(-1, 1));
  const directions = Float32Array.from({ length: (shared ? 1 : batch) * d }, () => rng.normal() / Math.sqrt(d));
  return { points, directions };
}

/** `perturbReference` lets a test feed the reference a different network, to show the check can fail. */
export async function checkJetCase(
  device: GPUDevice,
  c: JetCheckCase,
  perturbReference?: (mlp: Mlp) => Mlp,
): Promise<JetCheckResult> {
  const batch = c.batch ?? 67; // not a multiple of any tile, so the edges are exercised
  const seed = c.seed ?? 1000 * c.inputDim + 10 * c.width + c.depth + c.order;
  const mlp = Mlp.init(shapeOf(c), seed);
  const { points, directions } = randomJetInputs(new Rng(seed + 1), batch, c.inputDim, c.sharedDirection);
  const net = new GpuMlp(device, mlp);
  const jet = new TaylorJetForward(device, net, { order: c.order, maxBatch: batch, sharedDirection: c.sharedDirection, kernels: c.kernels });
  try {
    const got = await jet.run(points, directions);
    const ref = referenceJets(perturbReference ? perturbReference(mlp) : mlp, points, directions, c.order);
    const errors = jetErrorsPerOrder(got, ref, batch, c.order);
    const tolerance = jetTolerance(c.order);
    return { label: caseLabel(c), errors, tolerance, pass: errors.every((e) => e <= tolerance) };
  } finally {
    jet.destroy();
    net.destroy();
  }
}

function shapeOf(c: JetCheckCase) {
  return { inputDim: c.inputDim, width: c.width, depth: c.depth, outputDim: 1, activation: c.activation };
}

/** The shapes the acceptance tests name: d in {1,2,5}, width 8..128, depth 1..5, tanh and sin, n up to 12. */
export const JET_CHECK_CASES: JetCheckCase[] = [
  { inputDim: 1, width: 24, depth: 3, activation: 'tanh', order: 12, sharedDirection: true },
  { inputDim: 1, width: 8, depth: 1, activation: 'sin', order: 12, sharedDirection: true },
  { inputDim: 2, width: 32, depth: 2, activation: 'tanh', order: 8, sharedDirection: false },
  { inputDim: 2, width: 16, depth: 4, activation: 'sin', order: 12, sharedDirection: false },
  { inputDim: 5, width: 128, depth: 5, activation: 'tanh', order: 12, sharedDirection: false },
  { inputDim: 5, width: 64, depth: 3, activation: 'sin', order: 6, sharedDirection: false },
  { inputDim: 5, width: 128, depth: 2, activation: 'sin', order: 12, sharedDirection: true },
  { inputDim: 1, width: 24, depth: 3, activation: 'tanh', order: 0, sharedDirection: true },
  { inputDim: 2, width: 24, depth: 1, activation: 'tanh', order: 1, sharedDirection: false },
];

export async function runJetSelfTest(
  device: GPUDevice,
  cases: JetCheckCase[] = JET_CHECK_CASES,
  onProgress?: (done: number, total: number, last: JetCheckResult) => void,
): Promise<JetCheckResult[]> {
  const results: JetCheckResult[] = [];
  for (const c of cases) {
    const r = await checkJetCase(device, c);
    results.push(r);
    onProgress?.(results.length, cases.length, r);
  }
  return results;
}
