import { createStorageBuffer } from '../gpu/gpu';
import { kernelPass, type PassFn } from '../gpu/kernels';
import type { TaylorJetForward } from '../jets/taylor-jet';
import type { TaylorJetBackward } from '../jets/taylor-jet-backward';

/** What the Jacobian needs of one loss term: its point count and, per jet, the jet, its backward pass and the output adjoint. */
export interface JacobianTerm {
  count: number;
  jets: TaylorJetForward[];
  backwards: TaylorJetBackward[];
  adjoints: GPUBuffer[];
}

/**
 * The buffer of the residual Jacobian's rows (one per point of every term, `columns` network
 * parameters each), refused where it exceeds the device's storage-buffer limit. Stacked AD
 * fills it with per-row gradients (autodiff/tensor.ts, grad's perRow); Taylor jets through
 * ResidualJacobian.
 */
export function jacobianRows(device: GPUDevice, terms: { count: number }[], columns: number): { rows: number; buffer: GPUBuffer } {
  const rows = terms.reduce((s, t) => s + t.count, 0);
  const bytes = rows * columns * 4;
  if (bytes > device.limits.maxStorageBufferBindingSize) {
    throw new RangeError(`the Jacobian (${rows} residuals x ${columns} parameters) needs ${bytes} bytes, over this device's storage-buffer limit of ${device.limits.maxStorageBufferBindingSize}`);
  }
  return { rows, buffer: createStorageBuffer(device, bytes, 'residual Jacobian') };
}

/**
 * The Jacobian of the weighted residual vector (sqrt(w/n) r_p over every term's points) with
 * respect to the network's parameters, on the GPU: after the loss kernel ran in Jacobian mode
 * (seeds sqrt(w/n) dr/dd) and the jets' backward passes filled the per-point adjoints, one
 * taylor_jet_jacobian dispatch per layer and jet writes the rows without summing over points.
 * Rows follow the terms in order; columns the flat parameter layout.
 */
export class ResidualJacobian {
  readonly rows: number;
  readonly columns: number;
  readonly buffer: GPUBuffer;
  private readonly dispatches: PassFn[] = [];

  constructor(
    device: GPUDevice,
    terms: JacobianTerm[],
  ) {
    const net = terms[0].jets[0].net;
    this.columns = net.mlp.params.length;
    ({ rows: this.rows, buffer: this.buffer } = jacobianRows(device, terms, this.columns));
    const layers = net.mlp.layers;
    let row0 = 0;
    for (const t of terms) {
      t.jets.forEach((jet, j) => {
        const n1 = jet.order + 1;
        const blocks = jet.currentBatch / t.count;
        if (!Number.isInteger(blocks)) throw new Error(`a jet of ${jet.currentBatch} rows does not hold whole blocks of ${t.count} points`);
        const adjoints = t.backwards[j].adjointBuffers;
        layers.forEach((layer, l) => {
          const first = l === 0;
          const abar = l === layers.length - 1 ? t.adjoints[j] : adjoints[l];
          const params = {
            N1: n1,
            KIN: first ? Math.min(2, n1) : n1,
            M: layer.outDim,
            J: layer.inDim,
            COUNT: t.count,
            BLOCKS: blocks,
            FIRST: first ? 1 : 0,
            DIR_STRIDE: jet.options.sharedDirection ? 0 : layer.inDim,
            W_OFF: layer.weightOffset,
            B_OFF: layer.biasOffset,
            ROW0: row0,
            STRIDE: this.columns,
          };
          const inputs = first ? [jet.points, jet.directions] : [jet.layerOutputs[l - 1], jet.layerOutputs[l - 1]];
          const groups = Math.ceil((t.count * layer.outDim * (layer.inDim + 1)) / 64);
          this.dispatches.push(kernelPass(device, 'taylor_jet_jacobian', params, [abar, ...inputs, this.buffer], groups));
        });
      });
      row0 += t.count;
    }
  }

  /** Record the Jacobian's dispatches (the buffer must have been cleared: every layer adds to it). */
  encode(pass: GPUComputePassEncoder): void {
    for (const d of this.dispatches) d(pass);
  }

  destroy(): void {
    this.buffer.destroy();
  }
}
