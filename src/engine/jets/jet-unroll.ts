/**
 * Loops over the orders unrolled for one N1, for the vec4 kernels: with constant indices
 * SwiftShader needs no per-lane address arithmetic for the function arrays, and the loop
 * overhead goes (backward pass of a 4x32 tanh net, 2048 points, n = 2, in one process:
 * 193 -> 133 ms with the activations unrolled, 145 -> 124 ms more with the order loops).
 * The price is compile time: about 2 s more for a 4x32 net at n = 12 and 3 s at n = 20.
 */
import { wgslFloat } from '../gpu/kernels';

/**
 * Replace each loop marked by a `// #unroll` line, `for (var k = 0u; k < BOUND; k++) { body }`,
 * by BOUND copies of `{ const k = iu; body }`: the body is unchanged and its indices become
 * constant expressions. BOUND is a literal (4u) or a name in `bounds`.
 */
export function unrollMarkedLoops(code: string, bounds: Record<string, number>): string {
  const marker = /^[ \t]*\/\/ #unroll[ \t]*\n([ \t]*)for \(var (\w+) = 0u; \2 < (\w+); \2\+\+\) \{/m;
  for (let m = marker.exec(code); m; m = marker.exec(code)) {
    const [head, indent, v, boundName] = m;
    const bound = /^\d+u?$/.test(boundName) ? parseInt(boundName, 10) : bounds[boundName];
    if (bound === undefined) throw new Error(`#unroll: unknown loop bound ${boundName}`);
    const open = m.index + head.length - 1;
    let depth = 0;
    let close = open;
    for (; close < code.length; close++) {
      if (code[close] === '{') depth++;
      else if (code[close] === '}' && --depth === 0) break;
    }
    if (depth !== 0) throw new Error('#unroll: unbalanced braces');
    const body = code.slice(open + 1, close);
    const copies = Array.from({ length: bound }, (_, i) => `${indent}{ const ${v} = ${i}u;${body}}`).join('\n');
    code = code.slice(0, m.index) + copies + code.slice(close + 1);
  }
  return code;
}

/**
 * The jet activations of shaders/jet_activation.wgsl with every loop over the orders unrolled
 * for one N1, as WGSL text: the same statements in the same order with constant indices, as
 * jetTanhUnrolled, jetSinUnrolled, jetTanhAdjointUnrolled and jetSinAdjointUnrolled (the kernel
 * includes jet_activation for Jet and sincosJet).
 */
export function unrolledJetActivation(n1: number): string {
  const out: string[] = [];
  const fn = (sig: string, body: string[]) => out.push(`${sig} {`, ...body.map((l) => `  ${l}`), '}');
  const ptr = 'ptr<function, array<Jet, N1>>';
  const f = (x: number) => wgslFloat(x);

  // tanh: y_k = (1/k) sum_j j a_j z_{k-j},  z_k = -sum_i y_i y_{k-i}
  const tanhBody = (a: string, y: string, z: string) => {
    const b = [`${y}[0] = tanh(clamp(${a}[0], Jet(-15.0), Jet(15.0)));`, `${z}[0] = 1.0 - ${y}[0] * ${y}[0];`];
    for (let k = 1; k < n1; k++) {
      const s = Array.from({ length: k }, (_, i) => `${f(i + 1)} * ${a}[${i + 1}] * ${z}[${k - i - 1}]`).join(' + ');
      b.push(`${y}[${k}] = (${s}) / ${f(k)};`);
      const t = Array.from({ length: k + 1 }, (_, i) => `${y}[${i}] * ${y}[${k - i}]`).join(' + ');
      b.push(`${z}[${k}] = -(${t});`);
    }
    return b;
  };
  fn(`fn jetTanhUnrolled(a : ${ptr}, y : ${ptr}, z : ${ptr})`, tanhBody('(*a)', '(*y)', '(*z)'));

  // sin: y_k = (1/k) sum_j j a_j w_{k-j},  w_k = -(1/k) sum_j j a_j y_{k-j}
  const sinBody = (a: string, y: string, w: string) => {
    const b = [`let sc = sincosJet(${a}[0]);`, `${y}[0] = sc[0];`, `${w}[0] = sc[1];`];
    for (let k = 1; k < n1; k++) {
      const s = Array.from({ length: k }, (_, i) => `${f(i + 1)} * ${a}[${i + 1}] * ${w}[${k - i - 1}]`).join(' + ');
      const c = Array.from({ length: k }, (_, i) => `${f(i + 1)} * ${a}[${i + 1}] * ${y}[${k - i - 1}]`).join(' + ');
      b.push(`${y}[${k}] = (${s}) / ${f(k)};`, `${w}[${k}] = -(${c}) / ${f(k)};`);
    }
    return b;
  };
  fn(`fn jetSinUnrolled(a : ${ptr}, y : ${ptr}, w : ${ptr})`, sinBody('(*a)', '(*y)', '(*w)'));

  // adjoints: the statements of the loops in jet_activation.wgsl, in the same order
  const tanhAdj = ['var y : array<Jet, N1>;', 'var z : array<Jet, N1>;', 'var zbar = array<Jet, N1>(); // zeroed explicitly: called once per point of a block', 'jetTanhUnrolled(a, &y, &z);'];
  for (let k = n1 - 1; k >= 1; k--) {
    for (let i = 0; i <= k; i++) tanhAdj.push(`(*ybar)[${i}] -= 2.0 * zbar[${k}] * y[${k - i}];`);
    tanhAdj.push(`{`, `  let g = (*ybar)[${k}] / ${f(k)};`);
    for (let j = 1; j <= k; j++) {
      tanhAdj.push(`  (*abar)[${j}] += g * ${f(j)} * z[${k - j}];`, `  zbar[${k - j}] += g * ${f(j)} * (*a)[${j}];`);
    }
    tanhAdj.push('}');
  }
  tanhAdj.push('(*ybar)[0] -= 2.0 * y[0] * zbar[0];', '(*abar)[0] += (*ybar)[0] * z[0];');
  fn(`fn jetTanhAdjointUnrolled(a : ${ptr}, ybar : ${ptr}, abar : ${ptr})`, tanhAdj);

  const sinAdj = ['var y : array<Jet, N1>;', 'var w : array<Jet, N1>;', 'var wbar = array<Jet, N1>(); // zeroed explicitly: called once per point of a block', 'jetSinUnrolled(a, &y, &w);'];
  for (let k = n1 - 1; k >= 1; k--) {
    sinAdj.push('{', `  let gw = -wbar[${k}] / ${f(k)};`, `  let gy = (*ybar)[${k}] / ${f(k)};`);
    for (let j = 1; j <= k; j++) {
      sinAdj.push(
        `  (*abar)[${j}] += gw * ${f(j)} * y[${k - j}] + gy * ${f(j)} * w[${k - j}];`,
        `  (*ybar)[${k - j}] += gw * ${f(j)} * (*a)[${j}];`,
        `  wbar[${k - j}] += gy * ${f(j)} * (*a)[${j}];`,
      );
    }
    sinAdj.push('}');
  }
  sinAdj.push('(*abar)[0] += (*ybar)[0] * w[0] - wbar[0] * y[0];');
  fn(`fn jetSinAdjointUnrolled(a : ${ptr}, ybar : ${ptr}, abar : ${ptr})`, sinAdj);
  return out.join('\n');
}
