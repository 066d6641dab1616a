// operatorInput: the input jets of an operator term's slot-jet rows (src/engine/train/operator-rows.ts).
// Row r = b * COUNT + p (row block b, point p) evaluates N(x_p + Σ_o v_o t^o); its input jet is
//   inp[r][0][c] = x_p[c],   inp[r][o][c] = v_o[c] for o = 1..N
// with v_o from the row's slot code slots[r][o − 1]: c' ≥ 0 the unit vector e_c', −1 zero,
// −2 − j the dense direction dirs[j] (a plain derivative's jet along it, at order 1).
// Buffers: points [COUNT][D] (f32), slots [ROWS][N] (i32), dirs [J][D] (f32), inp [ROWS][N + 1][D] (f32).

const D : u32 = {{D}}u;
const N : u32 = {{N}}u;
const COUNT : u32 = {{COUNT}}u;
const ROWS : u32 = {{ROWS}}u;

@group(0) @binding(0) var<storage, read> points : array<f32>;
@group(0) @binding(1) var<storage, read> slots : array<i32>;
@group(0) @binding(2) var<storage, read> dirs : array<f32>;
@group(0) @binding(3) var<storage, read_write> inp : array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid : vec3u, @builtin(num_workgroups) nwg : vec3u) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= ROWS * D) { return; }
  let r = i / D;
  let c = i % D;
  let base = r * (N + 1u) * D;
  inp[base + c] = points[(r % COUNT) * D + c];
  for (var o = 1u; o <= N; o++) {
    let code = slots[r * N + o - 1u];
    var v = 0.0;
    if (code >= 0) {
      v = select(0.0, 1.0, u32(code) == c);
    } else if (code <= -2) {
      v = dirs[u32(-2 - code) * D + c];
    }
    inp[base + o * D + c] = v;
  }
}
