/**
 * Independent f64 reference for Taylor jets of an MLP, built differently from the
 * GPU kernel: each activation is composed with the input series by Faa di Bruno,
 *   f(a(t))_k = sum_{m=1..k} f^(m)(a_0)/m! [t^k] (a(t) - a_0)^m,
 * with f^(m) from closed forms (tanh: polynomials in tanh, P_{m+1} = (1 - y^2) P_m';
 * sin: sin(a + m pi/2)) rather than the kernel's first-order recurrences.
 */
import type { Activation, Mlp } from '../model/mlp';
import type { InputEmbedding } from '../model/embedding';

/** An input embedding applied to whole input series h[j][k] (any polynomial input jet): sines by Faà di Bruno, the rest passed through. */
export function embedSeries(e: InputEmbedding, h: readonly (readonly number[])[]): number[][] {
  const n = h[0].length - 1;
  const out: number[][] = [];
  for (let i = 0; i < e.sines; i++) {
    const a = new Array<number>(n + 1).fill(0);
    for (let j = 0; j < e.inDim; j++) {
      const w = e.frequencies[i * e.inDim + j];
      for (let k = 0; k <= n; k++) a[k] += w * h[j][k];
    }
    a[0] += e.phases[i];
    out.push(composeFaaDiBruno(activationDerivatives('sin', a[0], n), a));
  }
  for (const axis of e.passThrough) out.push([...h[axis]]);
  return out;
}

/** Coefficients of the derivative polynomials P_0..P_n of tanh, as polynomials in y = tanh. */
function tanhDerivativePolys(n: number): number[][] {
  const polys: number[][] = [[0, 1]];
  for (let m = 1; m <= n; m++) {
    const p = polys[m - 1];
    const dp = p.slice(1).map((c, i) => c * (i + 1)); // P'
    const next = new Array<number>(dp.length + 2).fill(0);
    dp.forEach((c, i) => {
      next[i] += c; // 1 * P'
      next[i + 2] -= c; // -y^2 * P'
    });
    polys.push(next);
  }
  return polys;
}

function evalPoly(p: number[], y: number): number {
  let s = 0;
  for (let i = p.length - 1; i >= 0; i--) s = s * y + p[i];
  return s;
}

/** Derivatives f(a0), f'(a0), ..., f^(n)(a0). */
export function activationDerivatives(act: Activation, a0: number, n: number, tanhPolys?: number[][]): number[] {
  if (act === 'sin') {
    const s = Math.sin(a0);
    const c = Math.cos(a0);
    return Array.from({ length: n + 1 }, (_, m) => [s, c, -s, -c][m % 4]);
  }
  const polys = tanhPolys ?? tanhDerivativePolys(n);
  const y = Math.tanh(a0);
  return Array.from({ length: n + 1 }, (_, m) => evalPoly(polys[m], y));
}

/** Taylor coefficients of f(a(t)) from those of a(t), by Faa di Bruno with explicit series powers. */
export function composeFaaDiBruno(derivs: number[], a: number[]): number[] {
  const n = a.length - 1;
  const out = new Array<number>(n + 1).fill(0);
  out[0] = derivs[0];
  const shifted = a.map((v, k) => (k === 0 ? 0 : v)); // a(t) - a_0
  let power = shifted.slice(); // (a - a0)^m
  let mFact = 1;
  for (let m = 1; m <= n; m++) {
    mFact *= m;
    const coef = derivs[m] / mFact;
    for (let k = m; k <= n; k++) out[k] += coef * power[k];
    const next = new Array<number>(n + 1).fill(0);
    for (let i = 1; i <= n; i++) {
      if (power[i] === 0) continue;
      for (let j = 1; i + j <= n; j++) next[i + j] += power[i] * shifted[j];
    }
    power = next;
  }
  return out;
}

/**
 * Normalized Taylor coefficients c_0..c_n of t -> u(x + t v) in f64.
 * points: [B][d] flat, directions: [B][d] flat or one shared [d].
 * Returns [B][n+1][outputDim] flat.
 */
export function referenceJets(
  mlp: Mlp,
  points: ArrayLike<number>,
  directions: ArrayLike<number>,
  order: number,
  /** f64 parameters to use instead of mlp.params (finite-difference checks perturb these). */
  params: ArrayLike<number> = mlp.params,
): Float64Array {
  const d = mlp.inputDim;
  const batch = points.length / d;
  const shared = directions.length === d;
  const n1 = order + 1;
  const outDim = mlp.outputDim;
  const result = new Float64Array(batch * n1 * outDim);
  const polys = mlp.activation === 'tanh' ? tanhDerivativePolys(order) : undefined;
  const P = Float64Array.from(params);
  for (let p = 0; p < batch; p++) {
    // h[j] = Taylor series of input coordinate j (with an embedding: of feature j, in closed form)
    const x = Array.from({ length: d }, (_, j) => points[p * d + j]);
    const v = Array.from({ length: d }, (_, j) => directions[(shared ? 0 : p * d) + j]);
    let h: number[][] = mlp.embedding
      ? mlp.embedding.embedLineJets(x, v, order)
      : Array.from({ length: d }, (_, j) => {
          const s = new Array<number>(n1).fill(0);
          s[0] = x[j];
          if (n1 > 1) s[1] = v[j];
          return s;
        });
    mlp.layers.forEach((layer, l) => {
      const last = l === mlp.layers.length - 1;
      const next: number[][] = [];
      for (let o = 0; o < layer.outDim; o++) {
        const a = new Array<number>(n1).fill(0);
        for (let j = 0; j < layer.inDim; j++) {
          const w = P[layer.weightOffset + o * layer.inDim + j];
          const hj = h[j];
          for (let k = 0; k < n1; k++) a[k] += w * hj[k];
        }
        a[0] += P[layer.biasOffset + o];
        next.push(last ? a : composeFaaDiBruno(activationDerivatives(mlp.activation, a[0], order, polys), a));
      }
      h = next;
    });
    for (let k = 0; k < n1; k++) for (let o = 0; o < outDim; o++) result[(p * n1 + k) * outDim + o] = h[o][k];
  }
  return result;
}
